"""Scheduled work: ``python -m jobs run-due`` (for cron or a systemd timer, see ``deploy/``).

It sends the messages users chose on *My account* (``db.inbox.subscriptions``) that are due,
records a daily verification of the audit trail (for the auditors' alerts and inbox), then
delivers the outbox as ``python -m db send-mail`` does. Idempotent: each (job, recipient,
period) is one row of ``job_runs`` under a unique key, written in the transaction that queues
its message, so a second run (or a second server on the same PostgreSQL) sends nothing twice
and a run interrupted halfway leaves the rest to the next one.
"""
