"""A stocktake agenda in one click: the standard session for a dataset, with the facilitator's question beside each figure.

The method's order: demand (its volume, and what drives it), failure demand, repeat demand, the KPIs that are changing,
what a change would save, and what the council spends where a spending dataset goes with the records. Each step names
figures of the registry (:mod:`analysis.explore`), so the agenda only holds figures the dataset's roles allow: each is
drawn (through the caller's context: in the app the one cache, so presenting it afterwards is quick), and a figure that
cannot show anything (a role missing, no reasons classified, no customer id…) is left out with its own sentence saying
why. The question is written from what the figure found ("Records have run above their usual level since March 2025:
what is driving the rise since March 2025?"), so a manager new to the method can run a first session without
preparing one.

:func:`plan` works the agenda out (nothing is written); :func:`start` makes it a session: the items with their
questions, and a note saying what was left out and why (so the pack says it too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

import numpy as np
import pandas as pd

from analysis import explore, periods, registry, store
from analysis.demand import readings
from analysis.errors import StocktakeError
from analysis.formatting import format_count, format_money, format_percent
from analysis.kpis import definitions, page as kpi_page, series as kpi_series
from analysis.spc import reading as spc_reading
from analysis.spend import matching
from analysis.workshop import notes, sessions

MAX_KPIS = 3  # a first session gets through three changing KPIs; the rest are named in what was left out
LEFT_OUT_TOPIC = "Left out of the agenda"
MIN_COUNT = 30  # below this a share or a change is too few to ask the room about (the Demand page's threshold)
MIN_POINTS = 12  # fewer complete periods than this and an SPC chart cannot tell change from noise (about 13 points)

VOLUME, DRIVERS, FAILURE, REPEAT, KPIS, SAVINGS, SPEND = (
    "Volume", "What drives it", "Failure demand", "Repeat demand", "KPIs that are changing", "What a change would save",
    "Spend")


@dataclass(frozen=True)
class Planned:
    """One figure of the agenda: the view that shows it, its title and the facilitator's question."""

    step: str
    page: str
    figure: str
    state: dict[str, Any]
    title: str
    question: str

    @property
    def view(self) -> sessions.View:
        return sessions.View(self.page, self.figure, explore.url_params(self.page, self.state), self.state)


@dataclass(frozen=True)
class LeftOut:
    step: str
    why: str


@dataclass(frozen=True)
class Agenda:
    dataset: str
    items: tuple[Planned, ...]
    left_out: tuple[LeftOut, ...] = field(default_factory=tuple)

    def left_out_sentence(self) -> str:
        """What was left out and why, one line per reason (empty when nothing was)."""
        steps: dict[str, list[str]] = {}
        for gap in self.left_out:
            steps.setdefault(gap.why, []).append(gap.step)
        return "\n".join(f"{', '.join(dict.fromkeys(names))}: {why}" for why, names in steps.items())


# ---- reading what a figure found ----------------------------------------------------------------------------------

def _quoted(value: Any) -> str:
    return f"'{value}'"


def current_run(frame: pd.DataFrame) -> tuple[str, int, pd.Timestamp] | None:
    """The latest point's special cause, if it has one: (point type, direction +1/-1, the period the run began)."""
    points = frame.dropna(subset=["value"]).sort_values("date")
    if points.empty:
        return None
    kinds = points["point_type"].to_numpy(dtype=object)
    sides = np.sign(points["special_cause_direction"].to_numpy(dtype=float))
    if kinds[-1] == spc_reading.COMMON_CAUSE or sides[-1] == 0:
        return None
    start = len(points) - 1
    while start > 0 and kinds[start - 1] == kinds[-1] and sides[start - 1] == sides[-1]:
        start -= 1
    return str(kinds[-1]), int(sides[-1]), pd.Timestamp(points["date"].iloc[start])


def kpi_spc(con, ds: store.Dataset, kpi: str, grain: str, improvement: str) -> pd.DataFrame:
    """A KPI's SPC chart over the whole dataset (the total series), as the Performance page starts it."""
    found = kpi_series.kpi_series(con, ds, kpi, grain=grain)
    found = found[found["series"] == definitions.ALL] if (found["series"] == definitions.ALL).any() else found
    return kpi_series.series_spc(found, improvement=improvement, unit=definitions.kpi_unit(kpi))


