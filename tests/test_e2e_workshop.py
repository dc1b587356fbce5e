"""Real-browser tests of the Workshop: a session presented at 1920 x 1080, read from the back of the room.

Opens a session link in presentation mode, steps through two figures, takes a screenshot of each (written to
``$STOCKTAKE_SCREENSHOTS`` or the test's tmp folder) and measures what Vega drew: axis labels at least 18 px, the
chart title at least 24 px, headline numbers at least 48 px, no sidebar. Also downloads a chart as PNG and the pack,
and clicks a Demand chart: the click is a chip in the link, and the link restores it.
"""

from __future__ import annotations


import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from analysis import store
from analysis.workshop import sessions
from data.demo import DEMO_AGENDA, DEMO_SESSION_TITLE
from tests.browser import FIRST_RENDER_TIMEOUT_MS, private_demo_store, screenshot, served_app, wait_for_app

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def served(demo_store_template, tmp_path_factory):
    folder, db = private_demo_store(demo_store_template, tmp_path_factory, "workshop")
    con = store.open_store(db)
    try:
        session_id = sessions.find_session(con, DEMO_SESSION_TITLE).id
    finally:
        con.close()
    with served_app(db, folder) as url:
        yield url, session_id


@pytest.fixture
def screen(browser):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(FIRST_RENDER_TIMEOUT_MS)
    yield tab
    context.close()


def _records(page) -> str:
    """The Demand page's "Records" figure (not "Failure records")."""
    metric = page.locator("[data-testid='stMetric']").filter(has=page.get_by_text("Records", exact=True)).first
    return metric.locator("[data-testid='stMetricValue']").inner_text()


def _px(locator) -> float:
    return float(locator.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))


def _chart_text_sizes(page) -> dict[str, float]:
    """The smallest axis label, axis title and chart title Vega drew in the first chart, in CSS pixels (measured in
    one go in the page, after the chart has settled: a chart redrawn meanwhile would give stale elements)."""
    page.locator("[data-testid='stVegaLiteChart'] svg .role-axis-label text").first.wait_for()
    wait_for_app(page)
    sizes = page.wait_for_function("""() => {
        const svg = document.querySelector("[data-testid='stVegaLiteChart'] svg");
        if (!svg) return null;
        const smallest = (selector) => {
            const found = [...svg.querySelectorAll(selector)].map(e => parseFloat(getComputedStyle(e).fontSize))
                .filter(Number.isFinite);
            return found.length ? Math.min(...found) : null;
        };
        const out = {axis_label: smallest(".role-axis-label text"), axis_title: smallest(".role-axis-title text"),
                     title: smallest(".role-title-text text")};
        return Object.values(out).every(v => v !== null) ? out : null;
    }""").json_value()
    return sizes


def test_a_session_link_in_presentation_mode_reads_from_the_back_of_the_room(screen, served, tmp_path):
    url, session_id = served
    screen.goto(f"{url}/workshop-room?dataset=demo_contacts&session={session_id}&present=true&item=1")
    screen.locator("h1").filter(has_text=DEMO_AGENDA[0][0]).first.wait_for()
    wait_for_app(screen)
    assert screen.locator("[data-testid='stException']").count() == 0
    assert not screen.locator("section[data-testid='stSidebar']").is_visible()
    assert screen.locator("[data-testid='stCaptionContainer']").filter(has_text=DEMO_SESSION_TITLE) \
        .filter(has_text="1 of 5").first.is_visible()
    sizes = _chart_text_sizes(screen)
    assert sizes["axis_label"] >= 18 and sizes["axis_title"] >= 18 and sizes["title"] >= 24, sizes
    assert _px(screen.locator("[data-testid='stMetricValue']").first) >= 48
    first = screenshot(screen, "present-1", tmp_path)

    screen.get_by_role("button", name="Next").click()
    screen.locator("h1").filter(has_text=DEMO_AGENDA[1][0]).first.wait_for()
    wait_for_app(screen)
    assert "item=2" in screen.url and "present=true" in screen.url and f"session={session_id}" in screen.url
    sizes = _chart_text_sizes(screen)
    assert sizes["axis_label"] >= 18 and sizes["title"] >= 24, sizes
    second = screenshot(screen, "present-2", tmp_path)
    assert first.stat().st_size > 20_000 and second.stat().st_size > 20_000

    # The address opens the same screen for someone else.
    screen.goto(screen.url)
    screen.locator("h1").filter(has_text=DEMO_AGENDA[1][0]).first.wait_for()


