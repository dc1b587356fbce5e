"""Data: load a file (see how it was read, fix types and roles, load with a report), and manage loaded datasets."""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

from analysis import store
from analysis.load import ingest
from analysis.load.detect import DAY_FIRST, MONTH_FIRST
from analysis.errors import StocktakeError
from analysis.formatting import format_count
from analysis.load.checks import TooManyRejects
from analysis.load.prepare import prepare_dataset, prepare_in_background
from analysis.preparing import BACKGROUND_ROWS
from analysis.load.preview import FilePreview, inspect_file
from analysis.load.suggest import suggest_kind
from analysis.roles import KIND_LABELS, KINDS, RECORDS
from analysis.load.files import file_format_of
from analysis.load.workbook import list_sheets, sheet_with_data
from ui import actions, file_preview
from ui.auth import can_edit, guard_page
from ui.connection import get_connection, use_dataset_on_next_run
from ui.datasets_view import show_datasets, show_last_report
from ui.practice_cards import render_card_import
from ui.text import plain
from ui.uploads import keep_upload, release_upload

guard_page()  # sign-in, even when Streamlit runs this file on its own (see ui.auth.guard_page)

AUTO_ORDER = "Decide from the data"

st.title("Data")
st.caption("Load exports from case-management systems and spreadsheets: CSV, TSV, Excel or Parquet. Nothing "
           "already loaded is changed until a load succeeds.")

con = get_connection()
# Viewers see the datasets and the audit trail; the load, role and delete controls are an editor's.
editor = can_edit()


def suggested_dataset_name(file_name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9 _-]+", " ", Path(file_name).stem).strip()
    stem = re.sub(r"\s+", " ", stem)[:60].strip() or "my data"
    return stem if stem[0].isalnum() else f"data {stem}"[:60]


@st.cache_data(show_spinner="Reading the file…", max_entries=8)
def cached_preview(path: str, source_name: str, kind: str, sheet: str | None, date_order: str | None,
                   types: tuple, reshape: bool = True) -> FilePreview:
    return inspect_file(get_connection(), path, kind=kind, source_name=source_name, sheet=sheet,
                        date_order=date_order, types=dict(types) or None, reshape=reshape)


@st.cache_data(show_spinner=False, max_entries=8)
def cached_sheet_with_data(path: str, source_name: str) -> str | None:
    return sheet_with_data(path, source_name)


# ----- load a file -----------------------------------------------------------------------------------------------

st.header("Load a file")
# A new uploader key after each successful load clears the finished file from the page.
upload_round = st.session_state.setdefault("data_upload_round", 0)
if editor:
    uploaded = st.file_uploader(
        "Choose a file", type=["csv", "tsv", "txt", "xlsx", "xlsm", "parquet"], key=f"data_upload_{upload_round}",
        help="Up to 2 GB. UK dates (31/12/2024), £ amounts and Excel exports are all fine.",
    )
else:
    uploaded = None
    st.info("You are signed in as a viewer: you can look at every page, but only editors can load, change or delete "
            "data.")

# DuckDB reads files: the upload is kept on disk, privately, while the page works on it (ui.uploads).
path = keep_upload(uploaded) if uploaded is not None else None
if path is None:
    release_upload()  # the file was taken off the page (or a load finished): its copy on disk goes too
    if uploaded is not None:  # written to disk as it arrived, and deleted since (a refused load): a fresh uploader
        st.session_state["data_upload_round"] = upload_round + 1
        st.session_state["data_choose_again"] = True
        st.rerun()
    if st.session_state.get("data_choose_again"):
        st.info("The file is no longer on the server (its load was refused, or it was left unused for an hour): "
                "choose it again to load it.", icon=":material/upload_file:")
