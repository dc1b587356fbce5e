"""Real browser, What works end to end: a Workshop action marked done in the actions table, made a change in one
click, given the figure it was meant to move on the What works page, opened, and its practice card downloaded and
opened with the network off (a self-contained file: its chart, its verdict, its JSON inside)."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from analysis import store
from analysis.workshop import actions, sessions
from data.demo import DEMO_SESSION_TITLE
from tests.browser import FIRST_RENDER_TIMEOUT_MS, private_demo_store, screenshot, served_app, wait_for_app

pytestmark = pytest.mark.e2e
ACTION = "Text tenants at each step of their repair"


@pytest.fixture(scope="module")
def served(demo_store_template, tmp_path_factory):
    folder, db = private_demo_store(demo_store_template, tmp_path_factory, "what_works")
    con = store.open_store(db)
    try:
        session_id = sessions.find_session(con, DEMO_SESSION_TITLE).id
        # Open, due on the day the room agreed it would go live: the change starts then.
        actions.add_action(con, session_id, ACTION, owner="Digital team", due="2024-06-01")
    finally:
        con.close()
    with served_app(db, folder) as url:
        yield url, session_id


@pytest.fixture
def tab(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(FIRST_RENDER_TIMEOUT_MS)
    yield page
    context.close()


def _mark_done(page) -> None:
    """Set the action's status to Done in the actions table. The table is a canvas grid: its cells are listed (for
    screen readers) but not clickable, so the action's cell is found by its text, clicked where the canvas draws it,
    and the Status cell reached by keyboard (Action, Owner, Due, Status)."""
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.wait_for()
    wait_for_app(page)
    row = int(grid.locator("td", has_text=ACTION).first.get_attribute("id").rsplit("-", 1)[1])
    header = row_height = 35  # Streamlit's grid: a 35 px header and 35 px rows
    done = page.get_by_role("option", name="Done", exact=True)
    status = grid.locator(f"td[data-testid='glide-cell-4-{row}']", has_text="Done")
    for _ in range(4):  # a click while the grid is still laying itself out is lost: try again
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 120, box["y"] + header + row * row_height + row_height / 2)
        page.wait_for_timeout(300)
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        try:
            done.wait_for(timeout=5_000)
            page.wait_for_timeout(300)  # the list opens with an animation
            done.click()
            status.wait_for(state="attached", timeout=5_000)
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    raise AssertionError("could not set the action's status to Done in the grid")


def test_from_an_action_marked_done_to_a_practice_card_opened_offline(tab, served, tmp_path):
    try:
        _journey(tab, served, tmp_path)
    except BaseException:
        screenshot(tab, "what_works_failed", tmp_path)
        raise


def _journey(tab, served, tmp_path) -> None:
    url, session_id = served
    tab.goto(f"{url}/workshop-room?dataset=demo_contacts&session={session_id}")
    wait_for_app(tab)
    tab.get_by_role("tab", name=re.compile(r"^Actions")).click()
    _mark_done(tab)
    tab.get_by_role("button", name="Save the changes to the actions").click()
    tab.get_by_text("Actions saved: 1 changed.").wait_for()
    wait_for_app(tab)
    tab.get_by_role("tab", name=re.compile(r"^Actions")).click()  # the page was drawn again on its first tab
    made = tab.locator("[data-testid='stHorizontalBlock']").filter(has_text=ACTION).filter(
        has=tab.get_by_role("button", name="Make it a change")).first
    made.wait_for()
    wait_for_app(tab)
    screenshot(tab, "what_works_1_action_done", tmp_path)
    made.get_by_role("button", name="Make it a change").click()
    # Said under the actions (the page is drawn again on its first tab: the words are there, not on show).
    tab.get_by_text(f"'{ACTION}' is now change").first.wait_for(state="attached")

    tab.goto(f"{url}/what-works?dataset=demo_contacts")
    wait_for_app(tab)
    form = tab.locator("[data-testid='stForm']").filter(has=tab.get_by_text("Save the change")).filter(
        has=tab.locator(f"input[value='{ACTION}']")).first
    form.locator("[data-testid='stMultiSelect']").click()
    tab.keyboard.type("Failure demand contacts")
    tab.keyboard.press("Enter")
    tab.keyboard.press("Escape")
    form.get_by_role("button", name="Save the change").click()
    tab.get_by_text(f"Saved '{ACTION}'.").wait_for()
    wait_for_app(tab)
    opened = tab.locator("[data-testid='stSelectbox']").filter(has_text="Change opened")
    opened.locator("input").click()
    tab.keyboard.type(ACTION)
    tab.keyboard.press("Enter")
    tab.get_by_text("Before (mean)").first.wait_for()
    wait_for_app(tab)
    # The full chart is this change's, rebased at it.
    tab.locator("[data-testid='stVegaLiteChart'] .role-title-text", has_text="every area: Text tenants").first.wait_for()
    screenshot(tab, "what_works_2_opened", tmp_path)
    with tab.expect_download() as download:
        tab.get_by_role("button", name="Practice card (HTML)").click()
    saved = tmp_path / "card.html"
    download.value.save_as(saved)

    offline = tab.context.browser.new_context(offline=True)
    requests: list[str] = []
    reader = offline.new_page()
    reader.on("request", lambda r: requests.append(r.url))
    reader.goto(saved.as_uri())
    assert reader.locator("h1").inner_text() == ACTION
    assert reader.locator("svg").count() == 1 and reader.locator("svg .mark-symbol path, svg path").count() > 10
    verdict = reader.locator(".verdict").first.inner_text()
    assert verdict.startswith("Improved: sustained shift:") or verdict.startswith("Moved the wrong way") or \
        verdict.startswith("No change") or verdict.startswith("Too early"), verdict
    data = json.loads(reader.locator("#stocktake-practice-card").inner_text())
    assert data["schema"] == "stocktake-practice-card" and data["change"]["title"] == ACTION
    assert data["change"]["start"] == "2024-06-01" and data["figures"][0]["key"] == "demand:failure"
    assert requests == [saved.as_uri()]  # nothing fetched beyond the file itself
    screenshot(reader, "what_works_3_card_offline", tmp_path)
    offline.close()
