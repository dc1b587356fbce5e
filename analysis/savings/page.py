"""The Savings scenarios page as its figures see it: its controls read into a :class:`SavingsView` (the baseline
period, the unit costs and the levers).

The page draws its controls (``ui.savings_levers``: every input keyed ``sv_…`` and bound to the URL) and reads the
view with :func:`read_view` from ``st.session_state``; a saved view is read by the same function from the values it
kept, so the page's defaults live here once (:data:`DEFAULTS`) and a control a view does not hold takes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping, NamedTuple

import pandas as pd

from analysis import lookups, store
from analysis.errors import StocktakeError
from analysis.formatting import format_count, format_money
from analysis.reads import CLASSIFICATION
from analysis.registry import Context, Page
from analysis.savings import baseline, costs, model
from analysis.spend import kpi as spend_kpi
from analysis.spend import unit_costs
from analysis.state import strings, url_params, value

PAGE_KEY = "savings-scenarios"
PREFIX = "sv_"
SOCITM = "Socitm 2012 benchmark"
OWN = "Own spending: "  # a preset of unit costs from the council's own spending paired with the records (issue 20)
MAX_SHIFTS = 3
MAX_YEARS = 5
# Every control's key, written once: the page's widgets are drawn under them and the figures read them back.
PERIOD_KEY, PRESET_KEY = "sv_period", "sv_preset"  # the baseline's 12 months, and where the unit costs come from
FAILURE_PCT_KEY, FAILURE_SERVICES_KEY, FAILURE_REASONS_KEY = "sv_fd_pct", "sv_fd_services", "sv_fd_reasons"
SHIFT_COUNT_KEY, HANDLING_PCT_KEY = "sv_nshift", "sv_ht_pct"
FTE_COST_KEY, FTE_HOURS_KEY, ONE_OFF_KEY, YEARS_KEY = "sv_fte_cost", "sv_fte_hours", "sv_oneoff", "sv_years"
SPREAD_KEY, COMPARE_KEY = "sv_spread", "sv_compare"  # the sensitivity's spread, and the saved scenarios compared


class ShiftKeys(NamedTuple):
    """The keys of one channel shift's controls: from, to, and the share moved."""

    source: str
    target: str
    share: str


def shift_keys(i: int) -> ShiftKeys:
    """The controls of the i-th channel shift (1, 2, …)."""
    return ShiftKeys(f"sv_sh{i}_from", f"sv_sh{i}_to", f"sv_sh{i}_pct")


def ramp_key(year: int) -> str:
    """The share of the full effect reached in a year of the projection (1, 2, …)."""
    return f"sv_ramp{year}"


DEFAULTS = {FAILURE_PCT_KEY: 20, SHIFT_COUNT_KEY: 1, shift_keys(1).share: 10, HANDLING_PCT_KEY: 5,
            ONE_OFF_KEY: 25_000.0, YEARS_KEY: 3}
DEFAULT_RAMP = (50.0, 100.0, 100.0, 100.0, 100.0)


