"""Dataset kinds and the roles a column can play in each.

A role tells the analysis which column holds the date, the reason, the channel and so on, whatever the file called
it. Every query in ``analysis`` asks for columns by role (``roles["reason"]``), never by a name from a file.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Sequence

import pandas as pd

from analysis.errors import StocktakeError
from analysis.periods import infer_grain

RECORDS = "records"
KPI = "kpi"
LOOKUP = "lookup"
KINDS = (RECORDS, KPI, LOOKUP)

KIND_LABELS = {
    RECORDS: "Records (one row per contact, request, case or incident)",
    KPI: "KPI series (period, measure, value, target)",
    LOOKUP: "Lookup (population by area, unit cost by channel, reason classification)",
}

# Role -> plain label shown on the Data page. Order is the order the page lists them.
RECORD_ROLES = {
    "date": "Date or time received",
    "closed_date": "Date closed",
    "service": "Service",
    "reason": "Reason",
    "channel": "Channel",
    "area": "Area (ward, borough…)",
    "status": "Status",
    "cost": "Cost (£)",
    "handling_minutes": "Handling minutes",
    "customer_id": "Customer id",
    "property_id": "Property id",
    "record_id": "Record id",
}
KPI_ROLES = {
    "period": "Period",
    "measure": "Measure",
    "value": "Value",
    "target": "Target",
    "service": "Service",
    "area": "Area",
}
LOOKUP_ROLES = {
    "area": "Area",
    "population": "Population",
    "channel": "Channel",
    "unit_cost": "Unit cost (£)",
    "reason": "Reason",
    "service": "Service",
    "demand_type": "Demand type (failure / value)",
    "source": "Source",
}
KIND_NAMES = {RECORDS: "Records", KPI: "KPI series", LOOKUP: "Lookup"}

ROLES_BY_KIND = {RECORDS: RECORD_ROLES, KPI: KPI_ROLES, LOOKUP: LOOKUP_ROLES}

# Roles whose column must hold dates, numbers or text. A role is only suggested for a column of the right type.
DATE_ROLES = {"date", "closed_date", "period"}
NUMBER_ROLES = {"cost", "handling_minutes", "value", "target", "population", "unit_cost"}

# Words in a header that suggest a role. Headers are compared lower-cased, with camelCase and punctuation turned into
# spaces ("RequestType" -> "request type"); a longer match is a more specific one, so "Contact type" is a channel
# before it is a reason, and "IncidentNotionalCost(£)" is the cost before "HourlyNotionalCost(£)".
ROLE_HINTS = {
    RECORDS: [
        ("closed_date", ("closed", "completed", "resolved", "close date", "date closed", "end date")),
        ("date", ("datetimeofcall", "date", "received", "created", "opened", "logged", "time of call", "timestamp")),
        ("handling_minutes", ("handling", "minutes", "duration", "mins")),
        ("cost", ("incident cost", "incidentnotionalcost", "case cost", "total cost", "cost", "£", "amount", "spend")),
        ("customer_id", ("customer", "caller", "resident", "client", "person id", "uprn person", "applicant",
                         "requester", "complainant")),
        ("property_id", ("property id", "uprn", "property ref", "address id")),
        ("record_id", ("incidentnumber", "incident number", "case id", "contact id", "reference", "ref", "id",
                       "unique key", "request id", "case number")),
        ("service", ("service", "department", "directorate", "owner", "agency", "team", "service area")),
        ("reason", ("reason", "animalgroupparent", "category", "type of enquiry", "enquiry", "subject", "topic",
                    "request type", "complaint type", "problem", "issue", "type", "descriptor")),
        ("channel", ("channel", "originofcall", "origin", "source", "method", "contact type", "contact method",
                     "open data channel type", "how received")),
        ("area", ("ward", "borough", "area", "district", "council district", "postcode sector", "locality",
                  "postcode", "neighbourhood", "community board")),
        ("status", ("status", "state", "outcome")),
    ],
    KPI: [
        ("period", ("period", "month", "date", "week", "quarter", "year", "financial year")),
        ("target", ("target", "standard", "goal")),
        ("measure", ("measure", "kpi", "indicator", "metric")),
        ("value", ("value", "actual", "result", "score")),
        ("service", ("service", "department", "directorate")),
        ("area", ("area", "ward", "borough", "org", "provider", "local authority", "council", "authority",
                  "organisation", "organization")),
    ],
    LOOKUP: [
        ("population", ("population", "residents", "pop")),
        ("unit_cost", ("unit cost", "cost", "£")),
        ("demand_type", ("demand type", "classification", "failure", "class")),
        ("source", ("source", "reference")),
        ("area", ("ward", "area", "borough", "district")),
        ("channel", ("channel",)),
        ("reason", ("reason",)),
        ("service", ("service",)),
    ],
}

# Header words that say a column is about someone other than the customer (a supplier is paid, not served).
NOT_CUSTOMER_WORDS = ("supplier", "vendor", "creditor", "payee", "merchant", "contractor", "company", "agent", "staff",
                      "officer", "employee", "user")
# Values that say what a column is when its header does not: at least this share of the sample's distinct values.
VALUE_HINT_SHARE = 0.8
CHANNEL_VALUES = {"phone", "telephone", "tel", "call", "web", "website", "online", "web form", "webform", "email",
                  "e-mail", "face to face", "face-to-face", "in person", "walk in", "letter", "post", "app",
                  "mobile app", "social media", "webchat", "web chat", "chat", "text", "sms", "mobile", "portal",
                  "self service", "self-service", "unknown", "other"}
STATUS_VALUES = {"open", "closed", "resolved", "pending", "in progress", "completed", "complete", "cancelled",
                 "canceled", "new", "assigned", "on hold", "started", "unresolved", "withdrawn", "rejected"}
# UK postcode districts and sectors ("SW1A", "N7 9"), and ONS codes of wards and local authorities ("E05000026").
AREA_VALUE_PATTERNS = (r"[A-Z]{1,2}\d[A-Z\d]?( \d[A-Z]{0,2})?", r"[EWSN]\d{8}")
# An id that repeats for some rows and not all: at most this share of distinct values, at least this many repeats.
CUSTOMER_MAX_DISTINCT_SHARE = 0.95
CUSTOMER_MAX_TOP_SHARE = 0.5


def role_label(kind: str, role: str | None) -> str:
    """The plain label of a role, or 'Not used' for a column with no role."""
    if not role:
        return "Not used"
    return ROLES_BY_KIND.get(kind, {}).get(role, role)


def check_roles(kind: str, roles: dict[str, str | None], column_names: Sequence[str]) -> None:
    """Refuse an unknown kind, a role for a column the data does not have, a role of another kind, or one role given
    to two columns, each with a sentence saying which."""
    if kind not in KINDS:
        raise StocktakeError(f"'{kind}' is not a dataset kind: use one of {', '.join(KINDS)}.")
    allowed = ROLES_BY_KIND[kind]
    for column, role in roles.items():
        if not role:
            continue
        if column not in column_names:
            raise StocktakeError(f"A role was given for column '{column}', but the data has no such column.")
        if role not in allowed:
            raise StocktakeError(f"'{role}' is not a role for a {kind} dataset: use one of {', '.join(allowed)}.")
    for first, other, role in role_clashes(roles)[:1]:
        raise StocktakeError(f"Columns '{first}' and '{other}' were both given the role '{role}': choose one.")


def role_clashes(roles: dict[str, str | None]) -> list[tuple[str, str, str]]:
    """Roles given to more than one column: (first column, other column, role) for each repeat, in column order."""
    first: dict[str, str] = {}
    clashes = []
    for column, role in roles.items():
        if not role:
            continue
        if role in first:
            clashes.append((first[role], column, role))
        else:
            first[role] = column
    return clashes


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
    filled = getattr(column, "sample_filled", 0)
    if not filled:
        return False
    distinct = getattr(column, "sample_distinct", 0)
    if getattr(column, "sample_top_share", 0.0) > CUSTOMER_MAX_TOP_SHARE or distinct <= 1:
        return False
    if distinct > filled * CUSTOMER_MAX_DISTINCT_SHARE and getattr(column, "sample_complete", False):
        return False
    return True


def _fits(role: str, column) -> bool:
    if role in DATE_ROLES:
        return column.type in ("date", "timestamp")
    if role in NUMBER_ROLES:
        return column.type in ("number", "integer")
    if column.type in ("date", "timestamp"):
        return False
    if role == "customer_id":
        header = header_words(column.name)
        return not any(_word_score(w, header) for w in NOT_CUSTOMER_WORDS) and repeats_for_some(column)
    if role == "record_id":
        # A record's id is (almost) unique; a column that repeats a lot is a category, not an id.
        filled = getattr(column, "sample_filled", 0)
        return not filled or getattr(column, "sample_distinct", 0) >= filled * CUSTOMER_MAX_DISTINCT_SHARE
    return True


def suggest_roles(kind: str, columns: Sequence) -> dict[str, str]:
    """Column name -> suggested role, from header words and the column's values.

    A column's header may match words of several roles: it leans to the role of its most specific (longest) match,
    so "Contact type" is a channel rather than a reason. Each role then goes to the column whose match comes first in
    that role's word list (so 'IncidentNotionalCost(£)' is the cost before 'HourlyNotionalCost(£)'), one role per
    column. Columns no header names are then given a role their values suggest (channel, status, area), and a
    records file with no 'date' header gets its first date column as the date.
    """
    hints = ROLE_HINTS.get(kind, [])
    matches: dict[str, list[tuple[int, int, str]]] = {}  # column -> [(-specificity, word index, role)]
    for column in columns:
        header = header_words(column.name)
        found = []
        for role, words in hints:
            scored = [(len(word), index) for index, word in enumerate(words) if _word_score(word, header)]
            if scored:
                specificity = max(length for length, _ in scored)
                index = min(i for _, i in scored)
                # A code column ('Local authority code') names an area less well than its name column.
                if role == "area" and "code" in header.split():
                    index += len(words)
                found.append((-specificity, index, role))
        found.sort()
        # A column whose header leans to a role its values or type rule out ('Customer ID' with every value
        # different, a text 'Date closed') is left for the user, not given a weaker role.
        if found and _fits(found[0][2], column):
            matches[column.name] = [f for f in found if _fits(f[2], column)]
    position = {c.name: i for i, c in enumerate(columns)}
    suggested: dict[str, str] = {}
    taken: set[str] = set()
    # First each column's leaning, then (for columns left without a role) their other matches.
    for rank in range(max((len(m) for m in matches.values()), default=0)):
        for role, _ in hints:
            contenders = [(m[rank][1], position[name], name) for name, m in matches.items()
                          if name not in suggested and len(m) > rank and m[rank][2] == role]
            if contenders and role not in taken:
                name = min(contenders)[2]
                suggested[name] = role
                taken.add(role)
    allowed = ROLES_BY_KIND.get(kind, {})
    for column in columns:
        hint = value_hint(column)
        if hint and hint in allowed and hint not in taken and column.name not in suggested:
            suggested[column.name] = hint
            taken.add(hint)
    if kind == RECORDS and "date" not in taken:
        first_date = next((c for c in columns if c.name not in suggested and _fits("date", c)), None)
        if first_date is not None:
            suggested[first_date.name] = "date"
    return {c.name: suggested[c.name] for c in columns if c.name in suggested}


# Grains at which a date column reads as the periods of a KPI series rather than the days of records.
PERIOD_GRAINS = {"month", "quarter", "financial_year", "year"}


def column_grain(column) -> str | None:
    """A date column's grain: the one its periods were written at ('2016-17': financial years), else the one its
    sampled dates fall at (first days of months: months). None when nothing was sampled."""
    if getattr(column, "grain", None):
        return column.grain
    values = [v for v in getattr(column, "sample_values", []) if v]
    if not values:
        return None
    # ISO dates read as they are; anything else the way a UK file writes it (the type was decided on them already).
    iso = pd.to_datetime(pd.Series(values), format="ISO8601", errors="coerce")
    dates = iso if iso.notna().all() else pd.to_datetime(pd.Series(values), dayfirst=True, errors="coerce")
    return infer_grain(dates.dropna())


def suggest_kind(columns: Sequence) -> str:
    """What a file most likely holds, for the Data page's first guess (the user can change it).

    A KPI series when its dates are all periods (months, quarters, financial years, years: 'Financial year',
    '2017-03-01', '2017-04-01', …) and it has a number to chart; records otherwise, and always when a column holds
    times or single days (contacts, calls, payments). A lookup is never guessed: it is chosen for what it is for.
    """
    dated = [c for c in columns if c.type in ("date", "timestamp")]
    if not dated or any(c.type == "timestamp" for c in dated):
        return RECORDS
    if not all(column_grain(c) in PERIOD_GRAINS for c in dated):
        return RECORDS
    if not any(c.type in ("number", "integer") for c in columns):
        return RECORDS
    return KPI

