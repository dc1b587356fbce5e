"""Benchmark: the server's CPU for each action of a room, one action at a time, so a change can be judged by CPU on a
machine other people are using.

``bench.sessions`` measures a room's waits, which depend on everything else the machine runs. This replays the same
kind of room (the clients and controls of ``bench.sessions``: ``--people`` sessions in turn, each visiting the
Explore pages and changing 2-5 of a page's controls) against one served app, but sequentially: each action is sent
when the one before has been answered, and the server process's CPU time (user + system, from /proc) is read
around it. The sequence is fixed by ``--seed``, so two versions of the code are compared on the same actions; the
caches start empty and fill as a room's would (people later in the run find what earlier ones asked for). No upload
is made (its CPU would be counted against the actions around it).

Reported: CPU per action (mean, and over the second half, when the caches hold what a settled room asks for again),
per kind of action (count, mean and max), and the load average.

    .venv/bin/python -m bench.action_cpu                          # demo store, 6 people, 240 actions
    .venv/bin/python -m bench.action_cpu --size 10000000 --json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import statistics
import sys
import tempfile
from pathlib import Path

from bench.serve import load_average, private_copy, records_dataset, served_app, spend_dataset, store_for
from bench.sessions import ACTIONS_PER_VISIT, CONTROLS, PAGES, StreamlitClient, _start_profile

SETTLE_S = 8.0  # after everyone has connected: the background imports a server starts on its first run


async def replay(url: str, cpu, people: int, actions: int, seed: int, datasets: dict[str, str]) -> dict:
    rngs = [random.Random(seed + i) for i in range(people)]
    clients = [StreamlitClient(url) for _ in range(people)]
    orders, visits, left = [], [0] * people, [0] * people
    for client, rng in zip(clients, rngs):
        client.datasets = datasets
        await client.connect()
        order = list(PAGES)
        rng.shuffle(order)
        orders.append(order)
    await asyncio.sleep(SETTLE_S)
    done: list[tuple[str, float]] = []
    errors: list[str] = []
    try:
        while len(done) < actions:
            i = len(done) % people
            client, rng = clients[i], rngs[i]
            page = orders[i][(visits[i] - 1) % len(PAGES)] if visits[i] else None
            widget = state = None
            if left[i] > 0 and page is not None:
                offered = [client.widgets[label] for label in CONTROLS[page] if label in client.widgets]
                widget = rng.choice(offered) if offered else None
                state = client.new_value(widget, rng) if widget is not None else None
            before = cpu()
            if state is None:  # on to the next page
                page = orders[i][visits[i] % len(PAGES)]
                visits[i] += 1
                left[i] = rng.randint(*ACTIONS_PER_VISIT)
                answer, what = await client.visit(page), f"{page}: visit"
            else:
                left[i] -= 1
                answer, what = await client.change(widget, state), f"{page}: {widget.label}"
            done.append((what, cpu() - before))
            errors.extend(answer.errors)
    finally:
        for client in clients:
            await client.close()
    kinds: dict[str, list[float]] = {}
    for what, seconds in done:
        kinds.setdefault(what, []).append(seconds)
    second_half = [s for _, s in done[len(done) // 2:]]
    return {
        "actions": len(done), "people": people,
        "cpu_per_action_s": round(statistics.fmean(s for _, s in done), 4),
        "cpu_per_action_second_half_s": round(statistics.fmean(second_half), 4),
        "cpu_total_s": round(sum(s for _, s in done), 2),
        "errors": len(errors), "error_examples": errors[:5],
        "by_action": {what: [len(v), round(statistics.fmean(v), 3), round(max(v), 3)]
                      for what, v in sorted(kinds.items(), key=lambda kv: -sum(kv[1]))},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="demo", help="'demo' or a row count of a bench.records store")
    parser.add_argument("--people", type=int, default=6)
    parser.add_argument("--actions", type=int, default=240)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--profile", type=Path, default=None,
                        help="record the server with py-spy into this file (raw; see bench.sessions --profile)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="stocktake_action_cpu_"))
    db = private_copy(store_for(args.size), work / "store")
    load_before = load_average()
    datasets = {page: spend_dataset(args.size) if page == "spend" else records_dataset(args.size) for page in PAGES}
    with served_app(db, work / "streamlit.log") as server:
        spy = _start_profile(server.pid, args.profile) if args.profile else None
        result = asyncio.run(replay(server.url, server.cpu_seconds, args.people, args.actions, args.seed, datasets))
        if spy is not None:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file when interrupted
            spy.wait(timeout=60)
    result.update({"size": args.size, "load_average_before": round(load_before, 2),
                   "load_average_after": round(load_average(), 2)})
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
