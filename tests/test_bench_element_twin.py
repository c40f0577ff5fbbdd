"""The synthetic twin (``bench.element_twin``, served by ``bench/synthetic_app.py``) draws the
element census it is given: the same kinds and counts, grids of the same shape. It is the
floor that ``python -m bench.element_floor`` compares each page with, so it must not drift
from the census silently."""

from __future__ import annotations

from collections import Counter
from typing import Any

from streamlit.testing.v1 import AppTest

from bench.element_twin import counts

# AppTest's element types -> the census's kinds (the browser's data-testid).
KINDS = {
    "title": "stHeading",
    "header": "stHeading",
    "subheader": "stHeading",
    "markdown": "stMarkdown",
    "caption": "stCaption",
    "html": "stHtml",
    "metric": "stMetric",
    "dataframe": "stDataFrame",
    "table": "stTable",
    "vega_lite_chart": "stVegaLiteChart",
    "button": "stButton",
    "download_button": "stDownloadButton",
    "date_input": "stDateInput",
    "selectbox": "stSelectbox",
    "multiselect": "stMultiSelect",
    "text_input": "stTextInput",
    "text_area": "stTextArea",
    "number_input": "stNumberInput",
    "checkbox": "stCheckbox",
    "radio": "stRadio",
    "button_group": "stButtonGroup",
    "info": "stAlert",
    "image": "stImage",
    "tab_container": "tabs",
    "expander": "expander",
    "form": "form",
    "popover": "popover",
}

CENSUS: list[dict[str, Any]] = [
    {"b": "vertical", "border": False, "c": [{"k": "stHtml", "text": 0, "nodes": 1}]},
    {"k": "stHeading", "text": 14, "level": 1},
    {"k": "stCaption", "text": 80},
    {
        "b": "columns",
        "c": [
            {"b": "column", "c": [{"k": "stDateInput", "text": 8, "help": True}]},
            {"b": "column", "c": [{"k": "stSelectbox", "text": 6}]},
            {"b": "column", "c": [{"k": "stMultiSelect", "text": 6}]},
        ],
    },
    {
        "b": "vertical",
        "border": True,
        "c": [
            {"k": "stMetric", "delta": True, "help": True},
            {"k": "stMarkdown", "text": 300, "nodes": 40},
            {"k": "stMarkdown", "text": 30, "nodes": 1},
        ],
    },
    {
        "b": "tabs",
        "labels": [6, 8, 5],
        "c": [
            [
                {"k": "stDataFrame", "rows": 13, "cols": 6},
                {"k": "stTextInput", "text": 10},
                {"k": "stCheckbox", "text": 10},
                {"k": "stButton", "text": 7},
            ],
            [],
            [],
        ],
    },
    {
        "b": "expander",
        "label": 20,
        "open": False,
        "c": [
            {"k": "stVegaLiteChart"},
            {"k": "stRadio", "text": 9, "options": 5},
            {"k": "stDownloadButton", "text": 12},
        ],
    },
    {"b": "form", "c": [{"k": "stTextArea", "text": 4}, {"k": "stNumberInput", "text": 4}]},
    {"b": "popover", "label": 9},
    {"k": "stAlert", "text": 40},
    {"k": "stTable", "rows": 4, "cols": 3},
    {"k": "stImage"},
    {"k": "stButtonGroup", "text": 4},
]


def _twin(tree: list) -> None:  # AppTest runs its source alone: builtins only
    from bench.element_twin import draw

    draw(tree)


def drawn(node: Any) -> Counter[str]:
    """What AppTest sees drawn under ``node``, in the census's kinds (a flex container holding
    columns is a row of columns; any other one a container)."""
    out: Counter[str] = Counter()
    for child in getattr(node, "children", {}).values():
        kind = child.type
        if kind == "flex_container":
            has_columns = any(c.type == "column" for c in child.children.values())
            out["columns" if has_columns else "vertical"] += 1
        elif kind not in ("column", "tab"):
            out[KINDS.get(kind, kind)] += 1
        out.update(drawn(child))
    return out


def test_the_twin_draws_its_census() -> None:
    at = AppTest.from_function(_twin, args=(CENSUS,), default_timeout=60).run()
    assert not at.exception
    seen = drawn(at.main)
    # The form's submit button is the twin's own (a form needs one); the census has none.
    seen["stButton"] -= 1
    # A popover's content is not drawn until it is opened (nor counted by the census).
    seen["stMarkdown"] -= 1
    assert seen == counts(CENSUS)


def test_grids_have_the_census_shape_and_radios_its_options() -> None:
    at = AppTest.from_function(_twin, args=(CENSUS,), default_timeout=60).run()
    assert at.dataframe[0].value.shape == (13, 6)
    assert at.table[0].value.shape == (4, 2)  # and its index: 3 columns in the browser
    assert len(at.radio[0].options) == 5
    assert at.metric[0].help


def test_counts_take_every_panel_and_column() -> None:
    tally = counts(CENSUS)
    assert tally["tabs"] == 1 and tally["columns"] == 1 and tally["vertical"] == 2
    assert tally["stDataFrame"] == 1 and tally["stDateInput"] == 1 and tally["stRadio"] == 1
    assert "column" not in tally
