"""A council's own spending: payments as a dataset kind, the Spend page, unit costs from the council's own data and
spend per contact as a KPI (issue 20).

vocabulary.py (the kind, its roles and the header words that suggest them; imports nothing from ``analysis``, so the
roles module can take it in), checks.py (what a load of payments reports or refuses), scan.py (the page's one
aggregate query and the frames its figures read), page.py (the page's controls -> SpendView), declared.py (its
figures), unit_costs.py and matching.py (spend per contact from a records and a spending dataset), kpi.py (spend per
contact as a KPI of the Performance page).
"""
