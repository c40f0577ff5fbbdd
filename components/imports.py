# Over 500 lines on purpose: the import screen's steps (templates, check report, preview,
# write) hand one state along; the historical migrations are components/migrations.py.
"""The bulk import screen's pieces: templates, the check report, the preview, the import.

``db.imports`` does the reading, checking and writing; this module turns its results into
tables and sentences in the session's language, and hands it the Korean and English names of
every code (:func:`vocabulary`) so that a file may say "교량" or "Bridges" for ``bridges``.
Templates carry the headers in the UI language (both languages are accepted on upload),
one example row, and a guide to every column and its allowed values.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pandas as pd
import streamlit as st

from components import city, data
from components.export import neutralized, to_csv
from components.forms import show_error
from components.i18n import N_, _, current_language, fmt_int, translate_in
from components.labels import LABELS
from components.navigation import pages_for
from db import clock, imports
from db.errors import DomainError
from db.imports.checking import CITY_VOCABULARIES
from db.imports.columns import VOCABULARIES, Column, Register
from db.policy import MIGRATORS, Actor

TIE_LABELS = {
    "employment": N_("Employment"),
    "consulting": N_("Consulting"),
    "joint_research": N_("Joint research"),
    "other": N_("Other tie"),
}
ACTIONS = {"add": N_("Add"), "update": N_("Update"), "unchanged": N_("Unchanged")}
BOOL_EXAMPLES = {"yes": N_("yes"), "no": N_("no")}
STATE_RESULT = "imp_result"
STATE_DONE = "imp_done"
STATE_UPLOAD = "imp_upload_round"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _names(kind: str, lang: str) -> dict[str, str]:
    """Code -> its name in ``lang``: the city's vocabularies as its profile names them."""
    if kind in CITY_VOCABULARIES:
        return data.term_names(data.database_url(), CITY_VOCABULARIES[kind], lang)
    table = TIE_LABELS if kind == "tie_kind" else LABELS.get(kind, {})
    return {code: translate_in(lang, msgid) for code, msgid in table.items()}


def _codes(kind: str) -> tuple[str, ...]:
    """The codes a file may give for ``kind`` (of a city vocabulary: those not retired)."""
    if kind in CITY_VOCABULARIES:
        return data.vocabulary(data.database_url(), CITY_VOCABULARIES[kind], True)
    return VOCABULARIES[kind]


def vocabulary() -> imports.Vocabulary:
    """Every code's Korean and English name, accepted in import files beside the code."""
    return imports.Vocabulary(
        labels={
            kind: {name: code for lang in ("ko", "en") for code, name in _names(kind, lang).items()}
            for kind in VOCABULARIES
        }
    )


def register_title(key: str) -> str:
    return _(imports.REGISTERS[key].title)


def _header(col: Column, lang: str) -> str:
    return col.ko if lang == "ko" else col.en


# Examples that depend on the city (``Column.example`` of ``db.imports.columns``).
CITY_EXAMPLES = {
    "{reg_no}": lambda: city.example_number(901),
    "{home_region}": lambda: city.home_region(),
}


def _example(col: Column, lang: str) -> str:
    if not col.example:
        return ""
    if col.example in CITY_EXAMPLES:
        return CITY_EXAMPLES[col.example]()
    if col.kind == "date":  # a normal import dates nothing before today
        return clock.city_today().isoformat()
    if col.kind == "bool" and col.example in BOOL_EXAMPLES:
        return translate_in(lang, BOOL_EXAMPLES[col.example])
    if col.vocab and col.kind in ("code", "codes"):
        codes = [c.strip() for c in col.example.split(";")]
        offered = _codes(col.vocab)
        if not set(codes) <= set(offered):  # another city's codes: the first of this one's
            codes = list(offered[: len(codes)])
        names = _names(col.vocab, lang)
        return "; ".join(names.get(c, c) for c in codes)
    return col.example


def template_frame(register: Register, lang: str) -> pd.DataFrame:
    """The register's columns (headers in ``lang``) with one example row."""
    return pd.DataFrame(
        [{_header(c, lang): _example(c, lang) for c in register.columns}],
        columns=[_header(c, lang) for c in register.columns],
    )


