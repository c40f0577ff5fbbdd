"""Published figures (issue #17) on the overview and for auditors: the publication of the
chosen date beside today's recomputation and the records that changed it, the mayor's
office's publish form (with its confirmation), and the auditors' list of every publication.

Everything from the database is shown as table cells or escaped text, never as HTML.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import audit_words as words
from components import data
from components.cells import escape_markdown
from components.export import download_buttons, to_csv, to_xlsx
from components.forms import FLASH, Form, show_flash
from components.i18n import N_, _, current_language, fmt_datetime, fmt_int, md_date
from components.labels import label
from components.overview_filters import Filters, filters_in
from db import publications as pub
from db.audit.describe import RecordName
from db.errors import DomainError
from db.kpi.headline import Headline, TechFilter
from db.policy import PUBLISHERS, Actor

FIGURE_NAMES = {
    "experts": N_("Experts registered"),
    "technologies": N_("Technologies registered"),
    "meetings": N_("Deliberation meetings held"),
    "adopted": N_("Technologies adopted"),
    "testbeds": N_("Testbeds"),
    "inquiries": N_("Inter-city inquiries"),
    "agreements": N_("Agreements"),
}
SPLIT_KINDS = {
    "experts": "affiliation",
    "testbeds": "testbed_stage",
    "agreements": "agreement_status",
}
FORM = Form("publish", scope="pub", keys="tagged")


def figure_name(key: str) -> str:
    """``experts.public`` as a person reads it: "Experts registered: Public institutions"."""
    head, _dot, code = key.partition(".")
    name = _(FIGURE_NAMES[head]) if head in FIGURE_NAMES else head
    if not code:
        return name
    if key == "technologies.local":
        return _("{figure}: local", figure=name)
    return f"{name}: {label(SPLIT_KINDS[head], code)}" if head in SPLIT_KINDS else f"{name}: {code}"


def published_line(p: pub.Publication) -> str:
    return _(
        "Published on {when} by {name}, hash {hash}.",
        when=fmt_datetime(p.published_at),
        name=escape_markdown(p.published_by) if p.published_by else "-",
        hash=p.short_hash,
    )


def _figures_frame(cmp: pub.Comparison, *, only_differing: bool = False) -> pd.DataFrame:
    rows = [r for r in cmp.rows if (r.differs if only_differing else r.headline)]
    return pd.DataFrame(
        {
            _("Figure"): [figure_name(r.key) for r in rows],
            _("Published"): [r.published for r in rows],
            _("Recomputed today"): [r.now for r in rows],
            _("Difference"): [r.now - r.published for r in rows],
        }
    )


def changed_frame(changed: list[pub.ChangedRecord]) -> pd.DataFrame:
    """The records changed after a publication, as the audit trail names them."""

    def what(c: pub.ChangedRecord) -> str:
        record = words.record_text(
            c.entity, c.entity_id, RecordName(c.number, c.detail_ko, c.detail_en)
        )
        template = words.ACTIONS.get(c.action)
        if template is None:
            return _(words.OTHER_ACTION, who=c.actor, action=c.action, record=record)
        return _(template, who=c.actor, record=record)

    return pd.DataFrame(
        {
            _("When"): [fmt_datetime(c.occurred_at) for c in changed],
            _("Who"): [c.actor for c in changed],
            _("What"): [what(c) for c in changed],
            _("Record"): [c.number for c in changed],
            _("Figure"): [figure_name(c.figure) for c in changed],
            _("Reason"): [c.reason for c in changed],
            _("Event no."): [c.event_id for c in changed],
        }
    )


def _tampered() -> None:
    st.error(
        _(
            "This publication's stored figures no longer match its hash: the row was changed "
            "outside the app. The figures shown as published cannot be trusted; the audit "
            "trail's integrity check names the change."
        ),
        icon=":material/gpp_bad:",
    )


def comparison(cmp: pub.Comparison, *, key: str) -> None:
    """A publication beside today's recomputation, and the records that changed it."""
    p = cmp.publication
    if not cmp.intact:
        _tampered()
    if not cmp.differs:
        st.success(
            _("Recomputed today, every published figure is the same."),
            icon=":material/verified:",
        )
        st.dataframe(_figures_frame(cmp), hide_index=True, width="stretch")
        return
    st.warning(
        _(
            "Recomputed today, figures differ from the published ones ({n}): records dated "
            "on or before {date} were changed after the publication.",
            n=fmt_int(len(cmp.differing)),
            date=md_date(p.as_of),
        ),
        icon=":material/difference:",
    )
    st.dataframe(_figures_frame(cmp, only_differing=True), hide_index=True, width="stretch")
    st.markdown("**" + _("Records that changed them") + "**")
    if cmp.changed:
        frame = changed_frame(cmp.changed)
        st.dataframe(frame, hide_index=True, width="stretch")
        download_buttons(frame, f"ntp-publication-{p.id}-changes", key=f"dl_{key}")
    else:
        st.info(
            _(
                "No audited change after the publication explains the difference: the "
                "records may have been changed outside the app (see the audit trail's "
                "integrity check)."
            )
        )


