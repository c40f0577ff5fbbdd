"""Sign-in with streamlit-authenticator, hardened and backed by the database.

streamlit-authenticator's authentication controller keeps the signed-in state of a browser
session (signed in by the form, or recognised from the re-authentication cookie, a JWT). The
sign-in form is the app's own (:func:`signed_out_page`): its button checks the password in a
callback, before the run it causes, so that run draws the signed-in pages at once (the page the
visitor asked for). The cookie is read from the page request (``st.context.cookies``), and
written and expired by an app-made script (:func:`_cookie_script`). The library's
``Authenticate`` is not used: it creates a cookie component that reports the browser's cookies
back and so runs every fresh browser session's first page twice (and the second run cut short
whatever the user had clicked in the meantime). Everything the library does weakly is done on
the server here:

- the password check goes to ``db.accounts.signin.authenticate`` (bcrypt, per-account failure count
  and back-off in the database, an audit event for every attempt, one generic message);
- every sign-in is a server-side row keyed by the SHA-256 of the cookie's token, with a
  12-hour lifetime and a 30-minute idle timeout; a rerun re-checks it when the last check of
  this browser session is more than :data:`RECHECK` (10 s) old, so signing out elsewhere,
  disabling an account, a role or a password change end it within 10 seconds of the user's
  next click (a new browser session, a sign-in and a sign-out in this session always check at
  once), and a replayed old cookie is refused;
- the cookie key comes from the environment or secrets (``db.config.cookie_key``).

The authentication controller is created once per browser session.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import secrets
import time
from typing import Any

import jwt
import streamlit as st
from streamlit_authenticator.controllers import AuthenticationController
from streamlit_authenticator.utilities import LoginError

from components import city, data, navigation
from components.i18n import _
from components.labels import label
from db import accounts
from db.accounts import signin
from db.clock import now_utc
from db.config import cookie_key, load_settings
from db.policy import Actor
from db.session import read_session, write_session

COOKIE_NAME = "ntp_signin"
LIFETIME = dt.timedelta(hours=12)
IDLE = dt.timedelta(minutes=30)
TOKEN_KEY = "ntp_token"  # noqa: S105 - a session-state key, not a secret
ACTOR_KEY = "ntp_actor"
NOTICE_KEY = "ntp_signin_notice"
CHECKED_KEY = "ntp_signin_checked"
COOKIE_PENDING_KEY = "ntp_cookie_pending"  # a password sign-in's cookie, not yet written
EXPIRE_KEY = "ntp_cookie_expire"  # the browser's cookie is to be expired (signed out, refused)
AUTH_KEY = "_ntp_authenticator"
ASKED_KEY = "ntp_signin_asked"  # the page whose address the visitor signed in at
USER_FIELD = "ntp_signin_user"  # the sign-in form's fields (session-state keys)
PASSWORD_FIELD = "ntp_signin_password"  # noqa: S105 - a session-state key, not a secret
# How long a successful server-side check of the sign-in row stands for this browser session.
# Within it, reruns (every click) reuse the checked actor instead of querying the sign-in,
# user and password-change rows again: revocation takes effect at the first rerun after
# this bound. Writes are checked for roles in db/ with that actor either way.
RECHECK = dt.timedelta(seconds=10)


def _secrets() -> dict[str, str]:
    try:
        return {k: str(v) for k, v in st.secrets.items() if isinstance(v, str)}
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return {}


def _cookie_key() -> str:
    return cookie_key(load_settings(), _secrets())


def _demo() -> bool:
    return load_settings().demo


def _credentials() -> dict[str, Any]:
    users = data.read(signin.usable_credentials, now=now_utc(), allow_demo_accounts=_demo())
    return {"usernames": users}


def client_address() -> str | None:
    """Where a sign-in attempt comes from, for the back-off per client: the ``X-Real-IP``
    that the proxy sets when the request came through one on this host or the private
    network (``deploy/nginx.conf``), else the peer's address; None when unknown (a browser
    on this machine without a proxy, tests)."""
    peer = st.context.ip_address  # None for a loopback peer
    peer = peer if isinstance(peer, str) and peer else None  # (AppTest has no connection)
    real = st.context.headers.get("X-Real-IP")
    real = real.strip() if isinstance(real, str) else ""
    if real:
        try:
            proxied = peer is None or ipaddress.ip_address(peer).is_private
        except ValueError:
            proxied = False
        if proxied:
            return real[:64]
    return peer


def _check_credentials(username: str, password: str) -> bool:
    """Replaces the authenticator's in-memory check with the database one."""
    try:
        with write_session(data.engine()) as s:
            actor = signin.authenticate(
                session=s,
                username=username,
                password=password,
                now=now_utc(),
                allow_demo_accounts=_demo(),
                client=client_address(),
            )
    except signin.SignInFailed as failed:
        st.session_state[NOTICE_KEY] = _(failed.message, **failed.params)
        return False
    st.session_state[ACTOR_KEY] = actor
    return True


