"""Altair chart builders: each takes a small, already aggregated frame and returns a chart.

One module per page's figures (``demand``, ``spc``, ``savings``) and ``common`` for what they share (colours,
titles, number formats), so a chart looks the same wherever it appears. Builders never query or aggregate.
"""
