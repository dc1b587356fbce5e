"""Role suggestions from header names and values, table-driven; role labels; role checks."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from analysis.errors import StocktakeError
from analysis.roles import check_roles, header_words, role_clashes, role_label, suggest_kind, suggest_roles


@dataclass
class Col:
    """A column as the suggestions see it: a name, a type, and (optionally) what its sample held."""

    name: str
    type: str = "text"
    sample_filled: int | None = None  # None: nothing known about the values
    sample_distinct: int = 0
    sample_top_share: float = 0.0
    sample_complete: bool = True
    sample_values: list = field(default_factory=list)
    grain: str | None = None


def repeating(name: str) -> Col:
    """An id that repeats for some rows and not all (1,000 values, 400 distinct, the commonest in 1%)."""
    return Col(name, "text", 1000, 400, 0.01)


@pytest.mark.parametrize("name,words", [
    ("RequestType", "request type"), ("IncidentNotionalCost(£)", "incident notional cost £"),
    ("Council District", "council district"), ("DateTimeOfCall", "date time of call"), ("HTTPStatus", "http status"),
])
def test_header_words(name, words):
    assert header_words(name) == words


@pytest.mark.parametrize("kind,columns,expected", [
    # London Fire Brigade animal rescues: the most specific word wins each role.
    ("records", [Col("IncidentNumber"), Col("DateTimeOfCall", "timestamp"), Col("HourlyNotionalCost(£)", "integer"),
                 Col("IncidentNotionalCost(£)", "number"), Col("AnimalGroupParent"), Col("OriginofCall"),
                 Col("Borough"), Col("Date Closed")],
     {"DateTimeOfCall": "date", "IncidentNotionalCost(£)": "cost", "IncidentNumber": "record_id",
      "AnimalGroupParent": "reason", "OriginofCall": "channel", "Borough": "area"}),
    # A US city's 311 requests: RequestType is the reason, Council District the area, Agency the service.
    ("records", [Col("Unique Key", "integer"), Col("Created Date", "timestamp"), Col("Closed Date", "timestamp"),
                 Col("Agency"), Col("RequestType"), Col("Descriptor"), Col("Council District"), Col("Status")],
     {"Unique Key": "record_id", "Created Date": "date", "Closed Date": "closed_date", "Agency": "service",
      "RequestType": "reason", "Council District": "area", "Status": "status"}),
    ("records", [Col("Created", "timestamp"), Col("Borough"), Col("Complaint Type")],
     {"Created": "date", "Borough": "area", "Complaint Type": "reason"}),
    # "Contact type" is a channel before it is a reason; Directorate is the service; a postcode sector an area.
    ("records", [Col("Logged", "timestamp"), Col("Contact type"), Col("Subject"), Col("Directorate"),
                 Col("Postcode sector")],
     {"Logged": "date", "Contact type": "channel", "Subject": "reason", "Directorate": "service",
      "Postcode sector": "area"}),
    # A supplier is never the customer, and a supplier's id repeats: it is left alone.
    ("records", [Col("Payment date", "date"), repeating("Supplier customer ref"), Col("Expense type"),
                 Col("Amount", "number")],
     {"Payment date": "date", "Expense type": "reason", "Amount": "cost"}),
    # A customer id that repeats for some rows is one; almost all distinct, or almost all the same, is not.
    ("records", [Col("Opened", "date"), repeating("Customer ID")], {"Opened": "date", "Customer ID": "customer_id"}),
    ("records", [Col("Opened", "date"), Col("Customer ID", "text", 1000, 998, 0.002)], {"Opened": "date"}),
    ("records", [Col("Opened", "date"), Col("Customer ID", "text", 1000, 3, 0.96)], {"Opened": "date"}),
    # On part of a large file almost every id looks new; the load checks every row instead.
    ("records", [Col("Opened", "date"), Col("Customer ID", "text", 1000, 998, 0.002, sample_complete=False)],
     {"Opened": "date", "Customer ID": "customer_id"}),
    # No header names a role: the values do (channels, statuses, ward codes), and the first date is the date.
    ("records", [Col("When", "timestamp"), Col("How", sample_values=["Phone", "Web", "Email", "Face to face"]),
                 Col("Stage", sample_values=["Open", "Closed", "In progress"]),
                 Col("Where", sample_values=["E05000026", "E05000027", "E05000028"])],
     {"When": "date", "How": "channel", "Stage": "status", "Where": "area"}),
    ("records", [Col("Zone", sample_values=["SW1A 1", "N7 9", "E1"])], {"Zone": "area"}),
    # Types still rule: a text 'Date Closed' takes no date role.
    ("records", [Col("Date Closed")], {}),
    ("kpi", [Col("period", "date"), Col("org_code"), Col("value", "number"), Col("Target", "number"), Col("measure")],
     {"period": "period", "Target": "target", "measure": "measure", "value": "value", "org_code": "area"}),
    # Oflog: the financial year is the period; the local authority's name, not its code, is the area.
    ("kpi", [Col("Financial year", "date"), Col("Local authority code"), Col("Local authority name"),
             Col("Measure"), Col("Value", "number"), Col("MEDIAN", "number")],
     {"Financial year": "period", "Local authority name": "area", "Measure": "measure", "Value": "value"}),
    ("lookup", [Col("Ward"), Col("Population", "integer")], {"Ward": "area", "Population": "population"}),
])
def test_suggest_roles(kind, columns, expected):
    assert suggest_roles(kind, columns) == expected


@pytest.mark.parametrize("kind,role,label", [
    ("records", "closed_date", "Date closed"), ("records", "customer_id", "Customer id"), ("kpi", "period", "Period"),
    ("records", None, "Not used"),
])
def test_role_labels(kind, role, label):
    assert role_label(kind, role) == label


def test_role_clashes_name_both_columns():
    assert role_clashes({"Borough": "area", "Ward": "area", "When": "date", "Other": None}) == [("Borough", "Ward", "area")]
    assert role_clashes({"Borough": "area", "When": "date"}) == []


@pytest.mark.parametrize("kind,roles,message", [
    ("things", {}, "'things' is not a dataset kind: use one of records, kpi, lookup."),
    ("records", {"Nope": "area"}, "A role was given for column 'Nope', but the data has no such column."),
    ("records", {"Ward": "population"}, "'population' is not a role for a records dataset"),
    ("records", {"Ward": "area", "Borough": "area"}, "Columns 'Ward' and 'Borough' were both given the role 'area'"),
])
def test_check_roles(kind, roles, message):
    with pytest.raises(StocktakeError) as raised:
        check_roles(kind, roles, ["Ward", "Borough"])
    assert str(raised.value).startswith(message)


MONTHS = ["2017-03-01", "2017-04-01", "2017-05-01"]


@pytest.mark.parametrize("columns,kind", [
    # Periods as UK public data writes them, with a number each: a KPI series.
    ([Col("Financial year", "date", grain="financial_year"), Col("Council"), Col("Value", "number")], "kpi"),
    ([Col("period", "date", sample_values=MONTHS), Col("org_code"), Col("attendances", "integer")], "kpi"),
    ([Col("Quarter", "date", sample_values=["2019-04-01", "2019-07-01"]), Col("Score", "number")], "kpi"),
    # Times or single days: records, whatever else the file holds.
    ([Col("DateTimeOfCall", "timestamp"), Col("FinYear", "date", grain="financial_year"), Col("Cost", "number")],
     "records"),
    ([Col("Payment date", "date", sample_values=["03/01/2024", "17/01/2024"]), Col("Amount", "number")], "records"),
    ([Col("period", "date", sample_values=MONTHS), Col("Name")], "records"),  # no number to chart
    ([Col("Ref"), Col("Amount", "number")], "records"),  # no dates at all
])
def test_suggest_kind(columns, kind):
    assert suggest_kind(columns) == kind
