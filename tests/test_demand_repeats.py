"""analysis.demand.repeats: the one definition of a repeat contact, on the small store and on a crafted dataset where
the Demand page's repeat rate and the KPI repeat % must agree exactly."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analysis import store
from analysis.demand import repeats
from analysis.errors import StocktakeError
from analysis.filters import Filters
from analysis.load.ingest import load_file, load_frame
from analysis.kpis import compute, cube
from tests.demand_store import ROLES, con, ds, records  # noqa: F401 (fixtures)


def test_repeat_demand_28_days_across_month_end(con, ds):
    result = repeats.repeat_demand(con, ds, Filters(), window_days=28)
    assert result.contacts == 9  # the contact without a customer id is left out
    assert result.repeats == 2  # 10 Jan -> 7 Feb (28 days), 31 Jan 23:00 -> 1 Feb 08:00
    assert result.rate == pytest.approx(2 / 9)
    by_reason = result.by_reason.set_index("reason")
    assert by_reason.loc["Chasing", ["contacts", "repeats"]].tolist() == [3, 2]
    assert by_reason.loc["New repair", "repeats"] == 0
    by_channel = result.by_channel.set_index("channel")
    assert by_channel.loc["Phone", ["contacts", "repeats"]].tolist() == [3, 2]
    assert result.pairs[["previous_reason", "reason", "count"]].values.tolist() == [
        ["Chasing", "Chasing", 1], ["New repair", "Chasing", 1]]
    # Calendar days: 7 Feb -> 7 Mar is 29 days, a repeat with a 29-day window.
    assert repeats.repeat_demand(con, ds, Filters(), window_days=29).repeats == 3

def test_repeat_counts_previous_contact_before_the_period(con, ds):
    # In February only: the 7 Feb contact's previous contact (10 Jan) is before the period but still counts.
    result = repeats.repeat_demand(con, ds, Filters(start=date(2024, 2, 1), end=date(2024, 2, 29)))
    assert (result.contacts, result.repeats) == (3, 2)
    # Filtering to Waste: the previous contact may be in any service; c3..c6 have one contact each.
    assert repeats.repeat_demand(con, ds, Filters(services=("Waste",))).repeats == 0

def test_repeat_needs_a_customer_role(tmp_path):
    con = store.open_store(tmp_path / "r.duckdb")
    load_frame(con, records().drop(columns="customer"), dataset="x", kind="records", roles={"received": "date"})
    with pytest.raises(StocktakeError, match="'Customer id'"):
        repeats.repeat_demand(con, store.get_dataset(con, "x"), Filters())

def test_repeat_derived_table_matches_live_and_follows_the_version(con, ds):
    filters = [Filters(), Filters(start=date(2024, 2, 1), end=date(2024, 2, 29)),
               Filters(channels=("Phone",), reasons=("Chasing",))]
    for f in filters:
        for days in (1, 28, 29):
            derived = repeats.repeat_demand(con, ds, f, days)
            live = repeats.repeat_demand(con, ds, f, days, use_derived=False)
            assert (derived.contacts, derived.repeats) == (live.contacts, live.repeats)
            pd.testing.assert_frame_equal(derived.by_reason, live.by_reason)
            pd.testing.assert_frame_equal(derived.pairs, live.pairs)
    first = repeats.repeat_table_name(ds, "customer_id")
    tables = lambda: [r[0] for r in store.query_rows(con, "SELECT table_name FROM duckdb_tables() "
                                                          "WHERE table_name LIKE 'ds_calls__repeat%'")]
    assert tables() == [first]
    # A new load gives a new version: the old derived table goes and the answer follows the new data.
    extra = records().iloc[[0]].assign(received=pd.Timestamp("2024-03-20 10:00"))
    load_frame(con, extra, dataset="calls", kind="records", mode="append")
    ds2 = store.get_dataset(con, "calls")
    assert repeats.repeat_demand(con, ds2, Filters()).repeats == 3  # c1 again 13 days after 7 March
    assert tables() == [repeats.repeat_table_name(ds2, "customer_id")] != [first]

def test_repeat_works_on_a_read_only_store(tmp_path):
    path = tmp_path / "ro.duckdb"
    con = store.open_store(path)
    load_frame(con, records(), dataset="calls", kind="records",
               roles={**{v: k for k, v in ROLES.items()}, "customer": "customer_id"})
    con.close()
    ro = store.open_store(path, read_only=True)
    try:
        assert repeats.repeat_demand(ro, store.get_dataset(ro, "calls"), Filters()).repeats == 2
    finally:
        ro.close()

REPEAT_ROWS = [
    ("c0", "2023-12-01 10:00", "A"), ("c0", "2024-04-30 10:00", "A"),  # the data's span: 1 December to 30 April
    ("c1", "2024-01-10 09:00", "A"), ("c1", "2024-02-07 15:00", "B"),  # 28 calendar days (28.25 elapsed): a repeat
    ("c2", "2024-02-12 08:00", "A"), ("c2", "2024-02-12 17:00", "A"),  # the same day: a repeat
    ("c3", "2024-02-20 10:00", "B"), ("c3", "2024-02-20 10:00", "B"),  # a tie in time: one of the two repeats
    ("c4", "2024-01-31 23:59", "A"), ("c4", "2024-02-28 00:01", "A"),  # 28 calendar days, 27 elapsed: a repeat
    ("c5", "2024-02-01 00:00", "B"), ("c5", "2024-03-01 23:00", "A"),  # 29 calendar days: not a repeat
    ("c6", "2024-03-05 12:00", "A"), ("c6", "2024-04-02 08:00", "B"),  # 28 calendar days, 27.8 elapsed: a repeat
    (None, "2024-02-15 12:00", "A"),  # no customer: not counted either way
]

@pytest.fixture
def repeat_store(tmp_path):
    con = store.open_store(tmp_path / "repeats.duckdb")
    frame = pd.DataFrame(REPEAT_ROWS, columns=["customer", "received", "service"])
    frame["received"] = pd.to_datetime(frame["received"])
    load_frame(con, frame, dataset="contacts", kind="records",
               roles={"customer": "customer_id", "received": "date", "service": "service"})
    yield con, store.get_dataset(con, "contacts")
    con.close()

def test_demand_repeat_rate_and_kpi_repeat_pct_agree_exactly(repeat_store):


    con, ds = repeat_store
    months = {pd.Timestamp("2024-01-01"): (date(2024, 1, 1), date(2024, 1, 31)),
              pd.Timestamp("2024-02-01"): (date(2024, 2, 1), date(2024, 2, 29)),
              pd.Timestamp("2024-03-01"): (date(2024, 3, 1), date(2024, 3, 31)),
              pd.Timestamp("2024-04-01"): (date(2024, 4, 1), date(2024, 4, 30))}
    table = compute.record_kpi_table(con, ds, ["repeat_pct"], split="service")
    stored = cube.kpi_cube(con, ds, kpi="repeat_pct")
    for month, (first, last) in months.items():
        for service in ("All", "A", "B"):
            chosen = Filters(start=first, end=last, services=() if service == "All" else (service,))
            for use_derived in (True, False):
                rate = repeats.repeat_demand(con, ds, chosen, use_derived=use_derived).rate
                kpi = table[(table["series"] == service) & (table["period"] == month)]["value"].iloc[0]
                in_cube = stored[(stored["series"] == service) & (stored["period"] == month)]["value"].iloc[0]
                if pd.isna(rate):
                    assert pd.isna(kpi) and pd.isna(in_cube), (month, service)
                else:
                    assert rate == kpi == in_cube, (month, service, use_derived)
    # The figures themselves: February has c1 (28 days), c2 (same day), c3 (tie) and c4 (28 days) among the 7
    # contacts with a customer (c5's 1 February contact and the first of c2's and c3's pairs are not repeats).
    feb = repeats.repeat_demand(con, ds, Filters(start=date(2024, 2, 1), end=date(2024, 2, 29)))
    assert (feb.repeats, feb.contacts) == (4, 7)
    assert repeats.repeat_demand(con, ds, Filters(start=date(2024, 3, 1), end=date(2024, 3, 31))).repeats == 0
    assert repeats.repeat_demand(con, ds, Filters(start=date(2024, 4, 1), end=date(2024, 4, 30))).repeats == 1

def test_repeats_on_a_date_column_without_times(tmp_path):
    """A date column of DATEs (no times) counts repeats by the same calendar days, in the KPI too."""


    con = store.open_store(tmp_path / "dates.duckdb")
    frame = pd.DataFrame(REPEAT_ROWS, columns=["customer", "received", "service"])
    frame["received"] = pd.to_datetime(frame["received"]).dt.strftime("%d/%m/%Y")  # a UK export: days only
    frame.to_csv(tmp_path / "contacts.csv", index=False)
    load_file(con, tmp_path / "contacts.csv", dataset="contacts", kind="records",
              roles={"customer": "customer_id", "received": "date", "service": "service"})
    ds = store.get_dataset(con, "contacts")
    assert ds.column("received").type == "date"
    feb = repeats.repeat_demand(con, ds, Filters(start=date(2024, 2, 1), end=date(2024, 2, 29)))
    table = compute.record_kpi_table(con, ds, ["repeat_pct"], split=None)
    assert (feb.repeats, feb.contacts) == (4, 7)
    assert table.loc[table["period"] == pd.Timestamp("2024-02-01"), "value"].iloc[0] == feb.rate
    con.close()
