"""The command line's What works commands (``python -m analysis changes``, ``python -m analysis cards …``), kept
beside what they run so :mod:`analysis.cli` only routes to them.

    python -m analysis changes [--dataset NAME] [--db PATH] [--json]
        every change with its verdict, evidence and effect (one row per figure it targets)
    python -m analysis cards export --change ID --out FILE.html [--organisation-type TYPE] [--db PATH]
        one change as a practice card (HTML a person reads, its checked JSON inside)
    python -m analysis cards import FILE... [--db PATH]
        cards from other services and councils into the Network view (all checked first: one bad file, none added)
"""

from __future__ import annotations

import json
import math

from pathlib import Path

from analysis import store
from analysis.changes.vocabulary import ORGANISATION_TYPES
from analysis.errors import StocktakeError


def add_parsers(commands) -> None:
    changes = commands.add_parser("changes", help="list every change with its measured effect and verdict")
    changes.add_argument("--dataset", help="only the changes measured in this dataset")
    changes.add_argument("--db")
    changes.add_argument("--json", action="store_true", help="print one JSON list, a row per figure a change targets")

    card = commands.add_parser("cards", help="export a change as a practice card, or import cards").add_subparsers(
        dest="cards_command", required=True)
    export = card.add_parser("export", help="write one change as a practice card (one HTML file)")
    export.add_argument("--change", required=True, type=int, help="the change's id (python -m analysis changes)")
    export.add_argument("--out", required=True, help="the HTML file to write")
    export.add_argument("--organisation-type", default="not stated", choices=ORGANISATION_TYPES,
                        help="the kind of organisation, said on the card (default: not stated)")
    export.add_argument("--db")
    imported = card.add_parser("import", help="add practice cards to the Network view")
    imported.add_argument("files", nargs="+", metavar="FILE")
    imported.add_argument("--db")


def _plain(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def run_changes(args) -> int:
    from analysis.changes import measure  # here, not at the top: every command (a load too) would import it
    from analysis.registry import Context

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


def run_cards(args) -> int:
    from analysis.changes import cards, network
    from analysis.registry import Context

    if args.cards_command == "import":
        named = network.read_files(args.files)  # every file checked before the store is opened: none or all
        con = store.open_store(args.db)
        try:
            added = network.import_cards(con, named)
        finally:
            con.close()
        print(f"Imported {added} practice card{'s' if added != 1 else ''}"
              + (f" ({len(named) - added} already there)" if len(named) > added else "") + ".")
        return 0
    con = store.open_store(args.db)
    try:
        payload = cards.build_payload(Context(con), args.change, args.organisation_type)
    finally:
        con.close()
    text = cards.render_html(payload)
    out = Path(args.out)
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise StocktakeError(f"Could not write the card to {out}: {exc.strerror}. Choose another file.") from None
    print(f"Wrote the practice card for '{payload['change']['title']}' to {out} ({len(text.encode('utf-8')) / 1024:,.0f} "
          f"KB, {len(payload['figures'])} figure{'s' if len(payload['figures']) != 1 else ''}).")
    return 0


COMMANDS = {"changes": run_changes, "cards": run_cards}
