"""Download buttons for a figure's data, shared by every page: the small frame behind a chart as a CSV file.

The bytes come from ``analysis.exports.to_csv_bytes`` (UTF-8 with a byte-order mark for Excel, text that looks like
a formula neutralised), so a download is safe to open in a spreadsheet.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from analysis.exports import to_csv_bytes


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "data"


def csv_download(frame: pd.DataFrame, filename: str, key: str, label: str = "Download the data (CSV)",
                 columns: dict[str, str] | None = None) -> None:
    """A download button for ``frame`` as ``<filename>.csv``.

    ``columns`` renames (and selects, in order) the columns to headers people understand, e.g.
    ``{"count": "Records", "cumulative_share": "Cumulative share"}``. ``key`` must be unique on the page.
    """
    data = frame
    if columns:
        data = frame[[c for c in columns if c in frame.columns]].rename(columns=columns)
    name = filename if filename.lower().endswith(".csv") else f"{_slug(filename)}.csv"
    st.download_button(label, data=to_csv_bytes(data), file_name=name, mime="text/csv", key=key,
                       icon=":material/download:", on_click="ignore")
