"""Every count-based figure of the Demand page in one scan of the records.

One ``GROUP BY GROUPING SETS`` over the filtered rows replaces nine queries (each a full scan); each figure is then
built by the same ``*_frame`` function the single-figure version in :mod:`analysis.demand.figures` uses, so the two
give the same frames (tested).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis import classification, periods, store
from analysis.demand import figures
from analysis.filters import BLANK, Filters, and_where, build_where, role_column
from analysis.store import quote_identifier as q

@dataclass
class PageFigures:
    """The count-based figures of the Demand page for one set of filters, from one scan (:func:`page_figures`).

    Each field equals what the single-figure function returns for the same filters (tested).
    """

    total: int
    volume: pd.DataFrame  # volume_over_time(grain, split)
    pareto: figures.Pareto  # reason_pareto
    failure: dict[str | None, pd.DataFrame]  # failure_share by None, 'service', 'channel', 'period'
    day_hour: pd.DataFrame  # day_hour_counts
    month_year: pd.DataFrame  # month_year_counts
    rate: pd.DataFrame | None  # rate_per_thousand (None without a population lookup or an area role)


def page_figures(
    con,
    dataset: store.Dataset,
    filters: Filters,
    grain: str = "month",
    split: str | None = None,
    top_n: int = 8,
    classes: pd.DataFrame | None = None,
    coverage=None,
    population: store.Dataset | None = None,
) -> PageFigures:
    """Total, volume, figures.Pareto, failure shares, day × hour, month × year and area counts in one DuckDB scan.

    One ``GROUP BY GROUPING SETS`` over the filtered rows replaces nine queries (each a full scan of the records):
    on 10 million rows the page's rerun after a filter change is several times faster. The classification and
    the population are joined to the small grouped counts in pandas.
    """
    roles = dataset.roles
    date_col = role_column(roles, "date")
    reason_col = roles.get("reason")
    where, params = build_where(filters, roles)
    has = {r: r in roles for r in ("service", "reason", "channel", "area")}
    # Categories are grouped as stored and cast to text after grouping: an ENUM column groups on its small codes.
    raw = lambda role: q(roles[role]) if has[role] else "CAST(NULL AS VARCHAR)"
    split_sql = figures.label_sql(role_column(roles, split)) if split else "'All'"
    columns = {
        "period": periods.period_start_sql(q(date_col), grain), "split": split_sql, "service": raw("service"),
        "reason": raw("reason"), "channel": raw("channel"), "area": raw("area"),
        "day_number": f"isodow({q(date_col)})", "hour": f"hour({q(date_col)})",
        "year": f"year({q(date_col)})", "month_number": f"month({q(date_col)})",
    }
    # Each grouping set costs a pass over the grouped rows, so only the sets nothing else can be summed from:
    # volume without a split (or split by service or reason) is period x service x reason summed; the reasons are
    # channel x service x reason summed; months are the periods when the grain is a day or a month.
    sets = {"period_reasons": ("period", "service", "reason"), "day_hour": ("day_number", "hour")}
    sets["channel_reasons" if has["channel"] else "reasons"] = (
        ("channel", "service", "reason") if has["channel"] else ("service", "reason"))
    if split and split not in ("service", "reason"):
        sets["volume"] = ("period", "split")
    if grain not in ("day", "month"):
        sets["month_year"] = ("year", "month_number")
    if has["area"]:
        sets["areas"] = ("area",)
    names = [c for c in columns if any(c in cols for cols in sets.values())]
    columns = {c: columns[c] for c in names}
    grouping_sets = ", ".join("(" + ", ".join(cols) + ")" for cols in sets.values())
    as_text = lambda c: f"CAST({c} AS VARCHAR) AS {c}" if c in ("service", "reason", "channel", "area") else c
    frame = store.query_df(
        con,
        f"""SELECT grouping({', '.join(names)}) AS set_id, {', '.join(as_text(c) for c in names)}, count(*) AS count
            FROM (SELECT {', '.join(f'{sql} AS {name}' for name, sql in columns.items())}
                  FROM {q(dataset.table)} {and_where(where, f'{q(date_col)} IS NOT NULL')})
            GROUP BY GROUPING SETS ({grouping_sets})""",
        params,
    )
    bit = {name: 1 << (len(names) - 1 - i) for i, name in enumerate(names)}
    full = (1 << len(names)) - 1

    def part(set_name: str) -> pd.DataFrame:
        mask = full
        for col in sets[set_name]:
            mask &= ~bit[col]
        return frame.loc[frame["set_id"] == mask, [*sets[set_name], "count"]].reset_index(drop=True)

    def summed(counts: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        # dropna=False: a blank service or reason is a group of its own, as in SQL's GROUP BY.
        return counts.groupby(keys, as_index=False, dropna=False, sort=False)["count"].sum()

    by_period = part("period_reasons")
    reasons = summed(part("channel_reasons"), ["service", "reason"]) if has["channel"] else part("reasons")
    if "volume" in sets:
        volume_counts = part("volume")
    elif split:
        volume_counts = summed(by_period.assign(split=by_period[split].fillna(BLANK).astype(object)),
                               ["period", "split"])
    else:
        volume_counts = summed(by_period.assign(split=pd.Series("All", index=by_period.index, dtype=object)),
                               ["period", "split"])
    if "month_year" in sets:
        month_counts = part("month_year")
    else:
        days = pd.to_datetime(by_period["period"])
        month_counts = summed(by_period.assign(year=days.dt.year, month_number=days.dt.month),
                              ["year", "month_number"])
    span = figures.effective_span(con, dataset, filters, coverage)
    total = int(reasons["count"].sum())
    volume = figures.volume_frame(volume_counts, grain, bool(split), top_n, span)
    label = lambda s: s.fillna(BLANK).astype(object)
    pareto = figures.pareto_of(reasons.assign(reason=label(reasons["reason"])).groupby("reason", as_index=False)["count"]
                       .sum()) if reason_col else figures.pareto_of(pd.DataFrame({"reason": [], "count": []}))

    failure: dict[str | None, pd.DataFrame] = {}
    if reason_col:
        if classes is None:
            classes = classification.classification_frame(con, dataset)
        key = ["service", "reason"] if has["service"] else ["reason"]
        types = classes[key + ["demand_type"]].astype(object)

        def typed(counts: pd.DataFrame, group: pd.Series) -> pd.DataFrame:
            counts = counts.assign(group=group.to_numpy())
            merged = counts[key + ["group", "count"]].astype({k: object for k in key}).merge(types, on=key, how="left")
            kind = merged["demand_type"].where(merged["reason"].notna()).fillna(classification.UNCLASSIFIED)
            out = merged.assign(kind=kind).pivot_table(index="group", columns="kind", values="count", aggfunc="sum",
                                                       fill_value=0)
            for col in ("failure", "value", "unclassified"):
                if col not in out.columns:
                    out[col] = 0
            out = out[["failure", "value", "unclassified"]].reset_index()
            out.columns.name = None
            out["total"] = out[["failure", "value", "unclassified"]].sum(axis=1)
            return out

        failure[None] = figures.failure_frame(typed(reasons, pd.Series(["All"] * len(reasons))), None, grain, span)
        if has["service"]:
            failure["service"] = figures.failure_frame(typed(reasons, label(reasons["service"])), "service", grain, span)
        if has["channel"]:
            by_channel = part("channel_reasons")
            failure["channel"] = figures.failure_frame(typed(by_channel, label(by_channel["channel"])), "channel", grain,
                                                span)
        by_period = by_period.assign(period=pd.to_datetime(by_period["period"]))
        failure["period"] = figures.failure_frame(typed(by_period, by_period["period"]), "period", grain, span)
    day_hour = figures.day_hour_frame(part("day_hour"))
    month_year = figures.month_year_frame(month_counts, span)
    rate = None
    population = population if population is not None else (figures.find_population_lookup(con, dataset)
                                                             if has["area"] else None)
    if has["area"] and population is not None:
        areas = part("areas").dropna(subset=["area"])
        pop = store.query_df(
            con,
            f"""SELECT lower(trim(CAST({q(population.roles['area'])} AS VARCHAR))) AS key,
                       sum(CAST({q(population.roles['population'])} AS DOUBLE)) AS population
                FROM {q(population.table)} GROUP BY 1""",
        )
        areas["key"] = areas["area"].str.strip().str.lower()
        rate = figures.rate_frame(areas.merge(pop, on="key", how="left")[["area", "count", "population"]], span)
    return PageFigures(total, volume, pareto, failure, day_hour, month_year, rate)

