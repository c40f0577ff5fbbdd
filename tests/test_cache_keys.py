"""Issue #22: a chart's specification and a table's files are cached by a digest of their
frame (``components.data.frame_key``) instead of Streamlit's hash of every cell. The digest
must tell apart any two frames that would draw a different chart or write a different file,
and a page must show the new figures as soon as its frame changes."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from components.data import frame_key


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": pd.date_range("2019-01-01", periods=6, freq="MS"),
            "series": ["experts", "technologies"] * 3,
            "count": [1, 2, 3, 4, 5, 6],
            "share": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
        }
    )


def test_the_same_figures_give_the_same_key() -> None:
    """A cached frame comes back as a copy on every rerun: the copy keys the same entry."""
    df = _frame()
    assert frame_key(df) == frame_key(pickle.loads(pickle.dumps(df)))
    assert frame_key(df) == frame_key(df.copy(deep=True))
    assert frame_key(df["count"]) == frame_key(df["count"].copy())
    assert frame_key("overview") == "overview" and frame_key(3) == 3  # others as they are


def _changed() -> dict[str, pd.DataFrame]:
    df = _frame()
    one_count = df.copy()
    one_count.loc[4, "count"] = 7
    tiny_share = df.copy()
    tiny_share.loc[0, "share"] = 0.1 + 1e-15  # the last bit of a float
    one_word = df.copy()
    one_word.loc[5, "series"] = "experts"
    one_month = df.copy()
    one_month.loc[0, "month"] = pd.Timestamp("2019-01-02")
    as_float = df.assign(count=df["count"].astype(float))  # 1 and 1.0
    as_text = df.assign(count=df["count"].astype(str))  # 1 and "1"
    renamed = df.rename(columns={"count": "n"})
    reordered = df[["series", "month", "count", "share"]]
    reindexed = df.set_axis(range(1, 7))
    category = df.assign(series=pd.Categorical(df["series"]))
    other_order = df.assign(
        series=pd.Categorical(df["series"], categories=["technologies", "experts"])
    )
    fewer = df.head(5)
    return {
        "a count": one_count,
        "a float's last bit": tiny_share,
        "a word": one_word,
        "a date": one_month,
        "int to float": as_float,
        "int to text": as_text,
        "a column's name": renamed,
        "the columns' order": reordered,
        "the index": reindexed,
        "a category": category,
        "the categories' order": other_order,
        "a row fewer": fewer,
    }


@pytest.mark.parametrize("change", list(_changed()))
def test_any_change_gives_another_key(change: str) -> None:
    changed = _changed()
    keys = {name: frame_key(df) for name, df in changed.items()}
    assert frame_key(changed[change]) != frame_key(_frame())
    assert list(keys.values()).count(keys[change]) == 1  # and differs from every other change


def _chart_page() -> None:
    import pandas as pd
    import streamlit as st

    from components import charts, data
    from components.export import download_buttons, to_csv, to_xlsx

    n = st.session_state.get("n", 3)
    frame = pd.DataFrame({"code": ["roads", "water"], "registered": [n, 5], "adopted": [1, 2]})
    charts.show(charts.breakdown_chart, frame, kind="field", title="x")
    files = data.table_files(
        frame, tuple(frame.columns), "t", lambda: (to_csv(frame), to_xlsx(frame, sheet="t"))
    )
    download_buttons(frame, "t", key="dl", files=files)


def test_a_changed_frame_shows_its_new_figures(app_env: object) -> None:
    """The chart and the CSV file follow the frame on the next run, not the cached entry."""
    at = AppTest.from_function(_chart_page, default_timeout=60)
    at.run()
    assert not at.exception

    def shown() -> tuple[list[int], str]:
        (chart,) = at.get("vega_lite_chart")
        csv = at.get("download_button")[0]  # (CSV, then Excel)
        return _registered(chart.proto), csv.proto.url

    counts, url = shown()
    assert 3 in counts and 41 not in counts
    at.session_state["n"] = 41
    at.run()
    counts2, url2 = shown()
    assert 41 in counts2 and 3 not in counts2
    assert url2 != url  # a new file, not the cached one
    at.session_state["n"] = 3
    at.run()
    assert shown()[0] == counts  # back to the first figures


def _registered(chart: object) -> list[int]:
    """The chart's registered counts, from the rows it sends to the browser."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    rows = pd.concat(
        convert_arrow_bytes_to_pandas_df(d.data.data)
        for d in chart.datasets  # type: ignore[attr-defined]
    )
    return sorted(int(n) for n in rows.loc[rows["code"] == "registered", "n"])
