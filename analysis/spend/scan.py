"""The one query the Spend page's sums come from, and the small frames its figures read from it.

:func:`spend_scan` runs one ``GROUP BY GROUPING SETS`` over the payments the filters keep: by month, by service, by
expenditure category, by supplier and the grand total, each with the net amount, the payments (positive amounts),
the credits (negative amounts, shown apart) and how many of each. Every Spend figure but the change between two
periods and the list of payments is a function of that scan, so on 10 million payments a filter change is one pass.

Money is summed in DuckDB as DOUBLE and rounded to pennies once, after summing. A payment without a date counts in
the totals and in the splits by service, category and supplier, and in no month.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from analysis import periods, store
from analysis.demand.change import ChangeDecomposition, decompose_change
from analysis.demand.scan import label_sql
from analysis.filters import BLANK, OTHER, Filters, and_where, build_where, role_column
from analysis.store import quote_identifier as q

SPLIT_ROLES = ("service", "category", "supplier")
SETS = {"month": ("month",), "service": ("service",), "category": ("category",), "supplier": ("supplier",),
        "total": ()}
SUMS = ("net", "paid", "credits", "payments", "credit_rows")
GRAINS = ("month", "financial_year")
TOP_SUPPLIERS = 10  # the concentration figure's "share of the top 10 suppliers"
CORE_SHARE = 0.8  # and "how many suppliers make 80% of spend"


FINE = ("month", "service", "category")  # grouped together: every set but the suppliers' is summed from them
LINE_SUMS = ("net", "credits", "lines", "credit_rows")
SCAN_TABLE = "stocktake_spend_scan"  # the scan with no filter, kept per dataset version (built after a load)


@dataclass(frozen=True)
class Scan:
    """The grouped sums of one scan: ``fine`` by month x service x category (those the dataset has), ``suppliers``
    by supplier (empty when not asked for); ``part(name)`` is one set's rows, summed from them."""

    fine: pd.DataFrame
    suppliers: pd.DataFrame
    _parts: dict = field(default_factory=dict, compare=False, repr=False)  # each part made once (figures share it)

    def part(self, name: str) -> pd.DataFrame:
        """One set's rows (a new frame: callers may change it)."""
        if name not in self._parts:
            self._parts[name] = self._made(name)
        return self._parts[name].copy()

    def _made(self, name: str) -> pd.DataFrame:
        if name == "supplier":
            rows = self.suppliers
        else:
            keys = [c for c in SETS[name] if c in self.fine.columns]
            rows = self.fine.groupby(keys, as_index=False, dropna=False)[list(LINE_SUMS)].sum() if keys else \
                pd.DataFrame([self.fine[list(LINE_SUMS)].sum()]) if len(self.fine) else self.fine
        rows = rows.copy()
        for column in SETS[name]:
            if column not in rows:
                rows[column] = None
        rows["net"], rows["credits"] = rows["net"].astype(float).round(2), rows["credits"].astype(float).round(2)
        rows["paid"] = (rows["net"] - rows["credits"]).round(2)
        rows["payments"] = (rows["lines"] - rows["credit_rows"]).astype("int64")  # £0 lines count as payments
        rows["credit_rows"] = rows["credit_rows"].astype("int64")
        return rows[[*SETS[name], *SUMS]].reset_index(drop=True)

    @property
    def total(self) -> dict[str, float]:
        rows = self.part("total")
        if rows.empty:
            return {s: 0 for s in SUMS}
        return {s: (int(rows[s].iloc[0]) if s in ("payments", "credit_rows") else float(rows[s].iloc[0]))
                for s in SUMS}


def page_sets(dataset: store.Dataset) -> tuple[str, ...]:
    """Every set the page's figures read: the months only where there is a date; a split only where its role is."""
    sets = ["total"] + (["month"] if _dated(dataset) else [])
    return tuple(sets + [r for r in SPLIT_ROLES if r in dataset.roles])


def _dated(dataset: store.Dataset) -> bool:
    column = dataset.roles.get("date")
    return bool(column) and dataset.column(column).type in ("date", "timestamp")


