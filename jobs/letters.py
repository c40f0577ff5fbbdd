"""The words of the scheduled messages, in the recipient's language (the UI's catalogue),
around what ``db.inbox.digests`` read with the recipient as the acting user."""

from __future__ import annotations

import datetime as dt

from babel.numbers import format_decimal

from components.briefing import build_briefing
from components.i18n import LOCALES, N_, translate_in
from db.inbox.digests import Alert, OverdueLine, PendingLine, WeeklyFigures
from db.mail import Letter

FOOTER = N_(
    "You receive this message because you chose it on the page My account of the New "
    "Technology Platform; untick it there to stop."
)

FIGURES = (
    (N_("Experts registered"), "experts"),
    (N_("Technologies registered"), "technologies"),
    (N_("Deliberation meetings held"), "meetings"),
    (N_("Technologies adopted"), "adopted"),
    (N_("Testbeds"), "testbeds"),
    (N_("Inter-city inquiries"), "inquiries"),
    (N_("Agreements"), "agreements"),
)


def _n(lang: str, value: int) -> str:
    return format_decimal(value, locale=LOCALES[lang])


def _letter(lang: str, subject: str, lines: list[str], **extra: object) -> Letter:
    body = "\n".join([*lines, "", translate_in(lang, FOOTER)])
    return Letter(subject=subject, body=body, language=lang, **extra)  # type: ignore[arg-type]


def approval_digest(lang: str, name: str, items: list[PendingLine], days: int) -> Letter:
    _t = translate_in
    subject = _t(lang, "Decisions waiting for you for more than {days} days: {n}",
                n=_n(lang, len(items)), days=days)  # fmt: skip
    lines = [_t(lang, "Hello {name},", name=name), "",
             _t(lang, "These decisions wait for you on the page Approvals:"), ""]  # fmt: skip
    for p in items:
        title = p.title_ko if lang == "ko" else p.title_en
        lines.append(
            "- "
            + _t(lang, "{reg_no} {title} ({subject}): proposed on {day}, {days} days ago",
                reg_no=p.reg_no, title=title, subject=p.subject, day=p.proposed_on.isoformat(),
                days=p.days)
        )  # fmt: skip
    return _letter(lang, subject, lines)


def overdue_digest(lang: str, name: str, items: list[OverdueLine], total: int) -> Letter:
    _t = translate_in
    subject = _t(lang, "Inquiries waiting too long for an answer: {n}", n=_n(lang, total))
    lines = [_t(lang, "Hello {name},", name=name), "",
             _t(lang, "These inquiries wait for an answer (page Inquiries):"), ""]  # fmt: skip
    for i in items:
        org = i.org_ko if lang == "ko" else i.org_en
        lines.append(
            "- "
            + _t(lang, "{org}: {topic} (received on {day}, {days} days ago)", org=org,
                topic=i.topic, day=i.received_on.isoformat(), days=i.days)
        )  # fmt: skip
    if total > len(items):
        lines.append(_t(lang, "... and {n} more.", n=_n(lang, total - len(items))))
    return _letter(lang, subject, lines)


def weekly_briefing(
    lang: str, name: str, week: str, today: dt.date, produced: dt.datetime,
    figures: WeeklyFigures, city_name: str,
) -> Letter:  # fmt: skip
    _t = translate_in
    subject = _t(lang, "Weekly briefing of the New Technology Platform, {week}", week=week)
    rows: list[tuple[str, int, int | None]] = [
        (msgid, int(getattr(figures.now, attr)),
         int(getattr(figures.now, attr)) - int(getattr(figures.before, attr)))
        for msgid, attr in FIGURES
    ]  # fmt: skip
    lines = [_t(lang, "Hello {name},", name=name), "",
             _t(lang, "The platform's figures on {day}, and their change over 7 days:",
               day=today.isoformat()), ""]  # fmt: skip
    for msgid, value, delta in rows:
        change = delta or 0
        sign = "+" if change > 0 else ""
        lines.append(f"- {_t(lang, msgid)}: {_n(lang, value)} ({sign}{_n(lang, change)})")
    lines += ["", _t(lang, "The printable briefing is attached.")]
    attachment = build_briefing(
        lang=lang,
        as_of=today,
        produced_at=produced,
        period_label=_t(lang, "Change over 7 days"),
        figures=rows,
        headline=figures.now,
        pipeline=figures.pipeline,
        durations=figures.durations,
        filters_text=_t(lang, "All technologies"),
        city_name=city_name,
    )
    return _letter(
        lang, subject, lines,
        attachment_name=f"ntp-briefing-{today.isoformat()}-{lang}.html", attachment=attachment,
    )  # fmt: skip


def auditor_alert(lang: str, name: str, alert: Alert) -> Letter:
    _t = translate_in
    if alert.kind == "verification":
        subject = _t(lang, "The audit trail's verification failed")
        what = _t(lang, "The scheduled verification of the audit trail on {day} failed: {detail}",
                 day=alert.day.isoformat(), detail=alert.detail)  # fmt: skip
        todo = _t(lang, "Open the page Audit trail to verify it again and see the events.")
    else:
        subject = _t(lang, "New fairness flags in meeting {code}", code=alert.detail)
        what = _t(lang, "Meeting {code}, held on {day}, has {n} fairness flags.",
                 code=alert.detail, day=alert.day.isoformat(), n=_n(lang, alert.count))  # fmt: skip
        todo = _t(lang, "Open the page Fairness to read them.")
    return _letter(lang, subject, [_t(lang, "Hello {name},", name=name), "", what, todo])