def authenticator() -> AuthenticationController:
    """The per-session authentication controller, created on first use.

    Its credentials are re-read from the database on every rerun while signed out (accounts
    may change at any time); once signed in, the server-side sign-in is what counts.
    """
    auth = st.session_state.get(AUTH_KEY)
    signed_in = bool(st.session_state.get("authentication_status"))
    credentials = {"usernames": {}} if signed_in and auth is not None else _credentials()
    if auth is None:
        auth = AuthenticationController(credentials, auto_hash=False, secret_key=_cookie_key())
        st.session_state[AUTH_KEY] = auth
    model = auth.authentication_model
    if not signed_in:
        model.credentials = credentials
    model.check_credentials = _check_credentials
    return auth


def _new_cookie_token(username: str) -> str:
    """The sign-in cookie's JWT (its username and expiry, as the library wrote them), with a
    random id so that every sign-in has a token (and a server-side row) of its own."""
    expires = now_utc() + LIFETIME
    claims = {"username": username, "exp_date": expires.timestamp(), "jti": secrets.token_hex(16)}
    return jwt.encode(claims, _cookie_key(), algorithm="HS256")


def _cookie_claims(token: str | None) -> dict[str, Any] | None:
    """The claims of a sign-in cookie signed with this app's key and not expired; else None.
    (Only the start: the server-side sign-in row must still be live, see ``check_signin``.)"""
    if not token:
        return None
    try:
        claims = jwt.decode(token, _cookie_key(), algorithms=["HS256"])
    except jwt.PyJWTError:
        return None
    username, expires = claims.get("username"), claims.get("exp_date")
    if not isinstance(username, str) or not isinstance(expires, int | float):
        return None
    return claims if expires > now_utc().timestamp() else None


def _submitted(asked: str | None) -> None:
    """The sign-in form's button, run before the rerun it causes: check the password (the
    database's check, see :func:`_check_credentials`) and record the sign-in on the server, so
    that this rerun draws the signed-in pages at once (the asked page if the role may open
    it). On failure the notice says why and the rerun draws the form again, the username kept
    and the password box empty: the password is not kept in the session either way."""
    username = str(st.session_state.get(USER_FIELD) or "")
    password = str(st.session_state.get(PASSWORD_FIELD) or "")
    st.session_state[PASSWORD_FIELD] = ""
    if not username or not password:
        st.session_state[NOTICE_KEY] = _("Enter both your username and your password.")
        return
    auth = authenticator()  # (exists: the run that drew the form made it)
    try:
        signed_in = bool(auth.login(username, password))
    except LoginError:
        signed_in = False
        st.session_state[NOTICE_KEY] = _(signin.SIGNIN_FAILED)
    if not signed_in or st.session_state.get(ACTOR_KEY) is None:
        return
    token = _new_cookie_token(st.session_state["username"])
    with write_session(data.engine()) as s:
        signin.start_signin(
            session=s,
            user_id=st.session_state[ACTOR_KEY].id,
            token=token,
            now=now_utc(),
            lifetime=LIFETIME,
        )
    # The rerun checks this sign-in on the server (as every new one), then writes the cookie.
    st.session_state[TOKEN_KEY] = token
    st.session_state[CHECKED_KEY] = None
    st.session_state[COOKIE_PENDING_KEY] = True
    st.session_state[ASKED_KEY] = asked


def _forget(notice: str | None) -> None:
    """Drop the sign-in of this browser session (the library's state and ours) and have the
    next signed-out run expire the browser's cookie: after a sign-out, a password change or
    the server refusing the sign-in."""
    st.session_state[EXPIRE_KEY] = True
    for key in (
        "authentication_status",
        "username",
        "name",
        "email",
        "roles",
        TOKEN_KEY,
        ACTOR_KEY,
        CHECKED_KEY,
    ):
        st.session_state[key] = None
    st.session_state["logout"] = True
    if notice:
        st.session_state[NOTICE_KEY] = notice


