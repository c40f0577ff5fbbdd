"""Every string a person reads is in the Korean catalogue, with the same {fields}."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from components.i18n import LOCALE_DIR, translate_in

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "N_": None, "translate_in": (2,), "_t": (2,)}
FIELD = re.compile(r"\{(\w+)\}")


def marked_messages() -> set[str]:
    found: set[str] = set()
    for sub in ("app.py", "pages", "components", "db", "seed"):
        path = ROOT / sub
        if path.is_file():
            from babel.messages.extract import extract_from_file

            items = [(0, *m) for m in extract_from_file("python", str(path), keywords=KEYWORDS)]
        else:
            items = list(
                extract_from_dir(str(path), method_map=[("**.py", "python")], keywords=KEYWORDS)
            )
        for item in items:
            msg = item[2]
            if isinstance(msg, tuple):
                msg = msg[0]
            if msg:
                found.add(msg)
    return found


def catalogue(lang: str):  # type: ignore[no-untyped-def]
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh)


def test_code_marks_messages() -> None:
    assert "Experts registered" in marked_messages()


def test_no_message_is_written_inside_an_f_string() -> None:
    """The extractor (Babel, Python 3.11) does not look inside f-strings: a message written
    there, ``f"**{_('Add a code')}**"``, never reaches the catalogue and is shown in English
    on a Korean page. Write ``"**" + _("Add a code") + "**"`` instead."""
    hidden = []
    for sub in ("app.py", "pages", "components", "db", "seed"):
        path = ROOT / sub
        for file in [path] if path.is_file() else sorted(path.rglob("*.py")):
            tree = ast.parse(file.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.JoinedStr):
                    continue
                for call in ast.walk(node):
                    if (
                        isinstance(call, ast.Call)
                        and getattr(call.func, "id", None) in KEYWORDS
                        and call.args
                        and isinstance(call.args[0], ast.Constant)
                    ):
                        where = f"{file.relative_to(ROOT)}:{call.lineno}"
                        hidden.append(f"{where} {call.args[0].value!r}")
    assert hidden == [], "messages inside f-strings:\n" + "\n".join(hidden)


def test_every_marked_message_has_a_korean_translation() -> None:
    ko = catalogue("ko")
    missing = sorted(
        m for m in marked_messages() if not (ko.get(m) and ko.get(m).string and not ko.get(m).fuzzy)
    )
    assert missing == [], (
        "untranslated (run scripts/update-catalogues, then translate):\n" + "\n".join(missing)
    )


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_translations_keep_the_fields(lang: str) -> None:
    for msg in catalogue(lang):
        if msg.id and msg.string:
            assert set(FIELD.findall(msg.id)) == set(FIELD.findall(msg.string)), msg.id


def test_translate_in_each_language() -> None:
    assert translate_in("en", "Experts registered") == "Experts registered"
    assert translate_in("ko", "Experts registered") != "Experts registered"
