"""Real-browser tests: the app served by `streamlit run`, driven by Playwright in Debian's Chromium.

Only what a browser shows is checked here (the page really renders, a shared link restores the view, a real upload
goes through); everything else is in the AppTests. Run alone with `./test.sh -m e2e`. Screenshots are written to
``$STOCKTAKE_SCREENSHOTS`` (default: the test's tmp folder) so a person can look at them.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from tests.browser import FIRST_RENDER_TIMEOUT_MS, screenshot, served_app, wait_for_app

pytestmark = pytest.mark.e2e


def test_the_overview_renders_with_the_demo_data(page, app_url, tmp_path):
    page.goto(app_url)
    page.get_by_text("Dataset in use: demo_contacts").wait_for()
    wait_for_app(page)
    metrics = page.locator("[data-testid='stMetric']")
    assert metrics.filter(has_text="Rows").first.inner_text().split("\n")[-1].strip() == "501,147"
    # Altair charts really drew (Vega renders into a canvas or SVG).
    page.locator("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg").first.wait_for()
    assert page.locator("[data-testid='stVegaLiteChart']").count() == 4
    assert screenshot(page, "overview", tmp_path).stat().st_size > 10_000


def test_a_shared_link_opens_the_same_view(page, app_url, tmp_path):
    page.goto(f"{app_url}/?dataset=demo_kpis")
    page.get_by_text("Dataset in use: demo_kpis").wait_for()
    wait_for_app(page)
    assert page.locator("[data-testid='stMetric']").filter(has_text="Rows").first.inner_text().endswith("748")


def test_a_real_upload_loads_a_file(page, app_url, tmp_path):
    csv = tmp_path / "browser upload.csv"
    csv.write_bytes("Ref,Received,Reason,Ward,Cost (£)\r\n1,31/01/2024 09:00,Chasing progress,Abbey,£2.50\r\n"
                    "2,01/02/2024 10:00,New repair,ABBEY,\"£1,200\"\r\n".encode("cp1252"))
    page.goto(f"{app_url}/datasets")
    page.get_by_text("Load a file").first.wait_for()
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(csv))
    page.get_by_text("How the file was read:").wait_for()
    page.get_by_text("encoding cp1252").first.wait_for()
    wait_for_app(page)
    page.get_by_role("button", name="Load into Stocktake").click()
    page.get_by_text("Loaded 2 rows into 'browser upload'. 0 rows were rejected.").wait_for()
    wait_for_app(page)
    screenshot(page, "data-after-upload", tmp_path)
    # The sidebar now uses the new dataset.
    page.goto(f"{app_url}/?dataset=browser+upload")
    page.get_by_text("Dataset in use: browser upload").wait_for()


@pytest.mark.parametrize("path,title", [
    ("datasets", "Data"),
    ("demand-drivers", "Demand drivers"),
    ("performance-trends", "Performance trends"),
    ("savings-scenarios", "Savings scenarios"),
    ("council-spend", "Spend"),
    ("workshop-room", "Workshop"),
])
def test_every_page_renders_in_the_browser(page, app_url, tmp_path, path, title):
    # Name the dataset: another test in this module loads a small one, which would otherwise become the newest.
    page.goto(f"{app_url}/{path}?dataset={'demo_payments' if path == 'council-spend' else 'demo_contacts'}")
    page.locator("h1").filter(has_text=title).first.wait_for()
    wait_for_app(page)
    assert page.locator("[data-testid='stException']").count() == 0
    if path in ("demand-drivers", "performance-trends", "savings-scenarios", "council-spend"):
        # Some charts sit in closed expanders or other tabs: wait for one the user can see.
        page.locator("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg").filter(
            visible=True).first.wait_for()
    screenshot(page, f"page-{path}", tmp_path)


def test_a_figures_data_downloads_from_its_menu(page, app_url, tmp_path):
    """The CSV and Excel buttons sit in a "Download data" menu (made only when opened): the browser opens it and gets
    the volume's CSV and workbook, with people's headings and every record of the demo."""
    page.goto(f"{app_url}/demand-drivers?dataset=demo_contacts")
    page.locator("h1").filter(has_text="Demand drivers").first.wait_for()
    wait_for_app(page)
    assert page.get_by_role("button", name="Download the data (CSV)").count() == 0  # not made until opened
    menu = page.get_by_role("button", name="Download data").first
    # The menu opens under its button: with the button low on the screen it would open below the window's edge.
    menu.evaluate("button => button.scrollIntoView({block: 'center'})")
    menu.click()
    csv_button = page.get_by_role("button", name="Download the data (CSV)")
    csv_button.wait_for()
    wait_for_app(page)  # opening the menu reruns the volume's section, which makes the buttons
    screenshot(page, "demand-download-data-menu", tmp_path)
    with page.expect_download() as csv_download:
        csv_button.click()
    assert csv_download.value.suggested_filename == "demand_volume.csv"
    rows = pd.read_csv(csv_download.value.path(), encoding="utf-8-sig")
    assert list(rows.columns) == ["Period", "Group", "Records", "Incomplete period"]
    assert rows["Records"].sum() == 501_147
    # The page may have scrolled while the file was saved: bring the open menu back to the middle of the window.
    menu.evaluate("button => button.scrollIntoView({block: 'center'})")
    with page.expect_download() as xlsx_download:
        page.get_by_role("button", name="Excel").click(timeout=30_000)
    assert xlsx_download.value.suggested_filename == "demand_volume.xlsx"
    assert pd.read_excel(xlsx_download.value.path(), engine="calamine")["Records"].sum() == 501_147


def test_the_first_visitor_on_a_shared_link_gets_the_page(browser, demo_store_template, tmp_path):
    """A fresh server, and a deep link as its very first request: no "Page not found" notice over the page."""
    db = tmp_path / "stocktake.duckdb"
    shutil.copyfile(demo_store_template, db)
    with served_app(db, tmp_path) as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        tab = context.new_page()
        tab.set_default_timeout(FIRST_RENDER_TIMEOUT_MS)
        tab.goto(f"{url}/workshop-room?dataset=demo_contacts")
        tab.locator("h1").filter(has_text="Workshop").first.wait_for()
        wait_for_app(tab)
        assert tab.get_by_text("Page not found").count() == 0
        context.close()
