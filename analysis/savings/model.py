"""The savings model, pure arithmetic: what a change to demand, channels or handling time would save.

Given a baseline (:class:`analysis.savings.baseline.Baseline`: contacts by service x channel and the failure demand
among them) and the **levers** a user sets (:class:`Levers`: percentages held as percentages, 20 means 20%, plus the
unit costs and entered handling minutes per channel), :func:`compute` applies the levers in a fixed order so that no
contact is saved twice: failure demand removed first, then channel shift on the contacts that remain, then handling
time cut on the contacts as they are after the shift (:data:`ORDER_OF_APPLICATION`). It returns savings by lever (a
waterfall from baseline cost to scenario cost), contacts avoided, FTE released and a multi-year projection with
ramp-up and payback year; ``analysis.savings.sensitivity`` moves each input over a low-high range. No SQL, no store:
moving a lever is arithmetic on a few hundred numbers.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from analysis.errors import StocktakeError
from analysis.formatting import format_count, format_money
from analysis.savings.baseline import Baseline
from analysis.savings.costs import default_minutes

DEFAULT_FTE_HOUR_COST = 25.0  # £ per hour, salary plus on-costs of a front-line officer (illustrative)
DEFAULT_PRODUCTIVE_HOURS = 1_600.0  # hours a full-time post works on contacts in a year, after leave and training

ORDER_OF_APPLICATION = (
    "Levers are applied in this order so that no contact is saved twice: first the failure demand you remove is "
    "taken out; then the channel shift moves a share of the contacts that remain; then the handling-time cut "
    "applies to the contacts as they are after the shift."
)

LEVER_LABELS = {
    "failure": "Failure demand removed",
    "shift": "Channel shift",
    "handling": "Handling time cut",
}


@dataclass(frozen=True)
class ChannelShift:
    """Move ``percent`` % of the contacts (that remain after failure demand is removed) from one channel to another."""

    from_channel: str
    to_channel: str
    percent: float


@dataclass(frozen=True)
class Levers:
    """Everything a user sets for a scenario. Percentages are percentages (20 means 20%).

    ``failure_services`` / ``failure_reasons`` narrow the failure-demand lever (empty means all);
    ``failure_pct_by_service`` sets a different % for some services. ``unit_costs`` is £ per contact by channel
    (a channel left out costs £0); ``minutes_per_contact`` is the entered handling minutes by channel, used where
    the data has none. ``ramp_up`` is the % of the full annual effect reached in years 1, 2, 3…; later years repeat
    the last figure.
    """

    failure_pct: float = 0.0
    failure_services: tuple[str, ...] = ()
    failure_reasons: tuple[str, ...] = ()
    failure_pct_by_service: dict[str, float] = field(default_factory=dict)
    shifts: tuple[ChannelShift, ...] = ()
    handling_pct: float = 0.0
    unit_costs: dict[str, float] = field(default_factory=dict)
    minutes_per_contact: dict[str, float] = field(default_factory=dict)
    fte_hour_cost: float = DEFAULT_FTE_HOUR_COST
    productive_hours: float = DEFAULT_PRODUCTIVE_HOURS
    one_off_cost: float = 0.0
    ramp_up: tuple[float, ...] = (50.0, 100.0, 100.0)
    years: int = 3

    def validate(self) -> "Levers":
        """Check the numbers a user could get wrong; raise a StocktakeError saying which one."""
        for label, value in (("Failure demand reduction", self.failure_pct), ("Handling time cut", self.handling_pct),
                             *[(f"Shift from {s.from_channel} to {s.to_channel}", s.percent) for s in self.shifts],
                             *[(f"Failure demand reduction for {k}", v)
                               for k, v in self.failure_pct_by_service.items()]):
            if not (0 <= float(value) <= 100):
                raise StocktakeError(f"{label} must be between 0% and 100% (it is {value}%).")
        for s in self.shifts:
            if s.from_channel == s.to_channel:
                raise StocktakeError(f"A channel shift must move contacts to a different channel, not from "
                                     f"{s.from_channel} to itself.")
        if not 1 <= int(self.years) <= 10:
            raise StocktakeError("The projection must cover 1 to 10 years.")
        if self.productive_hours <= 0:
            raise StocktakeError("Productive hours per FTE must be more than 0.")
        for name, value in (("FTE hour cost", self.fte_hour_cost), ("One-off cost", self.one_off_cost)):
            if value < 0:
                raise StocktakeError(f"{name} cannot be negative.")
        for ch, cost in self.unit_costs.items():
            if cost is not None and not pd.isna(cost) and cost < 0:
                raise StocktakeError(f"The unit cost of {ch} cannot be negative.")
        if any(r < 0 or r > 100 for r in self.ramp_up):
            raise StocktakeError("Ramp-up shares must be between 0% and 100%.")
        return self

    def to_json(self) -> str:
        data = asdict(self)
        data["shifts"] = [asdict(s) for s in self.shifts]
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Levers":
        data = json.loads(text)
        known = {f for f in cls.__dataclass_fields__}
        data = {k: v for k, v in data.items() if k in known}
        data["shifts"] = tuple(ChannelShift(**s) for s in data.get("shifts", []))
        for key in ("failure_services", "failure_reasons", "ramp_up"):
            if key in data:
                data[key] = tuple(data[key])
        return cls(**data)


# --------------------------------------------------------------------------------------------------------------------
# Arithmetic
# --------------------------------------------------------------------------------------------------------------------


@dataclass
class ScenarioResult:
    """What a scenario saves. Money in £ a year at full effect unless said otherwise."""

    baseline_cost: float
    scenario_cost: float
    total_saving: float
    by_lever: pd.DataFrame  # lever, label, saving, contacts_avoided, contacts_moved, minutes_saved
    waterfall: pd.DataFrame  # step, label, amount, start, end, kind ('baseline'|'lever'|'scenario')
    contacts_baseline: int
    contacts_avoided: float
    contacts_moved: float
    minutes_saved: float
    fte_released: float
    projection: pd.DataFrame  # year, ramp_pct, gross_saving, one_off_cost, net_saving, cumulative_net
    payback_year: int | None
    notes: list[str]

    def headline(self) -> dict[str, float | int | None]:
        return {
            "baseline_cost": self.baseline_cost,
            "scenario_cost": self.scenario_cost,
            "total_saving": self.total_saving,
            "contacts_avoided": self.contacts_avoided,
            "contacts_moved": self.contacts_moved,
            "fte_released": self.fte_released,
            "payback_year": self.payback_year,
            "net_over_projection": float(self.projection["cumulative_net"].iloc[-1]),
        }


@dataclass(frozen=True)
class Grid:
    """The baseline as arrays, services × channels, for fast recomputation (here and in the sensitivity)."""

    services: list[str]
    channels: list[str]
    contacts: np.ndarray
    failure: np.ndarray  # failure contacts targeted by the lever's services/reasons
    minutes: np.ndarray  # handling minutes per contact
    minutes_from_data: np.ndarray  # bool per channel
    unit_cost: np.ndarray
    costed: np.ndarray  # bool per channel


def grid_of(base: Baseline, levers: Levers) -> Grid:
    channels = list(base.channels)
    for s in levers.shifts:
        for ch in (s.from_channel, s.to_channel):
            if ch not in channels:
                channels.append(ch)
    services = base.services
    si = {s: i for i, s in enumerate(services)}
    ci = {c: i for i, c in enumerate(channels)}
    shape = (len(services), len(channels))
    contacts = np.zeros(shape)
    minutes_sum = np.zeros(shape)
    minutes_n = np.zeros(shape)
    cells = base.cells
    rows = np.array([si[s] for s in cells["service"]], dtype=int)
    cols = np.array([ci[c] for c in cells["channel"]], dtype=int)
    np.add.at(contacts, (rows, cols), cells["contacts"].to_numpy(dtype=float))
    np.add.at(minutes_sum, (rows, cols), cells["minutes_sum"].to_numpy(dtype=float))
    np.add.at(minutes_n, (rows, cols), cells["minutes_n"].to_numpy(dtype=float))

    failure = np.zeros(shape)
    fail = base.failure
    if len(fail):
        mask = np.ones(len(fail), dtype=bool)
        if levers.failure_reasons:
            mask &= fail["reason"].isin(levers.failure_reasons).to_numpy()
        fail = fail[mask]
        if len(fail):
            np.add.at(failure, (np.array([si[s] for s in fail["service"]], dtype=int),
                                np.array([ci[c] for c in fail["channel"]], dtype=int)),
                      fail["contacts"].to_numpy(dtype=float))

    # Minutes per contact: the cell's own average; else the channel's average across services; else entered.
    channel_n = minutes_n.sum(axis=0)
    channel_avg = np.divide(minutes_sum.sum(axis=0), channel_n, out=np.zeros(len(channels)), where=channel_n > 0)
    entered = np.array([_entered_minutes(levers, c) for c in channels])
    per_channel = np.where(channel_n > 0, channel_avg, entered)
    cell_avg = np.divide(minutes_sum, minutes_n, out=np.zeros(shape), where=minutes_n > 0)
    minutes = np.where(minutes_n > 0, cell_avg, per_channel[None, :])

    costs = [levers.unit_costs.get(c) for c in channels]
    costed = np.array([c is not None and not pd.isna(c) for c in costs])
    unit_cost = np.array([float(c) if ok else 0.0 for c, ok in zip(costs, costed)])
    return Grid(services, channels, contacts, failure, minutes, channel_n > 0, unit_cost, costed)


def _entered_minutes(levers: Levers, channel: str) -> float:
    value = levers.minutes_per_contact.get(channel)
    if value is not None and not pd.isna(value):
        return float(value)
    return default_minutes(channel)



def _failure_pct_by_row(grid: Grid, levers: Levers) -> np.ndarray:
    pct = np.full(len(grid.services), float(levers.failure_pct))
    if levers.failure_services:
        chosen = set(levers.failure_services)
        pct = np.array([p if s in chosen else 0.0 for s, p in zip(grid.services, pct)])
    for service, value in levers.failure_pct_by_service.items():
        if service in grid.services:
            pct[grid.services.index(service)] = float(value)
    return pct / 100.0


def annual(grid: Grid, levers: Levers, *, volume: float = 1.0, minutes_scale: float = 1.0) -> dict:
    """The levers applied to the grid, in the stated order. Returns plain numbers (fast enough for the tornado)."""
    contacts = grid.contacts * volume
    failure = grid.failure * volume
    minutes = grid.minutes * minutes_scale
    uc = grid.unit_cost
    baseline_cost = float((contacts * uc[None, :]).sum())

    # 1. Failure demand removed.
    removed = failure * _failure_pct_by_row(grid, levers)[:, None]
    remaining = contacts - removed
    failure_saving = float((removed * uc[None, :]).sum())
    failure_minutes = float((removed * minutes).sum())

    # 2. Channel shift, on what remains, one shift after another.
    shift_saving = 0.0
    shift_minutes = 0.0
    moved_total = 0.0
    ci = {c: i for i, c in enumerate(grid.channels)}
    for s in levers.shifts:
        f, t = ci[s.from_channel], ci[s.to_channel]
        moved = remaining[:, f] * (float(s.percent) / 100.0)
        remaining[:, f] -= moved
        remaining[:, t] += moved
        shift_saving += float(moved.sum() * (uc[f] - uc[t]))
        shift_minutes += float((moved * (minutes[:, f] - minutes[:, t])).sum())
        moved_total += float(moved.sum())

    # 3. Handling time cut on the contacts as they are now.
    handling_minutes = float((remaining * minutes).sum() * float(levers.handling_pct) / 100.0)
    handling_saving = handling_minutes / 60.0 * float(levers.fte_hour_cost)

    total = failure_saving + shift_saving + handling_saving
    return {
        "baseline_cost": baseline_cost,
        "contacts": float(contacts.sum()),
        "failure": (failure_saving, float(removed.sum()), 0.0, failure_minutes),
        "shift": (shift_saving, 0.0, moved_total, shift_minutes),
        "handling": (handling_saving, 0.0, 0.0, handling_minutes),
        "total": total,
    }


def ramp_shares(levers: Levers) -> list[float]:
    """Share (0-1) of the full effect in each projected year; years past the list repeat its last figure."""
    ramp = [float(r) / 100.0 for r in levers.ramp_up] or [1.0]
    return [ramp[min(i, len(ramp) - 1)] for i in range(int(levers.years))]


def projection(annual_saving: float, levers: Levers) -> tuple[pd.DataFrame, int | None]:
    """Year-by-year saving with ramp-up, the one-off cost in year 1, the running net total and the payback year.

    The payback year is the first year whose cumulative net saving is at least zero (None if not within the
    projection).
    """
    shares = ramp_shares(levers)
    years = list(range(1, len(shares) + 1))
    gross = [annual_saving * s for s in shares]
    one_off = [float(levers.one_off_cost) if y == 1 else 0.0 for y in years]
    net = [g - o for g, o in zip(gross, one_off)]
    cumulative = list(np.cumsum(net))
    frame = pd.DataFrame({"year": years, "ramp_pct": [s * 100 for s in shares], "gross_saving": gross,
                          "one_off_cost": one_off, "net_saving": net, "cumulative_net": cumulative})
    payback = next((y for y, c in zip(years, cumulative) if c >= -1e-9), None)
    return frame, payback


def _unknown_channel_notes(base: Baseline, levers: Levers) -> list[str]:
    notes = []
    known = set(base.channels)
    for s in levers.shifts:
        if s.from_channel not in known:
            notes.append(f"There are no {s.from_channel} contacts in the baseline, so the shift from it moves none.")
    return notes


def compute(base: Baseline, levers: Levers) -> ScenarioResult:
    """Apply the levers to the baseline in the stated order (:data:`ORDER_OF_APPLICATION`)."""
    levers.validate()
    grid = grid_of(base, levers)
    out = annual(grid, levers)
    rows = []
    for key in ("failure", "shift", "handling"):
        saving, avoided, moved, minutes = out[key]
        rows.append((key, LEVER_LABELS[key], saving, avoided, moved, minutes))
    by_lever = pd.DataFrame(rows, columns=["lever", "label", "saving", "contacts_avoided", "contacts_moved",
                                           "minutes_saved"])
    baseline_cost = out["baseline_cost"]
    total = out["total"]
    waterfall = waterfall_frame(baseline_cost, by_lever)
    minutes_saved = float(by_lever["minutes_saved"].sum())
    fte = minutes_saved / 60.0 / float(levers.productive_hours)
    proj, payback = projection(total, levers)
    notes = list(base.notes)
    for ch, ok in zip(grid.channels, grid.costed):
        if not ok:
            notes.append(f"No unit cost for '{ch}': its contacts count as £0 until you enter a local figure.")
    notes += _unknown_channel_notes(base, levers)
    return ScenarioResult(
        baseline_cost=baseline_cost, scenario_cost=baseline_cost - total, total_saving=total, by_lever=by_lever,
        waterfall=waterfall, contacts_baseline=int(round(out["contacts"])),
        contacts_avoided=float(by_lever["contacts_avoided"].sum()),
        contacts_moved=float(by_lever["contacts_moved"].sum()), minutes_saved=minutes_saved, fte_released=fte,
        projection=proj, payback_year=payback, notes=notes,
    )


def waterfall_frame(baseline_cost: float, by_lever: pd.DataFrame) -> pd.DataFrame:
    """Bars from baseline cost down by each lever's saving to the scenario cost (start/end for each bar)."""
    rows = [("Baseline cost", baseline_cost, 0.0, baseline_cost, "baseline")]
    level = baseline_cost
    for label, saving in zip(by_lever["label"], by_lever["saving"]):
        rows.append((label, -saving, level, level - saving, "lever"))
        level -= saving
    rows.append(("Scenario cost", level, 0.0, level, "scenario"))
    frame = pd.DataFrame(rows, columns=["label", "amount", "start", "end", "kind"])
    frame.insert(0, "step", range(1, len(frame) + 1))
    return frame


def explain(result: ScenarioResult) -> str:
    """One sentence a manager can read out: what the scenario saves and why."""
    parts = [f"{LEVER_LABELS[k].lower()} {format_money(v)}" for k, v in
             zip(result.by_lever["lever"], result.by_lever["saving"]) if abs(v) >= 0.5]
    text = f"Saves {format_money(result.total_saving)} a year at full effect"
    if parts:
        text += " (" + ", ".join(parts) + ")"
    text += f", avoids {format_count(result.contacts_avoided)} contacts and releases " \
            f"{result.fte_released:,.1f} FTE."
    return text
