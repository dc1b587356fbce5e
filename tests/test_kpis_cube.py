"""analysis.kpis.cube: the stored cube equals the live queries and goes stale with the data."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import store
from analysis.filters import Filters
from analysis.load.ingest import load_frame
from analysis.kpis import compute, cube, series
from tests.kpi_store import ROLES, ROWS, con  # noqa: F401 (the con fixture)

def test_stored_cube_matches_the_live_queries_and_goes_stale_with_the_data(con):
    ds = store.get_dataset(con, "t")
    built = cube.kpi_cube(con, ds, within_days=5)
    assert set(built["split"]) == {"", "service", "area", "channel", "service_area"}
    live = compute.record_kpi_table(con, ds, split="area", within_days=5, include_total=False)
    from_cube = built[built["split"] == "area"].drop(columns=["split"])
    merged = live.merge(from_cube, on=["kpi", "series", "period"], suffixes=("_live", "_cube"))
    assert len(merged) == len(live) == len(from_cube)
    assert np.allclose(merged["value_live"], merged["value_cube"], equal_nan=True)
    # Read back from the store the second time, same figures.
    again = cube.kpi_cube(con, ds, within_days=5)
    assert len(again) == len(built)
    pd.testing.assert_frame_equal(again, built)
    # Kept sparse: the periods with records and one marker per complete period, filled again when read back (a
    # filled cube of 1,156 wards by day over ten years was 8.5M rows of zeros for a 5,898-row file).
    with_records = len(compute.record_long(con, ds, None, grain="month", within_days=5, fill=False, filters=None,
                                           splits=["service", "area", "channel", "service_area"], include_total=True))
    periods_marked = store.query_rows(con, f"SELECT count(*) FROM {cube.CUBE_TABLE} WHERE kpi = ?",
                                      [cube.CUBE_BUILT])[0][0]
    assert periods_marked == built["period"].nunique() == 4
    stored = store.query_rows(con, f"SELECT count(*) FROM {cube.CUBE_TABLE}")[0][0]
    assert stored == with_records + periods_marked < len(built)
    # The whole cube, filled on reading, is what the live query gives with every period filled.
    live_all = compute.record_long(con, ds, None, grain="month", splits=["service", "area", "channel", "service_area"],
                                   include_total=True, filters=None, within_days=5)
    key = ["kpi", "split", "series", "period"]
    pd.testing.assert_frame_equal(built.sort_values(key).reset_index(drop=True),
                                  live_all[list(built.columns)].sort_values(key).reset_index(drop=True),
                                  check_dtype=False)
    # The matrix from the cube equals the matrix from live queries.
    a = series.summary_matrix(con, ds, within_days=5)
    b = series.summary_matrix(con, ds, within_days=5, use_cube=False)
    pd.testing.assert_frame_equal(a.sort_values(["kpi", "series"]).reset_index(drop=True),
                                  b.sort_values(["kpi", "series"]).reset_index(drop=True))
    # One service's chart comes from the cube; a service + channel one from a live query; both right.
    assert list(series.kpi_series(con, ds, "volume", filters=Filters(services="A"))["value"]) == \
        [1.0, 2.0, 2.0, 0.0]
    both = series.kpi_series(con, ds, "volume", filters=Filters(services="A", channels="Web"))
    assert list(both["value"]) == [0.0, 1.0, 1.0, 0.0]
    # One service's areas (small multiples) come from the cube's service x area pairs, as a live query gives them.
    cubed = series.kpi_series(con, ds, "repeat_pct", split="area", filters=Filters(services="A"))
    live = series.kpi_series(con, ds, "repeat_pct", split="area", filters=Filters(services="A"), use_cube=False)
    pd.testing.assert_frame_equal(cubed.sort_values(["series", "period"]).reset_index(drop=True),
                                  live.sort_values(["series", "period"]).reset_index(drop=True), check_dtype=False)
    assert set(cubed["series"]) == {"W1", "W2"}
    per_service = series.kpi_series(con, ds, "volume", split="service", filters=Filters(areas="W2"))
    assert list(per_service[per_service["series"] == "B"]["value"]) == [0.0, 2.0, 0.0, 1.0]  # rows 3, 4, 8
    # Reloading the data bumps its version: the stored cube is rebuilt from the new rows.
    frame = pd.DataFrame(ROWS, columns=list(ROLES))
    frame.loc[frame["id"] == 6, "service"] = "B"
    load_frame(con, frame, dataset="t", kind="records", roles=ROLES)
    ds2 = store.get_dataset(con, "t")
    assert list(series.kpi_series(con, ds2, "volume", filters=Filters(services="A"))["value"]) == \
        [1.0, 2.0, 1.0, 0.0]
    versions = store.query_rows(con, f"SELECT DISTINCT source FROM {cube.CUBE_TABLE}")
    assert len(versions) == 1
