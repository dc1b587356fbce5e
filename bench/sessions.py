"""Benchmark: a room of people using one server at once, while someone loads a new dataset.

``SESSIONS`` (30) clients connect to the app served on loopback and, for ``DURATION_S`` (two minutes), each moves
between the four Explore pages (the Spend page on the store's payments, chosen in the sidebar's dataset picker
as a person would, the others on its contacts) and changes their controls, pausing ``THINK_S`` (2-6 s, drawn at random) between
actions as a person reading the answer would. Meanwhile one more session, in Chromium through Playwright, opens the
Data page, uploads a CSV of contacts and loads it as a new dataset.

The clients speak Streamlit's own protocol over its WebSocket (``/_stcore/stream``, the protobuf messages of
``streamlit.proto``), as the browser does: a ``rerun_script`` message with the page and every widget value, and the
answer is complete when the server sends ``script_finished`` for that run (a widget inside an ``st.fragment`` reruns
only its fragment, as in the browser). So "click -> answer" here is the server's part of a click: the rerun and the
messages it sends, not the browser drawing them (``bench.browser`` measures that, for one session). Thirty
Chromium tabs on the same two cores would measure Chromium.

Reported: p50 and p95 of click -> answer (control changes) and of page visits, the errors (an exception or an
``st.error`` on the page, a run that did not finish within ``ANSWER_TIMEOUT_S``, a dropped connection), whether the
load landed and how long it took, and whether every session sees the new dataset in its sidebar picker afterwards
(each client checks on its next answer after the load, and once more at the end). Bounded in time: the whole run
stops after ``DURATION_S`` + ``GRACE_S`` whatever happens. ``by_action`` gives each action (a page visit or one
control) its count, median and p95, slowest first; ``click_p50_p95_after_30s_s`` the clicks answered after the room
has arrived (the first half minute holds everyone's first visits, with every cache empty).

    .venv/bin/python -m bench.sessions                          # demo store, 30 sessions, 2 minutes
    .venv/bin/python -m bench.sessions --size 10000000 --json
    .venv/bin/python -m bench.sessions --find-room [--size 10000000] [--duration 90]   # the largest room answered
    .venv/bin/python -m bench.sessions --profile    # py-spy over the server: profile.txt in the work folder
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from analysis import store
from bench.serve import (CHROMIUM, CHROMIUM_ARGS, load_average, private_copy, records_dataset, served_app,
                         spend_dataset, store_for)

SESSIONS = 30
DURATION_S = 120.0
THINK_S = (2.0, 6.0)
LOAD_AFTER_S = 15.0
ANSWER_TIMEOUT_S = 60.0
GRACE_S = 240.0
NEW_DATASET = "room upload"
PAGES = {"demand": "demand-drivers", "performance": "performance-trends", "savings": "savings-scenarios",
         "spend": "council-spend"}
ACTIONS_PER_VISIT = (2, 5)
SETTLED_AFTER_S = 30.0
# The controls a person changes on each page, by label (any the page shows; others are skipped).
CONTROLS = {
    "demand": ["Show counts by", "Split by", "Periods ahead", "Repeat window (days)"],
    "performance": ["KPI", "One small chart per", "SPC rules", "Show the near-limit (2 sigma) lines", "Period"],
    "savings": ["Failure demand removed (%)", "Handling time cut (%)", "Years to project",
                "Move each input down and up by (%)"],
    "spend": ["Show spend by", "Bars before 'All other'", "Split the change by"],
}
DATASET_PICKER = "Dataset in use"


@dataclass
class Widget:
    id: str
    kind: str
    label: str
    fragment_id: str
    proto: object


@dataclass
class Answer:
    seconds: float
    errors: list[str]


@dataclass
class Tally:
    clicks: list[float] = field(default_factory=list)
    visits: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    saw_new_dataset: bool = False
    # (what: "page: control" or "page: visit", seconds, when it was answered) of every answer, to say which actions
    # are slow and when.
    actions: list[tuple[str, float, float]] = field(default_factory=list)


class StreamlitClient:
    """One browser session, without the browser: Streamlit's WebSocket protocol, one run at a time."""

    def __init__(self, url: str):
        self.url = url
        self.ws = None
        self.pages: dict[str, str] = {}  # url path -> page script hash
        self.page_hash = ""
        self.query_string = ""
        self.widgets: dict[str, Widget] = {}  # label -> widget on the current page
        self.states: dict[str, WidgetState] = {}  # id -> the value this session has set
        self.picker_options: list[str] = []
        self.picker: Widget | None = None  # the sidebar's dataset picker, to change dataset with the page
        self.datasets: dict[str, str] = {}  # page -> the dataset it is visited on (the Spend page: spending)

    async def connect(self) -> Answer:
        self.ws = await websockets.connect(self.url.replace("http", "ws", 1) + "/_stcore/stream",
                                           subprotocols=["streamlit"], max_size=None, open_timeout=30,
                                           ping_interval=None)
        return await self.rerun()

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def visit(self, page: str) -> Answer:
        self.page_hash = self.pages.get(PAGES[page], "")
        wanted = self.datasets.get(page)
        if self.picker is not None and wanted in self.picker_options:
            self.states[self.picker.id] = WidgetState(id=self.picker.id, string_value=wanted)
        self.widgets = {}
        return await self.rerun()

    async def change(self, widget: Widget, state: WidgetState) -> Answer:
        self.states[widget.id] = state
        return await self.rerun(fragment_id=widget.fragment_id)

    async def rerun(self, fragment_id: str = "") -> Answer:
        msg = BackMsg()
        client = msg.rerun_script
        client.query_string = self.query_string
        client.page_script_hash = self.page_hash
        client.fragment_id = fragment_id
        client.widget_states.widgets.extend(self.states.values())
        client.context_info.timezone = "Europe/London"
        client.context_info.locale = "en-GB"
        started = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        errors: list[str] = []
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), ANSWER_TIMEOUT_S)
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in fwd.navigation.app_pages}
                self.page_hash = fwd.navigation.page_script_hash or self.page_hash
            elif kind == "page_info_changed":
                self.query_string = fwd.page_info_changed.query_string
            elif kind == "delta":
                self._read_delta(fwd.delta, errors)
            elif kind == "script_finished":
                status = fwd.script_finished
                if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # the script asked for another run (st.rerun): the answer is that one's end
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    errors.append("the script did not compile")
                return Answer(time.perf_counter() - started, errors)

    def _read_delta(self, delta, errors: list[str]) -> None:
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception":
            errors.append(f"exception: {element.exception.type}: {element.exception.message}"[:300])
        elif kind == "alert" and element.alert.format == element.alert.ERROR:
            errors.append(f"error shown: {element.alert.body}"[:300])
        elif kind in ("radio", "selectbox", "slider", "checkbox", "number_input"):
            proto = getattr(element, kind)
            self.widgets[proto.label] = Widget(proto.id, kind, proto.label, delta.fragment_id, proto)
            if kind == "selectbox" and proto.label == DATASET_PICKER:
                self.picker_options = list(proto.options)
                self.picker = self.widgets[proto.label]

    def new_value(self, widget: Widget, rng: random.Random) -> WidgetState | None:
        """A value for ``widget`` other than the one it shows now, as the browser would send it."""
        p = widget.proto
        state = WidgetState(id=widget.id)
        current = self.states.get(widget.id)
        if widget.kind in ("radio", "selectbox"):
            options = list(p.options)
            if len(options) < 2:
                return None
            shown = current.string_value if current else (p.raw_value if p.set_value else
                                                            options[p.default] if 0 <= p.default < len(options) else "")
            state.string_value = rng.choice([o for o in options if o != shown])
        elif widget.kind == "slider":
            if list(p.options) or p.step <= 0:
                return None
            shown = current.double_array_value.data[0] if current else (list(p.value) or list(p.default) or [p.min])[0]
            steps = int(round((p.max - p.min) / p.step))
            values = [p.min + i * p.step for i in range(steps + 1)]
            near = [v for v in values if v != shown and abs(v - shown) <= 5 * p.step]
            state.double_array_value.data.append(rng.choice(near or values))
        elif widget.kind == "checkbox":
            shown = current.bool_value if current else (p.value if p.set_value else p.default)
            state.bool_value = not shown
        elif widget.kind == "number_input":
            shown = current.int_value if current else int(p.value if p.set_value else p.default)
            step = int(p.step or 1)
            choices = [v for v in (shown - step, shown + step) if (not p.has_min or v >= p.min) and
                       (not p.has_max or v <= p.max)]
            if not choices:
                return None
            state.int_value = rng.choice(choices)
        return state


