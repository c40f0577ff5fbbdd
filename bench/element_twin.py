"""Draw a page's element census (``bench.element_floor``) with static content: the synthetic
twin of a real page, the same kinds and counts of Streamlit elements in the same layout, with
no database, no sign-in and no app code.

A census is a tree of nodes, as the browser showed the page's main area:

- a block ``{"b": kind, "c": [children], ...}``: ``vertical`` (a container; ``border``),
  ``columns`` (its children are ``column`` blocks), ``expander`` (``label``: text length,
  ``open``), ``tabs`` (``labels``: text lengths; one child list per panel), ``form``,
  ``popover`` (``label``; its content is not drawn until opened, so not counted);
- an element ``{"k": data-testid, ...}``: ``text`` (characters shown), ``nodes`` (DOM elements
  inside a Markdown or HTML element), ``level`` (heading), ``rows`` / ``cols`` (grid),
  ``options`` (radio), ``delta`` (metric).

``counts(tree)`` is what the census counts by kind; ``draw(tree)`` draws it. This module imports
Streamlit only inside ``draw`` so that the census side (``bench.element_floor``) stays light.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

Node = dict[str, Any]

WORDS = [
    "Lorem",
    "ipsum",
    "dolor",
    "sit",
    "amet",
    "consectetur",
    "adipiscing",
    "elit",
    "sed",
    "do",
    "eiusmod",
    "tempor",
]
OPTIONS = ["Alpha", "Beta", "Gamma", "Delta"]
# Kinds the twin draws; any other kind is drawn as a Markdown line naming it (and so is not
# matched: the census check of ``bench.element_floor`` shows it).
DRAWN_KINDS = frozenset(
    {
        "stHeading",
        "stMarkdown",
        "stCaption",
        "stHtml",
        "stMetric",
        "stDataFrame",
        "stTable",
        "stVegaLiteChart",
        "stButton",
        "stDownloadButton",
        "stFormSubmitButton",
        "stPageLink",
        "stLinkButton",
        "stDateInput",
        "stSelectbox",
        "stMultiSelect",
        "stTextInput",
        "stTextArea",
        "stNumberInput",
        "stCheckbox",
        "stRadio",
        "stButtonGroup",
        "stFileUploader",
        "stAlert",
        "stImage",
        "stEmpty",
    }
)


def counts(tree: Iterable[Node]) -> Counter[str]:
    """Elements by kind, blocks included (``tabs``, ``expander``, ``columns`` ... by their block
    name), over the whole tree."""
    out: Counter[str] = Counter()
    for node in tree:
        if "b" in node:
            if node["b"] != "column":
                out[node["b"]] += 1
            for child in _child_lists(node):
                out.update(counts(child))
        else:
            out[node["k"]] += 1
    return out


def _child_lists(node: Node) -> list[list[Node]]:
    """A block's lists of children (a tabs block has one per panel, columns one per column)."""
    if node["b"] == "tabs":
        return list(node.get("c", []))
    if node["b"] == "columns":
        return [col.get("c", []) for col in node.get("c", [])]
    return [node.get("c", [])]


def text(n: int, start: int = 0) -> str:
    """About ``n`` characters of filler words (at least one word)."""
    out: list[str] = []
    size = 0
    for word in itertools.islice(itertools.cycle(WORDS), start, None):
        out.append(word)
        size += len(word) + 1
        if size >= n:
            break
    return " ".join(out)[: max(n, 1)]


