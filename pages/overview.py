"""Overview: the dataset in use, at a glance, and where to go next."""

import streamlit as st

from analysis import coverage
from analysis import overview_declared as overview_figures
from analysis.formatting import format_count, format_signed_percent
from analysis.overview import summarise_dataset
from analysis.roles import KIND_NAMES, role_label
from ui.auth import guard_page
from ui.figures import cached, show_figure
from ui.links import page_link
from ui.connection import current_dataset
from ui.sections import figure, show_coverage
from ui.stocktake_start import start_button
from ui.text import plain

guard_page()  # sign-in, even when Streamlit runs this file on its own (see ui.auth.guard_page)

st.title("Stocktake")
st.caption("What drives demand, is performance really changing, and what would a change save: from your own data.")

dataset = current_dataset()
if dataset is None:
    st.info("There is no data to look at yet. Load a file on the Data page, or build the demo data with "
            "`python -m data.demo`.")
    page_link("pages/data.py", label="Go to the Data page", icon=":material/upload_file:")
    st.stop()


# Kept in the one cache, per store file and dataset version (ui.figures).
cached_summary = cached(spinner="Summarising the dataset…")(summarise_dataset)


st.subheader(f"Dataset in use: {plain(dataset.name)}")
st.caption(f"{KIND_NAMES[dataset.kind]} dataset from {plain(dataset.source_file)}, loaded "
           f"{dataset.loaded_at:%d %B %Y at %H:%M}. Change it in the sidebar.")
span = show_coverage(dataset)

with figure("the summary of this dataset", stop=True):
    summary = cached_summary(dataset)

cols = st.columns(4)
cols[0].metric("Rows", format_count(summary.rows))
if summary.first is not None:
    cols[1].metric("From", f"{summary.first:%d %b %Y}")
    cols[2].metric("To", f"{summary.last:%d %b %Y}")
first_role = next(iter(summary.distinct), None)
if first_role:
    cols[3].metric(f"{role_label(dataset.kind, first_role)}s", format_count(summary.distinct[first_role]))

if summary.last_12_months is None and dataset.kind == "records" and span is not None and span.days:
    # Less than 12 whole months: the figure is declined, and the page says why rather than leaving it out silently.
    st.info(coverage.year_figure("The last 12 complete months figure", span.days, can_scale=False).note
            if not span.covers_a_year else "Contacts in the last 12 complete months need 12 whole calendar months "
            "of data; this dataset starts or ends part-way through a month.", icon=":material/date_range:")
elif summary.last_12_months is not None:
    st.metric(
        f"Contacts in the last 12 complete months ({summary.months_label})",
        format_count(summary.last_12_months),
        delta=(f"{format_signed_percent(summary.change_12_months)} on the 12 months before"
               if summary.change_12_months is not None else None),
        delta_color="off",
    )

if summary.missing_roles:
    st.warning(
        "Some figures need columns this dataset has not been given roles for: "
        + ", ".join(role_label(dataset.kind, r) for r in summary.missing_roles)
        + ". Set them on the Data page."
    )

# The figures as declared (analysis.overview_declared): the same ones "Add this view" adds, presents and packs.
shown = [f for f in overview_figures.PAGE.offered(dataset).values()
         if len(summary.top_values.get(f.needs[0], ())) > 0]
view = overview_figures.OverviewView(dataset)
for row_start in range(0, len(shown), 2):
    for column, declared in zip(st.columns(2), shown[row_start:row_start + 2]):
        with column:
            show_figure(declared, view, how=False)

st.divider()
st.markdown("**Where next**")
# The standard stocktake agenda for this dataset, with a question beside each figure: a first session in one click.
start_button("ov_stocktake", primary=True)
links = st.columns(5)
page_link("pages/spend.py", where=links[4], label="What does the council spend?", icon=":material/payments:")
page_link("pages/demand.py", where=links[0], label="What drives demand?", icon=":material/call_received:")
page_link("pages/performance.py", where=links[1], label="Is performance really changing?", icon=":material/monitoring:")
page_link("pages/savings.py", where=links[2], label="What would a change save?", icon=":material/savings:")
page_link("pages/data.py", where=links[3], label="Load or fix data", icon=":material/upload_file:")
