"""Every change measured: each figure it targets, in the service and area it applies to, cut at the change
(:mod:`analysis.changes.effect`), with the services it was not applied to as controls, and its effect in contacts and
pounds a year where that can be said.

- **Controls**: a change made in one service is also measured, at the same dates, in each other service of the
  dataset (same figure, same area). When its signal shows, the same way, in at least half of those that can be
  judged, it is flagged: "the same fall appears in services without the change: look for another cause". A change
  for every service has no control within its dataset, and says so.
- **Contacts a year**: for a figure that counts contacts (the Demand figures), the effect per period times the
  periods in a year, only when there is a signal (a difference within ordinary variation is not an effect).
- **Pounds a year**: those contacts times the cost of a contact in that service, the Savings page's unit costs by
  channel (its default source: the unit-cost lookup chosen for the dataset, or the published Socitm benchmark)
  weighted by the service's contacts by channel in its latest full year. Needs a channel column; the source is said.

Series are read through the registry's context (``ctx.shared``): the app keeps them in its one cache, the CLI and
tests within one run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from analysis import store
from analysis.changes import effect as fx
from analysis.changes import targets
from analysis.changes.records import Change, Target, list_changes
from analysis.errors import StocktakeError
from analysis.formatting import format_money
from analysis.registry import Context

NOT_MEASURED = "not_measured"
VERDICT_LABELS = {**fx.VERDICT_LABELS, NOT_MEASURED: "Cannot be measured"}
PERIODS_A_YEAR = {"day": 365.25, "week": 365.25 / 7, "month": 12, "quarter": 4, "year": 1, "financial_year": 1,
                  "academic_year": 1}


@dataclass(frozen=True)
class Measured:
    """One figure a change targets, measured (``effect`` None and ``note`` saying why when it cannot be)."""

    change: Change
    target: Target
    figure: targets.TargetFigure | None
    effect: fx.Effect | None
    series: pd.DataFrame = field(repr=False)  # period, value, n (records behind it): the figure where it applies
    note: str | None = None
    alike: tuple[str, ...] = ()  # services without the change whose figure moved the same way
    controls_judged: int = 0
    confounded: bool = False
    contacts_a_year: float | None = None
    cost_per_contact: float | None = None
    cost_source: str | None = None

    @property
    def verdict(self) -> str:
        return self.effect.verdict if self.effect is not None else NOT_MEASURED

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS[self.verdict]

    @property
    def pounds_a_year(self) -> float | None:
        if self.contacts_a_year is None or self.cost_per_contact is None:
            return None
        return self.contacts_a_year * self.cost_per_contact

    @property
    def key(self) -> str:
        """'12:demand:contacts': the change and the figure, as the page and the CLI name one measurement."""
        return f"{self.change.id}:{self.target.figure}"

    def evidence(self) -> str:
        return self.effect.sentence() if self.effect is not None else (self.note or "")

    def control_sentence(self) -> str:
        """What the services without the change show, in a sentence ('' when there is nothing to say)."""
        if self.effect is None or not self.effect.signal:
            return ""
        if not self.change.service:
            return "Applied to every service: there is no service without it to compare with."
        if not self.controls_judged:
            return "No other service has enough data to compare with."
        way = "fall" if self.effect.direction < 0 else "rise"
        if self.confounded:
            return (f"The same {way} appears in {len(self.alike)} of {self.controls_judged} services without the "
                    f"change ({', '.join(self.alike[:4])}{'…' if len(self.alike) > 4 else ''}): look for another "
                    "cause.")
        if self.alike:
            return (f"The same {way} appears in {len(self.alike)} of {self.controls_judged} services without the "
                    f"change ({', '.join(self.alike[:4])}): fewer than half, so it is not flagged.")
        return f"None of the {self.controls_judged} services without the change moved the same way."

    def effect_words(self) -> str:
        """'-10.0 (-9.8%)' in the figure's units, or '' before there is an effect."""
        e = self.effect
        if e is None or e.verdict == fx.NO_BASELINE or not e.points_after:
            return ""
        unit = self.figure.unit if self.figure else "number"
        sign = "+" if e.effect > 0 else "-" if e.effect < 0 else ""
        share = "" if math.isnan(e.share) else f" ({e.share:+.1%})"
        if unit == "share":  # a rate's effect is in percentage points, its share of the rate a per cent
            return f"{sign}{abs(e.effect) * 100:,.1f} percentage points{share}"
        return f"{sign}{targets.format_value(abs(e.effect), unit)}{share}"

    def money_words(self) -> str:
        """'-1,234 contacts a year, -£5,678 a year', or ''."""
        if self.contacts_a_year is None:
            return ""
        words = f"{self.contacts_a_year:+,.0f} contacts a year"
        if self.pounds_a_year is not None:
            words += f", {'-' if self.pounds_a_year < 0 else '+'}{format_money(abs(self.pounds_a_year))} a year"
        return words


def _series(ctx: Context, ds: store.Dataset, key: str, area: str | None) -> dict[str, pd.DataFrame]:
    return ctx.shared(targets.by_service, ds, key, area)


def _measure_one(frame: pd.DataFrame, change: Change, target: Target, figure: targets.TargetFigure) -> fx.Effect:
    return fx.measure(frame["period"], frame["value"], change.start, change.end, wanted=target.wanted,
                      grain=figure.grain, lower_bound=targets.lower_bound(figure, frame["value"]))


