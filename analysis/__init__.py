"""Stocktake's analysis layer: pure Python and DuckDB, never Streamlit.

store (the DuckDB file and catalogue), ingest (files -> typed tables), periods and filters (the one grammar every
figure uses), demand/, kpis/, spc/, savings/ (packages split by concern), forecast, charts/ (Altair builders),
formatting (numbers for people). The CLI is ``python -m analysis``; README's "How it is built" has the map.
"""
