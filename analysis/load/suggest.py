"""Role suggestions: which role each column of a file is given at first, from its header words and its values.

``RequestType`` is a reason, ``Council District`` an area, a column of "Phone", "Web", "Email" a channel; a customer id
must repeat for some rows and not all, and a supplier is never the customer. A suggestion never picks a column that
cannot vary or would mislead (:func:`misleading`), and :func:`passed_over` says why such a column was passed over.
:func:`suggest_kind` guesses what a file holds (records or a KPI series). The roles themselves are
``analysis.roles``; the user can change every suggestion on the Data page.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Sequence

from analysis.load.role_words import (AREA_VALUE_PATTERNS, CHANNEL_VALUES, EVENT_WORDS, NOT_AMOUNT_WORDS,
                                      NOT_CUSTOMER_WORDS, ROLE_HINTS, STATUS_VALUES)
from analysis.roles import (ID_ROLES, KPI, LOADER_ROLES, MEASURE_ROLES, NUMBER_ROLES, RECORDS, ROLES_BY_KIND, SPEND,
                            role_label, type_fits)
from analysis.spend import vocabulary as spending

# A column must have at least this many filled values in the sample for "one value on every row" to say anything.
CONSTANT_MIN_FILLED = 3

# Values that say what a column is when its header does not: at least this share of the sample's distinct values.
VALUE_HINT_SHARE = 0.8
# An id that repeats for some rows and not all: at most this share of distinct values, at least this many repeats.
CUSTOMER_MAX_DISTINCT_SHARE = 0.95
# A record id is almost unique: at least this share of its values distinct (an export that repeats some records, as
# a council's requests workbook repeated 1,146 request numbers, still has its id; a category has far fewer).
RECORD_ID_MIN_DISTINCT_SHARE = 0.8
CUSTOMER_MAX_TOP_SHARE = 0.5


def header_words(name: str) -> str:
    """A header as words for matching: camelCase split, lower case, punctuation as spaces ('RequestType' ->
    'request type', 'IncidentNotionalCost(£)' -> 'incident notional cost £')."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", str(name))
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9£]+", " ", spaced.lower())).strip()


@lru_cache(maxsize=None)
def _word_pattern(word: str) -> re.Pattern:
    return re.compile(r"(^|\s)" + re.escape(word) + r"($|\s)")


def _word_score(word: str, header: str) -> int:
    """How specifically ``word`` names this header: its length when it matches (0 when it does not)."""
    if word in header and _word_pattern(word).search(header):
        return len(word)
    if len(word) > 4 and word.replace(" ", "") in header.replace(" ", ""):
        return len(word)
    return 0


def _share_in(values: Sequence[str], vocabulary: set[str]) -> float:
    if not values:
        return 0.0
    return sum(v.strip().lower() in vocabulary for v in values) / len(values)


def value_hint(column) -> str | None:
    """The role a text column's values suggest on their own: channel, status or area (or None)."""
    values = [v for v in getattr(column, "sample_values", []) if v]
    if len(values) < 2 or column.type != "text":
        return None
    if spending.capital_revenue_hint(values):  # 'Capital' and 'Revenue': a payments file's 'Type'
        return "capital_revenue"
    if _share_in(values, CHANNEL_VALUES) >= VALUE_HINT_SHARE:
        return "channel"
    if _share_in(values, STATUS_VALUES) >= VALUE_HINT_SHARE:
        return "status"
    codes = sum(any(re.fullmatch(p, v.strip().upper()) for p in AREA_VALUE_PATTERNS) for v in values)
    if codes >= len(values) * VALUE_HINT_SHARE:
        return "area"
    return None


def repeats_for_some(column) -> bool:
    """True when a column's sampled values repeat for some rows and not all, as a customer's id does.

    Almost all the same (one value in most rows) is not an id; almost all distinct is not a repeating customer
    either, unless the sample saw only part of a large file (then the loader checks every row after the load).
    """
    filled = getattr(column, "sample_filled", None)
    if not filled:
        return False
    distinct = getattr(column, "sample_distinct", 0)
    if getattr(column, "sample_top_share", 0.0) > CUSTOMER_MAX_TOP_SHARE or distinct <= 1:
        return False
    if distinct > filled * CUSTOMER_MAX_DISTINCT_SHARE and getattr(column, "sample_complete", False):
        return False
    return True


def _number_is_zero(text: str) -> bool:
    return bool(re.fullmatch(r"[(£€+-]*0*([.,]0*)?\)?", text.strip())) and any(ch == "0" for ch in text)


# Headers an index column is written with: blank (named column_N), pandas' 'index' and 'Unnamed: 0', R's row names.
ROW_NUMBER_HEADER = re.compile(r"^(column \d+|index|unnamed \d+|row|row number|row no|rownum|no|n|obs|x|)$")


