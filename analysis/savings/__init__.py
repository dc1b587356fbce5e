"""Savings scenarios: what a change to demand, channels or handling time would save, from the service's own data.

``baseline`` (one aggregate query over a 12-month period: the only SQL on a lever's path, cached by the page),
``costs`` (unit costs and handling minutes per channel), ``model`` (the levers applied to the baseline: pure
arithmetic), ``sensitivity`` (each input moved a share either way), ``scenarios`` (scenarios kept in the store and
compared), ``page`` (the page's controls read into its view) and ``declared`` (its figures). Import the module you
need: ``from analysis.savings import model``.
"""
