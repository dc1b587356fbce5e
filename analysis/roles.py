"""Dataset kinds and the roles a column can play in each: their names, labels, the types they need, and the checks
that refuse a role a dataset cannot have.

A role tells the analysis which column holds the date, the reason, the channel and so on, whatever the file called
it. Every query in ``analysis`` asks for columns by role (``roles["reason"]``), never by a name from a file. Which role
a loaded file's column is given at first is suggested from its header and values (``analysis.load.suggest``).
"""

from __future__ import annotations

from typing import Sequence

from analysis.errors import StocktakeError
from analysis.spend import vocabulary as spending

RECORDS = "records"
KPI = "kpi"
LOOKUP = "lookup"
SPEND = spending.SPEND  # payments (analysis.spend)
KINDS = (RECORDS, KPI, LOOKUP, SPEND)

KIND_LABELS = {
    RECORDS: "Records (one row per contact, request, case or incident)",
    KPI: "KPI series (period, measure, value, target)",
    LOOKUP: "Lookup (population by area, unit cost by channel, reason classification)",
    SPEND: spending.KIND_LABEL,
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
    "total": "Marks total rows (left out of sums)",
}
KPI_ROLES = {
    "period": "Period",
    "measure": "Measure",
    "value": "Value",
    "target": "Target",
    "service": "Service",
    "area": "Area",
    "national": "National value (comparator)",
    "total": "Marks total rows (left out of sums)",
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
KIND_NAMES = {RECORDS: "Records", KPI: "KPI series", LOOKUP: "Lookup", SPEND: spending.KIND_NAME}

ROLES_BY_KIND = {RECORDS: RECORD_ROLES, KPI: KPI_ROLES, LOOKUP: LOOKUP_ROLES, SPEND: spending.SPEND_ROLES}

# Roles whose column must hold dates, numbers or text. A role is only suggested for a column of the right type.
DATE_ROLES = {"date", "closed_date", "period"}
NUMBER_ROLES = {"cost", "handling_minutes", "value", "target", "population", "unit_cost", "national", "amount"}
TEXT_ROLES = {"measure", "total"}
ID_ROLES = {"customer_id", "property_id"}
# Roles a loader assigns, never suggested from a header: the marker of total rows (analysis.load.totals).
LOADER_ROLES = {"total"}
# Roles that carry what a figure is about: a column with one value, or numbers that are all zero, cannot play them.
MEASURE_ROLES = NUMBER_ROLES


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


def type_fits(role: str, column) -> bool:
    """Whether a column's type can play a role at all (dates for date roles, numbers for amounts, text for a
    measure's name); see :func:`role_type_problem` for the sentence when it cannot."""
    if role in DATE_ROLES:
        return column.type in ("date", "timestamp")
    if role in NUMBER_ROLES:
        return column.type in ("number", "integer")
    if role in TEXT_ROLES:
        return column.type == "text"
    return column.type not in ("date", "timestamp")


def role_type_problem(kind: str, role: str | None, column_name: str, column_type: str) -> str | None:
    """The sentence refusing a role on a column of the wrong type (a number as the date received), or None."""
    if not role:
        return None

    class _Typed:
        type = column_type

    if type_fits(role, _Typed):
        return None
    words = {"text": "text", "number": "numbers", "integer": "whole numbers", "date": "dates",
             "timestamp": "dates and times"}
    needs = ("a date" if role in DATE_ROLES else "numbers" if role in NUMBER_ROLES else "text" if role in TEXT_ROLES
             else "text or numbers")
    return (f"Column '{column_name}' holds {words.get(column_type, column_type)}, so it cannot be the "
            f"'{role_label(kind, role)}': that role needs {needs}. Choose another column, or change this column's "
            "type first.")


def check_role_types(kind: str, roles: dict[str, str | None], types: dict[str, str]) -> None:
    """Refuse a role given to a column whose type cannot play it, with the sentence saying which (never loaded
    silently: a number as the date leaves every page with 'no usable dates')."""
    for column, role in roles.items():
        problem = role_type_problem(kind, role, column, types.get(column, "text"))
        if problem:
            raise StocktakeError(problem)
