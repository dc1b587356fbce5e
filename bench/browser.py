"""Benchmark: what a person in the room waits for, in Debian's Chromium driven by Playwright.

For each Explore page (Demand drivers, Performance trends, Savings scenarios, Spend) on a store (the demo borough, or
the ``bench.records`` store of N rows with ``bench.payments``' N payments, prepared as a load prepares it; the Spend
page is opened on the payments, chosen in the sidebar's dataset picker first, the others on the contacts):

- **first visit from the sidebar**, the app already open on the Overview: *cold* (the first visit to that page since
  the server started; the pages are visited in turn after a fresh start, so a later page may find the sidebar's
  shared figures cached, as it would in a room) and *warm* (Overview, then the page again, its results cached);
- **click -> every affected chart redrawn**, for one control in the body of each page, clicked back and forth.
  The first click to each value is reported apart ("uncached": the server works its figures out); the median is
  over the later clicks, whose results are cached, as a room's repeated "week by week? and back?" would be.
- the **server's CPU** for each cached click and warm visit (user + system time of the server process, from /proc,
  between the action and the answer): what one rerun costs a room that shares the server's one Python process.

"Chart redrawn", precisely. Streamlit draws a chart with vega-embed into a ``<canvas>`` (Streamlit 1.67 asks for
the canvas renderer): a new spec re-embeds the chart, new data alone repaints the same canvas. Neither changes the DOM
in a way a MutationObserver can see reliably, so the page is instrumented before it loads
(``page.add_init_script``): ``CanvasRenderingContext2D.restore`` is wrapped to note, per chart element
(``[data-testid="stVegaLiteChart"]``), the time of its last paint (Vega paints a scene between ``save()`` and
``restore()``). The time of the action is taken in the page too (a capturing ``pointerdown``/``keydown`` listener,
the last one before the rerun). A click counts as **answered** when, all at once:

1. Streamlit's script state (``[data-testid=stApp]``'s ``data-test-script-state``) has gone to ``running`` and back
   to ``notRunning`` after the action (or, when React drew a quick run's two states at once, a second has passed and
   the state is ``notRunning``), and no element is marked stale (``data-stale="true"``);
2. every chart affected by the control has painted since the action. Which charts those are is learnt from the first
   click to each value (the charts that painted within 2 s of a settled page) and checked on every later click;
   for a first visit, it is every chart visible on the page (charts in a hidden tab are not drawn until shown);
3. none of those charts has painted and the script state has not changed for ``QUIET_S`` (0.4 s). (A chart that
   never falls quiet, such as a container-width chart caught in a resize loop, is counted to its first paint once
   the script has been finished for ``RESTLESS_S``, and a note says so.)

The figure is the time from the action to the later of the last paint and the end of the script run, not to the
end of the quiet period. Playwright's own polling is every 25 ms, so figures are good to about 0.03 s.

    .venv/bin/python -m bench.browser                      # demo store and the 10M-row store
    .venv/bin/python -m bench.browser --sizes demo --clicks 8 --json
    .venv/bin/python -m bench.browser --workshop only      # the Workshop alone (bench.browser_workshop)
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from bench.serve import (CHROMIUM, CHROMIUM_ARGS, load_average, private_copy, records_dataset, served_app,
                         spend_dataset, store_for)

QUIET_S = 0.4
RESTLESS_S = 10.0
SETTLE_TIMEOUT_S = 240
VIEWPORT = {"width": 1600, "height": 1000}
PAGES = {"demand": "Demand drivers", "performance": "Performance trends", "savings": "Savings scenarios",
         "spend": "Spend"}

INSTRUMENT_JS = """
(() => {
  const bench = window.__bench = {action: 0, paints: new Map(), sawRunning: false, lastStateChange: 0,
                                  state: 'initial'};
  const CHART = '[data-testid="stVegaLiteChart"]';
  const painted = (node) => {
    const element = node && (node.nodeType === 1 ? node : node.parentElement);
    const chart = element && element.isConnected ? element.closest(CHART) : null;
    if (chart) {
      const now = performance.now();
      const seen = bench.paints.get(chart);
      // first: the first paint since the last action; last: the latest paint.
      if (!seen || seen.last < bench.action) bench.paints.set(chart, {first: now, last: now});
      else seen.last = now;
    }
  };
  // Streamlit 1.67 draws Vega-Lite as SVG: every redraw changes the chart's SVG nodes.
  new MutationObserver((records) => { for (const r of records) painted(r.target); })
    .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  // A chart drawn on a canvas changes no node when it repaints: note the end of each Vega scene painted there.
  const proto = CanvasRenderingContext2D.prototype;
  const restore = proto.restore;
  proto.restore = function () {
    const result = restore.apply(this, arguments);
    painted(this.canvas);
    return result;
  };
  const mark = () => { bench.action = performance.now(); bench.sawRunning = false; };
  document.addEventListener('pointerdown', mark, true);
  document.addEventListener('keydown', mark, true);
  const watch = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) { requestAnimationFrame(watch); return; }
    const note = (records) => {
      const state = app.getAttribute('data-test-script-state');
      // A quick run can go running -> notRunning between two callbacks: the records' old values still show it.
      if ((records || []).some(r => r.oldValue === 'running')) {
        bench.sawRunning = true;
        bench.lastStateChange = performance.now();
      }
      if (state !== bench.state) {
        bench.state = state;
        bench.lastStateChange = performance.now();
        if (state === 'running') bench.sawRunning = true;
      }
    };
    new MutationObserver(note).observe(app, {attributes: true, attributeOldValue: true,
                                              attributeFilter: ['data-test-script-state']});
    note([]);
  };
  watch();
  bench.charts = () => Array.from(document.querySelectorAll(CHART));
  bench.visibleCharts = () => bench.charts().filter(c => c.getClientRects().length > 0 && c.offsetWidth > 0);
  const since = (c) => { const p = bench.paints.get(c); return p && p.last > bench.action ? p : null; };
  // null while the page is still working; otherwise the answer for the last action.
  bench.settled = (expected, quietMs, restlessMs) => {
    // React may batch a quick run's "running" and "notRunning" into one render, so the attribute never shows the
    // run: after a second, the painted charts (and the quiet) are the evidence instead.
    const now = performance.now();
    if (bench.state !== 'notRunning' || (!bench.sawRunning && now - bench.action < 1000)) return null;
    if (document.querySelector('[data-stale="true"]')) return null;
    const painted = bench.charts().filter(since);
    const wanted = expected === 'visible' ? bench.visibleCharts() : painted;
    if (wanted.some(c => !since(c)) || painted.length < (expected === 'visible' ? 0 : expected)) return null;
    const last = Math.max(bench.lastStateChange, ...wanted.map(c => since(c).last));
    const answer = {painted: painted.length, charts: bench.charts().length, restless: false};
    if (now - last >= quietMs) return {...answer, seconds: (last - bench.action) / 1000};
    // A chart that keeps changing (a container-width chart caught in a resize loop) would never fall quiet: once the
    // script has been finished for restlessMs, count up to each chart's first paint instead, and say so.
    if (now - bench.lastStateChange >= restlessMs) {
      const first = Math.max(bench.lastStateChange, ...wanted.map(c => since(c).first));
      return {...answer, seconds: (first - bench.action) / 1000, restless: true};
    }
    return null;
  };
})();
"""


@dataclass
class Measure:
    seconds: float
    painted: int
    charts: int
    restless: bool


@dataclass
class ControlResult:
    page: str
    control: str
    affected_charts: list[int]
    uncached: list[float]
    cached: list[float]
    cached_cpu: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.cached) if self.cached else float("nan")


@dataclass
class VisitResult:
    page: str
    cold: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    warm_cpu: list[float] = field(default_factory=list)


def wait_settled(page, expected: int | str, quiet_s: float = QUIET_S, timeout_s: float = SETTLE_TIMEOUT_S) -> Measure:
    """Wait until the last action is answered (see the module's docstring) and return how long it took."""
    handle = page.wait_for_function(
        "([expected, quiet, restless]) => window.__bench.settled(expected, quiet, restless)",
        arg=[expected, quiet_s * 1000, RESTLESS_S * 1000], polling=25, timeout=timeout_s * 1000)
    value = handle.json_value()
    if value["restless"]:
        print(f"note: a chart kept changing for {RESTLESS_S:.0f} s after the answer; counted to its first paint",
              file=sys.stderr)
    return Measure(value["seconds"], value["painted"], value["charts"], value["restless"])


def open_app(browser, url: str):
    page = browser.new_page(viewport=VIEWPORT)
    page.add_init_script(INSTRUMENT_JS)
    page.goto(url + "/", wait_until="domcontentloaded")
    # Opening the app is not an action on the page: count from the navigation instead.
    page.evaluate("window.__bench.action = 0")
    page.wait_for_function("() => window.__bench && window.__bench.sawRunning && window.__bench.state === 'notRunning'"
                           " && document.querySelector('[data-testid=stSidebarNav]')", polling=50,
                           timeout=SETTLE_TIMEOUT_S * 1000)
    page.wait_for_timeout(300)
    return page


def visit_from_sidebar(page, title: str) -> Measure:
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
    return wait_settled(page, "visible")


def go_home(page) -> None:
    page.locator('[data-testid="stSidebarNav"] a', has_text="Overview").first.click()
    wait_settled(page, 0)


def use_dataset(page, name: str) -> None:
    """Choose ``name`` in the sidebar's dataset picker (the Spend page shows spending, the others records); not
    timed."""
    picker = page.get_by_role("combobox", name="Dataset in use")
    if picker.input_value() == name:
        return
    picker.click()
    page.get_by_role("option", name=name, exact=True).click()
    wait_settled(page, 0)


def dataset_for(name: str, size: str) -> str:
    return spend_dataset(size) if name == "spend" else records_dataset(size)


# ---- the controls -------------------------------------------------------------------------------------------------
# Each control is a pair of actions that move it to one value and back; both must leave the page answering.


def _radio(label: str, option: str) -> Callable:
    def act(page):
        group = page.locator('[data-testid="stRadio"]').filter(has=page.get_by_text(label, exact=True)).first
        group.get_by_text(option, exact=True).first.click()
    return act


def _slider_keys(label: str, key: str) -> Callable:
    def act(page):
        slider = page.locator('[data-testid="stSlider"]').filter(has=page.get_by_text(label, exact=True)).first
        thumb = slider.get_by_role("slider").first
        thumb.focus()
        thumb.press(key)
    return act


CONTROLS = {
    # The question the room asks most: "week by week?" and back. A page-level filter: the whole page answers.
    "demand": ("Show counts by: Month <-> Week", _radio("Show counts by", "Week"), _radio("Show counts by", "Month")),
    # The small multiples' own choice: only that section's chart changes.
    "performance": ("One small chart per: Area <-> Service", _radio("One small chart per", "Service"),
                    _radio("One small chart per", "Area")),
    # A lever: the saving, the waterfall, the projection and the tornado all move.
    "savings": ("Failure demand removed (%): 20 <-> 21", _slider_keys("Failure demand removed (%)", "ArrowRight"),
                _slider_keys("Failure demand removed (%)", "ArrowLeft")),
    # The filter bar's grain: the whole page answers (the chart over time changes, every figure reruns).
    "spend": ("Show spend by: Month <-> Financial year", _radio("Show spend by", "Financial year"),
              _radio("Show spend by", "Month")),
}


def measure_control(page, server, name: str, clicks: int) -> ControlResult:
    """Move the page's control there and back ``clicks`` times after a first move each way (uncached)."""
    label, there, back = CONTROLS[name]
    affected: list[int] = []
    uncached: list[float] = []
    for act in (there, back):
        act(page)
        # First move: learn which charts the control affects (everything that paints within 2 s of the answer).
        first = wait_settled(page, 0, quiet_s=2.0)
        affected.append(first.painted)
        uncached.append(first.seconds)
    cached: list[float] = []
    cpu: list[float] = []
    for i in range(clicks):
        act = there if i % 2 == 0 else back
        before = server.cpu_seconds()
        act(page)
        cached.append(wait_settled(page, affected[i % 2]).seconds)
        cpu.append(server.cpu_seconds() - before)
    return ControlResult(name, label, affected, uncached, cached, cpu)


def run_size(size: str, clicks: int, cold_rounds: int, warm_visits: int, work: Path, log) -> dict:
    from playwright.sync_api import sync_playwright

    source = store_for(size)
    visits = {p: VisitResult(p) for p in PAGES}
    controls: dict[str, ControlResult] = {}
    loads: list[float] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for round_no in range(cold_rounds):
                loads.append(load_average())
                db = private_copy(source, work / f"{size}_{round_no}")
                with served_app(db, work / f"{size}_{round_no}.log") as server:
                    page = open_app(browser, server.url)
                    order = list(PAGES)[round_no % len(PAGES):] + list(PAGES)[:round_no % len(PAGES)]
                    for name in order:
                        use_dataset(page, dataset_for(name, size))
                        measure = visit_from_sidebar(page, PAGES[name])
                        visits[name].cold.append(measure.seconds)
                        log(f"{size} round {round_no + 1}: cold first visit to {name}: {measure.seconds:.2f} s "
                            f"({measure.painted} charts)")
                        go_home(page)
                    if round_no == 0:
                        for name in PAGES:
                            use_dataset(page, dataset_for(name, size))
                            for _ in range(warm_visits):
                                before = server.cpu_seconds()
                                measure = visit_from_sidebar(page, PAGES[name])
                                visits[name].warm_cpu.append(server.cpu_seconds() - before)
                                visits[name].warm.append(measure.seconds)
                                go_home(page)
                            log(f"{size}: warm visit to {name}: median {statistics.median(visits[name].warm):.2f} s, "
                                f"server CPU {statistics.median(visits[name].warm_cpu):.2f} s")
                        for name in PAGES:
                            use_dataset(page, dataset_for(name, size))
                            visit_from_sidebar(page, PAGES[name])
                            loads.append(load_average())
                            controls[name] = measure_control(page, server, name, clicks)
                            c = controls[name]
                            log(f"{size}: {name} {c.control}: median {c.median:.2f} s over {len(c.cached)} clicks, "
                                f"server CPU {statistics.median(c.cached_cpu):.2f} s "
                                f"(uncached {', '.join(f'{s:.2f}' for s in c.uncached)}; charts {c.affected_charts})")
                            page.screenshot(path=str(work / f"{size}_{name}.png"))
                            go_home(page)
                    page.close()
        finally:
            browser.close()
    return {
        "size": size,
        "load_average": [round(x, 2) for x in loads],
        "first_visit": {p: {"cold_s": [round(x, 2) for x in v.cold],
                            "cold_median_s": round(statistics.median(v.cold), 2) if v.cold else None,
                            "warm_s": [round(x, 2) for x in v.warm],
                            "warm_median_s": round(statistics.median(v.warm), 2) if v.warm else None,
                            "warm_server_cpu_median_s": round(statistics.median(v.warm_cpu), 3) if v.warm_cpu else None}
                        for p, v in visits.items()},
        "click": {p: {"control": c.control, "affected_charts": c.affected_charts,
                      "uncached_s": [round(x, 2) for x in c.uncached], "cached_s": [round(x, 2) for x in c.cached],
                      "median_s": round(c.median, 2),
                      "server_cpu_median_s": round(statistics.median(c.cached_cpu), 3)} for p, c in controls.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["demo", "10000000"],
                        help="'demo' and/or row counts of bench.records stores")
    parser.add_argument("--clicks", type=int, default=6, help="cached clicks per control (after one each way)")
    parser.add_argument("--cold-rounds", type=int, default=3, help="server restarts, each giving one cold visit a page")
    parser.add_argument("--warm-visits", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of lines")
    parser.add_argument("--work", type=Path, default=None, help="folder for the store copies, logs and screenshots")
    parser.add_argument("--workshop", choices=("also", "only", "no"), default="also",
                        help="the Workshop on the demo store at 1280x720 and 1920x1080 (bench.browser_workshop)")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print("Debian's chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    work = args.work or Path(tempfile.mkdtemp(prefix="stocktake_browser_"))
    log = (lambda text: print(text, file=sys.stderr, flush=True)) if args.json else \
        (lambda text: print(text, flush=True))
    started = time.monotonic()
    results = [run_size(size, args.clicks, args.cold_rounds, args.warm_visits, work, log) for size in args.sizes
               if args.workshop != "only"]
    out = {"machine": machine(), "results": results}
    if args.workshop != "no":
        from bench import browser_workshop  # it uses this module's instrumentation: imported once this one is

        out.update(browser_workshop.run(max(2, args.clicks // 2), work=work / "workshop", log=log))
    out["elapsed_s"] = round(time.monotonic() - started, 1)
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        log(f"files in {work}")
    return 0


def machine() -> str:
    import os
    import platform

    return f"{platform.node()}: {os.cpu_count()} cores, {platform.platform(terse=True)}"


if __name__ == "__main__":
    sys.exit(main())