def markup(n_text: int, n_nodes: int) -> str:
    """App-made HTML of ``n_nodes`` elements holding ``n_text`` characters in all."""
    spans = max(n_nodes - 1, 1)
    each = max(n_text // spans, 1)
    return "<div>" + "".join(f"<span>{text(each, i)} </span>" for i in range(spans)) + "</div>"


def draw(tree: list[Node], start_page: Any = None) -> None:
    """Draw ``tree`` in the current Streamlit container. ``start_page``: where page links
    point (an ``st.Page``; without one a link is drawn as a button)."""
    keys = itertools.count()
    _draw_all(tree, start_page, lambda: f"twin{next(keys)}", in_form=False)


def _draw_all(nodes: list[Node], start: Any, key: Callable[[], str], *, in_form: bool) -> None:
    for node in nodes:
        if "b" in node:
            _draw_block(node, start, key, in_form=in_form)
        else:
            _draw_element(node, start, key, in_form=in_form)


def _draw_block(node: Node, start: Any, key: Callable[[], str], *, in_form: bool) -> None:
    import streamlit as st

    kind, children = node["b"], node.get("c", [])
    if kind == "vertical":
        with st.container(border=bool(node.get("border"))):
            _draw_all(children, start, key, in_form=in_form)
    elif kind == "columns":
        for column, col_node in zip(st.columns(max(len(children), 1)), children, strict=False):
            with column:
                _draw_all(col_node.get("c", []), start, key, in_form=in_form)
    elif kind == "expander":
        with st.expander(text(node.get("label", 12)), expanded=bool(node.get("open"))):
            _draw_all(children, start, key, in_form=in_form)
    elif kind == "tabs":
        labels = [f"{i + 1} {text(n)}" for i, n in enumerate(node.get("labels") or [8])]
        for tab, panel in zip(st.tabs(labels), children, strict=False):
            with tab:
                _draw_all(panel, start, key, in_form=in_form)
    elif kind == "form":
        with st.form(key()):
            _draw_all(children, start, key, in_form=True)
            if not counts(children)["stFormSubmitButton"]:
                st.form_submit_button("Submit")
    elif kind == "popover":
        with st.popover(text(node.get("label", 8))):
            st.write("Twin")
    else:
        _draw_all(children, start, key, in_form=in_form)


def _draw_element(node: Node, start: Any, key: Callable[[], str], *, in_form: bool) -> None:
    import numpy
    import pandas as pd
    import streamlit as st

    kind = node["k"]
    words = text(node.get("text", 20))
    label = text(min(node.get("text", 12), 40)) if kind not in ("stMarkdown", "stCaption") else ""
    hint = text(30) if node.get("help") else None
    icon = ":material/download:" if node.get("icon") else None
    if kind == "stHeading":
        heading = {1: st.title, 2: st.header, 3: st.subheader}.get(node.get("level", 3))
        if heading:
            heading(words)
        else:
            st.markdown("#### " + words)
    elif kind == "stMarkdown":
        if node.get("nodes", 1) > 3:
            st.markdown(markup(node.get("text", 20), node["nodes"]), unsafe_allow_html=True)
        else:
            st.markdown(words)
    elif kind == "stCaption":
        if node.get("nodes", 1) > 3:
            st.caption(markup(node.get("text", 20), node["nodes"]), unsafe_allow_html=True)
        else:
            st.caption(words)
    elif kind == "stHtml":
        st.html(markup(node.get("text", 20), node.get("nodes", 2)))
    elif kind == "stMetric":
        st.metric(text(12), 1234, delta=12 if node.get("delta") else None, help=hint)
    elif kind == "stDataFrame":
        rows, cols = max(node.get("rows", 5), 0), max(node.get("cols", 3), 1)
        frame = pd.DataFrame(
            {f"{text(8)} {c}": [f"{text(10, r)} {r}" for r in range(rows)] for c in range(cols)}
        )
        st.dataframe(frame, hide_index=True)
    elif kind == "stTable":  # its header has a cell for the index
        rows, cols = max(node.get("rows", 3), 0), max(node.get("cols", 2) - 1, 1)
        st.table(
            pd.DataFrame(
                {f"{text(8)} {c}": [text(10, r) for r in range(rows)] for c in range(cols)}
            )
        )
    elif kind == "stVegaLiteChart":
        data = pd.DataFrame({"kind": OPTIONS * 2, "count": range(8, 0, -1)})
        st.vega_lite_chart(
            data,
            {
                "mark": "bar",
                "encoding": {
                    "x": {"field": "count", "type": "quantitative"},
                    "y": {"field": "kind", "type": "nominal"},
                },
            },
        )
    elif kind == "stButton" and not in_form:
        st.button(label, key=key(), help=hint, icon=icon)
    elif kind in ("stFormSubmitButton", "stButton"):
        st.form_submit_button(label, key=key(), help=hint, icon=icon)
    elif kind == "stDownloadButton" and not in_form:
        st.download_button(
            label, data=b"twin", file_name="twin.csv", key=key(), help=hint, icon=icon
        )
    elif kind in ("stPageLink", "stLinkButton") and start is not None and not in_form:
        st.page_link(start, label=label, help=hint)
    elif kind == "stDateInput":
        st.date_input(label, value=dt.date(2026, 1, 1), key=key(), help=hint)
    elif kind == "stSelectbox":
        st.selectbox(label, OPTIONS, key=key(), help=hint)
    elif kind == "stMultiSelect":
        st.multiselect(label, OPTIONS, key=key(), help=hint)
    elif kind == "stTextInput":
        st.text_input(label, key=key(), help=hint)
    elif kind == "stTextArea":
        st.text_area(label, key=key(), help=hint)
    elif kind == "stNumberInput":
        st.number_input(label, value=1, key=key(), help=hint)
    elif kind == "stCheckbox":
        st.checkbox(label, key=key(), help=hint)
    elif kind == "stRadio":
        options = [f"{OPTIONS[i % 4]} {i}" for i in range(max(node.get("options", 2), 1))]
        st.radio(label, options, horizontal=True, key=key(), help=hint)
    elif kind == "stButtonGroup":
        st.segmented_control(label, OPTIONS, key=key(), help=hint)
    elif kind == "stFileUploader":
        st.file_uploader(label, key=key(), help=hint)
    elif kind == "stImage":
        st.image(numpy.full((32, 32), 0.5), width=64, clamp=True)
    elif kind == "stAlert":
        st.info(words)
    elif kind == "stEmpty":
        st.empty()
    else:
        st.markdown(f"({kind})")
