"""Payments loaded as a spending dataset: the kind and its roles recognised from the Transparency Code's headers and
their variants, amounts as finance systems write them, and every bad input the issue lists said in a sentence with
nothing loaded lost (issue 20)."""

from __future__ import annotations

import pytest

from analysis import store
from analysis.errors import StocktakeError
from analysis.load import ingest
from analysis.load.preview import inspect_file
from analysis.load.suggest import suggest_kind
from tests.test_cli import run_cli

HEADER = "Payment Date,Service Area,Expenditure Category,Supplier Name,Net Amount,Transaction Number\n"


def payments_csv(path, month: int = 10, rows: int = 120, amount=lambda i: f"{500 + i}.25", date=None,
                 ids=lambda month, i: f"T{month}-{i}"):
    lines = [HEADER]
    for i in range(rows):
        day = date(i) if date else f"{i % 28 + 1:02d}/{month:02d}/2017"
        lines.append(f"{day},Service {i % 3},Category {i % 4},Supplier {i % 5},{amount(i)},{ids(month, i)}\n")
    path.write_text("".join(lines))
    return path


@pytest.fixture
def con(empty_store):
    con = store.open_store(empty_store)
    yield con
    con.close()


@pytest.mark.parametrize("header,roles", [
    # Oxford's and the Code's own headers, and the variants councils and finance systems write.
    ("Paid Date,Service Area,Expenditure Category,Trans No,Amount,Supplier Name",
     {"Paid Date": "date", "Service Area": "service", "Expenditure Category": "category", "Trans No": "transaction_id",
      "Amount": "amount", "Supplier Name": "supplier"}),
    ("Payment Date,Directorate,Expense Type,Transaction Number,Net Amount,Beneficiary,Cost Centre,Capital/Revenue",
     {"Payment Date": "date", "Directorate": "service", "Expense Type": "category",
      "Transaction Number": "transaction_id", "Net Amount": "amount", "Beneficiary": "supplier",
      "Cost Centre": "cost_centre", "Capital/Revenue": "capital_revenue"}),
    ("Date,Department,Purpose,Payee,Value £,Irrecoverable VAT Amount",
     {"Date": "date", "Department": "service", "Purpose": "category", "Payee": "supplier", "Value £": "amount"}),
])
def test_a_payments_file_is_guessed_as_spending_with_its_roles(con, tmp_path, header, roles):
    names = header.split(",")
    day = lambda i: f"{i % 28 + 1:02d}/10/2017"  # noqa: E731
    values = {"Paid Date": day, "Payment Date": day, "Date": day, "Trans No": lambda i: f"10401{i:02d} - 2",
              "Transaction Number": lambda i: f"T{i}", "Amount": lambda i: f"{834 + i}.29",
              "Net Amount": lambda i: f'"£1,{200 + i}.00"', "Value £": lambda i: f'"({500 + i}.00)"',
              "Irrecoverable VAT Amount": lambda i: "0", "Capital/Revenue": lambda i: ("Revenue", "Capital")[i % 2],
              "Cost Centre": lambda i: f"CC{100 + i % 7}"}
    rows = [",".join(values[n](i) if n in values else f"{n} {i % 4}" for n in names) for i in range(40)]
    path = tmp_path / "payments.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    preview = inspect_file(con, path, kind="records")
    assert suggest_kind(preview.columns) == "spend"
    chosen = inspect_file(con, path, kind="spend")
    assert {c.name: c.role for c in chosen.columns if c.role} == roles


def test_amounts_as_finance_systems_write_them(con, tmp_path):
    amounts = ["£1,234.56", "(1,234.56)", "1,234.56 CR", "1234.56CR", "1,000.00 Cr", "250.00 DR", "-£5.00", "£-5.00"]
    path = payments_csv(tmp_path / "amounts.csv", rows=len(amounts), amount=lambda i: f'"{amounts[i]}"')
    report = ingest.load_file(con, path, dataset="amounts", kind="spend")
    assert report.rows_rejected == 0
    loaded = store.query_rows(con, 'SELECT "Net Amount" FROM ds_amounts ORDER BY "Transaction Number"')
    assert [r[0] for r in loaded] == [1234.56, -1234.56, -1234.56, -1234.56, -1000.0, 250.0, -5.0, -5.0]


def test_an_amount_with_text_in_it_is_set_aside_and_said(con, tmp_path):
    path = payments_csv(tmp_path / "text.csv", rows=300, amount=lambda i: "TBC" if i == 5 else f"{500 + i}.25")
    report = ingest.load_file(con, path, dataset="text", kind="spend")
    assert (report.rows_loaded, report.rows_rejected) == (299, 1)
    assert "1 payment has an amount in 'Net Amount' that is not a number: they were set aside as rejected rows " \
           "(download them from this report), so no total counts them." in report.warnings
    assert ingest.rejected_rows(con, "text")["reason"].tolist() == ["'Net Amount': 'TBC' is not a number"]