def is_row_number(column) -> bool:
    """A whole-number column headed like an index (blank, 'index', 'Unnamed: 0') that counts its rows (0, 1, 2, … or
    1, 2, 3, …): an index the program that saved the file wrote, not data. A 'Ref' that counts is a record's id."""
    if column.type != "integer" or not ROW_NUMBER_HEADER.match(header_words(column.name)):
        return False
    filled, distinct = getattr(column, "sample_filled", None) or 0, getattr(column, "sample_distinct", 0)
    values = getattr(column, "sample_values", [])
    if filled < CONSTANT_MIN_FILLED or distinct != filled:
        return False
    try:
        numbers = sorted(int(str(v).replace(",", "")) for v in values)
    except ValueError:
        return False
    # Every sampled value different, and sample_values (the 50 most common: here the first 50 rows) consecutive from
    # 0 or 1.
    return numbers[0] in (0, 1) and numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def misleading(role: str, column) -> str | None:
    """Why a column that fits a role by type would mislead in it, or None: one value on every row (an 'Effective
    Date' that never changes), numbers that are all zero or blank as the amount, a row number as a measure, a tax
    as the amount paid."""
    if role in LOADER_ROLES:
        return "it is set by the loader"
    # None: nothing is known about the values (a catalogue column), so nothing is held against it.
    filled = getattr(column, "sample_filled", None)
    distinct = getattr(column, "sample_distinct", 0)
    values = [v for v in getattr(column, "sample_values", []) if v]
    if role in NUMBER_ROLES and filled == 0:
        return "every value is blank"
    if role in MEASURE_ROLES and values and all(_number_is_zero(v) for v in values):
        return "every value is 0"
    if filled is not None and filled >= CONSTANT_MIN_FILLED and distinct == 1 \
            and role not in ID_ROLES | {"record_id", "transaction_id"}:
        return f"every row has the same value ('{values[0] if values else ''}')"
    if role in MEASURE_ROLES and is_row_number(column):
        return "it numbers the rows (an index written by the program that saved the file)"
    if role in ("cost", "value", "unit_cost", "amount"):
        header = header_words(column.name)
        if any(_word_score(w, header) for w in NOT_AMOUNT_WORDS):
            return "it holds a tax or part of an amount, not the amount itself"
    return None


def _fits(role: str, column, guard: bool = True) -> bool:
    if not type_fits(role, column):
        return False
    if guard and misleading(role, column):
        return False
    if role == "customer_id":
        header = header_words(column.name)
        return not any(_word_score(w, header) for w in NOT_CUSTOMER_WORDS) and repeats_for_some(column)
    if role == "record_id":
        # A record's id is (almost) unique; a column that repeats a lot is a category, not an id.
        filled = getattr(column, "sample_filled", None)
        return not filled or getattr(column, "sample_distinct", 0) >= filled * RECORD_ID_MIN_DISTINCT_SHARE
    return True


def _names_an_event(column) -> bool:
    header = header_words(column.name)
    return any(_word_score(w, header) for w in EVENT_WORDS)


def suggest_roles(kind: str, columns: Sequence, *, guard: bool = True) -> dict[str, str]:
    """Column name -> suggested role, from header words and the column's values.

    A column's header may match words of several roles: it leans to the role of its most specific (longest) match,
    so "Contact type" is a channel rather than a reason (among equally specific ones, a role its type can play).
    Each role then goes to the column whose match comes first in that role's word list (so
    'IncidentNotionalCost(£)' is the cost before 'HourlyNotionalCost(£)'), one role per column; the date received
    goes to the date named like an event ('Paid Date', 'CreatedDate') that varies most. Columns no header names are
    then given a role their values suggest (channel, status, area); a records file with no 'date' header gets its
    date column that varies most as the date, and a KPI series with no 'value' header its first number.

    Never suggested (``guard``; see :func:`misleading`): a column with one value on every row for any role, numbers
    that are all zero or blank, or a tax, as the cost or value.
    """
    hints = ROLE_HINTS.get(kind, [])
    matches: dict[str, list[tuple[int, int, str]]] = {}  # column -> [(-specificity, word index, role)]
    by_name = {c.name: c for c in columns}
    for column in columns:
        header = header_words(column.name)
        found = []
        for role, words in hints:
            if role in LOADER_ROLES:
                continue
            scored = [(len(word), index) for index, word in enumerate(words) if _word_score(word, header)]
            if scored:
                specificity = max(length for length, _ in scored)
                index = min(i for _, i in scored)
                # A code column ('Local authority code') names an area less well than its name column.
                if role == "area" and "code" in header.split():
                    index += len(words)
                found.append((-specificity, not type_fits(role, column), index, role))
        found.sort()
        found = [(spec, index, role) for spec, _, index, role in found]
        # A column whose header leans to a role its values or type rule out ('Customer ID' with every value
        # different, a text 'Date closed') is left for the user, not given a weaker role.
        if found and _fits(found[0][2], column, guard):
            matches[column.name] = [f for f in found if _fits(f[2], column, guard)]
    position = {c.name: i for i, c in enumerate(columns)}
    suggested: dict[str, str] = {}
    taken: set[str] = set()

    def standing(role: str, index: int, name: str) -> tuple:
        if role == "date":
            column = by_name[name]
            return (not _names_an_event(column), -getattr(column, "sample_distinct", 0), index, position[name])
        return (index, position[name])

    # First each column's leaning, then (for columns left without a role) their other matches.
    for rank in range(max((len(m) for m in matches.values()), default=0)):
        for role, _ in hints:
            contenders = [(standing(role, m[rank][1], name), name) for name, m in matches.items()
                          if name not in suggested and len(m) > rank and m[rank][2] == role]
            if contenders and role not in taken:
                name = min(contenders)[1]
                suggested[name] = role
                taken.add(role)
    allowed = ROLES_BY_KIND.get(kind, {})
    for column in columns:
        hint = value_hint(column)
        if hint and hint in allowed and hint not in taken and column.name not in suggested \
                and _fits(hint, column, guard):
            suggested[column.name] = hint
            taken.add(hint)
    if kind in (RECORDS, SPEND) and "date" not in taken:
        dates = [c for c in columns if c.name not in suggested and _fits("date", c, guard)]
        if dates:
            best = min(dates, key=lambda c: standing("date", 0, c.name))
            suggested[best.name] = "date"
    if kind == KPI and "value" not in taken:
        first_number = next((c for c in columns if c.name not in suggested and _fits("value", c, guard)), None)
        if first_number is not None:
            suggested[first_number.name] = "value"
    if kind == KPI and "national" in suggested.values() and "value" in suggested.values():
        _national_beside_value(columns, suggested, guard)
    return {c.name: suggested[c.name] for c in columns if c.name in suggested}