else:
    st.session_state.pop("data_choose_again", None)
    top = st.columns([2, 2, 1])
    if st.session_state.get("data_kind_guessed_for") != uploaded.file_id:
        # A new file: guess what it holds from a first look (the same preview the page shows for records, so a
        # records file is read once). A wrong guess loads periods as contacts or contacts as a KPI series.
        st.session_state["data_kind_guessed_for"] = uploaded.file_id
        try:
            first_look = cached_preview(str(path), uploaded.name, RECORDS, None, None, ())
            st.session_state["data_kind"] = suggest_kind(first_look.columns)
        except StocktakeError:
            st.session_state["data_kind"] = RECORDS  # the preview below says what is wrong with the file
    kind = top[0].selectbox("What is in it?", KINDS, format_func=lambda k: KIND_LABELS[k], key="data_kind",
                            help="Records: one row per contact, request, case or incident. KPI series: one value per "
                                 "period (month, quarter, financial year), e.g. a benchmarking file. Guessed from "
                                 "the file's dates: change it if the guess is wrong.")
    dataset_name = top[1].text_input("Dataset name", value=suggested_dataset_name(uploaded.name),
                                     key=f"data_name_{uploaded.file_id}")
    order_choice = top[2].selectbox("Dates such as 01/02/2024 are", [AUTO_ORDER, DAY_FIRST, MONTH_FIRST],
                                    key="data_date_order")
    sheet = None
    if file_format_of(path, uploaded.name) == "excel":
        try:
            sheets = list_sheets(path, uploaded.name)
            # The sheet with the data first (a 'Notes' sheet or an empty first sheet is passed over).
            with_data = cached_sheet_with_data(str(path), uploaded.name)
            sheet = st.selectbox("Sheet", sheets, key=f"data_sheet_{uploaded.file_id}",
                                 index=sheets.index(with_data) if with_data in sheets else 0,
                                 help="The sheet with the most data is chosen first.")
        except StocktakeError as exc:
            st.error(plain(exc))
            st.stop()

    type_key = f"data_types_{uploaded.name}"  # the types a user forced for this file, kept across reruns
    forced_types = st.session_state.setdefault(type_key, {})
    reshape = st.session_state.get(f"data_reshape_{uploaded.file_id}", True)
    try:
        preview = cached_preview(str(path), uploaded.name, kind, sheet,
                                 None if order_choice == AUTO_ORDER else order_choice, tuple(sorted(forced_types.items())),
                                 reshape)
    except StocktakeError as exc:
        st.error(plain(exc))
        st.stop()

    file_preview.show_how_read(preview, uploaded.file_id)
    chosen_roles, duplicate_roles = file_preview.edit_columns(preview, kind, uploaded.file_id, type_key)

    with st.expander("First 20 rows, as written in the file"):
        st.dataframe(preview.sample, hide_index=True, width="stretch")

    # A role on a column of the wrong type is refused here, with the way to fix it (never loaded silently).
    wrong_type = file_preview.refuse_wrong_types(preview, kind, chosen_roles, type_key)
    single_years_only, drop_duplicates, unify = file_preview.load_choices(preview, uploaded.file_id)
    exists = store.dataset_exists(con, dataset_name.strip())
    mode = ingest.REPLACE
    load_key = f"{uploaded.file_id}/{dataset_name.strip()}"
    if exists:
        mode = st.radio(f"A dataset called '{plain(dataset_name.strip())}' exists already",
                        [ingest.REPLACE, ingest.APPEND], horizontal=True, key="data_mode",
                        format_func=lambda m: "Replace it" if m == ingest.REPLACE else "Add these rows to it")
    if duplicate_roles:
        st.error("Each role can be given to one column only: " + "; ".join(duplicate_roles) + ".")

    def run_load(accept_rejects: bool) -> None:
        """Load with a progress bar; a load that would reject most rows waits for the user to confirm it."""
        bar = st.progress(0.0, text="Starting…")
        try:
            report = actions.load_file(
                con, path, dataset=dataset_name, kind=kind, mode=mode, source_name=uploaded.name, sheet=sheet,
                date_order=None if order_choice == AUTO_ORDER else order_choice,
                types=st.session_state[type_key] or None, roles=chosen_roles, unify_case=unify,
                accept_rejects=accept_rejects, single_years_only=single_years_only,
                drop_duplicates=drop_duplicates, reshape=reshape,
                progress=lambda fraction, message: bar.progress(min(fraction, 1.0), text=message),
            )
        except TooManyRejects as exc:
            # Not ended: the file waits on disk for "Load anyway" (or Cancel, which deletes it).
            bar.empty()
            st.session_state["data_pending_rejects"] = {"key": load_key, "message": str(exc),
                                                        "rejected": exc.rows_rejected, "read": exc.rows_read}
        except StocktakeError as exc:
            release_upload()  # refused or failed: the copy goes now (a retry writes it again from the page)
            bar.empty()
            st.session_state.pop("data_pending_rejects", None)
            st.error(f"Nothing was loaded: {plain(exc)}")
        else:
            release_upload()
            # The load has committed; now the tables the Explore pages read, so their first visit is quick: behind
            # the pages for a large dataset (progress in the sidebar), at once for a small one.
            if store.get_dataset(con, report.dataset).row_count >= BACKGROUND_ROWS:
                prepare_in_background(con, report.dataset)
            else:
                report.warnings += prepare_dataset(con, report.dataset, progress=lambda fraction, message:
                                                   bar.progress(min(fraction, 1.0), text=message))
            st.session_state.pop("data_pending_rejects", None)
            st.session_state["data_last_report"] = report
            # Only a load the user made (and, with most rows rejected, confirmed) becomes the dataset in use.
            if report.kind in ("records", "kpi"):
                use_dataset_on_next_run(report.dataset)
            st.session_state["data_upload_round"] = upload_round + 1
            st.rerun()

    if st.button("Load into Stocktake", type="primary", disabled=bool(duplicate_roles or wrong_type),
                 key="data_load"):
        run_load(accept_rejects=False)
    pending = st.session_state.get("data_pending_rejects")
    if pending and pending["key"] == load_key:
        st.warning(plain(pending["message"]))
        confirm = st.columns(2)
        if confirm[0].button(f"Load anyway, rejecting {format_count(pending['rejected'])} rows", key="data_load_anyway"):
            run_load(accept_rejects=True)
        if confirm[1].button("Cancel", key="data_load_cancel"):
            st.session_state.pop("data_pending_rejects", None)
            release_upload()
            st.rerun()

show_last_report()
show_datasets(con, editor)
render_card_import()  # What works: practice cards from other services and councils
