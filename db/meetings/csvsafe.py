"""CSV that opens as inert text in a spreadsheet, for files ``db/`` writes itself.

The same rule as ``components.export`` (which ``db/`` may not import, because it imports
Streamlit): a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
gets a leading apostrophe; numbers and dates are left alone; UTF-8 with a byte-order mark and
RFC 4180 line ends. Kept deliberately identical; if the two ever move into one shared module
without Streamlit, both callers can use it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

# The signs, also as full-width forms (a Korean or Japanese keyboard types them), and the
# blanks a spreadsheet may skip before them.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralize(value: Any) -> Any:
    """Make a text cell inert for spreadsheets; other values unchanged."""
    if isinstance(value, str) and (
        value.startswith(FORMULA_PREFIXES) or value.lstrip().startswith(FORMULA_PREFIXES)
    ):
        return "'" + value
    return value


def to_csv(df: pd.DataFrame) -> bytes:
    """``df`` as neutralised CSV bytes (UTF-8 with BOM, CRLF line ends, no index)."""
    out = df.copy()
    out.columns = [str(neutralize(str(c))) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralize)
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
