"""Staff forms of outcomes: record a contract or the using department's evaluation of an
approved adoption, import contracts from a file (all or nothing, the import page's report),
record a testbed's budget, result and certificate number, and what it sold afterwards.

Every write goes through ``db.outcomes`` (staff-only, audited, checked field by field); a
refusal is shown under the field it concerns (``components.forms``). The testbed form carries
the version its editor saw: a save by someone else in between is refused, nothing overwritten.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from components import data
from components.cells import pick
from components.forms import Form
from components.i18n import _, fmt_int
from components.imports import show_report
from components.labels import label
from db import clock, domain, outcomes
from db.imports import ImportRefused
from db.outcomes import imports as contract_imports
from db.policy import Actor

CONTRACT_FIELDS = ("department", "project_name", "amount_krw", "contracted_on", "quantity")
EVALUATION_FIELDS = ("department", "evaluated_on", "performance", "problems", "would_use_again")
OUTCOME_FIELDS = ("budget_krw", "result", "certificate_no", "reason")
SALE_FIELDS = ("kind", "buyer", "amount_krw", "sold_on")


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _adoption_choice(adoptions: pd.DataFrame, key: str) -> dict[str, Any] | None:
    by_id = {int(r["id"]): r for r in adoptions.to_dict("records")}
    chosen = st.selectbox(
        _("Adoption"),
        list(by_id),
        format_func=lambda i: (
            f"#{i} · {by_id[i]['reg_no']} · {pick(by_id[i]['title_ko'], by_id[i]['title_en'])}"
            f" · {by_id[i]['project_name']}"
        ),
        index=None,
        placeholder=_("Choose an approved adoption"),
        key=key,
    )
    return None if chosen is None else by_id[int(chosen)]


def contract_form(actor: Actor, adoptions: pd.DataFrame) -> None:
    """Record a contract that used an approved adoption's technology."""
    if adoptions.empty:
        st.info(_("No adoption is approved yet, so no contract can be recorded."))
        return
    row = _adoption_choice(adoptions, "oc_contract_adoption")
    if row is None:
        return
    adoption_id = int(row["id"])
    form = Form(f"contract_{adoption_id}", scope="oc")
    with st.form(form.name):
        st.text_input(
            _("Department"), value=row["department"], max_chars=200, key=form.key("department")
        )
        form.field_error("department")
        st.text_input(
            _("Project"), value=row["project_name"], max_chars=300, key=form.key("project_name")
        )
        form.field_error("project_name")
        left, middle, right = st.columns(3)
        with left:
            st.number_input(
                _("Amount (won)"), min_value=0, step=1_000_000, key=form.key("amount_krw")
            )
            form.field_error("amount_krw")
        with middle:
            st.date_input(
                _("Contract date"),
                value=None,
                max_value=clock.city_today(),
                format="YYYY-MM-DD",
                key=form.key("contracted_on"),
            )
            form.field_error("contracted_on")
        with right:
            st.number_input(
                _("Quantity (optional)"), min_value=0, value=None, key=form.key("quantity")
            )
            form.field_error("quantity")
        form.field_error("adoption_id")

        def write() -> int:
            result: int = data.write(
                outcomes.record_contract,
                actor=actor,
                adoption_id=adoption_id,
                department=form.value("department") or "",
                project_name=form.value("project_name") or "",
                amount_krw=_int(form.value("amount_krw")),
                contracted_on=form.value("contracted_on"),
                quantity=_int(form.value("quantity")),
            )
            return result

        st.form_submit_button(
            _("Record the contract"),
            type="primary",
            on_click=form.submit(
                (*CONTRACT_FIELDS, "adoption_id"),
                write,
                lambda new_id: _("Contract {id} was recorded.", id=new_id),
            ),
        )


def evaluation_form(actor: Actor, adoptions: pd.DataFrame) -> None:
    """Record the using department's evaluation of an approved adoption (one each), or
    correct the one recorded (an edit carries the version its editor saw)."""
    if adoptions.empty:
        st.info(_("No adoption is approved yet, so no evaluation can be recorded."))
        return
    row = _adoption_choice(adoptions, "oc_evaluation_adoption")
    if row is None:
        return
    adoption_id = int(row["id"])
    evaluated = not pd.isna(row.get("evaluation_id"))
    version = int(row["evaluation_version"]) if evaluated else 0
    form = Form(f"evaluation_{adoption_id}_{version}", scope="oc")
    if evaluated:
        st.caption(
            _(
                "This adoption's evaluation is recorded; saving corrects it. If someone else "
                "saves it before you, your change is refused and nothing is overwritten."
            )
        )
    performance = row.get("performance") if evaluated else None
    with st.form(form.name):
        st.text_input(
            _("Department"),
            value=row["evaluation_department"] if evaluated else row["department"],
            max_chars=200,
            key=form.key("department"),
        )
        form.field_error("department")
        left, right = st.columns(2)
        with left:
            st.date_input(
                _("Evaluated on"),
                value=row["evaluated_on"] if evaluated else None,
                max_value=clock.city_today(),
                format="YYYY-MM-DD",
                key=form.key("evaluated_on"),
            )
            form.field_error("evaluated_on")
        with right:
            st.radio(
                _("Performance against expectation"),
                domain.PERFORMANCES,
                format_func=lambda p: label("performance", p),
                index=domain.PERFORMANCES.index(performance) if performance else None,
                key=form.key("performance"),
            )
            form.field_error("performance")
        st.text_area(
            _("Problems met (optional)"),
            value=(row.get("problems") or "") if evaluated else "",
            max_chars=4000,
            key=form.key("problems"),
        )
        form.field_error("problems")
        st.checkbox(
            _("The department would use it again"),
            value=bool(row.get("would_use_again")) if evaluated else False,
            key=form.key("would_use_again"),
        )

        def write() -> int:
            values = dict(
                department=form.value("department") or "",
                evaluated_on=form.value("evaluated_on"),
                performance=form.value("performance"),
                problems=form.value("problems") or "",
                would_use_again=bool(form.value("would_use_again")),
            )
            if evaluated:
                result: int = data.write(
                    outcomes.edit_evaluation,
                    actor=actor,
                    evaluation_id=int(row["evaluation_id"]),
                    version=version,
                    **values,
                )
                return result
            new_id: int = data.write(
                outcomes.record_evaluation, actor=actor, adoption_id=adoption_id, **values
            )
            return new_id

        st.form_submit_button(
            _("Save the evaluation") if evaluated else _("Record the evaluation"),
            type="primary",
            on_click=form.submit(
                (*EVALUATION_FIELDS, "adoption_id"),
                write,
                lambda _id: _("The evaluation was recorded."),
            ),
        )


