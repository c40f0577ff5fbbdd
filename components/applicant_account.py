"""A company's account from its side: signing up (signed out), verifying the e-mail address
by the mailed link, and asking for a new link. Every write goes through ``db.accounts.
applicants`` (rate limits first, in a transaction of their own, so refused attempts count)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import streamlit as st

from components import data, mailing
from components.cells import escape_markdown
from components.forms import show_error
from components.i18n import N_, _, current_language
from db import ratelimit
from db.accounts import applicants
from db.errors import DomainError
from db.policy import Actor
from db.session import write_session

VERIFY_PATH = "verify_email"
VERIFY_SUBJECT = N_("Verify your e-mail address for the New Technology Platform")
VERIFY_BODY = N_(
    "Hello {name},\n\nyou created an account for {company} on the city's New Technology "
    "Platform. Open this link within 24 hours to verify your e-mail address:\n\n{link}\n\n"
    "The link works once. If you did not sign up, ignore this message."
)
AGAIN_SUBJECT = N_("You already have an account on the New Technology Platform")
AGAIN_BODY = N_(
    "Hello,\n\nsomeone tried to create an account with this e-mail address on the city's New "
    "Technology Platform, but it already has one. Sign in with it; if you forgot the "
    "password, ask the platform's administrator. If it was not you, ignore this message."
)


def client_address() -> str | None:
    """Who is asking, for the rate limits: the address the nearest proxy saw (the last
    entry of ``X-Forwarded-For``), else the connection's."""
    forwarded = (st.context.headers.get("X-Forwarded-For") or "").split(",")[-1].strip()
    return forwarded or st.context.ip_address


def verify_link(token: str) -> str:
    """The link that verifies (:func:`mailed_link`)."""
    return mailed_link(VERIFY_PATH, token)


def app_link(path: str) -> str:
    """A link to the page ``path`` for a message: on ``NTP_PUBLIC_URL`` (set it in
    production: a Host header is the client's to choose), else the address this page was
    opened at."""
    base = (os.environ.get("NTP_PUBLIC_URL") or "").strip()
    if not base:
        parts = urlsplit(st.context.url or "http://localhost:8501/")
        base = f"{parts.scheme}://{parts.netloc}{parts.path.rsplit('/', 1)[0]}"
    return f"{base.rstrip('/')}/{path}"


def mailed_link(path: str, token: str) -> str:
    """A link to the page ``path`` carrying ``token`` (see :func:`app_link`)."""
    return f"{app_link(path)}?token={token}"


def _take(bucket: str, keys: dict[str, str | None]) -> None:
    with write_session(data.engine()) as s:
        ratelimit.take(s, bucket, keys)


def new_password_inputs() -> tuple[str, str]:
    """A new account's password and its repetition, inside the caller's form (a company's
    sign-up, an invited expert's account)."""
    password = st.text_input(
        _("Password"),
        type="password",
        help=_("At least 12 characters, not your username, not a common password."),
    )
    return password, st.text_input(_("Repeat the password"), type="password")


def same_passwords(password: str, repeat: str) -> bool:
    """False, with the reason shown, when the two typed passwords differ."""
    if password != repeat:
        st.error(_("The two passwords differ. Nothing was saved."))
        return False
    return True


def sign_up_page() -> None:
    st.header(_("Create a company account"))
    st.caption(
        _(
            "Companies apply for the registration of a new technology here. Your e-mail "
            "address is your username; we mail you a link to verify it before you apply."
        )
    )
    with st.form("sign_up"):
        company = st.text_input(_("Company"), max_chars=200)
        name = st.text_input(_("Your name"), max_chars=120)
        email = st.text_input(_("E-mail"), max_chars=64)
        password, repeat = new_password_inputs()
        sent = st.form_submit_button(_("Create account"), type="primary")
    if not sent:
        return
    if not same_passwords(password, repeat):
        return
    lang = current_language()
    try:
        _take("signup", {"email": email, "client": client_address()})
        data.write(
            applicants.sign_up,
            company=company,
            name=name,
            email=email,
            password=password,
            compose=lambda token: mailing.letter(
                lang,
                VERIFY_SUBJECT,
                VERIFY_BODY,
                name=" ".join(name.split()),
                company=" ".join(company.split()),
                link=verify_link(token),
            ),
            already=lambda: mailing.letter(lang, AGAIN_SUBJECT, AGAIN_BODY),
            deliver=mailing.settings().deliver,
        )
    except DomainError as exc:
        show_error(exc)
        return
    mailing.send_queued()
    st.success(
        _(
            "Thank you. We sent a message to {email}: open its link to verify your address, "
            "then sign in with your e-mail address and password.",
            email=escape_markdown(email.strip()),
        )
    )


VERIFY_OUTCOME = "ntp_verify_outcome"  # the last link's outcome in this session


def verify_page(actor: Actor | None) -> None:
    """Use the link's token (``?token=``), then forget it from the address bar; a signed-in
    applicant whose address is not verified may ask for a new link."""
    st.header(_("E-mail verification"))
    token = st.query_params.get("token")
    if token:
        # The outcome is kept for the session: a fresh page load reruns at once (its cookie
        # component reports in), and that run no longer has the token in the address.
        try:
            data.write(applicants.verify_email, token=token)
        except DomainError as exc:
            st.session_state[VERIFY_OUTCOME] = exc
        else:
            st.session_state[VERIFY_OUTCOME] = True
        st.query_params.clear()
    outcome = st.session_state.get(VERIFY_OUTCOME)
    if isinstance(outcome, DomainError):
        show_error(outcome)
    elif outcome:
        st.success(_("Your e-mail address is verified. You can now submit applications."))
    if actor is None or not actor.has("applicant"):
        if outcome is None:
            st.info(_("Open the link we mailed you to verify your e-mail address."))
        return
    me = data.read(applicants.applicant, actor=actor)
    if me.verified:
        st.info(_("Your e-mail address {email} is verified.", email=escape_markdown(me.email)))
        return
    st.warning(
        _(
            "Your e-mail address {email} is not verified yet: open the link we mailed you. "
            "You cannot submit applications until then.",
            email=escape_markdown(me.email),
        )
    )
    if st.button(_("Send a new link"), key="resend_link"):
        lang = current_language()
        try:
            _take("verify_resend", {"account": str(actor.id), "client": client_address()})
            data.write(
                applicants.resend_link,
                actor=actor,
                compose=lambda t: mailing.letter(
                    lang,
                    VERIFY_SUBJECT,
                    VERIFY_BODY,
                    name=me.name,
                    company=me.company,
                    link=verify_link(t),
                ),
                deliver=mailing.settings().deliver,
            )
        except DomainError as exc:
            show_error(exc)
        else:
            mailing.send_queued()
            st.success(_("A new link is on its way to {email}.", email=escape_markdown(me.email)))
