"""A small records store shared by the Demand tests: ten contacts worked through by hand in each test."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import store
from analysis.load.ingest import load_frame

ROLES = {"date": "received", "service": "service", "reason": "reason", "channel": "channel", "area": "ward",
         "status": "status"}


def records() -> pd.DataFrame:
    rows = [
        # received, service, reason, channel, ward, status, customer
        ("2024-01-10 09:15", "Repairs", "Chasing", "Phone", "North", "Closed", "c1"),
        ("2024-02-07 09:15", "Repairs", "Chasing", "Phone", "North", "Closed", "c1"),  # 28 days later: repeat
        ("2024-03-07 10:00", "Repairs", "New repair", "Web", "North", "Open", "c1"),  # 29 days later: not
        ("2024-01-31 23:00", "Repairs", "New repair", "Web", "South", "Closed", "c2"),
        ("2024-02-01 08:00", "Repairs", "Chasing", "Phone", "South", "Closed", "c2"),  # next day: repeat
        ("2024-02-15 12:00", "Waste", "Missed bin", "Web", "South", "Closed", "c3"),
        ("2024-02-20 12:30", "Waste", "Missed bin", "Phone", "north ", "Closed", None),
        ("2024-03-01 14:00", "Waste", "New bin", "Web", "East", "Closed", "c4"),
        ("2024-03-02 14:00", "Waste", "Missed bin", "Web", "East", "Closed", "c5"),
        ("2024-03-03 15:00", "Waste", "Missed bin", "Web", None, "Open", "c6"),
    ]
    frame = pd.DataFrame(rows, columns=["received", "service", "reason", "channel", "ward", "status", "customer"])
    frame["received"] = pd.to_datetime(frame["received"])
    return frame


@pytest.fixture
def con(tmp_path):
    con = store.open_store(tmp_path / "d.duckdb")
    load_frame(con, records(), dataset="calls", kind="records",
               roles={**{v: k for k, v in ROLES.items()}, "customer": "customer_id"})
    yield con
    con.close()


@pytest.fixture
def ds(con):
    return store.get_dataset(con, "calls")
