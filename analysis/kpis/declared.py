"""Every figure of the Performance trends page, declared once (see :mod:`analysis.registry`): the KPI's SPC chart,
the small charts across areas or services, and the comparison with other organisations.

Each figure's inputs carry what it is drawn with, stored settings included (the direction, the target, the
trajectory, the interventions), so a change to any of them is a new cache key on every page and in presentation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from analysis import lookups, periods, store
from analysis.charts import spc as charts
from analysis.charts.templates import spc_template
from analysis.filters import Filters
from analysis.kpis import definitions, explained, peers, series, storage
from analysis.kpis.explained import DIRECTION_LABELS, RULE_LABELS, SPLIT_LABELS
from analysis.kpis.page import (ALL, BENCHMARK_DIRECTION_KEY, BENCHMARK_KEY, BENCHMARK_MEASURE_KEY, BENCHMARK_OWN_KEY,
                                PAGE, REBASE_DATE_KEY, REBASE_KEY, SMALL_MULTIPLES_BY_KEY, WORKING_DAYS_KEY,
                                PerformanceView, default_grain, notes)
from analysis.reads import CLASSIFICATION
from analysis.registry import Context, Figure, NotShown, register
from analysis.spend import kpi as spend_kpi
from analysis.spc import reading, xmr
from analysis.state import day, strings, value

MAX_SMALL_MULTIPLES = 20  # a council's wards fit; a file with hundreds of areas shows the 20 with the most data


def kpi_series(con, dataset: store.Dataset, kpi: str, grain: str, split: str | None, filters: Filters,
               within_days: int) -> pd.DataFrame:
    """``series.kpi_series`` with its options in order, for ``ctx.shared``."""
    return series.kpi_series(con, dataset, kpi, grain=grain, split=split, filters=filters, within_days=within_days)


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


# ---- the KPI's SPC chart ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Spc:
    """Everything the KPI's chart is drawn with."""

    kpi: str
    label: str
    unit: str
    missing: str | None  # why the KPI cannot be worked out (a sentence)
    title: str
    grain: str
    within_days: int
    filters: Filters
    series_name: str
    improvement: str
    rules: str
    near: bool
    target: float | None  # the stored target; None: a KPI series' own target column
    trajectory: tuple | None  # (start, start value, end, end value) as stored
    notes: pd.DataFrame  # the interventions on the chart: day, label, id
    rebase_at: tuple[pd.Timestamp, ...]
    working_days: bool = True  # a daily series of a service closed at weekends: weekdays only (the page's tick box)
    spending: tuple | None = None  # a spend KPI's paired spending (name, version, mapping): part of the cache key

    def fmt(self, number) -> str:
        return definitions.format_kpi_value(number, self.unit)


def rebase_points(notes_shown: pd.DataFrame, state) -> tuple[pd.Timestamp, ...]:
    """The points the limits are recalculated from: chosen interventions ('<day>|<id>') and a typed date."""
    by_key = {f"{row.day.date().isoformat()}|{row.id}": row.day for row in notes_shown.itertuples()}
    points = [by_key[k] for k in strings(state.get(REBASE_KEY)) if k in by_key]
    if day(state.get(REBASE_DATE_KEY)):
        points.append(pd.Timestamp(day(state.get(REBASE_DATE_KEY))))
    return tuple(points)


def trajectory(ctx: Context, ds: store.Dataset, kpi: str, series_name: str) -> dict | None:
    """The stored trajectory of a KPI's series, read once per run."""
    return ctx.once(("trajectory", str(store.default_db_path()), ds.name, kpi, series_name),
                    lambda: storage.get_trajectory(ctx.con, ds.name, kpi, series_name))


