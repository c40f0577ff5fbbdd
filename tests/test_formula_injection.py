"""20 formula-injection payloads through every CSV and Excel download: each opens as inert text.

A demo database gets every payload of :data:`tests.security_payloads.FORMULA` in every
free-text field through the ``db/`` writes; each role that has downloads opens each of its
pages under AppTest, asks for the files where a page prepares them on request (registers,
audit trail, evidence packages), and every file offered is opened the way a spreadsheet
user's tools would: CSV with the ``csv`` module, Excel with ``openpyxl``, the evidence ZIP
member by member. No text cell may read as a formula (it starts with ``=``, ``+``, ``-``,
``@``, a tab, CR or LF, also after blanks or as a full-width sign, unless neutralised with a
leading apostrophe), no Excel cell may have the formula data type, and the payloads must
really be in the files (so the test cannot pass by exporting nothing).
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.escape import unescape
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from components import lazy_tabs
from components.export import neutralize
from db.engine import make_engine
from tests.apptest import ROLE_ACCOUNTS, capture_downloads, new_app, sign_in
from tests.conftest import app_on_copy
from tests.security_payloads import FORMULA, Poisoned, formula_like, poison

NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$")


@pytest.fixture(scope="module")
def formula_db(
    tmp_path_factory: pytest.TempPathFactory, seeded_sqlite_file: Path
) -> tuple[Path, Poisoned]:
    path = tmp_path_factory.mktemp("formula") / "formula.sqlite3"
    shutil.copyfile(seeded_sqlite_file, path)
    engine: Engine = make_engine(f"sqlite:///{path}")
    handles = poison(engine, FORMULA)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path, handles


@pytest.fixture
def app_env(
    formula_db: tuple[Path, Poisoned], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Poisoned]:
    src, handles = formula_db
    app_on_copy(src, monkeypatch, tmp_path)
    yield handles


def spreadsheet_cells(name: str, blob: bytes) -> Iterator[tuple[str, object, str]]:
    """(where, value, excel data type or "csv") of every cell of a CSV, Excel or ZIP file."""
    if name.endswith(".csv"):
        text = blob.decode("utf-8-sig")
        for r, row in enumerate(csv.reader(io.StringIO(text, newline=""))):
            for c, value in enumerate(row):
                yield f"{name}:{r + 1}:{c + 1}", value, "csv"
    elif name.endswith(".xlsx"):
        wb = openpyxl.load_workbook(io.BytesIO(blob))
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None:  # as Excel shows it ("_x000D_" is a CR)
                        value = unescape(cell.value) if isinstance(cell.value, str) else cell.value
                        yield f"{name}:{ws.title}!{cell.coordinate}", value, cell.data_type
    elif name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(blob)) as zf:
            for member in zf.namelist():
                yield from spreadsheet_cells(f"{name}/{member}", zf.read(member))


def dangerous(value: object, kind: str) -> bool:
    if kind == "f":
        return True
    if not isinstance(value, str):
        return False
    if kind == "csv" and NUMBER.match(value):
        return False  # a number (a negative amount) is a number, not a formula
    return formula_like(value)


# Pages whose tabs draw only the open one (components.lazy_tabs): their key and how many.
LAZY_TABS = {"audit_trail": ("at_tabs", 5), "inquiries": ("ic_tabs", 4)}
VIEWS = {
    "executive": ["overview", "technologies", "experts", "adoptions", "inquiries"],
    "staff": ["technologies", "experts", "adoptions", "inquiries"],
    "auditor": ["overview", "technologies", "experts", "adoptions", "audit_trail", "fairness"],
}


def _collect(
    role: str, handles: Poisoned, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, bytes], list[str]]:
    """Every file offered on the role's pages, and the pages that failed to run."""
    files = capture_downloads(monkeypatch)
    crashed: list[str] = []
    at = sign_in(new_app(), ROLE_ACCOUNTS[role])
    views: list[tuple[str, dict[str, str]]] = [(v, {}) for v in VIEWS[role]]
    if role == "auditor":
        views.append(("meetings", {"id": str(handles.full_meeting_id)}))
    for page, params in views:
        if not Path(f"pages/{page}.py").exists():
            continue
        at.query_params.clear()
        at.query_params.update(params)
        at.switch_page(f"pages/{page}.py").run()
        if at.exception:
            crashed.append(f"{page}: {_trace(at)}")
            continue
        if page == "overview":  # its Records popovers build their files only when opened
            for key in ("records_meetings", "records_testbeds", "records_agreements"):
                at.session_state[key] = True
            at.run()
            if at.exception:
                crashed.append(f"{page} (records opened): {_trace(at)}")
        key, count = LAZY_TABS.get(page, ("", 1))
        for tab in range(count):  # a page of lazy tabs draws the open one: open each
            if tab:
                at.session_state[lazy_tabs.place_key(key)] = tab
                at.run()
            for _round in range(2):  # files prepared on request: ask for each
                prepare = [b for b in at.button if str(b.label).startswith("Prepare")]
                if not prepare:
                    break
                for b in prepare:
                    b.click()
                    at.run()
                    if at.exception:
                        crashed.append(f"{page} (files asked for): {_trace(at)}")
    return dict(files), crashed


