"""What adopted and testbed technologies achieved, as of a date: the Outcomes page's figures,
the testbeds register and the city's annual targets against actual (also on the overview).

Every read takes the acting user and refuses anyone but :data:`db.policy.OUTCOME_READERS`;
results are plain DataFrames and dataclasses (no personal data: departments and firms only).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from db import listing, policy
from db.city.store import city
from db.models import (
    Adoption,
    AdoptionEvaluation,
    Contract,
    Organization,
    Technology,
    Testbed,
    TestbedSale,
)
from db.policy import OUTCOME_READERS, Actor

TARGET_FIGURES: Final = (
    "technologies_registered",
    "technologies_adopted",
    "contracts",
    "contract_value_krw",
    "technologies_used",
    "first_sales",
)
"""The figures of the city profile's annual targets (``[targets.<year>]``) measured here:
technologies registered in the year, distinct technologies with an adoption approved in it,
contracts signed in it, their value in won, distinct technologies they used, testbeds whose
first sale fell in it. Other target keys are listed without an actual."""

FUNNEL: Final = ("testbed", "completed", "certified", "first_sale")


def _require(actor: Actor, action: str) -> None:
    policy.require(actor, OUTCOME_READERS, action=action, entity="outcome")


@dataclass(frozen=True)
class Outcomes:
    """The Outcomes page's figures as of ``as_of``.

    - ``by_year``: year, contracts, amount_krw, local_krw (to local firms' technologies);
    - ``repeat``: technologies with more than one contract: reg_no, title_ko, title_en,
      is_local, contracts, amount_krw;
    - ``first_use``: per technology with a contract: reg_no, title_ko, title_en,
      registered_on, first_contract_on, days (registration to first contract);
    - ``funnel``: stage (:data:`FUNNEL`), testbeds;
    - ``satisfaction``: department, evaluations, above, as_expected, below, again (would
      use again).
    """

    as_of: dt.date
    contracts: int
    amount_krw: int
    local_krw: int
    by_year: pd.DataFrame
    repeat: pd.DataFrame
    first_use: pd.DataFrame
    funnel: pd.DataFrame
    satisfaction: pd.DataFrame

    @property
    def local_share(self) -> float | None:
        """The share of contract value going to local firms' technologies (None: none)."""
        return self.local_krw / self.amount_krw if self.amount_krw else None

    @property
    def median_days_to_first_use(self) -> int | None:
        if self.first_use.empty:
            return None
        return int(self.first_use["days"].median())


INT_COLUMNS: Final = frozenset(
    {"year", "contracts", "amount_krw", "local_krw", "evaluations", "above", "as_expected"}
    | {"below", "again", "sales_krw", "public_krw", "budget_krw", "days", "quantity"}
)


def _frame(session: Session, query: listing.AnySelect) -> pd.DataFrame:
    """The rows of ``query``; sums and counts as whole numbers (PostgreSQL sums bigints as
    NUMERIC, SQLite as integers: both read the same), NULL kept as <NA>."""
    df = listing.frame(session.execute(query).all(), query)
    for name in INT_COLUMNS.intersection(df.columns):
        df[name] = pd.array([None if pd.isna(v) else int(v) for v in df[name]], dtype="Int64")
    return df


def require_reader(actor: Actor) -> None:
    """:raise PermissionDenied: the actor may not read outcomes."""
    _require(actor, "outcome.read")


def outcomes(*, session: Session, actor: Actor, as_of: dt.date) -> Outcomes:
    """The outcomes recorded on or before ``as_of``.

    :raise PermissionDenied: the actor may not read outcomes.
    """
    _require(actor, "outcome.read")
    return outcomes_of(session, as_of)


def outcomes_of(session: Session, as_of: dt.date) -> Outcomes:
    """:func:`outcomes` without the role check: for ``db.summaries``, which stores these
    aggregates for every reader of outcomes (its callers check the role first)."""
    c, a, t = Contract, Adoption, Technology
    local_amount = func.sum(case((t.is_local.is_(True), c.amount_krw), else_=0))
    base = (
        select()
        .select_from(c)
        .join(a, a.id == c.adoption_id)
        .join(t, t.id == a.technology_id)
        .where(c.contracted_on <= as_of)
    )
    year = func.extract("year", c.contracted_on)
    by_year = _frame(
        session,
        base.add_columns(
            year.label("year"),
            func.count().label("contracts"),
            func.sum(c.amount_krw).label("amount_krw"),
            local_amount.label("local_krw"),
        )
        .group_by(year)
        .order_by(year),
    )
    repeat = _frame(
        session,
        base.add_columns(
            t.reg_no,
            t.title_ko,
            t.title_en,
            t.is_local,
            func.count().label("contracts"),
            func.sum(c.amount_krw).label("amount_krw"),
        )
        .group_by(t.id, t.reg_no, t.title_ko, t.title_en, t.is_local)
        .having(func.count() > 1)
        .order_by(func.count().desc(), t.reg_no),
    )
    first_use = _frame(
        session,
        base.add_columns(
            t.reg_no,
            t.title_ko,
            t.title_en,
            t.registered_on,
            func.min(c.contracted_on).label("first_contract_on"),
        )
        .where(t.registered_on.is_not(None))
        .group_by(t.id, t.reg_no, t.title_ko, t.title_en, t.registered_on)
        .order_by(t.reg_no),
    )
    first_use["days"] = [
        (pd.Timestamp(f) - pd.Timestamp(r)).days
        for f, r in zip(first_use["first_contract_on"], first_use["registered_on"], strict=True)
    ]
    first_use["days"] = first_use["days"].astype("Int64")
    e = AdoptionEvaluation
    satisfaction = _frame(
        session,
        select(
            e.department,
            func.count().label("evaluations"),
            func.sum(case((e.performance == "above", 1), else_=0)).label("above"),
            func.sum(case((e.performance == "as_expected", 1), else_=0)).label("as_expected"),
            func.sum(case((e.performance == "below", 1), else_=0)).label("below"),
            func.sum(case((e.would_use_again.is_(True), 1), else_=0)).label("again"),
        )
        .where(e.evaluated_on <= as_of)
        .group_by(e.department)
        .order_by(func.count().desc(), e.department),
    )
    totals = by_year[["contracts", "amount_krw", "local_krw"]].sum()
    return Outcomes(
        as_of=as_of,
        contracts=int(totals["contracts"]),
        amount_krw=int(totals["amount_krw"]),
        local_krw=int(totals["local_krw"]),
        by_year=by_year,
        repeat=repeat,
        first_use=first_use,
        funnel=_funnel(session, as_of),
        satisfaction=satisfaction,
    )


def _first_sales(as_of: dt.date) -> listing.AnySelect:
    s = TestbedSale
    return (
        select(s.testbed_id, func.min(s.sold_on).label("first_sale_on"))
        .where(s.sold_on <= as_of)
        .group_by(s.testbed_id)
    )


def _funnel(session: Session, as_of: dt.date) -> pd.DataFrame:
    tb = Testbed
    first = _first_sales(as_of).subquery()
    row = session.execute(
        select(
            func.count().label("testbed"),
            func.count(tb.completed_on).label("completed"),
            func.count(tb.certified_on).label("certified"),
            func.count(first.c.first_sale_on).label("first_sale"),
        )
        .select_from(tb)
        .outerjoin(first, first.c.testbed_id == tb.id)
        .where(tb.selected_on.is_not(None), tb.selected_on <= as_of)
    ).one()
    # a stage reached after ``as_of`` does not count yet
    counts = dict(row._mapping)
    late = session.execute(
        select(
            func.count(case((tb.completed_on > as_of, 1))),
            func.count(case((tb.certified_on > as_of, 1))),
        ).where(tb.selected_on.is_not(None), tb.selected_on <= as_of)
    ).one()
    counts["completed"] -= late[0]
    counts["certified"] -= late[1]
    return pd.DataFrame({"stage": list(FUNNEL), "testbeds": [int(counts[s]) for s in FUNNEL]})


def testbeds(*, session: Session, actor: Actor) -> pd.DataFrame:
    """Every testbed with its technology, firm, stage dates, budget, result, certificate and
    what it sold afterwards (first sale, total, public purchases), newest application first.

    Columns: id, version, reg_no, title_ko, title_en, owner_ko, owner_en, status, site,
    budget_krw, applied_on, started_on, completed_on, certification, certified_on,
    certificate_no, result, first_sale_on, sales_krw, public_krw.

    :raise PermissionDenied: the actor may not read outcomes.
    """
    _require(actor, "testbed.read")
    tb, t, o, s = Testbed, Technology, Organization, TestbedSale
    sales = (
        select(
            s.testbed_id,
            func.min(s.sold_on).label("first_sale_on"),
            func.sum(s.amount_krw).label("sales_krw"),
            func.sum(case((s.kind == "public_purchase", s.amount_krw), else_=0)).label(
                "public_krw"
            ),
        )
        .group_by(s.testbed_id)
        .subquery()
    )
    query = (
        select(
            tb.id,
            tb.version,
            t.reg_no,
            t.title_ko,
            t.title_en,
            o.name_ko.label("owner_ko"),
            o.name_en.label("owner_en"),
            tb.status,
            tb.site,
            tb.budget_krw,
            tb.applied_on,
            tb.started_on,
            tb.completed_on,
            tb.certification,
            tb.certified_on,
            tb.certificate_no,
            tb.result,
            sales.c.first_sale_on,
            sales.c.sales_krw,
            sales.c.public_krw,
        )
        .join(t, t.id == tb.technology_id)
        .join(o, o.id == t.owner_org_id)
        .outerjoin(sales, sales.c.testbed_id == tb.id)
        .order_by(tb.applied_on.desc(), tb.id.desc())
    )
    return _frame(session, query)


def testbed_sales(*, session: Session, actor: Actor, testbed_id: int) -> pd.DataFrame:
    """One testbed's sales, oldest first: id, version, kind, buyer, amount_krw, sold_on.

    :raise PermissionDenied: the actor may not read outcomes.
    """
    _require(actor, "testbed.read")
    s = TestbedSale
    return _frame(
        session,
        select(s.id, s.version, s.kind, s.buyer, s.amount_krw, s.sold_on)
        .where(s.testbed_id == testbed_id)
        .order_by(s.sold_on, s.id),
    )


def adoption_outcomes(*, session: Session, actor: Actor) -> pd.DataFrame:
    """Approved adoptions with their contracts and evaluation, for staff's forms and the
    list: id, reg_no, title_ko, title_en, project_name, department, approved_on, contracts,
    amount_krw, evaluation_id, evaluation_version, evaluation_department, evaluated_on,
    performance, problems, would_use_again.

    :raise PermissionDenied: the actor may not read outcomes.
    """
    _require(actor, "outcome.read")
    a, t, c, e = Adoption, Technology, Contract, AdoptionEvaluation
    totals = (
        select(
            c.adoption_id,
            func.count().label("contracts"),
            func.sum(c.amount_krw).label("amount_krw"),
        )
        .group_by(c.adoption_id)
        .subquery()
    )
    return _frame(
        session,
        select(
            a.id,
            t.reg_no,
            t.title_ko,
            t.title_en,
            a.project_name,
            a.department,
            a.approved_on,
            func.coalesce(totals.c.contracts, 0).label("contracts"),
            func.coalesce(totals.c.amount_krw, 0).label("amount_krw"),
            e.id.label("evaluation_id"),
            e.version.label("evaluation_version"),
            e.department.label("evaluation_department"),
            e.evaluated_on,
            e.performance,
            e.problems,
            e.would_use_again,
        )
        .join(t, t.id == a.technology_id)
        .outerjoin(totals, totals.c.adoption_id == a.id)
        .outerjoin(e, e.adoption_id == a.id)
        .where(a.status == "approved")
        .order_by(a.approved_on.desc(), a.id.desc()),
    )


def contracts(*, session: Session, actor: Actor, as_of: dt.date) -> pd.DataFrame:
    """Every contract signed on or before ``as_of``, newest first, with its adoption and
    technology: id, contracted_on, department, project_name, amount_krw, quantity,
    adoption_id, reg_no, title_ko, title_en, is_local.

    :raise PermissionDenied: the actor may not read outcomes.
    """
    _require(actor, "outcome.read")
    c, a, t = Contract, Adoption, Technology
    return _frame(
        session,
        select(
            c.id,
            c.contracted_on,
            c.department,
            c.project_name,
            c.amount_krw,
            c.quantity,
            c.adoption_id,
            t.reg_no,
            t.title_ko,
            t.title_en,
            t.is_local,
        )
        .join(a, a.id == c.adoption_id)
        .join(t, t.id == a.technology_id)
        .where(c.contracted_on <= as_of)
        .order_by(c.contracted_on.desc(), c.id.desc())
        .limit(listing.EXPORT_LIMIT),
    )


def targets(*, session: Session, actor: Actor, as_of: dt.date) -> pd.DataFrame:
    """The city profile's annual targets against actual, up to ``as_of``'s year: year,
    figure, target, actual (None for a figure outcomes do not measure: see
    :data:`TARGET_FIGURES`). Actual counts up to ``as_of`` in its own year.

    :raise PermissionDenied: the actor may not read outcomes.
    """
    _require(actor, "outcome.read")
    return targets_of(session, as_of)


def targets_of(session: Session, as_of: dt.date) -> pd.DataFrame:
    """:func:`targets` without the role check (see :func:`outcomes_of`)."""
    rows = []
    for year, figures in sorted(city(session).targets.items()):
        if year > as_of.year:
            continue
        actual = _actuals(session, year, min(as_of, dt.date(year, 12, 31)))
        for figure, target in sorted(figures.items()):
            rows.append(
                {"year": year, "figure": figure, "target": target, "actual": actual.get(figure)}
            )
    return pd.DataFrame(rows, columns=["year", "figure", "target", "actual"])


def _actuals(session: Session, year: int, end: dt.date) -> dict[str, int]:
    c, a = Contract, Adoption
    start = dt.date(year, 1, 1)
    row = session.execute(
        select(
            func.count(c.id),
            func.coalesce(func.sum(c.amount_krw), 0),
            func.count(func.distinct(a.technology_id)),
        )
        .select_from(c)
        .join(a, a.id == c.adoption_id)
        .where(c.contracted_on >= start, c.contracted_on <= end)
    ).one()
    t = Technology
    registered = session.execute(
        select(func.count()).where(t.registered_on >= start, t.registered_on <= end)
    ).scalar_one()
    adopted = session.execute(
        select(func.count(func.distinct(a.technology_id))).where(
            a.status == "approved", a.approved_on >= start, a.approved_on <= end
        )
    ).scalar_one()
    first = _first_sales(end).subquery()
    first_sales = session.execute(
        select(func.count()).select_from(first).where(first.c.first_sale_on >= start)
    ).scalar_one()
    return {
        "technologies_registered": int(registered),
        "technologies_adopted": int(adopted),
        "contracts": int(row[0]),
        "contract_value_krw": int(row[1]),
        "technologies_used": int(row[2]),
        "first_sales": int(first_sales),
    }
