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