async def room_member(number: int, url: str, deadline: float, load_landed: asyncio.Event, tally: Tally,
                      seed: int, datasets: dict[str, str]) -> None:
    """One person: visits a page, changes a few of its controls with pauses, moves on, until the deadline."""
    rng = random.Random(seed)
    client = StreamlitClient(url)
    client.datasets = datasets

    def note(answer: Answer, into: list[float], what: str = "") -> None:
        into.append(answer.seconds)
        if what:
            tally.actions.append((what, answer.seconds, time.monotonic()))
        tally.errors.extend(f"session {number}: {e}" for e in answer.errors)
        if load_landed.is_set() and NEW_DATASET in client.picker_options:
            tally.saw_new_dataset = True

    try:
        await asyncio.sleep(rng.uniform(0, 5))  # people do not all arrive in the same second
        note(await client.connect(), tally.visits)
        pages = list(PAGES)
        rng.shuffle(pages)
        visit = 0
        while time.monotonic() < deadline:
            page = pages[visit % len(pages)]
            visit += 1
            note(await client.visit(page), tally.visits, f"{page}: visit")
            for _ in range(rng.randint(*ACTIONS_PER_VISIT)):
                await asyncio.sleep(rng.uniform(*THINK_S))
                if time.monotonic() >= deadline:
                    break
                offered = [client.widgets[label] for label in CONTROLS[page] if label in client.widgets]
                if not offered:
                    break
                widget = rng.choice(offered)
                state = client.new_value(widget, rng)
                if state is not None:
                    note(await client.change(widget, state), tally.clicks, f"{page}: {widget.label}")
        # Afterwards: once the load has landed, does this session's sidebar offer the new dataset?
        if not tally.saw_new_dataset:
            try:
                await asyncio.wait_for(load_landed.wait(), max(1.0, deadline + GRACE_S / 2 - time.monotonic()))
            except (asyncio.TimeoutError, TimeoutError):
                return
            note(await client.rerun(), tally.visits)
    except (asyncio.TimeoutError, TimeoutError):
        tally.errors.append(f"session {number}: no answer within {ANSWER_TIMEOUT_S:.0f} s")
    except websockets.WebSocketException as exc:
        tally.errors.append(f"session {number}: connection lost ({type(exc).__name__})")
    finally:
        await client.close()


