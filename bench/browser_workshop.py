"""Benchmark: the Workshop as a facilitator runs it, in Debian's Chromium (part of ``bench.browser``).

On the demo store's example session, at each window size (1280 x 720 and 1920 x 1080 by default), with the same
instrumentation and the same definition of "answered" as the Explore pages' clicks (``bench.browser``'s docstring):

- **opening a presentation link**: a new tab opening ``/workshop-room?session=…&present=true&item=N``, from the
  navigation until the chart has drawn: first, a link to the last item as the first thing after the server started
  and fallen quiet, its background imports of the pages' modules done (``link_first``: the process's first run of a
  page, on a server started before the room arrived; the wait is printed), then, after the first round below, a link to every item in a
  new browser profile (``link``: nothing cached, as for someone who has never opened Stocktake) and in a browser that
  has opened it before (``link_cached``: Streamlit's scripts kept);
- **Present**: on the Workshop page, the session open on its Agenda tab, a click on *Present* until the first
  figure's chart has drawn (``present_first``: the first round, straight after the server started);
- **Next / Previous**: through the whole agenda and back, each click until the new figure's chart has drawn (the
  first round is reported apart from the later rounds, whose figures are kept);
- **Add this view**: on Demand drivers, *Add this view to the session* until the confirmation is shown;
- **Record an action**: on the Workshop page's Actions tab, an action typed (not timed) and *Record the action*
  clicked until the page has answered; whether the Actions tab is still the one shown afterwards is reported.

The server's CPU (from /proc) between each action and its answer is reported beside it.

    .venv/bin/python -m bench.browser --workshop only            # the demo store, both sizes
    .venv/bin/python -m bench.browser_workshop --clicks 4 --json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from analysis import store
from analysis.workshop import sessions
from bench.browser import INSTRUMENT_JS, SETTLE_TIMEOUT_S, machine, wait_settled
from bench.serve import CHROMIUM, CHROMIUM_ARGS, load_average, private_copy, served_app, store_for

SIZES = ((1280, 720), (1920, 1080))
ACTIONS = ("link_first", "present_first", "present", "next_previous_first", "next_previous", "link", "link_cached",
           "add_view", "record_action")


# The time from the click to the sidebar's message naming the new item: null until then.
ADDED_JS = """(item) => {
  const found = [...document.querySelectorAll('[data-testid="stAlert"]')]
      .some(e => e.innerText.includes(`(item ${item})`));
  if (found && window.__bench.added_at === undefined) window.__bench.added_at = performance.now();
  if (!found) window.__bench.added_at = undefined;
  return found ? (window.__bench.added_at - window.__bench.action) / 1000 : null;
}"""


# When the page's first script run started, from the navigation: the browser's share of opening a link (Streamlit's
# frontend loaded, its WebSocket open), which nothing in the app's Python changes.
FIRST_RUN_JS = """(() => {
  const watch = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (app && app.getAttribute('data-test-script-state') === 'running') { window.__firstRun = performance.now(); return; }
    requestAnimationFrame(watch);
  };
  watch();
})();"""


def _session_id(db: Path) -> tuple[int, int]:
    """The demo session's id and the length of its agenda."""
    from data.demo import DEMO_SESSION_TITLE

    con = store.open_store(db)
    try:
        found = sessions.find_session(con, DEMO_SESSION_TITLE)
        return found.id, len(sessions.agenda(con, found.id))
    finally:
        con.close()


def _open(browser, url: str, size: tuple[int, int], context=None):
    """A tab at ``size`` on ``url``, instrumented, timed from the navigation (an opening is not a click): in a new
    browser profile (nothing cached), or in ``context`` (a browser that has opened Stocktake before)."""
    page = (context.new_page() if context is not None
            else browser.new_page(viewport={"width": size[0], "height": size[1]}))
    page.add_init_script(INSTRUMENT_JS)
    page.add_init_script(FIRST_RUN_JS)
    page.goto(url, wait_until="domcontentloaded")
    page.evaluate("window.__bench.action = 0")
    return page


# True once a visible chart has been drawn since the action. Streamlit's frontend loads a chart's code (Vega) only
# when the first chart arrives, and the script's run can end, and the page fall quiet, before that chart exists: the
# screens measured here always show one, so they are not answered until it is drawn.
DRAWN_JS = """() => window.__bench.visibleCharts().some(c => {
  const p = window.__bench.paints.get(c);
  return p && p.last > window.__bench.action;
})"""


