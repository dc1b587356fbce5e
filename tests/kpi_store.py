"""A small records store shared by the KPI tests: nine cases worked through by hand in each test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import store
from analysis.load.ingest import load_frame

T = pd.Timestamp
NaT = pd.NaT

# id, received, closed, service, reason, channel, ward, cost, handling, customer
ROWS = [
    # Starts the data on 1 December, so December is the warm-up month of the closing-time KPIs and repeat %.
    (0, T("2023-12-01"), T("2023-12-02"), "A", "New request", "Phone", "W1", np.nan, np.nan, "c9"),
    (1, T("2024-01-01 09:00"), T("2024-01-03 09:00"), "A", "Chasing", "Phone", "W1", 10.0, 5.0, "c1"),
    (2, T("2024-01-10"), T("2024-01-20"), "A", "New request", "Web", "W1", 20.0, 10.0, "c1"),  # c1 9 days before
    (3, T("2024-01-15"), T("2024-02-14"), "B", "New request", "Phone", "W2", 30.0, 15.0, "c2"),
    (4, T("2024-01-31 23:00"), NaT, "B", "Chasing", "Phone", "W2", np.nan, 20.0, None),
    (5, T("2024-02-05"), T("2024-02-06"), "A", "Chasing", "Web", "W1", 40.0, 5.0, "c2"),  # c2 21 days before
    (6, T("2024-02-20"), T("2024-02-25"), "A", "New request", "Phone", "W2", 50.0, 10.0, "c3"),
    (7, T("2024-03-01"), T("2024-03-11"), "B", "New request", "Web", "W1", 60.0, 20.0, "c1"),  # c1 51 days: no
    (8, T("2024-03-31 12:00"), T("2024-04-02"), "B", "New request", "Web", "W2", 70.0, 30.0, "c3"),  # 40 days: no
]
ROLES = {"id": "record_id", "received": "date", "closed": "closed_date", "service": "service", "reason": "reason",
         "channel": "channel", "ward": "area", "cost": "cost", "handling": "handling_minutes", "customer": "customer_id"}
DEC, JAN, FEB, MAR = T("2023-12-01"), T("2024-01-01"), T("2024-02-01"), T("2024-03-01")


@pytest.fixture
def con(tmp_path):
    c = store.open_store(tmp_path / "t.duckdb")
    frame = pd.DataFrame(ROWS, columns=list(ROLES))
    load_frame(c, frame, dataset="t", kind="records", roles=ROLES)
    lookup = pd.DataFrame({"service": ["A", "A", "B", "B"], "reason": ["Chasing", "New request"] * 2,
                           "demand_type": ["failure", "value", "failure", "value"]})
    load_frame(c, lookup, dataset="t_classification", kind="lookup",
               roles={"service": "service", "reason": "reason", "demand_type": "demand_type"})
    yield c
    c.close()


def value(table, kpi, series, period):
    row = table[(table["kpi"] == kpi) & (table["series"] == series) & (table["period"] == period)]
    assert len(row) == 1, (kpi, series, period)
    return row["value"].iloc[0]