def spend_scan(con, dataset: store.Dataset, filters: Filters, sets: tuple[str, ...]) -> Scan:
    """The payments ``filters`` keep, summed by month x service x category and (when ``sets`` has it) by supplier,
    in one pass: two grouping sets (five, one per figure, took three times as long on 10M payments). With no filter
    the scan kept after the load is read back (:func:`keep_scan`). Groups are formed on the stored values and
    labelled after grouping ('(blank)' for none): a label made per row is a string per row."""
    if filters == Filters():
        kept = kept_scan(con, dataset)
        if kept is not None:
            return kept
    roles = dataset.roles
    amount = q(role_column(roles, "amount"))
    columns = {"month": periods.period_start_sql(q(roles["date"]), "month") if _dated(dataset) else None,
               **{r: q(roles[r]) if r in roles else None for r in SPLIT_ROLES}}
    fine = [c for c in FINE if columns[c]]
    by_supplier = "supplier" in sets and columns["supplier"] is not None
    names = fine + (["supplier"] if by_supplier else [])
    where, params = build_where(filters, roles)
    select = ", ".join([f"{columns[c]} AS g_{c}" for c in names] + [f"{amount} AS a"])
    label = lambda c: f"g_{c} AS {c}" if c == "month" else f"coalesce(CAST(g_{c} AS VARCHAR), '{BLANK}') AS {c}"  # noqa: E731
    grouping_sets = [f"({', '.join('g_' + c for c in fine)})"] + (["(g_supplier)"] if by_supplier else [])
    # Four plain aggregates (FILTER clauses cost more): net, credits, lines, credit lines.
    frame = store.query_df(
        con,
        f"""SELECT {f'grouping(g_supplier)' if by_supplier else '0'} AS by_supplier,
                   {''.join(label(c) + ', ' for c in names)}sum(a) AS net, sum(least(a, 0)) AS credits,
                   count(a) AS lines, count_if(a < 0) AS credit_rows
            FROM (SELECT {select} FROM {q(dataset.table)} {and_where(where, f'{amount} IS NOT NULL')})
            GROUP BY GROUPING SETS ({', '.join(grouping_sets)})""", params)
    if "month" in frame:
        frame["month"] = pd.to_datetime(frame["month"])
    if not by_supplier:
        return Scan(frame[[*fine, *LINE_SUMS]], pd.DataFrame(columns=["supplier", *LINE_SUMS]))
    supplier_rows = frame["by_supplier"] == 0
    return Scan(frame.loc[~supplier_rows, [*fine, *LINE_SUMS]].reset_index(drop=True),
                frame.loc[supplier_rows, ["supplier", *LINE_SUMS]].reset_index(drop=True))


def keep_scan(con, dataset: store.Dataset) -> None:
    """Work the scan with no filter out once after a load and keep it in the store, so the page's first view of 10
    million payments is read back, not summed again (``analysis.load.prepare``)."""
    found = spend_scan(con, dataset, Filters(), page_sets(dataset)) if "amount" in dataset.roles else None
    rows = [] if found is None else [
        *(("fine", r.get("month"), r.get("service"), r.get("category"), None, r["net"], r["credits"], int(r["lines"]),
           int(r["credit_rows"])) for r in found.fine.to_dict("records")),
        *(("supplier", None, None, None, r["supplier"], r["net"], r["credits"], int(r["lines"]),
           int(r["credit_rows"])) for r in found.suppliers.to_dict("records"))]
    with store.transaction(con) as cur:
        cur.execute(f"""CREATE TABLE IF NOT EXISTS {q(SCAN_TABLE)} (dataset VARCHAR, version BIGINT, part VARCHAR,
                            month DATE, service VARCHAR, category VARCHAR, supplier VARCHAR, net DOUBLE,
                            credits DOUBLE, lines BIGINT, credit_rows BIGINT)""")
        cur.execute(f"DELETE FROM {q(SCAN_TABLE)} WHERE dataset = ?", [dataset.name])
        if rows:
            frame = pd.DataFrame(rows, columns=["part", "month", "service", "category", "supplier", *LINE_SUMS])
            frame.insert(0, "version", dataset.version)
            frame.insert(0, "dataset", dataset.name)
            cur.register("kept_scan", frame)
            cur.execute(f"INSERT INTO {q(SCAN_TABLE)} SELECT * FROM kept_scan")
            cur.unregister("kept_scan")