def _spc_inputs(ctx: Context, ds: store.Dataset, view: PerformanceView, state) -> Spc:
    shown = notes(ctx, ds, view.service)
    stored = trajectory(ctx, ds, view.kpi, view.series_name)
    kept = None if not stored else tuple(stored[k] for k in ("start_period", "start_value", "end_period",
                                                                    "end_value"))
    return Spc(view.kpi, view.option.label, view.option.unit, view.option.missing, view.title, view.grain,
               view.within_days, view.filters, view.series_name, view.improvement, view.rules, view.show_near,
               view.stored_target, kept, shown[["day", "label", "id"]].reset_index(drop=True),
               rebase_points(shown, state), bool(value(state, WORKING_DAYS_KEY, True)),
               spend_kpi.pair_stamp(ctx, ds) if spend_kpi.is_spend_kpi(view.kpi) else None)


@dataclass(frozen=True)
class SpcResult:
    frame: pd.DataFrame  # xmr's frame
    summary: reading.SpcSummary  # what the two MDC icons say
    variation: str  # the chart in a sentence (the reading without the assurance)
    working_days_only: bool = False  # weekends left out: every Saturday and Sunday of the daily series has none


def spc_values(ctx: Context, ds: store.Dataset, p: Spc) -> tuple[pd.DataFrame, bool]:
    """The KPI's series as the chart uses it, and whether its weekends were left out: a daily series of a service
    closed at weekends is read on working days only (unless the page's tick box is cleared), or the weekend zeros
    would pull the mean down and widen the limits."""
    if spend_kpi.is_spend_kpi(p.kpi):  # cost per outcome: from the paired spending, not the KPI cube
        return spend_kpi.kpi_series(ctx, ds, p.kpi, p.grain, None, p.filters), False
    values = ctx.shared(kpi_series, ds, p.kpi, p.grain, None, p.filters, p.within_days, reads=(CLASSIFICATION,))
    if p.grain == "day" and p.working_days and series.closed_at_weekends(values):
        return series.working_days_only(values), True
    return values, False


def _spc(ctx: Context, ds: store.Dataset, p: Spc) -> SpcResult:
    if p.missing:
        raise NotShown(p.missing)
    values, weekdays = spc_values(ctx, ds, p)
    points = int(values["value"].notna().sum())
    if points < 2:
        raise NotShown(f"{p.title} has {points} period{'s' if points != 1 else ''} with a value: an SPC chart needs "
                       "at least 2. Choose another KPI, service or a shorter period.")
    along = None
    if p.trajectory:
        stored = dict(zip(("start_period", "start_value", "end_period", "end_value"), p.trajectory))
        along = storage.trajectory_values(stored, values["period"]).to_numpy(dtype=float)
    # A target saved on the page wins; otherwise a KPI series' own target column, point by point.
    frame = xmr.xmr(values["value"].to_numpy(dtype=float), dates=values["period"], improvement=p.improvement,
                    target=p.target if p.target is not None else values["target"].to_numpy(dtype=float),
                    trajectory=along, rebase_at=list(p.rebase_at), rules=p.rules,
                    # A count cannot be negative: its lower limit is never below zero (and the chart says so).
                    lower_bound=definitions.lower_bound_for(p.unit, values["value"]))
    return SpcResult(frame, reading.summarise(frame, p.improvement), reading.reading(frame, p.improvement, p.fmt, p.grain),
                     weekdays)


def spc_subtitle(result: SpcResult, p: Spc) -> str:
    words = [f"{RULE_LABELS[p.rules]} rules", DIRECTION_LABELS[p.improvement].lower()]
    if result.summary.lpl_floored:
        words.append("lower limit set at zero (a count cannot be negative)")
    if result.working_days_only:
        words.append("working days only (none on any Saturday or Sunday)")
    return "; ".join(words)


def _spc_headline(result: SpcResult, p: Spc) -> list[tuple[str, str]]:
    s = result.summary
    latest = periods.period_label(s.latest_date, p.grain) if s.latest_date is not None else ""
    return [(f"Latest ({latest})", p.fmt(s.latest_value)), ("Mean", p.fmt(s.mean)),
            ("Target", p.fmt(s.target) if s.target is not None else "–"),
            ("Lower limit", "–" if s.lpl is None else p.fmt(s.lpl)),
            ("Upper limit", "–" if s.upl is None else p.fmt(s.upl))]


