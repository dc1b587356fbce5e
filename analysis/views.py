"""A saved view drawn again outside its page: its figure, its filters in words and its reading in a sentence.

An agenda item (:mod:`analysis.sessions`) keeps a page, one of the page's figures and the value of every control on
the page. :func:`draw_view` turns that back into the figure the room saw (a Vega-Lite spec, the small frame behind
it, a few headline numbers), :func:`describe` gives the filters as a sentence and a one-sentence reading, so that
presentation mode and the stocktake pack (:mod:`analysis.pack`) show the same thing, without Streamlit.

A control the view does not hold takes the page's default (the whole period of the data, months, every service…),
as the page itself does when its link leaves the control out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Mapping

import duckdb
import pandas as pd

from analysis import demand, drill, kpis, spc, store
from analysis.charts import demand as demand_charts
from analysis.charts import spc as spc_charts
from analysis.errors import StocktakeError
from analysis.formatting import format_count, format_month, format_percent
from analysis.sessions import View

DEMAND_PAGE = "demand-drivers"
PERFORMANCE_PAGE = "performance-trends"
SAVINGS_PAGE = "savings-scenarios"


@dataclass(frozen=True)
class PageViews:
    """What can be saved from one Explore page: its title, the prefix of its controls' keys and its figures."""

    title: str
    prefix: str
    figures: dict[str, str]  # figure key -> label, the first being the page's main figure


PAGES: dict[str, PageViews] = {
    DEMAND_PAGE: PageViews("Demand drivers", "dm_", {
        "volume": "Volume over time",
        "pareto": "Top reasons",
        "failure_service": "Failure and value demand by service",
        "failure_trend": "Failure demand over time",
        "seasonality": "Seasonality: month × year",
        "rate": "Records per 1,000 residents",
    }),
    PERFORMANCE_PAGE: PageViews("Performance trends", "pf_", {
        "spc": "The KPI's SPC chart",
    }),
    SAVINGS_PAGE: PageViews("Savings scenarios", "sv_", {
        "waterfall": "From baseline cost to scenario cost",
        "projection": "Savings over the years",
    }),
}


@dataclass
class Figure:
    """One figure, ready to show: the chart as a Vega-Lite spec, the data behind it (headers for people), the
    filters in words, the reading in a sentence and a few headline numbers (label, value as text)."""

    title: str
    spec: dict
    data: pd.DataFrame
    filters: str
    reading: str
    headline: list[tuple[str, str]] = field(default_factory=list)
    dataset: str = ""
    kind: str = ""  # "spc" for an SPC chart, else the figure key


# ---- reading a view's controls ------------------------------------------------------------------------------------

def _get(state: Mapping[str, Any], key: str, default=None):
    value = state.get(key)
    return default if value is None or value == "" else value


