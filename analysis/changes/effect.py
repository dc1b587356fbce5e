"""The measured effect of a change on one figure, read the Making Data Count way: no p-values, the SPC rules.

The figure's series (one value per period) is cut at the change: the **before** segment is every period that ended
before the change started; the **after** segment every period that started once it was in place (its start, or the
end of a roll-out); a period the change started in, or a roll-out, belongs to neither. The before segment sets the
old mean and process limits (:func:`analysis.spc.xmr.xmr_columns`: the same chain, outlier screening and floor at
zero for counts as every SPC chart in Stocktake); the after points are then read against them with the rules of
:mod:`analysis.spc.rules`, the ones checked against NHSRplotthedots:

- a **sustained shift**: ``shift_points`` (7 or more points in a row on one side of the old mean, a point on the mean
  breaking the run) among the after points;
- **points outside the old limits**: after points above the old upper or below the old lower process limit;
- **no signal yet**: neither, and fewer than 7 points since the change (a shift could not have shown yet);
- **no change distinguishable from ordinary variation**: neither, with 7 or more points since the change.

A signal in the direction the change was meant to move the figure is an improvement; the other way, a concern. The
effect is the after mean less the before mean, in the figure's units and as a share of the before mean; the after
segment's own mean and limits are the chart rebased at the change. A baseline needs at least 12 points (the fewest
Stocktake fixes limits from: ``xmr.MIN_FIX_AFTER_N_POINTS``).

:func:`moved_alike` compares a change's signal with the same figure in services the change was not applied to: when
the same movement shows there, something other than the change may have caused it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import periods
from analysis.spc import rules, xmr

RULES = rules.RULE_SETS["nhsr"]
SHIFT_POINTS = RULES.shift_points
"""Points in a row on one side of the old mean that make a shift: NHSRplotthedots' 7 (``rules.RuleSet``)."""
MIN_BASELINE_POINTS = xmr.MIN_FIX_AFTER_N_POINTS
"""Points before the change needed for its old mean and limits (12: below this Stocktake never fixes limits)."""

IMPROVED, WORSENED, TOO_EARLY, NO_CHANGE, NO_BASELINE = "improved", "worsened", "too_early", "no_change", "no_baseline"
VERDICT_LABELS = {IMPROVED: "Improved", WORSENED: "Moved the wrong way", TOO_EARLY: "Too early to say",
                  NO_CHANGE: "No change beyond ordinary variation", NO_BASELINE: "Too little data before"}
SIGNALS = (IMPROVED, WORSENED)
SHIFT, OUTSIDE = rules.SHIFT, rules.OUTSIDE_LIMITS
WANTED = {"decrease": -1, "increase": 1}

_NOUNS = {"day": ("day", "days"), "week": ("week", "weeks"), "month": ("month", "months"),
          "quarter": ("quarter", "quarters"), "financial_year": ("year", "years"), "year": ("year", "years"),
          "academic_year": ("year", "years")}


def period_noun(grain: str, n: int) -> str:
    """'month' or 'months' (by grain and number)."""
    one, many = _NOUNS.get(grain, ("point", "points"))
    return one if n == 1 else many


@dataclass(frozen=True)
class Segments:
    """Positions (in time order) of the before, roll-out and after points, and the periods where the after and
    roll-out segments start (the dates an SPC chart is rebased at)."""

    before: np.ndarray
    rollout: np.ndarray
    after: np.ndarray
    rebase_at: tuple[pd.Timestamp, ...]


def split(dates: pd.DatetimeIndex, start, end, grain: str) -> Segments:
    """Cut time-ordered period starts at a change that started on ``start`` and was in place from ``end`` (the same
    day for a change made at once)."""
    start_ts = pd.Timestamp(start).normalize()
    end_ts = max(pd.Timestamp(end if end is not None else start).normalize(), start_ts)
    ends = pd.DatetimeIndex([periods.period_end(d, grain) for d in dates])  # the first day after each period
    position = np.arange(len(dates))
    before = position[np.asarray(ends <= start_ts)]
    after = position[np.asarray(dates >= end_ts)]
    rollout = np.setdiff1d(position, np.concatenate([before, after]))
    rebase = tuple(dates[i[0]] for i in (rollout, after) if len(i))
    return Segments(before, rollout, after, rebase)