def overview_section(actor: Actor, f: Filters, now: Headline) -> pub.Publication | None:
    """The overview's publication part: the current publication of the date and filters
    beside today's recomputation, or what publishing does; the publish form for the mayor's
    office. Returns the current publication (the briefing carries its date and hash)."""
    show_flash()
    try:
        current = data.read(pub.current, actor=actor, as_of=f.as_of, tech=f.tech)
    except DomainError as exc:
        st.caption(_(exc.message, **exc.params))
        return None
    if current is None:  # one line: the overview's figures come first
        st.caption(
            ":material/publish: "
            + _(
                "No publication for {date} with these filters. Publishing freezes the "
                "figures as they stand on that date, with a hash and the time of "
                "publication; the overview then shows them beside today's recomputation and "
                "names any record changed afterwards.",
                date=md_date(f.as_of),
            )
        )
    else:
        with st.container(border=True):
            title = f" · {escape_markdown(current.title)}" if current.title else ""
            st.markdown(
                "**"
                + _("Published figures as of {date}", date=md_date(current.as_of))
                + "**"
                + title
            )
            st.caption(published_line(current))
            cmp = data.read(pub.compare, actor=actor, publication=current)
            comparison(cmp, key="overview_pub")
    if actor.has(*PUBLISHERS):
        publish_form(actor, f, now, again=current is not None)
    return current


def _confirmation(f: Filters, now: Headline) -> str:
    figures = ", ".join(
        f"{_(FIGURE_NAMES[k])} {fmt_int(v)}"
        for k, v in pub.figures_of(now).items()
        if k in FIGURE_NAMES
    )
    return _(
        "I publish the figures as of {date} ({filters}): {figures}. A publication cannot be "
        "changed or withdrawn.",
        date=md_date(f.as_of),
        filters=filters_in(current_language(), f),
        figures=figures,
    )


def _filters(p: pub.Publication) -> str:
    return filters_in(current_language(), Filters(p.as_of, tech=p.tech))


OPEN_KEY = "pub_publish_open"


@st.fragment
def publish_form(actor: Actor, f: Filters, now: Headline, *, again: bool) -> None:
    """The mayor's office publishes the figures of the chosen date and filters (computed by
    the database when published); a tick box naming the date and the figures confirms it.

    The form is built only while its expander is open (opening it reruns this fragment, not
    the page). Its submission's outcome (a flash: published, or refused) is shown by the
    whole page, which is rerun for it: the publication appears above the form."""
    if FLASH in st.session_state:  # (a full run shows and drops it before calling this)
        if st.session_state[FLASH][0] == "success":  # published: folded, as it was before
            st.session_state[OPEN_KEY] = False
        st.rerun(scope="app")
    heading = (
        _("Publish again (becomes the current publication)")
        if again
        else _("Publish these figures")
    )
    with st.expander(
        heading, icon=":material/publish:", key=OPEN_KEY, on_change="rerun"
    ) as expander:
        if expander.open:
            _publish_form(actor, f, now)


def _publish_form(actor: Actor, f: Filters, now: Headline) -> None:
    with st.form(FORM.key("form")):
        st.text_input(_("Title (optional)"), key=FORM.key("title"), max_chars=200)
        st.text_area(_("Note (optional)"), key=FORM.key("note"), max_chars=2000)
        st.checkbox(_confirmation(f, now), key=FORM.key("confirm"))
        FORM.field_error("confirm")
        as_of, tech = f.as_of, f.tech

        def write() -> int:
            return data.write(
                pub.publish,
                actor=actor,
                as_of=as_of,
                tech=TechFilter(tech.sector, tech.field, tech.local),
                title=FORM.value("title"),
                note=FORM.value("note"),
            )

        st.form_submit_button(
            _("Publish"),
            type="primary",
            icon=":material/publish:",
            on_click=FORM.submit(
                ("title", "note"),
                write,
                lambda _id: _(
                    "Published the figures as of {date}. Nothing can change them now; "
                    "the overview compares them with today's recomputation.",
                    date=md_date(as_of),
                ),
                confirm="confirm",
            ),
        )


# --- auditors -----------------------------------------------------------------------------


def auditors_list(actor: Actor) -> None:
    """Every publication with its difference to today, and the records behind it."""
    st.caption(
        _(
            "Every publication of the mayor's office, newest first, recomputed today: a "
            "figure that differs is explained by the records changed after the publication."
        )
    )
    try:
        every = data.read(pub.publications, actor=actor)
    except DomainError as exc:
        st.error(_(exc.message, **exc.params))
        return
    if not every:
        st.info(
            _(
                "No figures have been published yet. The mayor's office publishes the "
                "overview's figures as of a date; each publication is listed here with its "
                "difference to today's recomputation."
            ),
            icon=":material/publish:",
        )
        return
    compared = [data.read(pub.compare, actor=actor, publication=p) for p in every]
    frame = pd.DataFrame(
        {
            _("As of"): [c.publication.as_of.isoformat() for c in compared],
            _("Filters"): [_filters(c.publication) for c in compared],
            _("Publication title"): [c.publication.title for c in compared],
            _("Published at"): [fmt_datetime(c.publication.published_at) for c in compared],
            _("Published by"): [c.publication.published_by for c in compared],
            _("Hash check"): [_("matches") if c.intact else _("does not match") for c in compared],
            _("Figures that differ today"): [len(c.differing) for c in compared],
            _("Records changed since"): [len(c.changed) for c in compared],
            _("Hash"): [c.publication.sha256 for c in compared],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch")
    download_buttons(
        frame,
        "ntp-publications",
        key="dl_publications",
        files=(to_csv(frame), lambda: to_xlsx(frame, sheet="publications")),
    )
    for c in compared:
        p = c.publication
        summary = _(
            "{date} · published {when} · hash {hash} · figures that differ today: {n}",
            date=md_date(p.as_of),
            when=fmt_datetime(p.published_at),
            hash=p.short_hash,
            n=fmt_int(len(c.differing)),
        )
        if not c.intact:
            summary += " · " + _("hash does not match")
        icon = ":material/verified:" if c.intact and not c.differs else ":material/difference:"
        with st.expander(summary, icon=icon if c.intact else ":material/gpp_bad:"):
            st.caption(published_line(p))
            comparison(c, key=f"audit_pub_{p.id}")


__all__ = ["auditors_list", "overview_section"]
