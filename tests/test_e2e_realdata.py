"""Real-browser look at every Explore page on real files nobody here wrote and on a crafted five-day extract (issue 8):
each page renders, says which dates the data cover, shows no engine error, and its address carries the dataset.
Every real file is loaded from the command line with its defaults (issue 18), as a new user would load it.
Screenshots go to ``$STOCKTAKE_SCREENSHOTS`` (default: the test's tmp folder) for a person to look at."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis import store
from analysis.load.ingest import load_frame
from tests.awkward_store import five_day_frame
from tests.conftest import REAL_DATA_DIR
from tests.browser import require_chromium, screenshot, served_app, wait_for_app
from tests.test_real_files import LFB, REAL_FILES, cli_load

pytestmark = pytest.mark.e2e

PAGES = {"": "overview", "demand-drivers": "demand", "performance-trends": "performance",
         "savings-scenarios": "savings", "council-spend": "spend"}
ENGINE = re.compile(r"Binder Error|Conversion Error|Invalid Input|Catalog Error|Traceback|duckdb|/tmp/", re.I)


@pytest.fixture(scope="module")
def real_url(tmp_path_factory):
    require_chromium()
    folder = tmp_path_factory.mktemp("real_served")
    db = folder / "stocktake.duckdb"
    con = store.open_store(db)
    frame = five_day_frame()
    frame["Created Date"] = pd.to_datetime(frame["Created Date"], format="%d/%m/%Y %H:%M")
    frame["Closed Date"] = pd.to_datetime(frame["Closed Date"], format="%d/%m/%Y %H:%M")
    load_frame(con, frame, dataset="five_days", kind="records",
               roles={"Created Date": "date", "Closed Date": "closed_date", "Request Type": "reason",
                      "Channel": "channel", "Council District": "area", "Agency": "service", "Caller": "customer_id"})
    con.close()
    if (REAL_DATA_DIR / LFB).exists():
        for name, (dataset, _) in REAL_FILES.items():
            cli_load(db, REAL_DATA_DIR / name, dataset)
    with served_app(db, folder) as url:
        yield url


@pytest.mark.parametrize("dataset", ["five_days"] + [dataset for dataset, _ in REAL_FILES.values()])
def test_every_explore_page_in_the_browser(dataset, page, real_url, tmp_path):
    if dataset != "five_days" and not (REAL_DATA_DIR / LFB).exists():
        pytest.skip(f"the real files are not here ({REAL_DATA_DIR})")
    kind = dict(REAL_FILES.values()).get(dataset, "records")
    for path, name in PAGES.items():
        page.goto(f"{real_url}/{path}?dataset={dataset}")
        page.locator("h1").first.wait_for()
        wait_for_app(page)
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')")
        body = page.locator("body").inner_text()
        if (name == "spend") != (kind == "spend") and name != "overview":
            # A page for another kind of data sends the user to the page for theirs.
            assert "spending" in body or "is a spend dataset" in body, f"{name} on {dataset}"
        elif dataset == "oxford_2014":
            # Every 'Paid Date' is 00:00:00: said plainly, never a made-up range.
            if name in ("overview", "spend"):
                assert "no usable dates" in body or "no usable payment dates" in body, \
                    f"{name} on {dataset} does not say it has no dates"
        elif kind in ("records", "spend") and "needs columns with the role" not in body:
            # (A page that needs a role the file lacks, such as the Savings page's channel, says that instead.)
            assert "Data from" in body, f"{name} on {dataset} does not state its dates"
        elif name in ("overview", "performance"):
            assert "Periods from" in body, f"{name} on {dataset} does not state its periods"
        if dataset == "la311" and name != "spend":  # (the Spend page only says these records are not spending)
            # Five days, never presented as a year: said on every page, and scaled (and said) where a year is needed.
            assert "(5 days)" in body, name
            if name == "savings":
                assert "based on 5 days, scaled to a year" in body
        assert ENGINE.search(body) is None, f"{name} on {dataset}: {ENGINE.search(body).group(0)}"
        assert "Something went wrong" not in body, f"{name} on {dataset}"
        assert f"dataset={dataset}" in page.url
        screenshot(page, f"realdata_{dataset}_{name}", tmp_path)
        charts = page.locator("[data-testid='stVegaLiteChart']")
        if name == "performance" and charts.count():
            charts.first.scroll_into_view_if_needed()
            page.wait_for_timeout(1000)
            charts.first.screenshot(path=str(screenshot(page, f"realdata_{dataset}_spc", tmp_path)))


def test_the_newest_load_is_written_into_the_address(page, real_url):  # noqa: F811
    """Opened with no dataset named, the picker's default is still put into the link."""
    page.goto(real_url)
    wait_for_app(page)
    page.wait_for_url(re.compile(r"dataset="))
    assert re.search(r"[?&]dataset=[^&]+", page.url)
