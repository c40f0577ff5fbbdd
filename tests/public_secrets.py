"""Secrets planted in every field the public may not read, to show that none reaches a public
page or file: experts' identities and contact data, internal notes and reasons, scores'
comments, minutes, budgets' justifications, accounts' e-mail, and the titles of technologies
that were never registered (items under review, rejections)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from db.models import (
    Adoption,
    AgendaItem,
    Agreement,
    Evaluation,
    Expert,
    ExpertTie,
    Inquiry,
    InquiryFollowup,
    ItemRecusal,
    Meeting,
    PanelSeat,
    Technology,
    User,
)
from db.public import PUBLISHED_STATUSES

SECRET = "ZQSECRETQZ"  # in no public output, in no language


def plant(session: Session) -> None:
    """Put :data:`SECRET` into every unpublished text field of the database (the caller
    commits, or rolls back after reading)."""
    s = SECRET
    session.execute(
        update(Expert).values(
            name=s + "-name",
            name_en=s + "-name-en",
            position=s + "-position",
            phone=s + "-phone",
            email=s + "@example.invalid",
        )
    )
    session.execute(update(ExpertTie).values(note=s + "-tie"))
    session.execute(update(Technology).values(summary=s + "-summary"))
    session.execute(
        update(Technology)
        .where(Technology.status.not_in(PUBLISHED_STATUSES))
        .values(title_ko=s + "-under-review-ko", title_en=s + "-under-review-en")
    )
    session.execute(
        update(Meeting).values(title=s + "-meeting", minutes=s + "-minutes", location=s)
    )
    session.execute(update(PanelSeat).values(conflict_note=s + "-conflict"))
    session.execute(update(AgendaItem).values(decision_reason=s + "-reason"))
    session.execute(update(Evaluation).values(comment=s + "-score-comment"))
    session.execute(update(ItemRecusal).values(reason=s + "-recusal"))
    session.execute(
        update(Adoption).values(
            department=s + "-department",
            justification=s + "-justification",
            decision_comment=s + "-decision",
        )
    )
    session.execute(
        update(Adoption).where(Adoption.status != "approved").values(project_name=s + "-project")
    )
    session.execute(update(Inquiry).values(topic=s + "-topic", contact_name=s + "-contact", note=s))
    session.execute(update(InquiryFollowup).values(note=s + "-followup"))
    session.execute(update(Agreement).values(scope=s + "-scope"))
    session.execute(update(User).values(email=s + "@example.invalid"))
