"""The Performance trends page as its figures see it: its controls' keys, and their values read into a
:class:`PerformanceView`.

The page draws its controls (the sidebar's chart settings, the KPI and series pickers, the direction) and reads the
view with :func:`read_view` from ``st.session_state``; a saved view is read by the same function from the values it
kept. The stored settings a figure is drawn with (directions, targets, interventions) are read here once per run and
carried in the view, so they are part of each figure's inputs (and so of its cache key).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import pandas as pd

from analysis import interventions, periods, store
from analysis.demand import figures
from analysis.errors import StocktakeError
from analysis.filters import Filters
from analysis.kpis import cube, definitions, storage
from analysis.kpis.explained import DIRECTION_LABELS, RULE_LABELS
from analysis.reads import CLASSIFICATION
from analysis.registry import Context, Page
from analysis.spend import kpi as spend_kpi
from analysis.state import url_params, value

PAGE_KEY = "performance-trends"
PREFIX = "pf_"
# Every control's key, written once: the page's widgets are drawn under them and the figures read them back.
KPI_KEY, GRAIN_KEY, DAYS_KEY, RULES_KEY, NEAR_KEY = "pf_kpi", "pf_grain", "pf_days", "pf_rules", "pf_near"
DIRECTION_KEY, TARGET_KEY = "pf_dir", "pf_target"  # which way is better, and the target, for the KPI chosen
SERIES_KEYS = {"service": "pf_service", "area": "pf_area", "channel": "pf_channel"}  # role -> the series chosen
REBASE_KEY, REBASE_DATE_KEY, WORKING_DAYS_KEY = "pf_rebase", "pf_rebase_date", "pf_working_days"
SMALL_MULTIPLES_BY_KEY = "pf_sm_by"
# The peer comparison: the benchmark dataset, its measure, your organisation in it, and which way is better.
BENCHMARK_KEY, BENCHMARK_MEASURE_KEY = "pf_bm", "pf_bm_measure"
BENCHMARK_OWN_KEY, BENCHMARK_DIRECTION_KEY = "pf_bm_own", "pf_bm_dir"
ALL = definitions.ALL


@dataclass(frozen=True)
class KpiChoices:
    """The KPIs a dataset offers and the values of each split (service, area, channel) it has."""

    options: tuple[definitions.KpiOption, ...]
    split_values: dict[str, list[str]]


def kpi_choices(con, dataset: store.Dataset, within_days: int) -> KpiChoices:
    options = definitions.available_kpis(con, dataset, within_days)
    values = {role: cube.split_values(con, dataset, role) for role in ("service", "area", "channel")
              if role in dataset.roles}
    return KpiChoices(tuple(options), values)


def default_grain(con, dataset: store.Dataset) -> str:
    """The grain a dataset's charts start at: a KPI series' own; for records, months unless the data are too short
    for 13 of them (then the grain that gives an SPC chart enough points)."""
    if dataset.kind != "records":
        return definitions.dataset_grain(dataset, con)
    if "date" not in dataset.roles:  # no usable dates (a payments file of '00:00:00'): each KPI says what it needs
        return definitions.DEFAULT_GRAIN
    first, last = figures.data_coverage(con, dataset)
    return periods.default_grain(first, last, definitions.DEFAULT_GRAIN)


@dataclass(frozen=True)
class PerformanceView:
    """What every figure of the page starts from: the chart settings, the KPI and series chosen, and what is stored
    for them (direction, targets)."""

    dataset: store.Dataset
    grain: str
    within_days: int
    rules: str
    show_near: bool
    option: definitions.KpiOption
    service: str
    area: str
    channel: str
    improvement: str
    directions: tuple  # ((kpi, direction), …) as stored
    targets: tuple  # (((kpi, series), target), …) as stored
    split_values: Mapping[str, list[str]]

    @property
    def kpi(self) -> str:
        return self.option.key

    @property
    def filters(self) -> Filters:
        return Filters.for_roles({role: None if chosen == ALL else chosen for role, chosen in
                                  (("service", self.service), ("area", self.area), ("channel", self.channel))})

    @property
    def series_name(self) -> str:
        return self.service if self.service != ALL else ALL

    @property
    def stored_target(self) -> float | None:
        return storage.target_for(dict(self.targets), self.kpi, self.series_name)

    @property
    def title(self) -> str:
        return definitions.series_title(self.option.label, self.dataset, self.service, self.area, self.channel)

    def words(self) -> str:
        return ", ".join(filter(None, [
            self.option.label, definitions.series_scope(self.dataset, self.service, self.area, self.channel),
            f"by {periods.GRAIN_LABELS[self.grain].lower()}"]))


def settings(ctx: Context, dataset: store.Dataset) -> tuple[dict, dict]:
    """The dataset's stored directions and targets, read once per run."""
    return ctx.once(("kpi settings", str(store.default_db_path()), dataset.name),
                    lambda: storage.kpi_settings(ctx.con, dataset.name))


