"""The vocabulary of roles: labels, clashes, role checks, and roles refused on a column of the wrong type."""

from __future__ import annotations

import pytest

from analysis.errors import StocktakeError
from analysis.roles import check_role_types, check_roles, role_clashes, role_label, role_type_problem


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
    assert role_type_problem(kind, role, column, type_).startswith(message)
    with pytest.raises(StocktakeError, match="change this column's type first"):
        check_role_types(kind, {column: role}, {column: type_})


@pytest.mark.parametrize("kind,role,type_", [
    ("records", "date", "timestamp"), ("records", "date", "date"), ("records", "cost", "integer"),
    ("kpi", "value", "number"), ("records", "reason", "text"), ("records", "record_id", "integer"),
    ("records", None, "integer"),
])
def test_a_role_on_a_column_of_the_right_type_passes(kind, role, type_):
    assert role_type_problem(kind, role, "Column", type_) is None