def write_upload(source_db: Path, folder: Path) -> tuple[Path, int]:
    """A CSV of contacts as a council system exports them (UK dates), from the demo's records."""
    con = store.open_store(source_db, read_only=True)
    try:
        table = store.quote_identifier(store.get_dataset(con, "demo_contacts").table) \
            if store.dataset_exists(con, "demo_contacts") else None
        if table is None:
            raise SystemExit("the upload is made from the demo store's demo_contacts")
        path = folder / "room upload.csv"
        rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        con.execute(f"""COPY (SELECT * REPLACE (strftime(received_at, '%d/%m/%Y %H:%M') AS received_at,
                                                 strftime(closed_at, '%d/%m/%Y %H:%M') AS closed_at)
                              FROM {table}) TO '{path}' (HEADER, DELIMITER ',')""")
        return path, rows
    finally:
        con.close()


async def loader(url: str, csv: Path, start_at: float, deadline: float, landed: asyncio.Event, result: dict,
                 screenshot: Path) -> None:
    """The one person who loads a file on the Data page while the room works, in Chromium."""
    from playwright.async_api import async_playwright

    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1400, "height": 1000})
            timeout_ms = max(1.0, deadline - time.monotonic()) * 1000
            await page.goto(url + "/datasets", timeout=timeout_ms)
            await page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(csv),
                                                                                            timeout=timeout_ms)
            load = page.get_by_role("button", name="Load into Stocktake")
            await load.wait_for(timeout=timeout_ms)
            name = page.get_by_label("Dataset name")
            await name.fill(NEW_DATASET)
            await name.press("Enter")
            await page.wait_for_timeout(1500)
            started = time.monotonic()
            await load.click()
            await page.get_by_text(f"into '{NEW_DATASET}'").first.wait_for(
                timeout=max(1.0, deadline - time.monotonic()) * 1000)
            result["load_s"] = round(time.monotonic() - started, 1)
            result["landed"] = True
            landed.set()
            await page.screenshot(path=str(screenshot))
        except Exception as exc:  # noqa: BLE001 - the report says what went wrong; the run must end in time
            result["landed"] = False
            result["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        finally:
            await browser.close()


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * len(ordered) + 0.5)) - 1))]


