"""The command line: load files and list datasets, without the app.

    python -m analysis load PATH --dataset NAME [--kind records|kpi|lookup|spend] [--replace | --append] [--db PATH]
        [--json] (the kind is guessed from the file's headers and dates when not given, as the Data page guesses it;
        a table with one column per period is read as rows of Period and Value unless --keep-wide)
    python -m analysis datasets [--db PATH] [--json]
    python -m analysis pack --session NAME [--db PATH] --out FILE.html
    python -m analysis changes [--dataset NAME] [--db PATH] [--json] (What works: ``analysis.changes.commands``)

The demo borough is built by ``python -m data.demo`` (it lives with its generator: ``analysis`` imports nothing from
``data``).

Exit 0 on success; 2 on a problem with the input, with one line on stderr saying what and what to do.
Every change is recorded in the store's audit trail as made by ``cli:<operating-system user>`` (``analysis.governance.audit``):
the CLI is an editor's tool on the server itself.
The DuckDB file has one writer: while the app is running, load from its Data page instead (the error says so).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from analysis import store
from analysis.changes import commands as what_works  # its own imports are made when a command runs
from analysis.governance import audit
from analysis.load import ingest, uploads
from analysis.load.detect import COLUMN_TYPES, DAY_FIRST, MONTH_FIRST
from analysis.errors import StocktakeError
from analysis.formatting import format_count
from analysis.load.checks import TooManyRejects
from analysis.preparing import BACKGROUND_ROWS, has_tables_to_prepare
from analysis.load.preview import guess_kind, inspect_file
from analysis.roles import KINDS


# The kind guessed -> (what it is read as, from what, the other way to load it), said when --kind is not given.
GUESSES = {"kpi": ("a KPI series", "its dates (all periods, with a number to chart)",
                   "records to load it the other way"),
           "records": ("records", "its dates (times or single days)", "kpi to load it the other way"),
           "spend": ("spending (payments)", "its headers (a supplier and an amount)",
                     "records to count its rows as contacts instead")}


def _pairs(values: list[str] | None, what: str) -> dict[str, str]:
    pairs = {}
    for item in values or []:
        if "=" not in item:
            raise StocktakeError(f"--{what} takes COLUMN={what.upper()}, for example \"Paid Date=date\"; got '{item}'.")
        column, value = item.rsplit("=", 1)
        pairs[column.strip()] = value.strip() or None
    return pairs


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description="Stocktake's data store, from the shell.")
    commands = parser.add_subparsers(dest="command", required=True)

    load = commands.add_parser("load", help="load a CSV, TSV, Excel or Parquet file as a dataset")
    load.add_argument("path")
    load.add_argument("--dataset", required=True, help="name of the dataset to create, replace or append to")
    load.add_argument("--kind", choices=KINDS,
                      help="records, kpi, lookup or spend (default: guessed from the file's headers and dates, "
                           "and said)")
    mode = load.add_mutually_exclusive_group()
    mode.add_argument("--replace", action="store_true", help="replace the dataset if it exists (the default)")
    mode.add_argument("--append", action="store_true", help="add the rows to the existing dataset")
    load.add_argument("--sheet", help="Excel sheet to read (default: the first)")
    load.add_argument("--date-order", choices=[DAY_FIRST, MONTH_FIRST],
                      help="read dates such as 01/02/2024 this way (default: decided from the data, else day-first)")
    load.add_argument("--type", action="append", metavar="COLUMN=TYPE",
                      help=f"force a column's type ({', '.join(COLUMN_TYPES)}); repeatable")
    load.add_argument("--role", action="append", metavar="COLUMN=ROLE",
                      help="set a column's role instead of the suggested one (e.g. Borough=area); repeatable")
    load.add_argument("--unify-case", action="store_true",
                      help="write 'CROYDON' and 'Croydon' as one spelling (the most used)")
    load.add_argument("--accept-rejects", action="store_true",
                      help="load even when more than half the rows would be rejected (they are kept as rejects)")
    load.add_argument("--keep-wide", action="store_true",
                      help="load a table with one column per period as it is (default: rows of Period and Value)")
    load.add_argument("--single-years-only", action="store_true",
                      help="leave out the rows of multi-year spans ('2010-14') in a column of single years")
    load.add_argument("--drop-duplicates", action="store_true",
                      help="leave out rows that are exact copies of an earlier row (when a record id repeats)")
    load.add_argument("--db", help="DuckDB file (default: $STOCKTAKE_DB or data/stocktake.duckdb)")
    load.add_argument("--json", action="store_true", help="print the load report as one JSON object")
    load.add_argument("--prepare", action="store_true",
                      help="build the tables the Demand and Performance pages read (repeat demand, the KPI summary) "
                           "before exiting; by default the app builds them for a large dataset when it opens the store")
    load.add_argument("--progress", action="store_true",
                      help="print progress lines on stderr even when it is not a terminal")

    datasets = commands.add_parser("datasets", help="list the datasets in the store")
    datasets.add_argument("--db")
    datasets.add_argument("--json", action="store_true")

    pack = commands.add_parser("pack", help="write a stocktake session's pack as one HTML file")
    pack.add_argument("--session", required=True, help="the session's title")
    pack.add_argument("--db")
    pack.add_argument("--out", required=True, help="the HTML file to write")
    what_works.add_parsers(commands)
    return parser


def _load(args) -> int:
    roles = None
    con = store.open_store(args.db)
    kind = args.kind
    reshape = not args.keep_wide
    try:
        if kind is None and args.role:
            # What the Data page guesses: a KPI series when the dates are all periods and there is a number. Without
            # --role the load guesses it from the sample it is planned from (kind None), reading the file once.
            kind = guess_kind(con, args.path, sheet=args.sheet, date_order=args.date_order,
                              types=_pairs(args.type, "type") or None, reshape=reshape)
        if args.role:
            # Explicit roles start from the suggestions, then apply the user's choices on top.
            preview = inspect_file(con, args.path, kind=kind, sheet=args.sheet, date_order=args.date_order,
                                   types=_pairs(args.type, "type") or None, reshape=reshape)
            roles = {c.name: c.role for c in preview.columns if c.role}
            for column, role in _pairs(args.role, "role").items():
                for other in [c for c, r in roles.items() if r == role and c != column]:
                    roles.pop(other)
                roles[column] = role
    except BaseException:
        con.close()
        raise
    started = time.monotonic()

    # Progress goes to a terminal (or when asked): a script reading stderr gets only the one-line error, if any.
    show_progress = args.progress or (not args.json and sys.stderr.isatty())

    def progress(fraction: float, message: str) -> None:
        if show_progress:
            print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)

    try:
        name = args.dataset.strip()
        existing = store.get_dataset(con, name) if name and store.dataset_exists(con, name) else None
        action = audit.APPEND if args.append else (audit.REPLACE if existing else audit.LOAD)
        # Recorded inside the load's own transaction: the load and its record commit together, or neither does.
        record = audit.load_recorder(audit.cli_user(), action, name, os.path.basename(args.path),
                                     rows_before=existing.row_count if existing and args.append else 0,
                                     suffix=", from the command line")
        # The load's rewritten copies (UTF-16, Windows-1252, unzipped) go beside this store, in its private folder.
        with store.committed_with(record), uploads.beside(args.db):
            report = ingest.load_file(
                con, args.path, dataset=args.dataset, kind=kind,
                mode=ingest.APPEND if args.append else ingest.REPLACE, sheet=args.sheet, date_order=args.date_order,
                types=_pairs(args.type, "type") or None, roles=roles, unify_case=args.unify_case,
                accept_rejects=args.accept_rejects, progress=progress,
                single_years_only=args.single_years_only, drop_duplicates=args.drop_duplicates, reshape=reshape,
            )
        if args.kind is None:
            said = GUESSES[report.kind]
            report.notes.insert(0, f"Read as {said[0]}: guessed from {said[1]}; use --kind {said[2]}.")
        if report.notes and reshape and any("one column per period" in n for n in report.notes):
            report.notes.append("Use --keep-wide to load the table as it is, one column per period.")
        # The load has committed. What the Explore pages read besides is built now for a small dataset or when asked;
        # for a large one it would take as long again as the load, so the app builds it behind its pages instead.
        loaded = store.get_dataset(con, report.dataset)  # an append's rows and the rows before it
        if args.prepare or loaded.row_count < BACKGROUND_ROWS:
            from analysis.load.prepare import prepare_dataset  # here: what it imports takes a second of CPU

            report.warnings += prepare_dataset(con, report.dataset, progress=progress)
        elif has_tables_to_prepare(loaded.kind, loaded.roles):
            report.notes.append("Repeat demand and the KPI summary will be prepared by the app when it next opens "
                                "this store, behind its pages (progress in the sidebar); --prepare builds them now.")
    except TooManyRejects as exc:
        raise StocktakeError(str(exc).replace("confirm the load", "run again with --accept-rejects")) from None
    finally:
        con.close()
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
        return 0
    print(f"Loaded {format_count(report.rows_loaded)} rows into '{report.dataset}' ({report.kind}) in "
          f"{time.monotonic() - started:.1f} s; {format_count(report.rows_rejected)} rejected"
          + "".join(f"; {format_count(n)} {what} left out" for what, n in report.rows_left_out.items()) + ".")
    for note in report.notes:
        print(note)
    for col in report.columns:
        print(f"  {col.name}: {col.type}" + (f" ({col.role})" if col.role else ""))
    for warning in report.warnings:
        print(f"Warning: {warning}")
    if report.rows_rejected:
        print("Rejected rows (first 10):")
        for row in report.rejects.head(10).itertuples(index=False):
            print(f"  {row[0]}: {row[1]}")
    return 0


def _datasets(args) -> int:
    con = store.open_store(args.db)
    try:
        entries = store.list_datasets(con)
    finally:
        con.close()
    if args.json:
        print(json.dumps([d.as_dict() for d in entries], ensure_ascii=False))
        return 0
    if not entries:
        print("No datasets yet. Load one with: python -m analysis load PATH --dataset NAME")
    for d in entries:
        print(f"{d.name}  {d.kind}  {format_count(d.row_count)} rows  from {d.source_file}  loaded {d.loaded_at:%d/%m/%Y %H:%M}")
    return 0


def _pack(args) -> int:
    from pathlib import Path

    from analysis import settings
    from analysis.workshop import pack, sessions

    public_url = settings.public_url(settings.secrets_file())  # checked before the store is opened
    con = store.open_store(args.db)
    try:
        session = sessions.find_session(con, args.session)
        text = pack.build_pack(con, session.id, public_url=public_url)
    finally:
        con.close()
    out = Path(args.out)
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise StocktakeError(f"Could not write the pack to {out}: {exc.strerror}. Choose another file.") from None
    print(f"Wrote the pack for '{session.title}' to {out} ({len(text.encode('utf-8')) / 1024:,.0f} KB).")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"load": _load, "datasets": _datasets, "pack": _pack, **what_works.COMMANDS}[args.command](args)
    except StocktakeError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Stopped: nothing was changed.", file=sys.stderr)
        return 130
