"""analysis.kpis.peers: rank, quartile and distance from the comparators' median, worked by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import store
from analysis.errors import StocktakeError
from analysis.load.ingest import load_frame
from analysis.kpis import peers

T = pd.Timestamp

def test_peer_comparison(tmp_path):
    c = store.open_store(tmp_path / "b.duckdb")
    areas = ["Own", "P1", "P2", "P3", "P4"]
    frame = pd.DataFrame({
        "period": [T("2024-01-01")] * 5 + [T("2024-02-01")] * 5,
        "area": areas * 2,
        "measure": ["Days to close"] * 10,
        "value": [10.0, 8.0, 12.0, 14.0, 6.0,   # Jan: lower is better; Own 10 ranks 3rd of 5
                  5.0, 8.0, 12.0, 14.0, 6.0],   # Feb: Own 5 is best
    })
    load_frame(c, frame, dataset="bench", kind="kpi",
               roles={"period": "period", "area": "area", "measure": "measure", "value": "value"})
    assert [d.name for d in peers.benchmark_datasets(c)] == ["bench"]
    ds = store.get_dataset(c, "bench")
    p = peers.peer_comparison(c, ds, "Days to close", "Own", improvement="decrease")
    jan, feb = p.iloc[0], p.iloc[1]
    assert jan["comparators"] == 4 and jan["comparator_median"] == 10.0  # median of 8, 12, 14, 6
    assert jan["rank"] == 3 and jan["of"] == 5 and jan["quartile"] == 3  # ceil(4 x 3 / 5)
    assert jan["distance_from_median"] == 0.0 and jan["better_than_median"] is None
    assert jan["comparator_q1"] == pytest.approx(7.5) and jan["comparator_q3"] == pytest.approx(12.5)
    assert feb["rank"] == 1 and feb["quartile"] == 1 and feb["distance_from_median"] == -5.0
    assert feb["better_than_median"] is True
    higher = peers.peer_comparison(c, ds, "Days to close", "Own", improvement="increase")
    assert higher.iloc[1]["rank"] == 5 and higher.iloc[1]["quartile"] == 4
    with pytest.raises(StocktakeError, match="not an area"):
        peers.peer_comparison(c, ds, "Days to close", "Nowhere")
    assert "league table" in peers.PEER_CAUTION
    c.close()
