"""Lookups belong to datasets: chosen for one, or matching its names, and the demo's never applied to real data."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import lookups, store
from analysis.demand import figures
from analysis.load.ingest import load_frame


def _records(con, name="calls_311", areas=("North", "South", "East"), channels=("Phone", "Online")):
    frame = pd.DataFrame({
        "received": pd.date_range("2024-01-01", periods=300, freq="D"),
        "area": [areas[i % len(areas)] for i in range(300)],
        "channel": [channels[i % len(channels)] for i in range(300)],
    })
    load_frame(con, frame, dataset=name, kind="records", roles={"received": "date", "area": "area",
                                                                "channel": "channel"})
    return store.get_dataset(con, name)


def _population(con, name, areas, source="populations.csv"):
    load_frame(con, pd.DataFrame({"ward": list(areas), "people": [1000 * (i + 1) for i in range(len(areas))]}),
               dataset=name, kind="lookup", roles={"ward": "area", "people": "population"}, source_file=source)


def test_a_demo_lookup_is_not_applied_to_a_non_demo_dataset(demo_store):
    con = store.open_store(demo_store)
    try:
        demo = store.get_dataset(con, "demo_contacts")
        # The demo's own records do use the demo's lookups, by their matching names.
        assert lookups.lookup_for(con, demo, lookups.POPULATION).lookup.name == "demo_ward_population"
        assert lookups.lookup_for(con, demo, lookups.UNIT_COST).lookup.name == "demo_channel_costs"
        # A user's file whose areas and channels are spelled exactly as the demo's still gets none of them.
        wards = store.query_rows(con, "SELECT DISTINCT ward FROM ds_demo_ward_population ORDER BY 1 LIMIT 3")
        mine = _records(con, areas=tuple(w[0] for w in wards), channels=("Phone", "Web", "Face to face"))
        assert lookups.candidates(con, mine, lookups.POPULATION) == []
        assert lookups.candidates(con, mine, lookups.UNIT_COST) == []
        assert lookups.lookup_for(con, mine, lookups.POPULATION).lookup is None
        assert lookups.lookup_for(con, mine, lookups.UNIT_COST).lookup is None
        assert figures.find_population_lookup(con, mine) is None
        # Nor can it be chosen for it.
        with pytest.raises(Exception, match="cannot supply populations"):
            lookups.choose_lookup(con, mine.name, lookups.POPULATION, "demo_ward_population")
    finally:
        con.close()


def test_a_lookup_applies_when_its_names_match_and_says_how_well(tmp_path):
    con = store.open_store(tmp_path / "l.duckdb")
    ds = _records(con, areas=("North", "South", "East", "West"))
    _population(con, "wards_2021", ["north ", "SOUTH", "East"])  # case and spaces ignored; West is missing
    _population(con, "districts", ["District 1", "District 2"])  # nothing in common
    choice = lookups.lookup_for(con, ds, lookups.POPULATION)
    assert (choice.lookup.name, choice.how, choice.match_rate) == ("wards_2021", "matched", 0.75)
    assert choice.sentence() == ("Using 'wards_2021' because its names match this dataset's: it has the area of "
                                 "75.0% of the records.")
    con.close()


def test_a_lookup_matching_fewer_than_half_of_the_records_does_not_apply(tmp_path):
    con = store.open_store(tmp_path / "l.duckdb")
    ds = _records(con, areas=("North", "South", "East"))
    _population(con, "one_ward", ["North"])  # a third of the records
    assert lookups.lookup_for(con, ds, lookups.POPULATION).lookup is None
    con.close()


def test_a_chosen_lookup_is_remembered_per_dataset(tmp_path):
    con = store.open_store(tmp_path / "l.duckdb")
    ds = _records(con)
    other = _records(con, name="other_calls")
    _population(con, "one_ward", ["North"])
    lookups.choose_lookup(con, ds.name, lookups.POPULATION, "one_ward")
    choice = lookups.lookup_for(con, ds, lookups.POPULATION)
    assert (choice.lookup.name, choice.how, round(choice.match_rate, 4)) == ("one_ward", "chosen", 0.3333)
    # Only for the dataset it was chosen for.
    assert lookups.lookup_for(con, other, lookups.POPULATION).lookup is None
    # "None" is a choice too: a matching lookup is then not used.
    _population(con, "all_wards", ["North", "South", "East"])
    assert lookups.lookup_for(con, other, lookups.POPULATION).lookup.name == "all_wards"
    lookups.choose_lookup(con, other.name, lookups.POPULATION, None)
    assert lookups.lookup_for(con, other, lookups.POPULATION).lookup is None
    lookups.forget_choice(con, other.name, lookups.POPULATION)
    assert lookups.lookup_for(con, other, lookups.POPULATION).lookup.name == "all_wards"
    con.close()


def test_the_savings_page_on_a_non_demo_dataset_uses_the_named_benchmark(demo_store, open_app):
    con = store.open_store(demo_store)
    _records(con, channels=("Phone", "Web", "Face to face"))
    con.close()
    at = open_app("pages/savings.py", query_params={"dataset": "calls_311"})
    assert not at.exception and not at.error
    assert at.selectbox(key="sv_preset").value == "Socitm 2012 benchmark"
    assert at.selectbox(key="sv_preset").options == ["Socitm 2012 benchmark"]  # the demo's costs are not offered
    assert any("Socitm Insight, channel value benchmarking (2012)" in c.value for c in at.caption)
    # 2024-01-01 to 2024-10-26 is less than a year: the baseline says it is scaled.
    assert any("scaled to a year: treat it as indicative" in w.value for w in at.warning)


def test_the_demand_page_of_a_non_demo_dataset_uses_no_demo_population(demo_store, open_app):
    con = store.open_store(demo_store)
    wards = [w[0] for w in store.query_rows(con, "SELECT DISTINCT ward FROM ds_demo_ward_population ORDER BY 1 LIMIT 3")]
    _records(con, areas=tuple(wards))
    con.close()
    at = open_app("pages/demand.py", query_params={"dataset": "calls_311"})
    assert not at.exception and not at.error
    assert any("No population lookup applies to this dataset" in i.value for i in at.info)