def _since(ctx: registry.Context, ds: store.Dataset, kpi: str, grain: str, improvement: str):
    frame = ctx.shared(kpi_spc, ds, kpi, grain, improvement)
    run = current_run(frame) if len(frame) else None
    return None if run is None else (run[0], run[1], periods.period_words(run[2], grain), frame)


# ---- the questions, one per step, from what each figure found ------------------------------------------------------

def _volume_question(ctx, ds, drawn: registry.Drawn) -> str:
    grain = drawn.inputs.grain
    run = _since(ctx, ds, "volume", grain, "neutral")
    if run is not None:
        _, side, since, _ = run
        if side > 0:
            return (f"Records have run above their usual level since {since} (the SPC chart's signal): what is "
                    f"driving the rise since {since}?")
        return (f"Records have run below their usual level since {since}: what is behind the fall since {since}, "
                "and will it last?")
    frame = drawn.result
    done = frame.loc[~frame["incomplete"].astype(bool), "count"] if "incomplete" in frame else frame["count"]
    unit = periods.GRAIN_LABELS[grain].lower()
    if len(done) < MIN_POINTS:
        return (f"{format_count(int(frame['count'].sum()))} records over {len(frame):,} {unit}s: too few {unit}s to "
                "tell whether demand is changing. What makes it up, and is it what the service expects?")
    return (f"Records vary around {format_count(float(done.mean()))} a {unit} with no signal of change: is that the "
            "demand the service is set up for, and what makes it up?")


def _periods_words(p) -> str:
    """'the 12 months to October 2025 against the 12 before', or the two periods' dates."""
    (a0, a1), (b0, b1) = p.first, p.second
    if (b1 - b0).days in range(363, 367) and (a1 - a0).days in range(363, 367) and (b0 - a1).days == 1:
        return f"in the 12 months to {b1:%B %Y} against the 12 before"
    return f"from {p.labels[0]} to {p.labels[1]}"


def _change_question(ctx, ds, drawn: registry.Drawn) -> str:
    found = drawn.result[0]
    by = explore.figure("demand-drivers", "change").headings(drawn.inputs).get("category", "group").lower()
    rows = found.contributions
    if found.before_total < MIN_COUNT or rows.empty:
        return "Too few records in the first period to compare: which reasons make up the demand now?"
    top = rows.iloc[0]
    moved = f"{format_count(abs(int(top['change'])))} {'more' if top['change'] > 0 else 'fewer'}"
    when = _periods_words(drawn.inputs)
    relative = found.relative_change
    if relative is not None and abs(relative) < 0.02:
        return f"Records hardly changed {when}, but the {by} {_quoted(top['category'])} had {moved}: why?"
    rose = found.total_change > 0
    total = (f"Records {'rose' if rose else 'fell'} by {format_count(abs(found.total_change))}"
             + (f" ({format_percent(abs(relative))})" if relative is not None else "") + f" {when}")
    if (top["change"] > 0) == rose:
        return f"{total}, most of all the {by} {_quoted(top['category'])} ({moved}): what is driving it?"
    return f"{total}, but the {by} {_quoted(top['category'])} had {moved}: what happened there?"


def _pareto_question(ctx, ds, drawn: registry.Drawn) -> str:
    found = drawn.result
    top = found.frame.iloc[0]
    return (f"{format_count(found.reasons_for_share)} of {format_count(len(found.frame))} reasons make up 80% of "
            f"records, led by {_quoted(top['reason'])} ({format_percent(top['share'])}). Which of these could the "
            "service prevent, or put right the first time?")


def _failure_question(ctx, ds, drawn: registry.Drawn) -> str:
    frame = drawn.result
    share, _, unclassified = readings.failure_overall(frame)
    question = f"Failure demand is {format_percent(share)} of classified contacts"
    ranked = frame.dropna(subset=["failure_share"]).sort_values("failure_share", ascending=False)
    if "group" in ranked and len(ranked):
        question += f", highest in {_quoted(ranked.iloc[0]['group'])} ({format_percent(ranked.iloc[0]['failure_share'])})"
    question += ": what is the service failing to do, or do right, for these customers?"
    if unclassified == unclassified and unclassified > 0.2:
        question += f" ({format_percent(unclassified)} of contacts have reasons not yet classified.)"
    return question


