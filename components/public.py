"""The public pages' parts: the catalogue (a register of published technologies, with the
registers' filter bar, table and pager), one technology's card, the public figures, and the
open-data files with their data dictionary.

Everything here reads through ``components.data``'s public readers, which call only
``db.public`` (published fields). Text from the database is shown as data (tables,
``st.text``) or Markdown-escaped, never as HTML.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Final

import pandas as pd
import streamlit as st

from components import city, data
from components.cells import escape_markdown
from components.export import download_buttons, to_csv, to_xlsx
from components.i18n import N_, _, fmt_date, fmt_datetime, fmt_int, translate_in
from components.labels import labeller
from components.registers import Column, Filter, Register, View, sync_url, table
from components.registers import rows as register_rows
from components.registers.spec import column_config, display_frame, shown, state_key
from components.tiles import Tile, tile_row
from db import clock, public
from db.public import CatalogueFilters, PublicFigure, PublicTechnology
from db.public.catalogue import DEFAULT_SORT

TECHNOLOGY_PAGE = "pages/technology.py"
LICENCE_NAME: Final = N_("Korea Open Government Licence, Type 1 (attribution)")
LICENCE_URL: Final = "https://www.kogl.or.kr/info/licenseType1.do"

COLUMNS: Final = (
    Column("reg_no", N_("Registration number")),
    Column("title_ko", N_("Title"), en="title_en"),
    Column("owner_ko", N_("Owner"), en="owner_en"),
    Column("field", N_("Field"), vocabulary="field"),
    Column("growth_sector", N_("Growth sector"), vocabulary="growth_sector"),
    Column("certification", N_("Certification"), vocabulary="certification"),
    Column("registered_on", N_("Registered"), "date"),
    Column("status", N_("Validity"), vocabulary="tech_status"),
    Column("ended_on", N_("Expired or withdrawn"), "date"),
    Column("adoptions", N_("Adoptions into city projects"), "int"),
)
ADOPTION_COLUMNS: Final = (Column("project_name", N_("Project")), Column("year", N_("Year")))


def catalogue_register() -> Register:
    """The catalogue as a register: search, field, sector and year of registration (the
    years the catalogue holds, newest first)."""
    years = tuple(str(y) for y in data.catalogue_years(data.database_url()))
    return Register(
        key="public",
        make=CatalogueFilters,
        filters=(
            Filter(
                "q", "q", N_("Search"), "search", help=N_("Registration number, title or owner")
            ),
            Filter("field", "field", N_("Field"), "code", vocabulary="field"),
            Filter("sector", "sector", N_("Growth sector"), "code", vocabulary="growth_sector"),
            Filter("year", "year", N_("Year of registration"), "code", years, "year"),
        ),
        sorts=(
            ("registered_desc", N_("Newest registration first")),
            ("registered_asc", N_("Oldest registration first")),
            ("reg_no_asc", N_("Registration number")),
        ),
        columns=COLUMNS,
        count=N_("{n} technologies"),
        empty=N_("No technologies match these filters."),
        heading=(Column("reg_no", ""), Column("title_ko", "", en="title_en")),
        fields=COLUMNS[2:-1],
        missing=N_("There is no registered technology with the number {id}."),
    )


def open_selected(view: View) -> None:
    """A row chosen in the table opens that technology's page (its permanent URL)."""
    if view.record_id is None:
        return
    st.session_state[state_key(view.register, "id")] = None
    reg_no = data.public_reg_no(data.database_url(), int(view.record_id))
    view.record_id = None
    if reg_no is not None:
        st.switch_page(TECHNOLOGY_PAGE, query_params={"reg_no": reg_no})


def catalogue(view: View) -> None:
    """The page of published technologies with its count and pager; the link reproduces
    the view."""
    url = data.database_url()
    df, total = register_rows(
        view,
        lambda offset, limit: data.catalogue_page(url, view.filters, view.sort, offset, limit),
    )
    table(view, df, total)
    st.page_link(
        "pages/open_data.py",
        label=_("The whole catalogue as open data (CSV, JSON)"),
        icon=":material/dataset:",
    )
    sync_url(view)


# --- one technology ---------------------------------------------------------------------------


