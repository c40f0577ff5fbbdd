"""The staff work queue: its tiles, its four lists (to screen, to propose, waiting for a
meeting, my proposals), each cut in SQL with "Show more", and the choices its forms offer
(searched in the database, at most :data:`CHOICE_LIMIT`). The forms are in
``components.queue_forms``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from components import data, lazy_tabs
from components.cells import day, escape_markdown, row_name
from components.forms import FLASH, Form
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


# The forms under the lists, one tab each (msgids); a click on a row of "To screen" or "To
# propose" opens that item in its form's tab, with the item's facts above the form.
MOVE = N_("Move a technology forward")
PROPOSE = N_("Propose an adoption")
ACTIONS = (
    MOVE,
    PROPOSE,
    N_("Register a submission"),
    N_("Testbeds and registrations"),
    N_("Applications from companies"),
)
OPENED_KEY = "wq_opened"  # the item opened from a list: {"action": msgid, "id", "reg_no", "fresh"}
TECHNOLOGIES_PAGE = "pages/technologies.py"
# The form of each action: its name, its technology box and the search box above it.
_ACTION_FORM = {
    MOVE: ("move", "wf_move_tech", "wf_move_search"),
    PROPOSE: ("propose", "wf_adopt_technology_id", "wf_adopt_search"),
}


ACTION_KEY = "wq_action_tab"  # the forms' tabs


def action_tabs(drawers: Sequence[Callable[[], None]]) -> None:
    """The forms' tabs, one drawer each (:data:`ACTIONS`). Only the open tab is drawn
    (:mod:`components.lazy_tabs`); the forms' fields are plain widgets that keep their
    values while not drawn (``components.queue_forms``), so what a user typed or chose in a
    closed tab's fields is there again when the tab is opened. Each tab is a fragment: a
    field's change reruns only the tab, a sent form the whole page.

    An item just opened from a list (:func:`_opener`) makes its form's tab the open one and
    is chosen in that form (its search box set to its registration number, so the choices
    hold it however long the list)."""
    opened = st.session_state.get(OPENED_KEY)
    if opened and opened.get("fresh"):
        action = str(opened["action"])  # a msgid
        form, box, search = _ACTION_FORM[action]
        st.session_state[search] = str(opened["reg_no"])
        st.session_state[Form(form).key(box)] = int(opened["id"])
        lazy_tabs.choose(ACTION_KEY, ACTIONS.index(action))
        st.session_state[OPENED_KEY] = {**opened, "fresh": False}
    lazy_tabs.draw_open(
        [_(a) for a in ACTIONS], ACTION_KEY, [partial(_form_tab, draw) for draw in drawers]
    )


@st.fragment
def _form_tab(draw: Callable[[], None]) -> None:
    """One form tab; a change of its fields reruns only it. A form just sent (its outcome
    waits to be shown at the top of the page) reruns the whole page, which shows the
    outcome and the lists and counts as they are now."""
    if FLASH in st.session_state:
        st.rerun(scope="app")
    draw()


def _opener(action: str) -> Callable[[Mapping[str, Any]], None]:
    """A click on a row opens its item in the form of ``action`` (see :func:`action_tabs`)."""

    def open_row(row: Mapping[str, Any]) -> None:
        st.session_state[OPENED_KEY] = {
            "action": action,
            "id": int(row["id"]),
            "reg_no": str(row["reg_no"]),
            "fresh": True,
        }

    return open_row


def _close() -> None:
    opened = st.session_state.pop(OPENED_KEY, None)
    if opened:
        form, box, search = _ACTION_FORM[opened["action"]]
        st.session_state[search] = ""
        st.session_state.pop(Form(form).key(box), None)


def opened_item(action: str, listed: pd.DataFrame) -> None:
    """Above the form of ``action``: the item opened from the list, if it is one of this
    form's, as the list (``listed``) has it now, with a link to its whole record and a button
    that closes it. An item that has left the list (moved on) closes."""
    opened = st.session_state.get(OPENED_KEY)
    if not opened or opened["action"] != action:
        return
    now = listed[listed["id"] == opened["id"]] if len(listed) else listed
    if now.empty:
        st.session_state.pop(OPENED_KEY, None)
        return
    row = now.iloc[0].to_dict()
    since = row.get("since") or row.get("registered_on")
    with st.container(border=True):
        st.markdown(
            "**"
            + escape_markdown(f"{row['reg_no']} · {row_name(row, 'title_ko', 'title_en')}")
            + "**"
        )
        facts = [
            _("Owner: {name}", name=row_name(row, "owner_ko", "owner_en")),
            _("Field: {field}", field=label("field", row.get("field"))),
        ]
        if row.get("status"):
            facts.append(status_label("technology", str(row["status"])))
        if since is not None:
            facts.append(_("since {day}", day=day(since)))
        st.caption(escape_markdown(" · ".join(facts)))
        left, right = st.columns([3, 1])
        with left:
            st.page_link(
                TECHNOLOGIES_PAGE,
                label=_("Open the technology's whole record"),
                icon=":material/open_in_new:",
                query_params={"id": str(int(row["id"]))},
            )
        with right:
            st.button(_("Close"), key="wq_opened_close", on_click=_close, icon=":material/close:")


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


LIST_KEY = "wq_list_tab"  # the lists' tabs


def _to_screen(queue: approvals.WorkQueue, counts: approvals.QueueCounts) -> None:
    st.caption(_("Submissions to screen, and screened technologies to send to review."))
    st.caption(_("Click a row to open the item with its form under the list."))
    table(
        queue.to_screen,
        TO_SCREEN,
        empty=N_("Nothing to screen."),
        key="wq_screen",
        on_open=_opener(MOVE),
    )
    _more("to_screen", len(queue.to_screen), counts.to_screen)


def _to_propose(queue: approvals.WorkQueue, counts: approvals.QueueCounts) -> None:
    st.caption(_("Registered technologies that no city project has proposed yet."))
    st.caption(_("Click a row to open the item with its form under the list."))
    table(
        queue.to_propose,
        TO_PROPOSE,
        empty=N_("Every registered technology has a proposal."),
        key="wq_propose",
        on_open=_opener(PROPOSE),
    )
    _more("to_propose", len(queue.to_propose), counts.to_propose)


def _awaiting(queue: approvals.WorkQueue, counts: approvals.QueueCounts) -> None:
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


def _mine(queue: approvals.WorkQueue, counts: approvals.QueueCounts) -> None:
    st.caption(_("Your adoption proposals and proposed steps, open ones first."))
    table(
        queue.my_proposals,
        MINE,
        empty=N_("You have not proposed anything yet."),
        key="wq_mine",
    )
    _more("my_proposals", len(queue.my_proposals), counts.my_proposals)


def queue_sections(queue: approvals.WorkQueue, counts: approvals.QueueCounts) -> None:
    """The four queue lists, each in its tab with its full count; each shows its first
    rows (:func:`queue_limit`) and a "Show more" button when there are more. Only the open
    tab's list is drawn (:mod:`components.lazy_tabs`)."""
    lazy_tabs.draw_open(
        [
            _("To screen ({n})", n=fmt_int(counts.to_screen)),
            _("To propose ({n})", n=fmt_int(counts.to_propose)),
            _("Waiting for a meeting ({n})", n=fmt_int(counts.awaiting_meeting)),
            _("My proposals ({n})", n=fmt_int(counts.my_proposals)),
        ],
        LIST_KEY,
        [
            partial(section, queue, counts)
            for section in (_to_screen, _to_propose, _awaiting, _mine)
        ],
    )


SEARCH_OWNER = N_("Search organizations by name")
SEARCH_TESTBED = N_("Search testbeds by registration number, title or site")


def choice_search(key: str, label: str = N_("Search by registration number or title")) -> str:
    """A search box above a form's long select box (outside the form, so typing updates the
    list); the page reads the choices matching it, at most :data:`CHOICE_LIMIT`."""
    return str(st.text_input(_(label), key=key, max_chars=200, persist_state="page") or "")


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
