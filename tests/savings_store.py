"""Small savings inputs shared by the savings tests: a phone-only baseline and a small records store."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import store
from analysis.load.ingest import load_frame
from analysis.savings import baseline, costs

SOCITM = dict(costs.SOCITM_2012)


def phone_only(contacts=10_000, failure=0, minutes_sum=0.0, minutes_n=0):
    cells = pd.DataFrame({"service": ["Repairs"], "channel": ["Phone"], "contacts": [contacts],
                          "failure_contacts": [failure], "minutes_sum": [minutes_sum], "minutes_n": [minutes_n]})
    return baseline.baseline_from_frame(cells)


def records() -> pd.DataFrame:
    rows = []
    # 2023-12 is outside the period; 2024 has: A/Phone 6 (4 chasing), A/Web 2, B/Phone 3 (1 chasing), B/Email 1.
    spec = [
        ("2023-12-20", "A", "Chasing", "Phone", 10.0),
        *[("2024-01-15", "A", "Chasing", "Phone", 8.0)] * 4,
        *[("2024-03-02", "A", "New request", "Phone", 5.0)] * 2,
        *[("2024-05-05", "A", "New request", "Web", None)] * 2,
        ("2024-06-01", "B", "Chasing", "Phone", 12.0),
        *[("2024-07-07", "B", "Payment", "Phone", 6.0)] * 2,
        ("2024-12-31 23:00", "B", "Payment", "Email", 4.0),
    ]
    for i, (when, service, reason, channel, minutes) in enumerate(spec):
        rows.append({"id": i, "received": pd.Timestamp(when), "service": service, "reason": reason,
                     "channel": channel, "minutes": minutes})
    return pd.DataFrame(rows)


@pytest.fixture()


def small_store(tmp_path):
    path = tmp_path / "t.duckdb"
    con = store.open_store(path)
    load_frame(con, records(), dataset="calls", kind="records",
               roles={"id": "record_id", "received": "date", "service": "service", "reason": "reason",
                      "channel": "channel", "minutes": "handling_minutes"})
    load_frame(con, pd.DataFrame({"service": ["A", "A", "B", "B"], "reason": ["Chasing", "New request", "Chasing",
                                                                              "Payment"],
                                  "demand_type": ["failure", "value", "failure", "value"]}),
               dataset="calls_classification", kind="lookup",
               roles={"service": "service", "reason": "reason", "demand_type": "demand_type"})
    load_frame(con, pd.DataFrame({"channel": ["Phone", "Email"], "unit_cost": [3.0, 1.5],
                                  "source": ["Local study", "=HYPERLINK(1)"]}),
               dataset="calls_costs", kind="lookup", roles={"channel": "channel", "unit_cost": "unit_cost",
                                                            "source": "source"})
    yield con, path
    con.close()
