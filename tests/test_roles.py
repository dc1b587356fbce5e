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
    ("things", {}, "'things' is not a dataset kind: use one of records, kpi, lookup, spend."),
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


def constant(name: str, type_: str, value: str, rows: int = 400) -> Col:
    """A column with one value on every row (an 'Effective Date' that never changes)."""
    return Col(name, type_, rows, 1, 1.0, sample_values=[value])


def varying(name: str, type_: str, distinct: int = 120, values: list | None = None, rows: int = 400) -> Col:
    return Col(name, type_, rows, distinct, 0.02, sample_values=values or [f"{i}.50" for i in range(1, 51)])


# Issue 18: defaults that picked the one column that cannot vary.
PAYMENTS = [Col("Body"), Col("Service Area"), Col("Expenditure Category"),
            constant("Effective Date", "date", "30/06/2020"), varying("Payment Date", "date"),
            constant("Irrecoverable VAT Amount", "number", "0.00"), varying("Amount", "number"),
            Col("Supplier Name")]


@pytest.mark.parametrize("kind,columns,expected", [
    # A payments file: the varying, event-named date is the date; the amount is 'Amount', never VAT or all zeros.
    ("records", PAYMENTS, {"Service Area": "service", "Expenditure Category": "reason", "Payment Date": "date",
                           "Amount": "cost"}),
    # The VAT column first and varying: still not the cost.
    ("records", [varying("VAT Amount", "number"), varying("Net Amount", "number"), varying("Paid Date", "date")],
     {"Net Amount": "cost", "Paid Date": "date"}),
    # Two dates named alike: the one that varies most.
    ("records", [varying("Date", "date", distinct=3), varying("Date (2)", "date", distinct=300)],
     {"Date (2)": "date"}),
    # The only date is constant: no date at all (the Overview then says there are no usable dates, not "1 day").
    ("records", [constant("Effective Date", "date", "30/06/2020"), varying("Amount", "number")], {"Amount": "cost"}),
    # A category with one value on every row is no category.
    ("records", [varying("Received", "timestamp"), constant("Service", "text", "Housing"), Col("Reason")],
     {"Received": "date", "Reason": "reason"}),
    # A KPI series: a constant period, a measure of one value, an all-zero value column: none is suggested.
    ("kpi", [constant("Period", "date", "2020-04-01"), constant("Measure", "text", "Delays"),
             constant("Value", "number", "0"), varying("Actual", "number")], {"Actual": "value"}),
    # An index the program wrote (0, 1, 2, …) is no value; the first real number is.
    ("kpi", [Col("index", "integer", 12_765, 12_765, 1 / 12_765, sample_values=[str(i) for i in range(1, 51)]),
             Col("period", "date", grain="month"), Col("org_code"), varying("attendances", "integer")],
     {"period": "period", "org_code": "area", "attendances": "value"}),
    # LGBF: the value is the council's indicator and its national counterpart the Scotland indicator, not its
    # numerator; the indicator code is the measure.
    ("kpi", [Col("Code"), Col("LocalAuthority"), Col("Year", "date", grain="financial_year"),
             varying("LA_IndicatorReal", "number"), varying("Scotland_Indicator_Real", "number"),
             varying("Scotland_Num_Real", "number")],
     {"Code": "measure", "LocalAuthority": "area", "Year": "period", "LA_IndicatorReal": "value",
      "Scotland_Indicator_Real": "national"}),
])
def test_suggestions_never_pick_a_column_that_cannot_vary(kind, columns, expected):
    assert suggest_roles(kind, columns) == expected


def test_what_was_passed_over_is_said():
    from analysis.roles import passed_over

    notes = passed_over("records", PAYMENTS)
    assert notes == {
        "Effective Date": "passed over as a date: every row has the same value ('30/06/2020')",
        "Irrecoverable VAT Amount": "passed over as the Cost (£): every value is 0",
    }
    notes = passed_over("records", [constant("Effective Date", "date", "30/06/2020")])
    assert notes == {"Effective Date": "passed over as the Date or time received: every row has the same value "
                                       "('30/06/2020')"}


@pytest.mark.parametrize("kind,role,column,type_,message", [
    ("records", "date", "Supplier ID", "integer",
     "Column 'Supplier ID' holds whole numbers, so it cannot be the 'Date or time received': that role needs a date."),
    ("records", "cost", "Supplier Name", "text",
     "Column 'Supplier Name' holds text, so it cannot be the 'Cost (£)': that role needs numbers."),
    ("kpi", "period", "Month", "integer", "Column 'Month' holds whole numbers, so it cannot be the 'Period'"),
    ("kpi", "measure", "Value", "number", "Column 'Value' holds numbers, so it cannot be the 'Measure'"),
    ("records", "reason", "Opened", "date", "Column 'Opened' holds dates, so it cannot be the 'Reason'"),
])
def test_a_role_on_a_column_of_the_wrong_type_is_refused(kind, role, column, type_, message):
    from analysis.roles import check_role_types, role_type_problem

    assert role_type_problem(kind, role, column, type_).startswith(message)
    with pytest.raises(StocktakeError, match="change this column's type first"):
        check_role_types(kind, {column: role}, {column: type_})


@pytest.mark.parametrize("kind,role,type_", [
    ("records", "date", "timestamp"), ("records", "date", "date"), ("records", "cost", "integer"),
    ("kpi", "value", "number"), ("records", "reason", "text"), ("records", "record_id", "integer"),
    ("records", None, "integer"),
])
def test_a_role_on_a_column_of_the_right_type_passes(kind, role, type_):
    from analysis.roles import role_type_problem

    assert role_type_problem(kind, role, "Column", type_) is None