def cost_per_contact(ctx: Context, ds: store.Dataset, service: str | None) -> tuple[float | None, str | None]:
    """The cost of one contact in ``service`` (every service: None) from the Savings page's unit costs, and where
    they come from; (None, why) when they are not known."""
    from analysis.savings import page as savings  # the Savings page's own unit costs: one definition

    if ds.kind != "records" or "channel" not in ds.roles or "date" not in ds.roles:
        return None, "no unit costs: pounds need a channel column (the Savings page costs contacts by channel)"
    try:
        start, end = savings.available_periods(ctx.con, ds)[0]
        base = savings.base_of(ctx, ds, start, end)
        preset = savings.preset_default(ctx, ds)
        table = savings.cost_table(ctx, ds, base, preset)
    except (StocktakeError, IndexError):
        return None, "no unit costs: the data have no full year to weigh the channels by"
    cells = base.cells if not service or "service" not in ds.roles else base.cells[base.cells["service"] == service]
    mix = cells.groupby("channel")["contacts"].sum()
    costs = table.set_index("channel")["unit_cost"]
    priced = mix[mix.index.isin(costs.dropna().index)]
    if priced.sum() <= 0:
        return None, "no unit costs for this service's channels: set them on the Savings page"
    per_contact = float((priced * costs.reindex(priced.index)).sum() / priced.sum())
    share = priced.sum() / mix.sum()
    source = f"unit costs from {savings.source_words(preset)}, weighted by the service's channels"
    if share < 0.999:
        source += f" ({share:.0%} of its contacts are on channels with a unit cost)"
    return per_contact, source


def measure_change(ctx: Context, change: Change) -> list[Measured]:
    """Each figure the change targets, measured (one per target, in the order they were given)."""
    out = []
    try:
        ds = ctx.dataset(change.dataset)
    except StocktakeError:
        return [Measured(change, t, None, None, pd.DataFrame(columns=["period", "value"]),
                         note=f"the dataset '{change.dataset}' is no longer in the store") for t in change.targets]
    for target in change.targets:
        out.append(measure_target(ctx, ds, change, target))
    return out


def measure_target(ctx: Context, ds: store.Dataset, change: Change, target: Target) -> Measured:
    empty = pd.DataFrame(columns=["period", "value"])
    try:
        figure = targets.describe(ctx.con, ds, target.figure)
        every = _series(ctx, ds, target.figure, change.area)
    except StocktakeError as exc:
        return Measured(change, target, None, None, empty, note=str(exc))
    scope = change.service or targets.ALL
    if scope not in every:
        return Measured(change, target, figure, None, empty,
                        note=f"'{ds.name}' has no records for the service '{scope}'" + (
                            f" in the area '{change.area}'" if change.area else ""))
    own = every[scope][["period", "value", "n"]].dropna(subset=["value"]).reset_index(drop=True)
    effect = _measure_one(own, change, target, figure)
    controls = {}
    if change.service:
        controls = {name: _measure_one(frame, change, target, figure) for name, frame in every.items()
                    if name not in (targets.ALL, change.service)}
    alike, judged = fx.moved_alike(effect, controls)
    contacts = cost = source = None
    if figure.is_count and effect.signal:
        contacts = effect.effect * PERIODS_A_YEAR.get(figure.grain, float("nan"))
        cost, source = cost_per_contact(ctx, ds, change.service)
    return Measured(change, target, figure, effect, own, alike=tuple(alike), controls_judged=judged,
                    confounded=fx.confounded(effect, controls), contacts_a_year=contacts, cost_per_contact=cost,
                    cost_source=source)


def measure_all(ctx: Context, dataset: str | None = None) -> list[Measured]:
    """Every change's every target, newest change first; a change with no target yet is one row saying so."""
    out = []
    for change in list_changes(ctx.con, dataset):
        if not change.targets:
            out.append(Measured(change, Target("", "decrease"), None, None, pd.DataFrame(columns=["period", "value"]),
                                note="no figures chosen yet: say what the change was meant to move"))
            continue
        out.extend(measure_change(ctx, change))
    return out


SUMMARY_COLUMNS = ["id", "change", "dataset", "service", "area", "when", "figure", "wanted", "verdict", "evidence",
                   "before_mean", "after_mean", "effect", "share", "points_before", "points_after",
                   "contacts_a_year", "pounds_a_year", "controls", "owner"]


def summary(measured: list[Measured]) -> pd.DataFrame:
    """One row per measured figure: what the CLI lists and the What works page filters."""
    rows = []
    for m in measured:
        e = m.effect
        has_after = e is not None and e.verdict != fx.NO_BASELINE and e.points_after > 0
        rows.append({
            "id": m.change.id, "change": m.change.title, "dataset": m.change.dataset,
            "service": m.change.service or "Every service", "area": m.change.area or "Every area",
            "when": m.change.when(), "figure": m.figure.label if m.figure else m.target.figure,
            "wanted": m.target.wanted if m.target.figure else "", "verdict": m.verdict_label, "evidence": m.evidence(),
            "before_mean": e.before_mean if e is not None else float("nan"),
            "after_mean": e.after_mean if has_after else float("nan"),
            "effect": e.effect if has_after else float("nan"), "share": e.share if has_after else float("nan"),
            "points_before": e.points_before if e else 0, "points_after": e.points_after if e else 0,
            "contacts_a_year": m.contacts_a_year, "pounds_a_year": m.pounds_a_year,
            "controls": m.control_sentence(), "owner": m.change.owner or ""})
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