def _repeat_question(ctx, ds, drawn: registry.Drawn) -> str:
    found = drawn.result
    frame = found.by_reason[found.by_reason["contacts"] >= MIN_COUNT].sort_values("repeats", ascending=False)
    question = (f"{format_percent(found.rate)} of contacts came within {found.window_days} days of an earlier one "
                "from the same customer")
    if len(frame):
        top = frame.iloc[0]
        question += f", most often about {_quoted(top['reason'])} ({format_percent(top['repeat_rate'])} of them repeats)"
    return question + ". Why do people have to come back?"


def _kpi_question(label: str, unit: str, kind: str, side: int, since: str, latest: float) -> str:
    value = definitions.format_kpi_value(latest, unit)
    where = "above" if side > 0 else "below"
    if kind == spc_reading.IMPROVEMENT:
        return (f"{label} has been {where} its usual range since {since} (latest {value}), an improvement: what "
                "changed, and how do we keep it?")
    if kind == spc_reading.CONCERN:
        return (f"{label} has been {where} its usual range since {since} (latest {value}), the wrong way: what "
                "changed, and what should we do about it?")
    return f"{label} has moved {where} its usual range since {since} (latest {value}): is that the change we expected?"


def _savings_question(ctx, ds, drawn: registry.Drawn) -> str:
    result = drawn.result
    levers = result.by_lever.sort_values("saving", ascending=False)
    question = f"The starting scenario saves {format_money(result.total_saving)} a year at full effect"
    if len(levers) and levers.iloc[0]["saving"] > 0:
        question += f", most of it from {levers.iloc[0]['label'].lower()}"
    return question + ": which lever is within our reach, and what would it take?"


def _unit_cost_question(ctx, ds, drawn: registry.Drawn) -> str:
    costs = drawn.result
    priced = costs.by_service.dropna(subset=["unit_cost"]).sort_values("unit_cost", ascending=False)
    top = priced.iloc[0]
    overall = priced["spend"].sum() / priced["contacts"].sum()
    return (f"Spend per contact is {format_money(overall, 2)} over the matched services (an upper bound), "
            f"{format_money(top['unit_cost'], 2)} in {_quoted(top['service'])}: where would fewer contacts free "
            "the most money?")


# ---- the plan ------------------------------------------------------------------------------------------------------

def _draw(ctx, page: str, figure: str, state: dict) -> registry.Drawn | str:
    """The figure drawn for this view, or the sentence saying why it cannot be shown."""
    try:
        drawn = explore.draw_saved(ctx, sessions.View(page, figure, {}, state))
    except StocktakeError as exc:
        return str(exc)
    return drawn.note or drawn


class _Builder:
    def __init__(self, ctx: registry.Context, ds: store.Dataset):
        self.ctx, self.ds = ctx, ds
        self.items: list[Planned] = []
        self.left_out: list[LeftOut] = []

    def add(self, step: str, page: str, figure: str, state: dict, question: Callable, title: str | None = None,
            why_not: str | None = None) -> bool:
        """Draw the figure and add it with its question; or say why it was left out. True when added."""
        state = {"dataset": state.pop("dataset", self.ds.name), **state}
        drawn = _draw(self.ctx, page, figure, state)
        if isinstance(drawn, str):
            self.left_out.append(LeftOut(step, why_not or drawn))
            return False
        try:
            asked = question(self.ctx, self.ds, drawn)
        except (KeyError, IndexError, AttributeError, TypeError, ValueError):
            # A result of an unexpected shape must not cost the agenda its figure: ask from its reading instead.
            asked = f"{drawn.reading} What does the room make of it?"
        self.items.append(Planned(step, page, figure, state, title or explore.figure_label(page, figure), asked))
        return True

    def skip(self, step: str, why: str) -> None:
        self.left_out.append(LeftOut(step, why))


