"""Administration → City profile: the city's names, logo, home regions, default language,
first operating day, numbering, time zone and targets, and its vocabularies (fields, growth
sectors, kinds of organisation): labels and order, add, retire, restore, delete.

Every write goes through ``db.city.edits`` (administrators only, compare-and-set on the
version read, audited); this module draws the forms and says what came of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from components import data
from components.city import logo_image
from components.forms import CONFIRM_FIRST, error_text, flash, show_error, show_flash
from components.i18n import LANGUAGE_NAMES, LANGUAGES, N_, _, fmt_int
from components.labels import label
from db import clock
from db.city import edits
from db.city.store import City, ProfileView, city, profile_view, terms
from db.domain import REGIONS
from db.errors import DomainError, ValidationFailed
from db.policy import Actor

VOCABULARY_TITLES = {
    "criteria": N_("Evaluation criteria"),
    "fields": N_("Technical fields"),
    "sectors": N_("Growth sectors"),
    "organisation_kinds": N_("Kinds of organisation"),
}
KIND_ATTRIBUTE_NAMES = {
    "owns_technologies": N_("May own a technology"),
    "inquires": N_("May ask about the platform or sign an agreement"),
    "abroad": N_("A body outside Korea"),
}
FIELD_NAMES = {
    "name_ko": N_("Name (Korean)"),
    "name_en": N_("Name (English)"),
    "logo": N_("Logo"),
    "home_regions": N_("Home regions"),
    "default_language": N_("Default language"),
    "first_operating_day": N_("First operating day"),
    "targets": N_("Annual targets"),
    "reg_no_pattern": N_("Registration number pattern"),
    "time_zone": N_("Time zone"),
    "code": N_("Code"),
    "label_ko": N_("Korean"),
    "label_en": N_("English"),
}


def _name(field: str) -> str:
    """The readable name of a form field of this page."""
    return _(FIELD_NAMES[field]) if field in FIELD_NAMES else field


def _save(write: Any, done: str, /, then: Any = None, **kwargs: Any) -> Any:
    """Run ``write``; on success call ``then`` (if given), keep ``done`` for the next run and
    rerun, else explain (each field's problem under the field's readable name)."""
    try:
        result = data.write(write, **kwargs)
    except ValidationFailed as exc:
        st.error(error_text(exc))
        for field, problem in exc.errors.items():
            st.error(f"{_name(field)}: {_(problem)}")
        return None
    except DomainError as exc:
        show_error(exc)
        return None
    if then is not None:
        then()
    flash("success", done, icon=":material/check:")
    st.rerun()
    return result  # pragma: no cover - st.rerun() does not return


def _targets_frame(here: City) -> pd.DataFrame:
    rows = [
        {"year": year, "figure": figure, "target": value}
        for year, figures in sorted(here.targets.items())
        for figure, value in sorted(figures.items())
    ]
    return pd.DataFrame(rows, columns=["year", "figure", "target"]).astype(
        {"year": "Int64", "figure": "string", "target": "Int64"}
    )


def _targets_of(frame: pd.DataFrame) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    for r in frame.to_dict("records"):
        year, figure, target = r.get("year"), r.get("figure"), r.get("target")
        if pd.isna(year) and (pd.isna(figure) or not figure) and pd.isna(target):
            continue  # an empty row the editor added
        y = -1 if pd.isna(year) else int(year)
        out.setdefault(y, {})[str(figure or "").strip()] = -1 if pd.isna(target) else int(target)
    return out


def profile_form(actor: Actor, here: City, records_exist: bool) -> None:
    """The profile's form (one save)."""
    st.subheader(_("The city"))
    with st.form("city_profile"):
        left, right = st.columns(2)
        name_ko = left.text_input(_name("name_ko"), here.name_ko, max_chars=100)
        name_en = right.text_input(_name("name_en"), here.name_en, max_chars=100)
        regions = left.multiselect(
            _name("home_regions"),
            REGIONS,
            default=list(here.home_regions),
            format_func=lambda r: label("region", r),
            help=_("An organisation in these regions is a local firm."),
        )
        language = right.selectbox(
            _name("default_language"),
            LANGUAGES,
            index=LANGUAGES.index(here.default_language),
            format_func=LANGUAGE_NAMES.__getitem__,
            help=_("The language a new visitor starts in."),
        )
        first_day = left.date_input(
            _name("first_operating_day"),
            here.first_operating_day,
            min_value=dt.date(2000, 1, 1),
            max_value=clock.city_today(),
            format="YYYY-MM-DD",
            help=_("The earliest date of date pickers and figures."),
        )
        logo = right.file_uploader(
            _name("logo"),
            type=["svg", "png"],
            max_upload_size=1,  # MB; the logo itself is checked for 200 kB
            help=_("An SVG (without scripts) or PNG file of at most 200 kB; empty keeps it."),
        )
        if records_exist:
            fixed = _(
                "Fixed once records exist: numbers already given and stored times would "
                "change meaning."
            )
        else:
            fixed = None
        pattern = left.text_input(
            _name("reg_no_pattern"),
            here.reg_no_pattern.pattern,
            max_chars=40,
            help=fixed or _("For example AB-{year}-{seq:03}: the year and a zero-padded number."),
        )
        zone = right.text_input(_name("time_zone"), here.time_zone, max_chars=64, help=fixed)
        st.caption(_name("targets"))
        targets = st.data_editor(
            _targets_frame(here),
            num_rows="dynamic",
            hide_index=True,
            width="stretch",
            key="city_targets",
            column_config={
                "year": st.column_config.NumberColumn(_("Year"), min_value=1900, step=1),
                "figure": st.column_config.TextColumn(_("Figure")),
                "target": st.column_config.NumberColumn(_("Target"), min_value=0, step=1),
            },
            placeholder="",
        )
        submitted = st.form_submit_button(_("Save the profile"), type="primary")
    if submitted:
        edit = edits.ProfileEdit(
            name_ko=name_ko,
            name_en=name_en,
            home_regions=tuple(regions),
            default_language=str(language),
            first_operating_day=first_day
            if isinstance(first_day, dt.date)
            else here.first_operating_day,
            targets=_targets_of(targets),
            reg_no_pattern=pattern.strip(),
            time_zone=zone.strip(),
            logo=logo.getvalue() if logo is not None else None,
        )
        _save(
            edits.edit_profile,
            _("The city profile was saved."),
            # this process's days and times follow the zone saved (possible before records)
            then=lambda: clock.use_city_zone(edit.time_zone),
            actor=actor,
            version=here.version,
            edit=edit,
        )