async def run_room(url: str, csv: Path, sessions: int, duration: float, seed: int, screenshot: Path,
                   datasets: dict[str, str]) -> dict:
    started = time.monotonic()
    deadline = started + duration
    landed = asyncio.Event()
    load_result: dict = {}
    tallies = [Tally() for _ in range(sessions)]
    tasks = [asyncio.create_task(room_member(i + 1, url, deadline, landed, tallies[i], seed + i, datasets))
             for i in range(sessions)]
    tasks.append(asyncio.create_task(loader(url, csv, started + LOAD_AFTER_S, deadline + GRACE_S / 2, landed,
                                            load_result, screenshot)))
    done, pending = await asyncio.wait(tasks, timeout=duration + GRACE_S)
    for task in pending:
        task.cancel()
    by_action: dict[str, list[float]] = {}
    for what, seconds, _ in (a for t in tallies for a in t.actions):
        by_action.setdefault(what, []).append(seconds)
    # After the room has arrived (everyone's first visits, with every cache empty, fall in the first half minute).
    settled = [seconds for t in tallies for what, seconds, at in t.actions
               if at - started >= SETTLED_AFTER_S and not what.endswith(": visit")]
    clicks = [s for t in tallies for s in t.clicks]
    visits = [s for t in tallies for s in t.visits]
    errors = [e for t in tallies for e in t.errors]
    if pending:
        errors.append(f"{len(pending)} sessions were still waiting when the run's time ran out")
    return {
        "sessions": sessions,
        "duration_s": duration,
        "clicks": len(clicks),
        "click_p50_s": round(percentile(clicks, 0.5), 2) if clicks else None,
        "click_p95_s": round(percentile(clicks, 0.95), 2) if clicks else None,
        "click_max_s": round(max(clicks), 2) if clicks else None,
        "click_p50_p95_after_30s_s": [round(percentile(settled, 0.5), 2), round(percentile(settled, 0.95), 2)]
        if settled else None,
        "visits": len(visits),
        "visit_p50_s": round(percentile(visits, 0.5), 2) if visits else None,
        "visit_p95_s": round(percentile(visits, 0.95), 2) if visits else None,
        "errors": len(errors),
        "error_examples": errors[:10],
        "load_landed": bool(load_result.get("landed")),
        "load_s": load_result.get("load_s"),
        "load_error": load_result.get("error"),
        "sessions_seeing_new_dataset": sum(t.saw_new_dataset for t in tallies),
        # Each action's count, median and p95 (seconds), slowest p95 first: where the room waits.
        "by_action": {what: [len(v), round(percentile(v, 0.5), 2), round(percentile(v, 0.95), 2)]
                      for what, v in sorted(by_action.items(), key=lambda kv: -percentile(kv[1], 0.95))},
    }


