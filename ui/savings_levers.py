"""The Savings page's inputs: the cost per contact and handling time of each channel, the three levers with costs and
timing, and the saved-scenario actions that set them (callbacks, which run before the widgets are drawn and so may
set their values). Every input is keyed ``sv_…`` and bound to the URL.

Defaults go through each widget's own value or index (not seeded into session state), so Streamlit leaves a value out
of the URL only when it is the real default, and a shared link always restores what the sender saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from analysis import lookups, store
from analysis.errors import StocktakeError
from analysis.formatting import format_count, format_money
from analysis.savings import baseline, costs, model, scenarios
from analysis.savings.page import (COMPARE_KEY, DEFAULT_RAMP, DEFAULTS, FAILURE_PCT_KEY, FAILURE_REASONS_KEY,
                                   FAILURE_SERVICES_KEY, FTE_COST_KEY, FTE_HOURS_KEY, HANDLING_PCT_KEY, MAX_SHIFTS,
                                   MAX_YEARS, ONE_OFF_KEY, OWN, PERIOD_KEY, PRESET_KEY, SHIFT_COUNT_KEY, SOCITM,
                                   YEARS_KEY, cost_key, cost_lookup, minutes_key, month_key, own_cost_table, own_sources,
                                   ramp_key, shift_keys)
from ui import actions
from ui.connection import catalogue, get_connection
from ui.figures import app_context, cached
from ui.lookup_choice import render_lookup_choice
from ui.text import plain

BIND = "query-params"
# The saved scenario chosen, its new name, and the sentence a save, load, rename or delete leaves for the next run.
PICK_KEY, RENAME_KEY, FLASH_KEY = "sv_pick", "sv_rename", "sv_flash"
cost_lookup = cached()(cost_lookup)


def prune(key: str, options: list) -> None:
    """Drop a remembered choice that is no longer an option (another dataset, period or preset)."""
    if key in st.session_state:
        value = st.session_state[key]
        if isinstance(value, list):
            kept = [v for v in value if v in options]
            if kept != value:  # writing unchanged state would count as a programmatic change on every run
                st.session_state[key] = kept
        elif value not in options:
            del st.session_state[key]


@dataclass(frozen=True)
class CostInputs:
    """The unit costs and handling minutes as set on the page, and where they started from."""

    preset: str  # SOCITM or the name of a cost lookup
    channels: list[str]
    unit_costs: dict[str, float]
    minutes: dict[str, float]


class CostPresets:
    """The published benchmark and the cost lookups that may serve a dataset, each as a table of unit costs."""

    def __init__(self, dataset: store.Dataset, choice: lookups.LookupChoice, base: baseline.Baseline):
        self.lookups = {d.name: d for d in lookups.candidates(get_connection(), dataset, lookups.UNIT_COST,
                                                              catalogue())}
        self.own = own_sources(app_context(), dataset)  # the council's own spending, paired with these records
        self.dataset, self.base = dataset, base
        self.options = [SOCITM, *self.lookups, *self.own]
        self.default = choice.lookup.name if choice.lookup is not None and choice.lookup.name in self.lookups \
            else SOCITM
        self.data_channels = list(base.channels)

    def channels(self, preset: str) -> list[str]:
        if preset in self.own:
            return costs.channels_to_cost(self.data_channels)
        priced = None if preset == SOCITM else cost_lookup(self.lookups[preset])["channel"].astype(str).tolist()
        return costs.channels_to_cost(self.data_channels, priced)

    def table(self, preset: str) -> pd.DataFrame:
        if preset in self.own:
            return own_cost_table(app_context(), self.dataset, self.base, preset)
        channels = self.channels(preset)
        if preset == SOCITM:
            return costs.unit_cost_table(channels)
        return costs.unit_cost_table(channels, cost_lookup(self.lookups[preset]), preset)

    def apply(self) -> None:
        """A callback: the chosen preset's costs into the inputs."""
        table = self.table(st.session_state[PRESET_KEY])
        for ch, cost in zip(table["channel"], table["unit_cost"]):
            st.session_state[cost_key(ch)] = None if pd.isna(cost) else float(cost)


