"""The What works page's figure, declared once (see :mod:`analysis.registry`): one change's effect on one figure,
the SPC chart rebased at the change (the before segment's mean and limits, a roll-out's own, the after segment's),
with the verdict and its evidence as the reading and the effect as headline numbers. Any change can be added to a
session (the view keeps which one is open), presented and packed.

The change may be measured in another dataset than the one in use: the inputs carry every dataset's version and the
changes' stamp, so recording, editing or reloading anything a measurement reads is a new cache key.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis import store
from analysis.changes import effect as fx
from analysis.changes import measure, records, targets
from analysis.changes.page import OPEN_KEY, PAGE, WhatWorksView
from analysis.charts.spc import build_spc_chart
from analysis.errors import StocktakeError
from analysis.formatting import format_money
from analysis.registry import Context, Figure, NotShown, register
from analysis.spc import xmr

SMALL_HEIGHT = 150


@dataclass(frozen=True)
class Opened:
    key: str  # "<change id>:<figure key>"
    stamp: tuple  # the changes' stamp and every dataset's version


def inputs_of(ctx: Context, ds, view: WhatWorksView, state) -> Opened:
    if not view.opened:
        raise NotShown("Open a change from the list to see its chart.")
    return Opened(view.opened, stamp(ctx))


def stamp(ctx: Context) -> tuple:
    return (records.stamp(ctx.con), tuple(sorted((d.name, d.version) for d in ctx.datasets())))


def find(ctx: Context, key: str) -> measure.Measured:
    """The measurement a key names ('12:demand:contacts'), or a sentence saying it is gone."""
    change_id, _, figure = key.partition(":")
    try:
        change = records.get_change(ctx.con, int(change_id))
    except (ValueError, StocktakeError):
        raise NotShown(f"The change '{change_id}' is no longer recorded: it may have been deleted.") from None
    target = next((t for t in change.targets if t.figure == figure), None)
    if target is None:
        raise NotShown(f"'{change.title}' no longer targets that figure: open it again from the list.")
    try:
        ds = ctx.dataset(change.dataset)
    except StocktakeError:
        raise NotShown(f"The dataset '{change.dataset}' that '{change.title}' is measured in is no longer loaded.") \
            from None
    return measure.measure_target(ctx, ds, change, target)


def chart_frame(m: measure.Measured) -> pd.DataFrame:
    """The XmR chain (:func:`analysis.spc.xmr.xmr`) over the figure, rebased where the change started and where it
    was in place: its first segment's mean and limits are the measurement's old ones."""
    if m.effect is None or m.figure is None or m.series.empty:
        raise NotShown(f"'{m.change.title}' cannot be measured: {m.evidence()}.")
    cut = fx.split(pd.DatetimeIndex(m.series["period"]), m.change.start, m.change.end, m.figure.grain)
    return xmr.xmr(m.series["value"].to_numpy(dtype=float), dates=pd.DatetimeIndex(m.series["period"]),
                   improvement=m.target.wanted, rebase_at=cut.rebase_at,
                   lower_bound=targets.lower_bound(m.figure, m.series["value"]))


def _result(ctx: Context, ds, p: Opened) -> tuple[measure.Measured, pd.DataFrame]:
    m = find(ctx, p.key)
    return m, chart_frame(m)


def build_change_chart(m: measure.Measured, frame: pd.DataFrame, *, small: bool = False):
    change = m.change
    marks = pd.DataFrame({"day": [pd.Timestamp(change.start)], "label": [change.title]})
    if change.end:
        marks = pd.concat([marks, pd.DataFrame({"day": [pd.Timestamp(change.end)], "label": ["in place"]})])
    title = m.figure.label if small else f"{m.figure.label}, {change.scope()}: {change.title}"
    return build_spc_chart(frame, title=title, unit=m.figure.unit, y_title=m.figure.label, interventions=marks,
                           grain=m.figure.grain, height=SMALL_HEIGHT if small else 320,
                           subtitle=None if small else f"Limits recalculated at the change ({change.when()})")


def reading(result, p: Opened) -> str:
    m, _ = result
    words = f"{m.verdict_label}: {m.evidence()}."
    if m.effect_words():
        words += f" Effect {m.effect_words()} a {fx.period_noun(m.figure.grain, 1)} on the old mean."
    if m.money_words():
        words += f" That is {m.money_words()}."
    return words + (f" {m.control_sentence()}" if m.control_sentence() else "")


def headline(result, p: Opened) -> list[tuple[str, str]]:
    m, _ = result
    e, unit = m.effect, m.figure.unit
    out = [("Before (mean)", targets.format_value(e.before_mean, unit))]
    if e.points_after and e.verdict != fx.NO_BASELINE:
        words = m.effect_words()  # '-335 (-6.8%)': the effect and its share, apart so neither is cut short
        out += [("After (mean)", targets.format_value(e.after_mean, unit)),
                ("Effect", words.split(" (")[0].replace(" percentage points", " pts"))]
        if " (" in words:
            out.append(("As a share", words.split(" (")[1].rstrip(")")))
    if m.contacts_a_year is not None:
        out.append(("Contacts a year", f"{m.contacts_a_year:+,.0f}"))
    if m.pounds_a_year is not None:
        out.append(("£ a year", ("-" if m.pounds_a_year < 0 else "+") + format_money(abs(m.pounds_a_year))))
    return out


def how(result, p: Opened) -> str:
    m, _ = result
    text = fx.__doc__.split("\n\n", 1)[1]
    return text + (f"\n\nPounds: {m.cost_source}." if m.cost_source else "")


CHANGE = register(Figure(
    PAGE, "change", "What a change did", inputs_of, _result,
    chart=lambda result, p: build_change_chart(*result), reading=reading, headline=headline, how=how,
    table=lambda result: result[1][["date", "value", "segment", "mean", "lpl", "upl", "point_type"]],
    columns={"date": "Period", "value": "Value", "segment": "Segment (0: before)", "mean": "Mean",
             "lpl": "Lower limit", "upl": "Upper limit", "point_type": "Point"},
    words=lambda view, p: "the change as recorded"))
