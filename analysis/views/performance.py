"""Performance trends views: one KPI's SPC chart drawn again from a view's controls, read the way Making Data Count
reads it (the variation since when, and the assurance against the target)."""

from __future__ import annotations

from typing import Callable

import pandas as pd

from analysis import interventions, periods, store
from analysis.charts import spc as charts
from analysis.demand import figures
from analysis.errors import StocktakeError
from analysis.filters import Filters
from analysis.kpis import definitions, series, storage
from analysis.sessions import View
from analysis.spc import reading, xmr
from analysis.views.catalogue import (PERFORMANCE_DIRECTION_LABELS, PERFORMANCE_RULE_LABELS, Figure, day, strings,
                                      value)


def assurance_sentence(summary: reading.SpcSummary, format_value: Callable[[float], str]) -> str:
    """What the target against the limits means, in words: "The target of 80.0% is not consistently met: …"."""
    if summary.target is None:
        return "There is no target to compare with."
    target = format_value(summary.target)
    if summary.assurance == reading.CONSISTENT_PASS:
        return f"The target of {target} is consistently met: it lies beyond the process limits on the good side."
    if summary.assurance == reading.CONSISTENT_FAIL:
        return (f"The target of {target} is consistently missed: it lies beyond the process limits, so the process "
                "will not reach it without a change.")
    if summary.assurance == reading.INCONSISTENT:
        return (f"The target of {target} is not consistently met: it lies between the process limits, so some "
                "periods will meet it and others miss it by chance.")
    return f"The target is {target}; with no direction of improvement or no limits there is no assurance reading."


def _grain(con, ds: store.Dataset, state) -> str:
    """The view's period grain, or the page's default: month, unless the data are too short for 13 of them."""
    if ds.kind != "records":
        return definitions.dataset_grain(ds)
    held = value(state, "pf_grain")
    if held in periods.GRAINS:
        return held
    first, last = figures.data_coverage(con, ds)
    return periods.default_grain(first, last, definitions.DEFAULT_GRAIN)


def draw(con, ds: store.Dataset, view: View) -> Figure:
    if view.figure != "spc":
        raise StocktakeError(f"The Performance page has no figure '{view.figure}': add the view again from the page.")
    state = view.state
    is_records = ds.kind == "records"
    grain = _grain(con, ds, state)
    within_days = int(value(state, "pf_days", definitions.DEFAULT_WITHIN_DAYS)) if is_records \
        else definitions.DEFAULT_WITHIN_DAYS
    options = {o.key: o for o in definitions.available_kpis(con, ds, within_days)}
    if not options:
        raise StocktakeError(f"'{ds.name}' has no KPI to chart: a KPI series needs the roles Period and Value.")
    kpi = value(state, "pf_kpi", next(iter(options)))
    if kpi not in options:
        raise StocktakeError(f"'{ds.name}' no longer has the KPI '{kpi}': add the view again from the page.")
    option = options[kpi]
    if option.missing:
        raise StocktakeError(option.missing)
    every = definitions.ALL
    service = value(state, "pf_service", every)
    area = value(state, "pf_area", every)
    channel = value(state, "pf_channel", every) if is_records else every
    rules = value(state, "pf_rules", "nhsr")
    rules = rules if rules in PERFORMANCE_RULE_LABELS else "nhsr"
    directions, targets = storage.kpi_settings(con, ds.name)
    improvement = value(state, "pf_dir", directions.get(kpi, option.improvement))
    improvement = improvement if improvement in PERFORMANCE_DIRECTION_LABELS else option.improvement
    # As on the page: a target saved for the KPI wins; otherwise a KPI series' own target column, point by point.
    target = storage.target_for(targets, kpi, service)
    chosen = Filters.for_roles({role: None if held == every else held
                                for role, held in (("service", service), ("area", area), ("channel", channel))})
    values = series.kpi_series(con, ds, kpi, grain=grain, filters=chosen, within_days=within_days)
    title = definitions.series_title(option.label, ds, service, area, channel)
    if int(values["value"].notna().sum()) < 2:
        raise StocktakeError(f"{title} has fewer than 2 periods with a value: an SPC chart needs at least 2.")
    notes = interventions.list_interventions(con, ds.name, service if service != every else None)
    by_key = {f"{row.day.date().isoformat()}|{row.id}": row.day for row in notes.itertuples()}
    rebase_at = [by_key[k] for k in strings(state.get("pf_rebase")) if k in by_key]
    if day(state.get("pf_rebase_date")):
        rebase_at.append(pd.Timestamp(day(state.get("pf_rebase_date"))))
    trajectory = storage.get_trajectory(con, ds.name, kpi, service)
    trajectory_values = storage.trajectory_values(trajectory, values["period"]) if trajectory else None
    result = xmr.xmr(values["value"].to_numpy(dtype=float), dates=values["period"], improvement=improvement,
                     target=target if target is not None else values["target"].to_numpy(dtype=float),
                     trajectory=None if trajectory_values is None else trajectory_values.to_numpy(dtype=float),
                     rebase_at=rebase_at, rules=rules,
                     lower_bound=definitions.lower_bound_for(option.unit, values["value"]))
    summary = reading.summarise(result, improvement)
    fmt = lambda v: definitions.format_kpi_value(v, option.unit)  # noqa: E731
    sentence = f"{reading.reading(result, improvement, fmt, grain)} {assurance_sentence(summary, fmt)}"
    chart = charts.build_spc_chart(
        result, title=title, unit=option.unit, y_title=option.label, interventions=notes, grain=grain,
        show_near_lines=bool(state.get("pf_near")),
        subtitle=f"{PERFORMANCE_RULE_LABELS[rules]} rules; {PERFORMANCE_DIRECTION_LABELS[improvement].lower()}")
    words = ", ".join(filter(None, [
        option.label, definitions.series_scope(ds, service, area, channel), f"by {periods.GRAIN_LABELS[grain].lower()}",
        "limits recalculated from " + ", ".join(periods.period_words(d, "month") for d in sorted(rebase_at))
        if rebase_at else None]))
    latest = periods.period_label(summary.latest_date, grain) if summary.latest_date is not None else "–"
    headline = [(f"Latest ({latest})", fmt(summary.latest_value)), ("Mean", fmt(summary.mean)),
                ("Target", fmt(summary.target) if summary.target is not None else "–")]
    data = result.rename(columns={"date": "Period", "value": "Value", "mean": "Mean", "lpl": "Lower process limit",
                                  "upl": "Upper process limit", "point_type": "Reading", "target": "Target",
                                  "trajectory": "Trajectory"})
    data = data[[c for c in ("Period", "Value", "Mean", "Lower process limit", "Upper process limit", "Reading",
                             "Target", "Trajectory") if c in data]]
    return Figure(title, chart.to_dict(validate=False), data, words, sentence, headline, ds.name, "spc")