def render_costs(dataset: store.Dataset, base: baseline.Baseline, choice: lookups.LookupChoice) -> CostInputs:
    """The expander with the cost per contact and handling minutes of each channel."""
    presets = CostPresets(dataset, choice, base)
    prune(PRESET_KEY, presets.options)
    unit_costs: dict[str, float] = {}
    minutes: dict[str, float] = {}
    with st.expander("Cost per contact and handling time, by channel", expanded=False):
        preset = st.selectbox(
            "Unit costs from", presets.options, index=presets.options.index(presets.default), key=PRESET_KEY,
            bind=BIND, on_change=presets.apply,
            format_func=lambda p: p if p == SOCITM else (
                f"Spend per contact from '{p.removeprefix(OWN)}' (your own spending; an upper bound)"
                if p.startswith(OWN) else f"Lookup dataset '{p}' (the benchmark fills its gaps)"),
            help="A lookup dataset with a channel and a unit cost column overrides the benchmark. Your own spending "
                 "paired with these records (on the Spend page) gives each channel the spend per contact of the "
                 "services its contacts are about.")
        channels = presets.channels(preset)
        sources = presets.table(preset).set_index("channel")
        data_minutes = base.by_channel().set_index("channel")["avg_minutes"]
        render_lookup_choice(dataset, lookups.UNIT_COST, choice)
        st.caption(costs.SOCITM_CAVEAT)
        head = st.columns([2, 2, 2, 5])
        for col, text in zip(head, ("**Channel**", "**£ per contact**", "**Minutes per contact**", "**Source**")):
            col.markdown(text)
        contacts = base.cells.groupby("channel")["contacts"].sum()
        for ch in channels:
            c1, c2, c3, c4 = st.columns([2, 2, 2, 5], vertical_alignment="center")
            c1.markdown(f"{plain(ch)}  \n:gray[{format_count(int(contacts.get(ch, 0)))} contacts]")
            preset_cost = sources.loc[ch, "unit_cost"]
            # Labels are Markdown even when hidden (label_visibility="collapsed"): a channel name goes through plain().
            cost = c2.number_input(f"£ per contact, {plain(ch)}",
                                   value=None if pd.isna(preset_cost) else float(preset_cost),
                                   key=cost_key(ch), bind=BIND, min_value=0.0, step=0.01, format="%.2f",
                                   label_visibility="collapsed", placeholder="enter £")
            if cost is not None:
                unit_costs[ch] = float(cost)
            if not pd.isna(data_minutes.get(ch, float("nan"))):
                c3.markdown(f"{data_minutes[ch]:,.1f} :gray[(from the data)]")
            else:
                entered = c3.number_input(
                    f"Minutes per contact, {plain(ch)}", value=costs.default_minutes(ch), key=minutes_key(ch), bind=BIND,
                    min_value=0.0, step=0.5, format="%.1f", label_visibility="collapsed",
                    help="No handling minutes in the data for this channel: enter your own figure.")
                minutes[ch] = float(entered or 0)
            if cost is None:
                c4.warning("No unit cost: its contacts count as £0 until you enter a local figure.")
            elif not pd.isna(preset_cost) and abs(float(cost) - float(preset_cost)) < 0.005:
                note = sources.loc[ch, "note"]
                c4.caption(plain(f"{sources.loc[ch, 'source']}" + (f" {note}" if note else "")))
            else:
                c4.caption(f"Entered here (the preset says {format_money(preset_cost, 2)})." if not pd.isna(preset_cost)
                           else "Entered here.")
        st.button("Reset unit costs to the preset", key="sv_reset_costs", on_click=presets.apply)
    return CostInputs(preset, channels, unit_costs, minutes)


