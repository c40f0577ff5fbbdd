"""Helpers to drive the whole app under ``streamlit.testing.v1.AppTest``."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")

DEMO_PASSWORD = "ntp-demo-2019-08-08"
ROLE_ACCOUNTS = {
    "executive": "executive.demo",
    "auditor": "auditor.demo",
    "staff": "staff.demo",
    "approver": "approver.demo",
    "admin": "admin.demo",
}


def new_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    return at


def text_input(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    matches = [t for t in at.text_input if t.label == label]
    assert matches, f"no text input labelled {label!r}: {[t.label for t in at.text_input]}"
    return matches[0]


def button(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button labelled {label!r}: {[b.label for b in at.button]}"
    return matches[0]


def sign_in(at: AppTest, username: str, password: str = DEMO_PASSWORD) -> AppTest:
    text_input(at, "Username").input(username)
    text_input(at, "Password").input(password)
    button(at, "Sign in").click()
    at.run()
    return at


def page_text(at: AppTest) -> str:
    """All text a person would read on the rendered page (markdown, titles, metrics, alerts)."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "error", "warning",
                 "info", "success"):
        parts.extend(str(e.value) for e in getattr(at, kind))
    parts.extend(f"{m.label} {m.value}" for m in at.metric)
    return "\n".join(parts)