def _national_beside_value(columns: Sequence, suggested: dict[str, str], guard: bool) -> None:
    """Of the national columns ('Scotland_Indicator_Real', 'Scotland_Num_Real', 'Scotland_Den_Real'), the one that
    is the value's counterpart: its header shares most words with the value's ('indicator', 'real')."""
    value = next(name for name, role in suggested.items() if role == "value")
    national_words = set(" ".join(w for role, words in ROLE_HINTS[KPI] if role == "national" for w in words).split())
    value_words = set(header_words(value).split()) - national_words
    current = next(name for name, role in suggested.items() if role == "national")
    header_of = {c.name: set(header_words(c.name).split()) for c in columns}
    candidates = [c for c in columns if (c.name == current or c.name not in suggested) and _fits("national", c, guard)
                  and header_of[c.name] & national_words]
    best = max(candidates, key=lambda c: (len(header_of[c.name] & value_words), c.name == current))
    if best.name != current:
        del suggested[current]
        suggested[best.name] = "national"


def passed_over(kind: str, columns: Sequence) -> dict[str, str]:
    """Column name -> why it was not given the role its header or type would have given it ('passed over as the
    date received: every row has the same value ('30/06/2020')'), for the preview to say."""
    guarded = suggest_roles(kind, columns)
    unguarded = suggest_roles(kind, columns, guard=False)
    by_name = {c.name: c for c in columns}
    notes = {}
    for name, role in unguarded.items():
        if guarded.get(name) == role:
            continue
        reason = misleading(role, by_name[name])
        if reason:
            notes[name] = f"passed over as the {role_label(kind, role)}: {reason}"
    # A date that never changes ('Effective Date' of a payments file) is no date to count by, whatever won.
    for column in columns:
        if column.type in ("date", "timestamp") and column.name not in notes and column.name not in guarded:
            reason = misleading("date" if kind == RECORDS else "period", column)
            if reason and reason.startswith("every row"):
                notes[column.name] = f"passed over as a date: {reason}"
    return notes


# Grains at which a date column reads as the periods of a KPI series rather than the days of records.
PERIOD_GRAINS = {"month", "quarter", "financial_year", "academic_year", "year"}


def column_grain(column) -> str | None:
    """A date column's grain: the one its periods were written at ('2016-17': financial years), else the one its
    sampled dates fall at (first days of months: months). None when nothing was sampled."""
    if getattr(column, "grain", None):
        return column.grain
    values = [v for v in getattr(column, "sample_values", []) if v]
    if not values:
        return None
    import pandas as pd  # here, with periods: a load whose dates are times never needs either

    from analysis.periods import infer_grain

    # ISO dates read as they are; anything else the way a UK file writes it (the type was decided on them already).
    iso = pd.to_datetime(pd.Series(values), format="ISO8601", errors="coerce")
    dates = iso if iso.notna().all() else pd.to_datetime(pd.Series(values), dayfirst=True, errors="coerce")
    return infer_grain(dates.dropna())


def suggest_kind(columns: Sequence) -> str:
    """What a file most likely holds, for the Data page's first guess (the user can change it): spending when its
    headers name a supplier and an amount (``spending.looks_like_spending``); a KPI series when its dates are all
    periods (months, quarters, financial years, years: 'Financial year', '2017-03-01', …) and it has a number to chart;
    records otherwise, and always when a column holds times or single days (contacts, calls). A lookup is never
    guessed: it is chosen for what it is for.
    """
    if spending.looks_like_spending(columns):
        return SPEND
    dated = [c for c in columns if c.type in ("date", "timestamp")]
    if not dated or any(c.type == "timestamp" for c in dated):
        return RECORDS
    if not all(column_grain(c) in PERIOD_GRAINS for c in dated):
        return RECORDS
    if not any(c.type in ("number", "integer") for c in columns):
        return RECORDS
    return KPI