def render_levers(base: baseline.Baseline, inputs: CostInputs) -> None:
    """The three levers, the one-off cost and the ramp-up (the page reads their values back with
    ``analysis.savings.page.read_view``, as presentation mode reads a saved view's)."""
    channels = inputs.channels
    phone, web = costs.default_shift(channels)
    for i in range(1, MAX_SHIFTS + 1):
        prune(shift_keys(i).source, channels)
        prune(shift_keys(i).target, channels)
    prune(FAILURE_SERVICES_KEY, base.services)
    prune(FAILURE_REASONS_KEY, base.failure_reasons)
    st.subheader("Levers")
    lever_cols = st.columns(3, gap="large")
    with lever_cols[0]:
        st.markdown("**1. Remove failure demand**")
        st.slider("Failure demand removed (%)", 0, 100, value=DEFAULTS[FAILURE_PCT_KEY], step=1, key=FAILURE_PCT_KEY,
                  bind=BIND, help="The share of failure demand (chasing, repeat and correction contacts) the change "
                                  "prevents.")
        st.multiselect("Only in these services", base.services, default=[], key=FAILURE_SERVICES_KEY, bind=BIND,
                       placeholder="All services")
        st.multiselect("Only for these failure reasons", base.failure_reasons, default=[], key=FAILURE_REASONS_KEY,
                       bind=BIND, placeholder="All failure reasons", disabled=not base.failure_reasons)
        st.caption(f"{format_count(int(base.cells['failure_contacts'].sum()))} of {format_count(base.total_contacts)} "
                   "contacts in the period are failure demand." if base.has_classification else
                   "No reason is classified as failure demand yet: classify reasons on the Demand page.")
    with lever_cols[1]:
        st.markdown("**2. Shift channels** (on what remains)")
        n_shift = int(st.number_input("How many channel shifts", min_value=0, max_value=MAX_SHIFTS,
                                      value=DEFAULTS[SHIFT_COUNT_KEY], step=1, key=SHIFT_COUNT_KEY, bind=BIND))
        for i in range(1, n_shift + 1):
            keys = shift_keys(i)
            a, b = st.columns(2)
            a.selectbox(f"Shift {i}: from", channels, index=channels.index(phone), key=keys.source, bind=BIND)
            b.selectbox(f"Shift {i}: to", channels, index=channels.index(web), key=keys.target, bind=BIND)
            st.slider(f"Shift {i}: share moved (%)", 0, 100, value=DEFAULTS.get(keys.share, 0), step=1,
                      key=keys.share, bind=BIND)
    with lever_cols[2]:
        st.markdown("**3. Cut handling time** (on what remains)")
        st.slider("Handling time cut (%)", 0, 100, value=DEFAULTS[HANDLING_PCT_KEY], step=1, key=HANDLING_PCT_KEY,
                  bind=BIND)
        a, b = st.columns(2)
        a.number_input("Cost of an FTE hour (£)", min_value=0.0, value=model.DEFAULT_FTE_HOUR_COST, step=1.0,
                       format="%.2f", key=FTE_COST_KEY, bind=BIND,
                       help="Salary plus on-costs, per hour. Values the minutes saved by the handling-time cut.")
        b.number_input("Productive hours per FTE a year", min_value=1.0, value=model.DEFAULT_PRODUCTIVE_HOURS,
                       step=10.0, format="%.0f", key=FTE_HOURS_KEY, bind=BIND,
                       help="Hours a full-time post spends on contacts in a year, after leave and training.")
    st.markdown("**Costs and timing**")
    t1, t2, t3 = st.columns([2, 2, 6])
    t1.number_input("One-off cost of the change (£)", min_value=0.0, value=DEFAULTS[ONE_OFF_KEY], step=1_000.0,
                    format="%.0f", key=ONE_OFF_KEY, bind=BIND)
    years = int(t2.radio("Years to project", [3, 4, 5], index=[3, 4, 5].index(DEFAULTS[YEARS_KEY]), key=YEARS_KEY,
                         bind=BIND, horizontal=True))
    with t3:
        st.caption("Ramp-up: share of the full annual effect reached in each year")
        ramp_cols = st.columns(MAX_YEARS)
        for i in range(years):
            ramp_cols[i].number_input(f"Year {i + 1} (%)", min_value=0, max_value=100, value=int(DEFAULT_RAMP[i]),
                                      step=5, key=ramp_key(i + 1), bind=BIND)