def _start_profile(pid: int, out: Path) -> subprocess.Popen:
    """py-spy sampling the served app (every thread) until interrupted. Python frames only, 20 a second: with
    ``--native`` at 50 a second the sampling itself stalled the server (visits p50 59 s on the demo against 0.6 s)."""
    pyspy = os.environ.get("PYSPY", "py-spy")
    return subprocess.Popen([pyspy, "record", "--pid", str(pid), "-r", "20", "-f", "raw", "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


ROOM_STEPS = (5, 10, 15, 20, 30, 45, 60, 90, 120)
ROOM_P95_S = 2.0


def measure_room(size: str, sessions: int, duration: float, seed: int, work: Path, profile: bool = False) -> dict:
    """One room of ``sessions`` people for ``duration`` seconds on a fresh server over a fresh copy of the store."""
    from bench.serve import demo_store

    work.mkdir(parents=True, exist_ok=True)
    csv, upload_rows = write_upload(demo_store(), work)
    db = private_copy(store_for(size), work / "store")
    load_before = load_average()
    with served_app(db, work / "streamlit.log") as server:
        cpu_before = server.cpu_seconds()
        spy = _start_profile(server.pid, work / "profile.txt") if profile else None
        started = time.monotonic()
        datasets = {page: spend_dataset(size) if page == "spend" else records_dataset(size) for page in PAGES}
        result = asyncio.run(run_room(server.url, csv, sessions, duration, seed, work / "loader.png", datasets))
        elapsed = time.monotonic() - started
        cpu = server.cpu_seconds() - cpu_before
        if spy is not None:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file when interrupted
            spy.wait(timeout=60)
    result.update({"size": size, "upload_rows": upload_rows, "server_cpu_s": round(cpu, 1),
                   "server_cpu_share": round(cpu / elapsed, 2), "elapsed_s": round(elapsed, 1),
                   "load_average_before": round(load_before, 2), "load_average_after": round(load_average(), 2)})
    return result


def answered(result: dict) -> bool:
    """The room was answered: click p95 within ``ROOM_P95_S``, no errors, the load landed."""
    return (result["click_p95_s"] is not None and result["click_p95_s"] <= ROOM_P95_S and result["errors"] == 0
            and result["load_landed"])


def find_room(size: str, start: int, duration: float, seed: int, work: Path) -> dict:
    """The largest room of ``ROOM_STEPS`` one server process answers: up the steps from ``start`` while each is
    answered, down them while not; each step a fresh server (no cache carried from the step before)."""
    steps = list(ROOM_STEPS) if start in ROOM_STEPS else sorted({*ROOM_STEPS, start})
    i = steps.index(start)
    tried: dict[int, dict] = {}
    while 0 <= i < len(steps):
        n = steps[i]
        result = tried[n] = measure_room(size, n, duration, seed, work / f"room_{n}")
        print(f"  {n} sessions: click p50 {result['click_p50_s']} / p95 {result['click_p95_s']} s, visits p95 "
              f"{result['visit_p95_s']} s, {result['errors']} errors, server {result['server_cpu_share']} of a core, "
              f"load average {result['load_average_before']} -> {result['load_average_after']}", flush=True)
        ok = answered(result)
        if ok and (i + 1 < len(steps)) and steps[i + 1] not in tried:
            i += 1
        elif not ok and i > 0 and steps[i - 1] not in tried:
            i -= 1
        else:
            break
    good = [n for n, r in tried.items() if answered(r)]
    return {"size": size, "largest_room": max(good) if good else None,
            "first_not_answered": min((n for n in tried if not answered(tried[n])), default=None),
            "p95_target_s": ROOM_P95_S, "duration_s": duration, "think_s": list(THINK_S),
            "rooms": {n: {k: tried[n][k] for k in ("click_p50_s", "click_p95_s", "click_p50_p95_after_30s_s",
                                                   "visit_p50_s", "visit_p95_s", "errors", "load_landed",
                                                   "server_cpu_share", "load_average_before", "load_average_after")}
                      for n in sorted(tried)}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="demo", help="'demo' or a row count of a bench.records store")
    parser.add_argument("--sessions", type=int, default=SESSIONS)
    parser.add_argument("--duration", type=float, default=DURATION_S, help="seconds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--profile", action="store_true",
                        help="record the server with py-spy into the work folder: profile.txt, "
                             "raw format (py-spy is not in the requirements: pip install py-spy, or set $PYSPY)")
    parser.add_argument("--find-room", action="store_true",
                        help=f"find the largest room (of {', '.join(map(str, ROOM_STEPS))} sessions, starting at "
                             f"--sessions) one server answers with click p95 <= {ROOM_P95_S:g} s and no errors")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="stocktake_sessions_"))
    if args.find_room:
        found = find_room(args.size, args.sessions, args.duration, args.seed, work)
        print(json.dumps(found, indent=1))
        return 0
    result = measure_room(args.size, args.sessions, args.duration, args.seed, work, args.profile)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
        print(f"files in {work}")
    return 0 if result["errors"] == 0 and result["load_landed"] else 1


if __name__ == "__main__":
    sys.exit(main())
