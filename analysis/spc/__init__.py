"""Statistical process control: XmR charts read the way NHS England's "Making Data Count" reads them.

``rules`` (the constants and the special-cause rules, each one flag per point), ``xmr`` (the chart as a chain of
small steps, after NHSRplotthedots) and ``reading`` (the two MDC icons' meanings and one sentence for a manager).
Import the module you need: ``from analysis.spc import reading, xmr``.
"""
