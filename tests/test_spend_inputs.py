"""The Spend figures' inputs (their cache keys) hold only the controls each figure reads: a change of grain is a
new key for spend over time alone, and of the bars before 'All other' for the three bar charts alone (issue 21: each
new key is a chart built again for every person in a room who changes the control)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from analysis import store
from analysis.filters import Filters
from analysis.registry import digest
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
