"""analysis.kpis.storage: directions, targets and trajectories kept in the store."""

from __future__ import annotations

import math

import pytest

from analysis.errors import StocktakeError
from analysis.kpis import storage
from tests.kpi_store import FEB, JAN, MAR, T, con  # noqa: F401 (the con fixture)

def test_settings_are_stored(con):
    assert storage.kpi_settings(con, "t") == ({}, {})
    storage.set_improvement(con, "t", "volume", "decrease")
    storage.set_target(con, "t", "cost_per_case", None, 30)
    storage.set_target(con, "t", "cost_per_case", "A", 25)
    storage.set_improvement(con, "t", "volume", "increase")
    directions, targets = storage.kpi_settings(con, "t")
    assert directions == {"volume": "increase"}
    assert targets == {("cost_per_case", ""): 30.0, ("cost_per_case", "A"): 25.0}
    assert storage.target_for(targets, "cost_per_case", "A") == 25.0
    assert storage.target_for(targets, "cost_per_case", "B") == 30.0
    storage.set_target(con, "t", "cost_per_case", "A", None)
    assert storage.kpi_settings(con, "t")[1] == {("cost_per_case", ""): 30.0}
    with pytest.raises(StocktakeError, match="improvement direction"):
        storage.set_improvement(con, "t", "volume", "up")

def test_trajectory_is_stored_and_interpolated(con):
    assert storage.get_trajectory(con, "t", "volume", "A") is None
    storage.set_trajectory(con, "t", "volume", None, "2024-01-01", 10.0, "2024-03-01", 30.0)
    traj = storage.get_trajectory(con, "t", "volume", "A")  # falls back to the one for every series
    assert traj["start_value"] == 10.0 and traj["series"] == ""
    values = storage.trajectory_values(traj, [T("2023-12-01"), JAN, FEB, MAR, T("2024-04-01")])
    # 31 of the 60 days from 1 Jan to 1 Mar have passed on 1 Feb.
    assert math.isnan(values.iloc[0]) and values.iloc[1] == 10.0 and values.iloc[3] == 30.0
    assert values.iloc[2] == pytest.approx(10 + 20 * 31 / 60)
    assert math.isnan(values.iloc[4])
    with pytest.raises(StocktakeError, match="before its end"):
        storage.set_trajectory(con, "t", "volume", None, "2024-03-01", 1, "2024-01-01", 2)
    storage.clear_trajectory(con, "t", "volume", None)
    assert storage.get_trajectory(con, "t", "volume", "A") is None