def test_a_chart_downloads_as_png_and_the_pack_as_html(screen, served, tmp_path):
    url, session_id = served
    screen.goto(f"{url}/workshop-room?dataset=demo_contacts&session={session_id}&present=true&item=4")
    screen.locator("h1").filter(has_text=DEMO_AGENDA[3][0]).first.wait_for()
    wait_for_app(screen)
    screen.locator("[data-testid='stVegaLiteChart'] svg .role-axis-label text").first.wait_for()
    screenshot(screen, "present-4-spc", tmp_path)
    menu = screen.get_by_role("button", name="Download chart").first
    # The menu opens under its button, which sits at the bottom of a presented screen: bring it to the middle of the
    # window first, and wait for the rerun that opening it starts (it makes the buttons), or a click is lost.
    menu.evaluate("button => button.scrollIntoView({block: 'center'})")
    menu.click()
    png_button = screen.get_by_role("button", name="PNG image")
    png_button.wait_for()
    wait_for_app(screen)
    with screen.expect_download() as download:
        png_button.click()
    png = tmp_path / download.value.suggested_filename
    download.value.save_as(png)
    assert png.read_bytes().startswith(b"\x89PNG") and png.name.endswith(".png")

    screen.goto(f"{url}/workshop-room?dataset=demo_contacts&session={session_id}")
    screen.get_by_role("button", name="Download the pack (HTML)").wait_for()
    wait_for_app(screen)
    with screen.expect_download(timeout=120_000) as download:
        screen.get_by_role("button", name="Download the pack (HTML)").click()
    html = tmp_path / "pack.html"
    download.value.save_as(html)
    assert download.value.suggested_filename == f"{DEMO_SESSION_TITLE} - pack.html"
    assert html.read_text(encoding="utf-8").count("<svg") == 5


def test_a_chart_click_is_in_the_link_and_the_link_restores_it(screen, served, tmp_path):
    url, _ = served
    screen.set_viewport_size({"width": 1400, "height": 1000})
    screen.goto(f"{url}/demand-drivers?dataset=demo_contacts")
    screen.locator("h1").filter(has_text="Demand drivers").first.wait_for()
    wait_for_app(screen)
    total = _records(screen)
    # The top reasons chart is the second chart; its first (largest) bar is at the left of the plot.
    pareto = screen.locator("[data-testid='stVegaLiteChart']").nth(1)
    pareto.scroll_into_view_if_needed()
    pareto.locator("canvas, svg").first.wait_for()
    wait_for_app(screen)
    # Under load the chart can still be settling when the first click lands (Vega ignores a click on a chart it is
    # redrawing), so click again, as a person would, while the address has no drill-down.
    for _ in range(5):
        box = pareto.bounding_box()
        screen.mouse.click(box["x"] + box["width"] * 0.10, box["y"] + box["height"] * 0.55)
        try:
            screen.wait_for_url("**dm_drill=Reason*", timeout=15_000)
            break
        except PlaywrightTimeout:
            wait_for_app(screen)
    assert "dm_drill=" in screen.url, "five clicks on the top reasons chart set no drill-down"
    wait_for_app(screen)
    assert "dm_drill=Reason%3A+Report+a+repair" in screen.url
    chips = screen.locator("[data-testid='stMultiSelect']").filter(has_text="Drilled down to")
    assert "Reason: Report a repair" in chips.inner_text()
    drilled = _records(screen)
    assert drilled != total
    chips.scroll_into_view_if_needed()
    screenshot(screen, "drill-chip", tmp_path)

    # Someone else opens the link: the same chip and the same figures.
    link = screen.url
    other = screen.context.new_page()
    other.set_default_timeout(FIRST_RENDER_TIMEOUT_MS)
    other.goto(link)
    other.locator("h1").filter(has_text="Demand drivers").first.wait_for()
    wait_for_app(other)
    assert "Reason: Report a repair" in other.locator("[data-testid='stMultiSelect']").filter(
        has_text="Drilled down to").inner_text()
    assert _records(other) == drilled


def test_recording_an_action_or_a_note_keeps_the_page_on_its_tab(screen, served, tmp_path):
    """A tab's label carries its count ("Actions (3)"), so after a form is sent it is a new label: the page used to
    jump back to the Agenda tab. It stays on the tab the form is in."""
    url, session_id = served
    screen.goto(f"{url}/workshop-room?dataset=demo_contacts&session={session_id}")
    wait_for_app(screen)
    for tab_name, opener, field, text, button, done in (
            ("Actions", "Record an action", "Action", "Cost the text reminders", "Record the action",
             "Action recorded."),
            ("Notes", None, "What did the room say or agree?", "The room agreed to look again in March",
             "Add the note", "Note added.")):
        screen.get_by_role("tab", name=tab_name).first.click()
        panel = screen.get_by_role("tabpanel").filter(visible=True).first
        form = panel.locator("[data-testid='stForm']").filter(has=screen.get_by_text(button)).first
        if opener and not form.is_visible():
            panel.get_by_text(opener, exact=True).first.click()
        form.get_by_label(field, exact=True).fill(text)
        selected_before = screen.get_by_role("tab", selected=True).first.inner_text()
        form.get_by_role("button", name=button).click()
        screen.get_by_text(done, exact=True).first.wait_for()  # the page has answered
        wait_for_app(screen)
        selected = screen.get_by_role("tab", selected=True).first.inner_text()
        screenshot(screen, f"workshop-{tab_name.lower()}-after-sending", tmp_path)
        assert selected.startswith(tab_name) and selected != selected_before, (selected_before, selected)
