"""Type detection from a sample of text values: table-driven, one case per rule."""

from __future__ import annotations

import pytest

from analysis.load import detect


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


@pytest.mark.parametrize("values,decimal_comma,expected", [
    (["12,5", "1.234,56"], True, ("number", True)),
    (["2.5", "3"], True, ("number", False)),
    (["1,234", "2,000"], True, ("integer", False)),  # reads both ways: UK thousands
    (["12,5"], False, ("text", False)),  # a comma file: not a decimal comma
])
def test_decimal_commas_only_in_semicolon_files(values, decimal_comma, expected):
    col = detect.profile_sample("Amount", values, decimal_comma=decimal_comma)
    assert (col.type, col.decimal_comma) == expected


@pytest.mark.parametrize("values,type_,grain", [
    (["2016-17", "2017-18"], "date", "financial_year"),
    (["Q1 2019/20", "Q2 2019/20"], "date", "quarter"),
    (["Apr 2019", "May 2019"], "date", "month"),
    (["Chasing", "Repair"], "text", None),
    (["31/01/2024"], "date", None),  # a date, not a period written as text
])
def test_profile_sample_recognises_periods(values, type_, grain):
    col = detect.profile_sample("Period", values)
    assert (col.type, col.grain) == (type_, grain)


MONTHS = ["201607", "201608", "201609", "201610", "201611", "201612"]


@pytest.mark.parametrize("name,values,type_,grain", [
    # Public Health Scotland's months: whole numbers (a CSV's text '201607', an Excel number written '201607').
    ("MonthOfDelay", MONTHS, "date", "month"),
    ("Month", MONTHS[:2], "date", "month"),  # the header says so: two months are enough
    ("Ref", MONTHS, "date", "month"),  # six distinct yyyymm values with months 01-12: months whatever the header
    ("Ref", MONTHS[:3], "integer", None),  # three ids that happen to look like months stay numbers
    ("Count", ["201613", "201607", "201608", "201609", "201610", "201611"], "integer", None),  # month 13: a number
    ("Month", ["2016M07", "2016M08"], "date", "month"),
    ("Month", ["Jul-16", "Aug-16"], "date", "month"),
    ("Month", ["July 2016", "August 2016"], "date", "month"),
    ("Month", ["2016/07", "2016/08"], "date", "month"),
    ("Academic year", ["2016/17", "2017/18"], "date", "academic_year"),
    ("Year", ["2016/17", "2017/18"], "date", "financial_year"),
])
def test_months_written_every_way_are_months(name, values, type_, grain):
    col = detect.profile_sample(name, values)
    assert (col.type, col.grain) == (type_, grain)


def test_a_column_of_years_with_a_few_spans_keeps_its_grain_and_names_them():
    values = ["2015-16", "2016-17", "2017-18"] * 30 + ["2010-14", "2012-15"] * 5
    col = detect.profile_sample("Year", values)
    assert (col.type, col.grain, col.spans, col.span_examples) == ("date", "financial_year", 2,
                                                                   ["2010-14", "2012-15"])
    assert "multi-year spans such as '2010-14', '2012-15' are set apart" in col.notes[0]


def test_profile_sample_keeps_value_statistics_for_role_suggestions():
    col = detect.profile_sample("Customer", ["C1", "C1", "C2", " C3", None, ""], complete=True)
    assert (col.sample_filled, col.sample_distinct, col.sample_top_share) == (4, 3, 0.5)
    assert col.padded and col.sample_complete and col.sample_values == ["C1", "C2", "C3"]


@pytest.mark.parametrize("values,marks", [
    (["£1,234.50", "(12)"], "£,("), (["1.5", "2"], ""), (["£5", "6"], "£"), (["Abbey"], ""),
])
def test_marks_of_the_sampled_numbers(values, marks):
    assert detect.profile_sample("x", values).marks == marks


def test_looks_like_date_accepts_impossible_dates():
    assert detect.looks_like_date("29/02/2023") and detect.looks_like_date("12/31/2024")
    assert not detect.looks_like_date("soon") and not detect.looks_like_date(None)
