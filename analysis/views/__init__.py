"""Saved views drawn again outside their pages: the figure a room saw, its filters in words and its reading.

``catalogue`` (what each Explore page can save: its figures, the keys of its controls, the links they make, the
titles to start from, and the :class:`~analysis.views.catalogue.Figure` a view becomes), ``drawing`` (a saved view
-> its figure) and one module per page: ``demand``, ``performance``, ``savings``. Import the module you need:
``from analysis.views import drawing``.
"""
