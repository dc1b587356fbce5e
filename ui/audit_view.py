"""The audit trail on the Data page: who changed what and when, newest first, with a CSV download."""

from __future__ import annotations

import duckdb
import streamlit as st

from analysis.governance import audit
from analysis.exports import to_csv_bytes

SHOWN = 500


def render_audit_trail(con: duckdb.DuckDBPyConnection) -> None:
    """The trail of every change to the store (or of one dataset's): the newest changes as a table, and all of them
    as a CSV made only when the download is clicked (a trail of years is 100,000 rows: about a second to write)."""
    st.header("Who changed what")
    st.caption("Every change to the data in Stocktake: loads, replacements, deletions, roles, the classification, "
               "targets, interventions, scenarios and notes, with who made it and the dataset version it left. "
               "Refused attempts are listed too.")
    total, datasets = audit.trail_summary(con)
    if not total:
        st.info("No changes recorded yet.")
        return
    everything = "Every dataset"
    chosen = st.selectbox("Changes to", [everything] + datasets, key="data_audit_dataset")
    dataset = None if chosen == everything else chosen
    shown = audit.trail_for_people(audit.audit_trail(con, dataset=dataset, limit=SHOWN))
    st.dataframe(
        shown, hide_index=True, width="stretch", key="data_audit_trail",
        column_config={"When": st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm:ss"),
                       "Version": st.column_config.NumberColumn(format="%d")},
    )
    count = total if dataset is None else audit.count_changes(con, dataset=dataset)
    if count > SHOWN:
        st.caption(f"The newest {SHOWN:,} of {count:,} changes are shown; the download has them all.")
    name = "stocktake audit trail" if dataset is None else f"{dataset} audit trail"
    st.download_button(
        "Download the audit trail (CSV)", file_name=f"{name}.csv", mime="text/csv", key="data_audit_download",
        data=lambda: to_csv_bytes(audit.trail_for_people(audit.audit_trail(con, dataset=dataset))),
        icon=":material/download:", on_click="ignore",
    )
