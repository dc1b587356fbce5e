"""The Spend page's sums (analysis.spend.scan), the matching of services (analysis.spend.matching) and the file
name's month (analysis.spend.checks.months_in_name), on small frames whose answers are worked out by hand."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analysis import store
from analysis.filters import OTHER, Filters
from analysis.load.ingest import load_frame
from analysis.spend import checks, matching, scan
from analysis.spend.page import default_change_periods, month_span

ROLES = {"paid": "date", "amount": "amount", "service": "service", "category": "category", "supplier": "supplier"}


@pytest.fixture
def payments(empty_store):
    con = store.open_store(empty_store)
    frame = pd.DataFrame({
        "paid": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-02-03", "2024-02-10", "2024-03-01", None]),
        "amount": [1000.10, 250.00, 400.00, -150.05, 3000.00, 99.95],
        "service": ["Housing", "Housing", "Waste", "Waste", "Housing", "Parks"],
        "category": ["Repairs", "Materials", "Contract", "Contract", "Repairs", "Grounds"],
        "supplier": ["Acme Ltd", "Bolt & Co", "Clean plc", "Clean plc", "Acme Ltd", None],
    })
    load_frame(con, frame, dataset="pay", kind="spend", roles=ROLES)
    yield con, store.get_dataset(con, "pay")
    con.close()


def test_one_scan_gives_the_totals_with_credits_apart_and_every_split(payments):
    con, ds = payments
    found = scan.spend_scan(con, ds, Filters(), scan.page_sets(ds))
    assert found.total == {"net": 4600.0, "paid": 4750.05, "credits": -150.05, "payments": 5, "credit_rows": 1}
    months = scan.by_period(found, "month")
    # The payment without a date counts in the total and in no month.
    assert months[["label", "net", "credits"]].values.tolist() == [
        ["Jan 2024", 1250.10, 0.0], ["Feb 2024", 249.95, -150.05], ["Mar 2024", 3000.0, 0.0]]
    years = scan.by_period(found, "financial_year")
    assert years[["label", "net"]].values.tolist() == [["2023/24", 4500.05]]
    by_supplier = scan.by_role(found, "supplier", 2)
    assert by_supplier["value"].tolist() == ["Acme Ltd", "Bolt & Co", OTHER]
    assert by_supplier["net"].tolist() == [4000.10, 250.0, 349.90] and by_supplier["members"].tolist() == [1, 1, 2]
    assert round(by_supplier["share"].sum(), 10) == 1.0


def test_filters_and_drill_values_narrow_the_scan(payments):
    con, ds = payments
    found = scan.spend_scan(con, ds, Filters(services=("Waste",)), scan.page_sets(ds))
    assert found.total["net"] == 249.95 and found.total["credit_rows"] == 1
    dated = scan.spend_scan(con, ds, Filters(start=date(2024, 1, 10), end=date(2024, 2, 29)), scan.page_sets(ds))
    assert dated.total["net"] == 499.95  # 250 + 400 - 150.05: the undated payment is outside any period
    found = scan.spend_scan(con, ds, Filters(categories=("Repairs",), suppliers=("Acme Ltd",)), ("total",))
    assert found.total["net"] == 4000.10


def test_supplier_concentration_top_share_and_how_many_make_80_percent(payments):
    con, ds = payments
    c = scan.concentration(scan.spend_scan(con, ds, Filters(), ("supplier", "total")))
    # Suppliers by net spend: Acme 4000.10, Bolt 250, Clean 249.95, (blank) 99.95 -> total 4600.
    assert c.suppliers == 4 and c.top_share == pytest.approx(1.0)
    assert c.core == 1  # Acme alone is 87% of the spend
    assert c.curve["supplier"].tolist()[:2] == ["Acme Ltd", "Bolt & Co"]


def test_the_change_in_spend_adds_up_to_the_penny(payments):
    con, ds = payments
    found = scan.change_between(con, ds, Filters(), (date(2024, 1, 1), date(2024, 1, 31)),
                                (date(2024, 2, 1), date(2024, 2, 29)), "service")
    assert (found.before_total, found.after_total) == (1250.10, 249.95)
    assert dict(zip(found.contributions["category"], found.contributions["change"])) == {
        "Housing": -1250.10, "Waste": 249.95}
    assert round(found.contributions["change"].sum(), 2) == round(found.after_total - found.before_total, 2)


def test_the_payments_behind_a_bar_are_listed_largest_first(payments):
    con, ds = payments
    shown = scan.payments(con, ds, Filters(services=("Housing",)))
    assert shown["amount"].tolist() == [3000.0, 1000.10, 250.0]


def test_default_change_periods_are_whole_months():
    assert month_span(date(2017, 10, 3), date(2017, 12, 27)) == (date(2017, 10, 1), date(2017, 12, 31))
    assert default_change_periods(date(2017, 10, 3), date(2017, 12, 27)) == (
        (date(2017, 11, 1), date(2017, 11, 30)), (date(2017, 12, 1), date(2017, 12, 31)))
    assert default_change_periods(date(2022, 4, 5), date(2025, 9, 30)) == (
        (date(2023, 10, 1), date(2024, 9, 30)), (date(2024, 10, 1), date(2025, 9, 30)))


@pytest.mark.parametrize("records,ledger,alike", [
    ("Parking", "Parking Services", True), ("Council tax", "Revenues - Council Tax", True),
    ("Housing repairs", "Housing Repairs & Maintenance", True), ("Waste and recycling", "Waste & Recycling", True),
    ("Planning", "Legal & Democratic", False), ("Highways", "Corporate Services", False),
])
def test_services_are_matched_by_their_names(records, ledger, alike):
    assert (matching.similarity(records, ledger) >= matching.MIN_SIMILARITY) is alike


def test_a_suggested_mapping_leaves_a_service_with_no_match_unmatched():
    found = matching.suggest_mapping(["Housing repairs", "Parking"], ["Parking Services", "Legal & Democratic",
                                                                      "Housing Repairs & Maintenance"])
    assert dict(zip(found["spend_service"], found["records_service"])) == {
        "Parking Services": "Parking", "Legal & Democratic": matching.NOT_MATCHED,
        "Housing Repairs & Maintenance": "Housing repairs"}


@pytest.mark.parametrize("name,span", [
    ("oxford_cc_expenditure_over_500_oct_dec_2017.csv", (date(2017, 10, 1), date(2017, 12, 31))),
    ("expenditure-over-500-apr-jun-2014.csv", (date(2014, 4, 1), date(2014, 6, 30))),
    ("Payments over 500 - September 2023.xlsx", (date(2023, 9, 1), date(2023, 9, 30))),
    ("payments_2017_10.csv", (date(2017, 10, 1), date(2017, 10, 31))),
    ("spend-nov-jan-2018.csv", (date(2017, 11, 1), date(2018, 1, 31))),
    ("supplier_payments.csv", None),
])
def test_the_months_a_file_name_says_it_covers(name, span):
    assert checks.months_in_name(name) == span
