"""analysis.charts.overview: the top values of a column as bars, blanks named."""

from __future__ import annotations

import pandas as pd

from analysis.charts.overview import build_top_values_chart


def test_top_values_chart():
    frame = pd.DataFrame({"value": ["Waste", None, "Parking"], "rows": [30, 5, 12]})
    spec = build_top_values_chart(frame, title="Rows by service (top 8)", label="Service").to_dict()
    assert spec["title"]["text"] == "Rows by service (top 8)"
    rows = pd.DataFrame(next(iter(spec["datasets"].values())))
    assert rows["value"].tolist() == ["Waste", "(blank)", "Parking"]
    assert spec["encoding"]["y"]["title"] == "Service" and spec["encoding"]["x"]["title"] == "Rows"
