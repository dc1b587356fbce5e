"""The audit trail on the Data page: who changed what and when, newest first, with a CSV download."""

from __future__ import annotations

import duckdb
import streamlit as st

from analysis import audit
from analysis.exports import to_csv_bytes

SHOWN = 500


def render_audit_trail(con: duckdb.DuckDBPyConnection) -> None:
    """The trail of every change to the store (or of one dataset's), as a table and a CSV of what is shown."""
    st.header("Who changed what")
    st.caption("Every change to the data in Stocktake: loads, replacements, deletions, roles, the classification, "
               "targets, interventions, scenarios and notes, with who made it and the dataset version it left. "
               "Refused attempts are listed too.")
    trail = audit.audit_trail(con)
    if trail.empty:
        st.info("No changes recorded yet.")
        return
    datasets = sorted({d for d in trail["dataset"].dropna()})
    everything = "Every dataset"
    chosen = st.selectbox("Changes to", [everything] + datasets, key="data_audit_dataset")
    if chosen != everything:
        trail = trail[trail["dataset"] == chosen]
    people = audit.trail_for_people(trail)
    st.dataframe(
        people.head(SHOWN), hide_index=True, width="stretch", key="data_audit_trail",
        column_config={"When": st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm:ss"),
                       "Version": st.column_config.NumberColumn(format="%d")},
    )
    if len(people) > SHOWN:
        st.caption(f"The newest {SHOWN:,} of {len(people):,} changes are shown; the download has them all.")
    name = "stocktake audit trail" if chosen == everything else f"{chosen} audit trail"
    st.download_button("Download the audit trail (CSV)", to_csv_bytes(people), file_name=f"{name}.csv",
                       mime="text/csv", key="data_audit_download", icon=":material/download:", on_click="ignore")