def _spc_words(view: PerformanceView, p: Spc) -> str:
    rebased = ("limits recalculated from " + ", ".join(periods.period_words(d, "month") for d in sorted(p.rebase_at))
               if p.rebase_at else None)
    return ", ".join(filter(None, [view.words(), rebased]))


SPC = register(Figure(
    PAGE, "spc", "The KPI's SPC chart", _spc_inputs, _spc,
    chart=lambda result, p: spc_template(
        result.frame, title=p.title, unit=p.unit, y_title=p.label, grain=p.grain, interventions=p.notes,
        show_near_lines=p.near, subtitle=spc_subtitle(result, p)),
    table=lambda result: result.frame, columns=explained.SPC_COLUMNS,
    reading=lambda result, p: f"{result.variation} {assurance_sentence(result.summary, p.fmt)}",
    headline=_spc_headline,
    how=lambda result, p: explained.how_to_read(result.frame.attrs["trend_points"],
                                                result.frame.attrs["shift_points"]),
    how_title="How to read this chart", words=_spc_words, spinner="Working out the KPI…"))


# ---- small charts across areas or services ------------------------------------------------------------------------

@dataclass(frozen=True)
class Small:
    kpi: str
    label: str
    unit: str
    missing: str | None
    grain: str
    by: str
    filters: Filters  # without the split's own filter
    within_days: int
    improvement: str
    rules: str
    target: float | None
    notes: pd.DataFrame  # day, label
    spending: tuple | None = None  # as Spc's


@dataclass(frozen=True)
class SmallMultiples:
    frames: pd.DataFrame  # series_spc's frame of the series shown
    shown: int
    total: int


def compare_roles(view: PerformanceView) -> list[str]:
    return [r for r in ("area", "service") if view.split_values.get(r)]


def _small_inputs(ctx: Context, ds: store.Dataset, view: PerformanceView, state) -> Small:
    roles = compare_roles(view) or ["area"]
    by = value(state, SMALL_MULTIPLES_BY_KEY, roles[0])
    by = by if by in roles else roles[0]
    filters = view.filters.without(by)
    shown = notes(ctx, ds, filters.services[0] if filters.services else ALL)
    return Small(view.kpi, view.option.label, view.option.unit, view.option.missing, view.grain, by, filters,
                 view.within_days, view.improvement, view.rules, view.stored_target if by == "area" else None,
                 shown[["day", "label"]].reset_index(drop=True),
                 spend_kpi.pair_stamp(ctx, ds) if spend_kpi.is_spend_kpi(view.kpi) else None)


def _small(ctx: Context, ds: store.Dataset, p: Small) -> SmallMultiples:
    if p.missing:
        raise NotShown(p.missing)
    if p.by not in ds.roles:
        raise NotShown("This dataset has no areas or services to compare.")
    many = spend_kpi.kpi_series(ctx, ds, p.kpi, p.grain, p.by, p.filters) if spend_kpi.is_spend_kpi(p.kpi) else \
        ctx.shared(kpi_series, ds, p.kpi, p.grain, p.by, p.filters, p.within_days, reads=(CLASSIFICATION,))
    many, total = series.top_series(many, MAX_SMALL_MULTIPLES)
    if many.empty:
        raise NotShown("No area or service has 2 or more periods with a value.")
    frames = series.series_spc(many, improvement=p.improvement, rules=p.rules, target=p.target, unit=p.unit)
    return SmallMultiples(frames, min(total, MAX_SMALL_MULTIPLES), total)


def _small_chart(found: SmallMultiples, p: Small) -> dict:
    scope = ", ".join(p.filters.services + p.filters.areas + p.filters.channels) or (
        "all services" if p.by == "area" else "all areas")
    # The chart's Vega-Lite is kept per shape of chart and only the data is filled in (most of the cost was Altair).
    template, data = charts.small_multiples_template(
        found.frames, title=f"{p.label} by {SPLIT_LABELS[p.by].lower()}: {scope}", unit=p.unit, y_title=p.label,
        subtitle="Each chart has its own mean and limits; the scales differ.", interventions=p.notes, grain=p.grain)
    return {**template, "datasets": {**(template.get("datasets") or {}), charts.SMALL_MULTIPLES_DATA: data}}


