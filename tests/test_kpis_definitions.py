"""analysis.kpis.definitions: labels, units and KPI values written for people."""

from __future__ import annotations

from analysis.kpis import definitions

def test_format_kpi_value():
    assert definitions.format_kpi_value(12345.0, "count") == "12,345"
    assert definitions.format_kpi_value(0.412, "share") == "41.2%"
    assert definitions.format_kpi_value(4.26, "days") == "4.3 days"
    assert definitions.format_kpi_value(1234.0, "money") == "£1,234"
    assert definitions.format_kpi_value(2.834, "money") == "£2.83"
    assert definitions.format_kpi_value(87.0, "percent_points") == "87.0%"
    assert definitions.format_kpi_value(float("nan"), "count") == "–"


def test_a_kpi_series_of_many_areas_says_its_chart_is_their_average():
    from analysis import store
    from analysis.kpis.definitions import series_scope, series_title

    councils = store.Dataset("oflog", "kpi", "ds_oflog", None, None, 10, 1, (
        store.Column("period", "date", "period", "year"), store.Column("Council", "text", "area", None),
        store.Column("Value", "number", "value", None)))
    assert series_title("Carer quality of life", councils) == "Carer quality of life: average of every area's value"
    assert series_title("Carer quality of life", councils, area="Darlington") == "Carer quality of life: Darlington"
    records = store.Dataset("calls", "records", "ds_calls", None, None, 10, 1, (
        store.Column("date", "date", "date", None), store.Column("Ward", "text", "area", None)))
    assert series_scope(records) == "all services"
    assert series_scope(records, "Housing repairs", "North") == "Housing repairs, North"
