"""Tests for analysis.demand: volume, Pareto, failure share, repeats, seasonality,
change decomposition and rates, each with answers worked out by hand on small frames."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analysis import classification, demand, store
from analysis.errors import StocktakeError
from analysis.filters import Filters
from analysis.ingest import load_file, load_frame

ROLES = {"date": "received", "service": "service", "reason": "reason", "channel": "channel", "area": "ward",
         "status": "status"}


# ---------------------------------------------------------------------------------------------- a small store


def _records() -> pd.DataFrame:
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
    load_frame(con, _records(), dataset="calls", kind="records",
               roles={**{v: k for k, v in ROLES.items()}, "customer": "customer_id"})
    yield con
    con.close()


@pytest.fixture
def ds(con):
    return store.get_dataset(con, "calls")


def test_volume_by_month_marks_incomplete_last_month(con, ds):
    frame = demand.volume_over_time(con, ds, Filters(), "month")
    assert frame["label"].tolist() == ["Jan 2024", "Feb 2024", "Mar 2024"]
    assert frame["count"].tolist() == [2, 4, 4]
    # The data end on 3 March: March is incomplete; January starts on the 10th, so it is partial too.
    assert frame["incomplete"].tolist() == [True, False, True]


def test_volume_incomplete_follows_chosen_end(con, ds):
    frame = demand.volume_over_time(con, ds, Filters(start=date(2024, 1, 1), end=date(2024, 2, 10)), "month")
    assert frame["count"].tolist() == [2, 2]
    # January: the data start on the 10th; February: the chosen end is the 10th.
    assert frame["incomplete"].tolist() == [True, True]
    frame = demand.volume_over_time(con, ds, Filters(end=date(2024, 2, 29)), "month")
    assert frame["incomplete"].tolist() == [True, False]


def test_volume_split_with_top_n_and_blank(con, ds):
    frame = demand.volume_over_time(con, ds, Filters(), "financial_year", split="area", top_n=2)
    assert frame["label"].unique().tolist() == ["2023/24"]
    got = dict(zip(frame["split"], frame["count"]))
    # North 3, South 3, East 2, 'north ' 1, blank 1: top 2 by count (ties by name order of sort) then the rest.
    assert sum(got.values()) == 10
    assert got["All other"] == 4
    assert set(got) == {"North", "South", "All other"}


def test_volume_by_week_starts_monday(con, ds):
    frame = demand.volume_over_time(con, ds, Filters(services=("Waste",)), "week")
    assert frame["period"].dt.day_of_week.eq(0).all()
    assert frame["count"].sum() == 5


def test_pareto_counts_reasons_to_80_percent():
    counts = pd.DataFrame({"reason": ["C", "A", "B", "D", "E"], "count": [10, 50, 30, 5, 5]})
    result = demand.pareto_of(counts)
    assert result.frame["reason"].tolist() == ["A", "B", "C", "D", "E"]
    assert result.frame["cumulative_share"].round(2).tolist() == [0.5, 0.8, 0.9, 0.95, 1.0]
    assert result.reasons_for_share == 2  # exactly 80% at the second reason
    assert result.frame["in_core"].tolist() == [True, True, False, False, False]
    result = demand.pareto_of(pd.DataFrame({"reason": ["A", "B", "C"], "count": [79, 1, 20]}))
    assert result.reasons_for_share == 2  # 79%, then 99%


def test_reason_pareto_on_store(con, ds):
    result = demand.reason_pareto(con, ds, Filters())
    assert result.frame["reason"].tolist() == ["Missed bin", "Chasing", "New repair", "New bin"]
    assert result.frame["count"].tolist() == [4, 3, 2, 1]
    assert result.reasons_for_share == 3  # 40%, 70%, 90%
    assert result.total == 10


def test_failure_share_overall_by_service_channel_and_period(con, ds):
    frame = classification.classification_frame(con, ds)
    types = {"Chasing": "failure", "Missed bin": "failure", "New repair": "value"}
    frame["demand_type"] = frame["reason"].map(types).fillna("unclassified")
    classification.save_classification(con, ds, frame)
    overall = demand.failure_share(con, ds, Filters())
    assert overall[["failure", "value", "unclassified", "total"]].values.tolist() == [[7, 2, 1, 10]]
    assert overall["failure_share"].iloc[0] == pytest.approx(7 / 9)
    assert overall["unclassified_share"].iloc[0] == pytest.approx(0.1)
    by_service = demand.failure_share(con, ds, Filters(), by="service").set_index("group")
    assert by_service.loc["Repairs", ["failure", "value", "unclassified"]].tolist() == [3, 2, 0]
    assert by_service.loc["Waste", ["failure", "value", "unclassified"]].tolist() == [4, 0, 1]
    by_channel = demand.failure_share(con, ds, Filters(services=("Waste",)), by="channel").set_index("group")
    assert by_channel.loc["Web", "failure_share"] == pytest.approx(1.0)
    assert by_channel.loc["Web", "unclassified"] == 1
    by_month = demand.failure_share(con, ds, Filters(), by="period", grain="month")
    assert by_month["label"].tolist() == ["Jan 2024", "Feb 2024", "Mar 2024"]
    assert by_month["failure"].tolist() == [1, 4, 2]
    assert by_month["incomplete"].tolist() == [True, False, True]


def test_repeat_demand_28_days_across_month_end(con, ds):
    result = demand.repeat_demand(con, ds, Filters(), window_days=28)
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
    assert demand.repeat_demand(con, ds, Filters(), window_days=29).repeats == 3


def test_repeat_counts_previous_contact_before_the_period(con, ds):
    # In February only: the 7 Feb contact's previous contact (10 Jan) is before the period but still counts.
    result = demand.repeat_demand(con, ds, Filters(start=date(2024, 2, 1), end=date(2024, 2, 29)))
    assert (result.contacts, result.repeats) == (3, 2)
    # Filtering to Waste: the previous contact may be in any service; c3..c6 have one contact each.
    assert demand.repeat_demand(con, ds, Filters(services=("Waste",))).repeats == 0


def test_repeat_needs_a_customer_role(tmp_path):
    con = store.open_store(tmp_path / "r.duckdb")
    load_frame(con, _records().drop(columns="customer"), dataset="x", kind="records", roles={"received": "date"})
    with pytest.raises(StocktakeError, match="'Customer id'"):
        demand.repeat_demand(con, store.get_dataset(con, "x"), Filters())


def test_day_hour_and_month_year(con, ds):
    assert demand.has_times(con, ds)
    grid = demand.day_hour_counts(con, ds, Filters())
    assert len(grid) == 168 and grid["count"].sum() == 10
    # 10 Jan 2024 and 7 Feb 2024 were Wednesdays, 09:15.
    assert grid.set_index(["day", "hour"]).loc[("Wednesday", 9), "count"] == 2
    months = demand.month_year_counts(con, ds, Filters())
    assert months[["year", "month", "count"]].values.tolist() == [[2024, "Jan", 2], [2024, "Feb", 4],
                                                                  [2024, "Mar", 4]]


def test_has_times_false_for_midnight_dates(tmp_path):
    con = store.open_store(tmp_path / "m.duckdb")
    load_frame(con, pd.DataFrame({"d": pd.to_datetime(["2024-01-01", "2024-01-02"])}), dataset="x",
               kind="records", roles={"d": "date"})
    assert not demand.has_times(con, store.get_dataset(con, "x"))


def test_change_contributions_add_up_exactly(con, ds):
    change = demand.change_between(con, ds, Filters(), before=(date(2024, 1, 1), date(2024, 1, 31)),
                                   after=(date(2024, 3, 1), date(2024, 3, 31)), by="reason")
    assert (change.before_total, change.after_total, change.total_change) == (2, 4, 2)
    table = change.contributions.set_index("category")
    assert table.loc["Missed bin", ["before", "after", "change"]].tolist() == [0, 2, 2]
    assert table.loc["Chasing", "change"] == -1
    assert int(change.contributions["change"].sum()) == change.total_change
    assert change.contributions["category"].iloc[0] == "Missed bin"  # largest change first
    water = demand.waterfall_frame(change, top_n=2, before_label="Jan", after_label="Mar")
    assert water["step"].tolist() == ["Jan", "Missed bin", "Chasing", "All other", "Mar"]
    assert water["end"].tolist() == [2, 4, 3, 4, 4]
    assert water.iloc[-2]["end"] == change.after_total


def test_decompose_change_exact_with_many_categories():
    import numpy as np
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"category": [f"r{i}" for i in range(300)],
                          "before": rng.integers(0, 10_000, 300), "after": rng.integers(0, 10_000, 300)})
    change = demand.decompose_change(frame)
    assert int(change.contributions["change"].sum()) == change.after_total - change.before_total
    assert change.contributions["share_of_change"].sum() == pytest.approx(1.0)


def test_rate_per_thousand_matches_areas_ignoring_case(con, ds):
    assert demand.rate_per_thousand(con, ds, Filters()) is None
    load_frame(con, pd.DataFrame({"Ward": ["NORTH", "South", "East"], "Residents": [2000, 4000, 500]}),
               dataset="calls_population", kind="lookup", roles={"Ward": "area", "Residents": "population"})
    rates = demand.rate_per_thousand(con, ds, Filters()).set_index("area")
    assert rates.loc["North", "rate_per_1000"] == pytest.approx(1.5)  # 3 per 2,000
    assert rates.loc["north ", "rate_per_1000"] == pytest.approx(0.5)  # 'north ' matches NORTH too
    assert rates.loc["East", "rate_per_1000"] == pytest.approx(4.0)
    assert rates.loc["South", "rate_per_1000"] == pytest.approx(0.75)
    assert rates.index[0] == "East"


def test_filter_options(con, ds):
    options = demand.filter_options(con, ds)
    assert options["service"] == ["Repairs", "Waste"]
    assert options["area"] == ["(blank)", "East", "North", "South", "north "]
    assert "customer_id" not in options


def test_total_and_drilldown(con, ds):
    f = Filters().narrowed("reason", ["Missed bin"])
    assert f.reasons == ("Missed bin",)
    assert demand.total_count(con, ds, f) == 4
    assert demand.total_count(con, ds, Filters(areas=("(blank)",))) == 1
    assert demand.total_count(con, ds, Filters(weekdays=(3,), hours=(9,))) == 2


def test_repeat_derived_table_matches_live_and_follows_the_version(con, ds):
    filters = [Filters(), Filters(start=date(2024, 2, 1), end=date(2024, 2, 29)),
               Filters(channels=("Phone",), reasons=("Chasing",))]
    for f in filters:
        for days in (1, 28, 29):
            derived = demand.repeat_demand(con, ds, f, days)
            live = demand.repeat_demand(con, ds, f, days, use_derived=False)
            assert (derived.contacts, derived.repeats) == (live.contacts, live.repeats)
            pd.testing.assert_frame_equal(derived.by_reason, live.by_reason)
            pd.testing.assert_frame_equal(derived.pairs, live.pairs)
    first = demand.repeat_table_name(ds, "customer_id")
    tables = lambda: [r[0] for r in store.query_rows(con, "SELECT table_name FROM duckdb_tables() "
                                                          "WHERE table_name LIKE 'ds_calls__repeat%'")]
    assert tables() == [first]
    # A new load gives a new version: the old derived table goes and the answer follows the new data.
    extra = _records().iloc[[0]].assign(received=pd.Timestamp("2024-03-20 10:00"))
    load_frame(con, extra, dataset="calls", kind="records", mode="append")
    ds2 = store.get_dataset(con, "calls")
    assert demand.repeat_demand(con, ds2, Filters()).repeats == 3  # c1 again 13 days after 7 March
    assert tables() == [demand.repeat_table_name(ds2, "customer_id")] != [first]


def test_repeat_works_on_a_read_only_store(tmp_path):
    path = tmp_path / "ro.duckdb"
    con = store.open_store(path)
    load_frame(con, _records(), dataset="calls", kind="records",
               roles={**{v: k for k, v in ROLES.items()}, "customer": "customer_id"})
    con.close()
    ro = store.open_store(path, read_only=True)
    try:
        assert demand.repeat_demand(ro, store.get_dataset(ro, "calls"), Filters()).repeats == 2
    finally:
        ro.close()


@pytest.mark.parametrize("filters, grain, split", [
    (Filters(), "month", None),
    (Filters(services=("Waste",), start=date(2024, 2, 1)), "week", "channel"),
    (Filters(areas=("(blank)", "North")), "financial_year", "area"),
    (Filters(reasons=("Nothing like this",)), "day", None),
])
def test_page_figures_equal_the_single_figure_functions(con, ds, filters, grain, split):
    frame = classification.classification_frame(con, ds)
    frame["demand_type"] = frame["reason"].map({"Chasing": "failure", "New repair": "value"}).fillna("unclassified")
    classification.save_classification(con, ds, frame)
    load_frame(con, pd.DataFrame({"Ward": ["NORTH", "South"], "Residents": [2000, 4000]}),
               dataset="calls_population", kind="lookup", roles={"Ward": "area", "Residents": "population"})
    figs = demand.page_figures(con, ds, filters, grain, split, top_n=2)
    assert figs.total == demand.total_count(con, ds, filters)
    pd.testing.assert_frame_equal(figs.volume, demand.volume_over_time(con, ds, filters, grain, split, top_n=2))
    single = demand.reason_pareto(con, ds, filters)
    pd.testing.assert_frame_equal(figs.pareto.frame, single.frame, check_dtype=False)
    assert figs.pareto.reasons_for_share == single.reasons_for_share
    for by in (None, "service", "channel", "period"):
        pd.testing.assert_frame_equal(figs.failure[by], demand.failure_share(con, ds, filters, by=by, grain=grain),
                                      check_dtype=False)
    pd.testing.assert_frame_equal(figs.day_hour, demand.day_hour_counts(con, ds, filters))
    pd.testing.assert_frame_equal(figs.month_year, demand.month_year_counts(con, ds, filters))
    pd.testing.assert_frame_equal(figs.rate, demand.rate_per_thousand(con, ds, filters), check_dtype=False)


def test_page_figures_without_service_channel_area(tmp_path):
    con = store.open_store(tmp_path / "p.duckdb")
    load_frame(con, _records()[["received", "reason"]], dataset="x", kind="records",
               roles={"received": "date", "reason": "reason"})
    ds = store.get_dataset(con, "x")
    frame = classification.classification_frame(con, ds)
    frame["demand_type"] = frame["reason"].map({"Missed bin": "failure"}).fillna("value")
    classification.save_classification(con, ds, frame)
    figs = demand.page_figures(con, ds, Filters())
    assert set(figs.failure) == {None, "period"}
    assert figs.failure[None][["failure", "value"]].values.tolist() == [[4, 6]]
    pd.testing.assert_frame_equal(figs.failure["period"], demand.failure_share(con, ds, Filters(), by="period"),
                                  check_dtype=False)
    assert figs.rate is None


# ---------------------------------------------------------------------------------------------- one repeat definition

# customer, received, service. December is the KPIs' warm-up month; January to April are complete months.
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
    from analysis import kpis

    con, ds = repeat_store
    months = {pd.Timestamp("2024-01-01"): (date(2024, 1, 1), date(2024, 1, 31)),
              pd.Timestamp("2024-02-01"): (date(2024, 2, 1), date(2024, 2, 29)),
              pd.Timestamp("2024-03-01"): (date(2024, 3, 1), date(2024, 3, 31)),
              pd.Timestamp("2024-04-01"): (date(2024, 4, 1), date(2024, 4, 30))}
    table = kpis.record_kpi_table(con, ds, ["repeat_pct"], split="service")
    cube = kpis.kpi_cube(con, ds, kpi="repeat_pct")
    for month, (first, last) in months.items():
        for service in ("All", "A", "B"):
            chosen = Filters(start=first, end=last, services=() if service == "All" else (service,))
            for use_derived in (True, False):
                rate = demand.repeat_demand(con, ds, chosen, use_derived=use_derived).rate
                kpi = table[(table["series"] == service) & (table["period"] == month)]["value"].iloc[0]
                stored = cube[(cube["series"] == service) & (cube["period"] == month)]["value"].iloc[0]
                if pd.isna(rate):
                    assert pd.isna(kpi) and pd.isna(stored), (month, service)
                else:
                    assert rate == kpi == stored, (month, service, use_derived)
    # The figures themselves: February has c1 (28 days), c2 (same day), c3 (tie) and c4 (28 days) among the 7
    # contacts with a customer (c5's 1 February contact and the first of c2's and c3's pairs are not repeats).
    feb = demand.repeat_demand(con, ds, Filters(start=date(2024, 2, 1), end=date(2024, 2, 29)))
    assert (feb.repeats, feb.contacts) == (4, 7)
    assert demand.repeat_demand(con, ds, Filters(start=date(2024, 3, 1), end=date(2024, 3, 31))).repeats == 0
    assert demand.repeat_demand(con, ds, Filters(start=date(2024, 4, 1), end=date(2024, 4, 30))).repeats == 1


def test_repeats_on_a_date_column_without_times(tmp_path):
    """A date column of DATEs (no times) counts repeats by the same calendar days, in the KPI too."""
    from analysis import kpis

    con = store.open_store(tmp_path / "dates.duckdb")
    frame = pd.DataFrame(REPEAT_ROWS, columns=["customer", "received", "service"])
    frame["received"] = pd.to_datetime(frame["received"]).dt.strftime("%d/%m/%Y")  # a UK export: days only
    frame.to_csv(tmp_path / "contacts.csv", index=False)
    load_file(con, tmp_path / "contacts.csv", dataset="contacts", kind="records",
              roles={"customer": "customer_id", "received": "date", "service": "service"})
    ds = store.get_dataset(con, "contacts")
    assert ds.column("received").type == "date"
    feb = demand.repeat_demand(con, ds, Filters(start=date(2024, 2, 1), end=date(2024, 2, 29)))
    table = kpis.record_kpi_table(con, ds, ["repeat_pct"], split=None)
    assert (feb.repeats, feb.contacts) == (4, 7)
    assert table.loc[table["period"] == pd.Timestamp("2024-02-01"), "value"].iloc[0] == feb.rate
    con.close()
