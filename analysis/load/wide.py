"""Tables with one column per period, made long: the layout published workbooks use, read the way they mean.

"LA, Population, 2012-13, 2013-14, …, 2017-18, Change in one year, Per 1,000": such a table loads, but no column can be
the period or the value. :func:`find_wide` sees that several headers are periods of one grain; :func:`make_long`
then reads the file as rows of (identity columns…, Period, Value), one per row and period with a value: the other
columns are kept as each row's identity, and columns worked out from the periods ("Change", "Per 1,000", "Rank") are
left out and named. The periods then go through the same detection as any period column ('2012-13' is a financial
year). CSV files are turned inside DuckDB's read (``unnest`` of the period columns, the headers a bound list);
Excel sheets in pandas, before they are registered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from analysis.load import period_text
from analysis.load.sources import Source

if TYPE_CHECKING:  # pandas is imported where it is used: the command line's load never needs it (half a second of CPU)
    import pandas as pd

# At least this many headers must be periods of one grain for the table to be one column per period.
MIN_PERIOD_COLUMNS = 3
PERIOD_NAME, VALUE_NAME = "Period", "Value"
# Headers of columns worked out from the period columns (left out: they are not periods, nor the rows' identity).
DERIVED_HEADER = re.compile(
    r"\b(change|changes|difference|diff|increase|decrease|growth|movement|variance|trend|ratio|rank|ranking|"
    r"average|mean|median|total|sum|cagr|percent|percentage)\b|%|\bper\s*(1|10|100)[, ]?000\b|\bper\s+(head|capita|"
    r"person|resident)\b|\brate\b", re.IGNORECASE)
_GRAIN_WORDS = {"financial_year": "financial years", "academic_year": "academic years", "year": "years",
                "quarter": "quarters", "month": "months", "week": "weeks"}


@dataclass(frozen=True)
class WideLayout:
    """Which columns of a table are periods (position, header), which identify a row, which are derived."""

    grain: str
    periods: tuple[tuple[int, str], ...]
    identity: tuple[int, ...]
    derived: tuple[int, ...]
    width: int  # the table's columns as written (what the reader reads before the periods become rows)

    def sentence(self, names: list[str]) -> str:
        labels = [label for _, label in self.periods]
        span = f"'{labels[0]}' … '{labels[-1]}'" if len(labels) > 2 else " and ".join(f"'{x}'" for x in labels)
        kept = ", ".join(f"'{names[i]}'" for i in self.identity) or "none"
        said = (f"This table has one column per period ({len(labels)} {_GRAIN_WORDS.get(self.grain, 'periods')}: "
                f"{span}): it is read as rows of {PERIOD_NAME} and {VALUE_NAME}, one per row and period with a value, "
                f"each keeping {kept}.")
        if self.derived:
            said += (" Left out, as worked out from the periods: "
                     + ", ".join(f"'{names[i]}'" for i in self.derived) + ".")
        return said


def find_wide(names: list[str]) -> WideLayout | None:
    """The layout of a table whose headers include at least MIN_PERIOD_COLUMNS periods of one grain, else None."""
    by_grain: dict[str, list[tuple[int, str]]] = {}
    for i, name in enumerate(names):
        parsed = period_text.parse_header_period(name)
        if parsed:
            by_grain.setdefault(parsed[1], []).append((i, name))
    if not by_grain:
        return None
    grain, found = max(by_grain.items(), key=lambda item: len(item[1]))
    if len(found) < MIN_PERIOD_COLUMNS:
        return None
    positions = {i for i, _ in found}
    others = [i for i in range(len(names)) if i not in positions]
    derived = tuple(i for i in others if DERIVED_HEADER.search(str(names[i])))
    identity = tuple(i for i in others if i not in derived)
    return WideLayout(grain, tuple(found), identity, derived, len(names))


def _long_names(names: list[str], layout: WideLayout) -> list[str]:
    kept = [names[i] for i in layout.identity]
    taken = {n.lower() for n in kept}
    out = list(kept)
    for base in (PERIOD_NAME, VALUE_NAME):
        name, n = base, 2
        while name.lower() in taken:
            name, n = f"{base} ({n})", n + 1
        taken.add(name.lower())
        out.append(name)
    return out


def _melt_rows(rows: list[list], layout: WideLayout) -> list[list]:
    out = []
    for row in rows:
        identity = [row[i] for i in layout.identity]
        for i, label in layout.periods:
            value = row[i] if i < len(row) else None
            if value is not None and str(value).strip():
                out.append(identity + [label, value])
    return out


def make_long(source: Source) -> Source:
    """A table with one column per period read as rows of Period and Value (a CSV's reader, or an Excel sheet's
    frame); the source as it was when the table is not that shape (or is Parquet). The new source keeps the layout
    (``wide``) and the sentence saying so (``layout_notes``)."""
    if source.file_format not in ("csv", "excel") or not source.names:
        return source
    layout = find_wide(source.names)
    if layout is None:
        return source
    names = list(source.names)
    long_names = _long_names(names, layout)
    made = {"frame": source.frame, "spread_rows": source.spread_rows, "total_line": source.total_line,
            "unpivot": source.unpivot}
    if source.file_format == "excel":
        import pandas as pd  # an Excel sheet is a frame already; a CSV is made long in DuckDB's reader

        frame = source.frame
        identity = [f"c{i}" for i in layout.identity]
        melted = frame.melt(id_vars=identity, value_vars=[f"c{i}" for i, _ in layout.periods],
                            var_name="__period", value_name="__value", ignore_index=False)
        melted = melted[melted["__value"].notna() & (melted["__value"].astype(str).str.strip() != "")]
        labels = {f"c{i}": label for i, label in layout.periods}
        melted["__period"] = melted["__period"].map(labels)
        # Each row's periods together, in the file's order (melt goes period by period).
        melted = melted.sort_index(kind="stable")
        columns = {f"c{k}": melted[old].tolist() for k, old in enumerate(identity + ["__period", "__value"])}
        made["frame"] = pd.DataFrame(columns, dtype=object)
    else:
        made["spread_rows"] = _melt_rows(source.spread_rows, layout)
        # The table's own totals row is a row like the others once made long: the totals check marks it.
        made["total_line"] = None
        made["unpivot"] = layout
    return replace(source, names=long_names, source_types=["VARCHAR"] * len(long_names), wide=layout,
                   layout_notes=[*source.layout_notes, layout.sentence(names)], period_column=long_names[-2], **made)