def technology_card(tech: PublicTechnology) -> None:
    """The published fields of one technology and its adoptions into city projects."""
    record = tech.card()
    title = " · ".join(shown(c, record) for c in (COLUMNS[0], COLUMNS[1]))
    st.subheader(escape_markdown(title))
    fields = [c for c in COLUMNS[2:-1] if c.key in record]
    with st.container(border=True):
        for start in range(0, len(fields), 3):
            cols = st.columns(3)
            for col, column in zip(cols, fields[start : start + 3], strict=False):
                with col:
                    st.markdown(f"**{_(column.header)}**")
                    st.text(shown(column, record))
    st.markdown("**" + _("Adoptions into city projects") + "**")
    if tech.adoptions.empty:
        st.caption(_("This technology has not been adopted into a city project yet."))
    else:
        st.dataframe(
            display_frame(ADOPTION_COLUMNS, tech.adoptions),
            hide_index=True,
            width="stretch",
            column_config=column_config(ADOPTION_COLUMNS),
            placeholder="",
        )
    st.caption(_("Permanent link: this page's address, with ?reg_no={no}", no=tech.reg_no))


# --- figures ----------------------------------------------------------------------------------


def figure_tiles(figures: Sequence[PublicFigure]) -> None:
    tile_row([Tile(_(f.label), f.value, help=_(f.description)) for f in figures])


def updated_caption() -> None:
    """When the published data last changed (the open data's date of update)."""
    changed = data.public_last_updated(data.database_url())
    if changed is not None:
        st.caption(_("Data last updated: {when}", when=fmt_datetime(changed)))


# --- open data --------------------------------------------------------------------------------

LABELLED: Final = {
    "field": "field",
    "growth_sector": "growth_sector",
    "certification": "certification",
    "status": "tech_status",
}
"""Code columns of the catalogue file, each followed by its names in Korean and English."""

CATALOGUE_DICTIONARY: Final[tuple[tuple[str, str, str], ...]] = (
    (
        "reg_no",
        N_("Registration number"),
        N_("The technology's registration number; its page's permanent link."),
    ),
    ("title_ko", N_("Title in Korean"), N_("The technology's title in Korean.")),
    ("title_en", N_("Title in English"), N_("The technology's title in English.")),
    ("owner_ko", N_("Owner in Korean"), N_("The company that owns the technology, in Korean.")),
    ("owner_en", N_("Owner in English"), N_("The company that owns the technology, in English.")),
    ("field", N_("Field (code)"), N_("The technical field, as a code of the city's list.")),
    ("field_ko", N_("Field in Korean"), N_("The technical field's name in Korean.")),
    ("field_en", N_("Field in English"), N_("The technical field's name in English.")),
    (
        "growth_sector",
        N_("Growth sector (code)"),
        N_("The city's growth sector the technology serves, as a code."),
    ),
    ("growth_sector_ko", N_("Growth sector in Korean"), N_("The growth sector's name in Korean.")),
    (
        "growth_sector_en",
        N_("Growth sector in English"),
        N_("The growth sector's name in English."),
    ),
    (
        "certification",
        N_("Certification (code)"),
        N_("The government certification the technology holds, as a code ('none': none)."),
    ),
    ("certification_ko", N_("Certification in Korean"), N_("The certification's name in Korean.")),
    (
        "certification_en",
        N_("Certification in English"),
        N_("The certification's name in English."),
    ),
    ("registered_on", N_("Registered"), N_("The date of registration (YYYY-MM-DD).")),
    (
        "status",
        N_("Validity (code)"),
        N_("registered: the registration is valid; expired or withdrawn: it has ended."),
    ),
    ("status_ko", N_("Validity in Korean"), N_("The validity's name in Korean.")),
    ("status_en", N_("Validity in English"), N_("The validity's name in English.")),
    (
        "ended_on",
        N_("Expired or withdrawn"),
        N_("The date the registration ended (YYYY-MM-DD); empty while it is valid."),
    ),
    (
        "adoptions",
        N_("Adoptions into city projects"),
        N_("The city projects that adopted the technology, as 'project (year)' joined by '; '."),
    ),
)
FIGURES_DICTIONARY: Final[tuple[tuple[str, str, str], ...]] = (
    ("as_of", N_("As of"), N_("The date the figures stood on (YYYY-MM-DD).")),
    ("figure", N_("Figure (key)"), N_("The figure's key; the figures are described below.")),
    ("name_ko", N_("Name in Korean"), N_("The figure's name in Korean.")),
    ("name_en", N_("Name in English"), N_("The figure's name in English.")),
    ("value", N_("Value"), N_("The figure: a whole number.")),
)


