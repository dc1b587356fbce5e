"""Data: load a file (see how it was read, fix types and roles, load with a report), and manage loaded datasets."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import streamlit as st

from analysis import store
from analysis.load import ingest
from analysis.load.detect import DATE, DAY_FIRST, INTEGER, MONTH_FIRST, NUMBER, TEXT, TIMESTAMP
from analysis.errors import StocktakeError
from analysis.exports import to_csv_bytes
from analysis.formatting import format_count
from analysis.load.checks import TooManyRejects
from analysis.load.prepare import prepare_dataset
from analysis.load.preview import FilePreview, inspect_file
from analysis.load.suggest import suggest_kind
from analysis.roles import (DATE_ROLES, KIND_LABELS, KINDS, NUMBER_ROLES, RECORDS, ROLES_BY_KIND, role_clashes,
                            role_label, role_type_problem)
from analysis.load.files import file_format_of
from analysis.load.workbook import list_sheets, sheet_with_data
from ui import actions
from ui.audit_view import render_audit_trail
from ui.auth import can_edit, guard_page
from ui.connection import get_connection, use_dataset_on_next_run
from ui.text import plain
from ui.uploads import keep_upload, release_upload

guard_page()  # sign-in, even when Streamlit runs this file on its own (see ui.auth.guard_page)

TYPE_LABELS = {TEXT: "Text", NUMBER: "Number", INTEGER: "Whole number", DATE: "Date", TIMESTAMP: "Date and time"}
GRAIN_LABELS = {"week": "weeks", "month": "months", "quarter": "quarters", "financial_year": "financial years",
                "academic_year": "academic years", "year": "years", "span": "multi-year spans"}
AUTO_ORDER = "Decide from the data"
NO_ROLE = "(none)"

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


def detected_label(column) -> str:
    """'Date', or 'Date (financial years)' for a column of periods written as text."""
    label = TYPE_LABELS[column.detected_type]
    if column.period_shapes and column.grain in GRAIN_LABELS:
        label += f" ({GRAIN_LABELS[column.grain]})"
    return label


def role_options(kind: str) -> dict[str, str | None]:
    """The role editor's choices: label shown -> role key ('Date closed' -> 'closed_date')."""
    return {NO_ROLE: None, **{role_label(kind, role): role for role in ROLES_BY_KIND[kind]}}


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

if uploaded is None:
    release_upload()  # the file was taken off the page (or a load finished): its copy on disk goes too
