"""What a load of payments says, or refuses, beyond what every load checks (``analysis.load.checks``).

Run by the loader inside the load's own transaction, on the typed rows before they are swapped in, so a refusal
changes nothing. Each problem is one sentence in the load report; nothing is dropped:

- amounts that are not numbers ('TBC'): those rows are set aside as rejected rows, kept for download, and said here
  in a payment's words; a column kept as text because most of its values are not numbers is named;
- amounts that are all £0, and credits larger than the payments (the sign is probably the other way round);
- payments dated outside the month (or months) the file covers: from its name ('…-oct-dec-2017.csv',
  'payments 2017-10.csv'), else the month that holds nine in ten of its payments;
- an append: transaction ids already in the dataset are reported; the same month appended twice (the months are
  there already and most of the file's payments with them) is refused, and the dataset is left as it was.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import TYPE_CHECKING

from analysis import store
from analysis.errors import StocktakeError
from analysis.formatting import format_count, format_money
from analysis.spend.vocabulary import AMOUNT_WORDS, SPEND
from analysis.store import quote_identifier as q

if TYPE_CHECKING:  # pandas is imported where it is used: the command line's load never needs it (half a second of CPU)
    import pandas as pd

ONE_MONTH_SHARE = 0.9
"""A file whose name says no month covers the month holding at least this share of its dated payments."""
SAME_FILE_SHARE = 0.5
"""An append whose months are all in the dataset already, with at least this share of its payments there too (the
same transaction id, or without ids the same row), is the same month appended twice: refused."""
EXAMPLES = 3

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_name) if name})
_MONTHS["sept"] = 9
_MONTH_WORD = "|".join(sorted(_MONTHS, key=len, reverse=True))
_RANGE = re.compile(rf"(?<![a-z])({_MONTH_WORD}) (?:to )?({_MONTH_WORD}) (\d{{4}})(?!\d)")
_ONE = re.compile(rf"(?<![a-z])({_MONTH_WORD}) (\d{{4}}|\d{{2}})(?!\d)")
_NUMERIC = re.compile(r"(?<!\d)(20\d{2}) ?(0[1-9]|1[0-2])(?!\d)")


def months_in_name(name: str) -> tuple[date, date] | None:
    """The first and last day a file's name says it covers ('expenditure-over-500-oct-dec-2017.csv': 1 October to
    31 December 2017; 'payments_2017_10.csv': October 2017), or None when it names no month."""
    text = re.sub(r"[^a-z0-9]+", " ", name.lower().rsplit(".", 1)[0])
    found = _RANGE.search(text)
    if found:
        first, last, year = _MONTHS[found.group(1)], _MONTHS[found.group(2)], int(found.group(3))
        start_year = year - 1 if first > last else year  # 'nov to jan 2018' runs into the new year
        return date(start_year, first, 1), date(year, last, calendar.monthrange(year, last)[1])
    found = _ONE.search(text)
    if found:
        month, year = _MONTHS[found.group(1)], int(found.group(2))
        year += 2000 if year < 100 else 0
    else:
        found = _NUMERIC.search(text)
        if not found:
            return None
        year, month = int(found.group(1)), int(found.group(2))
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _span_words(span: tuple[date, date]) -> str:
    first, last = span
    if (first.year, first.month) == (last.year, last.month):
        return f"{first:%B %Y}"
    return f"{first:%B %Y} to {last:%B %Y}"


def _roles(columns) -> dict[str, tuple[str, str]]:
    """Role -> (column name, type) from the loader's output columns (name, type, role, grain)."""
    return {role: (name, kind) for name, kind, role, _ in columns if role}


def load_checks(cur, staging: str, plan, columns, kind: str, existing: store.Dataset | None,
                source_name: str) -> list[str]:
    """The sentences a load of payments adds to its report (nothing for another kind); raises a StocktakeError, inside
    the load's transaction, when an append repeats months already loaded. ``columns``: the loader's output columns."""
    if kind != SPEND:
        return []
    roles = _roles(columns)
    table = q(staging)
    sentences = _amount_sentences(cur, table, plan, roles)
    if "date" in roles and roles["date"][1] in ("date", "timestamp"):
        sentences += _outside_the_month(cur, table, q(roles["date"][0]), source_name)
    if existing is not None:
        sentences += _appended(cur, table, roles, existing)
    return sentences


