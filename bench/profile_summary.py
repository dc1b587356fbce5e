"""Summarise a py-spy raw profile of Streamlit reruns: where the script thread's time goes.

py-spy's raw format is one line per distinct stack, ``frame;frame;...;frame count``, each frame ``function
(file:line)``. Only stacks of the thread that runs the page script (those through ``exec_func_with_error_handling``)
are counted. Printed: inclusive share per function (a function counted once per sample, however deep it recurs) and
the self share of the leaves, grouped by function and file.

    .venv/bin/python -m bench.profile_summary bench/_work/profile_demand_demo.txt [--top 40]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

SCRIPT_MARK = "exec_func_with_error_handling"
FRAME = re.compile(r"^(?P<fn>.*?) \((?P<file>[^:()]*)(?::\d+)?\)$")


def _short(frame: str) -> str:
    m = FRAME.match(frame.strip())
    if not m:
        return frame.strip()
    path = m["file"]
    for marker in ("site-packages/", "wt-perf/", "/work/main/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{m['fn']} ({path})"


def summarise(path: Path, top: int, all_threads: bool = False) -> str:
    inclusive: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or (SCRIPT_MARK not in stack and not all_threads):
            continue
        n = int(count)
        frames = [_short(f) for f in stack.split(";")]
        start = next((i for i, f in enumerate(frames) if SCRIPT_MARK in f), -1)
        frames = frames[start + 1:]
        total += n
        for name in set(frames):
            inclusive[name] += n
        if frames:
            leaves[frames[-1]] += n
    what = "every thread" if all_threads else "the script thread"
    if not total:
        return f"no samples of {what}"
    lines = [f"{total} samples of {what}", "", "inclusive:"]
    lines += [f"{100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(top)]
    lines += ["", "self:"]
    lines += [f"{100 * n / total:5.1f}%  {name}" for name, n in leaves.most_common(top // 2)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--all-threads", action="store_true",
                        help="every thread's samples (a whole server: bench.sessions --profile), not only the script's")
    args = parser.parse_args(argv)
    print(summarise(args.profile, args.top, args.all_threads))
    return 0


if __name__ == "__main__":
    sys.exit(main())
