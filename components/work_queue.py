"""The staff work queue: its tiles, its four lists (to screen, to propose, waiting for a
meeting, my proposals), each cut in SQL with "Show more", and the choices its forms offer
(searched in the database, at most :data:`CHOICE_LIMIT`). The forms are in
``components.queue_forms``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from components import data
from components.cells import row_name
from components.grid import Col, date_col, table, title_col, vocab
from components.i18n import N_, _, fmt_int
from components.labels import label, status_label
from components.tiles import Tile, tile_row
from db import approvals
from db.policy import Actor

QUEUE_PAGE = 200  # rows per queue section, and more with each "Show more"
CHOICE_LIMIT = 1000  # options of a technology or organization select box
LIMIT_KEY = "wq_limit"


def queue_limit() -> int:
    """How many rows each queue section shows now (grows with "Show more")."""
    return int(st.session_state.get(LIMIT_KEY, QUEUE_PAGE))


def _show_more() -> None:
    st.session_state[LIMIT_KEY] = queue_limit() + QUEUE_PAGE


def queue_tiles(counts: approvals.QueueCounts) -> None:
    tile_row(
        [
            Tile(
                _("To screen"),
                counts.to_screen,
                _("Submissions to screen, and screened technologies to send to review."),
            ),
            Tile(
                _("To propose"),
                counts.to_propose,
                _("Registered technologies that no city project has proposed yet."),
            ),
            Tile(
                _("Waiting for a meeting"),
                counts.awaiting_meeting,
                _(
                    "Technologies under review, adoption proposals and testbed applications "
                    "that no meeting has decided yet."
                ),
            ),
            Tile(
                _("My open proposals"),
                counts.my_open,
                _("Your adoption proposals and proposed steps that are not decided yet."),
            ),
        ]
    )


TO_SCREEN = (
    Col("reg_no", N_("Registration number")),
    title_col(),
    Col("owner_ko", N_("Owner"), lambda _v, r: row_name(r, "owner_ko", "owner_en")),
    Col("field", N_("Field"), vocab("field")),
    Col("status", N_("Status"), vocab("tech_status")),
    date_col("since", N_("Since")),
)
TO_PROPOSE = (
    Col("reg_no", N_("Registration number")),
    title_col(),
    Col("owner_ko", N_("Owner"), lambda _v, r: row_name(r, "owner_ko", "owner_en")),
    Col(
        "is_local",
        N_("Local or external"),
        lambda v, _r: label("locality", "local" if v else "external"),
    ),
    Col("field", N_("Field"), vocab("field")),
    Col("growth_sector", N_("Growth sector"), vocab("growth_sector")),
    date_col("registered_on", N_("Registered")),
)


def _awaiting_status(v: Any, r: Mapping[str, Any]) -> str:
    return status_label(str(r["kind"]), v)


AWAITING = (
    Col("kind", N_("Kind"), vocab("item_kind")),
    Col("reg_no", N_("Registration number")),
    title_col(),
    Col("subject", N_("Project or site")),
    Col("status", N_("Status"), _awaiting_status),
    date_col("since", N_("Since")),
    Col("meeting", N_("On the agenda of")),
)


def _my_state(_v: Any, r: Mapping[str, Any]) -> str:
    if r["kind"] == "adoption":
        return status_label("adoption", r["status"])
    entity = str(r["kind"]).removesuffix("_step")
    step = _(
        "{start} → {end}",
        start=status_label(entity, r["from_status"]),
        end=status_label(entity, r["to_status"]),
    )
    return f"{step}: {label('proposal_status', r['status'])}"


MINE = (
    Col("kind", N_("Kind"), vocab("item_kind")),
    Col("reg_no", N_("Registration number")),
    title_col(),
    Col("subject", N_("Project or site")),
    Col("status", N_("State"), _my_state),
    date_col("proposed_on", N_("Proposed")),
    Col("decided_by", N_("Decided by")),
    date_col("decided_at", N_("Decided")),
    Col("comment", N_("Decision comment")),
)


def _more(section: str, shown: int, total: int) -> None:
    """Under a cut section: how much is shown, and a button for the next rows."""
    if shown >= total:
        return
    st.caption(
        _("Showing the first {shown} of {total}.", shown=fmt_int(shown), total=fmt_int(total))
    )
    st.button(_("Show more"), key=f"wq_more_{section}", on_click=_show_more)


def queue_sections(queue: approvals.WorkQueue, counts: approvals.QueueCounts) -> None:
    """The four queue lists, each in its tab with its full count; each shows its first
    rows (:func:`queue_limit`) and a "Show more" button when there are more."""
    tabs = st.tabs(
        [
            _("To screen ({n})", n=fmt_int(counts.to_screen)),
            _("To propose ({n})", n=fmt_int(counts.to_propose)),
            _("Waiting for a meeting ({n})", n=fmt_int(counts.awaiting_meeting)),
            _("My proposals ({n})", n=fmt_int(counts.my_proposals)),
        ]
    )
    with tabs[0]:
        st.caption(_("Submissions to screen, and screened technologies to send to review."))
        table(queue.to_screen, TO_SCREEN, empty=N_("Nothing to screen."), key="wq_screen")
        _more("to_screen", len(queue.to_screen), counts.to_screen)
    with tabs[1]:
        st.caption(_("Registered technologies that no city project has proposed yet."))
        table(
            queue.to_propose,
            TO_PROPOSE,
            empty=N_("Every registered technology has a proposal."),
            key="wq_propose",
        )
        _more("to_propose", len(queue.to_propose), counts.to_propose)
    with tabs[2]:
        st.caption(
            _(
                "Technologies under review, adoption proposals and testbed applications that "
                "no meeting has decided yet."
            )
        )
        table(
            queue.awaiting_meeting,
            AWAITING,
            empty=N_("Nothing waits for a meeting."),
            key="wq_meeting",
        )
        _more("awaiting_meeting", len(queue.awaiting_meeting), counts.awaiting_meeting)
    with tabs[3]:
        st.caption(_("Your adoption proposals and proposed steps, open ones first."))
        table(
            queue.my_proposals,
            MINE,
            empty=N_("You have not proposed anything yet."),
            key="wq_mine",
        )
        _more("my_proposals", len(queue.my_proposals), counts.my_proposals)


SEARCH_OWNER = N_("Search organizations by name")
SEARCH_TESTBED = N_("Search testbeds by registration number, title or site")


def choice_search(key: str, label: str = N_("Search by registration number or title")) -> str:
    """A search box above a form's long select box (outside the form, so typing updates the
    list); the page reads the choices matching it, at most :data:`CHOICE_LIMIT`."""
    return str(st.text_input(_(label), key=key, max_chars=200) or "")


def choice_note(choices: pd.DataFrame) -> None:
    """Says the list is cut when it holds :data:`CHOICE_LIMIT` choices."""
    if len(choices) >= CHOICE_LIMIT:
        st.caption(
            _(
                "The list shows the first {n} matches: search to find others.",
                n=fmt_int(CHOICE_LIMIT),
            )
        )


def _choices(read: Callable[..., pd.DataFrame], search: str, **kwargs: Any) -> pd.DataFrame:
    """At most :data:`CHOICE_LIMIT` choices matching ``search`` (``read`` from
    ``db.approvals``), and a note under the search box when the list is cut."""
    choices = data.read(read, search=search, limit=CHOICE_LIMIT, **kwargs)
    choice_note(choices)
    return choices


def technologies(actor: Actor, search_key: str, statuses: tuple[str, ...]) -> pd.DataFrame:
    """The technologies of ``statuses`` a form offers, narrowed by a search box above it."""
    return _choices(
        approvals.technology_choices, choice_search(search_key), actor=actor, statuses=statuses
    )


def owners(actor: Actor, search_key: str = "wf_reg_owner_search") -> pd.DataFrame:
    """The organizations a submission may name as its owner, narrowed by a search box."""
    search = choice_search(search_key, SEARCH_OWNER)
    return _choices(approvals.owner_choices, search, actor=actor)


def testbeds(actor: Actor) -> pd.DataFrame:
    """The testbeds that can take a step, narrowed by a search box."""
    search = choice_search("wf_tb_search", SEARCH_TESTBED)
    return _choices(approvals.testbed_choices, search, actor=actor)
