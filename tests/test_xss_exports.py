"""The files the app offers, with the 30 XSS payloads in every free-text field: the HTML
briefing holds no script, no ``on*`` attribute and no ``javascript:`` URL (values escaped),
and the evidence package holds no HTML or SVG at all (CSV and plain text only), so nothing
in a download can run script when opened in a browser."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from components.briefing import build_briefing
from db.audit.receipt import read_receipt
from db.engine import make_engine
from db.meetings.evidence import RECEIPT
from tests.apptest import ROLE_ACCOUNTS, capture_downloads, new_app, sign_in
from tests.conftest import app_on_copy
from tests.security_payloads import XSS, Poisoned, poison


class Markup(HTMLParser):
    """Collects what in an HTML document could run script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed", "base", "svg", "math", "link", "img"):
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            v = "".join((value or "").split()).lower()
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}>")
            if "javascript:" in v or v.startswith("data:") or "__xss" in v:
                self.problems.append(f"<{tag} {name}={value!r}>")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def markup_problems(document: str) -> tuple[list[str], str]:
    parser = Markup()
    parser.feed(document)
    parser.close()
    return parser.problems, "".join(parser.text)


@pytest.fixture(scope="module")
def xss_db(
    tmp_path_factory: pytest.TempPathFactory, seeded_sqlite_file: Path
) -> tuple[Path, Poisoned]:
    path = tmp_path_factory.mktemp("xss-exports") / "xss.sqlite3"
    shutil.copyfile(seeded_sqlite_file, path)
    engine = make_engine(f"sqlite:///{path}")
    handles = poison(engine, XSS)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path, handles


@pytest.fixture
def app_env(
    xss_db: tuple[Path, Poisoned], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Poisoned]:
    src, handles = xss_db
    app_on_copy(src, monkeypatch, tmp_path)
    yield handles


def test_briefing_download_holds_no_markup_from_data(
    app_env: Poisoned, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = capture_downloads(monkeypatch)
    at = sign_in(new_app(), ROLE_ACCOUNTS["executive"])
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    briefings = {n: b for n, b in files.items() if n.endswith(".html")}
    assert briefings, sorted(files)
    for name, blob in briefings.items():
        problems, text = markup_problems(blob.decode("utf-8"))
        assert not problems, (name, problems)
        assert "<script" not in blob.decode("utf-8").lower()
        assert text.strip(), name


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_briefing_escapes_every_text_put_into_it(lang: str) -> None:
    """Every text the briefing is given (filters, period, figure names) may carry a payload:
    each comes out as text, none as markup."""
    import datetime as dt

    from db.kpi.headline import Headline

    headline = Headline(
        as_of=dt.date(2019, 8, 8), experts=817, experts_by_affiliation={"public": 393},
        technologies=305, technologies_local=43, meetings=23, adopted=54, testbeds=4,
        testbeds_by_stage={}, inquiries=7, agreements=4,
    )  # fmt: skip
    for payload in XSS:
        body = build_briefing(
            lang=lang,
            as_of=dt.date(2019, 8, 8),
            produced_at=dt.datetime(2019, 8, 8, 9, 0),
            period_label=payload,
            figures=[(payload, 1, 2)],
            headline=headline,
            pipeline={payload: 3},
            durations={payload: 1.5},
            filters_text=payload,
        ).decode("utf-8")
        problems, text = markup_problems(body)
        assert not problems, (payload, problems)
        assert payload.strip() in text, payload


def test_evidence_package_holds_only_csv_and_text(
    app_env: Poisoned, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = capture_downloads(monkeypatch)
    at = sign_in(new_app(), ROLE_ACCOUNTS["auditor"])
    at.query_params.update({"id": str(app_env.full_meeting_id)})
    at.switch_page("pages/meetings.py").run()
    assert not at.exception
    for b in [b for b in at.button if str(b.label).startswith("Prepare")]:
        b.click()
        at.run()
    zips = {n: b for n, b in files.items() if n.endswith(".zip")}
    assert zips, sorted(files)
    for name, blob in zips.items():
        with zipfile.ZipFile(io.BytesIO(blob)) as zf:
            members = zf.namelist()
            # inert files only: CSV, text, the manifest, and the head receipt (JSON the
            # platform writes, no user text)
            assert all(m.endswith((".csv", ".txt", ".sha256")) or m == RECEIPT for m in members), (
                members
            )
            if RECEIPT in members:
                assert read_receipt(zf.read(RECEIPT)) is not None
            minutes = [m for m in members if m.startswith("minutes/")]
            assert minutes, members
            text = zf.read(minutes[0]).decode("utf-8")
            # The payloads are there as typed (plain text is never rendered as HTML).
            assert "<script>alert(1)</script>" in text
