"""The preview: a sample decides the types; the first rows are counted; the page shows what the load will do."""

from __future__ import annotations

import pytest

from analysis import store
from analysis.load.detect import MONTH_FIRST
from analysis.errors import StocktakeError
from analysis.load.preview import PREVIEW_ROWS, inspect_file


@pytest.fixture
def con(tmp_path):
    connection = store.open_store(tmp_path / "s.duckdb")
    yield connection
    connection.close()


def write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_counts_failures_and_case_variants_in_the_first_rows(con, tmp_path):
    path = write(tmp_path, "p.csv", "Ref,Opened,Borough,Cost\n1,31/01/2024,CROYDON,5\n2,,Croydon,6\n"
                                    "3,02/02/2024,Croydon,lots\n,,,\n")
    preview = inspect_file(con, path, types={"Cost": "number"})
    assert (preview.rows_read, preview.blank_rows, preview.complete) == (4, 1, True)
    assert [(c.name, c.type, c.non_blank, c.blank) for c in preview.columns] == [
        ("Ref", "integer", 3, 0), ("Opened", "date", 2, 1), ("Borough", "text", 3, 0), ("Cost", "number", 3, 0)]
    cost = preview.column("Cost")
    assert (cost.failures, cost.failure_examples) == (1, ["lots"])
    assert preview.column("Borough").case_variants == [[("Croydon", 2), ("CROYDON", 1)]]
    assert preview.problems == [
        "1 row(s) have every value blank: they are skipped, not loaded.",
        "1 record(s) have no 'Opened': they will be rejected (every record needs a date).",
        "Column 'Borough': 'Croydon' (2) and 'CROYDON' (1) differ only in case.",
        "Column 'Cost': 1 value(s) are not a number (for example 'lots'); those rows will be rejected.",
    ]
    assert list(preview.sample.columns) == ["Ref", "Opened", "Borough", "Cost"]
    # Nothing was written.
    assert store.list_datasets(con) == []


def test_only_the_first_rows_are_read(con, tmp_path):
    rows = "".join(f"{i},31/01/2024\n" for i in range(PREVIEW_ROWS + 10))
    preview = inspect_file(con, write(tmp_path, "big.csv", "Ref,Opened\n" + rows), max_rows=1000)
    assert (preview.rows_read, preview.complete) == (1000, False)


def test_the_date_order_can_be_chosen(con, tmp_path):
    path = write(tmp_path, "d.csv", "Opened\n01/02/2024\n03/04/2024\n")
    assert inspect_file(con, path).date_order_reason.startswith("Nothing in the dates settles")
    chosen = inspect_file(con, path, date_order=MONTH_FIRST)
    assert (chosen.date_order, chosen.date_order_reason) == (MONTH_FIRST, "Dates read month-first, as you chose.")


def test_forcing_a_type_the_file_cannot_hold_is_refused(con, tmp_path):
    path = write(tmp_path, "t.csv", "Opened,Cost\n01/02/2024,5\n")
    with pytest.raises(StocktakeError, match="'money' is not a column type for 'Cost'"):
        inspect_file(con, path, types={"Cost": "money"})
    with pytest.raises(StocktakeError, match="The file has no column called 'Nope'. Its columns are: Opened, Cost."):
        inspect_file(con, path, types={"Nope": "text"})


def test_periods_are_shown_with_their_grain(con, tmp_path):
    preview = inspect_file(con, write(tmp_path, "k.csv", "Financial year,Value\n2016-17,5\n2017-18,6\n"), kind="kpi")
    year = preview.column("Financial year")
    assert (year.type, year.grain, year.role) == ("date", "financial_year", "period")
    assert preview.problems == ["Column 'Financial year': financial years such as '2016-17': read as the date each "
                                "one starts (financial years start on 1 April)."]