else:
    # DuckDB reads files: the upload is kept on disk, privately, while the page works on it (ui.uploads).
    path = keep_upload(uploaded)
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

    how = [f"{preview.file_format.upper()}"]
    if preview.encoding:
        how.append(f"encoding {preview.encoding}")
    if preview.delimiter:
        how.append("tab-separated" if preview.delimiter == "\t" else f"separated by '{preview.delimiter}'")
    if preview.sheet:
        how.append(f"sheet '{preview.sheet}'")
    scope = (f"all {format_count(preview.rows_read)} rows" if preview.complete
             else f"the first {format_count(preview.rows_read)} rows (the load checks every row)")
    st.markdown(f"**How the file was read:** {plain(', '.join(how))}; checked {scope}.")
    for note in preview.notes:
        st.caption(plain(note))
    if preview.wide is not None:
        # A published table with one column per period: offered as rows of Period and Value (the CLI's default).
        st.info(plain(preview.layout_notes[0] if preview.layout_notes else preview.wide.sentence(
            [c.name for c in preview.columns])) if preview.reshaped else
            "This table has one column per period: no column can be the period or the value as it is. Tick the box "
            "below to read it as rows of Period and Value.", icon=":material/table_rows:")
        st.checkbox("Turn the period columns into rows of Period and Value", value=True,
                    key=f"data_reshape_{uploaded.file_id}",
                    help="One row per row of the table and period with a value; the other columns are kept with "
                         "each row, and columns worked out from the periods (Change, Per 1,000) are left out.")
    if any(c.type in (DATE, TIMESTAMP) and any("{A}" in f for f in c.date_formats) for c in preview.columns):
        st.info(plain(preview.date_order_reason))
    if preview.problems:
        with st.expander(f"Problems found ({len(preview.problems)})", expanded=True):
            for problem in preview.problems[:40]:
                st.markdown(f"- {plain(problem)}")
            if len(preview.problems) > 40:
                st.markdown(f"- … and {len(preview.problems) - 40} more.")

    st.subheader("Columns")
    st.caption("Change a column's type or role here. A value that does not fit the type becomes a rejected row, "
               "with its reason.")
    roles_by_label = role_options(kind)
    editor_frame = pd.DataFrame({
        "Column": [c.name for c in preview.columns],
        "Detected": [detected_label(c) for c in preview.columns],
        "Type": [TYPE_LABELS[c.type] for c in preview.columns],
        "Role": [role_label(kind, c.role) if c.role else NO_ROLE for c in preview.columns],
        "Filled": [c.non_blank for c in preview.columns],
        "Blank": [c.blank for c in preview.columns],
        "Examples": [", ".join(c.examples) for c in preview.columns],
    })
    edited = st.data_editor(
        editor_frame, key=f"data_columns_{uploaded.file_id}_{kind}", hide_index=True, width="stretch",
        disabled=["Column", "Detected", "Filled", "Blank", "Examples"],
        column_config={
            "Type": st.column_config.SelectboxColumn("Type", options=list(TYPE_LABELS.values()), required=True),
            "Role": st.column_config.SelectboxColumn(
                "Role", options=list(roles_by_label), required=True,
                help="What the column means to Stocktake: which column is the date received, the reason, the area…"),
            "Filled": st.column_config.NumberColumn(format="localized"),
            "Blank": st.column_config.NumberColumn(format="localized"),
        },
    )
    label_to_type = {v: k for k, v in TYPE_LABELS.items()}
    new_types = {row.Column: label_to_type[row.Type] for row in edited.itertuples()
                 if label_to_type[row.Type] != preview.column(row.Column).detected_type}
    if new_types != forced_types:
        st.session_state[type_key] = new_types
        st.rerun()
    chosen_roles = {row.Column: roles_by_label.get(row.Role) for row in edited.itertuples()}
    duplicate_roles = [f"'{first}' and '{other}' both have the role '{role_label(kind, role)}'"
                       for first, other, role in role_clashes(chosen_roles)]

    with st.expander("First 20 rows, as written in the file"):
        st.dataframe(preview.sample, hide_index=True, width="stretch")

    # A role on a column of the wrong type is refused here, with the way to fix it (never loaded silently).
    wrong_type = {}
    for name, role in chosen_roles.items():
        problem = role_type_problem(kind, role, name, preview.column(name).type)
        if problem:
            wrong_type[name] = (role, problem)
    for name, (role, problem) in wrong_type.items():
        st.error(plain(problem), icon=":material/block:")
        if role in DATE_ROLES:
            if st.button(f"Read '{plain(name)}' as a date", key=f"data_as_date_{name}"):
                st.session_state[type_key] = {**st.session_state[type_key], name: DATE}
                st.rerun()
        elif role in NUMBER_ROLES:
            if st.button(f"Read '{plain(name)}' as a number", key=f"data_as_number_{name}"):
                st.session_state[type_key] = {**st.session_state[type_key], name: NUMBER}
                st.rerun()

    spans = [c for c in preview.columns if c.span_rows or c.spans]
    single_years_only = False
    if spans:
        col = spans[0]
        single_years_only = st.checkbox(
            f"Load the single years only (leave out the {format_count(col.span_rows)} rows of multi-year spans in "
            f"'{col.name}', such as {', '.join(repr(e) for e in col.span_examples[:2])})",
            value=False, key=f"data_single_years_{uploaded.file_id}",
            help="Otherwise the spans are kept in a column of their own and never charted with single years.")
    drop_duplicates = False
    if preview.exact_duplicates:
        drop_duplicates = st.checkbox(
            f"Leave out the {format_count(preview.exact_duplicates)} rows that are exact copies of an earlier row",
            value=False, key=f"data_drop_duplicates_{uploaded.file_id}",
            help="Rows repeating a record id with every value the same; rows that repeat an id but differ are kept.")

    variants = [c.name for c in preview.columns if c.case_variants]
    unify = False
    if variants:
        unify = st.checkbox(
            f"Unify spellings that differ only in case (in {', '.join(variants[:6])}"
            f"{'…' if len(variants) > 6 else ''}), keeping each group's most used spelling",
            value=True, key="data_unify",
        )
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
            # The load has committed; now the tables the Explore pages read, so their first visit is quick.
            report.warnings += prepare_dataset(
                con, report.dataset, progress=lambda fraction, message: bar.progress(min(fraction, 1.0), text=message))
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

report = st.session_state.get("data_last_report")
if report is not None:
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

# ----- datasets in the store -------------------------------------------------------------------------------------

st.header("Datasets in Stocktake")
datasets = store.list_datasets(con)
if not datasets:
    st.info("No datasets yet: load a file above, or build the demo data with `python -m data.demo`.")
    render_audit_trail(con)
    st.stop()

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
