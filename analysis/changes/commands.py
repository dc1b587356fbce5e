"""The command line's What works commands (``python -m analysis changes``, ``python -m analysis cards …``), kept
beside what they run so :mod:`analysis.cli` only routes to them.

    python -m analysis changes [--dataset NAME] [--db PATH] [--json]
        every change with its verdict, evidence and effect (one row per figure it targets)
"""

from __future__ import annotations

import json
import math

from analysis import store
from analysis.changes import measure
from analysis.registry import Context


def add_parsers(commands) -> None:
    changes = commands.add_parser("changes", help="list every change with its measured effect and verdict")
    changes.add_argument("--dataset", help="only the changes measured in this dataset")
    changes.add_argument("--db")
    changes.add_argument("--json", action="store_true", help="print one JSON list, a row per figure a change targets")


def _plain(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def run_changes(args) -> int:
    con = store.open_store(args.db)
    try:
        frame = measure.summary(measure.measure_all(Context(con), args.dataset))
    finally:
        con.close()
    if args.json:
        rows = [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    if frame.empty:
        print("No changes yet. Record one on the What works page, or mark a Workshop action done and make it a "
              "change.")
        return 0
    for _, row in frame.iterrows():
        print(f"[{row['id']}] {row['change']} ({row['service']}, {row['area']}; {row['when']})")
        if not row["figure"] and row["verdict"] == measure.VERDICT_LABELS[measure.NOT_MEASURED]:
            print(f"    {row['evidence']}")
            continue
        print(f"    {row['figure']} (meant to {row['wanted']}): {row['verdict']}: {row['evidence']}")
        if row["effect"] == row["effect"]:  # not NaN
            print(f"    before {row['before_mean']:,.2f}, after {row['after_mean']:,.2f}: effect "
                  f"{row['effect']:+,.2f}" + (f" ({row['share']:+.1%})" if row["share"] == row["share"] else ""))
        if row["contacts_a_year"] is not None and row["contacts_a_year"] == row["contacts_a_year"]:
            money = row["pounds_a_year"]
            print(f"    {row['contacts_a_year']:+,.0f} contacts a year"
                  + (f", {'-' if money < 0 else '+'}£{abs(money):,.0f} a year"
                     if money is not None and money == money else ""))
        if row["controls"]:
            print(f"    {row['controls']}")
    return 0


COMMANDS = {"changes": run_changes}
