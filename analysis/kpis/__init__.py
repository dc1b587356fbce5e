"""KPIs per period for the Performance page, from records (computed in DuckDB) or from KPI-series datasets.

``definitions`` (what each KPI is and how it is written), ``compute`` (records KPIs in DuckDB), ``cube`` (every KPI
for every series, stored once per version of the data), ``series`` (one KPI's series, its SPC per series and the
summary matrix), ``storage`` (directions, targets and trajectories kept in the store) and ``peers`` (comparison with
other organisations). Import the module you need: ``from analysis.kpis import series``.
"""