def _trace(at: AppTest) -> str:
    # (The page shows a redacted message; the server log has the traceback.)
    return "; ".join(str(e.message)[:200] for e in at.exception)


@pytest.mark.parametrize("role", sorted(VIEWS))
def test_every_download_opens_as_inert_text(
    role: str, app_env: Poisoned, monkeypatch: pytest.MonkeyPatch
) -> None:
    files, crashed = _collect(role, app_env, monkeypatch)
    sheets = {n: b for n, b in files.items() if n.endswith((".csv", ".xlsx", ".zip"))}
    assert sheets, f"{role}: no spreadsheet downloads at all: {sorted(files)}"
    found: set[str] = set()
    bad: list[str] = []
    for name, blob in sheets.items():
        for where, value, kind in spreadsheet_cells(name, blob):
            if dangerous(value, kind):
                bad.append(f"{where}: {value!r} ({kind})")
            if isinstance(value, str):
                found.add(value)
    assert not bad, f"{role}: cells a spreadsheet would evaluate:\n" + "\n".join(bad[:40])
    # The payloads are in the files, neutralised (so the files were not just empty).
    expected = {neutralize(s) for s in app_env.stored}
    missing = {s for s in expected if not any(s in v for v in found)}
    assert not missing, f"{role}: payloads missing from every download: {missing}"
    assert not crashed, "pages that failed:\n" + "\n".join(crashed)


def test_every_payload_is_in_the_register_and_audit_exports(
    app_env: Poisoned, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each register's files hold every payload it stores (titles, names, projects), and the
    audit trail's files hold the reasons; checked per file kind, CSV and Excel alike."""
    files, crashed = _collect("auditor", app_env, monkeypatch)
    assert not crashed, "\n".join(crashed)
    expected = {neutralize(s) for s in app_env.stored}
    for prefix in ("technologies", "experts", "adoptions", "audit-trail", "evidence"):
        for ext in (".csv", ".xlsx", ".zip"):
            named = {n: b for n, b in files.items() if n.startswith(prefix) and n.endswith(ext)}
            if not named:
                continue
            cells = {str(v) for n, b in named.items() for _w, v, _k in spreadsheet_cells(n, b)}
            missing = {s for s in expected if not any(s in c for c in cells)}
            assert not missing, f"{prefix}*{ext}: payloads missing: {missing}"
    names = sorted(files)
    assert any(n.startswith("technologies") and n.endswith(".xlsx") for n in names), names
    assert any(n.startswith("audit-trail") and n.endswith(".csv") for n in names), names
    assert any(n.endswith(".zip") for n in names), names


@pytest.mark.parametrize("payload", FORMULA)
def test_each_payload_as_typed_is_neutralised_by_both_writers(payload: str) -> None:
    """The payloads exactly as typed (blanks, tabs and line breaks kept, as an import could
    store them): the app's CSV and Excel writer and ``db/``'s CSV writer (evidence package)
    both write them as inert text, with the apostrophe the rule adds."""
    import pandas as pd

    from components.export import to_csv, to_xlsx
    from db.meetings import csvsafe

    df = pd.DataFrame({"text": [payload], "n": [-3]})
    for name, blob in (
        ("app.csv", to_csv(df)),
        ("db.csv", csvsafe.to_csv(df)),
        ("app.xlsx", to_xlsx(df)),
    ):
        values = [(v, k) for w, v, k in spreadsheet_cells(name, blob)]
        assert not [v for v, k in values if dangerous(v, k)], (name, values)
        texts = [str(v).replace("\n", "\r") for v, _k in values]
        assert ("'" + payload).replace("\n", "\r") in texts, (name, texts)
