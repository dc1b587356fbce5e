"""Savings scenarios page: what a change would save, from the service's own demand and cost data.

Reads the levers, asks :mod:`analysis.savings` for the result (the baseline is one cached aggregate per dataset
version and period, so moving a lever is arithmetic only) and lays out metrics, charts, saved scenarios, a comparison
and exports. The three charts redrawn on every lever move come as Vega-Lite dicts from cached templates
(``charts.*_spec``): building them in Altair each time cost more than the rest of the page together. Every lever is keyed ``sv_…`` and bound to the URL, so a view can be shared as a link.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from analysis import coverage, exports, lookups
from analysis.charts import savings as charts
from analysis.errors import StocktakeError
from analysis.formatting import format_count, format_money
from analysis.savings import baseline, costs, model, scenarios
from analysis.store import default_db_path
from ui import actions
from ui.auth import guard_page
from ui.charts import show_chart
from ui.links import page_link
from ui.connection import current_dataset, get_connection
from ui.lookup_choice import render_lookup_choice
from ui.sections import figure, show_coverage
from ui.text import plain

guard_page()  # sign-in, even when Streamlit runs this file on its own (see ui.auth.guard_page)

BIND = "query-params"
SOCITM = "Socitm 2012 benchmark"
MAX_SHIFTS = 3
MAX_YEARS = 5
DEFAULT_RAMP = (50.0, 100.0, 100.0, 100.0, 100.0)


# ---- cached reads -------------------------------------------------------------------------------------------------


# Cached per store file too: two stores (tests, a switched $STOCKTAKE_DB) can hold a dataset of the same name and
# version.
@st.cache_data(show_spinner=False, max_entries=64)
def _periods(db: str, dataset: str, version: int) -> list[tuple[date, date]]:
    return baseline.available_periods(get_connection(), dataset)


@st.cache_data(show_spinner="Counting contacts in the baseline period…", max_entries=64)
def _baseline(db: str, dataset: str, version: int, start: date, end: date) -> baseline.Baseline:
    return baseline.baseline(get_connection(), dataset, start, end)


@st.cache_data(show_spinner=False, max_entries=32)
def _cost_lookup(db: str, lookup: str, version: int) -> pd.DataFrame:
    return costs.read_unit_cost_lookup(get_connection(), lookup)


# ---- keys ---------------------------------------------------------------------------------------------------------


def _slug(channel: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", channel.lower()).strip("_") or "x"


def _uc_key(channel: str) -> str:
    return f"sv_uc_{_slug(channel)}"


def _min_key(channel: str) -> str:
    return f"sv_min_{_slug(channel)}"


def _month_key(start: date) -> str:
    return f"{start:%Y-%m}"


def _link_to_data_page() -> None:
    try:
        page_link("pages/data.py", label="Go to the Data page", icon=":material/upload_file:")
    except StreamlitAPIException:  # the Data page is not in this app's navigation
        st.caption("Open the Data page from the menu.")


# ---- page ---------------------------------------------------------------------------------------------------------

st.title("Savings scenarios")
st.caption(
    "What would a change save? Set the levers below: the page works out the saving from your own contacts in a "
    "12-month period, the cost per contact of each channel and the time each contact takes."
)

dataset = current_dataset()
if dataset is None:
    st.info("Load a records dataset first: savings are worked out from your own contacts.")
    _link_to_data_page()
    st.stop()
if dataset.kind != "records":
    st.info(f"'{dataset.name}' is a KPI dataset. Savings are worked out from case-level records: pick a records "
            "dataset in the sidebar.")
    st.stop()
missing = [label for role, label in (("date", "Date or time received"), ("channel", "Channel"))
           if role not in dataset.roles]
if missing:
    st.warning(f"The Savings page needs columns with the role{'s' if len(missing) > 1 else ''} "
               f"{' and '.join(repr(m) for m in missing)} in '{dataset.name}'. Set them on the Data page.")
    _link_to_data_page()
    st.stop()

con = get_connection()
DB = str(default_db_path())
span = show_coverage(dataset)
with figure("the 12-month periods this dataset covers", stop=True):
    periods = _periods(DB, dataset.name, dataset.version)
period_by_key = {_month_key(s): (s, e) for s, e in periods}

# ---- scenario actions (callbacks run before the widgets are drawn, so they may set widget values) ----------------


def _levers_to_state(levers: model.Levers, period_start: date) -> None:
    ss = st.session_state
    ss["sv_period"] = _month_key(period_start)
    ss["sv_fd_pct"] = int(round(levers.failure_pct))
    ss["sv_fd_services"] = list(levers.failure_services)
    ss["sv_fd_reasons"] = list(levers.failure_reasons)
    ss["sv_nshift"] = min(MAX_SHIFTS, len(levers.shifts))
    for i, s in enumerate(levers.shifts[:MAX_SHIFTS], start=1):
        ss[f"sv_sh{i}_from"] = s.from_channel
        ss[f"sv_sh{i}_to"] = s.to_channel
        ss[f"sv_sh{i}_pct"] = int(round(s.percent))
    ss["sv_ht_pct"] = int(round(levers.handling_pct))
    for ch in dict.fromkeys([*cost_channels, *levers.unit_costs]):
        cost = levers.unit_costs.get(ch)
        ss[_uc_key(ch)] = None if cost is None or pd.isna(cost) else float(cost)
    for ch, minutes in levers.minutes_per_contact.items():
        ss[_min_key(ch)] = float(minutes)
    ss["sv_fte_cost"] = float(levers.fte_hour_cost)
    ss["sv_fte_hours"] = float(levers.productive_hours)
    ss["sv_oneoff"] = float(levers.one_off_cost)
    ss["sv_years"] = int(levers.years)
    for i in range(MAX_YEARS):
        ramp = levers.ramp_up[min(i, len(levers.ramp_up) - 1)] if levers.ramp_up else 100.0
        ss[f"sv_ramp{i + 1}"] = int(round(ramp))


def _load_scenario() -> None:
    name = st.session_state.get("sv_pick")
    if not name:
        return
    try:
        saved = scenarios.load_scenario(get_connection(), dataset.name, name)
    except StocktakeError as exc:
        st.session_state["sv_flash"] = ("error", plain(exc))
        return
    _levers_to_state(saved.levers, saved.period_start)
    note = ""
    if _month_key(saved.period_start) not in period_by_key:
        note = " Its baseline period is no longer in the data, so the latest period is used."
    if saved.dataset_version != dataset.version:
        note += " The data has been reloaded or its roles changed since it was saved, so the figures may differ."
    st.session_state["sv_flash"] = ("success", f"Loaded '{plain(name)}'.{note}")


def _delete_scenario() -> None:
    name = st.session_state.get("sv_pick")
    if not name:
        return
    try:
        actions.delete_scenario(get_connection(), dataset.name, name)
        st.session_state["sv_flash"] = ("success", f"Deleted '{plain(name)}'.")
        st.session_state["sv_compare"] = [n for n in st.session_state.get("sv_compare", []) if n != name]
    except StocktakeError as exc:
        st.session_state["sv_flash"] = ("error", plain(exc))


def _rename_scenario() -> None:
    old, new = st.session_state.get("sv_pick"), (st.session_state.get("sv_rename") or "").strip()
    if not old:
        return
    try:
        actions.rename_scenario(get_connection(), dataset.name, old, new)
        st.session_state["sv_flash"] = ("success", f"Renamed '{plain(old)}' to '{plain(new)}'.")
        st.session_state["sv_pick"] = new
        st.session_state["sv_compare"] = [new if n == old else n for n in st.session_state.get("sv_compare", [])]
        st.session_state["sv_rename"] = ""
    except StocktakeError as exc:
        st.session_state["sv_flash"] = ("error", plain(exc))


# ---- baseline period ------------------------------------------------------------------------------------------------
# Defaults go through each widget's own value/index (not seeded into session state), so Streamlit leaves a value out
# of the URL only when it is the real default, and a shared link always restores what the sender saw.


def _prune(key: str, options: list) -> None:
    """Drop a remembered choice that is no longer an option (another dataset, period or preset)."""
    if key in st.session_state:
        value = st.session_state[key]
        if isinstance(value, list):
            kept = [v for v in value if v in options]
            if kept != value:  # writing unchanged state would count as a programmatic change on every run
                st.session_state[key] = kept
        elif value not in options:
            del st.session_state[key]


_prune("sv_period", list(period_by_key))
period_key = st.selectbox(
    "Baseline period (12 months)", list(period_by_key), index=0, key="sv_period", bind=BIND,
    format_func=lambda k: baseline.period_label(*period_by_key[k]) + (
        f" (the data cover only {coverage.span_words(span.days)} of it)" if span is not None and not span.covers_a_year
        else " (latest full 12 months)" if k == _month_key(periods[0][0]) else ""),
    help="The contacts the savings are worked out from. The latest full 12 months is chosen at first.",
)
period_start, period_end = period_by_key[period_key]
with figure("the baseline of contacts", stop=True):
    base = _baseline(DB, dataset.name, dataset.version, period_start, period_end)
if base.coverage_note:
    # Less than a year of data: every annual figure below is the covered days scaled up, and says so.
    st.warning(base.coverage_note, icon=":material/date_range:")

# ---- unit costs and handling minutes -----------------------------------------------------------------------------

# Only lookups that may serve this dataset (never the demo's costs for real data); the one chosen for it, or whose
# channel names match its own, is the starting choice; otherwise the published benchmark, named as such.
cost_choice = lookups.lookup_for(con, dataset, lookups.UNIT_COST)
lookup_versions = {d.name: d.version for d in lookups.candidates(con, dataset, lookups.UNIT_COST)}
preset_options = [SOCITM] + list(lookup_versions)
default_preset = cost_choice.lookup.name if cost_choice.lookup is not None else SOCITM


def _preset_table(preset: str, channels: list[str]) -> pd.DataFrame:
    if preset == SOCITM:
        return costs.unit_cost_table(channels)
    return costs.unit_cost_table(channels, _cost_lookup(DB, preset, lookup_versions[preset]), preset)


def _channels_to_cost(preset: str) -> list[str]:
    """Channels in the data, any benchmark channel the data lacks (a shift may move contacts there) and any channel
    the chosen lookup prices."""
    channels = list(base.channels)
    mapped = {costs.canonical_channel(c) for c in channels}
    channels += [c for c in costs.SOCITM_2012 if c not in mapped and c not in channels]
    if preset != SOCITM:
        priced = _cost_lookup(DB, preset, lookup_versions[preset])["channel"].astype(str)
        channels += [c for c in priced if c not in channels]
    return channels


def _apply_preset() -> None:
    preset = st.session_state["sv_preset"]
    table = _preset_table(preset, _channels_to_cost(preset))
    for ch, cost in zip(table["channel"], table["unit_cost"]):
        st.session_state[_uc_key(ch)] = None if pd.isna(cost) else float(cost)


_prune("sv_preset", preset_options)
cost_box = st.expander("Cost per contact and handling time, by channel", expanded=False)
with cost_box:
    preset = st.selectbox(
        "Unit costs from", preset_options, index=preset_options.index(default_preset), key="sv_preset", bind=BIND,
        on_change=_apply_preset,
        format_func=lambda p: p if p == SOCITM else f"Lookup dataset '{p}' (the benchmark fills its gaps)",
        help="A lookup dataset with a channel and a unit cost column overrides the benchmark.",
    )
cost_channels = _channels_to_cost(preset)
preset_table = _preset_table(preset, cost_channels)
data_minutes = base.by_channel().set_index("channel")["avg_minutes"]
unit_costs: dict[str, float] = {}
entered_minutes: dict[str, float] = {}

with cost_box:
    render_lookup_choice(dataset, lookups.UNIT_COST, cost_choice)
    st.caption(costs.SOCITM_CAVEAT)
    head = st.columns([2, 2, 2, 5])
    for col, text in zip(head, ("**Channel**", "**£ per contact**", "**Minutes per contact**", "**Source**")):
        col.markdown(text)
    sources = preset_table.set_index("channel")
    for ch in cost_channels:
        c1, c2, c3, c4 = st.columns([2, 2, 2, 5], vertical_alignment="center")
        contacts = int(base.cells.loc[base.cells["channel"] == ch, "contacts"].sum())
        c1.markdown(f"{plain(ch)}  \n:gray[{format_count(contacts)} contacts]")
        preset_cost = sources.loc[ch, "unit_cost"]
        cost = c2.number_input(f"£ per contact, {ch}", value=None if pd.isna(preset_cost) else float(preset_cost),
                               key=_uc_key(ch), bind=BIND, min_value=0.0, step=0.01, format="%.2f",
                               label_visibility="collapsed", placeholder="enter £")
        if cost is not None:
            unit_costs[ch] = float(cost)
        if not pd.isna(data_minutes.get(ch, float("nan"))):
            c3.markdown(f"{data_minutes[ch]:,.1f} :gray[(from the data)]")
        else:
            minutes = c3.number_input(
                f"Minutes per contact, {ch}", value=costs.default_minutes(ch), key=_min_key(ch), bind=BIND,
                min_value=0.0, step=0.5, format="%.1f", label_visibility="collapsed",
                help="No handling minutes in the data for this channel: enter your own figure.")
            entered_minutes[ch] = float(minutes or 0)
        if cost is None:
            c4.warning("No unit cost: its contacts count as £0 until you enter a local figure.")
        elif not pd.isna(preset_cost) and abs(float(cost) - float(preset_cost)) < 0.005:
            note = sources.loc[ch, "note"]
            c4.caption(plain(f"{sources.loc[ch, 'source']}" + (f" {note}" if note else "")))
        else:
            c4.caption(f"Entered here (the preset says {format_money(preset_cost, 2)})." if not pd.isna(preset_cost)
                       else "Entered here.")
    st.button("Reset unit costs to the preset", key="sv_reset_costs", on_click=_apply_preset)

# ---- levers ---------------------------------------------------------------------------------------------------------

phone = next((c for c in cost_channels if costs.canonical_channel(c) == "Phone"), cost_channels[0])
web = next((c for c in cost_channels if costs.canonical_channel(c) == "Web"), cost_channels[-1])
if web == phone:
    web = next(c for c in cost_channels if c != phone) if len(cost_channels) > 1 else phone
for i in range(1, MAX_SHIFTS + 1):
    _prune(f"sv_sh{i}_from", cost_channels)
    _prune(f"sv_sh{i}_to", cost_channels)
_prune("sv_fd_services", base.services)
_prune("sv_fd_reasons", base.failure_reasons)

st.subheader("Levers")
lever_cols = st.columns(3, gap="large")
with lever_cols[0]:
    st.markdown("**1. Remove failure demand**")
    fd_pct = st.slider("Failure demand removed (%)", 0, 100, value=20, step=1, key="sv_fd_pct", bind=BIND,
                       help="The share of failure demand (chasing, repeat and correction contacts) the change "
                            "prevents.")
    fd_services = st.multiselect("Only in these services", base.services, default=[], key="sv_fd_services",
                                 bind=BIND, placeholder="All services")
    fd_reasons = st.multiselect("Only for these failure reasons", base.failure_reasons, default=[],
                                key="sv_fd_reasons", bind=BIND, placeholder="All failure reasons",
                                disabled=not base.failure_reasons)
    failure_total = int(base.cells["failure_contacts"].sum())
    st.caption(f"{format_count(failure_total)} of {format_count(base.total_contacts)} contacts in the period are "
               "failure demand." if base.has_classification else
               "No reason is classified as failure demand yet: classify reasons on the Demand page.")
with lever_cols[1]:
    st.markdown("**2. Shift channels** (on what remains)")
    n_shift = int(st.number_input("How many channel shifts", min_value=0, max_value=MAX_SHIFTS, value=1, step=1,
                                  key="sv_nshift", bind=BIND))
    shifts: list[model.ChannelShift] = []
    same: list[int] = []
    for i in range(1, n_shift + 1):
        a, b = st.columns(2)
        from_ch = a.selectbox(f"Shift {i}: from", cost_channels, index=cost_channels.index(phone),
                              key=f"sv_sh{i}_from", bind=BIND)
        to_ch = b.selectbox(f"Shift {i}: to", cost_channels, index=cost_channels.index(web), key=f"sv_sh{i}_to",
                            bind=BIND)
        pct = st.slider(f"Shift {i}: share moved (%)", 0, 100, value=10 if i == 1 else 0, step=1,
                        key=f"sv_sh{i}_pct", bind=BIND)
        if from_ch == to_ch:
            same.append(i)
        else:
            shifts.append(model.ChannelShift(from_ch, to_ch, float(pct)))
with lever_cols[2]:
    st.markdown("**3. Cut handling time** (on what remains)")
    ht_pct = st.slider("Handling time cut (%)", 0, 100, value=5, step=1, key="sv_ht_pct", bind=BIND)
    a, b = st.columns(2)
    fte_cost = a.number_input("Cost of an FTE hour (£)", min_value=0.0, value=model.DEFAULT_FTE_HOUR_COST,
                              step=1.0, format="%.2f", key="sv_fte_cost", bind=BIND,
                              help="Salary plus on-costs, per hour. Values the minutes saved by the handling-time "
                                   "cut.")
    fte_hours = b.number_input("Productive hours per FTE a year", min_value=1.0,
                               value=model.DEFAULT_PRODUCTIVE_HOURS, step=10.0, format="%.0f",
                               key="sv_fte_hours", bind=BIND,
                               help="Hours a full-time post spends on contacts in a year, after leave and training.")

st.markdown("**Costs and timing**")
t1, t2, t3 = st.columns([2, 2, 6])
one_off = t1.number_input("One-off cost of the change (£)", min_value=0.0, value=25_000.0, step=1_000.0,
                          format="%.0f", key="sv_oneoff", bind=BIND)
years = int(t2.radio("Years to project", [3, 4, 5], index=0, key="sv_years", bind=BIND, horizontal=True))
with t3:
    st.caption("Ramp-up: share of the full annual effect reached in each year")
    ramp_cols = st.columns(MAX_YEARS)
    ramp = [
        ramp_cols[i].number_input(f"Year {i + 1} (%)", min_value=0, max_value=100, value=int(DEFAULT_RAMP[i]),
                                  step=5, key=f"sv_ramp{i + 1}", bind=BIND)
        for i in range(years)
    ]

levers = model.Levers(
    failure_pct=float(fd_pct),
    failure_services=tuple(fd_services),
    failure_reasons=tuple(fd_reasons),
    shifts=tuple(shifts),
    handling_pct=float(ht_pct),
    unit_costs=unit_costs,
    minutes_per_contact=entered_minutes,
    fte_hour_cost=float(fte_cost or 0),
    productive_hours=float(fte_hours or 1),
    one_off_cost=float(one_off or 0),
    ramp_up=tuple(float(r or 0) for r in ramp),
    years=years,
)

with figure("the saving", stop=True):
    result = model.compute(base, levers)

# ---- outputs --------------------------------------------------------------------------------------------------------

st.subheader("What this scenario saves")
st.info(model.ORDER_OF_APPLICATION, icon=":material/format_list_numbered:")
m = st.columns(3)
m[0].metric("Annual saving at full effect", format_money(result.total_saving),
            help=f"Baseline cost {format_money(result.baseline_cost)} a year; scenario cost "
                 f"{format_money(result.scenario_cost)}.")
net = float(result.projection["cumulative_net"].iloc[-1])
m[1].metric(f"Net saving over {int(years)} years", format_money(net),
            delta=(f"Pays back in year {result.payback_year}" if result.payback_year else
                   f"Does not pay back in {int(years)} years"),
            delta_color="normal" if result.payback_year else "inverse")
m[2].metric("Staff time released", f"{result.fte_released:,.1f} FTE",
            help=f"{format_count(result.minutes_saved / 60)} hours a year at "
                 f"{format_count(levers.productive_hours)} productive hours per FTE.")
m = st.columns(3)
m[0].metric("Contacts avoided a year", f"{format_count(result.contacts_avoided)} contacts")
m[1].metric("Contacts moved to other channels", f"{format_count(result.contacts_moved)} contacts")
m[2].metric("Scenario cost a year", format_money(result.scenario_cost),
            help=f"Baseline cost {format_money(result.baseline_cost)} a year, from contacts × cost per contact.")
st.markdown(model.explain(result))
st.caption(f"Baseline: {format_count(base.total_contacts)} contacts to '{plain(dataset.name)}' from "
           f"{baseline.period_label(period_start, period_end)}"
           + (f", scaled up from the {base.covered_days} days the data cover." if base.coverage_note else ".")
           + (f" Unit costs: {plain(costs.SOCITM_SOURCE)}." if preset == SOCITM else
              f" Unit costs: the lookup '{plain(preset)}' (the benchmark fills its gaps)."))
for i in same:
    st.warning(f"Shift {i} moves contacts from a channel to itself, so it is left out: choose two channels.")
for note in dict.fromkeys(result.notes):
    st.caption(f":material/info: {plain(note)}")

c1, c2 = st.columns(2)
with c1, figure("the waterfall of the saving"):
    show_chart(charts.waterfall_spec(result.waterfall), name="savings_by_lever")
with c2, figure("the projection over the years"):
    show_chart(charts.projection_spec(result.projection, result.payback_year), name="savings_projection")

with st.expander("Year by year", expanded=False):
    shown = result.projection.copy()
    st.dataframe(pd.DataFrame({
        "Year": shown["year"].map(lambda y: f"Year {y}"),
        "Share of full effect": shown["ramp_pct"].map(lambda v: f"{v:,.0f}%"),
        "Saving": shown["gross_saving"].map(format_money),
        "One-off cost": shown["one_off_cost"].map(format_money),
        "Net this year": shown["net_saving"].map(format_money),
        "Cumulative net": shown["cumulative_net"].map(format_money),
    }), hide_index=True, width="stretch")

st.subheader("How sure is it?")
spread_pct = st.slider("Move each input down and up by (%)", 5, 50, value=25, step=5, key="sv_spread", bind=BIND)
torn = pd.DataFrame()
with figure("how much each input matters"):
    torn = model.tornado(base, levers, spread=spread_pct / 100.0)
    show_chart(charts.tornado_spec(torn, spread=spread_pct / 100.0), name="savings_sensitivity")
if not torn.empty:
    top = torn.iloc[0]
    st.caption(f"The saving depends most on **{plain(top['input'])}**: from {format_money(top['saving_low'])} to "
               f"{format_money(top['saving_high'])} a year when it moves {spread_pct}% either way.")

# ---- saved scenarios ------------------------------------------------------------------------------------------------

st.subheader("Saved scenarios")
flash = st.session_state.pop("sv_flash", None)
if flash:
    (st.success if flash[0] == "success" else st.error)(flash[1])

try:
    saved_list = scenarios.list_scenarios(con, dataset.name)
except StocktakeError as exc:
    st.error(plain(exc))
    saved_list = pd.DataFrame(columns=["name", "dataset", "dataset_version", "period_start", "period_end",
                                       "saved_at"])

s1, s2 = st.columns([3, 1], vertical_alignment="bottom")
save_name = s1.text_input("Name this scenario", key="sv_save_name", bind=BIND, max_chars=80,
                          placeholder="e.g. Online tracking, cautious")
replace_it = s2.checkbox("Replace one of the same name", key="sv_replace", bind=BIND)
if st.button("Save scenario", key="sv_save_btn", type="primary"):
    try:
        actions.save_scenario(con, save_name, dataset, period_start, period_end, levers, overwrite=replace_it)
        st.success(f"Saved '{plain(save_name.strip())}' for {dataset.name} "
                   f"({baseline.period_label(period_start, period_end)}).")
        saved_list = scenarios.list_scenarios(con, dataset.name)
    except StocktakeError as exc:
        st.error(plain(exc))

names = saved_list["name"].tolist()
if names:
    listing = pd.DataFrame({
        "Scenario": saved_list["name"],
        "Baseline period": [baseline.period_label(pd.Timestamp(s).date(), pd.Timestamp(e).date())
                            for s, e in zip(saved_list["period_start"], saved_list["period_end"])],
        "Saved": [pd.Timestamp(t).strftime("%d/%m/%Y %H:%M") for t in saved_list["saved_at"]],
        "Data since": ["unchanged" if int(v) == dataset.version else "reloaded or roles changed"
                       for v in saved_list["dataset_version"]],
    })
    st.dataframe(listing, hide_index=True, width="stretch")
    _prune("sv_pick", names)
    p1, p2, p3, p4 = st.columns([3, 1, 1, 3], vertical_alignment="bottom")
    p1.selectbox("Scenario", names, key="sv_pick", bind=BIND)
    p2.button("Load", key="sv_load_btn", on_click=_load_scenario, help="Set the levers to this scenario's.")
    p3.button("Delete", key="sv_delete_btn", on_click=_delete_scenario)
    with p4:
        r1, r2 = st.columns([3, 1], vertical_alignment="bottom")
        r1.text_input("New name", key="sv_rename", bind=BIND, max_chars=80)
        r2.button("Rename", key="sv_rename_btn", on_click=_rename_scenario)
else:
    st.caption(f"No scenarios saved for {dataset.name} yet. Scenarios are kept in the Stocktake database, tied to "
               "the dataset they were built on.")

# ---- comparison -----------------------------------------------------------------------------------------------------

st.subheader("Compare scenarios")
CURRENT = "Current levers (not saved)"
compare_options = names + [CURRENT]
_prune("sv_compare", compare_options)
chosen = st.multiselect("Scenarios to compare (two to four)", compare_options, default=[], key="sv_compare", bind=BIND,
                        max_selections=4, placeholder="Choose saved scenarios")
if len(chosen) < 2:
    st.caption("Choose two to four scenarios to see them side by side, with a download of the comparison.")
else:
    results: list[tuple[str, model.ScenarioResult]] = []
    inputs_rows = []
    with figure("the comparison of scenarios", stop=True):
        for name in chosen:
            if name == CURRENT:
                results.append((name, result))
                lv, ps, pe = levers, period_start, period_end
            else:
                saved = scenarios.load_scenario(con, dataset.name, name)
                key = _month_key(saved.period_start)
                ps, pe = period_by_key.get(key, (saved.period_start, saved.period_end))
                lv = saved.levers
                results.append((name, model.compute(_baseline(DB, dataset.name, dataset.version, ps, pe), lv)))
            inputs_rows.append({"Scenario": name, "Baseline period": baseline.period_label(ps, pe),
                                "Inputs": lv.to_json()})
    table = scenarios.compare_scenarios(results)
    shown = table.set_index("Scenario").T
    fmt_rows = {}
    for row in shown.index:
        if "(£)" in row:
            fmt_rows[row.replace(" (£)", "")] = [format_money(v) for v in shown.loc[row]]
        elif row == "FTE released":
            fmt_rows[row] = [f"{v:,.1f} FTE" for v in shown.loc[row]]
        elif row == "Payback year":
            fmt_rows[row] = [f"Year {int(v)}" if not pd.isna(v) else "Not within the projection"
                             for v in shown.loc[row]]
        elif row == "Years projected":
            fmt_rows[row] = [f"{int(v)}" for v in shown.loc[row]]
        else:
            fmt_rows[row] = [format_count(v) for v in shown.loc[row]]
    shown_table = pd.DataFrame(fmt_rows, index=shown.columns).T
    st.dataframe(shown_table, width="stretch", height=35 * (len(shown_table) + 1) + 3)
    c1, c2 = st.columns(2)
    with c1:
        show_chart(charts.comparison_spec(scenarios.comparison_long(results)), name="scenarios_compared")
    with c2:
        show_chart(charts.comparison_projection_spec(scenarios.projections_long(results)),
                   name="scenarios_projection_compared")
    proj = scenarios.projections_long(results).rename(columns={
        "scenario": "Scenario", "year": "Year", "ramp_pct": "Share of full effect (%)",
        "gross_saving": "Saving (£)", "one_off_cost": "One-off cost (£)", "net_saving": "Net saving (£)",
        "cumulative_net": "Cumulative net (£)"})
    d1, d2 = st.columns(2)
    d1.download_button("Download comparison (CSV)", exports.to_csv_bytes(table), file_name="savings_comparison.csv",
                       mime="text/csv", key="sv_dl_csv", on_click="ignore")
    d2.download_button(
        "Download comparison (Excel)",
        exports.to_xlsx_bytes({"Comparison": table, "Projection": proj, "Inputs": pd.DataFrame(inputs_rows)}),
        file_name="savings_comparison.xlsx", key="sv_dl_xlsx", on_click="ignore",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
