"""Expert accounts from the UI's side: staff invite an expert of the pool (on the expert's
detail), and the invited expert opens their account from the mailed link (signed out). The
writes are ``db.accounts.experts``'."""

from __future__ import annotations

import streamlit as st

from components import data, mailing
from components.applicant_account import mailed_link, new_password_inputs, same_passwords
from components.cells import escape_markdown
from components.forms import flash, show_error
from components.i18n import N_, _, current_language
from db.accounts import experts as invitations
from db.errors import DomainError
from db.policy import Actor

INVITE_PATH = "expert_invitation"
INVITE_SUBJECT = N_("Your invitation to the New Technology Platform's expert area")
INVITE_BODY = N_(
    "Hello,\n\nthe city's New Technology Platform invites you, as a member of its "
    "expert pool, to open your account in the expert area: there you answer the meetings you "
    "are drawn for, declare conflicts of interest and enter your own scores. Open this link "
    "within 7 days and choose a password:\n\n{link}\n\nThe link works once."
)


def invite_form(actor: Actor, expert_id: int) -> None:
    """Staff: send the expert a one-time link to open their account."""
    with st.expander(_("Invite to the expert area"), icon=":material/outgoing_mail:"):
        st.caption(
            _(
                "Sends a one-time link to the e-mail address on the expert's record (in demo "
                "mode it stays in the local outbox). The expert then enters their own "
                "declarations and scores."
            )
        )
        if st.button(_("Send the invitation"), key=f"invite_expert_{expert_id}"):
            lang = current_language()
            try:
                data.write(
                    invitations.invite_expert,
                    actor=actor,
                    expert_id=expert_id,
                    compose=lambda token: mailing.letter(
                        lang,
                        INVITE_SUBJECT,
                        INVITE_BODY,
                        link=mailed_link(INVITE_PATH, token),
                    ),
                    deliver=mailing.settings().deliver,
                )
            except DomainError as exc:
                show_error(exc)
                return
            mailing.send_queued()
            flash("success", _("The invitation was sent."), icon=":material/check:")
            st.rerun()


def invitation_page() -> None:
    """The invitation's landing page (``?token=``): choose a password, and the account opens."""
    st.header(_("Open your expert account"))
    token = st.query_params.get("token") or st.session_state.get("expert_invite_token")
    if not token:
        st.info(_("Open this page from the link in your invitation."))
        return
    st.session_state["expert_invite_token"] = token
    try:
        invited = data.read(invitations.invitation, token=token)
    except DomainError as exc:
        show_error(exc)
        return
    st.markdown(
        _(
            "Welcome, {name}. Your username is {email}.",
            name=escape_markdown(invited.name),
            email=escape_markdown(invited.email),
        )
    )
    with st.form("expert_invitation"):
        password, repeat = new_password_inputs()
        sent = st.form_submit_button(_("Open my account"), type="primary")
    if not sent:
        return
    if not same_passwords(password, repeat):
        return
    try:
        data.write(invitations.accept_invitation, token=token, password=password)
    except DomainError as exc:
        show_error(exc)
        return
    st.session_state.pop("expert_invite_token", None)
    st.query_params.clear()
    st.success(
        _(
            "Your expert account is open. Sign in with {email} and your password.",
            email=escape_markdown(invited.email),
        )
    )