def _amount_sentences(cur, table: str, plan, roles) -> list[str]:
    if "amount" not in roles:
        return [_no_amount(cur, table, plan)]
    name = roles["amount"][0]
    sentences = []
    profile = next((c for c in plan.columns if c.name == name), None)
    if profile is not None and profile.failures:
        sentences.append(f"{_payments(profile.failures)} an amount in '{name}' that is not a number: "
                         "they were set aside as rejected rows (download them from this report), so no total counts "
                         "them.")
    amount = q(name)
    paid, credits, credit_rows, filled, nonzero = cur.execute(
        f"""SELECT coalesce(sum({amount}) FILTER (WHERE {amount} > 0), 0), coalesce(sum({amount}) FILTER (WHERE
                   {amount} < 0), 0), count(*) FILTER (WHERE {amount} < 0), count({amount}),
                   count(*) FILTER (WHERE {amount} <> 0) FROM {table}""").fetchone()
    if filled and not nonzero:
        sentences.append(f"Every amount in '{name}' is £0, so the Spend page will show nothing spent: check that "
                         "this is the column of amounts paid.")
    elif -credits > paid:
        sentences.append(f"The credits ({format_count(credit_rows)}, {format_money(credits, 2)}) are larger than the "
                         f"payments ({format_money(paid, 2)}), so the net spend is negative: check whether this "
                         "system writes payments as negative numbers.")
    return sentences


def _no_amount(cur, table: str, plan) -> str:
    """Why no column holds the amounts: most often the amounts' column has text among its numbers ('TBC')."""
    headed = [c for c in plan.columns if c.type == "text" and c.role is None
              and any(w in _words(c.name) for w in AMOUNT_WORDS)]
    named = ""
    if headed:
        column = q(headed[0].name)
        text_rows, examples = cur.execute(
            f"""SELECT count(*), list(DISTINCT {column})[1:{EXAMPLES}] FROM {table} WHERE {column} IS NOT NULL AND
                TRY_CAST(regexp_replace({column}, '[£,() ]|[Cc][Rr]$', '', 'g') AS DOUBLE) IS NULL""").fetchone()
        if text_rows:
            named = (f": '{headed[0].name}' has text among its numbers in {format_count(text_rows)} rows (such as "
                     f"{', '.join(repr(e) for e in sorted(examples))}), so it was read as text. Correct those values "
                     "in the file and load it again, or give the column the type 'number' on the Data page (the rows "
                     "that are not numbers are then set aside as rejected rows)")
    return ("No column has the role 'Amount (£)'" + (named or ": the Spend page needs one. Give the amounts' column "
                                                           "that role on the Data page") + ".")


def _words(header: str) -> list[str]:
    return re.sub(r"[^a-z0-9£]+", " ", str(header).lower()).split()


def _outside_the_month(cur, table: str, date_col: str, source_name: str) -> list[str]:
    import pandas as pd

    span = months_in_name(source_name)
    said = "the months its name says it covers" if span and span[0].month != span[1].month else \
        "the month its name says it covers"
    if span is None:
        months = cur.execute(f"""SELECT date_trunc('month', {date_col}) AS m, count(*) FROM {table}
                                 WHERE {date_col} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC""").fetchall()
        dated = sum(n for _, n in months)
        if len(months) < 2 or months[0][1] < dated * ONE_MONTH_SHARE:
            return []  # a quarter or a year of payments: no one month to be outside of
        first = pd.Timestamp(months[0][0]).date()
        span = (first, date(first.year, first.month, calendar.monthrange(first.year, first.month)[1]))
        said = "the month nine in ten of its payments are in"
    outside, examples = cur.execute(
        f"""SELECT count(*), list(DISTINCT strftime({date_col}, '%d/%m/%Y'))[1:{EXAMPLES}] FROM {table}
            WHERE {date_col} < ? OR {date_col} >= ? + INTERVAL 1 DAY""", [span[0], span[1]]).fetchone()
    if not outside:
        return []
    return [f"{_payments(outside, 'is', 'are')} dated outside {_span_words(span)}, {said} (such as "
            f"{', '.join(sorted(examples or []))}). They are loaded with their own dates: check them."]