def test_an_amount_column_mostly_text_is_named(con, tmp_path):
    path = payments_csv(tmp_path / "mostly.csv", rows=40, amount=lambda i: "TBC" if i % 10 == 0 else "600")
    report = ingest.load_file(con, path, dataset="mostly", kind="spend")
    said = next(w for w in report.warnings if w.startswith("No column has the role 'Amount (£)'"))
    assert "'Net Amount' has text among its numbers in 4 rows (such as 'TBC'), so it was read as text" in said
    assert report.rows_loaded == 40  # nothing lost: every row is there, its amount as written


def test_amounts_that_are_all_zero_are_said(con, tmp_path):
    path = payments_csv(tmp_path / "zero.csv", rows=20, amount=lambda i: "0.00")
    report = ingest.load_file(con, path, dataset="zero", kind="spend", roles={
        "Payment Date": "date", "Net Amount": "amount", "Supplier Name": "supplier", "Service Area": "service"})
    assert report.rows_loaded == 20
    assert any(w.startswith("Every amount in 'Net Amount' is £0") for w in report.warnings), report.warnings
    # Left to itself the preview passes the column over as the amount, and says why.
    preview = inspect_file(con, path, kind="spend")
    assert "passed over as the Amount (£): every value is 0" in preview.columns[4].notes


def test_credits_larger_than_the_spend_are_said(con, tmp_path):
    path = payments_csv(tmp_path / "signs.csv", rows=20, amount=lambda i: f"-{700 + i}.00" if i else "100.00")
    report = ingest.load_file(con, path, dataset="signs", kind="spend")
    said = next(w for w in report.warnings if w.startswith("The credits (19, "))
    assert "are larger than the payments (£100.00), so the net spend is negative" in said


def test_a_payment_dated_outside_the_files_month_is_said(con, tmp_path):
    path = payments_csv(tmp_path / "payments_october_2017.csv", rows=60,
                        date=lambda i: "29/09/2017" if i == 3 else f"{i % 28 + 1:02d}/10/2017")
    report = ingest.load_file(con, path, dataset="oct", kind="spend")
    assert report.rows_loaded == 60
    assert ("1 payment is dated outside October 2017, the month its name says it covers (such as 29/09/2017). They "
            "are loaded with their own dates: check them.") in report.warnings


def test_the_same_month_appended_twice_is_refused_and_changes_nothing(con, tmp_path):
    october = payments_csv(tmp_path / "payments_october_2017.csv")
    ingest.load_file(con, october, dataset="ledger", kind="spend")
    before = store.get_dataset(con, "ledger")
    with pytest.raises(StocktakeError) as refused:
        ingest.load_file(con, october, dataset="ledger", kind="spend", mode=ingest.APPEND)
    assert str(refused.value) == (
        "The payments of October 2017 are already in 'ledger': 120 of this file's 120 transaction ids are loaded "
        "already, so it looks like the same month appended twice. Nothing was changed. To load it again, replace "
        "the dataset instead of appending.")
    after = store.get_dataset(con, "ledger")
    assert (after.row_count, after.version) == (before.row_count, before.version) == (120, before.version)


def test_appending_months_reports_transaction_ids_already_loaded(con, tmp_path):
    ingest.load_file(con, payments_csv(tmp_path / "payments_october_2017.csv"), dataset="ledger", kind="spend")
    # November's file repeats three of October's transaction ids (a system that numbers by day).
    november = payments_csv(tmp_path / "payments_november_2017.csv", month=11,
                            ids=lambda month, i: f"T10-{i}" if i < 3 else f"T{month}-{i}")
    report = ingest.load_file(con, november, dataset="ledger", kind="spend", mode=ingest.APPEND)
    assert report.rows_loaded == 120 and store.get_dataset(con, "ledger").row_count == 240
    assert ("3 transaction ids of this file are already in 'ledger' (such as 'T10-0', 'T10-1', 'T10-2'): both rows "
            "are kept; check whether they are the same payment.") in report.warnings


def test_the_command_line_loads_spending_with_kind_spend(tmp_path):
    db = tmp_path / "s.duckdb"
    path = payments_csv(tmp_path / "payments.csv")
    done = run_cli("load", str(path), "--dataset", "pay", "--db", str(db), "--kind", "spend")
    assert done.returncode == 0, done.stderr
    assert "Loaded 120 rows into 'pay' (spend)" in done.stdout
    guessed = run_cli("load", str(path), "--dataset", "guessed", "--db", str(db))
    assert "Read as spending (payments): guessed from its headers (a supplier and an amount)" in guessed.stdout
    again = run_cli("load", str(path), "--dataset", "pay", "--db", str(db), "--append")
    assert again.returncode == 2 and "looks like the same month appended twice. Nothing was changed." in again.stderr