def _allowed(col: Column, lang: str) -> str:
    if col.vocab:
        kind = col.vocab
        names = _names(kind, lang)
        return "; ".join(
            f"{names.get(code, code)} ({code})" for code in _codes(kind) if kind != "locality"
        ) or translate_in(lang, N_("yes or no"))
    if col.kind == "bool":
        return translate_in(lang, N_("yes or no"))
    if col.kind == "date":
        return "YYYY-MM-DD"
    if col.kind == "reg_no":
        return city.number_shape()
    if col.kind == "org":
        return translate_in(lang, N_("An organization's Korean or English name as in the register"))
    if col.kind == "email":
        return "name@example.kr"
    if col.kind == "phone":
        return "010-1234-5678"
    if col.kind == "country":
        return "KR, JP, US, …"
    if col.kind == "ties":
        kinds = "; ".join(
            f"{translate_in(lang, TIE_LABELS[c])} ({c})" for c in VOCABULARIES["tie_kind"]
        )
        return translate_in(lang, N_("Kinds of tie: {kinds}"), kinds=kinds)
    return translate_in(lang, N_("Text, at most {n} characters"), n=col.max_len)


def guide_frame(register: Register, lang: str) -> pd.DataFrame:
    """One row per column: its name in both languages, whether required, what it holds."""
    t = lambda m, **kw: translate_in(lang, m, **kw)  # noqa: E731
    return pd.DataFrame(
        [
            {
                t(N_("Column")): _header(c, lang),
                t(N_("Also accepted")): " / ".join(
                    n for n in (c.en if lang == "ko" else c.ko, c.key) if n
                ),
                t(N_("Required")): t(N_("yes")) if c.required else "",
                t(N_("What it holds")): t(
                    c.help, shape=city.number_shape(), example=city.example_number(41)
                ),
                t(N_("Allowed values")): _allowed(c, lang),
            }
            for c in register.columns
        ]
    )


def template_csv(register: Register, lang: str) -> bytes:
    return to_csv(template_frame(register, lang))


def template_xlsx(register: Register, lang: str) -> bytes:
    """A workbook: the template sheet first (the one imported), the column guide second."""
    buf = io.BytesIO()
    data_sheet = translate_in(lang, N_("Data"))[:31]
    guide_sheet = translate_in(lang, N_("Column guide"))[:31]
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        neutralized(template_frame(register, lang)).to_excel(
            writer, index=False, sheet_name=data_sheet
        )
        neutralized(guide_frame(register, lang)).to_excel(
            writer, index=False, sheet_name=guide_sheet
        )
        for sheet in writer.sheets.values():
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str):
                        cell.data_type = "s"
            for column in sheet.columns:
                width = max(len(str(c.value or "")) for c in column)
                sheet.column_dimensions[column[0].column_letter].width = min(max(width, 10), 60)
    return buf.getvalue()


def _rule_text(problem: imports.Problem) -> str:
    """The broken rule as a sentence; allowed codes with their names in the UI language
    (the city's vocabularies: the codes the check offered, with their labels from the
    database)."""
    params = dict(problem.params)
    vocab = params.pop("vocab", None)
    if vocab in CITY_VOCABULARIES:  # the codes the check offered, named by the city
        names = _names(vocab, current_language())
        codes = [c.strip() for c in str(params.get("allowed", "")).split(",") if c.strip()]
        params["allowed"] = ", ".join(f"{names.get(code, code)} ({code})" for code in codes)
    elif vocab and vocab in VOCABULARIES:
        names = _names(vocab, current_language())
        params["allowed"] = ", ".join(f"{names.get(code, code)} ({code})" for code in _codes(vocab))
    return _(problem.rule, **params)


def report_frame(result: imports.CheckResult) -> pd.DataFrame:
    """The listed problems as a table in the session's language."""
    return pd.DataFrame(
        [
            {
                _("Row"): p.row,
                _("Column"): p.column or "",
                _("Value"): p.value,
                _("Problem"): _rule_text(p),
            }
            for p in result.problems
        ],
        columns=[_("Row"), _("Column"), _("Value"), _("Problem")],
    ).astype({_("Row"): "Int64"})


def preview_frame(result: imports.CheckResult) -> pd.DataFrame:
    rows = []
    for p in result.preview:
        action = ACTIONS[p["action"]]
        rows.append({_("Row"): p["row"], _("Action"): _(action), **p["cells"]})
    return pd.DataFrame(rows)


# --- The screen ---------------------------------------------------------------------------


def empty_state() -> None:
    st.info(
        _(
            "Add or update many records at once from a CSV or Excel file: organizations, "
            "technologies, experts or inquiries. Download the template of a register, fill "
            "it in (Korean or English column names and values both work), and upload it. "
            "The whole file is checked first: every problem is listed with its row and "
            "column, and nothing is written unless the whole file is valid. Importing the "
            "same file again changes nothing."
        ),
        icon=":material/upload_file:",
    )


MODE_LABELS = {
    imports.NORMAL: N_("Normal import"),
    imports.MIGRATION: N_("Historical migration (confirmed by a second person)"),
}


