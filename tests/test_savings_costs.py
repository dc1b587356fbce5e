"""analysis.savings.costs: unit costs from a lookup, else the Socitm benchmark, and the gaps named."""

from __future__ import annotations

import pandas as pd

from analysis import store
from analysis.load.ingest import load_frame
from analysis.savings import costs


def test_unit_cost_table_prefers_lookup_then_socitm_and_notes_gaps():
    lookup = pd.DataFrame({"channel": ["Phone"], "unit_cost": [4.10], "source": ["Finance 2024/25"]})
    table = costs.unit_cost_table(["Phone", "Telephone", "Online", "Email"], lookup, "demo_channel_costs")
    by = table.set_index("channel")
    assert by.loc["Phone", "unit_cost"] == 4.10
    assert "Finance 2024/25" in by.loc["Phone", "source"]
    assert by.loc["Telephone", "unit_cost"] == 2.83
    assert by.loc["Online", "unit_cost"] == 0.15
    assert by.loc["Telephone", "source"] == costs.SOCITM_SOURCE
    assert pd.isna(by.loc["Email", "unit_cost"])
    assert "No unit cost for 'Email'" in by.loc["Email", "note"]


def test_unit_cost_lookups_are_the_lookups_with_channel_and_cost(tmp_path):
    con = store.open_store(tmp_path / "c.duckdb")
    prices = pd.DataFrame({"channel": ["Phone", "Web"], "cost": [4.1, 0.2]})
    load_frame(con, prices, dataset="prices", kind="lookup", roles={"channel": "channel", "cost": "unit_cost"})
    load_frame(con, prices, dataset="no_costs", kind="lookup", roles={"channel": "channel"})
    assert costs.unit_cost_lookups(con) == {"prices": store.get_dataset(con, "prices").version}
    table = costs.read_unit_cost_lookup(con, "prices")
    assert table["unit_cost"].tolist() == [4.1, 0.2] and table["source"].isna().all()
    con.close()
