"""Mail from the UI's side: the SMTP settings (environment, then ``st.secrets``), sending
what a write just queued, and writing a message in the recipient's language."""

from __future__ import annotations

import logging

import streamlit as st

from components import data
from components.i18n import LANGUAGES, translate_in
from db import mail
from db.config import load_settings

log = logging.getLogger("ntp.mail")


def _secrets() -> dict[str, str]:
    try:
        return {k: str(v) for k, v in st.secrets.items() if isinstance(v, str)}
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return {}


def settings() -> mail.MailSettings:
    return mail.load_mail_settings(demo=load_settings().demo, secrets=_secrets())


def send_queued() -> None:
    """Send what the last write queued (nothing in demo mode); a server that is down leaves
    the messages queued for the next time, never an error on the page."""
    try:
        mail.deliver_queued(data.engine(), settings())
    except Exception:  # the write is saved; mail is retried by the next send
        log.exception("Sending queued mail failed")


def letter(lang: str, subject: str, body: str, /, **params: object) -> mail.Letter:
    """A message in ``lang`` (msgids ``subject`` and ``body``, ``{name}`` fields from
    ``params``)."""
    lang = lang if lang in LANGUAGES else LANGUAGES[0]
    return mail.Letter(
        subject=translate_in(lang, subject, **params),
        body=translate_in(lang, body, **params),
        language=lang,
    )
