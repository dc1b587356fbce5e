"""Filters: one object for what the user narrowed the data to, its WHERE clause with bound values, and its sentence.

Every page's analysis (Demand drivers, Performance trends, the Savings baseline) and the filter bar take a
:class:`Filters`. :func:`build_where` turns it into SQL for a dataset's columns (found by role) with every value a bound
parameter, and :func:`describe` into the sentence shown above the figures ("Housing repairs, phone and web, April 2023
– March 2025"), after Datasette's ``Filters.build_where_clauses`` and ``human_description_en``.

A list filter holding ``BLANK`` ("(blank)", the label every figure gives a missing value) matches the missing values.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Mapping, Sequence

from analysis import periods
from analysis.errors import StocktakeError
from analysis.roles import RECORD_ROLES
from analysis.spend.vocabulary import SPEND_ROLES
from analysis.store import quote_identifier

TOTAL_ROLE = "total"  # analysis.load.totals.TOTAL_ROLE (filters is imported by totals' users; kept free of imports)

BLANK = "(blank)"
OTHER = "All other"  # the label of the groups summed beyond a chart's top N: never a filter value
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Filter field -> the role of the column it filters, in the order the WHERE clause tests them.
LIST_FILTERS = {"services": "service", "reasons": "reason", "channels": "channel", "areas": "area",
                "statuses": "status", "categories": "category", "suppliers": "supplier"}  # the last two: spending
FIELD_FOR_ROLE = {role: field_name for field_name, role in LIST_FILTERS.items()}


@dataclass(frozen=True)
class Filters:
    """What the figures are narrowed to. Empty tuples and None mean "no filter".

    ``start`` and ``end`` are dates, both inclusive. ``weekdays`` are ISO day numbers (1 = Monday) and ``hours`` hours
    of the day (0-23): the drill-down from the day × hour heatmap.
    """

    start: date | None = None
    end: date | None = None
    services: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()  # a spending dataset's expenditure categories
    suppliers: tuple[str, ...] = ()
    weekdays: tuple[int, ...] = ()
    hours: tuple[int, ...] = ()
    # Rows a dataset marks as totals of the others (``analysis.load.totals``) are left out unless asked for.
    with_totals: bool = False

    def __post_init__(self):
        for name in (*LIST_FILTERS, "weekdays", "hours"):
            value = getattr(self, name)
            if not isinstance(value, tuple):
                # A single value (a Performance page picker) is a one-value filter, not a tuple of its letters.
                value = (value,) if isinstance(value, (str, int)) else tuple(value or ())
                object.__setattr__(self, name, value)
        if self.start and self.end and self.start > self.end:
            raise StocktakeError(
                f"The period starts ({self.start:%d %B %Y}) after it ends ({self.end:%d %B %Y}): swap the dates."
            )

    @classmethod
    def for_roles(cls, values: Mapping[str, str | Sequence[str] | None]) -> "Filters":
        """Filters from role -> value(s), e.g. {"service": "Waste", "area": None}; None or '' means no filter."""
        fields: dict[str, Any] = {}
        for role, value in values.items():
            if role not in FIELD_FOR_ROLE:
                raise StocktakeError(f"Figures cannot be filtered by '{RECORD_ROLES.get(role, role)}'.")
            if value in (None, ""):
                continue
            fields[FIELD_FOR_ROLE[role]] = (value,) if isinstance(value, str) else tuple(value)
        return cls(**fields)

    def values(self, role: str) -> tuple[str, ...]:
        """The values the list filter on ``role`` keeps (empty: every value)."""
        return getattr(self, FIELD_FOR_ROLE[role])

    def narrowed(self, role: str, values: Sequence[str]) -> "Filters":
        """These filters with the list filter on ``role`` set to ``values`` (a drill-down from a clicked bar)."""
        return replace(self, **{FIELD_FOR_ROLE[role]: tuple(values)})

    def without(self, *roles: str) -> "Filters":
        """These filters with no filter on ``roles`` (the dates with role 'date')."""
        changes: dict[str, Any] = {}
        for role in roles:
            if role == "date":
                changes.update(start=None, end=None)
            else:
                changes[FIELD_FOR_ROLE[role]] = ()
        return replace(self, **changes)

    def active_roles(self) -> list[str]:
        """The roles filtered on: 'date' for a period, 'weekday' and 'hour' for the heatmap drill-down."""
        active = ["date"] if self.start or self.end else []
        active += [role for field_name, role in LIST_FILTERS.items() if getattr(self, field_name)]
        active += [name for name, values in (("weekday", self.weekdays), ("hour", self.hours)) if values]
        return active


def missing_role_message(role: str, what: str = "This figure") -> str:
    """The sentence shown where a figure needs a role the dataset does not have."""
    label = RECORD_ROLES.get(role) or SPEND_ROLES.get(role, role)
    return f"{what} needs a column with the role '{label}'. Give a column that role on the " \
           "Data page."


def role_column(roles: Mapping[str, str], role: str) -> str:
    """The column playing ``role``, or a StocktakeError naming the role and where to set it."""
    column = roles.get(role)
    if not column:
        raise StocktakeError(missing_role_message(role))
    return column


def where_clauses(filters: Filters, roles: Mapping[str, str], alias: str | None = None,
                  date_role: str = "date") -> tuple[list[str], list[Any]]:
    """The conditions (joined with AND by the caller) and their bound parameters, in order. Rows the dataset marks
    as totals of the others (role 'total') are left out unless ``filters.with_totals``.

    ``roles`` maps role -> column name (``Dataset.roles``); ``alias`` qualifies the columns (``t."reason"``) for
    queries that join other tables; ``date_role`` is the column the period applies to ('period' in a KPI series).
    A filter on a role the dataset does not have raises a StocktakeError naming the role.
    """
    def col(role: str) -> str:
        name = quote_identifier(role_column(roles, role))
        return f"{alias}.{name}" if alias else name

    clauses: list[str] = []
    params: list[Any] = []
    first, after_last = periods.day_bounds(filters.start, filters.end)
    if first is not None:
        clauses.append(f"{col(date_role)} >= ?")
        params.append(first)
    if after_last is not None:
        clauses.append(f"{col(date_role)} < ?")
        params.append(after_last)
    for field_name, role in LIST_FILTERS.items():
        values = getattr(filters, field_name)
        if not values:
            continue
        named = [v for v in values if v != BLANK]
        parts = []
        if named:
            parts.append(f"{col(role)} IN ({', '.join('?' for _ in named)})")
            params.extend(named)
        if len(named) < len(values):
            parts.append(f"{col(role)} IS NULL")
        clauses.append(parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")")
    for values, function in ((filters.weekdays, "isodow"), (filters.hours, "hour")):
        if values:
            clauses.append(f"{function}({col(date_role)}) IN ({', '.join('?' for _ in values)})")
            params.extend(int(v) for v in values)
    if roles.get(TOTAL_ROLE) and not filters.with_totals:
        # A total row is the sum of the others: counted in, it doubles every sum and is one more area.
        clauses.append(f"{col(TOTAL_ROLE)} IS NULL")
    return clauses, params


def build_where(filters: Filters, roles: Mapping[str, str], alias: str | None = None,
                date_role: str = "date") -> tuple[str, list[Any]]:
    """``WHERE …`` (``""`` when nothing is filtered) and its bound parameters: see :func:`where_clauses`."""
    clauses, params = where_clauses(filters, roles, alias, date_role)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def and_where(where: str, condition: str) -> str:
    """A WHERE clause (which may be empty) with one more condition."""
    return f"{where} AND {condition}" if where else f"WHERE {condition}"


def join_words(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def describe(filters: Filters, with_dates: bool = True, everything: str = "All records") -> str:
    """The filters as a plain sentence: "Housing repairs, phone and web, April 2023 – March 2025" (``everything``
    when nothing is filtered: 'All payments' on the Spend page)."""
    parts = []
    if filters.services:
        parts.append(join_words(filters.services) if len(filters.services) <= 3
                     else f"{len(filters.services)} services")
    if filters.channels:
        parts.append(join_words([c.lower() for c in filters.channels]) if len(filters.channels) <= 3
                     else f"{len(filters.channels)} channels")
    if filters.reasons:
        parts.append("reason " + join_words([f"‘{r}’" for r in filters.reasons]) if len(filters.reasons) <= 2
                     else f"{len(filters.reasons)} reasons")
    if filters.areas:
        parts.append("in " + join_words(filters.areas) if len(filters.areas) <= 3 else f"{len(filters.areas)} areas")
    if filters.statuses:
        parts.append("status " + join_words(filters.statuses))
    for values, one, many in ((filters.categories, "category", "categories"), (filters.suppliers, "supplier",
                                                                              "suppliers")):
        if values:
            parts.append(f"{one} " + join_words([f"‘{v}’" for v in values]) if len(values) <= 2
                         else f"{len(values)} {many}")
    if filters.weekdays:
        parts.append(join_words([DAY_NAMES[d - 1] + "s" for d in sorted(filters.weekdays)]))
    if filters.hours:
        parts.append(join_words([f"{h:02d}:00–{h + 1:02d}:00" for h in sorted(filters.hours)]))
    if not parts:
        parts.append(everything)
    if with_dates:
        parts.append(periods.describe_span(filters.start, filters.end))
    sentence = ", ".join(parts)
    return sentence[0].upper() + sentence[1:]