# ---- saved scenarios: callbacks ------------------------------------------------------------------------------------


def _levers_to_state(levers: model.Levers, period_start: date, channels: list[str]) -> None:
    ss = st.session_state
    ss[PERIOD_KEY] = month_key(period_start)
    ss[FAILURE_PCT_KEY] = int(round(levers.failure_pct))
    ss[FAILURE_SERVICES_KEY] = list(levers.failure_services)
    ss[FAILURE_REASONS_KEY] = list(levers.failure_reasons)
    ss[SHIFT_COUNT_KEY] = min(MAX_SHIFTS, len(levers.shifts))
    for i, s in enumerate(levers.shifts[:MAX_SHIFTS], start=1):
        ss[shift_keys(i).source] = s.from_channel
        ss[shift_keys(i).target] = s.to_channel
        ss[shift_keys(i).share] = int(round(s.percent))
    ss[HANDLING_PCT_KEY] = int(round(levers.handling_pct))
    for ch in dict.fromkeys([*channels, *levers.unit_costs]):
        cost = levers.unit_costs.get(ch)
        ss[cost_key(ch)] = None if cost is None or pd.isna(cost) else float(cost)
    for ch, minutes in levers.minutes_per_contact.items():
        ss[minutes_key(ch)] = float(minutes)
    ss[FTE_COST_KEY] = float(levers.fte_hour_cost)
    ss[FTE_HOURS_KEY] = float(levers.productive_hours)
    ss[ONE_OFF_KEY] = float(levers.one_off_cost)
    ss[YEARS_KEY] = int(levers.years)
    for i in range(MAX_YEARS):
        ramp = levers.ramp_up[min(i, len(levers.ramp_up) - 1)] if levers.ramp_up else 100.0
        ss[ramp_key(i + 1)] = int(round(ramp))


def load_scenario(dataset: store.Dataset, period_keys: list[str], channels: list[str]) -> None:
    name = st.session_state.get(PICK_KEY)
    if not name:
        return
    try:
        saved = scenarios.load_scenario(get_connection(), dataset.name, name)
    except StocktakeError as exc:
        st.session_state[FLASH_KEY] = ("error", plain(exc))
        return
    _levers_to_state(saved.levers, saved.period_start, channels)
    note = ""
    if month_key(saved.period_start) not in period_keys:
        note = " Its baseline period is no longer in the data, so the latest period is used."
    if saved.dataset_version != dataset.version:
        note += " The data has been reloaded or its roles changed since it was saved, so the figures may differ."
    st.session_state[FLASH_KEY] = ("success", f"Loaded '{plain(name)}'.{note}")


def delete_scenario(dataset: store.Dataset) -> None:
    name = st.session_state.get(PICK_KEY)
    if not name:
        return
    try:
        actions.delete_scenario(get_connection(), dataset.name, name)
        st.session_state[FLASH_KEY] = ("success", f"Deleted '{plain(name)}'.")
        st.session_state[COMPARE_KEY] = [n for n in st.session_state.get(COMPARE_KEY, []) if n != name]
    except StocktakeError as exc:
        st.session_state[FLASH_KEY] = ("error", plain(exc))


def rename_scenario(dataset: store.Dataset) -> None:
    old, new = st.session_state.get(PICK_KEY), (st.session_state.get(RENAME_KEY) or "").strip()
    if not old:
        return
    try:
        actions.rename_scenario(get_connection(), dataset.name, old, new)
        st.session_state[FLASH_KEY] = ("success", f"Renamed '{plain(old)}' to '{plain(new)}'.")
        st.session_state[PICK_KEY] = new
        st.session_state[COMPARE_KEY] = [new if n == old else n for n in st.session_state.get(COMPARE_KEY, [])]
        st.session_state[RENAME_KEY] = ""
    except StocktakeError as exc:
        st.session_state[FLASH_KEY] = ("error", plain(exc))
