"""Altair chart builders: each takes a small, already aggregated frame and returns a chart.

One module per page's figures (``demand``, ``spc``, ``savings``, ``overview``; ``spc_icons`` for the Making Data
Count icons, drawn as SVG), ``common`` for what they share (colours, titles, number formats), so a chart looks the
same wherever it appears, and ``spec`` (the one way a chart becomes Vega-Lite). Builders never query or aggregate.
"""
