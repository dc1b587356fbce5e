"""The Data page's datasets: the last load's report, the catalogue, each dataset's roles (editors change them),
the rows its last load rejected, and deleting it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import store
from analysis.exports import to_csv_bytes
from analysis.errors import StocktakeError
from analysis.formatting import format_count
from analysis.load import ingest
from analysis.roles import KIND_LABELS, role_label
from ui import actions
from ui.audit_view import render_audit_trail
from ui.file_preview import GRAIN_LABELS, NO_ROLE, TYPE_LABELS, role_options
from ui.text import plain


def show_last_report() -> None:
    """What the last load did: rows loaded, rejected, skipped and left out, its notes and warnings, the rejects."""
    report = st.session_state.get("data_last_report")
    if report is None:
        return
    st.success(f"Loaded {format_count(report.rows_loaded)} rows into '{plain(report.dataset)}'. "
               f"{format_count(report.rows_rejected)} rows were rejected."
               + (f" {format_count(report.rows_blank)} blank rows were skipped." if report.rows_blank else "")
               + "".join(f" {format_count(n)} {what} were left out, as asked." for what, n in
                         getattr(report, "rows_left_out", {}).items()))
    for note in getattr(report, "notes", []):
        st.info(plain(note), icon=":material/table_rows:")
    for warning in report.warnings:
        st.warning(plain(warning))
    if report.rows_rejected:
        st.markdown("**Rejected rows and why**")
        st.dataframe(report.rejects.head(1000), hide_index=True, width="stretch")
        st.download_button("Download rejected rows (CSV)", to_csv_bytes(report.rejects),
                           file_name=f"{report.dataset} rejected rows.csv", mime="text/csv", key="data_rejects_last")


def show_datasets(con, editor: bool) -> None:
    """The datasets in the store: one chosen to look at, its roles to change, its rejects and its deletion (for
    editors); then the audit trail."""
    st.header("Datasets in Stocktake")
    datasets = store.list_datasets(con)
    if not datasets:
        st.info("No datasets yet: load a file above, or build the demo data with `python -m data.demo`.")
        render_audit_trail(con)
        return

    st.dataframe(
        pd.DataFrame({
            "Dataset": [d.name for d in datasets],
            "Kind": [d.kind for d in datasets],
            "Rows": [d.row_count for d in datasets],
            "From file": [d.source_file for d in datasets],
            "Loaded": [d.loaded_at for d in datasets],
        }),
        hide_index=True, width="stretch", key="data_catalogue",
        column_config={"Rows": st.column_config.NumberColumn(format="localized"),
                       "Loaded": st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm")},
    )

    chosen = st.selectbox("Look at or change a dataset", [d.name for d in datasets], key="data_manage")
    ds = store.get_dataset(con, chosen)
    st.caption(f"{KIND_LABELS[ds.kind]}. Roles tell each page which column is which; changing them takes effect at once.")
    stored_roles = role_options(ds.kind)
    roles_frame = pd.DataFrame({
        "Column": [c.name for c in ds.columns],
        "Type": [TYPE_LABELS.get(c.type, c.type) + (f" ({GRAIN_LABELS[c.grain]})" if c.grain in GRAIN_LABELS else "")
                 for c in ds.columns],
        "Role": [role_label(ds.kind, c.role) if c.role else NO_ROLE for c in ds.columns],
    })
    edited_roles = st.data_editor(
        roles_frame, hide_index=True, width="stretch", key=f"data_roles_{ds.name}_{ds.version}",
        disabled=["Column", "Type"] if editor else True,
        column_config={"Role": st.column_config.SelectboxColumn("Role", options=list(stored_roles), required=True)},
    )
    changes = {row.Column: stored_roles.get(row.Role) for row in edited_roles.itertuples()
               if stored_roles.get(row.Role) != ds.column(row.Column).role}
    buttons = st.columns(3)
    if editor and buttons[0].button("Save roles", disabled=not changes, key="data_save_roles"):
        try:
            actions.set_roles(con, ds.name, changes)
        except StocktakeError as exc:
            st.error(plain(exc))
        else:
            st.toast(f"Roles saved for '{plain(ds.name)}'.")
            st.rerun()
    # Rejected rows are raw records (names, addresses): for the editors who fix loads, not for every viewer.
    rejects = ingest.rejected_rows(con, ds.name) if editor else []
    if len(rejects):
        buttons[1].download_button(
            f"Rejected rows of the last load ({format_count(len(rejects))})",
            to_csv_bytes(rejects), file_name=f"{ds.name} rejected rows.csv", mime="text/csv",
            key="data_rejects_stored",
        )
    if editor:
        with buttons[2].popover("Delete this dataset"):
            st.write(f"Delete '{plain(ds.name)}' and its {format_count(ds.row_count)} rows? This cannot be undone.")
            if st.button("Delete", type="primary", key="data_delete"):
                try:
                    actions.delete_dataset(con, ds.name)
                except StocktakeError as exc:
                    st.error(plain(exc))
                else:
                    st.session_state.pop("data_last_report", None)
                    st.rerun()

    render_audit_trail(con)
