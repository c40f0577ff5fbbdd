"""Streamlit's "Page not found" dialog in the reader's language (components/page_fixes.py).

The words are matched against the texts of the Streamlit installed (its frontend bundle), so
an upgrade that rewords the dialog fails here instead of leaving Korean readers in English.
The browser side (the page script applying the pairs) is in
tests/browser/test_signin_deep_links.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import streamlit

from components.i18n import translate_in
from components.page_fixes import builtin_words

BUNDLE = Path(streamlit.__file__).parent / "static" / "static" / "js"
# onPageNotFound=e=>{let t=e?`<names the page ${e}>`:`<names none>`;this.showError(`<title>`,
# {message:`${t}<ending>`})}
DIALOG = re.compile(
    r"onPageNotFound=(\w+)=>\{let (\w+)=\1\?`(?P<named>[^`]*)`:`(?P<unnamed>[^`]*)`;"
    r"this\.showError\(`(?P<title>[^`]*)`,\{message:`\$\{\2\}(?P<ending>[^`]*)`\}\)"
)


def _streamlit_dialog() -> dict[str, str]:
    """The dialog's texts as Streamlit writes them; ``named`` with ``{page}`` for the page."""
    for script in sorted(BUNDLE.glob("*.js")):
        found = DIALOG.search(script.read_text(encoding="utf-8", errors="replace"))
        if found:
            ending = found["ending"]
            return {
                "title": found["title"],
                "unnamed": found["unnamed"] + ending,
                "named": re.sub(r"\$\{\w+\}", "{page}", found["named"]) + ending,
            }
    raise AssertionError(f"no onPageNotFound in Streamlit's bundle ({BUNDLE})")


def _say(lang: str, text: str) -> str | None:
    """What the page script shows for ``text`` in ``lang`` (its rule: whole text, {1})."""
    for pattern, to in builtin_words(lang):
        m = re.fullmatch(pattern, text)
        if m:
            return to.replace("{1}", m.group(1) if m.groups() else "")
    return None


@pytest.fixture(scope="module")
def dialog() -> dict[str, str]:
    return _streamlit_dialog()


def test_the_dialog_reads_in_korean_and_back_in_english(dialog: dict[str, str]) -> None:
    title_ko = _say("ko", dialog["title"])
    message_ko = _say("ko", dialog["unnamed"])
    assert title_ko == translate_in("ko", "Page not found") == "페이지를 찾을 수 없습니다"
    assert message_ko is not None and "시작 페이지" in message_ko, message_ko
    # No English word left, nor Streamlit's "pages/ directory".
    assert not re.search(r"[A-Za-z]", title_ko + message_ko), (title_ko, message_ko)
    # Switched back to English: Streamlit's own words again.
    assert _say("en", title_ko) == dialog["title"]
    assert _say("en", message_ko) == dialog["unnamed"]


@pytest.mark.parametrize("typed", ["no-such-page", "지원사업/2024", "a$&b$'c", "x<b>y</b>"])
def test_the_typed_path_is_kept_as_typed(dialog: dict[str, str], typed: str) -> None:
    english = dialog["named"].replace("{page}", typed)
    korean = _say("ko", english)
    assert korean is not None, english
    assert f"/{typed}" in korean and "시작 페이지" in korean, korean
    assert "pages/" not in korean and "directory" not in korean, korean
    assert _say("en", korean) == english


def test_only_the_whole_text_is_replaced() -> None:
    """A text that merely holds the words (a user's title, a sentence quoting them) stays."""
    for text in ("Page not found in archive", "Report: Page not found", "page not found"):
        assert _say("ko", text) is None, text
