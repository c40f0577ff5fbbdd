"""Helpers to drive the whole app under ``streamlit.testing.v1.AppTest``.

A quirk to know: AppTest resets ``PagesManager.uses_pages_directory`` before every run, so
with a ``pages/`` folder beside ``app.py`` each run starts in Streamlit's old multipage mode.
A run that *continues on a page* (a widget on that page was used) executes that page file
alone, without ``app.py``; a fresh ``new_app()`` or ``switch_page`` goes through ``app.py``.
A real server leaves that mode after its first run. Pages guard themselves, so either way a
page never shows anything to a user without its role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from html.parser import HTMLParser
from pathlib import Path

from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")

DEMO_PASSWORD = "ntp-demo-2019-08-08"
ROLE_ACCOUNTS = {
    "executive": "executive.demo",
    "auditor": "auditor.demo",
    "staff": "staff.demo",
    "approver": "approver.demo",
    "admin": "admin.demo",
}


def new_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    return at


def text_input(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    matches = [t for t in at.text_input if t.label == label]
    assert matches, f"no text input labelled {label!r}: {[t.label for t in at.text_input]}"
    return matches[0]


def button(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button labelled {label!r}: {[b.label for b in at.button]}"
    return matches[0]


def sign_in(at: AppTest, username: str, password: str = DEMO_PASSWORD) -> AppTest:
    text_input(at, "Username").input(username)
    text_input(at, "Password").input(password)
    button(at, "Sign in").click()
    at.run()
    # (The form's button signs in before the run it causes, so that run draws the landing
    # page, as in a browser.)
    return at


_TEXT_KINDS = ("title", "header", "subheader", "markdown", "caption", "error", "warning", "info",
               "success")  # fmt: skip


def page_text(at: AppTest) -> str:
    """All text a person would read on the rendered page (markdown, titles, metrics, alerts),
    as the elements' Markdown source."""
    parts: list[str] = []
    for kind in _TEXT_KINDS:
        parts.extend(str(e.value) for e in getattr(at, kind))
    parts.extend(f"{m.label} {m.value}" for m in at.metric)
    return "\n".join(parts)


# Streamlit's front end renders Markdown as CommonMark with GitHub's tables and strikethrough.
_MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def rendered_html(markdown: str) -> str:
    """The HTML that ``markdown`` (the body of an ``st.markdown``/``st.caption``/``st.error``
    element, as AppTest reads it) renders to, by a CommonMark renderer."""
    return _MARKDOWN.render(markdown)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def rendered(markdown: str) -> str:
    """The text a person reads when ``markdown`` is rendered: escapes resolved, formatting
    and links reduced to their text, zero-width spaces dropped, paragraphs joined by a space.
    (Compare what a page *shows* with this, not the Markdown source with its escapes.)"""
    parser = _Text()
    parser.feed(rendered_html(markdown))
    text = "".join(parser.parts).replace("\u200b", "")
    return " ".join(text.split())


def shown(elements) -> list[str]:  # type: ignore[no-untyped-def]
    """What a person reads in each of ``elements`` (e.g. ``at.error``, ``at.caption``): their
    Markdown bodies rendered (:func:`rendered`)."""
    return [rendered(str(e.value)) for e in elements]


def shown_text(at: AppTest) -> str:
    """:func:`page_text` as a person reads it: each element's Markdown rendered, so values
    from the database appear as typed (without the escapes that keep them literal)."""
    parts: list[str] = []
    for kind in _TEXT_KINDS:
        parts.extend(shown(getattr(at, kind)))
    parts.extend(f"{m.label} {m.value}" for m in at.metric)
    return "\n".join(parts)


class Downloads(Mapping[str, bytes]):
    """The files offered by download buttons, by name (see :func:`capture_downloads`). A
    deferred file is built when the test first reads the files, after the run that offered
    it, as a browser asks for it after the page was drawn: its writing does not count against
    the run's time limit (the audit trail's 20,000 events in Excel take seconds)."""

    def __init__(self) -> None:
        self._files: dict[str, bytes] = {}
        self._pending: list[tuple[str, Callable[[], bytes | str]]] = []

    def keep(self, name: str, data: bytes) -> None:
        # The newest file of a name under that name; an earlier, different one under
        # "name (1).ext" (as a browser saves a second download of the same name): two tabs'
        # files written in the same minute share their time-stamped name.
        self._build()
        earlier = self._files.get(name)
        if earlier is not None and earlier != data:
            stem, dot, ext = name.rpartition(".")
            n = 1
            while f"{stem} ({n}){dot}{ext}" in self._files:
                n += 1
            self._files[f"{stem} ({n}){dot}{ext}"] = earlier
        self._files[name] = data

    def defer(self, name: str, build: Callable[[], bytes | str]) -> None:
        self._pending.append((name, build))

    def _build(self) -> None:
        pending, self._pending = self._pending, []
        for name, build in pending:
            data = build()
            self.keep(name, data.encode("utf-8") if isinstance(data, str) else data)

    def __getitem__(self, name: str) -> bytes:
        self._build()
        return self._files[name]

    def __iter__(self) -> Iterator[str]:
        self._build()
        return iter(dict(self._files))

    def __len__(self) -> int:
        self._build()
        return len(self._files)


def capture_downloads(monkeypatch) -> Downloads:  # type: ignore[no-untyped-def]
    """Record the bytes behind every download button rendered under AppTest, by file name.
    A deferred file (a function called when its button is clicked) is built as a click would
    build it, when the test reads the files, so tests read what the user would get."""
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    files = Downloads()
    original = MemoryMediaFileStorage.load_and_get_id
    original_deferred = MediaFileManager.add_deferred

    def load(self, path_or_data, mimetype, kind, filename=None):  # type: ignore[no-untyped-def]
        if filename and isinstance(path_or_data, bytes):
            files.keep(filename, path_or_data)
        return original(self, path_or_data, mimetype, kind, filename)

    def deferred(self, data_callable, mimetype, coordinates, file_name=None, **kw):  # type: ignore[no-untyped-def]
        if file_name:
            files.defer(file_name, data_callable)
        return original_deferred(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", load)
    monkeypatch.setattr(MediaFileManager, "add_deferred", deferred)
    return files


def open_tab(at: AppTest, key: str, index: int) -> AppTest:
    """Open the tab at ``index`` of the lazy tabs ``key`` (``components.lazy_tabs``: only the
    open tab is drawn) and run, as a click on that tab does in a browser."""
    from components import lazy_tabs

    at.session_state[lazy_tabs.place_key(key)] = index
    at.run()
    assert not at.exception, at.exception
    return at


def monthly_counts_in(url: str, months: list[str], series: Iterable[str]) -> dict[str, list[int]]:
    """Each series' new records per month (``YYYY-MM`` in ``months``, in order), read from the
    database at ``url`` as the overview counts them: what its charts must show."""
    import datetime as dt

    from sqlalchemy import create_engine

    from db.kpi import overview as ov
    from db.session import read_session

    first = dt.date.fromisoformat(months[0] + "-01")
    year, month = map(int, months[-1].split("-"))
    last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    engine = create_engine(url)
    try:
        with read_session(engine) as s:
            monthly = ov.monthly_counts(session=s, start=first, end=last)
    finally:
        engine.dispose()
    by = {(r.series, r.month): int(r.count) for r in monthly.itertuples()}
    return {k: [by.get((k, m), 0) for m in months] for k in series}
