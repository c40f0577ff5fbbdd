"""Applicants and applications for the tests: a verified applicant, an application's
fields, PDFs."""

from __future__ import annotations

import re
from dataclasses import replace

from sqlalchemy import Engine

from db import applications, mail
from db.accounts import applicants
from db.city.store import codes
from db.policy import Actor
from db.session import read_session, write_session
from tests import pdfs
from tests.users import actor_of

PASSWORD = "waterproof membrane 2026"


def compose(token: str) -> mail.Letter:
    return mail.Letter(
        subject="Verify your address",
        body=f"http://localhost/verify_email?token={token}",
        language="en",
    )


def already() -> mail.Letter:
    return mail.Letter(subject="You have an account", body="Sign in instead.", language="en")


def link_token(engine: Engine, email: str) -> str:
    with read_session(engine) as s:
        body = [m for m in mail.messages_to(s, email) if m.kind == "verify"][-1].body
    found = re.search(r"token=([A-Za-z0-9_-]+)", body)
    assert found
    return found.group(1)


def applicant(engine: Engine, email: str, *, verified: bool = True) -> Actor:
    with write_session(engine) as s:
        user_id = applicants.sign_up(
            session=s,
            company="(주)방수기술",
            name="김대표",
            email=email,
            password=PASSWORD,
            compose=compose,
            already=already,
            deliver=False,
        )
    assert user_id is not None
    if verified:
        with write_session(engine) as s:
            applicants.verify_email(session=s, token=link_token(engine, email))
    return actor_of(engine, user_id)


def fields(engine: Engine, **changes: str) -> applications.ApplicationInput:
    with read_session(engine) as s:
        field = codes(s, "fields", offered=True)[0]
    base = applications.ApplicationInput(
        organisation="(주)방수기술",
        contact_name="김대표",
        contact_email="ceo@firm.example",
        contact_phone="053-000-0000",
        title_ko="아크릴레이트 노출 복합방수",
        title_en="Acrylate exposed composite waterproofing",
        field=field,
        growth_sector=None,
        certification="patent",
        description="A membrane that cures in 30 minutes.",
    )
    return replace(base, **changes)


def submit(
    engine: Engine, actor: Actor, uploads: list[tuple[str, bytes]] | None = None, **changes: str
) -> int:
    with write_session(engine) as s:
        return applications.submit_application(
            session=s,
            actor=actor,
            fields=fields(engine, **changes),
            uploads=[("certificate.pdf", pdfs.real_pdf())] if uploads is None else uploads,
            language="en",
        )