def dictionary(entries: Sequence[tuple[str, str, str]]) -> pd.DataFrame:
    """A data dictionary: each column's key, names and descriptions in Korean and English."""
    return pd.DataFrame(
        [
            {
                "column": key,
                "name_ko": translate_in("ko", name),
                "name_en": translate_in("en", name),
                "description_ko": translate_in("ko", desc),
                "description_en": translate_in("en", desc),
            }
            for key, name, desc in entries
        ]
    )


def figures_dictionary() -> pd.DataFrame:
    """The figures file's columns, then each figure's key with its definition."""
    figures = [(key, label, desc) for key, label, desc in public.FIGURES]
    return dictionary([*FIGURES_DICTIONARY, *figures])


def catalogue_file_frame() -> pd.DataFrame:
    """The whole catalogue with each code's names in Korean and English (file columns: the
    keys of :data:`CATALOGUE_DICTIONARY`)."""
    df, _total = data.catalogue_export(data.database_url(), CatalogueFilters(), "reg_no_asc")
    out = df.copy()
    for code, vocabulary in LABELLED.items():
        at = list(out.columns).index(code) + 1
        for lang in ("en", "ko"):
            name = labeller(vocabulary, lang)
            out.insert(at, f"{code}_{lang}", [name(str(c)) for c in df[code]])
    return out[[key for key, _n, _d in CATALOGUE_DICTIONARY]]


def figures_file_frame(figures: Sequence[PublicFigure], as_of: dt.date) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "as_of": as_of,
                "figure": f.key,
                "name_ko": translate_in("ko", f.label),
                "name_en": translate_in("en", f.label),
                "value": f.value,
            }
            for f in figures
        ]
    )