@dataclass(frozen=True)
class Effect:
    """One figure's segment after a change against the one before (see the module's docstring)."""

    wanted: str  # "decrease" or "increase": which way the change was meant to move it
    grain: str
    points_before: int
    points_rollout: int
    points_after: int
    before_mean: float
    before_lpl: float
    before_upl: float
    after_mean: float
    after_lpl: float
    after_upl: float
    verdict: str
    evidence: str | None  # SHIFT or OUTSIDE when there is a signal
    direction: int  # the signal's side of the old mean: -1 below, +1 above, 0 none
    run_length: int  # the latest shift's points in a row (0: none)
    run_start: pd.Timestamp | None
    outside: int  # after points outside the old limits, on the signal's side when there is one
    lpl_floored: bool = False  # the old lower limit was set at zero (a count)

    @property
    def effect(self) -> float:
        """After mean less before mean, in the figure's units (NaN before there is an after segment)."""
        return self.after_mean - self.before_mean

    @property
    def share(self) -> float:
        """The effect as a share of the before mean (NaN when that is zero or missing)."""
        base = abs(self.before_mean)
        return self.effect / base if base and not math.isnan(base) else float("nan")

    @property
    def signal(self) -> bool:
        return self.verdict in SIGNALS

    def sentence(self) -> str:
        """The evidence in words: 'sustained shift: 9 months in a row below the old mean since April 2024'."""
        n = self.points_after
        if self.verdict == NO_BASELINE:
            return (f"too few points before the change to set a baseline: {self.points_before}, "
                    f"{MIN_BASELINE_POINTS} needed")
        side = "below" if self.direction < 0 else "above"
        if self.evidence == SHIFT:
            words = (f"sustained shift: {self.run_length} {period_noun(self.grain, self.run_length)} in a row {side} "
                     f"the old mean since {periods.period_words(self.run_start, self.grain)}")
            if self.outside:
                words += (f"; {self.outside} of the {n} {period_noun(self.grain, n)} since the change outside the old "
                          "limits")
            return words
        if self.evidence == OUTSIDE:
            limit = "lower" if self.direction < 0 else "upper"
            words = (f"points outside the old limits: {self.outside} of the {n} {period_noun(self.grain, n)} since the "
                     f"change {side} the {limit} limit")
            if n < SHIFT_POINTS:
                words += f" ({n} points so far, {SHIFT_POINTS} needed to show a sustained shift)"
            return words
        if self.verdict == TOO_EARLY:
            return f"no signal yet: {n} point{'s' if n != 1 else ''} since the change, {SHIFT_POINTS} needed for a shift"
        return (f"no change distinguishable from ordinary variation: {n} {period_noun(self.grain, n)} since the "
                f"change, none outside the old limits and no run of {SHIFT_POINTS} on one side of the old mean")


def _limits(values: np.ndarray, lower_bound: float | None) -> tuple[float, float, float, bool]:
    """Mean, lower and upper process limit of one segment, as every SPC chart works them out."""
    if not len(values):
        return float("nan"), float("nan"), float("nan"), False
    columns, _, _ = xmr.xmr_columns(values, lower_bound=lower_bound)
    return (float(columns["mean"][0]), float(columns["lpl"][0]), float(columns["upl"][0]),
            bool(columns["lpl_floored"][0]))