def _slug(channel: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", channel.lower()).strip("_") or "x"


def cost_key(channel: str) -> str:
    return f"sv_uc_{_slug(channel)}"


def minutes_key(channel: str) -> str:
    return f"sv_min_{_slug(channel)}"


def month_key(start: date) -> str:
    return f"{start:%Y-%m}"


def available_periods(con, dataset: store.Dataset) -> list[tuple[date, date]]:
    return baseline.available_periods(con, dataset.name)


def baseline_for(con, dataset: store.Dataset, start: date, end: date) -> baseline.Baseline:
    return baseline.baseline(con, dataset.name, start, end)


def cost_lookup(con, lookup: store.Dataset) -> pd.DataFrame:
    return costs.read_unit_cost_lookup(con, lookup.name)


def base_of(ctx: Context, ds: store.Dataset, start: date, end: date) -> baseline.Baseline:
    """The baseline of one period: one aggregate query per dataset version and period."""
    return ctx.shared(baseline_for, ds, start, end, reads=(CLASSIFICATION,),
                      spinner="Counting contacts in the baseline period…")


def outcome(ctx: Context, ds: store.Dataset, start: date, end: date, levers: model.Levers) -> model.ScenarioResult:
    """What a scenario saves: worked out once per set of levers (moving a lever back costs nothing)."""
    return ctx.derived("savings outcome", ds, (start, end, levers),
                       lambda: model.compute(base_of(ctx, ds, start, end), levers), reads=(CLASSIFICATION,))


@dataclass(frozen=True)
class SavingsView:
    """What every figure of the page starts from: the 12-month periods, the baseline chosen, the costs and levers."""

    dataset: store.Dataset
    periods: dict[str, tuple[date, date]]  # month key of the first month -> (first day, exclusive end)
    start: date
    end: date
    base: baseline.Baseline
    preset: str  # SOCITM, the name of a unit-cost lookup, or OWN + the name of the paired spending dataset
    channels: tuple[str, ...]
    levers: model.Levers
    same_channel_shifts: tuple[int, ...]  # shifts left out: from a channel to itself

    def words(self) -> str:
        levers = self.levers
        moves = [f"{s.percent:,.0f}% moved from {s.from_channel} to {s.to_channel}" for s in levers.shifts]
        return "; ".join([
            f"Baseline {baseline.period_label(self.start, self.end)}: {format_count(self.base.total_contacts)} "
            "contacts",
            ", ".join([f"failure demand cut {levers.failure_pct:,.0f}%", *moves,
                       f"handling time cut {levers.handling_pct:,.0f}%",
                       f"one-off cost {format_money(levers.one_off_cost)}", f"{levers.years} years"]),
            f"unit costs from {source_words(self.preset)}"])


def source_words(preset: str) -> str:
    """Where a scenario's unit costs come from, as the Savings figures say it."""
    if preset == SOCITM:
        return "the Socitm 2012 benchmark"
    if preset.startswith(OWN):
        return f"the council's own spending ('{preset.removeprefix(OWN)}': spend per contact, an upper bound)"
    return f"the lookup '{preset}' (the benchmark fills its gaps)"


def cost_lookups(ctx: Context, ds: store.Dataset) -> dict[str, store.Dataset]:
    """The unit-cost lookups that may serve this dataset (never the demo's for someone's real data)."""
    return {d.name: d for d in lookups.candidates(ctx.con, ds, lookups.UNIT_COST, ctx.datasets())}


def own_sources(ctx: Context, ds: store.Dataset) -> list[str]:
    """The council's own spending as a source of unit costs: the spending paired with these records, when they have
    months in common (analysis.spend)."""
    found = spend_kpi.paired_costs(ctx, ds)
    return [OWN + found[0].spend] if found is not None and found[1].common else []


def own_cost_table(ctx: Context, ds: store.Dataset, base: baseline.Baseline, preset: str) -> pd.DataFrame:
    """Every channel's unit cost from the paired spending: the spend per contact of the services its contacts are
    about (``analysis.spend.unit_costs.channel_costs``), with where it comes from."""
    pair, found = spend_kpi.paired_costs(ctx, ds)
    by_channel = unit_costs.channel_costs(found, base.cells)
    source = (f"spending '{pair.spend}', {len(found.common)} months in common: spend per contact of the channel's "
              "services (an upper bound)")
    rows = [(ch, by_channel.get(ch, float("nan")), source if ch in by_channel else "none",
             "" if ch in by_channel else f"No spending is matched to the services of '{ch}': its contacts count as "
                                         "£0 until you enter a local figure.")
            for ch in costs.channels_to_cost(list(base.channels))]
    return pd.DataFrame(rows, columns=["channel", "unit_cost", "source", "note"])


def preset_default(ctx: Context, ds: store.Dataset) -> str:
    """The lookup chosen for the dataset or matching its channels, else the published benchmark."""
    chosen = ctx.lookup(ds, lookups.UNIT_COST).lookup
    return chosen.name if chosen is not None and chosen.name in cost_lookups(ctx, ds) else SOCITM


def cost_table(ctx: Context, ds: store.Dataset, base: baseline.Baseline, preset: str) -> pd.DataFrame:
    """Every channel the page asks a unit cost for, with the preset's cost and where it comes from (worked out once
    per baseline and preset version: every rerun of the page reads it)."""
    if preset.startswith(OWN):
        return ctx.derived("own unit cost table", ds, (tuple(base.channels), preset, spend_kpi.pair_stamp(ctx, ds),
                                                        base.period_start), lambda: own_cost_table(ctx, ds, base, preset))
    found = cost_lookups(ctx, ds)
    lookup = found.get(preset)

    def work_out() -> pd.DataFrame:
        frame = ctx.shared(cost_lookup, lookup) if lookup is not None else None
        priced = None if frame is None else frame["channel"].astype(str).tolist()
        channels = costs.channels_to_cost(list(base.channels), priced)
        return costs.unit_cost_table(channels, frame, preset if frame is not None else None)

    return ctx.derived("unit cost table", ds, (tuple(base.channels), lookup and (lookup.name, lookup.version)),
                       work_out)


def _levers(state: Mapping[str, Any], base: baseline.Baseline, table: pd.DataFrame) -> tuple[model.Levers, tuple]:
    channels = list(table["channel"])
    preset_costs = table.set_index("channel")["unit_cost"]
    unit_costs = {}
    for ch in channels:
        cost = state[cost_key(ch)] if cost_key(ch) in state else preset_costs[ch]
        if cost is not None and not pd.isna(cost):
            unit_costs[ch] = float(cost)
    data_minutes = base.by_channel().set_index("channel")["avg_minutes"]
    minutes = {ch: float(state.get(minutes_key(ch)) or 0) if minutes_key(ch) in state else costs.default_minutes(ch)
               for ch in channels if pd.isna(data_minutes.get(ch, float("nan")))}
    phone, web = costs.default_shift(channels)
    shifts, same = [], []
    for i in range(1, min(int(value(state, SHIFT_COUNT_KEY, DEFAULTS[SHIFT_COUNT_KEY])), MAX_SHIFTS) + 1):
        keys = shift_keys(i)
        source, target = value(state, keys.source, phone), value(state, keys.target, web)
        share = float(value(state, keys.share, DEFAULTS.get(keys.share, 0)))  # only the first has a default
        if source == target:
            same.append(i)
        elif source in channels and target in channels:
            shifts.append(model.ChannelShift(source, target, share))
    years = int(value(state, YEARS_KEY, DEFAULTS[YEARS_KEY]))
    number = lambda key, default: float(value(state, key, default) or 0)  # noqa: E731
    levers = model.Levers(
        failure_pct=number(FAILURE_PCT_KEY, DEFAULTS[FAILURE_PCT_KEY]),
        failure_services=tuple(s for s in strings(state.get(FAILURE_SERVICES_KEY)) if s in base.services),
        failure_reasons=tuple(r for r in strings(state.get(FAILURE_REASONS_KEY)) if r in base.failure_reasons),
        shifts=tuple(shifts), handling_pct=number(HANDLING_PCT_KEY, DEFAULTS[HANDLING_PCT_KEY]),
        unit_costs=unit_costs, minutes_per_contact=minutes,
        fte_hour_cost=number(FTE_COST_KEY, model.DEFAULT_FTE_HOUR_COST),
        productive_hours=float(value(state, FTE_HOURS_KEY, model.DEFAULT_PRODUCTIVE_HOURS) or 1),
        one_off_cost=number(ONE_OFF_KEY, DEFAULTS[ONE_OFF_KEY]),
        ramp_up=tuple(number(ramp_key(i + 1), DEFAULT_RAMP[i]) for i in range(years)), years=years)
    return levers, tuple(same)


def read_view(ctx: Context, ds: store.Dataset, state: Mapping[str, Any]) -> SavingsView:
    if ds.kind != "records" or not {"date", "channel"} <= set(ds.roles):
        raise StocktakeError(f"'{ds.name}' is not a records dataset with dates and channels: savings need one.")
    found = ctx.shared(available_periods, ds)
    if not found:
        raise StocktakeError(f"'{ds.name}' has no 12-month period to work savings out from.")
    periods = {month_key(s): (s, e) for s, e in found}
    start, end = periods.get(value(state, PERIOD_KEY), found[0])
    base = base_of(ctx, ds, start, end)
    preset = value(state, PRESET_KEY, preset_default(ctx, ds))
    if preset != SOCITM and preset not in cost_lookups(ctx, ds) and preset not in own_sources(ctx, ds):
        preset = SOCITM
    table = cost_table(ctx, ds, base, preset)
    levers, same = _levers(state, base, table)
    return SavingsView(ds, periods, start, end, base, preset, tuple(table["channel"]), levers, same)


PAGE = Page(PAGE_KEY, "Savings scenarios", PREFIX, read_view, SavingsView.words, lambda state: url_params(state, {}))
