"""Drill-down chips: a chart click as text a link can carry, and the filters they make."""

from __future__ import annotations

from datetime import date

import pytest

from analysis import drill
from analysis.filters import Filters


@pytest.mark.parametrize("target,points,field,chips", [
    ("reason", [{"reason": "Chasing progress"}], "reason", ["Reason: Chasing progress"]),
    ("service", [{"group": "Parking"}, {"group": "All other"}, {"group": "Parking"}], "group", ["Service: Parking"]),
    ("channel", [{"split": "Web"}, {"split": "Phone"}], "split", ["Channel: Web", "Channel: Phone"]),
    ("dayhour", [{"day_number": 1, "hour": 9}, {"day_number": 1, "hour": 10}], None,
     ["Day: Monday", "Hour: 09:00", "Hour: 10:00"]),
    ("month", [{"year": 2024, "month_number": 6}], None, ["Month: June 2024"]),
    ("reason", [{"other": "x"}], "reason", []),
])
def test_a_click_becomes_chips(target, points, field, chips):
    assert drill.chips_from_click(target, points, field) == chips


@pytest.mark.parametrize("text,parsed", [
    ("Reason: Chasing progress", ("Reason", "Chasing progress")),
    ("Area: St Anne's: east", ("Area", "St Anne's: east")),
    ("Day: Funday", None), ("Hour: 25:00", None), ("Month: Juin 2024", None), ("Colour: red", None),
    ("no colon", None), ("Reason: ", None),
])
def test_chips_from_a_link_are_read_or_ignored(text, parsed):
    assert drill.parse_chip(text) == parsed


def test_a_new_click_on_a_chart_moves_its_own_chips_and_keeps_the_others():
    current = ["Reason: A", "Day: Monday", "Hour: 09:00"]
    assert drill.merge_click(current, "reason", ["Reason: B"]) == ["Day: Monday", "Hour: 09:00", "Reason: B"]
    assert drill.merge_click(current, "dayhour", ["Day: Friday"]) == ["Reason: A", "Day: Friday"]


BASE = Filters(start=date(2023, 4, 1), end=date(2025, 3, 31), services=("Parking",))


@pytest.mark.parametrize("chips,exclude,expected", [
    (["Reason: A", "Reason: B"], None, Filters(start=date(2023, 4, 1), end=date(2025, 3, 31), services=("Parking",),
                                               reasons=("A", "B"))),
    (["Service: Waste"], None, Filters(start=date(2023, 4, 1), end=date(2025, 3, 31), services=("Waste",))),
    (["Reason: A", "Day: Monday", "Day: Sunday", "Hour: 09:00"], "reason",
     Filters(start=date(2023, 4, 1), end=date(2025, 3, 31), services=("Parking",), weekdays=(1, 7), hours=(9,))),
    (["Month: June 2024", "Month: February 2024"], None,
     Filters(start=date(2024, 2, 1), end=date(2024, 6, 30), services=("Parking",))),
    (["Month: March 2023"], None, Filters(start=date(2023, 3, 1), end=date(2023, 3, 31), services=("Parking",))),
    (["Nonsense", "Reason: A"], "reason", BASE),
])
def test_chips_narrow_the_filters(chips, exclude, expected):
    assert drill.apply_chips(BASE, chips, exclude_target=exclude) == expected


def test_chips_in_words():
    assert drill.describe_chips(["Reason: A", "Reason: B", "Day: Monday", "Hour: 09:00", "Month: June 2024"]) == \
        "reason A, B; Mondays; 09:00–10:00; June 2024"