def _terms_frame(vocabulary: str, uses: dict[str, int]) -> pd.DataFrame:
    rows = data.read(terms, vocabulary=vocabulary)
    return pd.DataFrame(
        [
            {
                "order": i,
                "code": t.code,
                "ko": t.ko,
                "en": t.en,
                "retired": t.retired,
                "uses": uses.get(t.code, 0),
                "version": t.version,
            }
            for i, t in enumerate(rows, start=1)
        ],
        columns=["order", "code", "ko", "en", "retired", "uses", "version"],
    )


def vocabulary_section(actor: Actor, vocabulary: str) -> None:
    """One vocabulary: its table (labels and order), adding a code, and retiring, restoring
    or deleting one."""
    st.subheader(_(VOCABULARY_TITLES[vocabulary]))
    uses = data.vocabulary_uses(vocabulary)
    frame = _terms_frame(vocabulary, uses)
    with st.form(f"city_terms_{vocabulary}"):
        edited = st.data_editor(
            frame,
            hide_index=True,
            width="stretch",
            disabled=["code", "retired", "uses", "version"],
            column_order=["order", "code", "ko", "en", "retired", "uses"],
            key=f"city_terms_table_{vocabulary}",
            column_config={
                "order": st.column_config.NumberColumn(_("Order"), min_value=1, step=1),
                "code": st.column_config.TextColumn(_("Code")),
                "ko": st.column_config.TextColumn(_("Korean"), max_chars=100),
                "en": st.column_config.TextColumn(_("English"), max_chars=100),
                "retired": st.column_config.CheckboxColumn(_("Retired")),
                "uses": st.column_config.NumberColumn(_("Records using it")),
            },
            placeholder="",
        )
        st.caption(
            _(
                "Change the names or the order numbers, then save. A retired code is no "
                "longer offered for new records; the records that hold it keep it."
            )
        )
        saved = st.form_submit_button(_("Save names and order"))
    if saved:
        ordered = edited.assign(_was=range(len(edited))).sort_values(["order", "_was"])
        rows = [
            edits.TermEdit(
                str(r["code"]), int(r["version"]), str(r["ko"] or ""), str(r["en"] or "")
            )
            for r in ordered.to_dict("records")
        ]
        _save(
            edits.edit_terms,
            _("The list was saved."),
            actor=actor,
            vocabulary=vocabulary,
            rows=rows,
        )

    add, change = st.columns(2)
    with add, st.form(f"city_add_{vocabulary}", clear_on_submit=True):
        st.markdown("**" + _("Add a code") + "**")
        code = st.text_input(
            _("Code"),
            max_chars=32,
            key=f"city_add_code_{vocabulary}",
            help=_("Lower-case letters, digits and _, starting with a letter; it never changes."),
        )
        ko = st.text_input(_("Korean"), max_chars=100, key=f"city_add_ko_{vocabulary}")
        en = st.text_input(_("English"), max_chars=100, key=f"city_add_en_{vocabulary}")
        attributes = {}
        if vocabulary == "organisation_kinds":
            for name, msgid in KIND_ATTRIBUTE_NAMES.items():
                attributes[name] = st.checkbox(_(msgid), key=f"city_add_{name}")
        added = st.form_submit_button(_("Add"))
    if added:
        _save(
            edits.add_term,
            _("The code {code} was added.", code=code.strip()),
            actor=actor,
            vocabulary=vocabulary,
            code=code,
            label_ko=ko,
            label_en=en,
            attributes=attributes,
        )

    with change:
        st.markdown("**" + _("Retire, restore or delete a code") + "**")
        by_code = {r["code"]: r for r in frame.to_dict("records")}
        if not by_code:
            st.info(_("This list is empty."))
            return
        chosen = st.selectbox(
            _("Code"),
            list(by_code),
            format_func=lambda c: f"{by_code[c]['ko']} / {by_code[c]['en']} ({c})",
            key=f"city_pick_{vocabulary}",
        )
        row = by_code[chosen]
        count = int(row["uses"])
        if count:
            st.caption(
                _(
                    "{count} records use this code: it can be retired, not deleted.",
                    count=fmt_int(count),
                )
            )
        else:
            st.caption(_("No record uses this code: it can be deleted."))
        confirm = st.checkbox(
            _("I confirm: retire or delete this code."), key=f"city_confirm_{vocabulary}"
        )
        b1, b2, b3 = st.columns(3)
        retire = b1.button(
            _("Retire"), key=f"city_retire_{vocabulary}", disabled=bool(row["retired"])
        )
        restore = b2.button(
            _("Restore"), key=f"city_restore_{vocabulary}", disabled=not row["retired"]
        )
        delete = b3.button(_("Delete"), key=f"city_delete_{vocabulary}", type="primary")
        common = {"actor": actor, "vocabulary": vocabulary, "code": chosen}
        if (retire or delete) and not confirm:
            st.warning(_(CONFIRM_FIRST))
        elif retire:
            _save(
                edits.retire_term,
                _(
                    "The code {code} was retired; {count} records keep it.",
                    code=chosen,
                    count=fmt_int(count),
                ),
                version=int(row["version"]),
                **common,
            )
        elif delete:
            _save(
                edits.delete_term,
                _("The code {code} was deleted.", code=chosen),
                version=int(row["version"]),
                **common,
            )
        elif restore:
            _save(
                edits.restore_term,
                _("The code {code} is offered again.", code=chosen),
                version=int(row["version"]),
                **common,
            )


