"""The Workshop: what a room does with the figures in a stocktake session.

``sessions`` (sessions and their agendas of saved views: a page, a figure, every control's value), ``notes`` and
``actions`` (the room's notes and actions, against the session or one of its figures), ``removal`` (deleting a
session with everything in it, or one agenda item), ``presentation`` (a chart redrawn for the back of the room),
``chart_export`` (a chart as PNG or SVG) and ``pack`` (the session as one self-contained HTML file). Every change
records itself in the audit trail, in its own transaction.
"""
