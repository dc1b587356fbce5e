"""Drill-down a link can carry: a chart click becomes a filter chip ("Reason: Chasing progress") kept in the URL.

Streamlit cannot bind a chart's selection to the URL, so the Demand page turns each click into chips of text, held
by a multiselect that is bound to the URL (``?dm_drill=Reason%3A+Chasing+progress``): visible above the figures,
removable one by one, and restored by a shared link. This module is the chips' grammar, with no Streamlit in it:

- :func:`chips_from_click`: the points a click selected on a chart -> chips (a bar of reasons, services, channels,
  areas or statuses; a day x hour cell; a month x year cell);
- :func:`apply_chips`: filters narrowed by the chips (every chip of one kind is one filter: "Reason: A" and
  "Reason: B" keep records whose reason is A or B), optionally leaving one kind out, so the chart a click came from
  still shows every bar;
- :func:`describe_chips`: the chips as words for the sentence above the figures.
"""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import date
from typing import Iterable, Mapping, Sequence

OTHER = "All other"  # the bar summing the groups beyond a chart's top N: not a value to filter on

ROLE_KINDS = {"service": "Service", "reason": "Reason", "channel": "Channel", "area": "Area", "status": "Status",
              "category": "Category", "supplier": "Supplier"}  # the last two: the Spend page's bars
DAY = "Day"
HOUR = "Hour"
MONTH = "Month"
KIND_ROLE = {label: role for role, label in ROLE_KINDS.items()}
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = tuple(calendar.month_name)[1:]

# A chart's drill target -> the kinds of chip its clicks make.
TARGET_KINDS = {**{role: (label,) for role, label in ROLE_KINDS.items()}, "dayhour": (DAY, HOUR), "month": (MONTH,)}


def chip(kind: str, value: str) -> str:
    return f"{kind}: {value}"


def parse_chip(text: str) -> tuple[str, str] | None:
    """(kind, value) of a chip, or None for text that is not one (a hand-edited link)."""
    kind, sep, value = str(text).partition(": ")
    if not sep or not value:
        return None
    if kind in KIND_ROLE:
        return kind, value
    if kind == DAY and value in DAY_NAMES:
        return kind, value
    if kind == HOUR and len(value) == 5 and value.endswith(":00") and value[:2].isdigit() and int(value[:2]) < 24:
        return kind, value
    if kind == MONTH and _month(value) is not None:
        return kind, value
    return None


def _month(value: str) -> tuple[int, int] | None:
    name, _, year = value.partition(" ")
    if name in MONTH_NAMES and year.isdigit() and len(year) == 4:
        return int(year), MONTH_NAMES.index(name) + 1
    return None


def chips_from_click(target: str, points: Sequence[Mapping], field: str | None = None) -> list[str]:
    """The chips for the points a click selected. ``target`` is the role the chart's bars stand for ('reason', …),
    'dayhour' for the day x hour heatmap or 'month' for the month x year heatmap; ``field`` the point's field that
    holds the bar's value (for a role)."""
    chips: list[str] = []
    if target == "dayhour":
        days = sorted({int(p["day_number"]) for p in points if "day_number" in p})
        hours = sorted({int(p["hour"]) for p in points if "hour" in p})
        chips += [chip(DAY, DAY_NAMES[d - 1]) for d in days if 1 <= d <= 7]
        chips += [chip(HOUR, f"{h:02d}:00") for h in hours if 0 <= h <= 23]
    elif target == "month":
        months = sorted({(int(p["year"]), int(p["month_number"])) for p in points if "year" in p})
        chips += [chip(MONTH, f"{MONTH_NAMES[m - 1]} {y}") for y, m in months if 1 <= m <= 12]
    elif target in ROLE_KINDS and field:
        values = [str(p[field]) for p in points if field in p and p[field] is not None]
        chips += [chip(ROLE_KINDS[target], v) for v in dict.fromkeys(values) if v != OTHER]
    return chips


def merge_click(current: Iterable[str], target: str, clicked: Sequence[str]) -> list[str]:
    """The chips after a click on a chart: the chips of the kinds that chart makes are replaced by the clicked ones
    (a second click on another bar moves the drill-down, as it did on the chart); the others stay."""
    kinds = TARGET_KINDS.get(target, ())
    kept = [c for c in current if (parse_chip(c) or ("", ""))[0] not in kinds]
    return list(dict.fromkeys(kept + list(clicked)))


def apply_chips(filters, chips: Iterable[str], exclude_target: str | None = None):
    """``filters`` (a :class:`analysis.filters.Filters`-like dataclass with the list fields, ``weekdays``, ``hours``,
    ``start`` and ``end``) narrowed by the chips, leaving out the kinds ``exclude_target``'s chart makes."""
    skip = set(TARGET_KINDS.get(exclude_target, ())) if exclude_target else set()
    by_kind: dict[str, list[str]] = {}
    for text in chips:
        parsed = parse_chip(text)
        if parsed and parsed[0] not in skip:
            by_kind.setdefault(parsed[0], []).append(parsed[1])
    for kind, values in by_kind.items():
        if kind in KIND_ROLE:
            filters = filters.narrowed(KIND_ROLE[kind], list(dict.fromkeys(values)))
        elif kind == DAY:
            filters = replace(filters, weekdays=tuple(sorted(DAY_NAMES.index(v) + 1 for v in set(values))))
        elif kind == HOUR:
            filters = replace(filters, hours=tuple(sorted(int(v[:2]) for v in set(values))))
        elif kind == MONTH:
            months = sorted(_month(v) for v in values)
            start = date(*months[0], 1)
            y, m = months[-1]
            end = date(y, m, calendar.monthrange(y, m)[1])
            new_start, new_end = max(start, filters.start or start), min(end, filters.end or end)
            # Only a hand-edited link names a month outside the chosen period: the chip, being explicit, wins.
            filters = replace(filters, start=new_start, end=new_end) if new_start <= new_end else \
                replace(filters, start=start, end=end)
    return filters


def describe_chips(chips: Iterable[str]) -> str:
    """The chips in words: "reason Chasing progress; Mondays; 09:00–10:00; June 2024"."""
    parts: dict[str, list[str]] = {}
    for text in chips:
        parsed = parse_chip(text)
        if parsed:
            parts.setdefault(parsed[0], []).append(parsed[1])
    words = []
    for kind, values in parts.items():
        if kind in KIND_ROLE:
            words.append(f"{kind.lower()} {', '.join(values)}")
        elif kind == DAY:
            words.append(", ".join(f"{v}s" for v in values))
        elif kind == HOUR:
            words.append(", ".join(f"{v}–{int(v[:2]) + 1:02d}:00" for v in values))
        else:
            words.append(", ".join(values))
    return "; ".join(words)