def _records_json(frame: pd.DataFrame) -> str:
    """The rows of ``frame`` as a JSON array of objects, written by pandas (in C): dates as
    YYYY-MM-DD, missing values as null."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.infer_dtype(out[column], skipna=True) == "date":
            out[column] = [None if pd.isna(d) else d.isoformat() for d in out[column]]
    return str(out.to_json(orient="records", force_ascii=False))


def to_json(
    title: str, frame: pd.DataFrame, columns: pd.DataFrame, updated: dt.datetime | None
) -> bytes:
    """The open-data JSON: what it is (title in both languages, publisher, licence, date of
    update), its data dictionary and its records (written apart: a large catalogue's records
    take pandas' C writer, not the json module's)."""
    here = city.profile()
    about = {
        "title": {"ko": translate_in("ko", title), "en": translate_in("en", title)},
        "publisher": {"ko": city.platform_name(here, "ko"), "en": city.platform_name(here, "en")},
        "licence": {
            "ko": translate_in("ko", LICENCE_NAME),
            "en": translate_in("en", LICENCE_NAME),
            "url": LICENCE_URL,
        },
        "updated": updated.isoformat() if updated else None,
        "produced_on": clock.city_today().isoformat(),
        "columns": columns.to_dict("records"),
    }
    head = json.dumps(about, ensure_ascii=False)
    return (head[:-1] + ', "records": ' + _records_json(frame) + "}").encode("utf-8")


CATALOGUE_TITLE = N_("Catalogue of registered technologies")
FIGURES_TITLE = N_("Public figures of the New Technology Platform")


def build_files() -> dict[str, bytes]:
    """Every open-data file of today, by its stable file name."""
    url = data.database_url()
    today = clock.city_today()
    updated = data.public_last_updated(url)
    catalogue_df = catalogue_file_frame()
    figures_df = figures_file_frame(data.public_figures(url, today), today)
    cat_dict = dictionary(CATALOGUE_DICTIONARY)
    fig_dict = figures_dictionary()
    return {
        "catalogue.csv": to_csv(catalogue_df),
        "catalogue.json": to_json(CATALOGUE_TITLE, catalogue_df, cat_dict, updated),
        "catalogue-dictionary.csv": to_csv(cat_dict),
        "figures.csv": to_csv(figures_df),
        "figures.json": to_json(FIGURES_TITLE, figures_df, fig_dict, updated),
        "figures-dictionary.csv": to_csv(fig_dict),
    }


MIMES: Final = {"csv": "text/csv", "json": "application/json"}


READY_KEY = "open_ready"


def _files_when_asked(url: str, today: dt.date) -> dict[str, bytes] | None:
    """Today's files once the visitor asked for them (*Prepare the files*): writing every
    registered technology takes a while at a large scale, so opening the page does not pay
    it; the files are then cached for the day and shared by every visitor."""
    if st.session_state.get(READY_KEY) != today:
        _page, total = data.catalogue_page(url, CatalogueFilters(), DEFAULT_SORT, 0, 1)
        st.button(
            _("Prepare the files ({n} records)", n=fmt_int(total)),
            key="open_prepare",
            on_click=lambda: st.session_state.__setitem__(READY_KEY, today),
            icon=":material/file_download:",
            type="primary",
        )
        return None
    with st.spinner(_("Preparing the files...")):
        return data.open_data_files(url, today, build_files)


def file_button(files: dict[str, bytes] | None, name: str, label: str) -> None:
    """A download button with a stable key and file name (``open_<name>``), disabled until
    the files are prepared."""
    st.download_button(
        label,
        data=files[name] if files else b"",
        disabled=files is None,
        file_name=name,
        mime=MIMES[name.rsplit(".", 1)[1]],
        key="open_" + name.replace(".", "_").replace("-", "_"),
        icon=":material/download:",
    )


def open_data() -> None:
    """The open-data files, their licence, date of update and data dictionaries."""
    url = data.database_url()
    today = clock.city_today()
    updated = data.public_last_updated(url)
    st.markdown(
        _("**Licence:** {licence} ({url})", licence=_(LICENCE_NAME), url=LICENCE_URL)
        + "  \n"
        + _("**Date of update:** {when}", when=fmt_datetime(updated) if updated else "-")
        + "  \n"
        + _("**Files produced on:** {day}", day=fmt_date(today))
    )
    st.caption(
        _(
            "The files keep their names from day to day; the CSV files are UTF-8 with a "
            "byte-order mark, and cells that a spreadsheet would read as a formula start "
            "with an apostrophe."
        )
    )
    files = _files_when_asked(url, today)
    st.subheader(_(CATALOGUE_TITLE))
    left, middle, right = st.columns(3)
    with left:
        file_button(files, "catalogue.csv", _("Download CSV"))
    with middle:
        file_button(files, "catalogue.json", _("Download JSON"))
    with right:
        file_button(files, "catalogue-dictionary.csv", _("Download the data dictionary"))
    _dictionary_table(dictionary(CATALOGUE_DICTIONARY), "catalogue")
    st.subheader(_(FIGURES_TITLE))
    left, middle, right = st.columns(3)
    with left:
        file_button(files, "figures.csv", _("Download CSV"))
    with middle:
        file_button(files, "figures.json", _("Download JSON"))
    with right:
        file_button(files, "figures-dictionary.csv", _("Download the data dictionary"))
    _dictionary_table(figures_dictionary(), "figures")


def _dictionary_table(df: pd.DataFrame, key: str) -> None:
    with st.expander(_("Data dictionary")):
        shown_df = df.rename(
            columns={
                "column": _("Column"),
                "name_ko": _("Name in Korean"),
                "name_en": _("Name in English"),
                "description_ko": _("Description in Korean"),
                "description_en": _("Description in English"),
            }
        )
        st.dataframe(shown_df, hide_index=True, width="stretch", key=f"dict_{key}", placeholder="")


def figures_downloads(figures: Sequence[PublicFigure], as_of: dt.date) -> None:
    """The figures shown, as CSV and Excel (made once per date, not on every rerun)."""
    df = figures_file_frame(figures, as_of)
    name = f"figures-{as_of}"
    files = data.table_files(
        df, tuple(df.columns), name, lambda: (to_csv(df), to_xlsx(df, sheet=name))
    )
    download_buttons(df, name, key="pub_fig", files=files)


def heading(title: str) -> None:
    """A public page's title (``title``: msgid) under the city's platform name."""
    st.caption(escape_markdown(city.platform_name(city.profile())))
    st.title(_(title))


def as_of_picker() -> dt.date:
    """The date the figures stand on: the link's ``as_of``, else today; kept in the link."""
    today = clock.city_today()
    first = city.first_day()
    key = "pub_as_of"
    if key not in st.session_state:
        try:
            asked = dt.date.fromisoformat(str(st.query_params.get("as_of", "")))
        except ValueError:
            asked = today
        st.session_state[key] = min(max(asked, first), today)
    as_of = st.date_input(
        _("As of"), min_value=first, max_value=today, key=key, format="YYYY-MM-DD"
    )
    day = as_of if isinstance(as_of, dt.date) else today
    st.caption(_("The figures as they stood on {day}.", day=fmt_date(day)))
    if day == today:
        st.query_params.pop("as_of", None)
    else:
        st.query_params["as_of"] = day.isoformat()
    return day