def _small_reading(found: SmallMultiples, p: Small) -> str:
    latest = found.frames.sort_values("date").groupby("series").tail(1)
    kinds = latest["point_type"].value_counts()
    word = SPLIT_LABELS[p.by].lower()
    sentence = (f"{found.shown} {word}{'s' if found.shown != 1 else ''}"
                + (f" (of {found.total:,}, those with the most data)" if found.shown < found.total else ""))
    return (f"{sentence}, each with its own mean and limits; the latest point is a special cause improvement in "
            f"{int(kinds.get(xmr.IMPROVEMENT, 0))} and a concern in {int(kinds.get(xmr.CONCERN, 0))}.")


SMALL_MULTIPLES = register(Figure(
    PAGE, "small_multiples", "Small charts by area or service", _small_inputs, _small, chart=_small_chart,
    table=lambda found: found.frames, columns={"series": "Area or service", **explained.SPC_COLUMNS},
    reading=_small_reading,
    headline=lambda found, p: [("Shown", f"{found.shown:,} of {found.total:,}")],
    how=lambda found, p: explained.how_to_read(found.frames.attrs.get("trend_points", 7),
                                               found.frames.attrs.get("shift_points", 7)),
    how_title="How to read these charts",
    words=lambda view, p: ", ".join(filter(None, [p.label, f"by {SPLIT_LABELS[p.by].lower()}",
                                                  f"by {periods.GRAIN_LABELS[p.grain].lower()}"]))))


# ---- the peer comparison ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Peers:
    benchmark: tuple[str, int] | None  # the benchmark dataset (name, version) compared with; None: there is none
    grain: str
    measure: str
    own: str
    better: str


def benchmarks(ctx: Context, ds: store.Dataset) -> list[store.Dataset]:
    """The benchmark datasets this dataset's page compares with (itself when it is one, and the one chosen for it)."""
    return peers.benchmarks_for(ctx.con, ds, ctx.lookup(ds, lookups.BENCHMARK))


def _peer_inputs(ctx: Context, ds: store.Dataset, view: PerformanceView, state) -> Peers:
    found = benchmarks(ctx, ds)
    if not found:
        return Peers(None, "month", "", "", "increase")
    names = [b.name for b in found]
    bench = found[names.index(state[BENCHMARK_KEY])] if state.get(BENCHMARK_KEY) in names else found[0]
    measures = ctx.shared(definitions.kpi_measures, bench)
    areas = ctx.shared(peers.organisations, bench)
    measure = value(state, BENCHMARK_MEASURE_KEY, measures[0] if measures else "")
    own = value(state, BENCHMARK_OWN_KEY, areas[0] if areas else "")
    better = value(state, BENCHMARK_DIRECTION_KEY, "increase")
    return Peers((bench.name, bench.version), ctx.shared(default_grain, bench),
                 measure if measure in measures or not measures else measures[0],
                 own if own in areas or not areas else areas[0], better if better in DIRECTION_LABELS else "increase")


def _peers(ctx: Context, ds: store.Dataset, p: Peers) -> pd.DataFrame:
    if p.benchmark is None:
        raise NotShown("To compare with other organisations, load a benchmark dataset on the Data page (a KPI series "
                       "with the roles Period, Area: your organisation and each comparator, Measure and Value) and "
                       "open it here, or choose it for this dataset.")
    bench = ctx.dataset(p.benchmark[0])
    if not p.own:
        raise NotShown(f"'{bench.name}' has no organisations named in its Area column.")
    frame = peers.peer_comparison(ctx.con, bench, p.measure, p.own, improvement=p.better)
    if frame.empty:
        raise NotShown(f"No period has values for both {p.own} and its comparators.")
    return frame


def _peer_headline(frame: pd.DataFrame, p: Peers) -> list[tuple[str, str]]:
    last = frame.iloc[-1]
    fmt = lambda v: definitions.format_kpi_value(v, definitions.kpi_unit(p.measure))  # noqa: E731
    return [(f"Rank in {periods.period_words(last['period'], p.grain)}", f"{int(last['rank'])} of {int(last['of'])}"),
            ("Quartile", f"{int(last['quartile'])} of 4"),
            ("Distance from the comparators' median", f"{last['distance_from_median']:+,.1f}"),
            ("Median of all organisations", fmt(last["median_all"]))]


