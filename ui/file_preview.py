"""The Data page's look at a file before it is loaded: how it was read, its columns' types and roles (to change),
a role on a column of the wrong type refused with the way to fix it, and the choices the load offers."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.load.detect import DATE, INTEGER, NUMBER, TEXT, TIMESTAMP
from analysis.formatting import format_count
from analysis.load.preview import FilePreview
from analysis.roles import DATE_ROLES, NUMBER_ROLES, ROLES_BY_KIND, role_clashes, role_label, role_type_problem
from ui.text import plain

TYPE_LABELS = {TEXT: "Text", NUMBER: "Number", INTEGER: "Whole number", DATE: "Date", TIMESTAMP: "Date and time"}
GRAIN_LABELS = {"week": "weeks", "month": "months", "quarter": "quarters", "financial_year": "financial years",
                "academic_year": "academic years", "year": "years", "span": "multi-year spans"}
NO_ROLE = "(none)"


def detected_label(column) -> str:
    """'Date', or 'Date (financial years)' for a column of periods written as text."""
    label = TYPE_LABELS[column.detected_type]
    if column.period_shapes and column.grain in GRAIN_LABELS:
        label += f" ({GRAIN_LABELS[column.grain]})"
    return label


def role_options(kind: str) -> dict[str, str | None]:
    """The role editor's choices: label shown -> role key ('Date closed' -> 'closed_date')."""
    return {NO_ROLE: None, **{role_label(kind, role): role for role in ROLES_BY_KIND[kind]}}


def show_how_read(preview: FilePreview, file_id: str) -> None:
    """How the file was read, what was guessed about it, a table with one column per period, and its problems."""
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
                    key=f"data_reshape_{file_id}",
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


def edit_columns(preview: FilePreview, kind: str, file_id: str, type_key: str) -> tuple[dict, list[str]]:
    """The columns' editor: a changed type reads the file again (a rerun); returns the roles chosen (column ->
    role) and a sentence for each role given to two columns."""
    forced_types = st.session_state[type_key]
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
        editor_frame, key=f"data_columns_{file_id}_{kind}", hide_index=True, width="stretch",
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
    return chosen_roles, duplicate_roles


def refuse_wrong_types(preview: FilePreview, kind: str, chosen_roles: dict, type_key: str) -> dict:
    """Each role on a column of the wrong type, refused with a button to read the column as the role needs;
    returns column -> (role, sentence)."""
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
    return wrong_type


def load_choices(preview: FilePreview, file_id: str) -> tuple[bool, bool, bool]:
    """What the load may leave out or fix, as found in the preview: (single years only, drop exact copies, unify
    case variants)."""
    spans = [c for c in preview.columns if c.span_rows or c.spans]
    single_years_only = False
    if spans:
        col = spans[0]
        single_years_only = st.checkbox(
            f"Load the single years only (leave out the {format_count(col.span_rows)} rows of multi-year spans in "
            f"'{col.name}', such as {', '.join(repr(e) for e in col.span_examples[:2])})",
            value=False, key=f"data_single_years_{file_id}",
            help="Otherwise the spans are kept in a column of their own and never charted with single years.")
    drop_duplicates = False
    if preview.exact_duplicates:
        drop_duplicates = st.checkbox(
            f"Leave out the {format_count(preview.exact_duplicates)} rows that are exact copies of an earlier row",
            value=False, key=f"data_drop_duplicates_{file_id}",
            help="Rows repeating a record id with every value the same; rows that repeat an id but differ are kept.")

    variants = [c.name for c in preview.columns if c.case_variants]
    unify = False
    if variants:
        unify = st.checkbox(
            f"Unify spellings that differ only in case (in {', '.join(variants[:6])}"
            f"{'…' if len(variants) > 6 else ''}), keeping each group's most used spelling",
            value=True, key="data_unify",
        )
    return single_years_only, drop_duplicates, unify
