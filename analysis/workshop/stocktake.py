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

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

import pandas as pd

from analysis import explore, periods, registry, store
from analysis.errors import StocktakeError
from analysis.kpis import definitions, page as kpi_page, series as kpi_series
from analysis.spc import reading as spc_reading
from analysis.spend import matching
from analysis.workshop import notes, questions as q, sessions

log = logging.getLogger(__name__)

MAX_KPIS = 3  # a first session gets through three changing KPIs; the rest are named in what was left out
LEFT_OUT_TOPIC = "Left out of the agenda"

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

    def add(self, step: str, page: str, figure: str, state: dict, question: Callable, title: str | None = None) -> bool:
        """Draw the figure and add it with its question; or say why it was left out. True when added."""
        state = {"dataset": state.pop("dataset", self.ds.name), **state}
        drawn = _draw(self.ctx, page, figure, state)
        if isinstance(drawn, str):
            self.left_out.append(LeftOut(step, drawn))
            return False
        try:
            asked = question(self.ctx, self.ds, drawn)
        except (KeyError, IndexError, AttributeError, TypeError, ValueError):
            # A result of an unexpected shape must not cost the agenda its figure: ask from its reading instead, and
            # leave the traceback in the server's log for us.
            log.exception("Could not write the question for %s/%s of '%s'", page, figure, self.ds.name)
            asked = f"{drawn.reading} What does the room make of it?"
        self.items.append(Planned(step, page, figure, state, title or explore.figure_label(page, figure), asked))
        return True

    def skip(self, step: str, why: str) -> None:
        self.left_out.append(LeftOut(step, why))


def _records(b: _Builder) -> None:
    ds = b.ds
    # The grain that gives the chart enough points (five days of records: by day), as the Performance page starts.
    b.add(VOLUME, "demand-drivers", "volume", {"dm_grain": kpi_page.default_grain(b.ctx.con, ds)}, q.volume_question,
          "Volume over time")
    if "reason" in ds.roles:
        b.add(DRIVERS, "demand-drivers", "change", {"dm_change_by": "reason"}, q.change_question,
              "What changed between two periods, by reason")
        b.add(DRIVERS, "demand-drivers", "pareto", {}, q.pareto_question, "Top reasons")
    else:
        b.skip(DRIVERS, registry.needs_sentence("What drives demand (top reasons, what changed)", ["reason"]))
    failure = "failure_service" if "service" in ds.roles else "failure_channel" if "channel" in ds.roles \
        else "failure_trend"
    b.add(FAILURE, "demand-drivers", failure, {}, q.failure_question)
    b.add(REPEAT, "demand-drivers", "repeat_reason", {}, q.repeat_question, "Repeat demand by reason")
    _changing_kpis(b)
    b.add(SAVINGS, "savings-scenarios", "waterfall", {}, q.savings_question, "What a change would save")
    pair = None if "service" not in ds.roles else matching.pair_for(b.ctx, ds)
    if pair is None:
        b.skip(SPEND, "No spending dataset goes with these records (none chosen for them on the Spend page, and none "
                      "whose services match at least half of theirs): load the council's payments to add it.")
    else:
        b.add(SPEND, "council-spend", "unit_costs", {"dataset": pair.spend, "sp_records": ds.name},
              q.unit_cost_question, "Spend per contact")


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
    read = total[total["points"] >= q.MIN_POINTS]  # a signal from fewer points is not one to build a session on
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
        run = q.latest_run(b.ctx, ds, row.kpi, grain, row.improvement)
        since = run[2] if run else periods.period_words(pd.Timestamp(row.latest_period), grain)
        side = run[1] if run else (1 if row.variation_side == "high" else -1)
        b.add(KPIS, "performance-trends", "spc", {"pf_kpi": row.kpi},
              lambda ctx, d, drawn, r=row, s=since, sd=side: q.kpi_question(r.kpi_label, r.unit, r.variation, sd, s,
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
    b.add(SPEND, "council-spend", "spc", {}, q.spend_spc_question, "Monthly spend")
    b.add(SPEND, "council-spend", "by_service", {}, lambda ctx, ds, drawn: (
        f"{drawn.reading} Is that where the council means its money to go?"), "Spend by service")
    b.add(SPEND, "council-spend", "change", {}, reading_of, "What changed in spend")
    linked = matching.records_for(b.ctx, b.ds)
    if linked:
        b.add(SPEND, "council-spend", "unit_costs", {"sp_records": linked[0].name}, q.unit_cost_question,
              "Spend per contact")
    for step in (VOLUME, FAILURE, REPEAT, SAVINGS):
        b.skip(step, "Needs contact records (a records dataset): start a stocktake from those for demand, failure and "
                     "repeat demand and what a change would save.")


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
    """Make the agenda a session held today: its figures with their questions, and a note of what was left out, in
    one transaction (a failure part way leaves no session at all, never one with half its agenda)."""
    today = today or date.today()
    sessions.ensure_tables(con)
    notes.ensure_table(con)
    title = session_title(con, agenda.dataset, today)
    with store.transaction(con) as cur:
        session_id = sessions.insert_session(cur, title, held_on=today, dataset=agenda.dataset, user=user)
        session = sessions.Session(session_id, title, today, agenda.dataset, (), None, None)
        for item in agenda.items:
            sessions.insert_item(cur, session, item.view, item.title, question=item.question, user=user)
        if agenda.left_out:
            notes.insert_note(cur, session, agenda.left_out_sentence()[:notes.MAX_NOTE], topic=LEFT_OUT_TOPIC,
                              user=user)
    return session_id