def signed_in_actor() -> Actor | None:
    """The signed-in user of this browser session, checked on the server: signed in by the
    form (:func:`_submitted`) or recognised from the sign-in cookie; ``None`` when signed out
    (the sign-in page draws the form)."""
    auth = authenticator()
    if not st.session_state.get("authentication_status") and not st.session_state.get("logout"):
        claims = _cookie_claims(st.context.cookies.get(COOKIE_NAME))
        if claims is not None:
            try:
                auth.login(token=claims)
            except LoginError:  # the account may no longer sign in
                _forget(_("Your sign-in is no longer valid. Please sign in again."))
    if not st.session_state.get("authentication_status"):
        if st.session_state.pop(EXPIRE_KEY, False):
            _cookie_script("", dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
        return None
    token = st.session_state.get(TOKEN_KEY)
    recent = _recent_check(token)
    if recent is not None:
        # Pages read the actor from the session (``navigation.guard``): it is always the
        # one the server checked, whatever else has been put under that key.
        st.session_state[ACTOR_KEY] = recent
        return recent
    now = now_utc()
    if token is None:
        # Signed in from the cookie: it must match a live server-side sign-in.
        token = st.context.cookies.get(COOKIE_NAME)
        st.session_state[TOKEN_KEY] = token
    # Checked in a write transaction (it records the visit), read-only if the database
    # cannot take writes: signed-in users keep reading a read-only or full database.
    actor = signin.check_signin(data.engine(), token=token, now=now, idle=IDLE) if token else None
    must_change = False
    if actor is not None and actor.id is not None:
        with read_session(data.engine()) as s:
            must_change = accounts.needs_password_change(session=s, user_id=actor.id)
    if actor is None:
        _forget(
            _(
                "Your sign-in has ended (signed out, expired, idle for 30 minutes or "
                "changed by an administrator). Please sign in again."
            ),
        )
        st.rerun()
    st.session_state[ACTOR_KEY] = actor
    st.session_state[CHECKED_KEY] = (token, time.monotonic(), actor, must_change)
    if token and st.session_state.pop(COOKIE_PENDING_KEY, False):
        _cookie_script(token, now_utc() + LIFETIME)
        _note_unavailable_page(actor, must_change)
    return actor


def _cookie_script(token: str, expires: dt.datetime) -> None:
    """Write the sign-in cookie in the browser by an app-made script (``st.html``): the token
    the server recorded (a JWT of base64url parts, no user text; empty to expire it) for the
    whole site until ``expires``, same-site only, and HTTPS-only when the app is served over
    HTTPS. Written in the first run of the signed-in pages; expired (a date in the past) in
    the first signed-out run after a sign-out or a refused sign-in. Unlike a component, the
    script reports nothing back, so the page is not run a second time."""
    cookie = json.dumps(f"{COOKIE_NAME}={token}; path=/; expires={_http_date(expires)}")
    cookie = cookie.replace("</", "<\\/")
    st.html(
        "<span class='ntp-signin-cookie'></span><script>document.cookie = "
        f"{cookie} + '; SameSite=Strict' + (location.protocol === 'https:' ? '; Secure' : '');"
        "</script>",
        unsafe_allow_javascript=True,
    )


def _http_date(when: dt.datetime) -> str:
    """A cookie's ``expires`` date (RFC 7231), e.g. ``Tue, 08 Dec 2026 01:02:03 GMT``."""
    return when.astimezone(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


def _note_unavailable_page(actor: Actor, must_change: bool) -> None:
    """After signing in at the address of a page the role may not open: say so above the
    start page the user landed on instead (a one-time password: the account page says why)."""
    asked = st.session_state.pop(ASKED_KEY, None)
    if not asked or must_change:
        return
    if asked in {p.url_path for p in navigation.pages_for(actor.roles)}:
        return
    spec = next((p for p in navigation.PAGES if p.url_path == asked), None)
    if spec is not None:
        st.session_state[NOTICE_KEY] = _(
            "The page you asked for ({page}) is not available to your role.", page=_(spec.title)
        )


def _recent_check(token: str | None) -> Actor | None:
    """The actor of this session's last server-side check if it is the same sign-in and
    younger than :data:`RECHECK`; otherwise ``None`` (check now)."""
    checked = st.session_state.get(CHECKED_KEY)
    if not checked or token is None or st.session_state.get(ACTOR_KEY) is None:
        return None
    checked_token, at, actor, _must_change = checked
    if checked_token != token or time.monotonic() - at > RECHECK.total_seconds():
        return None
    return actor


def still_signed_in() -> bool:
    """For a part of a page that reruns alone (an ``st.fragment``: app.py does not run): does
    this session's sign-in still stand as the last full run saw it? Checked on the server as
    :func:`signed_in_actor` checks it (at most every :data:`RECHECK`, recording the visit),
    without drawing anything. False when it has ended or changed (roles, a password change
    due): the caller reruns the whole app, which signs out or narrows the pages and says why."""
    token = st.session_state.get(TOKEN_KEY)
    if _recent_check(token) is not None:
        return True
    checked = st.session_state.get(CHECKED_KEY)
    if not checked or token is None or checked[0] != token:
        return False
    actor = signin.check_signin(data.engine(), token=token, now=now_utc(), idle=IDLE)
    if actor is None or actor != checked[2] or actor.id is None:
        return False
    with read_session(data.engine()) as s:
        must_change = accounts.needs_password_change(session=s, user_id=actor.id)
    if must_change != checked[3]:
        return False
    st.session_state[CHECKED_KEY] = (token, time.monotonic(), actor, must_change)
    return True


def sign_out_button() -> None:
    """The sign-out button (in the sidebar): revokes the server-side sign-in and forgets
    this session's; the run it causes draws the sign-in form and expires the browser's
    cookie."""

    def _sign_out() -> None:
        token = st.session_state.get(TOKEN_KEY)
        if token:
            with write_session(data.engine()) as s:
                signin.end_signin(session=s, token=token, now=now_utc())
        _forget(None)

    st.button(_("Sign out"), key="signout", on_click=_sign_out)


def signed_out_page(asked: str | None = None) -> None:
    """The sign-in page of a visitor: the city's name, the form, what went wrong. ``asked``:
    the page whose address the visitor opened (the sign-in stands in for it); once signed
    in, the same run draws that page if the role may open it, else the start page with a
    notice."""
    city.sign_in_heading(city.profile())
    with st.form(key="signin"):
        st.subheader(_("Sign in"))
        st.text_input(_("Username"), key=USER_FIELD, autocomplete="off")
        st.text_input(_("Password"), key=PASSWORD_FIELD, type="password", autocomplete="off")
        st.form_submit_button(_("Sign in"), on_click=_submitted, args=(asked,))
    show_notice()
    demo_hint()
    st.page_link(
        "pages/sign_up.py",
        label=_("No account yet? Create a company account to apply"),
        icon=":material/person_add:",
    )


def demo_hint() -> None:
    """In demo mode, below the sign-in form: the demo accounts and their password."""
    if not _demo():
        return
    from seed.constants import DEMO_PASSWORD  # public on purpose, demo mode only

    accounts_ = data.read(signin.demo_accounts)
    if not accounts_:
        return
    lines = [
        _(
            "Demo: sign in with one of these usernames, each with the password {password}.",
            password=f"`{DEMO_PASSWORD}`",
        )
    ]
    lines += [
        f"- `{name}`: " + ", ".join(label("role", r) for r in roles) for name, roles in accounts_
    ]
    st.info("\n".join(lines), icon=":material/info:")


def show_notice() -> None:
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.warning(notice)


def change_password(actor: Actor, current: str, new: str) -> None:
    """Change the user's own password, then end this sign-in too (all others already are).

    The user signs in again with the new password; that is simpler and safer than carrying
    a sign-in across an epoch change.

    :raise DomainError: the current password is wrong or the new one breaks the policy
        (``ValidationFailed`` with the problems); nothing was saved.
    """
    with write_session(data.engine()) as s:
        accounts.change_own_password(session=s, actor=actor, current=current, new=new)
    _forget(_("Your password was changed. Please sign in with the new password."))


def must_change_password(actor: Actor) -> bool:
    """True while the user still holds a one-time password (only My account is shown)."""
    if actor.id is None:
        return False
    checked = st.session_state.get(CHECKED_KEY)
    if checked and checked[2] == actor:  # read in the sign-in check of this session
        return bool(checked[3])
    return data.read(accounts.needs_password_change, user_id=actor.id)
