"""The two Oxford City Council spending quarters (../shared/data/real/), loaded from the command line with their
defaults as a new user would load them: read as spending with their different headers mapped to the same roles, and
the Spend page's totals, credits, top suppliers and (2017) monthly sums equal to an independent pandas computation
on the raw files. The 2014 file, whose payment dates are all '00:00:00', shows its totals by service, category and
supplier and says plainly that it has no usable dates (issue 20)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis import explore, registry, store
from analysis.workshop.sessions import View
from tests.conftest import real_data_file
from tests.test_real_files import OXFORD_2014, OXFORD_2017, cli_load, page_text

ROLES = ("amount", "service", "category", "supplier", "transaction_id", "capital_revenue")


def raw_payments(name: str) -> pd.DataFrame:
    """The file as pandas reads it, on its own terms: amounts as numbers, names trimmed, dates day-first."""
    raw = pd.read_csv(real_data_file(name), dtype=str)
    raw["Amount"] = pd.to_numeric(raw["Amount"].str.replace(",", "").str.replace("£", ""))
    raw["Supplier Name"] = raw["Supplier Name"].str.strip()
    return raw


@pytest.fixture(scope="module")
def oxford(tmp_path_factory):
    paths = {name: real_data_file(name) for name in (OXFORD_2017, OXFORD_2014)}
    db = tmp_path_factory.mktemp("oxford") / "oxford.duckdb"
    printed = {name: cli_load(db, path, name[-12:-4]) for name, path in paths.items()}  # 'oct_dec_2017'…
    return db, printed


def _drawn(db, dataset: str, figure: str, **state):
    con = store.open_store(db)
    try:
        return explore.draw_saved(registry.Context(con), View("council-spend", figure, {}, {"dataset": dataset,
                                                                                           **state}))
    finally:
        con.close()


def test_both_quarters_load_as_spending_with_their_headers_mapped_to_the_same_roles(oxford):
    db, printed = oxford
    con = store.open_store(db)
    try:
        new, old = store.get_dataset(con, "dec_2017"), store.get_dataset(con, "jun_2014")
    finally:
        con.close()
    assert new.kind == old.kind == "spend"
    for text in printed.values():
        assert "Read as spending (payments): guessed from its headers (a supplier and an amount)" in text
    assert {r: new.roles[r] for r in ROLES} == {
        "amount": "Amount", "service": "Service Area", "category": "Expenditure Category",
        "supplier": "Supplier Name", "transaction_id": "Trans No", "capital_revenue": "Type of Expenditure"}
    assert {r: old.roles[r] for r in ROLES} == {
        "amount": "Amount", "service": "Organisational Unit", "category": "Expenditure Category",
        "supplier": "Supplier Name", "transaction_id": "Trans No", "capital_revenue": "Type"}
    assert new.roles["date"] == "Paid Date" and "date" not in old.roles


@pytest.mark.parametrize("name,dataset", [(OXFORD_2017, "dec_2017"), (OXFORD_2014, "jun_2014")])
def test_totals_credits_and_top_suppliers_equal_pandas_on_the_raw_file(oxford, name, dataset):
    db, _ = oxford
    raw = raw_payments(name)
    credits = raw[raw["Amount"] < 0]["Amount"]
    suppliers = raw.groupby("Supplier Name")["Amount"].sum().sort_values(ascending=False)
    services = raw.groupby(raw.columns[1])["Amount"].sum().sort_values(ascending=False)
    by_supplier = _drawn(db, dataset, "by_supplier", sp_top=5)
    frame, total = by_supplier.result
    assert total == round(raw["Amount"].sum(), 2) == {"dec_2017": 17_382_055.90, "jun_2014": 14_165_887.28}[dataset]
    assert frame["value"].tolist()[:5] == suppliers.index[:5].tolist()
    assert frame["net"].tolist()[:5] == suppliers.round(2).tolist()[:5]
    assert frame["value"].iloc[-1] == "All other" and frame["members"].iloc[-1] == raw["Supplier Name"].nunique() - 5 \
        + (1 if raw["Supplier Name"].isna().any() else 0)
    scanned = _drawn(db, dataset, "by_service", sp_top=30).result[0]
    assert dict(zip(scanned["value"], scanned["net"])) == services.round(2).to_dict()
    over = by_supplier.figure.page.figures["over_time"]
    if dataset == "dec_2017":
        drawn = _drawn(db, dataset, over.key)
        assert dict(drawn.headline) == {"Net spend": "£17,382,056", "Payments (3,850)": "£17,496,575",
                                        f"Credits ({len(credits)})": "-£114,519"}
        assert round(credits.sum(), 2) == -114_518.92 and drawn.result[1]["credits"] == -114_518.92
    else:
        assert (len(credits), round(credits.sum(), 2)) == (13, -5_208.82)
        assert "WILLMOTT DIXON CONSTRUCTION LTD" in frame["value"].tolist()  # written with 19 spaces after it


def test_the_2017_monthly_sums_equal_pandas_on_the_raw_file(oxford):
    db, _ = oxford
    raw = raw_payments(OXFORD_2017)
    paid = pd.to_datetime(raw["Paid Date"], format="%d/%m/%Y")
    by_month = raw.groupby(paid.dt.to_period("M"))["Amount"].sum().round(2)
    drawn = _drawn(db, "dec_2017", "over_time")
    table = drawn.result[0]
    assert table["label"].tolist() == ["Oct 2017", "Nov 2017", "Dec 2017"]
    assert table["net"].tolist() == by_month.tolist() == [6_260_189.14, 5_574_745.12, 5_547_121.64]
    spc = _drawn(db, "dec_2017", "spc")
    assert spc.result["value"].round(2).tolist() == by_month.tolist()


def test_the_2014_file_shows_its_totals_and_says_plainly_it_has_no_usable_dates(oxford, monkeypatch, open_app):
    db, _ = oxford
    monkeypatch.setenv("STOCKTAKE_DB", str(db))
    at = open_app("pages/spend.py", query_params={"dataset": "jun_2014"})
    said = [i.value for i in at.info]
    assert ("'jun_2014' has no usable payment dates: all 3,836 values of 'Paid Date' are '00:00:00' (a time with no "
            "day).") in said[0]
    assert {m.label: m.value for m in at.metric}["Net spend"] == "£14,165,887"
    titles = [json.loads(c.proto.spec)["title"]["text"] for c in at.get("vega_lite_chart")]
    assert titles[:3] == ["Spend by service: the top 10", "Spend by expenditure category: the top 10",
                          "Spend by supplier: the top 10"]
    assert "Supplier concentration" in [s.value for s in at.subheader]
    assert "Something went wrong" not in page_text(at)


def test_the_2017_page_in_the_app(oxford, monkeypatch, open_app):
    db, _ = oxford
    monkeypatch.setenv("STOCKTAKE_DB", str(db))
    at = open_app("pages/spend.py", query_params={"dataset": "dec_2017"})
    shown = {m.label: m.value for m in at.metric}
    assert (shown["Net spend"], shown["Credits (5)"], shown["Largest supplier"]) == (
        "£17,382,056", "-£114,519", "WILLMOTT DIXON CONSTRUCTION LTD")
    assert any("Data from 3 October 2017 to 27 December 2017" in c.value for c in at.caption)
    assert not at.info or all("records" in i.value for i in at.info)  # only the unit costs ask for records
