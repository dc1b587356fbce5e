"""The loader in a real browser: a file whose rows are mostly rejected waits for the user to confirm, and a period
column shows its grain. Screenshots go to ``$STOCKTAKE_SCREENSHOTS`` (default: the test's tmp folder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import screenshot, wait_for_app

pytestmark = pytest.mark.e2e


def upload(page, app_url, path: Path) -> None:
    page.goto(f"{app_url}/datasets")
    page.get_by_text("Load a file").first.wait_for()
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(path))
    page.get_by_text("How the file was read:").wait_for()
    wait_for_app(page)


def test_a_mostly_rejected_file_waits_for_confirmation(page, app_url, tmp_path):
    csv = tmp_path / "mostly blank dates.csv"
    csv.write_text("Ref,Opened,Cost (£)\n1,31/01/2024,£5\n2,,£6\n3,,£7\n4,,£8\n")
    upload(page, app_url, csv)
    page.get_by_role("button", name="Load into Stocktake").click()
    page.get_by_text("3 of the 4 rows of 'mostly blank dates.csv' would be rejected").wait_for()
    wait_for_app(page)
    screenshot(page, "data-confirm-rejects", tmp_path)
    assert page.get_by_text("Loaded 1 rows").count() == 0
    page.get_by_role("button", name="Load anyway, rejecting 3 rows").click()
    page.get_by_text("Loaded 1 rows into 'mostly blank dates'. 3 rows were rejected.").wait_for()
    wait_for_app(page)
    screenshot(page, "data-loaded-after-confirm", tmp_path)


def test_financial_years_are_shown_as_a_period(page, app_url, tmp_path):
    csv = tmp_path / "council kpis.csv"
    csv.write_text("Financial year,Local authority name,Measure,Value\n2016-17,Darlington,Delays,5.1\n"
                   "2017-18,Darlington,Delays,4.8\n2018-19,Darlington,Delays,4.2\n")
    upload(page, app_url, csv)
    page.get_by_text("Column 'Financial year': financial years such as '2016-17': read as the date each one starts "
                     "(financial years start on 1 April).").wait_for()
    screenshot(page, "data-financial-years", tmp_path)