def choose_mode(actor: Actor) -> str:
    """Normal import or, for administrators, a historical migration."""
    if not actor.has(*MIGRATORS):
        return imports.NORMAL
    return str(
        st.radio(
            _("What to import"),
            list(MODE_LABELS),
            format_func=lambda m: _(MODE_LABELS[m]),
            captions=[
                _("New records from today on; technologies as submitted."),
                _("A city's history: past dates and later statuses, written once confirmed."),
            ],
            horizontal=True,
            key="imp_mode",
        )
    )


def choose_register() -> str:
    return str(
        st.selectbox(
            _("Register to import into"),
            list(imports.REGISTERS),
            format_func=register_title,
            key="imp_register",
        )
    )


def templates(register_key: str) -> None:
    """Template downloads (CSV, Excel) and the column guide of one register."""
    register = imports.REGISTERS[register_key]
    lang = current_language()
    base = f"{register.key}-template-{lang}"
    with st.expander(_("Templates and column guide"), icon=":material/description:"):
        st.caption(
            _(
                "The template has the column names and one example row; replace the example "
                "with your records. The Excel template has the column guide on a second sheet."
            )
        )
        left, middle, right = st.columns(3)
        left.download_button(
            _("CSV template"),
            data=template_csv(register, lang),
            file_name=f"{base}.csv",
            mime="text/csv",
            icon=":material/download:",
            key=f"imp_tpl_csv_{register.key}",
        )
        middle.download_button(
            _("Excel template"),
            data=template_xlsx(register, lang),
            file_name=f"{base}.xlsx",
            mime=XLSX_MIME,
            icon=":material/download:",
            key=f"imp_tpl_xlsx_{register.key}",
        )
        guide = guide_frame(register, lang)
        right.download_button(
            _("Column guide (CSV)"),
            data=to_csv(guide),
            file_name=f"{register.key}-column-guide-{lang}.csv",
            mime="text/csv",
            icon=":material/download:",
            key=f"imp_guide_csv_{register.key}",
        )
        st.table(guide, hide_index=True, border="horizontal")


def upload() -> tuple[str, bytes] | None:
    """The uploaded file's name and bytes, if any."""
    round_ = st.session_state.get(STATE_UPLOAD, 0)
    file = st.file_uploader(
        _("File to import (CSV or Excel .xlsx)"),
        type=["csv", "tsv", "txt", "xlsx", "xls"],
        key=f"imp_file_{round_}",
        help=_("CSV in UTF-8 or Korean (CP949/EUC-KR); comma, semicolon or tab between columns."),
    )
    if file is None:
        return None
    return file.name, file.getvalue()


def progress_callback(bar: Any, text: str) -> Any:
    """A ``progress`` callback of ``db.imports`` that moves ``bar`` (labelled by stage)."""
    stages = {"check": _("Checking rows…"), "write": _("Writing records…")}

    def report(fraction: float, stage: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=stages.get(stage, text))

    return report


def check(
    actor: Actor, register_key: str, filename: str, content: bytes, mode: str = imports.NORMAL
) -> imports.CheckResult:
    """Check the file (with a progress bar), once per file content, register and mode."""
    stored = st.session_state.get(STATE_RESULT)
    digest = hashlib.sha256(content).hexdigest()
    if (
        stored
        and stored.register == register_key
        and stored.sha256 == digest
        and stored.mode == mode
    ):
        return stored
    bar = st.progress(0.0, text=_("Reading the file…"))
    try:
        result = data.read(
            imports.check_file,
            actor=actor,
            register=register_key,
            filename=filename,
            data=content,
            vocabulary=vocabulary(),
            progress=progress_callback(bar, _("Checking rows…")),
            mode=mode,
        )
    except DomainError as exc:  # e.g. the user's roles changed since the page opened
        bar.empty()
        show_error(exc)
        st.stop()
    bar.empty()
    st.session_state[STATE_RESULT] = result
    return result


def show_report(result: imports.CheckResult) -> None:
    """The problems: headline, capped table, CSV download of the listed problems."""
    st.subheader(_("Problems found"), anchor="problems-found")
    st.error(
        _(
            "{total} problems found in {file}. Nothing was imported: correct the file and "
            "upload it again.",
            total=fmt_int(result.problem_total),
            file=result.filename,
        ),
        icon=":material/error:",
    )
    shown = len(result.problems)
    if result.problem_total > shown:
        st.caption(
            _(
                "The first {shown} of {total} problems are listed.",
                shown=fmt_int(shown),
                total=fmt_int(result.problem_total),
            )
        )
    frame = report_frame(result)
    # A static table: the rule is a sentence, and it must wrap to be read whole.
    st.table(
        frame,
        hide_index=True,
        border="horizontal",
        height="content" if len(frame) <= 15 else 600,
    )
    st.download_button(
        _("Download the report (CSV)"),
        data=to_csv(frame),
        file_name=f"import-report-{result.sha256[:8]}.csv",
        mime="text/csv",
        icon=":material/download:",
        key="imp_report_csv",
    )


