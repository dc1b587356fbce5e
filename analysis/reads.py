"""What figures read besides their own dataset's table, each with the stamp that changes when it does.

A figure declares these in ``reads`` (:class:`analysis.registry.Read`); its cache key is derived from their stamps,
so a reclassification or a new lookup changes what every page, presentation mode and the pack show at once.
Settings a figure is drawn with (a target, a direction, the interventions) are read into its inputs instead, so the
key holds their values.
"""

from __future__ import annotations

from analysis import classification, lookups, store
from analysis.registry import Context, Read


def _lookup_stamp(purpose: str):
    def stamp(ctx: Context, dataset: store.Dataset):
        found = ctx.lookup(dataset, purpose).lookup
        return None if found is None else (found.name, found.version)
    return stamp


CLASSIFICATION = Read("classification", lambda ctx, ds: ctx.version(classification.classification_dataset_name(ds)))
"""The reason classification of the dataset (failure and value demand): its version."""

POPULATION = Read("population", _lookup_stamp(lookups.POPULATION))
"""The population lookup that applies to the dataset (chosen, or matched by names): its name and version."""
