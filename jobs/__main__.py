"""``python -m jobs run-due``: send the messages that are due, then the outbox (see
:mod:`jobs`). Exit code 0 when everything due was queued and delivered (or kept in the local
outbox), 1 when some mail waits for a retry or failed, 2 for a problem a person can fix."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import streamlit.logger

from db import clock, mail
from db.audit.keys import load_key
from db.audit.receipt import RECEIPTS_ENV
from db.city import store as city_store
from db.config import load_settings
from db.engine import DatabaseConfigError, make_engine
from db.errors import DomainError
from db.migrate import is_up_to_date
from db.session import read_session

if TYPE_CHECKING:
    from jobs.runner import RunReport


def describe(report: RunReport) -> list[str]:
    """The run in a few lines (the users skipped for want of an address by name)."""
    lines = [
        f"Queued {len(report.queued)} message(s); nothing to say in {report.nothing}; "
        f"done before {report.done_before}."
    ]
    for job, username, mail_id in report.queued:
        lines.append(f"  queued {job} for {username} (mail {mail_id})")
    if report.no_address:
        lines.append(f"Skipped {len(report.no_address)} without an e-mail address:")
        lines += [f"  {username} ({job})" for job, username in report.no_address]
    if report.verification is not None:
        lines.append(f"Audit trail verification: {report.verification}.")
    if report.receipt is not None:
        lines.append(f"Wrote the day's head receipt to {report.receipt}.")
    d = report.delivery
    if d is not None and (d.sent or d.retry or d.failed):
        lines.append(f"Sent {len(d.sent)}, to retry {len(d.retry)}, failed {len(d.failed)}.")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jobs", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run-due", help="send the messages that are due, then the outbox")
    run.add_argument(
        "--no-verify", action="store_true", help="skip the daily audit-trail verification"
    )
    args = parser.parse_args(argv)
    # The message texts use the UI's catalogue and labels, whose cached readers warn when
    # they are defined and called without a Streamlit server: a command needs none.
    streamlit.logger.set_log_level("ERROR")
    from jobs.runner import run_due

    settings = load_settings()
    try:
        engine = make_engine(settings.database_url)
    except DatabaseConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    try:
        if not is_up_to_date(engine):
            print(
                "The database is not upgraded: run `python -m db upgrade` first.", file=sys.stderr
            )
            return 2
        with read_session(engine) as s:  # the city's days (daily, weekly periods) from here on
            if city_store.has_profile(s):
                clock.use_city_zone(city_store.city(s).time_zone)
        mail_settings = mail.load_mail_settings(demo=settings.demo)
        # The day's head receipt where the city keeps them (docs/audit-chain.md): refused
        # without an audit key outside demo mode, before anything is sent.
        target = os.environ.get(RECEIPTS_ENV, "").strip()
        receipts = (load_key(), target) if target else None
        report = run_due(engine, mail_settings, verify=not args.no_verify, receipts=receipts)
    except DomainError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print("\n".join(describe(report)))
    if report.receipt_error is not None:  # the receipts' folder cannot be written
        print(f"The head receipt could not be written: {report.receipt_error}. Nothing was "
              "recorded for today; the next run tries again.", file=sys.stderr)  # fmt: skip
        return 2
    d = report.delivery
    return 1 if d is not None and (d.retry or d.failed) else 0


if __name__ == "__main__":
    sys.exit(main())
