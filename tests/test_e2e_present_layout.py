"""Real-browser tests: the presentation screen fits the projector it is shown on.

At each of the window sizes a council meeting room projects (1024 x 768, 1280 x 720, 1280 x 800, 1920 x 1080) and a
4K screen at 100% (3840 x 2160), every item of the demo session (with a Savings waterfall added: money headlines and
long labels) is stepped through with Next, and on each screen:

- on the screen (the column of the window's height the chart ends: position, Previous / Next, title, reading,
  headline numbers, chart) no text element overflows its box (``scrollWidth > clientWidth``: a label or number cut to
  "91.…"), and no
  text of the screen above the chart is drawn outside its box (a title running into the reading);
- the chart's bottom, and every text Vega drew in it, is inside the window (the chart is seen without scrolling),
  and Vega cut no label or title short ("…");
- a facilitator's question (the Savings item has one as long as a stocktake writes) leaves all of that true;
- the readable sizes are kept: headline numbers at least 48 px, axis labels at least 18 px;
- on a 4K screen at 100% (3840 x 2160) the text is enlarged with the window: axis labels, the title and the headline
  numbers at least 1.8 times their size at 1920 x 1080 (it was the same size, small across a room).

A screenshot of each screen is written to ``$STOCKTAKE_SCREENSHOTS`` (or the test's tmp folder).
"""

from __future__ import annotations

import re

import pytest

from analysis import explore, store
from analysis.workshop import sessions
from data.demo import DEMO_AGENDA, DEMO_SESSION_TITLE
from tests.browser import FIRST_RENDER_TIMEOUT_MS, private_demo_store, screenshot, served_app, wait_for_app

pytestmark = pytest.mark.e2e

SIZES = ((1024, 768), (1280, 720), (1280, 800), (1920, 1080), (3840, 2160))
SAVINGS_TITLE = "What a change to repairs would save"

# Everything measured in one go in the page, once the screen has settled.
MEASURE_JS = """() => {
  const stage = document.querySelector('.st-key-ws_stage');
  const visible = (e) => e.getClientRects().length > 0 && e.clientWidth > 0;
  const overflowing = [];
  for (const e of stage.querySelectorAll('*')) {
    if (e.closest('svg') || !visible(e) || !e.innerText || !e.innerText.trim()) continue;
    if (e.scrollWidth > e.clientWidth + 1) overflowing.push(
        `${e.tagName}.${e.getAttribute('data-testid') || e.className.split(' ')[0]} "${e.innerText.slice(0, 40)}" ` +
        `${e.scrollWidth} > ${e.clientWidth}`);
  }
  for (const e of stage.querySelectorAll('[data-testid="stElementContainer"]')) {
    if (e.querySelector('[data-testid="stVegaLiteChart"]')) continue;
    const text = document.createRange();
    text.selectNodeContents(e);
    const inked = text.getBoundingClientRect(), box = e.getBoundingClientRect();
    // a glyph's own box is a few pixels taller than a tight line: 4 px of slack, a title running into the
    // reading is 20 px out
    if (inked.height && (inked.bottom > box.bottom + 4 || inked.top < box.top - 4))
      overflowing.push(`text outside its box: "${e.innerText.slice(0, 40)}" ${inked.top}-${inked.bottom} outside ` +
                       `${box.top}-${box.bottom}`);
  }
  const chart = stage.querySelector('[data-testid="stVegaLiteChart"]');
  const svg = chart.querySelector('svg');
  const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim());
  const bottoms = [chart, svg, ...texts].map(e => e.getBoundingClientRect().bottom);
  const sizes = (sel) => [...svg.querySelectorAll(sel)].map(e => parseFloat(getComputedStyle(e).fontSize));
  // The chart's text (its title first) must not run into the words above it, as it does when a chart is given less
  // height than its titles, axes and legend need.
  const above = [...stage.querySelectorAll('[data-testid="stElementContainer"]')]
      .filter(e => !e.contains(chart) && e.getBoundingClientRect().bottom <= chart.getBoundingClientRect().top + 1);
  const wordsEnd = Math.max(...above.map(e => { const r = document.createRange(); r.selectNodeContents(e);
                                                return r.getBoundingClientRect().bottom; }));
  for (const t of texts) if (t.getBoundingClientRect().top < wordsEnd)
    overflowing.push(`chart text over the words above it: "${t.textContent}" ${t.getBoundingClientRect().top} < ` +
                     `${wordsEnd}`);
  return {overflowing, window: innerHeight, chart_bottom: Math.max(...bottoms),
          cut: texts.map(t => t.textContent).filter(t => t.includes('…')),
          axis_label_px: Math.min(...sizes('.role-axis-label text')),
          title_px: parseFloat(getComputedStyle(stage.querySelector('h1')).fontSize),
          headline_px: [...stage.querySelectorAll('[data-testid="stMetricValue"]')]
              .map(e => parseFloat(getComputedStyle(e).fontSize)),
          headlines: [...stage.querySelectorAll('[data-testid="stMetricValue"]')].map(e => e.innerText)};
}"""