def city_profile_page(actor: Actor) -> None:
    """The whole tab: the profile, then each vocabulary."""
    show_flash()
    here = data.read(city)
    if here.logo:
        st.image(logo_image(here), width=96)
    profile_form(actor, here, data.read(edits.records_exist))
    for vocabulary in edits.EDITABLE:
        st.divider()
        vocabulary_section(actor, vocabulary)
    st.divider()
    st.caption(
        _(
            "The criteria of the deliberations change with the regulation, not here. Every "
            "change on this page is on the audit trail."
        )
    )


# --- read only: the profile beside the regulation (auditors and every reader of it) -------


def _facts(here: City) -> pd.DataFrame:
    rows = [
        ("code", here.code),
        ("name_ko", here.name_ko),
        ("name_en", here.name_en),
        ("home_regions", ", ".join(label("region", r) for r in here.home_regions)),
        ("reg_no_pattern", here.reg_no_pattern.pattern),
        ("time_zone", here.time_zone),
        ("first_operating_day", here.first_operating_day.isoformat()),
        ("default_language", LANGUAGE_NAMES.get(here.default_language, here.default_language)),
    ]
    return pd.DataFrame(
        {_("Setting"): [_name(k) for k, _v in rows], _("Value"): [v for _k, v in rows]}
    )


