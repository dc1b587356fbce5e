"""How much each input of a savings scenario matters: the total annual saving as each one moves a share either way,
the others held (a tornado chart's data). Arithmetic on the model's grid (``analysis.savings.model``), so moving
every input is a few hundred small recomputations.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from analysis.savings import model
from analysis.savings.baseline import Baseline
from analysis.savings.model import Levers


def tornado(base: Baseline, levers: Levers, spread: float = 0.25) -> pd.DataFrame:
    """Total annual saving when each input moves from (1 - spread) to (1 + spread) of its value, the others held.

    Percentages are capped at 100%. Inputs set to zero are left out (moving zero by a share changes nothing).
    Columns: input, base_value, low_value, high_value, saving_low, saving_high, base_saving, swing; widest first.
    """
    levers.validate()
    grid = model.grid_of(base, levers)
    base_saving = model.annual(grid, levers)["total"]
    lo_f, hi_f = 1.0 - spread, 1.0 + spread
    rows = []

    def pct(v: float, f: float) -> float:
        return min(100.0, max(0.0, v * f))

    def add(label: str, value: float, unit: str, run):
        if not value:
            return
        low, high = run(lo_f), run(hi_f)
        rows.append((label, value, value * lo_f if unit != "%" else pct(value, lo_f),
                     value * hi_f if unit != "%" else pct(value, hi_f), low, high, unit))

    add("Failure demand reduction (%)", levers.failure_pct, "%",
        lambda f: model.annual(grid, replace(levers, failure_pct=pct(levers.failure_pct, f)))["total"])
    for i, s in enumerate(levers.shifts):
        def run_shift(f, i=i):
            shifts = list(levers.shifts)
            shifts[i] = replace(shifts[i], percent=pct(shifts[i].percent, f))
            return model.annual(grid, replace(levers, shifts=tuple(shifts)))["total"]
        add(f"Shift {s.from_channel} to {s.to_channel} (%)", s.percent, "%", run_shift)
    add("Handling time cut (%)", levers.handling_pct, "%",
        lambda f: model.annual(grid, replace(levers, handling_pct=pct(levers.handling_pct, f)))["total"])
    for j, ch in enumerate(grid.channels):
        if not grid.costed[j] or not grid.unit_cost[j]:
            continue

        def run_cost(f, j=j):
            uc = grid.unit_cost.copy()
            uc[j] *= f
            return model.annual(replace(grid, unit_cost=uc), levers)["total"]
        add(f"Unit cost: {ch} (£)", float(grid.unit_cost[j]), "£", run_cost)
    if levers.handling_pct:
        add("FTE hour cost (£)", levers.fte_hour_cost, "£",
            lambda f: model.annual(grid, replace(levers, fte_hour_cost=levers.fte_hour_cost * f))["total"])
    add("Handling minutes per contact", 1.0, "×", lambda f: model.annual(grid, levers, minutes_scale=f)["total"])
    add("Contact volumes", 1.0, "×", lambda f: model.annual(grid, levers, volume=f)["total"])
    frame = pd.DataFrame(rows, columns=["input", "base_value", "low_value", "high_value", "saving_low",
                                        "saving_high", "unit"])
    frame["base_saving"] = base_saving
    frame["swing"] = (frame["saving_high"] - frame["saving_low"]).abs()
    # Inputs that move nothing (e.g. minutes when no lever uses time) add clutter: keep them only if all are flat.
    moving = frame[frame["swing"] > 0.005]
    frame = moving if len(moving) else frame
    return frame.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
