"""Stocktake's analysis layer: pure Python and DuckDB, never Streamlit.

store/ (the DuckDB file, SQL on it, the catalogue), load/ (files -> typed tables, step by step), roles (the kinds of
dataset and the roles of their columns), periods and filters (the one grammar every figure uses), registry (every
figure declared once), demand/, kpis/, spc/, savings/ (one package per page's analysis), forecast, charts/ (Altair
builders), workshop/ (sessions, presenting, the pack), governance/ (access and the audit trail), formatting (numbers
for people). The CLI is ``python -m analysis``; README's "How it is built" has the map.
"""
