"""Dataset kinds and the roles a column can play in each.

A role tells the analysis which column holds the date, the reason, the channel and so on, whatever the file called
it. Every query in ``analysis`` asks for columns by role (``roles["reason"]``), never by a name from a file.
"""

from __future__ import annotations

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

# Words in a header that suggest a role, most specific first. Matched against the lower-cased header with
# punctuation turned into spaces.
ROLE_HINTS = {
    RECORDS: [
        ("closed_date", ("closed", "completed", "resolved", "close date", "date closed", "end date")),
        ("date", ("datetimeofcall", "date", "received", "created", "opened", "logged", "time of call", "timestamp")),
        ("handling_minutes", ("handling", "minutes", "duration", "mins")),
        ("cost", ("incident cost", "incidentnotionalcost", "case cost", "total cost", "cost", "£", "amount", "spend")),
        ("customer_id", ("customer", "caller", "resident", "client", "person id", "uprn person")),
        ("property_id", ("property id", "uprn", "property ref", "address id")),
        ("record_id", ("incidentnumber", "incident number", "case id", "contact id", "reference", "ref", "id")),
        ("service", ("service", "department", "team")),
        ("reason", ("reason", "animalgroupparent", "category", "type of enquiry", "enquiry", "subject", "topic")),
        ("channel", ("channel", "originofcall", "origin", "source", "method", "contact type")),
        ("area", ("ward", "borough", "area", "district", "locality", "postcode", "neighbourhood")),
        ("status", ("status", "state", "outcome")),
    ],
    KPI: [
        ("period", ("period", "month", "date", "week", "quarter")),
        ("target", ("target", "standard", "goal")),
        ("measure", ("measure", "kpi", "indicator", "metric")),
        ("value", ("value", "actual", "result", "score")),
        ("service", ("service", "department")),
        ("area", ("area", "ward", "borough", "org", "provider")),
    ],
    LOOKUP: [
        ("population", ("population", "residents", "pop")),
        ("unit_cost", ("unit cost", "cost", "£")),
        ("demand_type", ("demand type", "classification", "failure", "class")),
        ("source", ("source", "reference")),
        ("area", ("ward", "area", "borough")),
        ("channel", ("channel",)),
        ("reason", ("reason",)),
        ("service", ("service",)),
    ],
}


def role_label(kind: str, role: str | None) -> str:
    """The plain label of a role, or 'Not used' for a column with no role."""
    if not role:
        return "Not used"
    return ROLES_BY_KIND.get(kind, {}).get(role, role)


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
