"""The one query every count of the Demand page comes from: named grouping sets over the filtered records.

``counts(con, dataset, filters, grain, sets)`` runs one ``GROUP BY GROUPING SETS`` over the records the filters keep
and returns the grouped counts (:class:`Counts`). Every count figure (:mod:`analysis.demand.figures`: volume, top
reasons, failure and value demand, day × hour, month × year, rates per resident) is a function of those counts, so
there is one way to compute each count. A figure asked for on its own passes only the sets it needs; the Demand page
asks once for :func:`page_sets` (on 10 million rows, one scan instead of nine), and each figure reads its part.

The sets (each costs a pass over the grouped rows, so only those nothing else can be summed from):

- ``period_reasons``: period × service × reason (volume without a split or split by service or reason, failure over
  time, and months when the grain is a day or a month are summed from it);
- ``channel_reasons`` (with a channel role) or ``reasons``: channel × service × reason, or service × reason (the top
  reasons, failure by service and by channel);
- ``day_hour``: day of the week × hour; ``month_year``: calendar year × month; ``areas``: area;
- ``split:<role>``: period × that role, for a volume split by a role the others do not hold (channel, area, status).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis import periods, store
from analysis.filters import BLANK, Filters, and_where, build_where, role_column
from analysis.store import quote_identifier as q

CATEGORY_ROLES = ("service", "reason", "channel", "area")
SPLIT_PREFIX = "split:"


def label_sql(column: str) -> str:
    """A category column as text, its blanks as '(blank)' (how every figure labels a missing value)."""
    return f"coalesce(CAST({q(column)} AS VARCHAR), '{BLANK}')"


def reasons_set(dataset: store.Dataset) -> str:
    """The set the reasons are counted in: with a channel, the finer channel × service × reason."""
    return "channel_reasons" if "channel" in dataset.roles else "reasons"


def page_sets(dataset: store.Dataset, grain: str) -> tuple[str, ...]:
    """Every set the Demand page's count figures read, for one scan."""
    sets = ["period_reasons", reasons_set(dataset), "day_hour"]
    if grain not in ("day", "month"):
        sets.append("month_year")
    if "area" in dataset.roles:
        sets.append("areas")
    return tuple(sets)


def split_set(split: str | None) -> str | None:
    """The extra set a volume split needs (None: summed from ``period_reasons``)."""
    return None if split in (None, "", "service", "reason") else SPLIT_PREFIX + split


@dataclass(frozen=True)
class Counts:
    """The grouped counts of one scan: ``part(name)`` is one set's rows (its columns and ``count``)."""

    frame: pd.DataFrame
    sets: dict[str, tuple[str, ...]]
    masks: dict[str, int]

    def has(self, name: str) -> bool:
        return name in self.sets

    def part(self, name: str) -> pd.DataFrame:
        """A new frame of one set's rows (callers may change it)."""
        rows = self.frame.loc[self.frame["set_id"] == self.masks[name], [*self.sets[name], "count"]]
        return rows.reset_index(drop=True)


def counts(con, dataset: store.Dataset, filters: Filters, grain: str, sets: tuple[str, ...]) -> Counts:
    """Records counted in each of ``sets`` (see the module's docstring) over those ``filters`` keep, with a date.

    Categories are grouped as stored and cast to text after grouping (an ENUM column groups on its small codes);
    the ``split:<role>`` set's category is labelled as the figures label it ('(blank)' for a missing value).
    """
    roles = dataset.roles
    date_col = q(role_column(roles, "date"))
    raw = {r: q(roles[r]) if r in roles else "CAST(NULL AS VARCHAR)" for r in CATEGORY_ROLES}
    columns = {"period": periods.period_start_sql(date_col, grain), **raw,
               "day_number": f"isodow({date_col})", "hour": f"hour({date_col})",
               "year": f"year({date_col})", "month_number": f"month({date_col})"}
    wanted: dict[str, tuple[str, ...]] = {}
    for name in dict.fromkeys(sets):
        if name.startswith(SPLIT_PREFIX):
            role = name.removeprefix(SPLIT_PREFIX)
            columns["split"] = label_sql(role_column(roles, role))
            wanted[name] = ("period", "split")
        else:
            wanted[name] = _SETS[name]
    if not wanted:
        raise ValueError("counts needs at least one set")
    if sum(n.startswith(SPLIT_PREFIX) for n in wanted) > 1:
        raise ValueError("one volume split per scan")
    names = [c for c in columns if any(c in cols for cols in wanted.values())]
    as_text = lambda c: f"CAST({c} AS VARCHAR) AS {c}" if c in CATEGORY_ROLES else c  # noqa: E731
    grouping_sets = ", ".join("(" + ", ".join(cols) + ")" for cols in wanted.values())
    where, params = build_where(filters, roles)
    frame = store.query_df(
        con,
        f"""SELECT grouping({', '.join(names)}) AS set_id, {', '.join(as_text(c) for c in names)}, count(*) AS count
            FROM (SELECT {', '.join(f'{columns[c]} AS {c}' for c in names)}
                  FROM {q(dataset.table)} {and_where(where, f'{date_col} IS NOT NULL')})
            GROUP BY GROUPING SETS ({grouping_sets})""",
        params,
    )
    bit = {name: 1 << (len(names) - 1 - i) for i, name in enumerate(names)}
    full = (1 << len(names)) - 1
    masks = {}
    for set_name, cols in wanted.items():
        mask = full
        for col in cols:
            mask &= ~bit[col]
        masks[set_name] = mask
    return Counts(frame, wanted, masks)


_SETS = {
    "period_reasons": ("period", "service", "reason"),
    "channel_reasons": ("channel", "service", "reason"),
    "reasons": ("service", "reason"),
    "day_hour": ("day_number", "hour"),
    "month_year": ("year", "month_number"),
    "areas": ("area",),
}
