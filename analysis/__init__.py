"""Stocktake's analysis layer: pure Python and DuckDB, never Streamlit.

Modules: store (the DuckDB file and catalogue), ingest (files -> typed tables), demand, kpis, spc, forecast, savings,
charts (Altair builders), formatting (numbers for people). The CLI is ``python -m analysis``.
"""
