"""The synthetic twins: a multipage app like ``bare_app.py``, with a start page and one page
per real page of the element census (``bench.element_floor``), at ``twin_<page>``, drawing the
same kinds and counts of elements with static content (``bench.element_twin``). No database,
no sign-in, no app code.

The census is read from the JSON file named by ``NTP_TWIN_CENSUS`` (default
``bench/.cache/element-census.json``). Run it alone with ``streamlit run bench/synthetic_app.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import streamlit as st

from bench.element_twin import draw

DEFAULT_CENSUS = Path(__file__).resolve().parent / ".cache" / "element-census.json"


@st.cache_resource
def _census(path: str, mtime: float) -> dict:
    return json.loads(Path(path).read_text())["pages"]


def _start() -> None:
    st.write("Synthetic twins: open a twin page.")


def _twin(name: str, tree: list) -> st.Page:
    def page() -> None:
        draw(tree, start_page=START)

    page.__name__ = f"twin_{name}"
    return st.Page(page, title=f"Twin {name}", url_path=f"twin_{name}")


census_file = Path(os.environ.get("NTP_TWIN_CENSUS", DEFAULT_CENSUS))
pages = _census(str(census_file), census_file.stat().st_mtime) if census_file.exists() else {}
START = st.Page(_start, title="Start", default=True)
st.navigation(
    [START, *(_twin(name, rec["tree"]) for name, rec in pages.items() if "tree" in rec)]
).run()
