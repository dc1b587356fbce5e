"""What works: changes a service made, recorded as first-class records, measured the Making Data Count way, and
shared as practice cards.

- :mod:`analysis.changes.records`: a change (title, dates, service and area, the figures it was meant to move and
  which way, owner, description, the Workshop action it came from), kept in the store;
- :mod:`analysis.changes.targets`: the figures a change can target (a KPI, or a Demand count) and their monthly series;
- :mod:`analysis.changes.effect`: the segment after a change against the one before, read with the SPC rules of
  :mod:`analysis.spc.rules`, and the verdict in words;
- :mod:`analysis.changes.measure`: every change measured, with services without the change as controls, and its effect
  in contacts and pounds a year where the Savings page's unit costs apply;
- :mod:`analysis.changes.cards`: a practice card (one self-contained HTML file with its JSON inside), checked on
  export and import; :mod:`analysis.changes.network`: imported cards beside your own baseline;
- :mod:`analysis.changes.declared`: the What works page and its figures.
"""