ATTRIBUTE_NAMES = {
    **KIND_ATTRIBUTE_NAMES,
    "outside": N_("The sector of technologies outside the growth sectors"),
}


def _attributes_text(attributes: Mapping[str, Any]) -> str:
    """A code's attributes in words: the names of those that hold, a criterion's stage."""
    parts = []
    for key, value in sorted(attributes.items()):
        if key == "stage":
            parts.append(_("Stage {stage}", stage=value))
        elif value is True:
            parts.append(_(ATTRIBUTE_NAMES.get(key, key)))
        elif value not in (False, None):
            parts.append(f"{_(ATTRIBUTE_NAMES.get(key, key))}: {value}")
    return " · ".join(parts)


def _read_only_terms(view: ProfileView, vocabulary: str) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                _("Order"): i,
                _("Code"): t.code,
                _("Korean"): t.ko,
                _("English"): t.en,
                _("Attributes"): _attributes_text(t.attributes),
                _("Retired on"): t.retired_on.isoformat() if t.retired_on else "",
            }
            for i, t in enumerate(view.vocabularies[vocabulary], start=1)
        ],
        columns=[
            _("Order"),
            _("Code"),
            _("Korean"),
            _("English"),
            _("Attributes"),
            _("Retired on"),
        ],
    )


def profile_read_only(actor: Actor) -> None:
    """The city's profile as it stands, read only (no form, no button that writes): its
    settings, targets and every vocabulary with retired codes, and the profile file another
    city would start from. ``db.city.store.profile_view`` checks the role."""
    view = data.read(profile_view, actor=actor)
    st.caption(
        _(
            "What the regulation's rules are applied to: the city's settings and vocabularies "
            "as they stand. Administrators change them under Administration → City profile; "
            "every change is on the audit trail."
        )
    )
    st.dataframe(_facts(view.city), hide_index=True, width="stretch", placeholder="")
    targets = _targets_frame(view.city)
    if not targets.empty:
        st.markdown("**" + _name("targets") + "**")
        st.dataframe(
            targets.rename(
                columns={"year": _("Year"), "figure": _("Figure"), "target": _("Target")}
            ),
            hide_index=True,
            width="stretch",
            placeholder="",
        )
    for vocabulary in view.vocabularies:
        st.markdown("**" + _(VOCABULARY_TITLES[vocabulary]) + "**")
        st.dataframe(
            _read_only_terms(view, vocabulary), hide_index=True, width="stretch", placeholder=""
        )
    st.download_button(
        _("Download the profile file (TOML)"),
        data=view.profile_file.encode("utf-8"),
        file_name=view.file_name,
        mime="application/toml",
        key="city_profile_file",
        icon=":material/download:",
    )
