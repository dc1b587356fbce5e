"""The demand figures on real data: London Fire Brigade animal rescues 2009-2019 (../shared/data/real).

Loaded through the project's own file loader (``ingest.load_file`` with ``unify_case`` on the animal group and the
borough, since the file spells 33 boroughs 71 ways and has "cat" and "Cat"), then counted by ``analysis.demand``.
The expected counts are computed independently here with pandas from the raw CSV: dates parsed as dd/mm/yyyy HH:MM,
names compared trimmed and lower-cased.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analysis import store
from analysis.demand import choices, figures
from analysis.filters import BLANK, Filters
from analysis.load.ingest import load_file
from tests.conftest import real_data_file

FILE = "lfb_animal_rescue_2009_2019.csv"


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    frame = pd.read_csv(real_data_file(FILE), dtype=str, keep_default_na=False, encoding="utf-8")
    frame["when"] = pd.to_datetime(frame["DateTimeOfCall"], format="%d/%m/%Y %H:%M")
    frame["month"] = frame["when"].dt.to_period("M").dt.to_timestamp()
    for col in ("AnimalGroupParent", "Borough"):
        # A blank name is what the demand figures call '(blank)'.
        frame[col + "_key"] = frame[col].str.strip().str.lower().replace("", BLANK)
    return frame


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    path = real_data_file(FILE)
    con = store.open_store(tmp_path_factory.mktemp("lfb") / "lfb.duckdb")
    report = load_file(
        con, path, dataset="animal_rescue", kind="records",
        roles={"DateTimeOfCall": "date", "AnimalGroupParent": "reason", "Borough": "area",
               "OriginofCall": "channel", "IncidentNumber": "record_id"},
        unify_case=["AnimalGroupParent", "Borough"],
    )
    yield con, store.get_dataset(con, "animal_rescue"), report
    con.close()


def _expected(raw: pd.DataFrame, key: str) -> pd.Series:
    return raw.groupby(["month", key]).size().rename("count")


def _ours(volume: pd.DataFrame) -> pd.Series:
    frame = volume.assign(key=volume["split"].str.strip().str.lower(), month=pd.to_datetime(volume["period"]))
    return frame.groupby(["month", "key"])["count"].sum().rename("count")


def test_every_row_loaded(loaded, raw):
    con, ds, report = loaded
    assert report.rows_rejected == 0
    assert ds.row_count == len(raw) == 5898


@pytest.mark.parametrize("role, column", [("reason", "AnimalGroupParent"), ("area", "Borough")])
def test_monthly_counts_by_group_match_pandas(loaded, raw, role, column):
    con, ds, _ = loaded
    volume = figures.volume_over_time(con, ds, Filters(), "month", split=role, top_n=1000)
    # Case variants are unified: one spelling per name, and as many names as pandas finds ignoring case.
    names = volume["split"].unique()
    keys = pd.Series(names).str.strip().str.lower()
    assert not keys.duplicated().any(), sorted(names)
    assert len(names) == raw[column + "_key"].nunique()
    expected = _expected(raw, column + "_key")
    ours = _ours(volume)
    pd.testing.assert_series_equal(ours.sort_index(), expected.sort_index(), check_names=False, check_dtype=False)


def test_boroughs_unified_from_71_spellings_to_33_or_so(raw, loaded):
    con, ds, _ = loaded
    spellings = raw["Borough"].str.strip().replace("", pd.NA).dropna().nunique()
    rates = figures.volume_over_time(con, ds, Filters(), "financial_year", split="area", top_n=1000)
    unified = rates.loc[rates["split"] != BLANK, "split"].nunique()
    assert spellings > unified == raw.loc[raw["Borough_key"] != BLANK, "Borough_key"].nunique()


def test_monthly_totals_and_incomplete_last_month(loaded, raw):
    con, ds, _ = loaded
    volume = figures.volume_over_time(con, ds, Filters(), "month")
    expected = raw.groupby("month").size()
    assert volume["count"].tolist() == expected.tolist()
    assert volume["label"].iloc[0] == "Jan 2009"
    last_day = raw["when"].max()
    # The file ends part-way through its last month unless that day is the month's last.
    assert bool(volume["incomplete"].iloc[-1]) == (last_day.day != last_day.days_in_month)
    assert not volume["incomplete"].iloc[:-1].any()


def test_pareto_of_animals_matches_pandas(loaded, raw):
    con, ds, _ = loaded
    pareto = figures.reason_pareto(con, ds, Filters(start=date(2009, 1, 1), end=date(2018, 12, 31)))
    in_period = raw[raw["when"] < "2019-01-01"]
    expected = in_period["AnimalGroupParent_key"].value_counts()
    ours = pareto.frame.assign(key=pareto.frame["reason"].str.lower()).set_index("key")["count"]
    assert ours.sort_index().tolist() == expected.sort_index().tolist()
    cumulative = expected.sort_values(ascending=False).cumsum() / expected.sum()
    assert pareto.reasons_for_share == int((cumulative < 0.8).sum()) + 1


def test_day_hour_from_real_times(loaded, raw):
    con, ds, _ = loaded
    assert choices.has_times(con, ds)
    grid = figures.day_hour_counts(con, ds, Filters()).set_index(["day_number", "hour"])["count"]
    expected = raw.groupby([raw["when"].dt.day_of_week + 1, raw["when"].dt.hour]).size()
    for (day, hour), n in expected.items():
        assert grid.loc[(day, hour)] == n
    assert grid.sum() == len(raw)
