"""A figure's inputs (its cache key) hold only the controls it reads (issue 21: each new key is a chart worked out and
built again, for every person in a room who changes the control). Spend: a change of grain is a new key for spend
over time alone, of the bars before 'All other' for the three bar charts alone. Demand: a change of grain for the
figures that show periods only. Savings: the years projected, the ramp-up and the one-off cost are not a new key for
the tornado (the annual saving at full effect)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from types import SimpleNamespace

from analysis import store
from analysis.demand import declared as demand
from analysis.demand.page import DemandView
from analysis.filters import Filters
from analysis.registry import digest
from analysis.savings import declared as savings
from analysis.savings.model import Levers
from analysis.spend import declared
from analysis.spend.page import SpendView

SCANNED = [declared.OVER_TIME, declared.SPC, declared.BY_SERVICE, declared.BY_CATEGORY, declared.BY_SUPPLIER,
           declared.CONCENTRATION]


def _keys(ds, view) -> dict[str, str]:
    return {f.key: digest(f.inputs(None, ds, view, {})) for f in SCANNED}


def _changed(ds, before: SpendView, after: SpendView) -> set[str]:
    a, b = _keys(ds, before), _keys(ds, after)
    return {k for k in a if a[k] != b[k]}


def test_each_control_is_a_new_key_only_for_the_figures_that_read_it(demo_store):
    con = store.open_store(demo_store)
    try:
        ds = store.get_dataset(con, "demo_payments")
    finally:
        con.close()
    view = SpendView(ds, (date(2022, 4, 5), date(2025, 9, 30)), Filters(), (), "month", 10)
    assert _changed(ds, view, replace(view, top_n=20)) == {"by_service", "by_category", "by_supplier"}
    assert _changed(ds, view, replace(view, grain="financial_year")) == {"over_time"}
    narrowed = replace(view, bar=Filters(services=("Parking Services",)))
    assert _changed(ds, view, narrowed) == {f.key for f in SCANNED}
    # What each figure draws still follows its control.
    assert declared.OVER_TIME.inputs(None, ds, replace(view, grain="financial_year"), {}).grain == "financial_year"
    assert declared.BY_SUPPLIER.inputs(None, ds, replace(view, top_n=20), {}).top_n == 20


def test_the_demand_pages_grain_is_a_new_key_only_for_the_figures_that_show_periods():
    view = DemandView(None, (date(2023, 1, 1), date(2025, 6, 30)), Filters(), (), "month")
    counted = [demand.PARETO, demand.FAILURE_SERVICE, demand.FAILURE_CHANNEL, demand.FAILURE_TREND, demand.DAY_HOUR,
               demand.SEASONALITY, demand.RATE]
    key = lambda f, v: digest(f.inputs(None, None, v, {}))  # noqa: E731
    weekly = replace(view, grain="week")
    assert {f.key for f in counted if key(f, view) != key(f, weekly)} == {"failure_trend"}
    assert demand.FAILURE_TREND.inputs(None, None, weekly, {}).grain == "week"
    narrowed = replace(view, bar=Filters(services=("Housing Repairs",)))
    assert all(key(f, view) != key(f, narrowed) for f in counted)


def test_the_years_projected_are_not_a_new_key_for_the_tornado():
    view = SimpleNamespace(start=date(2024, 4, 1), end=date(2025, 4, 1), levers=Levers(failure_pct=20.0))
    key = lambda v: digest(savings.SENSITIVITY.inputs(None, None, v, {}))  # noqa: E731
    later = SimpleNamespace(**{**vars(view), "levers": replace(view.levers, years=5, ramp_up=(100.0,),
                                                                 one_off_cost=50_000.0)})
    assert key(view) == key(later)
    moved = SimpleNamespace(**{**vars(view), "levers": replace(view.levers, failure_pct=25.0)})
    assert key(view) != key(moved)
    assert savings.SENSITIVITY.inputs(None, None, moved, {}).levers.failure_pct == 25.0


def test_a_scan_at_another_grain_holds_the_periods_only():
    """At a grain other than the month, only the figures showing periods read the page's scan (the others read the
    month's): it groups the periods alone, not the five sets of the month's scan."""
    asked = []
    ctx = SimpleNamespace(shared=lambda fn, ds, *args, **kw: asked.append(args))
    for grain in ("week", "day", "quarter"):
        demand.page_counts(ctx, None, Filters(), grain)
    assert [a[-1] for a in asked] == [demand.PERIOD_SETS] * 3 and demand.PERIOD_SETS == ("period_reasons",)
