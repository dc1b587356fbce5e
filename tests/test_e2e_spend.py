"""Real browser: a Spend figure added to a workshop session from the Spend page, found in the session's pack (issue
20). Screenshots go to ``$STOCKTAKE_SCREENSHOTS`` (default: the test's tmp folder) for a person to look at."""

from __future__ import annotations

import pytest

from data.demo import DEMO_SESSION_TITLE
from tests.browser import FIRST_RENDER_TIMEOUT_MS, private_demo_store, screenshot, served_app, wait_for_app

pytestmark = pytest.mark.e2e

TITLE = "Who the council pays most"


@pytest.fixture(scope="module")
def served(demo_store_template, tmp_path_factory):
    folder, db = private_demo_store(demo_store_template, tmp_path_factory, "spend")
    with served_app(db, folder) as url:
        yield url


def test_a_spend_figure_is_added_to_a_session_and_found_in_the_pack(browser, served, tmp_path):
    url = served
    # Tall enough for the sidebar's control and its list of figures to open on the screen.
    context = browser.new_context(viewport={"width": 1400, "height": 1400}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(FIRST_RENDER_TIMEOUT_MS)
    page.goto(f"{url}/council-spend?dataset=demo_payments")
    page.locator("h1").filter(has_text="Spend").first.wait_for()
    wait_for_app(page)
    page.locator("[data-testid='stVegaLiteChart'] svg, [data-testid='stVegaLiteChart'] canvas").filter(
        visible=True).first.wait_for()
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "spend-page", tmp_path)

    sidebar = page.locator("section[data-testid='stSidebar']")
    sidebar.get_by_text("Session, figure and title").click()
    wait_for_app(page)
    # The control opens as a popover (its widgets are drawn outside the sidebar's own element); a select box is a
    # combo box whose options are listed when it is clicked.
    figure = page.get_by_role("combobox", name="Figure")
    for _ in range(5):  # a click landing while the control is redrawn only focuses it: click again, as a person would
        figure.click()
        if figure.get_attribute("aria-expanded") == "true":
            break
        page.wait_for_timeout(500)
        wait_for_app(page)
    screenshot(page, "spend-add-view-menu", tmp_path)
    page.get_by_role("option", name="Spend by supplier", exact=True).click()
    wait_for_app(page)
    assert figure.input_value() == "Spend by supplier"
    title = page.get_by_label("Title for the agenda")
    title.fill(TITLE)
    title.press("Enter")
    wait_for_app(page)
    sidebar.get_by_role("button", name="Add this view to the session").click()
    sidebar.get_by_text(f"Added '{TITLE}' to '{DEMO_SESSION_TITLE}' (item 6).").wait_for()

    page.goto(f"{url}/workshop-room?dataset=demo_contacts")
    page.get_by_role("button", name="Download the pack (HTML)").wait_for()
    wait_for_app(page)
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Download the pack (HTML)").click()
    html_path = tmp_path / "pack.html"
    download.value.save_as(html_path)
    html = html_path.read_text(encoding="utf-8")
    assert html.count("<svg") == 6  # the demo's five figures and the one added
    assert TITLE in html and "Oakley Care Homes Ltd had the most spend" in html
    assert "All payments, 5 April 2022 – 30 September 2025" in html  # the view's filters in words
    context.close()
