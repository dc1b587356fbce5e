"""Cost per outcome as a KPI: "Spend per contact" (and "Spend per case closed", where the records have a closed date)
on the Performance page of a records dataset that has spending paired with it (:mod:`analysis.spend.matching`), and
the unit costs worked out once per pair for the Spend page, the Performance page and the Savings page.

The KPI is a series by month like any other (SPC, target, direction: lower is better, assurance); coarser grains add
up the months' spend and contacts before dividing; days and weeks are not offered (spending is monthly).
"""

from __future__ import annotations

import pandas as pd

from analysis import periods, store
from analysis.filters import Filters
from analysis.kpis.definitions import SPEND_KPIS, KpiOption
from analysis.registry import Context, NotShown
from analysis.spend import matching, scan, unit_costs

MONTHLY_GRAINS = ("month", "quarter", "financial_year", "year")


def costs_for(ctx: Context, records: store.Dataset, spend: store.Dataset, mapping: tuple,
              filters: Filters = Filters()) -> unit_costs.UnitCosts:
    """The unit costs of a pair, worked out once per version of both datasets, mapping and spending filters."""
    found = ctx.shared(scan.spend_scan, spend, filters, scan.page_sets(spend), spinner="Adding up the payments…")
    contacts = ctx.shared(unit_costs.monthly_contacts, records, spinner="Counting contacts by service and month…")
    # The monthly sums (from the Spend page's own scan: one pass for both) only when the unit costs are worked out:
    # a pandas group-by on every rerun of the Savings page was a tenth of its CPU.
    return ctx.derived("spend unit costs", spend, (records.name, records.version, mapping, filters),
                       lambda: unit_costs.work_out(unit_costs.monthly_spend(found), contacts,
                                                   unit_costs.matched_of(mapping)))


def paired_costs(ctx: Context, records: store.Dataset) -> tuple[matching.Pair, unit_costs.UnitCosts] | None:
    """The spending paired with a records dataset and its unit costs (None when no spending is paired)."""
    pair = matching.pair_for(ctx, records)
    if pair is None:
        return None
    return pair, costs_for(ctx, records, ctx.dataset(pair.spend), pair.mapping)


def pair_stamp(ctx: Context, records: store.Dataset) -> tuple | None:
    """What the spend KPIs of a records dataset are worked out from (its pair's spending, version and mapping): part
    of their figures' inputs, so a new spending load or a mapping edit is a new cache key."""
    return matching.SPENDING_READ.stamp(ctx, records)


def kpi_options(ctx: Context, records: store.Dataset) -> list[KpiOption]:
    """The spend KPIs the Performance page offers for a records dataset: none without paired spending."""
    if records.kind != "records" or matching.pair_for(ctx, records) is None:
        return []
    keys = ["spend_per_contact"] + (["spend_per_closed"] if "closed_date" in records.roles else [])
    return [KpiOption(k, SPEND_KPIS[k].label, SPEND_KPIS[k].unit, SPEND_KPIS[k].improvement, None) for k in keys]


def kpi_series(ctx: Context, records: store.Dataset, kpi: str, grain: str, split: str | None,
               filters: Filters) -> pd.DataFrame:
    """A spend KPI's series as ``analysis.kpis.series.kpi_series`` gives any other: series, period, value, target, n.
    Only the service filter applies (spending has no area or channel)."""
    found = paired_costs(ctx, records)
    if found is None:
        raise NotShown(f"'{records.name}' has no spending paired with it: pair one on the Spend page.")
    if grain not in MONTHLY_GRAINS:
        raise NotShown(f"{SPEND_KPIS[kpi].label} is worked out by month (spending is published monthly): choose "
                       "months, quarters or years.")
    if split not in (None, "service") or filters.areas or filters.channels:
        raise NotShown(f"{SPEND_KPIS[kpi].label} is known by service only: spending has no area or channel.")
    pair, costs = found
    if not costs.common:
        raise NotShown(costs.sentence())
    rows = costs.by_month.copy()
    if grain != "month":
        rows["month"] = [periods.period_start(m, grain) for m in rows["month"]]
        rows = rows.groupby(["month", "service"], as_index=False)[["spend", "contacts", "closed"]].sum(min_count=1)
    shaped = unit_costs.UnitCosts(costs.by_service, rows, costs.common, costs.spend_only, costs.records_only)
    return unit_costs.kpi_frame(shaped, kpi, split, filters.services)


def is_spend_kpi(kpi: str) -> bool:
    return kpi in SPEND_KPIS
