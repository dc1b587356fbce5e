"""Every figure of the Spend page, declared once (see :mod:`analysis.registry`): spend over time with credits apart,
monthly spend as an SPC chart, spend by service, category and supplier, supplier concentration, what drove a change
between two periods, and spend per contact by service (unit costs from the council's own data).

The sums come from one scan (:func:`analysis.spend.scan.spend_scan`) shared by every figure that reads the page's
filters; a chart that drills keeps every bar by leaving out its own chips, and so reads a scan of its own only while
such a chip is on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from analysis import periods, store
from analysis.charts import spend as charts
from analysis.charts.templates import spc_template
from analysis.charts.demand import build_change_waterfall
from analysis.demand.change import waterfall_frame
from analysis.filters import Filters
from analysis.formatting import format_count, format_money, format_percent
from analysis.kpis import explained as spc_explained
from analysis.registry import Context, Drill, Figure, NotShown, register
from analysis.spc import reading, xmr
from analysis.spend import kpi, matching, scan, unit_costs
from analysis.spend.page import (CHANGE_BY, CHANGE_BY_KEY, CHANGE_PERIOD_KEYS, GRAIN_LABELS, PAGE, RECORDS_KEY,
                                 SpendView, default_change_periods)
from analysis.state import day, value

HOW_SUMS = ("Payments are added up as the file gives them: credits (refunds, corrections, written as negative "
            "amounts) are taken off and shown apart. Net spend = payments − credits. A payment without a usable "
            "date counts in every total but in no month.")


@dataclass(frozen=True)
class Scanned:
    """A figure that reads the page's scan: its filters and the scan's sets (the rest of its cache key)."""

    filters: Filters
    sets: tuple[str, ...]
    grain: str = "month"
    top_n: int = 10
    role: str = ""


def _scanned(role: str = "", *, grain: bool = False, top_n: bool = False):
    """Inputs holding only the controls the figure reads (its cache key): a change of grain is a new key for spend
    over time alone, and of the bars before 'All other' for the three bar charts alone, not for all six figures
    (each a chart built again, for every person in a room who changes either)."""
    def inputs(ctx, ds, view: SpendView, state) -> Scanned:
        return Scanned(view.filters_for(role or None), scan.page_sets(ds), view.grain if grain else "month",
                       view.top_n if top_n else 10, role)
    return inputs


def _scan(ctx: Context, ds: store.Dataset, p: Scanned) -> scan.Scan:
    return ctx.shared(scan.spend_scan, ds, p.filters, p.sets, spinner="Adding up the payments…")


def no_dates_sentence(ctx: Context, ds: store.Dataset) -> str:
    """What a dataset without usable payment dates can and cannot show, said plainly."""
    return (ctx.shared(scan.undated_reason, ds) + " Spend cannot be shown by month or compared between periods; "
            "the totals by service, category and supplier are shown. To see spend over time, load a file whose "
            "payments have their dates, or give a column of dates the role 'Payment date' on the Data page.")


# ---- spend over time ----------------------------------------------------------------------------------------------

def _over_time(ctx: Context, ds: store.Dataset, p: Scanned) -> tuple[pd.DataFrame, dict]:
    found = _scan(ctx, ds, p)
    if "month" not in p.sets:
        raise NotShown(no_dates_sentence(ctx, ds))
    frame = scan.by_period(found, p.grain)
    if frame.empty:
        raise NotShown("No dated payments match these filters.")
    return frame, found.total


def totals_headline(total: dict) -> list[tuple[str, str]]:
    return [("Net spend", format_money(total["net"])),
            (f"Payments ({format_count(total['payments'])})", format_money(total["paid"])),
            (f"Credits ({format_count(total['credit_rows'])})", format_money(total["credits"]))]


def _over_time_reading(result, p: Scanned) -> str:
    frame, total = result
    top = frame.loc[frame["net"].idxmax()]
    credits = (f" and {format_money(total['credits'])} in {format_count(total['credit_rows'])} credit"
               f"{'s' if total['credit_rows'] != 1 else ''}, shown apart" if total["credit_rows"] else ", no credits")
    return (f"Net spend {format_money(total['net'])}: {format_money(total['paid'])} in "
            f"{format_count(total['payments'])} payments{credits}. The largest {GRAIN_LABELS[p.grain].lower()} was "
            f"{periods.period_words(top['period'], p.grain)} ({format_money(top['net'])}).")


OVER_TIME = register(Figure(
    PAGE, "over_time", "Spend over time", _scanned(grain=True), _over_time,
    chart=lambda result, p: charts.build_spend_by_period_chart(result[0], GRAIN_LABELS[p.grain]),
    table=lambda result: result[0],
    columns={"label": "Period", "net": "Net spend (£)", "paid": "Payments (£)", "credits": "Credits (£)",
             "payments": "Payments", "credit_rows": "Credits"},
    reading=_over_time_reading, headline=lambda result, p: totals_headline(result[1]), how=HOW_SUMS,
    needs=("amount",)))


# ---- monthly spend as an SPC chart --------------------------------------------------------------------------------

def _spc(ctx: Context, ds: store.Dataset, p: Scanned) -> pd.DataFrame:
    found = _scan(ctx, ds, p)
    if "month" not in p.sets:
        raise NotShown(no_dates_sentence(ctx, ds))
    months = scan.by_period(found, "month")
    if len(months) < 2:
        raise NotShown(f"Spend is in {len(months)} month{'s' if len(months) != 1 else ''} only: an SPC chart needs "
                       "at least 2 (12 or more to read it with confidence).")
    # Spend has no better direction: a shift either way is a special cause to explain, not good or bad news.
    return xmr.xmr(months["net"].to_numpy(dtype=float), dates=months["period"], improvement="neutral")


def _money(value) -> str:
    return format_money(value)


def _spc_headline(frame: pd.DataFrame, p: Scanned) -> list[tuple[str, str]]:
    s = reading.summarise(frame, "neutral")
    return [(f"Latest ({periods.period_label(s.latest_date, 'month')})", format_money(s.latest_value)),
            ("Mean", format_money(s.mean)), ("Lower limit", "–" if s.lpl is None else format_money(s.lpl)),
            ("Upper limit", "–" if s.upl is None else format_money(s.upl))]


SPC = register(Figure(
    PAGE, "spc", "Monthly spend: is it changing?", _scanned(), _spc,
    chart=lambda frame, p: spc_template(
        frame, title="Net spend by month (SPC)", unit="money", y_title="Net spend (£)", grain="month",
        subtitle="Neither direction is better: a signal either way is a change to explain"),
    columns=spc_explained.SPC_COLUMNS,
    reading=lambda frame, p: reading.reading(frame, "neutral", _money, "month"), headline=_spc_headline,
    how=lambda frame, p: spc_explained.how_to_read(frame.attrs["trend_points"], frame.attrs["shift_points"]),
    how_title="How to read this chart", needs=("amount",)))


# ---- by service, category and supplier ----------------------------------------------------------------------------

def _by(ctx: Context, ds: store.Dataset, p: Scanned) -> tuple[pd.DataFrame, float]:
    found = _scan(ctx, ds, p)
    frame = scan.by_role(found, p.role, p.top_n)
    if frame.empty:
        raise NotShown("No payments match these filters.")
    return frame, found.total["net"]


def _by_reading(result, p: Scanned) -> str:
    frame, total = result
    top = frame.iloc[0]
    share = f" ({format_percent(top['share'])} of {format_money(total)})" if pd.notna(top["share"]) else ""
    return f"{top['value']} had the most spend: {format_money(top['net'])}{share}."


def _by_figure(role: str, title: str, label: str) -> Figure:
    return register(Figure(
        PAGE, f"by_{role}", title, _scanned(role, top_n=True), _by,
        chart=lambda result, p: charts.build_spend_bars(result[0], label, f"spend_{role}_pick",
                                                        f"{title}: the top {p.top_n}", total=result[1]),
        table=lambda result: result[0],
        columns={"value": label, "net": "Net spend (£)", "paid": "Payments (£)", "credits": "Credits (£)",
                 "payments": "Payments", "credit_rows": "Credits", "share": "Share of the total",
                 "members": "How many (All other)"},
        reading=_by_reading,
        headline=lambda result, p: [(f"Largest {label.lower()}", str(result[0]["value"].iloc[0])),
                                    ("Its spend", format_money(result[0]["net"].iloc[0]))],
        how=HOW_SUMS + f" The {label.lower()}s with the most net spend are shown; 'All other' adds up the rest.",
        needs=(role, "amount"), drill=Drill(role, f"spend_{role}_pick")))


BY_SERVICE = _by_figure("service", "Spend by service", "Service")
BY_CATEGORY = _by_figure("category", "Spend by expenditure category", "Category")
BY_SUPPLIER = _by_figure("supplier", "Spend by supplier", "Supplier")


# ---- supplier concentration ---------------------------------------------------------------------------------------

def _concentration(ctx: Context, ds: store.Dataset, p: Scanned) -> scan.Concentration:
    found = scan.concentration(_scan(ctx, ds, p))
    if not found.suppliers:
        raise NotShown("No supplier was paid more than it refunded under these filters.")
    return found


def _concentration_reading(c: scan.Concentration, p: Scanned) -> str:
    top = min(c.top_n, c.suppliers)
    return (f"The top {top} suppliers received {format_percent(c.top_share)} of the spend; {format_count(c.core)} of "
            f"{format_count(c.suppliers)} suppliers make 80% of it.")


CONCENTRATION = register(Figure(
    PAGE, "concentration", "Supplier concentration", _scanned(), _concentration,
    chart=lambda c, p: charts.build_concentration_chart(c.curve, c.top_n, c.top_share, c.core),
    table=lambda c: c.curve,
    columns={"rank": "Rank", "supplier": "Supplier", "net": "Net spend (£)", "cumulative": "Cumulative (£)",
             "cumulative_share": "Cumulative share"},
    reading=_concentration_reading,
    headline=lambda c, p: [(f"Top {min(c.top_n, c.suppliers)} suppliers' share", format_percent(c.top_share)),
                           ("Suppliers making 80% of spend", f"{format_count(c.core)} of {format_count(c.suppliers)}")],
    how="Suppliers are ranked by net spend, largest first (those refunded more than they were paid are left out); "
        "the line adds up their share of the spend. The fewer suppliers it takes to reach 80%, the more the "
        "council depends on a few of them.",
    needs=("supplier", "amount")))


# ---- what drove a change between two periods ----------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    filters: Filters  # without dates: the two periods replace them
    first: tuple[date, date]
    second: tuple[date, date]
    by: str
    labels: tuple[str, str]


def change_options(ds: store.Dataset) -> list[str]:
    return [r for r in CHANGE_BY if r in ds.roles]


def _period_words(period: tuple[date, date]) -> str:
    return periods.describe_span(*period)


def _change_inputs(ctx, ds, view: SpendView, state) -> Change:
    if not view.dated:  # nothing to compare: the figure says why (the inputs are only its cache key)
        return Change(view.filters, (date.min, date.min), (date.min, date.min), "service", ("", ""))
    first, second = default_change_periods(*view.coverage)
    chosen = [day(state.get(k)) for k in CHANGE_PERIOD_KEYS]
    a = (chosen[0] or first[0], chosen[1] or first[1])
    b = (chosen[2] or second[0], chosen[3] or second[1])
    options = change_options(ds) or ["service"]
    by = value(state, CHANGE_BY_KEY, options[0])
    return Change(view.filters.without("date"), a, b, by if by in options else options[0],
                  (_period_words(a), _period_words(b)))


def _change(ctx: Context, ds: store.Dataset, p: Change):
    if p.first[0] == date.min:
        raise NotShown(no_dates_sentence(ctx, ds))
    found = ctx.shared(scan.change_between, ds, p.filters, p.first, p.second, p.by)
    if found.before_total == 0 and found.after_total == 0:
        raise NotShown("No payments in either period under these filters.")
    return found, waterfall_frame(found, top_n=10, before_label=p.labels[0], after_label=p.labels[1])


def _change_reading(result, p: Change) -> str:
    found, _ = result
    moved = found.after_total - found.before_total
    word = "rose" if moved > 0 else "fell" if moved < 0 else "stayed"
    relative = f", {moved / found.before_total:+.1%}" if found.before_total > 0 else ""
    sentence = (f"Net spend {word} from {format_money(found.before_total)} in {p.labels[0]} to "
                f"{format_money(found.after_total)} in {p.labels[1]} ({'+' if moved >= 0 else '-'}"
                f"{format_money(abs(moved))}{relative})")
    if len(found.contributions) and moved:
        top = found.contributions.iloc[0]
        sentence += (f"; the largest change is in the {CHANGE_BY[p.by].lower()} {top['category']} "
                     f"({'+' if top['change'] >= 0 else '-'}{format_money(abs(top['change']))})")
    return sentence + "."


CHANGE = register(Figure(
    PAGE, "change", "What drove the change in spend", _change_inputs, _change,
    chart=lambda result, p: build_change_waterfall(result[1], CHANGE_BY[p.by], measure="Spend (£)", money=True,
                                                   title="What drove the change in spend between the two periods"),
    table=lambda result: result[0].contributions,
    columns=lambda p: {"category": CHANGE_BY[p.by], "before": f"{p.labels[0]} (£)", "after": f"{p.labels[1]} (£)",
                       "change": "Change (£)", "share_of_change": "Share of the change"},
    reading=_change_reading,
    headline=lambda result, p: [("First period", format_money(result[0].before_total)),
                                ("Second period", format_money(result[0].after_total)),
                                ("Change", format_money(result[0].after_total - result[0].before_total))],
    how="Each bar is one service's (category's, supplier's) own change in net spend between the two periods; the "
        "bars add up to the total change to the penny. The ten largest are shown, the rest summed as 'All other'.",
    needs=("date", "amount"), spinner="Comparing the two periods…"))


# ---- spend per contact, by service (unit costs from the council's own data) ---------------------------------------

@dataclass(frozen=True)
class Unit:
    records: tuple[str, int] | None  # the records dataset paired (name, version); None: there is none to pair
    mapping: tuple  # the services matched (analysis.spend.matching.Pair.mapping)
    filters: Filters


def chosen_records(ctx: Context, ds: store.Dataset, state) -> store.Dataset | None:
    """The records dataset the unit costs are worked out with: the page's choice, else the one paired with this
    spending (chosen for it, or whose services it matches best)."""
    options = matching.records_for(ctx, ds)
    name = value(state, RECORDS_KEY)
    if name:
        return next((d for d in options if d.name == name), None)
    return options[0] if options else None


def _unit_inputs(ctx: Context, ds: store.Dataset, view: SpendView, state) -> Unit:
    records = chosen_records(ctx, ds, state)
    if records is None:
        return Unit(None, (), view.filters)
    pair = matching.pair_for(ctx, records, ds.name)
    return Unit((records.name, records.version), pair.mapping if pair else (), view.filters)


def _unit_costs(ctx: Context, ds: store.Dataset, p: Unit) -> unit_costs.UnitCosts:
    if p.records is None:
        raise NotShown("To work out spend per contact, load the contact records of the same services (a records "
                       "dataset with dates and services) and choose it here.")
    costs = kpi.costs_for(ctx, ctx.dataset(p.records[0]), ds, p.mapping, p.filters)
    if not unit_costs.matched_of(p.mapping):
        raise NotShown(f"No service of '{ds.name}' is matched to one of '{p.records[0]}': match them in the table "
                       "below.")
    if not costs.common or costs.by_service["unit_cost"].notna().sum() == 0:
        raise NotShown(costs.sentence())
    return costs


def _unit_reading(costs: unit_costs.UnitCosts, p: Unit) -> str:
    top = costs.by_service.dropna(subset=["unit_cost"]).iloc[0]
    return (f"{top['service']} costs the most per contact: {format_money(top['unit_cost'], 2)} "
            f"({format_money(top['spend'])} for {format_count(top['contacts'])} contacts). {costs.sentence()}")


def _unit_headline(costs: unit_costs.UnitCosts, p: Unit) -> list[tuple[str, str]]:
    priced = costs.by_service.dropna(subset=["unit_cost"])
    overall = priced["spend"].sum() / priced["contacts"].sum() if priced["contacts"].sum() else float("nan")
    return [("Months in common", format_count(len(costs.common))),
            ("Spend per contact, matched services", format_money(overall, 2)),
            ("Services priced", format_count(len(priced)))]


UNIT_COSTS = register(Figure(
    PAGE, "unit_costs", "Spend per contact, by service", _unit_inputs, _unit_costs,
    chart=lambda costs, p: charts.build_unit_cost_chart(
        costs.by_service, title=f"Spend per contact, by service: with '{p.records[0]}'"),
    table=lambda costs: costs.by_service,
    columns={"service": "Service (records)", "spend_service": "Service (spending)", "spend": "Spend (£)",
             "contacts": "Contacts", "closed": "Cases closed", "unit_cost": "Spend per contact (£)"},
    reading=_unit_reading, headline=_unit_headline,
    how="For each service, the net spend of the spending services matched to it, over the months both datasets "
        "cover, divided by the contacts received in those months. Only whole months of records count. The "
        "ledger's spend on a service pays for more than answering its contacts, so each figure is an upper bound "
        "of the cost of a contact.",
    needs=("date", "amount", "service"), spinner="Working out spend per contact…"))