def import_contracts(actor: Actor) -> None:
    """Upload a CSV/xlsx of contracts: check, report problems by row and column, or import
    every row (nothing when any row is refused)."""
    st.caption(
        _(
            "Columns: {columns}. Rows are checked like the form; one problem anywhere and "
            "nothing is imported.",
            columns=contract_imports.CONTRACTS.expected(),
        )
    )
    uploaded = st.file_uploader(
        _("Contracts file (CSV or Excel)"), type=["csv", "xlsx"], key="oc_contracts_file"
    )
    if uploaded is None:
        return
    content = uploaded.getvalue()
    result = data.read(
        contract_imports.check_contracts_file,
        actor=actor,
        filename=uploaded.name,
        data=content,
    )
    if not result.ok:
        show_report(result)
        return
    st.success(
        _(
            "The file is valid: {add} contracts to add, {same} already recorded.",
            add=fmt_int(result.to_add),
            same=fmt_int(result.unchanged),
        )
    )
    if result.to_add and st.button(_("Import the contracts"), type="primary", key="oc_import"):
        try:
            summary = data.write(
                contract_imports.import_contracts_file,
                actor=actor,
                filename=uploaded.name,
                data=content,
            )
        except ImportRefused as exc:
            show_report(exc.result)
            return
        st.success(_("{n} contracts were imported.", n=fmt_int(summary.added)))


# --- testbeds ---------------------------------------------------------------------------------


def testbed_outcome_form(actor: Actor, row: dict[str, Any]) -> None:
    """Record or correct a testbed's budget, result and certificate number."""
    testbed_id, version = int(row["id"]), int(row["version"])
    form = Form(f"testbed_outcome_{testbed_id}_{version}", scope="oc")
    with st.form(form.name):
        budget = row.get("budget_krw")
        st.number_input(
            _("Budget (won)"),
            min_value=0,
            step=1_000_000,
            value=None if budget is None or pd.isna(budget) else int(budget),
            key=form.key("budget_krw"),
        )
        form.field_error("budget_krw")
        st.text_area(
            _("Result"), value=row.get("result") or "", max_chars=4000, key=form.key("result")
        )
        form.field_error("result")
        st.text_input(
            _("Certificate number"),
            value=row.get("certificate_no") or "",
            max_chars=64,
            key=form.key("certificate_no"),
        )
        form.field_error("certificate_no")
        st.text_input(_("Why this change (optional)"), max_chars=500, key=form.key("reason"))

        def write() -> int:
            result: int = data.write(
                outcomes.edit_testbed_outcome,
                actor=actor,
                testbed_id=testbed_id,
                version=version,
                budget_krw=_int(form.value("budget_krw")),
                result=form.value("result") or "",
                certificate_no=form.value("certificate_no") or "",
                reason=form.value("reason") or "",
            )
            return result

        st.form_submit_button(
            _("Save the changes"),
            type="primary",
            on_click=form.submit(
                OUTCOME_FIELDS, write, lambda _v: _("The testbed's details were saved.")
            ),
        )


def sale_form(actor: Actor, testbed_id: int) -> None:
    """Record what a testbed's technology sold afterwards."""
    form = Form(f"sale_{testbed_id}", scope="oc")
    with st.form(form.name):
        st.radio(
            _("Kind"),
            domain.SALE_KINDS,
            format_func=lambda k: label("sale_kind", k),
            horizontal=True,
            key=form.key("kind"),
        )
        form.field_error("kind")
        st.text_input(_("Buyer"), max_chars=200, key=form.key("buyer"))
        form.field_error("buyer")
        left, right = st.columns(2)
        with left:
            st.number_input(
                _("Amount (won)"), min_value=0, step=1_000_000, key=form.key("amount_krw")
            )
            form.field_error("amount_krw")
        with right:
            st.date_input(
                _("Sold on"),
                value=None,
                max_value=clock.city_today(),
                min_value=dt.date(2000, 1, 1),
                format="YYYY-MM-DD",
                key=form.key("sold_on"),
            )
            form.field_error("sold_on")
        form.field_error("testbed_id")

        def write() -> int:
            result: int = data.write(
                outcomes.record_sale,
                actor=actor,
                testbed_id=testbed_id,
                kind=form.value("kind"),
                buyer=form.value("buyer") or "",
                amount_krw=_int(form.value("amount_krw")),
                sold_on=form.value("sold_on"),
            )
            return result

        st.form_submit_button(
            _("Record the sale"),
            type="primary",
            on_click=form.submit(
                (*SALE_FIELDS, "testbed_id"), write, lambda _id: _("The sale was recorded.")
            ),
        )