def _file_facts(result: imports.CheckResult) -> str:
    facts = [result.format.upper() if result.format else ""]
    if result.encoding:
        facts.append(result.encoding.upper())
    if result.delimiter:
        facts.append(
            {",": _("comma"), ";": _("semicolon"), "\t": _("tab")}.get(
                result.delimiter, result.delimiter
            )
        )
    return " · ".join(f for f in facts if f)


def show_ready(result: imports.CheckResult) -> bool:
    """Summary, preview and the confirmation; True when the user confirmed the import."""
    st.subheader(_("Ready to import"))
    st.success(
        _(
            "No problems in {file}: {add} to add, {update} to update, {unchanged} unchanged.",
            file=result.filename,
            add=fmt_int(result.to_add),
            update=fmt_int(result.to_update),
            unchanged=fmt_int(result.unchanged),
        ),
        icon=":material/check_circle:",
    )
    st.caption(
        _(
            "{rows} rows checked, {blank} blank rows skipped ({facts}).",
            rows=fmt_int(result.rows),
            blank=fmt_int(result.blank_rows),
            facts=_file_facts(result),
        )
    )
    if result.preview:
        st.markdown("**" + _("Preview of the first rows") + "**")
        st.dataframe(preview_frame(result), hide_index=True, width="stretch", placeholder="")
    if result.to_add + result.to_update == 0:
        st.info(_("Nothing would change: every record is already in the register as in the file."))
    confirmed = st.checkbox(
        _("I have checked the summary and the preview."), key=f"imp_confirm_{result.sha256}"
    )
    return st.button(
        _("Import {n} records", n=fmt_int(result.to_add + result.to_update)),
        type="primary",
        disabled=not confirmed,
        icon=":material/upload:",
        key="imp_run",
    )


def run_import(actor: Actor, register_key: str, filename: str, content: bytes) -> None:
    """Import in one transaction with a progress bar; keeps the summary or the new report."""
    bar = st.progress(0.0, text=_("Checking rows…"))
    try:
        summary = data.write(
            imports.import_file,
            actor=actor,
            register=register_key,
            filename=filename,
            data=content,
            vocabulary=vocabulary(),
            progress=progress_callback(bar, _("Writing records…")),
        )
    except imports.ImportRefused as refused:
        bar.empty()
        st.session_state[STATE_RESULT] = refused.result
        show_error(refused)
        return
    except DomainError as exc:
        bar.empty()
        st.session_state.pop(STATE_RESULT, None)
        show_error(exc)
        return
    bar.empty()
    st.session_state[STATE_DONE] = summary
    forget_upload()
    st.rerun()


def forget_upload() -> None:
    """After a file was imported or submitted: an empty uploader, no stored check."""
    st.session_state.pop(STATE_RESULT, None)
    st.session_state[STATE_UPLOAD] = st.session_state.get(STATE_UPLOAD, 0) + 1


def show_done(actor: Actor) -> bool:
    """The last import's summary with links to the registers the user may open; whether
    there was one."""
    summary = st.session_state.get(STATE_DONE)
    if not summary:
        return False
    st.subheader(_("Import finished"))
    st.success(
        _(
            "{file} imported into {register}: {added} added, {updated} updated, "
            "{unchanged} unchanged.",
            file=summary.file,
            register=register_title(summary.register),
            added=fmt_int(summary.added),
            updated=fmt_int(summary.updated),
            unchanged=fmt_int(summary.unchanged),
        ),
        icon=":material/task_alt:",
    )
    st.caption(
        _(
            "Recorded in the audit trail as event {event} (file SHA-256 {sha}).",
            event=fmt_int(summary.event_id),
            sha=summary.sha256[:16] + "…",
        )
    )
    allowed = {p.url_path for p in pages_for(actor.roles)}
    page = imports.REGISTERS[summary.register].page
    if page and page in allowed:
        st.page_link(
            f"pages/{page}.py",
            label=_("Open the {register} register", register=register_title(summary.register)),
            icon=":material/list:",
        )
    if st.button(_("Import another file"), key="imp_another"):
        st.session_state.pop(STATE_DONE, None)
        st.rerun()
    st.divider()
    return True