def _latest_run(flags: np.ndarray, sides: np.ndarray) -> tuple[int, int, int]:
    """The last stretch of flagged points on one side: (its first position, its length, its side); (0, 0, 0)."""
    flagged = np.flatnonzero(flags)
    if not len(flagged):
        return 0, 0, 0
    last = int(flagged[-1])
    side = int(sides[last])
    first = last
    while first > 0 and flags[first - 1] and sides[first - 1] == side:
        first -= 1
    return first, last - first + 1, side


def measure(dates, values, start, end=None, *, wanted: str, grain: str = "month",
            lower_bound: float | None = None) -> Effect:
    """The effect of a change that started on ``start`` (in place from ``end``, for a roll-out) on a series of
    ``values`` per period (``dates``: each period's first day). ``wanted``: "decrease" or "increase". ``lower_bound``:
    0 for counts (limits are never below zero). Periods with no value are left out."""
    frame = pd.DataFrame({"date": pd.to_datetime(pd.Series(list(dates))), "value": pd.to_numeric(
        pd.Series(list(values), dtype="object"), errors="coerce").astype(float)})
    frame = frame.dropna().sort_values("date", kind="stable").reset_index(drop=True)
    cut = split(pd.DatetimeIndex(frame["date"]), start, end, grain)
    y = frame["value"].to_numpy(dtype=float)
    before, after = y[cut.before], y[cut.after]
    old_mean, old_lpl, old_upl, floored = _limits(before, lower_bound)
    new_mean, new_lpl, new_upl, _ = _limits(after, lower_bound)
    counts = dict(wanted=wanted, grain=grain, points_before=len(before), points_rollout=len(cut.rollout),
                  points_after=len(after), before_mean=old_mean, before_lpl=old_lpl, before_upl=old_upl,
                  after_mean=new_mean, after_lpl=new_lpl, after_upl=new_upl, lpl_floored=floored)
    none = dict(evidence=None, direction=0, run_length=0, run_start=None, outside=0)
    if len(before) < MIN_BASELINE_POINTS:
        return Effect(verdict=NO_BASELINE, **counts, **none)
    sides = np.sign(after - old_mean).astype(int)
    shift = rules.shift_points(sides, SHIFT_POINTS)
    high = after > old_upl if not math.isnan(old_upl) else np.zeros(len(after), dtype=bool)
    low = after < old_lpl if not math.isnan(old_lpl) else np.zeros(len(after), dtype=bool)
    first, run, side = _latest_run(shift, sides)
    if run:
        outside = int((low if side < 0 else high).sum())
        found = dict(evidence=SHIFT, direction=side, run_length=run,
                     run_start=pd.Timestamp(frame["date"].iloc[cut.after[first]]), outside=outside)
    elif high.any() or low.any():
        latest = int(np.flatnonzero(high | low)[-1])
        side = 1 if high[latest] else -1
        found = dict(evidence=OUTSIDE, direction=side, run_length=0, run_start=None,
                     outside=int((high if side > 0 else low).sum()))
    else:
        verdict = TOO_EARLY if len(after) < SHIFT_POINTS else NO_CHANGE
        return Effect(verdict=verdict, **counts, **none)
    verdict = IMPROVED if found["direction"] == WANTED[wanted] else WORSENED
    return Effect(verdict=verdict, **counts, **found)


def moved_alike(own: Effect, controls: dict[str, Effect]) -> tuple[list[str], int]:
    """The control series (services without the change) whose figure moved the way this change's did (a signal on
    the same side of their own old mean), and how many controls could be judged at all."""
    judged = {name: e for name, e in controls.items() if e.verdict != NO_BASELINE and e.points_after}
    if not own.signal:
        return [], len(judged)
    alike = [name for name, e in judged.items() if e.signal and e.direction == own.direction]
    return sorted(alike), len(judged)


def confounded(own: Effect, controls: dict[str, Effect]) -> bool:
    """True when the change's signal also shows in at least half of the services without it (at least one): the
    movement may have another cause."""
    alike, judged = moved_alike(own, controls)
    return bool(alike) and len(alike) * 2 >= judged