def _appended(cur, table: str, roles, existing: store.Dataset) -> list[str]:
    """Transaction ids already in the dataset, and the same month appended twice (refused)."""
    import pandas as pd

    old_roles = existing.roles
    new_rows = cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    overlap, months = [], []
    if "date" in roles and "date" in old_roles:
        new_date, old_date = q(roles["date"][0]), q(old_roles["date"])
        months = [pd.Timestamp(r[0]).date() for r in cur.execute(
            f"""SELECT DISTINCT date_trunc('month', {new_date}) FROM {table} WHERE {new_date} IS NOT NULL
                ORDER BY 1""").fetchall()]
        overlap = [pd.Timestamp(r[0]).date() for r in cur.execute(
            f"""SELECT DISTINCT date_trunc('month', {old_date}) AS m FROM {q(existing.table)}
                WHERE date_trunc('month', {old_date}) IN (SELECT DISTINCT date_trunc('month', {new_date}) FROM {table})
                ORDER BY 1""").fetchall()]
    repeated, examples = 0, []
    if "transaction_id" in roles and "transaction_id" in old_roles:
        new_id, old_id = q(roles["transaction_id"][0]), q(old_roles["transaction_id"])
        repeated, examples = cur.execute(
            f"""SELECT count(*), list(DISTINCT CAST(n.{new_id} AS VARCHAR))[1:{EXAMPLES}] FROM {table} AS n
                WHERE n.{new_id} IS NOT NULL AND CAST(n.{new_id} AS VARCHAR) IN (
                    SELECT CAST({old_id} AS VARCHAR) FROM {q(existing.table)} WHERE {old_id} IS NOT NULL)""").fetchone()
    elif "date" in roles and "amount" in roles and {"date", "amount"} <= set(old_roles):
        # Without ids, a payment already loaded is a row with the same date, amount and supplier.
        keys = [r for r in ("date", "amount", "supplier") if r in roles and r in old_roles]
        matches = " AND ".join(f"o.{q(old_roles[r])} IS NOT DISTINCT FROM n.{q(roles[r][0])}" for r in keys)
        repeated = cur.execute(f"""SELECT count(*) FROM {table} AS n WHERE EXISTS (
                                       SELECT 1 FROM {q(existing.table)} AS o WHERE {matches})""").fetchone()[0]
    whole = months and overlap == months
    if whole and new_rows and repeated >= new_rows * SAME_FILE_SHARE:
        what = "transaction ids" if examples else "payments (same date, amount and supplier)"
        raise StocktakeError(
            f"The payments of {_month_list(months)} are already in '{existing.name}': {format_count(repeated)} of "
            f"this file's {format_count(new_rows)} {what} are loaded already, so it looks like the same month "
            "appended twice. Nothing was changed. To load it again, replace the dataset instead of appending.")
    sentences = []
    if overlap:
        sentences.append(f"'{existing.name}' already has payments in {_month_list(overlap)}: this file adds more "
                         "to those months. Check that it is not the same month appended twice.")
    if repeated and examples:
        sentences.append(f"{format_count(repeated)} transaction ids of this file are already in '{existing.name}' "
                         f"(such as {', '.join(repr(e) for e in sorted(examples))}): both rows are kept; check "
                         "whether they are the same payment.")
    return sentences


def _payments(n: int, one: str = "has", many: str = "have") -> str:
    """'1 payment has', '3 payments have'."""
    return f"{format_count(n)} payment{'' if n == 1 else 's'} {one if n == 1 else many}"


def _month_list(months: list[date]) -> str:
    names = [f"{m:%B %Y}" for m in months]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
