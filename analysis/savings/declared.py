"""Every figure of the Savings scenarios page, declared once (see :mod:`analysis.registry`): the waterfall from
baseline cost to scenario cost, the projection over the years, how much each input matters, and the comparison of
saved scenarios (side by side, and their projections).

A scenario's outcome is worked out once per set of levers (:func:`analysis.savings.page.outcome`), so the waterfall,
the projection and the comparison share it; the saved scenarios compared are read into the comparison's inputs, so
saving, renaming or deleting one is a new cache key.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import pandas as pd

from analysis import store
from analysis.charts import savings as charts
from analysis.formatting import format_money
from analysis.reads import CLASSIFICATION
from analysis.registry import Context, Figure, NotShown, register
from analysis.savings import model, scenarios, sensitivity
from analysis.savings.page import COMPARE_KEY, PAGE, SPREAD_KEY, SavingsView, base_of, month_key, outcome
from analysis.state import strings, value

CURRENT = "Current levers (not saved)"
_DEFAULT_LEVERS = model.Levers()


@dataclass(frozen=True)
class Scenario:
    start: date
    end: date
    levers: model.Levers


def _scenario(ctx, ds, view: SavingsView, state) -> Scenario:
    return Scenario(view.start, view.end, view.levers)


def _outcome(ctx: Context, ds: store.Dataset, p: Scenario) -> model.ScenarioResult:
    return outcome(ctx, ds, p.start, p.end, p.levers)


def _net(result: model.ScenarioResult) -> float:
    return float(result.projection["cumulative_net"].iloc[-1])


def _headline(result: model.ScenarioResult, p: Scenario) -> list[tuple[str, str]]:
    return [("Annual saving at full effect", format_money(result.total_saving)),
            (f"Net saving over {p.levers.years} years", format_money(_net(result))),
            ("Staff time released", f"{result.fte_released:,.1f} FTE")]


WATERFALL = register(Figure(
    PAGE, "waterfall", "From baseline cost to scenario cost", _scenario, _outcome,
    chart=lambda result, p: charts.waterfall_spec(result.waterfall), table=lambda result: result.by_lever,
    columns={"label": "Lever", "saving": "Saving (£ a year)", "contacts_avoided": "Contacts avoided",
             "contacts_moved": "Contacts moved", "minutes_saved": "Minutes saved"},
    reading=lambda result, p: model.explain(result), headline=_headline, how=model.ORDER_OF_APPLICATION,
    needs=("date", "channel"), reads=(CLASSIFICATION,)))


def _payback(result: model.ScenarioResult, p: Scenario) -> str:
    years = p.levers.years
    return (f"Net of the one-off cost, {format_money(_net(result))} over {years} years; "
            + (f"pays back in year {result.payback_year}." if result.payback_year
               else f"does not pay back within {years} years."))


PROJECTION_COLUMNS = {"year": "Year", "ramp_pct": "Share of full effect (%)", "gross_saving": "Saving (£)",
                      "one_off_cost": "One-off cost (£)", "net_saving": "Net saving (£)",
                      "cumulative_net": "Cumulative net (£)"}

PROJECTION = register(Figure(
    PAGE, "projection", "Savings over the years", _scenario, _outcome,
    chart=lambda result, p: charts.projection_spec(result.projection, result.payback_year),
    table=lambda result: result.projection, columns=PROJECTION_COLUMNS, reading=_payback, headline=_headline,
    how=model.ORDER_OF_APPLICATION, needs=("date", "channel"), reads=(CLASSIFICATION,)))


# ---- how much each input matters ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Spread(Scenario):
    spread: float = 0.25


def _spread_inputs(ctx, ds, view: SavingsView, state) -> Spread:
    spread = min(max(int(value(state, SPREAD_KEY, 25)), 5), 50)
    # The annual saving at full effect does not depend on the years projected, the ramp-up or the one-off cost: left
    # out of the key, a change of them does not work the tornado's few hundred recomputations out again.
    annual = replace(view.levers, years=_DEFAULT_LEVERS.years, ramp_up=_DEFAULT_LEVERS.ramp_up,
                     one_off_cost=_DEFAULT_LEVERS.one_off_cost)
    return Spread(view.start, view.end, annual, spread / 100.0)


def _tornado(ctx: Context, ds: store.Dataset, p: Spread) -> pd.DataFrame:
    torn = sensitivity.tornado(base_of(ctx, ds, p.start, p.end), p.levers, spread=p.spread)
    if torn.empty:
        raise NotShown("Every input is zero, so none moves the saving: set a lever first.")
    return torn


def _tornado_reading(torn: pd.DataFrame, p: Spread) -> str:
    top = torn.iloc[0]
    return (f"The saving depends most on {top['input']}: from {format_money(top['saving_low'])} to "
            f"{format_money(top['saving_high'])} a year when it moves {p.spread:.0%} either way.")


SENSITIVITY = register(Figure(
    PAGE, "sensitivity", "How sure is it?", _spread_inputs, _tornado,
    chart=lambda torn, p: charts.tornado_spec(torn, spread=p.spread),
    columns={"input": "Input", "base_value": "As set", "low_value": "Lower", "high_value": "Higher",
             "saving_low": "Saving when lower (£ a year)", "saving_high": "Saving when higher (£ a year)"},
    reading=_tornado_reading,
    how="Each input is moved down and up by the share chosen, the others held as set; the bars show the annual "
        "saving at each end, widest first. Inputs set to zero are left out.",
    needs=("date", "channel"), reads=(CLASSIFICATION,)))


# ---- the comparison of saved scenarios ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Compared:
    scenarios: tuple[tuple[str, date, date, model.Levers], ...]  # (name, period start, end, levers), as chosen


def saved(ctx: Context, ds: store.Dataset) -> pd.DataFrame:
    """The dataset's saved scenarios, read once per run."""
    return ctx.once(("scenarios", str(store.default_db_path()), ds.name),
                    lambda: scenarios.list_scenarios(ctx.con, ds.name))