def _day(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _strings(value) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return (str(value),)


def _dataset(con: duckdb.DuckDBPyConnection, view: View, fallback: str | None) -> store.Dataset:
    name = view.dataset or fallback
    if not name:
        raise StocktakeError("This view does not say which dataset it shows: add it again from its page.")
    try:
        return store.get_dataset(con, name)
    except StocktakeError:
        raise StocktakeError(f"The dataset '{name}' this view shows is no longer loaded: load it again, or remove "
                             "the view from the agenda.") from None


# ---- Demand drivers -------------------------------------------------------------------------------------------------

DEMAND_LIST_KEYS = {"services": "dm_service", "reasons": "dm_reason", "channels": "dm_channel", "areas": "dm_area",
                    "statuses": "dm_status"}
DEMAND_SPLIT_LABELS = {"channel": "Channel", "service": "Service", "area": "Area", "reason": "Reason",
                       "status": "Status"}


def demand_filters(state: Mapping[str, Any], coverage: tuple[date | None, date | None]) -> demand.DemandFilters:
    """The Demand page's filters from a view's controls; a period left out is the data's whole period, and dates
    outside the data are pulled inside it, as the page does."""
    first, last = coverage

    def clamp(d):
        if d is None or first is None or last is None:
            return d
        return min(max(d, first), last)

    start = clamp(_day(state.get("dm_from"))) or first
    end = clamp(_day(state.get("dm_to"))) or last
    if start and end and start > end:
        start, end = end, start
    return demand.DemandFilters(start=start, end=end,
                                **{name: _strings(state.get(key)) for name, key in DEMAND_LIST_KEYS.items()})


# Figure -> the drill target its clicks make on the page, whose chips it leaves out (it still shows every bar).
DEMAND_FIGURE_TARGETS = {"volume": "split", "pareto": "reason", "failure_service": "service", "seasonality": "month",
                         "rate": "area"}


def _drilled(filters: demand.DemandFilters, state: Mapping[str, Any], figure: str) -> tuple[demand.DemandFilters, str]:
    """The filters with the view's drill-down chips, as the page applies them to this figure, and their words."""
    chips = [c for c in _strings(state.get("dm_drill")) if drill.parse_chip(c)]
    target = DEMAND_FIGURE_TARGETS.get(figure)
    if target == "split":
        target = _get(state, "dm_split") or None
    return drill.apply_chips(filters, chips, exclude_target=target), drill.describe_chips(chips)


def _demand_grain(state) -> str:
    grain = _get(state, "dm_grain", "month")
    return grain if grain in demand.GRAINS else "month"


def _complete(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[~frame["incomplete"].astype(bool)] if "incomplete" in frame else frame


def _volume_reading(volume: pd.DataFrame, grain: str) -> str:
    totals = volume.groupby(["period", "label", "incomplete"], as_index=False)["count"].sum().sort_values("period")
    complete = _complete(totals)
    unit = demand.GRAIN_LABELS[grain].lower()
    sentence = f"{format_count(totals['count'].sum())} records"
    if complete.empty:
        return sentence + "; no complete " + unit + " in the period."
    busiest = complete.loc[complete["count"].idxmax()]
    sentence += f"; the busiest {unit} was {busiest['label']} ({format_count(busiest['count'])})"
    season = demand.SEASON_LENGTH.get(grain, 0)
    if season > 1 and len(complete) > season:
        latest, year_before = complete.iloc[-1], complete.iloc[-1 - season]
        if year_before["count"]:
            change = latest["count"] / year_before["count"] - 1
            direction = "more" if change > 0 else "fewer"
            sentence += (f"; {latest['label']}: {format_count(latest['count'])}, "
                         f"{format_percent(abs(change))} {direction} than {year_before['label']}")
    return sentence + "."


def _draw_demand(con, ds: store.Dataset, view: View) -> Figure:
    if ds.kind != "records" or "date" not in ds.roles:
        raise StocktakeError(f"'{ds.name}' is not a records dataset with dates: the Demand page's figures need one.")
    state = view.state
    coverage = demand.data_coverage(con, ds)
    key = view.figure
    bar_filters = demand_filters(state, coverage)
    filters, drilled = _drilled(bar_filters, state, key)
    grain = _demand_grain(state)
    words = demand.describe_filters(bar_filters) + (f"; drilled down to {drilled}" if drilled else "")
    if key == "volume":
        split = _get(state, "dm_split", "")
        split = split if split in ds.roles and split in DEMAND_SPLIT_LABELS else ""
        volume = demand.volume_over_time(con, ds, filters, grain, split or None, coverage=coverage)
        if volume.empty:
            raise StocktakeError("No records match this view's filters.")
        chart = demand_charts.build_volume_chart(volume, demand.GRAIN_LABELS[grain],
                                                 DEMAND_SPLIT_LABELS[split] if split else None)
        data = volume.rename(columns={"label": "Period", "split": DEMAND_SPLIT_LABELS.get(split, "Group"),
                                      "count": "Records", "incomplete": "Incomplete period"}).drop(columns="period")
        return Figure("Volume over time", chart.to_dict(validate=False), data, words, _volume_reading(volume, grain),
                      [("Records", format_count(int(volume["count"].sum())))], ds.name, key)
    if key == "pareto":
        _require(ds, "reason", "The top reasons chart")
        pareto = demand.reason_pareto(con, ds, filters)
        if pareto.total == 0:
            raise StocktakeError("No records match this view's filters.")
        top = pareto.frame.iloc[0]
        reading = (f"{pareto.reasons_for_share:,} of {len(pareto.frame):,} reasons make up 80% of these records; "
                   f"the most common is ‘{top['reason']}’ ({format_percent(top['share'])}).")
        top_n = min(max(25, pareto.reasons_for_share + 5), 40)
        chart = demand_charts.build_pareto_chart(pareto.frame, pareto.reasons_for_share, top_n=top_n)
        data = pareto.frame.rename(columns={"rank": "Rank", "reason": "Reason", "count": "Records", "share": "Share",
                                            "cumulative_share": "Cumulative share",
                                            "in_core": "Among the reasons making 80%"})
        return Figure("Top reasons", chart.to_dict(validate=False), data, words, reading,
                      [("Reasons making up 80%", f"{pareto.reasons_for_share:,} of {len(pareto.frame):,}")],
                      ds.name, key)
    if key in ("failure_service", "failure_trend"):
        _require(ds, "reason", "Failure demand")
        by = "service" if key == "failure_service" else "period"
        if by == "service":
            _require(ds, "service", "Failure demand by service")
        overall = demand.failure_share(con, ds, filters, coverage=coverage)
        frame = demand.failure_share(con, ds, filters, by=by, grain=grain, coverage=coverage)
        row = overall.iloc[0] if len(overall) else None
        if row is None or row["failure"] + row["value"] == 0:
            raise StocktakeError("No reason is classified as failure or value demand yet: classify reasons on the "
                                 "Demand page.")
        share_text = format_percent(row["failure_share"])
        if by == "service":
            ranked = frame.dropna(subset=["failure_share"]).sort_values("failure_share", ascending=False)
            top = ranked.iloc[0]
            reading = (f"Failure demand is {share_text} of classified records; the highest share is in "
                       f"{top['group']} ({format_percent(top['failure_share'])}).")
            chart = demand_charts.build_failure_share_chart(frame, "Service", "Failure and value demand by service")
            title = "Failure and value demand by service"
        else:
            complete = _complete(frame).dropna(subset=["failure_share"])
            reading = f"Failure demand is {share_text} of classified records over the period"
            if len(complete) >= 2:
                reading += (f"; {format_percent(complete['failure_share'].iloc[0])} in {complete['label'].iloc[0]}, "
                            f"{format_percent(complete['failure_share'].iloc[-1])} in {complete['label'].iloc[-1]}")
            reading += "."
            chart = demand_charts.build_failure_trend_chart(frame, demand.GRAIN_LABELS[grain])
            title = "Failure demand over time"
        data = frame.drop(columns=[c for c in ("period",) if c in frame]).rename(columns={
            "group": "Group", "label": "Period", "failure": "Failure records", "value": "Value records",
            "unclassified": "Unclassified records", "total": "All records",
            "failure_share": "Failure share of classified", "unclassified_share": "Unclassified share",
            "incomplete": "Incomplete period"})
        return Figure(title, chart.to_dict(validate=False), data, words, reading,
                      [("Failure demand", share_text), ("Failure records", format_count(int(row["failure"])))],
                      ds.name, key)
    if key == "seasonality":
        months = demand.month_year_counts(con, ds, filters, coverage=coverage)
        complete = _complete(months)
        if complete.empty:
            raise StocktakeError("No complete month matches this view's filters.")
        mean = complete.groupby(["month_number", "month"], as_index=False)["count"].mean()
        busiest, quietest = mean.loc[mean["count"].idxmax()], mean.loc[mean["count"].idxmin()]
        reading = (f"On average over complete months, {busiest['month']} is the busiest "
                   f"({format_count(busiest['count'])} records) and {quietest['month']} the quietest "
                   f"({format_count(quietest['count'])}).")
        chart = demand_charts.build_month_year_heatmap(months)
        data = months.rename(columns={"year": "Year", "month": "Month", "count": "Records",
                                      "incomplete": "Incomplete month"}).drop(columns="month_number")
        return Figure("Seasonality: month × year", chart.to_dict(validate=False), data, words, reading, [],
                      ds.name, key)
    if key == "rate":
        _require(ds, "area", "Rates per resident")
        population = demand.find_population_lookup(con, ds)
        rates = demand.rate_per_thousand(con, ds, filters, population, coverage=coverage) if population else None
        if rates is None:
            raise StocktakeError("Rates per 1,000 residents need a population lookup (a lookup dataset with 'Area' "
                                 "and 'Population' columns): load one on the Data page.")
        known = rates.dropna(subset=["rate_per_1000"])
        if known.empty:
            raise StocktakeError(f"No area of '{ds.name}' has a population in '{population.name}'.")
        high, low = known.iloc[0], known.iloc[-1]
        reading = (f"{high['area']} has the most records per 1,000 residents ({high['rate_per_1000']:,.1f}); "
                   f"{low['area']} the fewest ({low['rate_per_1000']:,.1f}).")
        chart = demand_charts.build_rate_chart(rates, "Area")
        data = rates.rename(columns={"area": "Area", "count": "Records", "population": "Population",
                                     "rate_per_1000": "Per 1,000 residents",
                                     "annual_rate_per_1000": "Per 1,000 a year"})
        return Figure("Records per 1,000 residents", chart.to_dict(validate=False), data, words, reading, [],
                      ds.name, key)
    raise StocktakeError(f"The Demand page has no figure '{key}': add the view again from the page.")


def _require(ds: store.Dataset, role: str, what: str) -> None:
    if demand.has_roles(ds, role):
        from analysis.roles import RECORD_ROLES

        raise StocktakeError(f"{what} needs a column with the role '{RECORD_ROLES.get(role, role)}' in '{ds.name}': "
                             "give a column that role on the Data page.")


# ---- Performance trends -------------------------------------------------------------------------------------------

PERFORMANCE_RULE_LABELS = {"nhsr": "NHS-R (NHSRplotthedots)", "mdc": "Making Data Count tool"}
PERFORMANCE_DIRECTION_LABELS = {"increase": "Higher is better", "decrease": "Lower is better", "neutral": "Neither"}


def assurance_sentence(summary: spc.SpcSummary, format_value: Callable[[float], str]) -> str:
    """What the target against the limits means, in words: "The target of 80.0% is not consistently met: …"."""
    if summary.target is None:
        return "There is no target to compare with."
    target = format_value(summary.target)
    if summary.assurance == spc.CONSISTENT_PASS:
        return f"The target of {target} is consistently met: it lies beyond the process limits on the good side."
    if summary.assurance == spc.CONSISTENT_FAIL:
        return (f"The target of {target} is consistently missed: it lies beyond the process limits, so the "
                "process will not reach it without a change.")
    if summary.assurance == spc.INCONSISTENT:
        return (f"The target of {target} is not consistently met: it lies between the process limits, so some "
                "periods will meet it and others miss it by chance.")
    return f"The target is {target}; with no direction of improvement or no limits there is no assurance reading."


def _draw_performance(con, ds: store.Dataset, view: View) -> Figure:
    if view.figure != "spc":
        raise StocktakeError(f"The Performance page has no figure '{view.figure}': add the view again from the page.")
    state = view.state
    is_records = ds.kind == "records"
    grain = _get(state, "pf_grain", kpis.DEFAULT_GRAIN) if is_records else kpis.DEFAULT_GRAIN
    grain = grain if grain in kpis.GRAINS else kpis.DEFAULT_GRAIN
    within_days = int(_get(state, "pf_days", kpis.DEFAULT_WITHIN_DAYS)) if is_records else kpis.DEFAULT_WITHIN_DAYS
    options = {o.key: o for o in kpis.available_kpis(con, ds, within_days)}
    if not options:
        raise StocktakeError(f"'{ds.name}' has no KPI to chart: a KPI series needs the roles Period and Value.")
    kpi = _get(state, "pf_kpi", next(iter(options)))
    if kpi not in options:
        raise StocktakeError(f"'{ds.name}' no longer has the KPI '{kpi}': add the view again from the page.")
    option = options[kpi]
    if option.missing:
        raise StocktakeError(option.missing)
    service = _get(state, "pf_service", kpis.ALL)
    area = _get(state, "pf_area", kpis.ALL) if is_records else kpis.ALL
    channel = _get(state, "pf_channel", kpis.ALL) if is_records else kpis.ALL
    rules = _get(state, "pf_rules", "nhsr")
    rules = rules if rules in PERFORMANCE_RULE_LABELS else "nhsr"
    directions, targets = kpis.kpi_settings(con, ds.name)
    improvement = _get(state, "pf_dir", directions.get(kpi, option.improvement))
    improvement = improvement if improvement in PERFORMANCE_DIRECTION_LABELS else option.improvement
    # As on the page: a target saved for the KPI wins; otherwise a KPI series' own target column, point by point.
    target = kpis.target_for(targets, kpi, service)
    filters = {role: value for role, value in (("service", service), ("area", area), ("channel", channel))
               if value != kpis.ALL}
    series = kpis.kpi_series(con, ds, kpi, grain=grain, filters=filters, within_days=within_days)
    where = ", ".join(filter(None, [service if service != kpis.ALL else "all services",
                                    area if area != kpis.ALL else None, channel if channel != kpis.ALL else None]))
    title = f"{option.label}: {where}"
    if int(series["value"].notna().sum()) < 2:
        raise StocktakeError(f"{title} has fewer than 2 periods with a value: an SPC chart needs at least 2.")
    from analysis import interventions

    notes = interventions.list_interventions(con, ds.name, service if service != kpis.ALL else None)
    rebase_at = []
    by_key = {f"{row.day.date().isoformat()}|{row.id}": row.day for row in notes.itertuples()}
    rebase_at += [by_key[k] for k in _strings(state.get("pf_rebase")) if k in by_key]
    if _day(state.get("pf_rebase_date")):
        rebase_at.append(pd.Timestamp(_day(state.get("pf_rebase_date"))))
    trajectory = kpis.get_trajectory(con, ds.name, kpi, service if service != kpis.ALL else kpis.ALL)
    trajectory_values = kpis.trajectory_values(trajectory, series["period"]) if trajectory else None
    result = spc.xmr(series["value"].to_numpy(dtype=float), dates=series["period"], improvement=improvement,
                     target=target if target is not None else series["target"].to_numpy(dtype=float),
                     trajectory=None if trajectory_values is None else trajectory_values.to_numpy(dtype=float),
                     rebase_at=rebase_at, rules=rules)
    summary = spc.summarise(result, improvement)
    fmt = lambda v: kpis.format_kpi_value(v, option.unit)  # noqa: E731
    reading = f"{spc.reading(result, improvement, fmt)} {assurance_sentence(summary, fmt)}"
    chart = spc_charts.build_spc_chart(
        result, title=title, unit=option.unit, y_title=option.label, interventions=notes,
        show_near_lines=bool(state.get("pf_near")),
        subtitle=f"{PERFORMANCE_RULE_LABELS[rules]} rules; {PERFORMANCE_DIRECTION_LABELS[improvement].lower()}")
    words = ", ".join(filter(None, [
        option.label, where, f"by {kpis.GRAIN_LABELS[grain].lower()}",
        f"limits recalculated from {', '.join(format_month(d) for d in sorted(rebase_at))}" if rebase_at else None]))
    latest = summary.latest_date.strftime("%b %Y") if summary.latest_date is not None else "Latest"
    headline = [(f"Latest ({latest})", fmt(summary.latest_value)), ("Mean", fmt(summary.mean)),
                ("Target", fmt(summary.target) if summary.target is not None else "–")]
    data = result.rename(columns={"date": "Period", "value": "Value", "mean": "Mean", "lpl": "Lower process limit",
                                  "upl": "Upper process limit", "special_cause_detail": "Rule",
                                  "point_type": "Reading", "target": "Target", "trajectory": "Trajectory"})
    data = data[[c for c in ("Period", "Value", "Mean", "Lower process limit", "Upper process limit", "Reading",
                             "Target", "Trajectory") if c in data]]
    return Figure(title, chart.to_dict(validate=False), data, words, reading, headline, ds.name, "spc")


# ---- Savings scenarios ------------------------------------------------------------------------------------------------

# The Savings page's defaults, for a control a view does not hold (the page's own widgets start from these).
SAVINGS_BENCHMARK = "Socitm 2012 benchmark"
SAVINGS_DEFAULTS = {"sv_fd_pct": 20, "sv_nshift": 1, "sv_sh1_pct": 10, "sv_ht_pct": 5, "sv_oneoff": 25_000.0,
                    "sv_years": 3}
SAVINGS_RAMP = (50.0, 100.0, 100.0, 100.0, 100.0)


def _slug(channel: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "_", channel.lower()).strip("_") or "x"


def savings_levers(con, ds: store.Dataset, state: Mapping[str, Any]):
    """(baseline, levers, period) of a Savings view: the page's levers read from the view's controls."""
    from analysis import savings

    periods = savings.available_periods(con, ds.name)
    if not periods:
        raise StocktakeError(f"'{ds.name}' has no 12-month period to work savings out from.")
    by_key = {f"{start:%Y-%m}": (start, end) for start, end in periods}
    period = by_key.get(_get(state, "sv_period"), periods[0])
    base = savings.baseline(con, ds.name, *period)
    lookups = {d.name: d for d in store.list_datasets(con, kind="lookup") if {"channel", "unit_cost"} <= set(d.roles)}
    preset = _get(state, "sv_preset", next(iter(lookups), SAVINGS_BENCHMARK))
    lookup = savings.read_unit_cost_lookup(con, preset) if preset in lookups else None
    channels = list(base.channels)
    mapped = {savings.canonical_channel(c) for c in channels}
    channels += [c for c in savings.SOCITM_2012 if c not in mapped and c not in channels]
    if lookup is not None:
        channels += [c for c in lookup["channel"].astype(str) if c not in channels]
    table = savings.unit_cost_table(channels, lookup, preset if lookup is not None else None).set_index("channel")
    unit_costs: dict[str, float] = {}
    for ch in channels:
        key = f"sv_uc_{_slug(ch)}"
        cost = state[key] if key in state else table.loc[ch, "unit_cost"]
        if cost is not None and not pd.isna(cost):
            unit_costs[ch] = float(cost)
    data_minutes = base.by_channel().set_index("channel")["avg_minutes"]
    minutes = {ch: float(_get(state, f"sv_min_{_slug(ch)}", savings.default_minutes(ch))) for ch in channels
               if pd.isna(data_minutes.get(ch, float("nan")))}
    phone = next((c for c in channels if savings.canonical_channel(c) == "Phone"), channels[0])
    web = next((c for c in channels if savings.canonical_channel(c) == "Web"), channels[-1])
    shifts = []
    for i in range(1, int(_get(state, "sv_nshift", SAVINGS_DEFAULTS["sv_nshift"])) + 1):
        source = _get(state, f"sv_sh{i}_from", phone)
        target = _get(state, f"sv_sh{i}_to", web)
        share = float(_get(state, f"sv_sh{i}_pct", SAVINGS_DEFAULTS["sv_sh1_pct"] if i == 1 else 0))
        if source != target:
            shifts.append(savings.ChannelShift(source, target, share))
    years = int(_get(state, "sv_years", SAVINGS_DEFAULTS["sv_years"]))
    levers = savings.Levers(
        failure_pct=float(_get(state, "sv_fd_pct", SAVINGS_DEFAULTS["sv_fd_pct"])),
        failure_services=_strings(state.get("sv_fd_services")), failure_reasons=_strings(state.get("sv_fd_reasons")),
        shifts=tuple(shifts), handling_pct=float(_get(state, "sv_ht_pct", SAVINGS_DEFAULTS["sv_ht_pct"])),
        unit_costs=unit_costs, minutes_per_contact=minutes,
        fte_hour_cost=float(_get(state, "sv_fte_cost", savings.DEFAULT_FTE_HOUR_COST)),
        productive_hours=float(_get(state, "sv_fte_hours", savings.DEFAULT_PRODUCTIVE_HOURS)),
        one_off_cost=float(_get(state, "sv_oneoff", SAVINGS_DEFAULTS["sv_oneoff"])),
        ramp_up=tuple(float(_get(state, f"sv_ramp{i + 1}", SAVINGS_RAMP[i])) for i in range(years)), years=years)
    return base, levers, period


def _draw_savings(con, ds: store.Dataset, view: View) -> Figure:
    from analysis import savings
    from analysis.charts import savings as savings_charts
    from analysis.formatting import format_money

    if view.figure not in PAGES[SAVINGS_PAGE].figures:
        raise StocktakeError(f"The Savings page has no figure '{view.figure}': add the view again from the page.")
    if ds.kind != "records" or not {"date", "channel"} <= set(ds.roles):
        raise StocktakeError(f"'{ds.name}' is not a records dataset with dates and channels: savings need one.")
    base, levers, period = savings_levers(con, ds, view.state)
    result = savings.compute(base, levers)
    net = float(result.projection["cumulative_net"].iloc[-1])
    words = (f"Baseline {savings.period_label(*period)}: {format_count(base.total_contacts)} contacts; failure demand "
             f"cut {levers.failure_pct:,.0f}%, " + ", ".join(
                 f"{s.percent:,.0f}% moved from {s.from_channel} to {s.to_channel}" for s in levers.shifts)
             + (", " if levers.shifts else "") + f"handling time cut {levers.handling_pct:,.0f}%, one-off cost "
             f"{format_money(levers.one_off_cost)}, {levers.years} years")
    headline = [("Annual saving at full effect", format_money(result.total_saving)),
                (f"Net saving over {levers.years} years", format_money(net)),
                ("Staff time released", f"{result.fte_released:,.1f} FTE")]
    if view.figure == "waterfall":
        spec = savings_charts.waterfall_spec(result.waterfall)
        data = result.by_lever.rename(columns={"label": "Lever", "saving": "Saving (£ a year)",
                                               "contacts_avoided": "Contacts avoided",
                                               "contacts_moved": "Contacts moved", "minutes_saved": "Minutes saved"})
        data = data.drop(columns=[c for c in ("lever",) if c in data])
        reading = savings.explain(result)
    else:
        spec = savings_charts.projection_spec(result.projection, result.payback_year)
        data = result.projection.rename(columns={
            "year": "Year", "ramp_pct": "Share of full effect (%)", "gross_saving": "Saving (£)",
            "one_off_cost": "One-off cost (£)", "net_saving": "Net saving (£)", "cumulative_net": "Cumulative net (£)"})
        reading = (f"Net of the one-off cost, {format_money(net)} over {levers.years} years; "
                   + (f"pays back in year {result.payback_year}." if result.payback_year
                      else f"does not pay back within {levers.years} years."))
    return Figure(PAGES[SAVINGS_PAGE].figures[view.figure], spec, data, words, reading, headline, ds.name,
                  view.figure)


# ---- any view -------------------------------------------------------------------------------------------------------

_DRAWERS = {DEMAND_PAGE: _draw_demand, PERFORMANCE_PAGE: _draw_performance, SAVINGS_PAGE: _draw_savings}


def draw_view(con: duckdb.DuckDBPyConnection, view: View, *, dataset: str | None = None) -> Figure:
    """The figure a saved view shows. ``dataset`` is used when the view does not name one (the session's)."""
    drawer = _DRAWERS.get(view.page)
    if drawer is None:
        raise StocktakeError(f"Views of the page '{view.page}' cannot be drawn here: open the view's link instead.")
    return drawer(con, _dataset(con, view, dataset), view)


def figure_label(page: str, figure: str) -> str:
    """The figure's name as the page calls it ('Volume over time')."""
    views = PAGES.get(page)
    return views.figures.get(figure, figure) if views else figure


def default_title(page: str, figure: str, state: Mapping[str, Any]) -> str:
    """A facilitator's title to start from: the figure, and what it is narrowed to."""
    label = figure_label(page, figure)
    if page == DEMAND_PAGE:
        services = _strings(state.get("dm_service"))
        if 0 < len(services) <= 2:
            return f"{label}: {' and '.join(services)}"
    if page == PERFORMANCE_PAGE:
        kpi = _get(state, "pf_kpi")
        service = _get(state, "pf_service", kpis.ALL)
        if kpi:
            name = kpis.kpi_label(kpi, int(_get(state, "pf_days", kpis.DEFAULT_WITHIN_DAYS)))
            return name + (f": {service}" if service != kpis.ALL else "")
    return label


def url_params(page: str, state: Mapping[str, Any]) -> dict[str, list[str]]:
    """The query parameters a view's page writes for these controls (labels where the widget shows labels), so a
    view made outside the page (the demo's session) or in a test has the link the page would have given.

    ``False`` is left out: buttons keep ``False`` in the session's state too, and every checkbox here is off by
    default, so leaving it out opens the same view."""
    params: dict[str, list[str]] = {}
    if state.get("dataset"):
        params["dataset"] = [str(state["dataset"])]
    for key, value in state.items():
        if value is None or value is False or value in ("", []) or key == "dataset":
            continue
        if page == DEMAND_PAGE and key == "dm_grain":
            params[key] = [demand.GRAIN_LABELS.get(value, str(value))]
        elif page == DEMAND_PAGE and key == "dm_split":
            params[key] = [DEMAND_SPLIT_LABELS.get(value, str(value))]
        elif page == PERFORMANCE_PAGE and key == "pf_grain":
            params[key] = [kpis.GRAIN_LABELS.get(value, str(value))]
        elif page == PERFORMANCE_PAGE and key == "pf_kpi":
            params[key] = [kpis.kpi_label(value, int(_get(state, "pf_days", kpis.DEFAULT_WITHIN_DAYS)))]
        elif page == PERFORMANCE_PAGE and key == "pf_dir":
            params[key] = [PERFORMANCE_DIRECTION_LABELS.get(value, str(value))]
        elif page == PERFORMANCE_PAGE and key == "pf_rules":
            params[key] = [PERFORMANCE_RULE_LABELS.get(value, str(value))]
        elif page == PERFORMANCE_PAGE and key == "pf_service" and value == kpis.ALL:
            continue
        elif isinstance(value, bool):
            params[key] = [str(value).lower()]
        elif isinstance(value, (list, tuple)):
            params[key] = [str(v) for v in value]
        else:
            params[key] = [str(value)]
    return params