def kept_scan(con, dataset: store.Dataset) -> Scan | None:
    """The scan :func:`keep_scan` kept for this version of the dataset, or None."""
    if not store.query_rows(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [SCAN_TABLE])[0][0]:
        return None
    frame = store.query_df(con, f"SELECT * FROM {q(SCAN_TABLE)} WHERE dataset = ? AND version = ?",
                           [dataset.name, dataset.version])
    if frame.empty:
        return None
    fine = [c for c in FINE if (c == "month" and _dated(dataset)) or (c != "month" and c in dataset.roles)]
    rows = frame[frame["part"] == "fine"]
    if "month" in fine:
        rows = rows.assign(month=pd.to_datetime(rows["month"]))
    return Scan(rows[[*fine, *LINE_SUMS]].reset_index(drop=True),
                frame.loc[frame["part"] == "supplier", ["supplier", *LINE_SUMS]].reset_index(drop=True))


# ---- the frames the figures read -----------------------------------------------------------------------------------

def by_period(scan: Scan, grain: str) -> pd.DataFrame:
    """Spend per month or financial year: period (first day), label, net, paid, credits, payments, credit_rows; in
    order. Financial years are summed from the months (April to March)."""
    months = scan.part("month").dropna(subset=["month"]).sort_values("month")
    if grain == "financial_year":
        months["month"] = [periods.financial_year_start(m) for m in months["month"]]
        months = months.groupby("month", as_index=False)[list(SUMS)].sum()
    frame = months.rename(columns={"month": "period"}).reset_index(drop=True)
    frame["label"] = [periods.period_label(p, grain) for p in frame["period"]]
    for money in ("net", "paid", "credits"):
        frame[money] = frame[money].round(2)
    return frame[["period", "label", *SUMS]]


def by_role(scan: Scan, role: str, top_n: int) -> pd.DataFrame:
    """Spend by service, category or supplier: the ``top_n`` largest by net spend, then 'All other' summing the rest
    (its ``members`` says how many). Columns: value, net, paid, credits, payments, credit_rows, share, members."""
    rows = scan.part(role).rename(columns={role: "value"})
    rows["members"] = 1
    if len(rows) > top_n:
        # Only the bars shown are put in order (by spend, then name for ties): 20,000 suppliers sorted by name and
        # spend took longer than the scan that summed them.
        threshold = rows["net"].nlargest(top_n).iloc[-1]
        head = rows[rows["net"] >= threshold].sort_values(["net", "value"], ascending=[False, True],
                                                          kind="stable").head(top_n)
        rest = rows.drop(head.index)
        other = {"value": OTHER, **{s: rest[s].sum() for s in SUMS}, "members": len(rest)}
        rows = pd.concat([head, pd.DataFrame([other])], ignore_index=True)
    else:
        rows = rows.sort_values(["net", "value"], ascending=[False, True], kind="stable").reset_index(drop=True)
    total = scan.total["net"]
    rows["share"] = rows["net"] / total if total else np.nan
    for money in ("net", "paid", "credits"):
        rows[money] = rows[money].astype(float).round(2)
    return rows[["value", *SUMS, "share", "members"]]


@dataclass(frozen=True)
class Concentration:
    """How concentrated spend is among suppliers: the curve of cumulative share, the top 10's share, and how many
    suppliers make 80% of the spend (of suppliers paid more than they credited)."""

    curve: pd.DataFrame  # rank, supplier, net, cumulative, cumulative_share
    suppliers: int
    top_share: float
    core: int  # suppliers making CORE_SHARE of the spend
    top_n: int = TOP_SUPPLIERS


def concentration(scan: Scan) -> Concentration:
    rows = scan.part("supplier")
    rows = rows[rows["net"] > 0]
    rows = rows.iloc[np.argsort(-rows["net"].to_numpy(), kind="stable")]  # by spend (a name sort of 20,000 is slow)
    total = float(rows["net"].sum())
    curve = pd.DataFrame({"rank": np.arange(1, len(rows) + 1), "supplier": rows["supplier"].to_numpy(),
                          "net": rows["net"].to_numpy(dtype=float)})
    curve["cumulative"] = curve["net"].cumsum().round(2)
    curve["cumulative_share"] = curve["cumulative"] / total if total else np.nan
    core = int(np.searchsorted(curve["cumulative_share"].to_numpy(), CORE_SHARE - 1e-12) + 1) if total else 0
    top = float(curve["net"].head(TOP_SUPPLIERS).sum() / total) if total else float("nan")
    return Concentration(curve, len(curve), top, min(core, len(curve)))


# ---- what the page reads besides the scan -------------------------------------------------------------------------