def _peer_reading(frame: pd.DataFrame, p: Peers) -> str:
    last = frame.iloc[-1]
    side = {True: "better than", False: "worse than"}.get(last["better_than_median"], "level with")
    sentence = (f"In {periods.period_words(last['period'], p.grain)} {p.own} ranked {int(last['rank'])} of "
                f"{int(last['of'])} on {p.measure} (quartile {int(last['quartile'])}), {side} the comparators' median.")
    return " ".join(filter(None, [sentence, national_caption(frame, p)]))


def national_caption(frame: pd.DataFrame, p: Peers) -> str:
    """The nation's own figure in the latest period, where the data carry one (a national total row or column), or ''."""
    last = frame.iloc[-1]
    label = frame.attrs.get("national_label")
    if not label or pd.isna(last.get("national")):
        return ""
    value_ = definitions.format_kpi_value(last["national"], definitions.kpi_unit(p.measure))
    return (f"{label}: {value_} in {periods.period_words(last['period'], p.grain)} (the national figure the data "
            "carry, drawn as the dotted line; it is not one of the comparators).")


PEERS = register(Figure(
    PAGE, "peers", "Peer comparison", _peer_inputs, _peers,
    chart=lambda frame, p: charts.build_peer_chart(
        frame, title=f"{p.measure}: {p.own} and its comparators", own_label=p.own,
        unit=definitions.kpi_unit(p.measure), y_title=p.measure, grain=p.grain,
        national_label=frame.attrs.get("national_label")),
    columns={"period": "Period", "own_value": "Your value", "comparator_median": "Comparators' median",
             "comparator_q1": "Comparators' 25th percentile", "comparator_q3": "Comparators' 75th percentile",
             "median_all": "Median of all", "rank": "Rank", "of": "Of", "quartile": "Quartile"},
    reading=_peer_reading, headline=_peer_headline, how=peers.PEER_CAUTION,
    how_title="Before comparing", words=lambda view, p: (f"{p.measure}, {p.own} against the other organisations in "
                                                         f"'{p.benchmark[0]}'" if p.benchmark else view.words())))


# ---- a measure published only as multi-year spans -----------------------------------------------------------------

@dataclass(frozen=True)
class Spans:
    kpi: str
    label: str
    unit: str
    scope: str  # the service and area in words
    filters: Filters


def _span_inputs(ctx: Context, ds: store.Dataset, view: PerformanceView, state) -> Spans:
    return Spans(view.kpi, view.option.label, view.option.unit,
                 definitions.series_scope(ds, view.service, view.area), view.filters)


def _spans(ctx: Context, ds: store.Dataset, p: Spans) -> pd.DataFrame:
    found = series.span_series(ctx.con, ds, p.kpi, p.filters) if ds.kind == "kpi" else pd.DataFrame()
    if not len(found):
        raise NotShown(f"{p.label} has no multi-year spans ('2010-14') in this dataset.")
    return found


SPANS = register(Figure(
    PAGE, "spans", "A measure by multi-year span", _span_inputs, _spans,
    chart=lambda found, p: charts.build_span_chart(found, title=f"{p.label} by multi-year span: {p.scope}",
                                                   unit=p.unit, y_title=p.label),
    columns={"span": "Span", "value": "Value", "n": "Rows"},
    reading=lambda found, p: (f"{p.label} is published as multi-year spans ({len(found)}, such as "
                              f"'{found['span'].iloc[0]}'), not single years: they are charted on their own, in "
                              "order of the spans, with no SPC limits (the spans overlap)."),
    how="Multi-year spans ('2010-14') overlap one another, so they are never mixed with single years and have no "
        "process limits: each bar is the mean of the span's values over the rows chosen.",
    how_title="About spans", offered=lambda ds: ds.kind == "kpi" and series.span_column(ds) is not None))