def _records(b: _Builder) -> None:
    ds = b.ds
    # The grain that gives the chart enough points (five days of records: by day), as the Performance page starts.
    b.add(VOLUME, "demand-drivers", "volume", {"dm_grain": kpi_page.default_grain(b.ctx.con, ds)}, _volume_question,
          "Volume over time")
    if "reason" in ds.roles:
        b.add(DRIVERS, "demand-drivers", "change", {"dm_change_by": "reason"}, _change_question,
              "What changed between two periods, by reason")
        b.add(DRIVERS, "demand-drivers", "pareto", {}, _pareto_question, "Top reasons")
    else:
        b.skip(DRIVERS, registry.needs_sentence("What drives demand (top reasons, what changed)", ["reason"]))
    failure = "failure_service" if "service" in ds.roles else "failure_channel" if "channel" in ds.roles \
        else "failure_trend"
    b.add(FAILURE, "demand-drivers", failure, {}, _failure_question)
    b.add(REPEAT, "demand-drivers", "repeat_reason", {}, _repeat_question, "Repeat demand by reason")
    _changing_kpis(b)
    b.add(SAVINGS, "savings-scenarios", "waterfall", {}, _savings_question, "What a change would save")
    pair = None if "service" not in ds.roles else matching.pair_for(b.ctx, ds)
    if pair is None:
        b.skip(SPEND, "No spending dataset goes with these records (none chosen for them on the Spend page, and none "
                      "whose services match at least half of theirs): load the council's payments to add it.")
    else:
        b.add(SPEND, "council-spend", "unit_costs", {"dataset": pair.spend, "sp_records": ds.name},
              _unit_cost_question, "Spend per contact")


def _changing_kpis(b: _Builder) -> None:
    """The KPIs whose latest point is a special cause (concerns first), from the Performance page's SPC readings."""
    ds, con = b.ds, b.ctx.con
    grain = kpi_page.default_grain(con, ds)
    directions, targets = kpi_page.settings(b.ctx, ds)
    offered = {o.key: o for o in definitions.available_kpis(con, ds) if o.missing is None}
    if not offered:
        b.skip(KPIS, "This dataset offers no KPI to chart (see the Performance trends page for what each needs).")
        return
    matrix = b.ctx.shared(_summary, ds, grain, tuple(sorted(directions.items())),
                          tuple(sorted((k, v) for k, v in targets.items())))
    total = matrix[(matrix["series"] == definitions.ALL) & matrix["kpi"].isin(list(offered))
                   & (matrix["kpi"] != "volume")]
    order = {spc_reading.CONCERN: 0, spc_reading.NEUTRAL: 1, spc_reading.IMPROVEMENT: 2}
    if total.empty:
        others = [o.label for k, o in offered.items() if k != "volume"]
        b.skip(KPIS, (f"The other KPIs this dataset offers ({', '.join(others)}) have no values by "
                      f"{periods.GRAIN_LABELS[grain].lower()} to read a change from." if others else
                      "Volume is this dataset's only KPI (the others need roles it has not been given: see the "
                      "Performance trends page), and it is on the agenda already."))
        return
    read = total[total["points"] >= MIN_POINTS]  # a signal from fewer points is not one to build a session on
    changing = read[read["variation"].isin(list(order))].copy()
    if changing.empty and read.empty:
        b.skip(KPIS, f"Too few {periods.GRAIN_LABELS[grain].lower()}s of data for an SPC chart to tell a change in "
                     "any KPI from noise.")
        return
    if changing.empty:
        b.skip(KPIS, f"None of the {len(read):,} KPIs shows a signal at its latest point (common cause variation): "
                     "nothing is changing, so the agenda singles none out.")
        return
    changing["_order"] = changing["variation"].map(order)
    changing = changing.sort_values(["_order"], kind="stable")
    for row in changing.head(MAX_KPIS).itertuples():
        run = _since(b.ctx, ds, row.kpi, grain, row.improvement)
        since = run[2] if run else periods.period_words(pd.Timestamp(row.latest_period), grain)
        side = run[1] if run else (1 if row.variation_side == "high" else -1)
        b.add(KPIS, "performance-trends", "spc", {"pf_kpi": row.kpi},
              lambda ctx, d, drawn, r=row, s=since, sd=side: _kpi_question(r.kpi_label, r.unit, r.variation, sd, s,
                                                                           r.latest_value),
              f"{row.kpi_label}: is it changing?")
    rest = changing.iloc[MAX_KPIS:]
    if len(rest):
        b.skip(KPIS, f"Also changing, left for another session (a first one gets through {MAX_KPIS}): "
                     + ", ".join(rest["kpi_label"]) + ". See the Performance trends page.")


