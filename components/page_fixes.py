"""The app's own script in every page: fixes of how the browser side behaves that Streamlit
offers no parameter for (see ``assets/page_fixes.js``). The script is the app's file, with
no user text in it.

It also puts Streamlit's own interface words (a file uploader's "Upload", "No results", "Press
Enter to submit form", a date field's "yyyy", the sidebar's "View 3 more", the screen-reader
label "Choose date", the "Page not found" dialog...) into the reader's language: Streamlit
writes them in English only and has no parameter for most of them. Each is matched as a whole
text or attribute, outside Markdown (so no text of the app's or of a user's is touched)."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import streamlit as st

from components.i18n import N_, current_language, translate_in

SCRIPT = Path(__file__).parent / "assets" / "page_fixes.js"
FIXES_KEY = "ntp_page_fixes"  # the container of the script's element

# (what Streamlit writes, a regular expression of the whole text; its words as a msgid, where
# {1} stands for the expression's first group)
BUILTIN_WORDS: tuple[tuple[str, str], ...] = (
    (r"Choose an option", N_("Choose an option")),
    (r"Choose options", N_("Choose options")),
    (r"No results", N_("No results")),
    (r"Press Enter to submit form", N_("Press Enter to submit form")),
    (r"Press Enter to apply", N_("Press Enter to apply")),
    (r"Press (⌘|Ctrl)\+Enter to submit form", N_("Press {1}+Enter to submit form")),
    (r"Press (⌘|Ctrl)\+Enter to apply", N_("Press {1}+Enter to apply")),
    (r"Upload", N_("Upload")),
    (r"Drag and drop file here", N_("Drag and drop file here")),
    (r"Drag and drop files here", N_("Drag and drop files here")),
    (r"(\d+(?:\.\d+)?[KMG]B) per file", N_("{1} per file")),
    (r"Skip to main content", N_("Skip to main content")),
    (r"View less", N_("View less")),
    (r"View (\d+) more", N_("View {1} more")),
    (r"yyyy", N_("yyyy")),
    (r"mm", N_("mm")),
    (r"dd", N_("dd")),
    (r"Choose date", N_("Choose date")),
    (r"Choose date range", N_("Choose date range")),
    (r"Clear date", N_("Clear date")),
    (r"Clear dates", N_("Clear dates")),
    (r"Clear value", N_("Clear value")),
    (r"Value must be (.+) or later\.", N_("Value must be {1} or later.")),
    (r"Value must be (.+) or earlier\.", N_("Value must be {1} or earlier.")),
    (r"End date must be >= start date", N_("End date must be >= start date")),
    # The dialog of an address that is no page (a mistyped or stale bookmark): its title and
    # message are plain text in a dialog, not Markdown. With the app's navigation Streamlit
    # names no page ("does not seem to exist"); the other form names the typed path, kept as
    # the reader typed it (set as text, never as HTML). The Korean says the start page opens.
    (r"Page not found", N_("Page not found")),
    (
        r"The page that you have requested does not seem to exist\. Running the app's main page\.",
        N_("The page that you have requested does not seem to exist. Running the app's main page."),
    ),
    (
        r"You have requested page /(.+), but no corresponding file was found in the app's "
        r"pages/ directory\. Running the app's main page\.",
        N_(
            "You have requested page /{1}, but no corresponding file was found in the app's "
            "pages/ directory. Running the app's main page."
        ),
    ),
)


@cache
def _script() -> str:
    return SCRIPT.read_text(encoding="utf-8")


def _template_pattern(text: str) -> str:
    """A translated template as a whole-text expression ({1} becomes a group)."""
    return re.escape(text).replace(re.escape("{1}"), "(.+)")


@cache
def builtin_words(lang: str) -> tuple[tuple[str, str], ...]:
    """(expression, replacement) pairs that put Streamlit's words into ``lang``; from the
    other language's words back to English for English (a switch back)."""
    pairs: list[tuple[str, str]] = []
    for pattern, msgid in BUILTIN_WORDS:
        if lang == "en":
            for other in ("ko",):
                said = translate_in(other, msgid)
                if said != msgid:
                    pairs.append((_template_pattern(said), msgid))
        else:
            pairs.append((pattern, translate_in(lang, msgid)))
    return tuple(pairs)


def hidden() -> Any:
    """A container for app-made elements that take no room and show nothing: the page
    script (:func:`install`) and the sign-in cookie's script. Until the browser has loaded
    Streamlit's code for such an element (on a first view), Streamlit draws a grey
    placeholder in its place: the "empty grey box" above the city's name. The container is
    one pixel high, which hides the placeholders; the page script's style, once loaded,
    removes the container with its spacing."""
    return st.container(key=FIXES_KEY, height=1, border=False)


def install() -> None:
    """Run the script in the page (once per page load; a rerun finds it installed) with the
    interface words of the reader's language (they change with the language choice)."""
    words = json.dumps(builtin_words(current_language()), ensure_ascii=False).replace("</", "<\\/")
    # The element that carries the script takes no room on the page (nor, see hidden(), the
    # container it is drawn in).
    st.html(
        f"<style>[data-testid='stLayoutWrapper']:has(> .st-key-{FIXES_KEY}),"
        f".st-key-{FIXES_KEY},"
        "[data-testid='stElementContainer']:has(#ntp-page-fixes){display:none}</style>"
        f"<span id='ntp-page-fixes'></span><script>{_script()}"
        f"window.__ntpWords({words});</script>",
        unsafe_allow_javascript=True,
    )
