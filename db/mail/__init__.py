"""Mail: the outbox every message goes through, and its SMTP sender.

``outbox``: :func:`~db.mail.outbox.enqueue` stores a message in the caller's transaction (so a
mail is queued exactly when the write that causes it commits); administrators read the outbox.
``smtp``: the settings (environment and secrets) and :func:`~db.mail.smtp.deliver_queued`,
which sends what is queued after the write committed. In demo mode, in tests and while no
SMTP server is configured, messages are kept in the local outbox only (status ``local``).

The text of a message is written by the caller in the recipient's language (the UI's
catalogue, ``components.i18n.translate_in``); this package never imports Streamlit.
"""

from db.mail.outbox import Letter, OutboxRow, enqueue, messages_to, outbox_count, outbox_page
from db.mail.smtp import DeliveryReport, MailSettings, deliver_queued, load_mail_settings

__all__ = [
    "DeliveryReport",
    "Letter",
    "MailSettings",
    "OutboxRow",
    "deliver_queued",
    "enqueue",
    "load_mail_settings",
    "messages_to",
    "outbox_count",
    "outbox_page",
]
