"""The Demand page's editor of the reason classification (failure or value demand): a table, a save button and an
upload, every change through the audited gate (``ui.actions``). Viewers see the table and the download only."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from analysis import classification, store
from analysis.errors import StocktakeError
from ui import actions
from ui.auth import can_edit
from ui.connection import get_connection
from ui.exports import csv_download
from ui.text import plain
from ui.uploads import uploaded_bytes


def render_classification_editor(ds: store.Dataset, frame: pd.DataFrame, version: int) -> None:
    """The classification of ``ds``'s reasons (``frame``, stored at ``version``), in an expander."""
    con = get_connection()
    with st.expander("Classify reasons as failure or value demand", expanded=False):
        st.caption("Failure demand is demand caused by a failure to do something or do it right for the customer "
                   "(chasing, repeat reports); value demand is what the service exists for. Changes are saved in "
                   f"the store as the lookup dataset '{plain(classification.classification_dataset_name(ds))}'.")
        columns = {"reason": st.column_config.TextColumn("Reason", disabled=True),
                   "demand_type": st.column_config.SelectboxColumn(
                       "Demand type", options=list(classification.DEMAND_TYPES), required=True)}
        shown = frame
        if "service" in ds.roles:
            columns["service"] = st.column_config.TextColumn("Service", disabled=True)
        else:
            shown = frame[["reason", "demand_type"]]
        editor = can_edit()
        if not editor:
            st.caption("Only editors can change the classification.")
        # The key carries the stored version: after a save the editor starts again from what was saved.
        edited = st.data_editor(shown, column_config=columns, hide_index=True, width="stretch",
                                key=f"dm_cls_editor_{version}", num_rows="fixed", disabled=not editor)
        if editor and st.button("Save classification", key="dm_cls_save", type="primary"):
            to_save = edited if "service" in edited.columns else edited.assign(service=None)
            try:
                actions.save_classification(con, ds, to_save)
                st.session_state["dm_cls_saved"] = len(to_save)
                st.rerun()  # the whole page: every failure figure reads the classification
            except StocktakeError as exc:
                st.error(plain(exc))
        if st.session_state.pop("dm_cls_saved", None):
            st.success("Classification saved.")
        upload = st.file_uploader("Or load your own classification file (CSV or Excel with columns Reason, "
                                  "Demand type and optionally Service)", type=["csv", "xlsx", "xls"],
                                  key="dm_cls_upload") if editor else None
        if upload is not None and st.button("Apply this file", key="dm_cls_apply"):
            try:
                incoming = classification.read_classification_file(io.BytesIO(uploaded_bytes(upload)),
                                                                    filename=upload.name)
                merged = classification.merge_classification(frame, incoming)
                actions.save_classification(con, ds, merged, source=f"from the file {upload.name}")
                st.session_state["dm_cls_applied"] = classification.changed_types(frame, merged)
                st.rerun()
            except StocktakeError as exc:
                st.error(plain(exc))
        applied = st.session_state.pop("dm_cls_applied", None)
        if applied is not None:
            st.success(f"Your file was applied: {applied:,} reason{'' if applied == 1 else 's'} changed type.")
        csv_download(frame, f"{ds.name}_classification", "dm_dl_cls",
                     columns={"service": "Service", "reason": "Reason", "demand_type": "Demand type"},
                     label="Download the classification (CSV)")
