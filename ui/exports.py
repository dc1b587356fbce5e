"""Download buttons for a figure's data, shared by every page: the small frame behind a chart as CSV and Excel.

The bytes come from ``analysis.exports`` (CSV: UTF-8 with a byte-order mark for Excel; both with text that looks
like a formula neutralised and £ kept), so a download is safe to open in a spreadsheet. They are made only when a
button is clicked (a deferred download), so a rerun of the page writes no file.

The two buttons sit in a "Download data" menu and are made only while it is open (a popover with
``on_change="rerun"``, as the charts' image menus): made on every rerun, the CSV and Excel buttons of the Demand page's
13 figures were 26 of its ~130 elements, each registering its file with Streamlit on every run of the page.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from analysis.exports import to_csv_bytes, to_xlsx_bytes

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "data"


def csv_download(frame: pd.DataFrame, filename: str, key: str, label: str = "Download the data (CSV)",
                 columns: dict[str, str] | None = None) -> None:
    """A "Download data" menu with buttons for ``frame`` as ``<filename>.csv`` and ``<filename>.xlsx``.

    ``columns`` renames (and selects, in order) the columns to headers people understand, e.g.
    ``{"count": "Records", "cumulative_share": "Cumulative share"}``. ``key`` must be unique on the page.
    """
    def shown() -> pd.DataFrame:
        if columns:
            return frame[[c for c in columns if c in frame.columns]].rename(columns=columns)
        return frame

    stem = filename[:-4] if filename.lower().endswith(".csv") else _slug(filename)
    menu = st.popover("Download data", icon=":material/table_view:", type="tertiary", key=f"{key}_menu",
                      on_change="rerun", help="The figure's data as CSV or as an Excel workbook.")
    if not menu.open:
        return
    with menu:
        st.download_button(label, data=lambda: to_csv_bytes(shown()), file_name=f"{stem}.csv", mime="text/csv",
                           key=key, icon=":material/download:", on_click="ignore")
        st.download_button("Excel", data=lambda: to_xlsx_bytes({stem[:31] or "Data": shown()}),
                           file_name=f"{stem}.xlsx", mime=XLSX_MIME, key=f"{key}_xlsx", icon=":material/download:",
                           on_click="ignore", help="The same data as an Excel workbook.")