def _compared_inputs(ctx: Context, ds: store.Dataset, view: SavingsView, state) -> Compared:
    names = set(saved(ctx, ds)["name"])
    chosen = []
    for name in strings(state.get(COMPARE_KEY))[:4]:
        if name == CURRENT:
            chosen.append((name, view.start, view.end, view.levers))
        elif name in names:
            kept = ctx.once(("scenario", ds.name, name), lambda n=name: scenarios.load_scenario(ctx.con, ds.name, n))
            start, end = view.periods.get(month_key(kept.period_start), (kept.period_start, kept.period_end))
            chosen.append((name, start, end, kept.levers))
    return Compared(tuple(chosen))


def _compare(ctx: Context, ds: store.Dataset, p: Compared) -> list[tuple[str, model.ScenarioResult]]:
    if len(p.scenarios) < 2:
        raise NotShown("Choose two to four scenarios to see them side by side, with a download of the comparison.")
    return [(name, outcome(ctx, ds, start, end, levers)) for name, start, end, levers in p.scenarios]


def _compare_reading(results: list, p: Compared) -> str:
    best = max(results, key=lambda r: r[1].total_saving)
    return (f"Of {len(results)} scenarios, '{best[0]}' saves the most a year at full effect: "
            f"{format_money(best[1].total_saving)}.")


COMPARISON = register(Figure(
    PAGE, "comparison", "Scenarios side by side", _compared_inputs, _compare,
    chart=lambda results, p: charts.comparison_spec(scenarios.comparison_long(results)),
    table=lambda results: scenarios.compare_scenarios(results), reading=_compare_reading,
    how=model.ORDER_OF_APPLICATION, needs=("date", "channel"), reads=(CLASSIFICATION,)))

COMPARISON_PROJECTION = register(Figure(
    PAGE, "comparison_projection", "Cumulative net saving by scenario", _compared_inputs, _compare,
    chart=lambda results, p: charts.comparison_projection_spec(scenarios.projections_long(results)),
    table=lambda results: scenarios.projections_long(results),
    columns={"scenario": "Scenario", **PROJECTION_COLUMNS}, reading=_compare_reading,
    how=model.ORDER_OF_APPLICATION, needs=("date", "channel"), reads=(CLASSIFICATION,)))
