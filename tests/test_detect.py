"""Type detection from a sample of text values: table-driven, one case per rule."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from analysis import detect
from analysis.roles import suggest_roles


@pytest.mark.parametrize("values,expected_type,expected_formats", [
    (["31/12/2017 10:00", "01/02/2018 09:30"], "timestamp", ["{A}/{B}/%Y %H:%M"]),
    (["31/12/2017", "1/2/2018"], "date", ["{A}/{B}/%Y"]),
    (["31-12-17"], "date", ["{A}-{B}-%y"]),
    (["2017-03-01", "2017-02-01"], "date", ["%Y-%m-%d"]),
    (["2024-01-01 00:00:00", "2024-01-02 00:00:00"], "date", ["%Y-%m-%d %H:%M:%S"]),  # Excel dates via text
    (["2024-01-01T10:15:00"], "timestamp", ["%Y-%m-%dT%H:%M:%S"]),
    (["1/2/2024 3:05 PM", "1/2/2024 11:15 AM"], "timestamp", ["{A}/{B}/%Y %I:%M %p"]),
    (["5-Jan-2024", "17-Mar-2024"], "date", ["%d-%b-%Y"]),
    (["5 January 2024"], "date", ["%d %B %Y"]),
    (["£1,234.50", "(1,234)", "12"], "number", []),
    (["1.0", "2.0", "", "n/a"], "number", []),
    (["12", "-3", "+4", "1,000"], "integer", []),
    (["007", "012"], "text", []),
    (["1", "2", "other"], "text", []),
    (["Chasing progress", "Report a repair"], "text", []),
    ([], "text", []),
])
def test_detect_column_type(values, expected_type, expected_formats):
    kind, formats, _ = detect.detect_column_type(values)
    assert (kind, formats) == (expected_type, expected_formats)


@pytest.mark.parametrize("values,note", [
    (["00:00:00"] * 3, "no usable dates: all 3 values are '00:00:00'"),
    (["09:15", "17:40"], "times of day without dates: kept as text"),
    (["007", "012"], "numbers with leading zeros: kept as text codes"),
])
def test_detection_notes(values, note):
    kind, _, notes = detect.detect_column_type(values)
    assert kind == "text" and notes == [note]


@pytest.mark.parametrize("day,month,requested,order,reason_start", [
    (3, 0, None, "day-first", "Dates read day-first (UK): 3 values such as 31/12"),
    (1, 0, None, "day-first", "Dates read day-first (UK): 1 value such as 31/12"),
    (0, 2, None, "month-first", "Dates read month-first (US): 2 values such as 12/31"),
    (0, 0, None, "day-first", "Nothing in the dates settles day-first or month-first"),
    (4, 1, None, "day-first", "Dates are mixed: 4 values only make sense day-first and 1 only month-first"),
    (4, 0, "month-first", "month-first", "Dates read month-first, as you chose."),
])
def test_decide_date_order(day, month, requested, order, reason_start):
    chosen, reason = detect.decide_date_order(day, month, requested)
    assert chosen == order and reason.startswith(reason_start)


def test_resolve_date_formats_fills_the_open_day_and_month():
    formats = ["{A}/{B}/%Y %H:%M", "%Y-%m-%d"]
    assert detect.resolve_date_formats(formats, "day-first") == ["%d/%m/%Y %H:%M", "%Y-%m-%d"]
    assert detect.resolve_date_formats(formats, "month-first") == ["%m/%d/%Y %H:%M", "%Y-%m-%d"]


@dataclass
class Col:
    name: str
    type: str


def test_suggest_roles_prefers_specific_words_and_respects_types():
    columns = [Col("IncidentNumber", "text"), Col("DateTimeOfCall", "timestamp"), Col("HourlyNotionalCost(£)", "integer"),
               Col("IncidentNotionalCost(£)", "number"), Col("AnimalGroupParent", "text"), Col("OriginofCall", "text"),
               Col("Borough", "text"), Col("Date Closed", "text")]
    roles = suggest_roles("records", columns)
    assert roles == {"DateTimeOfCall": "date", "IncidentNotionalCost(£)": "cost", "IncidentNumber": "record_id",
                     "AnimalGroupParent": "reason", "OriginofCall": "channel", "Borough": "area"}
    # 'Date Closed' is text here, so it cannot take a date role.
    assert "Date Closed" not in roles


def test_suggest_roles_for_kpi_and_lookup():
    kpi = suggest_roles("kpi", [Col("period", "date"), Col("org_code", "text"), Col("value", "number"),
                                       Col("Target", "number"), Col("measure", "text")])
    assert kpi == {"period": "period", "Target": "target", "measure": "measure", "value": "value", "org_code": "area"}
    lookup = suggest_roles("lookup", [Col("Ward", "text"), Col("Population", "integer")])
    assert lookup == {"Ward": "area", "Population": "population"}


def test_role_clashes_name_both_columns():
    from analysis.roles import role_clashes

    assert role_clashes({"Borough": "area", "Ward": "area", "When": "date", "Other": None}) == [("Borough", "Ward", "area")]
    assert role_clashes({"Borough": "area", "When": "date"}) == []