def _summary(con, ds: store.Dataset, grain: str, directions: tuple, targets: tuple) -> pd.DataFrame:
    return kpi_series.summary_matrix(con, ds, split=None, grain=grain, directions=dict(directions),
                                     targets=dict(targets))


def _spend(b: _Builder) -> None:
    reading_of = lambda ctx, ds, drawn: f"{drawn.reading} What explains it?"  # noqa: E731
    b.add(SPEND, "council-spend", "spc", {}, lambda ctx, ds, drawn: _spend_spc_question(drawn), "Monthly spend")
    b.add(SPEND, "council-spend", "by_service", {}, lambda ctx, ds, drawn: (
        f"{drawn.reading} Is that where the council means its money to go?"), "Spend by service")
    b.add(SPEND, "council-spend", "change", {}, reading_of, "What changed in spend")
    linked = matching.records_for(b.ctx, b.ds)
    if linked:
        b.add(SPEND, "council-spend", "unit_costs", {"sp_records": linked[0].name}, _unit_cost_question,
              "Spend per contact")
    for step in (VOLUME, FAILURE, REPEAT, SAVINGS):
        b.skip(step, "Needs contact records (a records dataset): start a stocktake from those for demand, failure and "
                     "repeat demand and what a change would save.")


def _spend_spc_question(drawn: registry.Drawn) -> str:
    run = current_run(drawn.result)
    if run is None:
        return "Monthly spend varies with no signal of change: which services make up most of it?"
    since = periods.period_words(run[2], "month")
    return (f"Monthly spend has run {'above' if run[1] > 0 else 'below'} its usual level since {since}: what changed "
            f"in {since}?")


def plan(ctx: registry.Context, dataset: store.Dataset) -> Agenda:
    """The standard stocktake agenda for a dataset, each figure with its question, and what was left out and why."""
    b = _Builder(ctx, dataset)
    if dataset.kind == "records":
        if "date" not in dataset.roles:
            raise StocktakeError(registry.needs_sentence("A stocktake of these records", ["date"]))
        _records(b)
    elif dataset.kind == "kpi":
        for step in (VOLUME, DRIVERS, FAILURE, REPEAT, SAVINGS):
            b.skip(step, "Needs contact records (a records dataset), not a KPI series: load the records behind these "
                         "KPIs to add it.")
        _changing_kpis(b)
    elif dataset.kind == "spend":
        _spend(b)
    else:
        raise StocktakeError(f"'{dataset.name}' is a lookup: start a stocktake from the records, KPIs or spending it "
                             "serves.")
    if not b.items:
        raise StocktakeError(f"Nothing in '{dataset.name}' can be shown yet: " + b.left_out[0].why if b.left_out
                             else f"Nothing in '{dataset.name}' can be shown yet.")
    return Agenda(dataset.name, tuple(b.items), tuple(b.left_out))


def session_title(con, dataset: str, today: date) -> str:
    """'Stocktake of <dataset>, 3 December 2026', with (2), (3)… when that title is taken."""
    base = sessions.clean_title(f"Stocktake of {dataset[:80]}, {today:%-d %B %Y}")
    taken = {s.title.lower() for s in sessions.list_sessions(con)}
    title, n = base, 2
    while title.lower() in taken:
        title, n = f"{base} ({n})", n + 1
    return title


def start(con, agenda: Agenda, *, user: str | None = None, today: date | None = None) -> int:
    """Make the agenda a session held today: its figures with their questions, and a note of what was left out."""
    today = today or date.today()
    session_id = sessions.create_session(con, session_title(con, agenda.dataset, today), held_on=today,
                                         dataset=agenda.dataset, user=user)
    for item in agenda.items:
        sessions.add_view(con, session_id, item.view, item.title, question=item.question, user=user)
    if agenda.left_out:
        notes.add_note(con, session_id, agenda.left_out_sentence()[:notes.MAX_NOTE], topic=LEFT_OUT_TOPIC, user=user)
    return session_id
