"""Korea's 17 metropolitan and provincial governments as a tile-grid cartogram (Vega-Lite).

Each region is one square placed roughly where it lies (north at the top, the west coast on
the left, Jeju below), coloured by a count and labelled with its short name and the count.
It is drawn from the positions below, so it works offline: no map data is fetched. A tile
map gives every region the same size, so Seoul and Sejong are as visible as Gyeongsangbuk-do;
the page shows a plain sorted bar chart beside it as the accessible alternative.
"""

from __future__ import annotations

from typing import Any, Final

import pandas as pd

from components.charts import FONT
from components.i18n import current_language
from components.labels import label

# (column, row) of each region's square; short names (Korean, English) as on road signs.
TILES: Final[dict[str, tuple[int, int, str, str]]] = {
    "KR-28": (0, 0, "인천", "Incheon"),
    "KR-11": (1, 0, "서울", "Seoul"),
    "KR-42": (2, 0, "강원", "Gangwon"),
    "KR-41": (1, 1, "경기", "Gyeonggi"),
    "KR-43": (2, 1, "충북", "Chungbuk"),
    "KR-47": (3, 1, "경북", "Gyeongbuk"),
    "KR-44": (0, 2, "충남", "Chungnam"),
    "KR-50": (1, 2, "세종", "Sejong"),
    "KR-30": (2, 2, "대전", "Daejeon"),
    "KR-27": (3, 2, "대구", "Daegu"),
    "KR-45": (1, 3, "전북", "Jeonbuk"),
    "KR-48": (2, 3, "경남", "Gyeongnam"),
    "KR-31": (3, 3, "울산", "Ulsan"),
    "KR-29": (0, 4, "광주", "Gwangju"),
    "KR-46": (1, 4, "전남", "Jeonnam"),
    "KR-26": (3, 4, "부산", "Busan"),
    "KR-49": (0, 5, "제주", "Jeju"),
}


def short_name(region: str) -> str:
    """The region's short name in the reader's language (e.g. 경북 / Gyeongbuk)."""
    tile = TILES.get(region)
    if tile is None:
        return region
    return tile[2] if current_language() == "ko" else tile[3]


def tile_map(counts: pd.DataFrame, *, value: str, title: str, region_title: str) -> dict[str, Any]:
    """The cartogram of ``counts`` (columns ``region`` and ``value``; regions missing from
    it count zero) as a Vega-Lite specification for ``st.vega_lite_chart``. ``title`` names
    the count in the legend and tooltips, ``region_title`` the region in the tooltips (both
    already translated).

    Written as the specification itself rather than through Altair: the layers are fixed,
    and Altair's schema validation cost ~60-130 ms of every cold render of the inquiries
    page for 17 squares (the specification is the one Altair produced)."""
    by_region = dict(zip(counts["region"], counts[value], strict=False))
    counted = {code: int(by_region.get(code, 0)) for code in TILES}
    rows = [
        {
            "col": col,
            "row": row,
            "short": short_name(code),
            "name": label("region", code),
            "n": counted[code],
        }
        for code, (col, row, _ko, _en) in TILES.items()
    ]
    top = max(1, *counted.values())
    tooltip = [
        {"field": "name", "title": region_title, "type": "nominal"},
        {"field": "n", "format": ",", "title": title, "type": "quantitative"},
    ]
    place = {
        "x": {"axis": None, "field": "col", "scale": {"paddingInner": 0.08}, "type": "ordinal"},
        "y": {"axis": None, "field": "row", "scale": {"paddingInner": 0.08}, "type": "ordinal"},
        "tooltip": tooltip,
    }
    ink = {"condition": {"test": f"datum.n > {top / 2}", "value": "white"}, "value": "#1f2937"}
    return {
        "data": {"values": rows},
        "width": 380,
        "height": 450,
        "layer": [
            {
                "mark": {"type": "rect", "cornerRadius": 4, "stroke": "#ffffff", "strokeWidth": 1},
                "encoding": {
                    **place,
                    "color": {
                        "field": "n",
                        "type": "quantitative",
                        "title": title,
                        "scale": {"scheme": "blues", "domain": [0, top]},
                        "legend": {"orient": "bottom", "gradientLength": 220},
                    },
                },
            },
            {
                "mark": {
                    "type": "text",
                    "font": FONT,
                    "fontSize": 12,
                    "fontWeight": "bold",
                    "dy": -8,
                },
                "encoding": {**place, "text": {"field": "short", "type": "nominal"}, "color": ink},
            },
            {
                "mark": {"type": "text", "font": FONT, "fontSize": 13, "dy": 10},
                "encoding": {
                    **place,
                    "text": {"field": "n", "type": "quantitative", "format": ","},
                    "color": ink,
                },
            },
        ],
        "config": {
            "view": {"strokeWidth": 0},
            "legend": {"labelFont": FONT, "titleFont": FONT},
        },
    }
