"""Issue 18 in a real browser: a payments file uploaded on the Data page gets its paid date, so the Overview shows the
payments' true range (not the one day of its constant 'Effective Date'); a published workbook with one column per
year is offered as rows of Period and Value in the preview, loads so, and the Performance page charts it.
Screenshots go to ``$STOCKTAKE_SCREENSHOTS`` (default: the test's tmp folder) for a person to look at."""

from __future__ import annotations

import re

import pytest

from tests.browser import screenshot, wait_for_app
from tests.public_tables import write_payments, write_wide_workbook
from tests.test_e2e_loader import upload

pytestmark = pytest.mark.e2e


def load(page, dataset: str) -> None:
    page.get_by_role("button", name="Load into Stocktake").click()
    page.get_by_text(re.compile(rf"Loaded [\d,]+ rows into '{re.escape(dataset)}'")).wait_for()
    wait_for_app(page)


def test_the_payments_file_overview_shows_its_true_date_range(page, app_url, tmp_path):
    path = write_payments(tmp_path)
    upload(page, app_url, path)
    page.get_by_text("Column 'Effective Date': passed over as a date: every row has the same value "
                     "('30/06/2020').").wait_for()
    screenshot(page, "payments-preview", tmp_path)
    load(page, "payments over 500 feb-jun 2020")
    page.goto(f"{app_url}/?dataset=payments over 500 feb-jun 2020")
    page.get_by_text("Data from").first.wait_for()
    wait_for_app(page)
    body = page.locator("body").inner_text()
    assert "Data from 3 February 2020 to 26 June 2020" in body
    assert "30 June 2020 to 30 June 2020" not in body and "(1 day)" not in body
    assert "03 Feb 2020" in body and "26 Jun 2020" in body
    screenshot(page, "payments-overview", tmp_path)


def test_the_wide_workbook_preview_offers_the_reshape_and_performance_charts_it(page, app_url, tmp_path):
    path = write_wide_workbook(tmp_path)
    upload(page, app_url, path)
    page.get_by_text("This table has one column per period (6 financial years").wait_for()
    assert page.get_by_text("Turn the period columns into rows of Period and Value").count() == 1
    assert page.get_by_text("Left out, as worked out from the periods: 'Change in one year', 'Per 1,000'.").count()
    screenshot(page, "wide-preview", tmp_path)
    load(page, "council kpi by year")
    page.goto(f"{app_url}/performance-trends?dataset=council kpi by year")
    page.get_by_text("Periods from 2012/13 to 2017/18").first.wait_for()
    wait_for_app(page)
    chart = page.locator("[data-testid='stVegaLiteChart']").first
    chart.wait_for()
    chart.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector(\"[data-testid='stVegaLiteChart'] svg, "
                           "[data-testid='stVegaLiteChart'] canvas\") !== null")
    page.wait_for_timeout(800)
    body = page.locator("body").inner_text()
    assert "Something went wrong" not in body
    # One series per council, charted as the average of every council's value and said so.
    assert "Value: average of every area's value" in body
    chart.screenshot(path=str(screenshot(page, "wide-performance", tmp_path)))