def coverage(con, dataset: store.Dataset) -> tuple[date | None, date | None]:
    """The first and last payment date (None, None without usable dates)."""
    if not _dated(dataset):
        return None, None
    column = q(dataset.roles["date"])
    first, last = store.query_rows(con, f"SELECT min({column}), max({column}) FROM {q(dataset.table)}")[0]
    as_day = lambda v: None if v is None else pd.Timestamp(v).date()  # noqa: E731
    return as_day(first), as_day(last)


MAX_OPTIONS = 2_000  # a supplier list of tens of thousands is no list to pick from: the largest by spend


def filter_options(con, dataset: store.Dataset) -> dict[str, list[str]]:
    """The values each list filter offers (service, category, supplier), largest spend first for suppliers."""
    options = {}
    amount = q(dataset.roles["amount"]) if "amount" in dataset.roles else "1"
    for role in SPLIT_ROLES:
        if role in dataset.roles:
            rows = store.query_rows(
                con, f"""SELECT {label_sql(dataset.roles[role])} AS v FROM {q(dataset.table)} GROUP BY 1
                         ORDER BY {'sum(' + amount + ') DESC NULLS LAST, ' if role == 'supplier' else ''}1
                         LIMIT {MAX_OPTIONS}""")
            options[role] = [r[0] for r in rows]
    return options


PAYMENTS_SHOWN = 500


def payments(con, dataset: store.Dataset, filters: Filters, limit: int = PAYMENTS_SHOWN) -> pd.DataFrame:
    """The payments behind what the filters and drill-down keep, largest first (at most ``limit``; how many there are
    in all is the scan's). Columns are the dataset's own, with their headers."""
    where, params = build_where(filters, dataset.roles)
    amount = q(role_column(dataset.roles, "amount"))
    names = [c.name for c in dataset.columns if c.role != "total"]
    return store.query_df(con, f"""SELECT {', '.join(q(n) for n in names)} FROM {q(dataset.table)} {where}
                                   ORDER BY {amount} DESC NULLS LAST LIMIT {int(limit)}""", params)


def change_between(con, dataset: store.Dataset, filters: Filters, before: tuple[date, date],
                   after: tuple[date, date], by: str) -> ChangeDecomposition:
    """The change in net spend from period ``before`` to period ``after`` (each (first, last) day, inclusive), split
    by service, category or supplier into contributions that add up to the penny (the Demand page's decomposition,
    in pounds). The filters' own dates are ignored: the two periods replace them."""
    roles = dataset.roles
    date_col, amount, by_col = (q(role_column(roles, r)) for r in ("date", "amount", by))
    where, params = build_where(filters.without("date"), roles)
    bounds = [*periods.day_bounds(*before), *periods.day_bounds(*after)]
    in_either = f"(({date_col} >= ? AND {date_col} < ?) OR ({date_col} >= ? AND {date_col} < ?))"
    frame = store.query_df(
        con,
        f"""SELECT coalesce(CAST({by_col} AS VARCHAR), '{BLANK}') AS category,
                   coalesce(sum({amount}) FILTER (WHERE {date_col} >= ? AND {date_col} < ?), 0) AS before,
                   coalesce(sum({amount}) FILTER (WHERE {date_col} >= ? AND {date_col} < ?), 0) AS after
            FROM {q(dataset.table)} {and_where(where, f'{amount} IS NOT NULL AND {in_either}')} GROUP BY 1""",
        bounds + params + bounds)
    frame["before"], frame["after"] = frame["before"].round(2), frame["after"].round(2)
    return decompose_change(frame, by, money=True)


def undated_reason(con, dataset: store.Dataset) -> str:
    """Why a spending dataset has no usable payment dates, in a sentence: a column headed as a date whose values are
    all one time of day ('Paid Date': every value '00:00:00', as Oxford's 2014 file has), or no date column at all."""
    for column in dataset.columns:
        if column.type != "text" or "date" not in column.name.lower():
            continue
        rows = store.query_rows(con, f"""SELECT count({q(column.name)}), count(DISTINCT {q(column.name)}),
                                                min({q(column.name)}) FROM {q(dataset.table)}""")[0]
        filled, distinct, example = rows
        if filled and distinct == 1 and ":" in str(example) and len(str(example)) <= 8:
            return (f"'{dataset.name}' has no usable payment dates: all {filled:,} values of '{column.name}' are "
                    f"'{example}' (a time with no day).")
    return f"'{dataset.name}' has no usable payment dates: no column has the role 'Payment date'."