def _answered(page, expected):
    if expected == "visible":
        page.wait_for_function(DRAWN_JS, polling=25, timeout=SETTLE_TIMEOUT_S * 1000)
    return wait_settled(page, expected)


def _timed(server, act, page, expected) -> tuple[float, float]:
    before = server.cpu_seconds()
    act()
    seconds = _answered(page, expected).seconds
    return seconds, server.cpu_seconds() - before


def _heading(page, text: str) -> None:
    page.locator("h1, h2, h3").filter(has_text=text).first.wait_for(timeout=SETTLE_TIMEOUT_S * 1000)


def _wait_warmed(server, timeout_s: float = 60) -> float | None:
    """Seconds from now until the server falls quiet (under 0.03 s of CPU in half a second): its background imports
    of the pages' modules (``ui.warm_up``) done, as on a server started before the room arrived; None if it never
    does within ``timeout_s``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        before = server.cpu_seconds()
        time.sleep(0.5)
        if server.cpu_seconds() - before < 0.03:
            return round(time.monotonic() - started, 1)
    return None


def run_size(browser, server, size: tuple[int, int], session_id: int, items: int, clicks: int, log) -> dict:
    times: dict[str, list[float]] = {a: [] for a in ACTIONS}
    cpu: dict[str, list[float]] = {a: [] for a in ACTIONS}
    base = f"{server.url}/workshop-room?dataset=demo_contacts&session={session_id}"

    def note(action: str, measured: tuple[float, float]) -> None:
        times[action].append(measured[0])
        cpu[action].append(measured[1])

    # Present, then Next through the agenda and Previous back to the start: the first round straight after the
    # server started (figures worked out, or prepared in the background while the previous screen was shown), the
    # later rounds on figures already kept.
    # The first thing after the server started: a link to the last item opened in a new tab (the process's imports,
    # the store's first reads and the figure worked out, as for the first person to open a shared link).
    warmed = _wait_warmed(server)
    started = server.cpu_seconds()
    link = _open(browser, f"{base}&present=true&item={items}", size)
    times["link_first"].append(_answered(link, "visible").seconds)
    cpu["link_first"].append(server.cpu_seconds() - started)
    link.close()
    page = _open(browser, base, size)
    wait_settled(page, 0)
    stay = {"actions_tab_kept": []}
    boot: list[float] = []
    rounds = max(1, clicks // 2) + 1
    for round_no in range(rounds):
        if round_no == 1:
            # Opening a presentation link in a new tab (a new browser session): every item, figures kept; in a new
            # browser profile (nothing cached: someone who has never opened Stocktake), then in a browser that has
            # (Streamlit's scripts are served as immutable, so it keeps them).
            cached = browser.new_context(viewport={"width": size[0], "height": size[1]})
            _answered(_open(browser, f"{base}&present=true&item=1", size, cached), "visible")  # fills its cache
            for item in range(1, items + 1):
                started = server.cpu_seconds()
                link = _open(browser, f"{base}&present=true&item={item}", size)
                times["link"].append(_answered(link, "visible").seconds)
                cpu["link"].append(server.cpu_seconds() - started)
                boot.append(link.evaluate("window.__firstRun / 1000"))
                link.close()
                started = server.cpu_seconds()
                link = _open(browser, f"{base}&present=true&item={item}", size, cached)
                times["link_cached"].append(_answered(link, "visible").seconds)
                cpu["link_cached"].append(server.cpu_seconds() - started)
                link.close()
            cached.close()
        if round_no:
            page.goto(base)
            page.evaluate("window.__bench.action = 0")
            wait_settled(page, 0)
        first = round_no == 0
        note("present_first" if first else "present",
             _timed(server, lambda: page.get_by_role("button", name="Present", exact=True).first.click(), page,
                    "visible"))
        action = "next_previous_first" if first else "next_previous"
        for _ in range(items - 1):
            note(action, _timed(server, lambda: page.get_by_role("button", name="Next").click(), page, "visible"))
        for _ in range(items - 1):
            note(action, _timed(server, lambda: page.get_by_role("button", name="Previous").click(), page, "visible"))
    # Record an action, on the Actions tab.
    page.goto(base)
    page.evaluate("window.__bench.action = 0")
    wait_settled(page, 0)
    for i in range(clicks):
        tab = page.get_by_role("tab", name="Actions").first
        if tab.get_attribute("aria-selected") != "true":
            tab.click()
            wait_settled(page, 0)
        form = page.locator("[data-testid='stForm']").filter(has=page.get_by_text("Record the action"))
        if not form.first.is_visible():
            page.get_by_text("Record an action", exact=True).first.click()
            wait_settled(page, 0)
        form.first.get_by_label("Action", exact=True).fill(f"Benchmark action {size[0]} {i + 1}")
        note("record_action", _timed(server, lambda: form.first.get_by_role("button", name="Record the action")
                                     .click(), page, 0))
        selected = page.get_by_role("tab", selected=True).first.inner_text()
        stay["actions_tab_kept"].append(selected.startswith("Actions"))
    # Add this view, from the Demand page.
    page.goto(f"{server.url}/demand-drivers?dataset=demo_contacts")
    page.evaluate("window.__bench.action = 0")
    _answered(page, "visible")
    for i in range(clicks):
        # Answered when the sidebar says the view was added as the next item (its message names the item) and the
        # page has settled: a quick run's states may be drawn at once, so the message is the evidence of the run.
        before = server.cpu_seconds()
        page.get_by_role("button", name="Add this view to the session").click()
        added = page.wait_for_function(ADDED_JS, arg=items + i + 1, polling=25, timeout=SETTLE_TIMEOUT_S * 1000)
        settled = wait_settled(page, 0).seconds
        times["add_view"].append(max(settled, added.json_value()))
        cpu["add_view"].append(server.cpu_seconds() - before)
    page.close()
    log(f"{size[0]}x{size[1]}: the pages' modules imported, the server quiet {warmed} s after it answered (link_first waits)")
    out = {"window": f"{size[0]}x{size[1]}", **stay, "warm_up_wait_s": warmed,
           "link_first_script_run_median_s": round(statistics.median(boot), 2) if boot else None}
    for action in ACTIONS:
        if times[action]:
            out[action] = {"median_s": round(statistics.median(times[action]), 2),
                           "max_s": round(max(times[action]), 2),
                           "runs_s": [round(x, 2) for x in times[action]],
                           "server_cpu_median_s": round(statistics.median(cpu[action]), 3)}
            log(f"{out['window']}: {action}: median {out[action]['median_s']:.2f} s (max {out[action]['max_s']:.2f}, "
                f"{len(times[action])} runs), server CPU {out[action]['server_cpu_median_s']:.2f} s")
    log(f"{out['window']}: the Actions tab kept after recording: {stay['actions_tab_kept']}")
    if boot:
        log(f"{out['window']}: opening a link, navigation to the page's first script run (the browser loading "
            f"Streamlit's frontend): median {out['link_first_script_run_median_s']:.2f} s")
    return out


def run(clicks: int, sizes=SIZES, work: Path | None = None, log=print) -> dict:
    """Every size on its own server start (so 'first' is the first in a process at each size)."""
    from playwright.sync_api import sync_playwright

    work = work or Path(tempfile.mkdtemp(prefix="stocktake_workshop_"))
    work.mkdir(parents=True, exist_ok=True)
    results = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for size in sizes:
                db = private_copy(store_for("demo"), work / f"workshop_{size[0]}")
                session_id, items = _session_id(db)
                load = load_average()
                with served_app(db, work / f"workshop_{size[0]}.log") as server:
                    result = run_size(browser, server, size, session_id, items, clicks, log)
                results.append({**result, "load_average": [round(load, 2), round(load_average(), 2)]})
        finally:
            browser.close()
    return {"workshop": results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clicks", type=int, default=4, help="actions recorded and views added per size; "
                                                              "Present and the agenda walked half as many times")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print("Debian's chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    log = (lambda text: print(text, file=sys.stderr, flush=True)) if args.json else print
    started = time.monotonic()
    out = {"machine": machine(), **run(args.clicks, log=log), "elapsed_s": round(time.monotonic() - started, 1)}
    if args.json:
        print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
