"""The work queue at scale: sections cut in SQL with full counts, and select boxes fed by a
search with a limit (issue #8), on the seeded demo data of both backends."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Engine, select

from db import approvals, policy
from db.adoptions import writes as adoption_writes
from db.models import Adoption, Technology, User
from db.policy import Actor
from db.session import read_session


def _actor(engine: Engine, username: str) -> Actor:
    with read_session(engine) as s:
        u = s.execute(select(User).where(User.username == username)).scalar_one()
        return Actor(id=u.id, username=u.username, roles=u.role_names, display_name=u.display_name)


def _read(engine: Engine, fn: Any, **kwargs: Any) -> Any:
    with read_session(engine) as s:
        return fn(session=s, **kwargs)


def test_cut_sections_are_the_first_rows_and_counts_are_the_whole(seeded_engine: Engine) -> None:
    staff = _actor(seeded_engine, "staff.demo")
    whole = _read(seeded_engine, approvals.work_queue, actor=staff)
    counts = _read(seeded_engine, approvals.queue_counts, actor=staff)
    for section, frame in vars(whole).items():
        assert getattr(counts, section) == len(frame), section
    assert counts.my_open == int(whole.my_proposals["open"].sum())
    assert counts.to_propose > 5 and counts.awaiting_meeting > 5
    cut = _read(seeded_engine, approvals.work_queue, actor=staff, limit=5)
    for section, frame in vars(cut).items():
        assert len(frame) == 5, section
        assert _records(frame) == _records(getattr(whole, section).head(5)), section
    # One's own proposals are cut in SQL by the same order as the whole list (open first,
    # newest first, then the key as text: "adoption:1003" before "adoption:998"), at any cut.
    mine = whole.my_proposals
    assert len(mine) > 40
    for limit in (1, 7, 23, 40):
        cut_mine = _read(seeded_engine, approvals.work_queue, actor=staff, limit=limit).my_proposals
        assert _records(cut_mine) == _records(mine.head(limit)), limit


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    plain = frame.astype(object)
    return plain.where(plain.notna(), None).to_dict("records")


def test_technology_choices_search_and_limit(seeded_engine: Engine) -> None:
    staff = _actor(seeded_engine, "staff.demo")
    with read_session(seeded_engine) as s:
        reg_no, title_ko = s.execute(
            select(Technology.reg_no, Technology.title_ko)
            .where(Technology.status == "registered")
            .order_by(Technology.id)
            .limit(1)
        ).one()
        registered = len(
            s.execute(select(Technology.id).where(Technology.status == "registered")).all()
        )
    everything = _read(
        seeded_engine, approvals.technology_choices, actor=staff, statuses=("registered",)
    )
    assert len(everything) == registered
    first = _read(
        seeded_engine, approvals.technology_choices, actor=staff, statuses=("registered",), limit=7
    )
    assert first["id"].tolist() == everything["id"].head(7).tolist()
    found = _read(
        seeded_engine,
        approvals.technology_choices,
        actor=staff,
        statuses=("registered",),
        search=reg_no.lower(),
        limit=50,
    )
    assert found["reg_no"].tolist() == [reg_no]
    by_title = _read(
        seeded_engine,
        approvals.technology_choices,
        actor=staff,
        statuses=("registered",),
        search=title_ko[1:-1],
        limit=50,
    )
    assert reg_no in by_title["reg_no"].tolist()
    fragment = title_ko[1:-1].lower()
    for _i, r in by_title.iterrows():
        assert fragment in f"{r['reg_no']} {r['title_ko']} {r['title_en']}".lower()
    # "%" and "_" are literal characters, not wildcards
    assert _read(
        seeded_engine,
        approvals.technology_choices,
        actor=staff,
        statuses=("registered",),
        search="%",
    ).empty


def test_owner_and_testbed_choices_search(seeded_engine: Engine) -> None:
    staff = _actor(seeded_engine, "staff.demo")
    owners = _read(seeded_engine, approvals.owner_choices, actor=staff)
    name = str(owners["name_ko"].iloc[len(owners) // 2])
    found = _read(seeded_engine, approvals.owner_choices, actor=staff, search=name, limit=20)
    assert name in found["name_ko"].tolist()
    assert all(name in n for n in found["name_ko"]) or any(
        name.lower() in str(n).lower() for n in found["name_en"]
    )
    assert len(_read(seeded_engine, approvals.owner_choices, actor=staff, limit=3)) == 3
    testbeds = _read(seeded_engine, approvals.testbed_choices, actor=staff)
    assert len(testbeds) > 1
    reg_no = str(testbeds["reg_no"].iloc[-1])
    found_tb = _read(seeded_engine, approvals.testbed_choices, actor=staff, search=reg_no)
    assert set(found_tb["reg_no"]) == {reg_no}
    assert len(_read(seeded_engine, approvals.testbed_choices, actor=staff, limit=1)) == 1


def test_pending_decisions_batched_match_one_by_one(seeded_engine: Engine) -> None:
    approver = _actor(seeded_engine, "approver.demo")
    pending = _read(
        seeded_engine, approvals.pending_decisions, actor=approver, include_excluded=True
    )
    ids = [int(i) for i in pending.loc[pending["kind"] == "adoption", "item_id"]]
    with read_session(seeded_engine) as s:
        ids += [int(i) for i in s.execute(select(Adoption.id).limit(40)).scalars()]
        together = adoption_writes.recommendations(s, ids)
        editors = policy.editors_of(s, "adoption", ids)
        assert set(together) == set(ids)
        assert {r.recommended for r in together.values()} == {True, False}
        for i in ids:
            assert together[i] == adoption_writes.recommendations(s, [i])[i]
            assert editors.get(i, set()) == policy.editors_of(s, "adoption", [i]).get(i, set())
    recommended = dict(zip(pending["item_id"], pending["recommended"], strict=True))
    for i in pending.loc[pending["kind"] == "adoption", "item_id"]:
        assert bool(recommended[i]) == together[int(i)].recommended
