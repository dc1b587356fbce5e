"""analysis.filters: the filter object, its WHERE clause and bound values (exact SQL, table-driven), its sentence."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from analysis import filters
from analysis.errors import StocktakeError
from analysis.filters import Filters

ROLES = {"date": "received", "service": "service", "reason": "reason", "channel": "channel", "area": "ward",
         "status": "status"}


@pytest.mark.parametrize(
    "chosen, expected_sql, expected_params",
    [
        (Filters(), "", []),
        (Filters(services=("Housing repairs",)), 'WHERE "service" IN (?)', ["Housing repairs"]),
        (Filters(channels=("Phone", "Web"), services=("Parking",)),
         'WHERE "service" IN (?) AND "channel" IN (?, ?)', ["Parking", "Phone", "Web"]),
        (Filters(start=date(2023, 4, 1), end=date(2025, 3, 31)),
         'WHERE "received" >= ? AND "received" < ?', [datetime(2023, 4, 1), datetime(2025, 4, 1)]),
        (Filters(end=date(2024, 12, 31), statuses=("Open",)),
         'WHERE "received" < ? AND "status" IN (?)', [datetime(2025, 1, 1), "Open"]),
        (Filters(areas=("(blank)",)), 'WHERE "ward" IS NULL', []),
        (Filters(reasons=("Chasing", "(blank)")), 'WHERE ("reason" IN (?) OR "reason" IS NULL)', ["Chasing"]),
        (Filters(reasons=('Robert"); DROP TABLE x; --',)), 'WHERE "reason" IN (?)', ['Robert"); DROP TABLE x; --']),
        (Filters(weekdays=(1,), hours=(9, 10)), 'WHERE isodow("received") IN (?) AND hour("received") IN (?, ?)',
         [1, 9, 10]),
        # A single value (a picker on the Performance page) is one value, not its letters.
        (Filters(services="Waste", areas="North"), 'WHERE "service" IN (?) AND "ward" IN (?)', ["Waste", "North"]),
    ],
)
def test_build_where(chosen, expected_sql, expected_params):
    assert filters.build_where(chosen, ROLES) == (expected_sql, expected_params)


def test_build_where_alias_odd_names_and_the_period_role():
    roles = {"date": 'Date "of" call', "service": "service", "period": "Month"}
    sql, params = filters.build_where(Filters(start=date(2024, 1, 1), services=("A",)), roles, alias="t")
    assert sql == 'WHERE t."Date ""of"" call" >= ? AND t."service" IN (?)'
    assert params == [datetime(2024, 1, 1), "A"]
    clauses, params = filters.where_clauses(Filters(end=date(2024, 3, 31)), roles, date_role="period")
    assert clauses == ['"Month" < ?'] and params == [datetime(2024, 4, 1)]


def test_build_where_missing_role_names_it():
    with pytest.raises(StocktakeError, match="role 'Channel'"):
        filters.build_where(Filters(channels=("Phone",)), {"date": "d"})


def test_period_start_after_end_is_refused():
    with pytest.raises(StocktakeError, match="swap the dates"):
        Filters(start=date(2025, 1, 1), end=date(2024, 1, 1))


@pytest.mark.parametrize(
    "values, expected",
    [
        ({"service": "Waste", "area": None, "channel": ""}, Filters(services=("Waste",))),
        ({"area": ["North", "South"]}, Filters(areas=("North", "South"))),
        ({}, Filters()),
    ],
)
def test_for_roles(values, expected):
    assert Filters.for_roles(values) == expected


def test_for_roles_refuses_a_role_that_is_not_a_filter():
    with pytest.raises(StocktakeError, match="cannot be filtered by 'Cost"):
        Filters.for_roles({"cost": "10"})


def test_narrowed_without_and_active_roles():
    chosen = Filters(start=date(2024, 1, 1), services=("A",), hours=(9,)).narrowed("reason", ["Chasing"])
    assert chosen.reasons == ("Chasing",) and chosen.values("service") == ("A",)
    assert chosen.active_roles() == ["date", "service", "reason", "hour"]
    assert chosen.without("date", "service").active_roles() == ["reason", "hour"]


@pytest.mark.parametrize(
    "chosen, sentence",
    [
        (Filters(services=("Housing repairs",), channels=("Phone", "Web"), start=date(2023, 4, 1),
                 end=date(2025, 3, 31)), "Housing repairs, phone and web, April 2023 – March 2025"),
        (Filters(), "All records, all dates"),
        (Filters(start=date(2024, 6, 3)), "All records, from 3 June 2024"),
        (Filters(end=date(2024, 6, 30)), "All records, up to June 2024"),
        (Filters(start=date(2024, 6, 1), end=date(2024, 6, 30)), "All records, June 2024"),
        (Filters(start=date(2024, 6, 3), end=date(2024, 7, 5)), "All records, 3 June 2024 – 5 July 2024"),
        (Filters(reasons=("Chasing progress",), areas=("Ward A", "Ward B"), statuses=("Open",)),
         "Reason ‘Chasing progress’, in Ward A and Ward B, status Open, all dates"),
        (Filters(services=("A", "B", "C", "D")), "4 services, all dates"),
        (Filters(channels=("Phone", "Web", "Email")), "Phone, web and email, all dates"),
        (Filters(weekdays=(3,), hours=(9,)), "Wednesdays, 09:00–10:00, all dates"),
    ],
)
def test_describe(chosen, sentence):
    assert filters.describe(chosen) == sentence


def test_describe_without_dates():
    assert filters.describe(Filters(weekdays=(1, 7), start=date(2024, 1, 1)), with_dates=False) == \
        "Mondays and Sundays"


@pytest.mark.parametrize("column_type", ["DATE", "TIMESTAMP"])
def test_where_runs_on_date_and_timestamp_columns(column_type):
    """The same clause keeps the same rows whether the date column holds dates or timestamps."""
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t (received {column_type}, service VARCHAR)")
    con.execute("INSERT INTO t VALUES ('2024-01-31', 'A'), ('2024-02-01', 'A'), ('2024-02-29', NULL), "
                "('2024-03-01', 'B')")
    where, params = filters.build_where(Filters(start=date(2024, 2, 1), end=date(2024, 2, 29),
                                                services=("A", filters.BLANK), weekdays=(4, 5)), ROLES)
    assert con.execute(f"SELECT count(*) FROM t {where}", params).fetchone()[0] == 2  # 1 Feb (Thu), 29 Feb (Thu)
