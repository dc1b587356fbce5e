"""Demand drivers: what drives demand in a records dataset, how much of it is failure demand, and how it changes.

``figures`` (volume, top reasons, failure and value demand, seasonality, rates per resident), ``scan`` (all of those
in one scan, for the page), ``repeats`` (the one definition of a repeat contact) and ``change`` (what changed
between two periods). Import the module you need: ``from analysis.demand import figures``.
"""