def notes(ctx: Context, dataset: store.Dataset, service: str) -> pd.DataFrame:
    """The interventions drawn on a service's charts (every service's with ``ALL``), read once per run."""
    return ctx.once(("interventions", str(store.default_db_path()), dataset.name, service),
                    lambda: interventions.list_interventions(ctx.con, dataset.name, None if service == ALL else service))


def read_view(ctx: Context, ds: store.Dataset, state: Mapping[str, Any]) -> PerformanceView:
    if ds.kind not in ("records", "kpi"):
        raise StocktakeError(f"'{ds.name}' is a lookup: the Performance page charts records or a KPI series.")
    is_records = ds.kind == "records"
    grain = value(state, GRAIN_KEY) if is_records else None
    if grain not in periods.GRAINS:
        grain = ctx.shared(default_grain, ds)
    within_days = int(value(state, DAYS_KEY, definitions.DEFAULT_WITHIN_DAYS)) if is_records \
        else definitions.DEFAULT_WITHIN_DAYS
    choices = ctx.shared(kpi_choices, ds, within_days, reads=(CLASSIFICATION,))
    by_key = {o.key: o for o in choices.options + tuple(spend_kpi.kpi_options(ctx, ds) if is_records else ())}
    if not by_key:
        raise StocktakeError(f"'{ds.name}' has no KPI to chart: a KPI series needs the roles Period and Value.")
    kpi = value(state, KPI_KEY, next(iter(by_key)))
    if kpi not in by_key:
        raise StocktakeError(f"'{ds.name}' no longer has the KPI '{kpi}': add the view again from the page.")
    chosen = {role: value(state, key, ALL) for role, key in SERIES_KEYS.items()}
    if not is_records:
        chosen["channel"] = ALL  # a KPI series has no channel
    rules = value(state, RULES_KEY, "nhsr")
    directions, targets = settings(ctx, ds)
    option = by_key[kpi]
    improvement = value(state, DIRECTION_KEY, directions.get(kpi, option.improvement))
    return PerformanceView(ds, grain, within_days, rules if rules in RULE_LABELS else "nhsr",
                           bool(state.get(NEAR_KEY)), option, chosen["service"], chosen["area"], chosen["channel"],
                           improvement if improvement in DIRECTION_LABELS else option.improvement,
                           tuple(sorted(directions.items())), tuple(sorted(targets.items())), choices.split_values)


def default_title(figure_title: str, state: Mapping[str, Any]) -> str:
    """A facilitator's title to start from: the KPI, and the service or area it is narrowed to."""
    kpi = value(state, KPI_KEY)
    if not kpi:
        return figure_title
    narrowed = [held for held in (value(state, SERIES_KEYS[role], ALL) for role in ("service", "area")) if held != ALL]
    name = definitions.kpi_label(kpi, int(value(state, DAYS_KEY, definitions.DEFAULT_WITHIN_DAYS)))
    return name + (f": {', '.join(narrowed)}" if narrowed else "")


def link_params(state: Mapping[str, Any]) -> dict[str, list[str]]:
    """The query parameters the page's controls write (radios and selects write their labels)."""
    days = lambda s: int(value(s, DAYS_KEY, definitions.DEFAULT_WITHIN_DAYS))  # noqa: E731
    return url_params(state, {
        GRAIN_KEY: lambda g, s: periods.GRAIN_LABELS.get(g, str(g)),
        KPI_KEY: lambda k, s: definitions.kpi_label(k, days(s)),
        DIRECTION_KEY: lambda d, s: DIRECTION_LABELS.get(d, str(d)),
        RULES_KEY: lambda r, s: RULE_LABELS.get(r, str(r)),
        SERIES_KEYS["service"]: lambda v, s: None if v == ALL else str(v),
        # On by default: only its being cleared is written.
        WORKING_DAYS_KEY: lambda v, s: None if v else "false"})


PAGE = Page(PAGE_KEY, "Performance trends", PREFIX, read_view, PerformanceView.words, link_params,
            default_title=default_title)
