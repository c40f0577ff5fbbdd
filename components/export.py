"""Downloads: CSV and Excel files that open as inert text, whatever the cells hold; a long
list's files and an evidence package made only when asked for.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be read
as a formula by a spreadsheet (CSV/formula injection); such text cells get a leading
apostrophe. Numbers and dates are left as they are. CSV is UTF-8 with a byte-order mark so
that Excel on a Korean Windows opens Hangul correctly.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from components.forms import show_error
from components.i18n import _, current_language, fmt_int, speaking
from db.errors import DomainError

# The signs, also as full-width forms (a Korean or Japanese keyboard types them), and the
# blanks a spreadsheet may skip before them.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
EXCEL_SHEET_MAX = 31


def neutralize(value: Any) -> Any:
    """Make a text cell inert for spreadsheets; other values unchanged."""
    if isinstance(value, str) and (
        value.startswith(FORMULA_PREFIXES) or value.lstrip().startswith(FORMULA_PREFIXES)
    ):
        return "'" + value
    return value


def neutralized(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out.columns = [str(neutralize(str(c))) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralize)
    return out


def to_csv(df: pd.DataFrame) -> bytes:
    # RFC 4180 line ends: fields holding a CR or LF are then quoted, not split.
    return neutralized(df).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


# XlsxWriter, not openpyxl: 2.5-3x faster on a long list (the audit trail's 20,000 events:
# 12.6 s -> 4.8 s on a loaded 2-core machine), and it writes every string as a string when
# told to, so no text becomes a formula or a link whatever the apostrophe rule above misses.
# openpyxl still reads the workbooks of imports (read-only, guarded).
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def to_xlsx(df: pd.DataFrame, sheet: str = "data") -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="xlsxwriter", engine_kwargs={"options": XLSX_OPTIONS}) as w:
        neutralized(df).to_excel(w, index=False, sheet_name=sheet[:EXCEL_SHEET_MAX])
    return buf.getvalue()


def download_buttons(
    df: pd.DataFrame,
    basename: str,
    *,
    key: str,
    files: tuple[bytes | Callable[[], bytes], bytes | Callable[[], bytes]] | None = None,
) -> None:
    """Two download buttons (CSV, Excel) for ``df``; disabled with a note when it is empty.

    ``files``: the CSV and Excel bytes of ``df`` made earlier (``to_csv(df)``,
    ``to_xlsx(df, sheet=basename)``, e.g. cached by the caller), so a rerun need not build
    them again; either may be a function that builds them, called when the button is
    clicked (Streamlit's deferred download). Without ``files`` both are built only when
    their button is clicked: an Excel file takes far longer than the page's own query, a CSV of a
    long list is a tenth of a run (the outcomes page at scale 100), and most views of a page
    download nothing."""
    left, right = st.columns(2)
    empty = df.empty
    csv_bytes, xlsx_bytes = (b"", b"") if empty else tuple(map(_later, files or (b"", b"")))
    with left:
        st.download_button(
            _("Download CSV"),
            data=b"" if empty else (csv_bytes or (lambda: to_csv(df))),
            file_name=f"{basename}.csv",
            mime="text/csv",
            key=f"{key}_csv",
            disabled=empty,
            icon=":material/download:",
        )
    with right:
        st.download_button(
            _("Download Excel"),
            data=b"" if empty else (xlsx_bytes or (lambda: to_xlsx(df, sheet=basename))),
            file_name=f"{basename}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"{key}_xlsx",
            disabled=empty,
            icon=":material/download:",
        )


def _later(data: bytes | Callable[[], bytes]) -> bytes | Callable[[], bytes]:
    """``data``, a function made to build the file in the language of the page that offered
    it: Streamlit calls it in a thread of its own, outside the session, when the button is
    clicked."""
    if not callable(data):
        return data
    build, lang = data, current_language()

    def in_language() -> bytes:
        with speaking(lang):
            return build()

    return in_language


EXPORT_LIMIT = 20_000
"""Rows of a list's downloaded files (meetings, agreements, overdue inquiries)."""


def files_on_request(
    key: str,
    signature: Any,
    total: int,
    build: Callable[[], pd.DataFrame],
    basename: str,
    *,
    limit: int = EXPORT_LIMIT,
) -> None:
    """CSV and Excel of a whole list, built only after a click on *Prepare the files* (for
    these filters, ``signature``, and language): writing every row of a long list takes a
    moment, so a page does not pay it on every render. ``build`` returns the rows as the files
    show them (at most ``limit``); ``total`` is how many match."""
    asked = f"{key}_asked"
    wanted = (signature, current_language())
    if st.session_state.get(asked) != wanted:
        st.button(
            _("Prepare the files ({n} records)", n=fmt_int(min(total, limit))),
            key=f"{key}_prepare",
            on_click=lambda: st.session_state.__setitem__(asked, wanted),
            icon=":material/file_download:",
        )
        return
    shown = build()
    if total > len(shown):
        st.caption(
            _(
                "The files hold the first {limit} of {n} records; narrow the filters to "
                "download the rest.",
                limit=fmt_int(len(shown)),
                n=fmt_int(total),
            )
        )
    download_buttons(shown, basename, key=f"{key}_dl")


def evidence_download(
    make: Callable[[Callable[[int, int], None]], bytes], *, key: str, name: str
) -> None:
    """Prepare the evidence package on request, showing how many meetings are read
    (``make(progress)`` calls ``progress(done, total)``), then offer it for download."""
    st.subheader(_("Evidence package"))
    st.caption(
        _(
            "A zip with the records as CSV, the minutes, the audit events of these records and "
            "a manifest of SHA-256 hashes (MANIFEST.sha256, checked with sha256sum -c), with the "
            "audit chain's head at the time of export."
        )
    )
    slot = f"{key}_zip"
    if st.button(
        _("Prepare the evidence package"), key=f"{key}_prepare", icon=":material/inventory_2:"
    ):
        with st.status(_("Preparing the package..."), expanded=True) as status:
            bar = st.progress(0.0)

            def progress(done: int, total: int) -> None:
                bar.progress(
                    done / total if total else 1.0,
                    text=_(
                        "Meetings read: {done} of {total}",
                        done=fmt_int(done),
                        total=fmt_int(total),
                    )
                    if done < total
                    else _("Writing the files and their hashes..."),
                )

            try:
                st.session_state[slot] = (name, make(progress))
            except DomainError as exc:
                status.update(label=_("No package was made."), state="error", expanded=True)
                show_error(exc)
            else:
                status.update(label=_("The package is ready."), state="complete", expanded=False)
    ready = st.session_state.get(slot)
    if ready and ready[0] == name:
        st.download_button(
            _("Download the evidence package"),
            data=ready[1],
            file_name=name,
            mime="application/zip",
            key=f"{key}_download",
            icon=":material/download:",
        )
