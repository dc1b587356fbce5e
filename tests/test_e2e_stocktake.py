"""Real-browser test of "Start a stocktake from this dataset" and the pack's absolute links.

The app is served with its public address configured (``STOCKTAKE_PUBLIC_URL``, as a council's server sets it): from
the Overview one click builds the standard agenda and opens it on the Workshop page, each figure with its question;
the pack downloaded from there links every figure to the public address. Screenshots go to ``$STOCKTAKE_SCREENSHOTS``
or the test's tmp folder.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.browser import FIRST_RENDER_TIMEOUT_MS, private_demo_store, screenshot, served_app, wait_for_app

pytestmark = pytest.mark.e2e

PUBLIC = "https://stocktake.council.example.gov.uk/stocktake"


@pytest.fixture(scope="module")
def served(demo_store_template, tmp_path_factory):
    folder, db = private_demo_store(demo_store_template, tmp_path_factory, "stocktake")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STOCKTAKE_PUBLIC_URL", PUBLIC)  # read by the server's process (analysis.settings)
        with served_app(db, folder) as url:
            yield url


def test_a_stocktake_started_from_the_overview_opens_with_questions_and_its_pack_links_to_the_public_address(
        browser, served, tmp_path):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(FIRST_RENDER_TIMEOUT_MS)
    try:
        page.goto(f"{served}/?dataset=demo_contacts")
        button = page.get_by_role("button", name="Start a stocktake from this dataset")
        button.wait_for()
        wait_for_app(page)
        button.click()
        title = f"Stocktake of demo_contacts, {date.today():%-d %B %Y}"
        page.get_by_role("heading", name=title).wait_for(timeout=120_000)
        wait_for_app(page)
        assert re.search(r"/workshop-room\?.*session=\d+", page.url), page.url
        assert page.get_by_text("Question for the room:").count() == 10
        assert page.get_by_text("26 of 41 reasons make up 80% of records", exact=False).count() == 1
        screenshot(page, "stocktake-started", tmp_path)

        with page.expect_download(timeout=180_000) as download:
            page.get_by_role("button", name="Download the pack (HTML)").click()
        html = tmp_path / "pack.html"
        download.value.save_as(html)
        text = html.read_text(encoding="utf-8")
        links = re.findall(r"View in Stocktake: <a href='([^']+)'>", text)
        assert len(links) == 10 and all(link.startswith(f"{PUBLIC}/") for link in links)
        assert text.count("Question for the room:") == 10

        # The link opens the figure's view: the same page and controls, on this server.
        first = links[0].replace(PUBLIC, served).replace("&amp;", "&")
        page.goto(first)
        page.get_by_role("heading", name="Demand drivers").wait_for()
        wait_for_app(page)
        assert "dataset=demo_contacts" in page.url
    finally:
        context.close()