@pytest.fixture(scope="module")
def served(demo_store_template, tmp_path_factory):
    folder, db = private_demo_store(demo_store_template, tmp_path_factory, "present_layout")
    con = store.open_store(db)
    try:
        session_id = sessions.find_session(con, DEMO_SESSION_TITLE).id
        state = {"dataset": "demo_contacts"}
        sessions.add_view(con, session_id, sessions.View("savings-scenarios", "waterfall",
                                                          explore.url_params("savings-scenarios", state), state),
                          SAVINGS_TITLE,
                          # a question as long as a stocktake writes one: it must leave the chart in view too
                          question="Cutting failure demand by a quarter would save about £105,000 a year at the "
                                   "benchmark unit costs: which of the failure reasons could the service prevent "
                                   "first, and who would own it?")
    finally:
        con.close()
    with served_app(db, folder) as url:
        yield url, session_id


def _settled(page) -> None:
    page.locator("[data-testid='stVegaLiteChart'] svg .role-axis-label text").first.wait_for()
    wait_for_app(page)
    page.wait_for_timeout(300)  # a chart sized to its box is drawn again once the box has its height


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_screen_fits_the_window(browser, served, tmp_path, size):
    url, session_id = served
    titles = [title for title, *_ in DEMO_AGENDA] + [SAVINGS_TITLE]
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.set_default_timeout(FIRST_RENDER_TIMEOUT_MS)
    try:
        page.goto(f"{url}/workshop-room?dataset=demo_contacts&session={session_id}&present=true&item=1")
        problems = []
        for position, title in enumerate(titles, start=1):
            if position > 1:
                page.get_by_role("button", name="Next").click()
            page.locator("h1").filter(has_text=title).first.wait_for()
            _settled(page)
            screenshot(page, f"present_{size[0]}x{size[1]}_{position}", tmp_path)
            found = page.evaluate(MEASURE_JS)
            where = f"{size[0]}x{size[1]}, item {position} ({title})"
            problems += [f"{where}: {text}" for text in found["overflowing"]]
            if found["chart_bottom"] > found["window"]:
                problems.append(f"{where}: the chart ends at {found['chart_bottom']:.0f} px, below the window's "
                                f"{found['window']} px")
            problems += [f"{where}: Vega cut '{text}'" for text in found["cut"]]
            if found["axis_label_px"] < 18 or any(px < 48 for px in found["headline_px"]):
                problems.append(f"{where}: text below the readable sizes: axis labels {found['axis_label_px']} px, "
                                f"headline numbers {found['headline_px']} px")
            if size == (3840, 2160):  # enlarged with the window: 1.8x what 1920 x 1080 shows (18, 2.6 rem, 56 px)
                small = [f"{name} {px} px" for name, px, least in (
                    ("axis labels", found["axis_label_px"], 18 * 1.8), ("title", found["title_px"], 52 * 1.8),
                    *(("headline number", px, 56 * 1.8) for px in found["headline_px"])) if px < least]
                if small:
                    problems.append(f"{where}: not enlarged for the 4K window: {', '.join(small)}")
            if title == SAVINGS_TITLE:  # money over £100,000 reads as a person says it ("£105k", "£5.2m")
                assert any(re.fullmatch(r"-?£\d+(\.\d)?(k|m|bn)", value) for value in found["headlines"]), found
        assert not problems, "\n".join(problems)
    finally:
        context.close()
