"""Totals inside the data (issue 18): a generated table as Public Health Scotland publishes one, with a national total
row, an "All reasons" row flagged "d" in its qualifier column and an age band that is the sum of the others. They are
found at load and reported; sums, counts of areas and peer groups leave them out; the peer chart draws the nation."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import store
from analysis.load import ingest, totals
from analysis.charts import spc as charts
from analysis.filters import Filters
from analysis.kpis import cube, peers, series
from analysis.overview import summarise_dataset
from analysis.charts.spec import make_spec, rows_spec

BOARDS = ["S08000015", "S08000016", "S08000017", "S08000019"]
REASONS = ["Health and social care", "Patient and family", "Code 9"]
AGES = ["18-74", "75plus"]
MONTHS = [201607, 201608, 201609, 201610, 201611, 201612]


def delays_frame() -> pd.DataFrame:
    """Bed days by month, board, reason and age, with every total a published file carries."""
    rows = []
    for m, month in enumerate(MONTHS):
        for b, board in enumerate(BOARDS):
            for a, age in enumerate(AGES):
                values = [10 + 7 * m + 5 * b + 3 * a + 11 * r for r in range(len(REASONS))]
                rows += [(month, board, age, "", reason, "", v) for reason, v in zip(REASONS, values)]
                rows.append((month, board, age, "", "All reasons", "d", sum(values)))
    frame = pd.DataFrame(rows, columns=["MonthOfDelay", "HBT", "AgeGroup", "AgeGroupQF", "ReasonForDelay",
                                        "ReasonForDelayQF", "NumberOfDelayedBedDays"])
    # 18plus: the sum of the two age bands, flagged derived.
    keys = ["MonthOfDelay", "HBT", "ReasonForDelay", "ReasonForDelayQF"]
    adults = frame.groupby(keys, as_index=False)["NumberOfDelayedBedDays"].sum().assign(AgeGroup="18plus",
                                                                                      AgeGroupQF="d")
    frame = pd.concat([frame, adults[frame.columns]], ignore_index=True)
    # Scotland: the sum of the boards.
    keys = ["MonthOfDelay", "AgeGroup", "AgeGroupQF", "ReasonForDelay", "ReasonForDelayQF"]
    nation = frame.groupby(keys, as_index=False)["NumberOfDelayedBedDays"].sum().assign(HBT="S92000003")
    return pd.concat([frame, nation[frame.columns]], ignore_index=True)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("totals")
    path = folder / "delayed discharges.csv"
    frame = delays_frame()
    frame.to_csv(path, index=False)
    con = store.open_store(folder / "store.duckdb")
    report = ingest.load_file(con, path, dataset="delays", kind="kpi")
    yield con, report, frame
    con.close()


def ordinary(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[(frame["HBT"] != "S92000003") & (frame["ReasonForDelay"] != "All reasons")
                 & (frame["AgeGroup"] != "18plus")]


def test_the_totals_are_found_marked_and_reported(loaded):
    con, report, frame = loaded
    ds = store.get_dataset(con, "delays")
    assert ds.roles["total"] == "Total row" and ds.roles["period"] == "MonthOfDelay"
    assert ds.column("MonthOfDelay").grain == "month"
    marked = store.query_df(con, f'SELECT * FROM {ds.table} WHERE "Total row" IS NOT NULL')
    assert report.rows_total == len(marked) == len(frame) - len(ordinary(frame)) == 216
    sentence = next(w for w in report.warnings if "totals of the others" in w)
    assert sentence.startswith("216 rows are totals of the others, not one more category: ")
    # 6 months x 3 ages x 4 reasons of Scotland; 18plus of 5 areas x 6 months x 4 reasons; All reasons of 5 areas x
    # 6 months x 3 ages.
    for part in ("national total: 'S92000003 (Scotland)' in 'HBT' (72 rows)",
                 "flagged 'd' (derived) in 'AgeGroupQF' (120 rows)",
                 "flagged 'd' (derived) in 'ReasonForDelayQF' (90 rows)",
                 "'All reasons' in 'ReasonForDelay' is every other one (90 rows)"):
        assert part in sentence, sentence


def test_sums_counts_of_areas_and_peer_groups_leave_them_out(loaded):
    con, _, frame = loaded
    ds = store.get_dataset(con, "delays")
    kept = ordinary(frame)
    # The series (every board's mean each month) is the mean of the ordinary rows only.
    got = series.kpi_dataset_table(con, ds, split=None)
    expected = kept.groupby("MonthOfDelay")["NumberOfDelayedBedDays"].mean().to_numpy()
    assert got["value"].to_numpy() == pytest.approx(expected)
    # With the totals asked for, they would have been counted (the figure differs).
    every = series.kpi_dataset_table(con, ds, split=None, filters=Filters(with_totals=True))
    assert every["value"].iloc[0] > got["value"].iloc[0]
    # Counts of areas: four boards, not Scotland as a fifth.
    assert summarise_dataset(con, ds).distinct["area"] == 4
    assert cube.split_values(con, ds, "area") == BOARDS
    # Peer groups: the boards only; Scotland is the comparator line.
    assert peers.organisations(con, ds) == BOARDS
    peer = peers.peer_comparison(con, ds, "NumberOfDelayedBedDays", "S08000015")
    first = peer.iloc[0]
    assert first["of"] == 4
    july = kept[kept["MonthOfDelay"] == 201607].groupby("HBT")["NumberOfDelayedBedDays"].mean()
    assert first["median_all"] == pytest.approx(july.median())
    nation = frame[(frame["HBT"] == "S92000003") & (frame["MonthOfDelay"] == 201607)
                   & (frame["ReasonForDelay"] != "All reasons") & (frame["AgeGroup"] != "18plus")]
    assert first["national"] == pytest.approx(nation["NumberOfDelayedBedDays"].mean())
    assert peer.attrs["national_label"] == "Scotland"


def test_the_peer_chart_draws_the_national_line(loaded):
    con, _, _ = loaded
    ds = store.get_dataset(con, "delays")
    peer = peers.peer_comparison(con, ds, "NumberOfDelayedBedDays", "S08000015")
    spec = rows_spec(make_spec(charts.build_peer_chart, peer, title="Bed days: S08000015 and its comparators",
                               own_label="S08000015", national_label=peer.attrs["national_label"], grain="month"))
    fields = [layer["encoding"]["y"]["field"] for layer in spec["layer"]]
    assert fields == ["comparator_q1", "comparator_median", "own_value", "national"]
    assert "Scotland (purple dotted line)" in " ".join(spec["title"]["subtitle"]) \
        if isinstance(spec["title"]["subtitle"], list) else "Scotland (purple dotted line)" in spec["title"]["subtitle"]


def test_taking_the_role_off_counts_them_in(loaded, tmp_path):
    con, _, frame = loaded
    path = tmp_path / "again.csv"
    frame.to_csv(path, index=False)
    ingest.load_file(con, path, dataset="delays_again", kind="kpi")
    store.set_roles(con, "delays_again", {"Total row": None})
    ds = store.get_dataset(con, "delays_again")
    assert "total" not in ds.roles
    assert cube.split_values(con, ds, "area") == BOARDS + ["S92000003"]


@pytest.mark.parametrize("values,expected", [
    (["S92000003", "S08000015", "S08000016"], ["S92000003"]),
    (["England", "Barnet", "Camden"], ["England"]),
    (["United Kingdom", "England", "Scotland", "Wales"], ["United Kingdom"]),
    (["England", "Scotland", "Wales"], []),  # nations side by side: none is the total of the others
    (["Barnet", "Camden"], []),
])
def test_national_values(values, expected):
    assert totals.national_values(values) == expected


@pytest.mark.parametrize("value,is_total", [
    ("Total", True), ("Grand total", True), ("All", True), ("All delay reasons", True), ("All ages", True),
    ("ALL AREAS", True), ("All Saints", False), ("All Souls", False), ("Totally Local", False), ("Ward", False),
])
def test_total_words(value, is_total):
    assert totals.is_total_word(value) is is_total


def test_a_records_file_without_totals_gets_no_marker(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text("Received,Ward,Reason\n01/02/2024 10:00,All Saints,Bins\n02/02/2024 11:00,Abbey,Noise\n"
                    "03/02/2024 12:00,Abbey,Bins\n")
    con = store.open_store(tmp_path / "s.duckdb")
    try:
        report = ingest.load_file(con, path, dataset="calls")
        assert report.rows_total == 0 and "total" not in store.get_dataset(con, "calls").roles
        assert [c.name for c in report.columns] == ["Received", "Ward", "Reason"]
    finally:
        con.close()
