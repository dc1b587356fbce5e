"""Savings scenarios: what a change to demand, channels or handling time would save, from the service's own data.

The model has three parts:

1. A **baseline** (:func:`baseline`): one aggregate DuckDB query over a 12-month period of a records dataset, giving
   contacts by service × channel, how many of them are failure demand (from the dataset's classification, by
   reason) and the handling minutes where the data has them. It is small (a few hundred rows) and is cached by the
   page per dataset version and period, so moving a lever never touches the records again.
2. **Levers** (:class:`Levers`): the numbers a user sets, plus the unit costs and entered handling minutes per
   channel. Percentages are held as percentages (20 means 20%).
3. **Arithmetic** (:func:`compute`): the levers applied to the baseline in a fixed order, so no contact is saved
   twice: failure demand removed first, then channel shift on the contacts that remain, then handling time cut on
   the contacts as they are after the shift (:data:`ORDER_OF_APPLICATION`). It returns savings by lever (a waterfall
   from baseline cost to scenario cost), contacts avoided, FTE released, a multi-year projection with ramp-up and
   payback year, and :func:`tornado` moves each input over a low-high range.

Scenarios (inputs + baseline period + dataset name and version) are kept in the DuckDB table
``stocktake_scenarios`` so they survive restarts (:func:`save_scenario`, :func:`list_scenarios`,
:func:`load_scenario`, :func:`rename_scenario`, :func:`delete_scenario`), and :func:`compare_scenarios` lays 2-4
results side by side.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from typing import Sequence

import duckdb
import numpy as np
import pandas as pd

from analysis import periods, store
from analysis.errors import StocktakeError
from analysis.formatting import format_count, format_money
from analysis.store import quote_identifier

# --------------------------------------------------------------------------------------------------------------------
# Unit costs
# --------------------------------------------------------------------------------------------------------------------

SOCITM_SOURCE = "Socitm Insight, channel value benchmarking (2012): average cost per transaction"
SOCITM_CAVEAT = (
    "The Socitm 2012 figures are national averages for simple transactions, not your costs: replace them with "
    "local figures (a unit-cost lookup dataset, or type them in) before relying on the totals."
)
# Canonical channel -> £ per contact (Socitm 2012 channel value benchmark).
SOCITM_2012 = {"Face to face": 8.62, "Phone": 2.83, "Web": 0.15}

# Spellings of channel names that mean one of the benchmark's channels. Compared lower-cased, punctuation as spaces.
_CHANNEL_SYNONYMS = {
    "Face to face": ("face to face", "f2f", "in person", "visit", "walk in", "reception", "counter"),
    "Phone": ("phone", "telephone", "call", "calls", "contact centre", "tel"),
    "Web": ("web", "online", "website", "self service", "portal", "app", "digital", "web form", "online form"),
}

# Minutes of staff time per contact used when the data has no handling minutes for a channel. Illustrative defaults
# a user is expected to replace; shown on the page as "entered" values.
DEFAULT_MINUTES = {"Face to face": 12.0, "Phone": 6.0, "Web": 2.0, "Email": 8.0}
FALLBACK_MINUTES = 5.0

DEFAULT_FTE_HOUR_COST = 25.0  # £ per hour, salary plus on-costs of a front-line officer (illustrative)
DEFAULT_PRODUCTIVE_HOURS = 1_600.0  # hours a full-time post works on contacts in a year, after leave and training

ORDER_OF_APPLICATION = (
    "Levers are applied in this order so that no contact is saved twice: first the failure demand you remove is "
    "taken out; then the channel shift moves a share of the contacts that remain; then the handling-time cut "
    "applies to the contacts as they are after the shift."
)

LEVER_LABELS = {
    "failure": "Failure demand removed",
    "shift": "Channel shift",
    "handling": "Handling time cut",
}


def canonical_channel(name: str) -> str | None:
    """The Socitm benchmark channel a channel name means ('Telephone' -> 'Phone'), or None."""
    text = re.sub(r"[^a-z0-9]+", " ", str(name).lower()).strip()
    for canonical, words in _CHANNEL_SYNONYMS.items():
        if text in words or any(text.startswith(w + " ") or text.endswith(" " + w) for w in words):
            return canonical
    return None


def unit_cost_lookups(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Lookup datasets that can supply unit costs (roles channel and unit_cost), by name."""
    return sorted(
        d.name for d in store.list_datasets(con, kind="lookup") if {"channel", "unit_cost"} <= set(d.roles)
    )


def read_unit_cost_lookup(con: duckdb.DuckDBPyConnection, lookup: str) -> pd.DataFrame:
    """A unit-cost lookup as channel, unit_cost, source (source blank when the lookup has none)."""
    ds = store.get_dataset(con, lookup)
    roles = ds.roles
    if "channel" not in roles or "unit_cost" not in roles:
        raise StocktakeError(
            f"Dataset '{lookup}' cannot supply unit costs: it needs a column with the role 'Channel' and one with "
            "the role 'Unit cost (£)'. Set them on the Data page."
        )
    source = (
        f"CAST({quote_identifier(roles['source'])} AS VARCHAR)" if "source" in roles else "CAST(NULL AS VARCHAR)"
    )
    return store.query_df(
        con,
        f"""SELECT CAST({quote_identifier(roles['channel'])} AS VARCHAR) AS channel,
                   TRY_CAST({quote_identifier(roles['unit_cost'])} AS DOUBLE) AS unit_cost,
                   {source} AS source
            FROM {quote_identifier(ds.table)} WHERE {quote_identifier(roles['channel'])} IS NOT NULL""",
    )


def unit_cost_table(
    channels: Sequence[str], lookup: pd.DataFrame | None = None, lookup_name: str | None = None
) -> pd.DataFrame:
    """The unit cost of each channel and where it comes from: the lookup where it has the channel, else Socitm 2012.

    Columns: channel, unit_cost (NaN where nothing is known), source, note. A channel with no cost gets a note saying
    its contacts count as £0 until a figure is entered.
    """
    from_lookup: dict[str, tuple[float, str]] = {}
    if lookup is not None and not lookup.empty:
        for ch, cost, src in zip(lookup["channel"], lookup["unit_cost"], lookup["source"]):
            if cost is None or pd.isna(cost):
                continue
            label = str(src) if src is not None and not pd.isna(src) and str(src).strip() else ""
            where = f"lookup '{lookup_name}'" if lookup_name else "unit-cost lookup"
            from_lookup[str(ch).strip().lower()] = (float(cost), f"{label} ({where})" if label else where)
    rows = []
    for ch in channels:
        key = str(ch).strip().lower()
        canonical = canonical_channel(ch)
        if key in from_lookup:
            cost, src = from_lookup[key]
            rows.append((ch, cost, src, ""))
        elif canonical in SOCITM_2012:
            note = "" if canonical == ch else f"Costed as '{canonical}' in the benchmark."
            rows.append((ch, SOCITM_2012[canonical], SOCITM_SOURCE, note))
        else:
            rows.append((ch, float("nan"), "none", f"No unit cost for '{ch}': its contacts count as £0 until you "
                                                    "enter a local figure."))
    return pd.DataFrame(rows, columns=["channel", "unit_cost", "source", "note"])


# --------------------------------------------------------------------------------------------------------------------
# Baseline
# --------------------------------------------------------------------------------------------------------------------

ALL_SERVICES = "All services"


@dataclass(frozen=True)
class Baseline:
    """Contacts in a 12-month period, by service × channel, and the failure demand among them by reason.

    ``cells``: service, channel, contacts, failure_contacts, minutes_sum, minutes_n (contacts with handling minutes).
    ``failure``: service, channel, reason, contacts (failure demand only).
    """

    dataset: str
    version: int
    period_start: date
    period_end: date  # exclusive: the first day after the period
    cells: pd.DataFrame
    failure: pd.DataFrame
    has_minutes: bool
    has_classification: bool
    notes: tuple[str, ...] = ()

    @property
    def services(self) -> list[str]:
        return sorted(self.cells["service"].unique().tolist())

    @property
    def channels(self) -> list[str]:
        """Channels by contacts, largest first."""
        by = self.cells.groupby("channel")["contacts"].sum().sort_values(ascending=False, kind="stable")
        return by.index.tolist()

    @property
    def failure_reasons(self) -> list[str]:
        return sorted(self.failure["reason"].unique().tolist())

    @property
    def total_contacts(self) -> int:
        return int(self.cells["contacts"].sum())

    def channels_with_minutes(self) -> list[str]:
        by = self.cells.groupby("channel")["minutes_n"].sum()
        return [c for c in by.index if by[c] > 0]

    def by_channel(self) -> pd.DataFrame:
        """channel, contacts, failure_contacts, avg_minutes (from data; NaN where none), largest first."""
        g = self.cells.groupby("channel", as_index=False)[["contacts", "failure_contacts", "minutes_sum",
                                                           "minutes_n"]].sum()
        g["avg_minutes"] = np.where(g["minutes_n"] > 0, g["minutes_sum"] / g["minutes_n"].where(g["minutes_n"] > 0),
                                    np.nan)
        return g.sort_values("contacts", ascending=False, kind="stable")[
            ["channel", "contacts", "failure_contacts", "avg_minutes"]].reset_index(drop=True)


def _as_dataset(con: duckdb.DuckDBPyConnection, dataset: store.Dataset | str) -> store.Dataset:
    return dataset if isinstance(dataset, store.Dataset) else store.get_dataset(con, dataset)


def _to_date(value) -> date:
    return pd.Timestamp(value).date()


def data_span(con: duckdb.DuckDBPyConnection, dataset: store.Dataset | str) -> tuple[date, date] | None:
    """First and last date in a records dataset (None when it has no dates)."""
    ds = _as_dataset(con, dataset)
    date_col = _require_role(ds, "date", "Date or time received")
    lo, hi = store.query_rows(
        con, f"SELECT min({quote_identifier(date_col)}), max({quote_identifier(date_col)}) FROM "
             f"{quote_identifier(ds.table)}")[0]
    if lo is None or hi is None:
        return None
    return _to_date(lo), _to_date(hi)


def available_periods(con: duckdb.DuckDBPyConnection, dataset: store.Dataset | str) -> list[tuple[date, date]]:
    """Every full 12-month period (start, exclusive end) the data covers, latest first.

    A period runs from the first of a month; the month holding the last date counts as full only when the last date
    is that month's last day. When the data covers less than 12 full months, the latest 12 months are offered anyway.
    """
    span = data_span(con, dataset)
    if span is None:
        raise StocktakeError("The dataset has no dates in its 'Date or time received' column, so no period can be "
                             "chosen.")
    first, last = span
    months = periods.complete_periods(first, last, "month")
    ends = [periods.period_end(m, "month") for m in months[11:]]
    if not ends:
        ends = [periods.period_end(periods.period_start(last, "month"), "month")]
    return [periods.months_ending(end, 12) for end in reversed(ends)]


def latest_full_year(con: duckdb.DuckDBPyConnection, dataset: store.Dataset | str) -> tuple[date, date]:
    """The latest full 12 months of data: (first day, first day after)."""
    return available_periods(con, dataset)[0]


def period_label(period_start: date, period_end: date) -> str:
    """'November 2024 to October 2025' for a period with an exclusive end."""
    last_month = periods.period_start(pd.Timestamp(period_end) - pd.Timedelta(days=1), "month")
    return f"{periods.period_words(period_start, 'month')} to {periods.period_words(last_month, 'month')}"


def _require_role(ds: store.Dataset, role: str, label: str) -> str:
    col = ds.roles.get(role)
    if not col:
        raise StocktakeError(
            f"Dataset '{ds.name}' has no column with the role '{label}', which the Savings page needs. "
            "Give a column that role on the Data page."
        )
    return col


def baseline(
    con: duckdb.DuckDBPyConnection, dataset: store.Dataset | str, period_start, period_end
) -> Baseline:
    """The baseline of a records dataset over [period_start, period_end): one aggregate query in DuckDB.

    Needs the roles date and channel; service, reason (with a classification) and handling_minutes are used when
    present. Failure demand comes from :func:`analysis.classification.classification_frame`.
    """
    ds = _as_dataset(con, dataset)
    if ds.kind != "records":
        raise StocktakeError(f"Dataset '{ds.name}' is a {ds.kind} dataset: savings need case-level records.")
    date_col = _require_role(ds, "date", "Date or time received")
    channel_col = _require_role(ds, "channel", "Channel")
    service_col = ds.roles.get("service")
    reason_col = ds.roles.get("reason")
    minutes_col = ds.roles.get("handling_minutes")
    start, end = pd.Timestamp(period_start), pd.Timestamp(period_end)
    if end <= start:
        raise StocktakeError("The baseline period ends before it starts: choose another period.")
    notes: list[str] = []

    classes = None
    if reason_col:
        from analysis.classification import FAILURE, classification_frame

        classes = classification_frame(con, ds)
        classes = classes[classes["demand_type"] == FAILURE]
        if classes.empty:
            notes.append("No reason is classified as failure demand yet, so the failure-demand lever saves nothing. "
                         "Classify reasons on the Demand page.")
    else:
        notes.append("The dataset has no 'Reason' column, so failure demand cannot be identified.")

    q = quote_identifier
    service_sql = f"COALESCE(CAST(r.{q(service_col)} AS VARCHAR), 'Not recorded')" if service_col \
        else f"'{ALL_SERVICES}'"
    channel_sql = f"COALESCE(CAST(r.{q(channel_col)} AS VARCHAR), 'Not recorded')"
    minutes_sum = f"sum(TRY_CAST(r.{q(minutes_col)} AS DOUBLE))" if minutes_col else "CAST(NULL AS DOUBLE)"
    minutes_n = f"count(TRY_CAST(r.{q(minutes_col)} AS DOUBLE))" if minutes_col else "CAST(0 AS BIGINT)"
    cur = con.cursor()
    try:
        if classes is not None and not classes.empty:
            fail_frame = classes[["service", "reason"]].drop_duplicates().copy()
            by_service = bool(service_col) and fail_frame["service"].notna().any()
            if not by_service:
                fail_frame = fail_frame[["reason"]].drop_duplicates()
            cur.register("sv_failure_reasons", fail_frame)
            on = f"f.reason = CAST(r.{q(reason_col)} AS VARCHAR)"
            if by_service:
                on += f" AND f.service = CAST(r.{q(service_col)} AS VARCHAR)"
            join = f"LEFT JOIN (SELECT DISTINCT * FROM sv_failure_reasons) f ON {on}"
            failure_reason = "CASE WHEN f.reason IS NOT NULL THEN f.reason END"
        else:
            join = ""
            failure_reason = "CAST(NULL AS VARCHAR)"
        sql = f"""
            SELECT {service_sql} AS service, {channel_sql} AS channel, {failure_reason} AS failure_reason,
                   count(*) AS contacts, {minutes_sum} AS minutes_sum, {minutes_n} AS minutes_n
            FROM {q(ds.table)} r {join}
            WHERE r.{q(date_col)} >= ? AND r.{q(date_col)} < ?
            GROUP BY ALL"""
        raw = cur.execute(sql, [start.to_pydatetime(), end.to_pydatetime()]).df()
    finally:
        cur.close()
    if raw.empty:
        raise StocktakeError(
            f"Dataset '{ds.name}' has no contacts from {period_label(start.date(), end.date())}: choose another period."
        )
    raw["contacts"] = raw["contacts"].astype("int64")
    raw["minutes_sum"] = raw["minutes_sum"].astype("float64").fillna(0.0)
    raw["minutes_n"] = raw["minutes_n"].astype("int64")
    raw["failure_contacts"] = np.where(raw["failure_reason"].notna(), raw["contacts"], 0)
    cells = (
        raw.groupby(["service", "channel"], as_index=False)[["contacts", "failure_contacts", "minutes_sum",
                                                              "minutes_n"]].sum()
        .sort_values(["service", "channel"]).reset_index(drop=True)
    )
    failure = (
        raw[raw["failure_reason"].notna()]
        .rename(columns={"failure_reason": "reason"})
        .groupby(["service", "channel", "reason"], as_index=False)["contacts"].sum()
        .sort_values(["service", "channel", "reason"]).reset_index(drop=True)
    )
    has_minutes = bool(minutes_col) and int(cells["minutes_n"].sum()) > 0
    if not has_minutes:
        notes.append("The data has no handling minutes, so the minutes per contact you enter are used.")
    return Baseline(
        dataset=ds.name, version=ds.version, period_start=start.date(), period_end=end.date(), cells=cells,
        failure=failure, has_minutes=has_minutes, has_classification=classes is not None and not classes.empty,
        notes=tuple(notes),
    )


def baseline_from_frame(cells: pd.DataFrame, failure: pd.DataFrame | None = None, *, dataset: str = "example",
                        period_start=date(2024, 4, 1), period_end=date(2025, 4, 1)) -> Baseline:
    """A baseline built from hand-made frames (tests, worked examples). ``cells`` needs service, channel, contacts;
    failure_contacts, minutes_sum and minutes_n default to 0. ``failure`` (service, channel, reason, contacts)
    defaults to one reason 'Failure demand' holding each cell's failure contacts."""
    cells = cells.copy()
    for col in ("failure_contacts", "minutes_sum", "minutes_n"):
        if col not in cells:
            cells[col] = 0
    if failure is None:
        failure = cells.loc[cells["failure_contacts"] > 0, ["service", "channel", "failure_contacts"]].rename(
            columns={"failure_contacts": "contacts"})
        failure.insert(2, "reason", "Failure demand")
    return Baseline(dataset, 0, _to_date(period_start), _to_date(period_end), cells.reset_index(drop=True),
                    failure.reset_index(drop=True), bool(cells["minutes_n"].sum() > 0),
                    bool(len(failure)))


# --------------------------------------------------------------------------------------------------------------------
# Levers
# --------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelShift:
    """Move ``percent`` % of the contacts (that remain after failure demand is removed) from one channel to another."""

    from_channel: str
    to_channel: str
    percent: float


@dataclass(frozen=True)
class Levers:
    """Everything a user sets for a scenario. Percentages are percentages (20 means 20%).

    ``failure_services`` / ``failure_reasons`` narrow the failure-demand lever (empty means all);
    ``failure_pct_by_service`` sets a different % for some services. ``unit_costs`` is £ per contact by channel
    (a channel left out costs £0); ``minutes_per_contact`` is the entered handling minutes by channel, used where
    the data has none. ``ramp_up`` is the % of the full annual effect reached in years 1, 2, 3…; later years repeat
    the last figure.
    """

    failure_pct: float = 0.0
    failure_services: tuple[str, ...] = ()
    failure_reasons: tuple[str, ...] = ()
    failure_pct_by_service: dict[str, float] = field(default_factory=dict)
    shifts: tuple[ChannelShift, ...] = ()
    handling_pct: float = 0.0
    unit_costs: dict[str, float] = field(default_factory=dict)
    minutes_per_contact: dict[str, float] = field(default_factory=dict)
    fte_hour_cost: float = DEFAULT_FTE_HOUR_COST
    productive_hours: float = DEFAULT_PRODUCTIVE_HOURS
    one_off_cost: float = 0.0
    ramp_up: tuple[float, ...] = (50.0, 100.0, 100.0)
    years: int = 3

    def validate(self) -> "Levers":
        """Check the numbers a user could get wrong; raise a StocktakeError saying which one."""
        for label, value in (("Failure demand reduction", self.failure_pct), ("Handling time cut", self.handling_pct),
                             *[(f"Shift from {s.from_channel} to {s.to_channel}", s.percent) for s in self.shifts],
                             *[(f"Failure demand reduction for {k}", v)
                               for k, v in self.failure_pct_by_service.items()]):
            if not (0 <= float(value) <= 100):
                raise StocktakeError(f"{label} must be between 0% and 100% (it is {value}%).")
        for s in self.shifts:
            if s.from_channel == s.to_channel:
                raise StocktakeError(f"A channel shift must move contacts to a different channel, not from "
                                     f"{s.from_channel} to itself.")
        if not 1 <= int(self.years) <= 10:
            raise StocktakeError("The projection must cover 1 to 10 years.")
        if self.productive_hours <= 0:
            raise StocktakeError("Productive hours per FTE must be more than 0.")
        for name, value in (("FTE hour cost", self.fte_hour_cost), ("One-off cost", self.one_off_cost)):
            if value < 0:
                raise StocktakeError(f"{name} cannot be negative.")
        for ch, cost in self.unit_costs.items():
            if cost is not None and not pd.isna(cost) and cost < 0:
                raise StocktakeError(f"The unit cost of {ch} cannot be negative.")
        if any(r < 0 or r > 100 for r in self.ramp_up):
            raise StocktakeError("Ramp-up shares must be between 0% and 100%.")
        return self

    def to_json(self) -> str:
        data = asdict(self)
        data["shifts"] = [asdict(s) for s in self.shifts]
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Levers":
        data = json.loads(text)
        known = {f for f in cls.__dataclass_fields__}
        data = {k: v for k, v in data.items() if k in known}
        data["shifts"] = tuple(ChannelShift(**s) for s in data.get("shifts", []))
        for key in ("failure_services", "failure_reasons", "ramp_up"):
            if key in data:
                data[key] = tuple(data[key])
        return cls(**data)


# --------------------------------------------------------------------------------------------------------------------
# Arithmetic
# --------------------------------------------------------------------------------------------------------------------


@dataclass
class ScenarioResult:
    """What a scenario saves. Money in £ a year at full effect unless said otherwise."""

    baseline_cost: float
    scenario_cost: float
    total_saving: float
    by_lever: pd.DataFrame  # lever, label, saving, contacts_avoided, contacts_moved, minutes_saved
    waterfall: pd.DataFrame  # step, label, amount, start, end, kind ('baseline'|'lever'|'scenario')
    contacts_baseline: int
    contacts_avoided: float
    contacts_moved: float
    minutes_saved: float
    fte_released: float
    projection: pd.DataFrame  # year, ramp_pct, gross_saving, one_off_cost, net_saving, cumulative_net
    payback_year: int | None
    notes: list[str]

    def headline(self) -> dict[str, float | int | None]:
        return {
            "baseline_cost": self.baseline_cost,
            "scenario_cost": self.scenario_cost,
            "total_saving": self.total_saving,
            "contacts_avoided": self.contacts_avoided,
            "contacts_moved": self.contacts_moved,
            "fte_released": self.fte_released,
            "payback_year": self.payback_year,
            "net_over_projection": float(self.projection["cumulative_net"].iloc[-1]),
        }


@dataclass(frozen=True)
class _Grid:
    """The baseline as arrays, services × channels, for fast recomputation."""

    services: list[str]
    channels: list[str]
    contacts: np.ndarray
    failure: np.ndarray  # failure contacts targeted by the lever's services/reasons
    minutes: np.ndarray  # handling minutes per contact
    minutes_from_data: np.ndarray  # bool per channel
    unit_cost: np.ndarray
    costed: np.ndarray  # bool per channel


def _grid(base: Baseline, levers: Levers) -> _Grid:
    channels = list(base.channels)
    for s in levers.shifts:
        for ch in (s.from_channel, s.to_channel):
            if ch not in channels:
                channels.append(ch)
    services = base.services
    si = {s: i for i, s in enumerate(services)}
    ci = {c: i for i, c in enumerate(channels)}
    shape = (len(services), len(channels))
    contacts = np.zeros(shape)
    minutes_sum = np.zeros(shape)
    minutes_n = np.zeros(shape)
    cells = base.cells
    rows = np.array([si[s] for s in cells["service"]], dtype=int)
    cols = np.array([ci[c] for c in cells["channel"]], dtype=int)
    np.add.at(contacts, (rows, cols), cells["contacts"].to_numpy(dtype=float))
    np.add.at(minutes_sum, (rows, cols), cells["minutes_sum"].to_numpy(dtype=float))
    np.add.at(minutes_n, (rows, cols), cells["minutes_n"].to_numpy(dtype=float))

    failure = np.zeros(shape)
    fail = base.failure
    if len(fail):
        mask = np.ones(len(fail), dtype=bool)
        if levers.failure_reasons:
            mask &= fail["reason"].isin(levers.failure_reasons).to_numpy()
        fail = fail[mask]
        if len(fail):
            np.add.at(failure, (np.array([si[s] for s in fail["service"]], dtype=int),
                                np.array([ci[c] for c in fail["channel"]], dtype=int)),
                      fail["contacts"].to_numpy(dtype=float))

    # Minutes per contact: the cell's own average; else the channel's average across services; else entered.
    channel_n = minutes_n.sum(axis=0)
    channel_avg = np.divide(minutes_sum.sum(axis=0), channel_n, out=np.zeros(len(channels)), where=channel_n > 0)
    entered = np.array([_entered_minutes(levers, c) for c in channels])
    per_channel = np.where(channel_n > 0, channel_avg, entered)
    cell_avg = np.divide(minutes_sum, minutes_n, out=np.zeros(shape), where=minutes_n > 0)
    minutes = np.where(minutes_n > 0, cell_avg, per_channel[None, :])

    costs = [levers.unit_costs.get(c) for c in channels]
    costed = np.array([c is not None and not pd.isna(c) for c in costs])
    unit_cost = np.array([float(c) if ok else 0.0 for c, ok in zip(costs, costed)])
    return _Grid(services, channels, contacts, failure, minutes, channel_n > 0, unit_cost, costed)


def _entered_minutes(levers: Levers, channel: str) -> float:
    value = levers.minutes_per_contact.get(channel)
    if value is not None and not pd.isna(value):
        return float(value)
    return default_minutes(channel)


def default_minutes(channel: str) -> float:
    """The illustrative handling minutes for a channel with no data ('Telephone' -> Phone's 6 minutes)."""
    if channel in DEFAULT_MINUTES:
        return DEFAULT_MINUTES[channel]
    return DEFAULT_MINUTES.get(canonical_channel(channel) or "", FALLBACK_MINUTES)


def _failure_pct_by_row(grid: _Grid, levers: Levers) -> np.ndarray:
    pct = np.full(len(grid.services), float(levers.failure_pct))
    if levers.failure_services:
        chosen = set(levers.failure_services)
        pct = np.array([p if s in chosen else 0.0 for s, p in zip(grid.services, pct)])
    for service, value in levers.failure_pct_by_service.items():
        if service in grid.services:
            pct[grid.services.index(service)] = float(value)
    return pct / 100.0


def _annual(grid: _Grid, levers: Levers, *, volume: float = 1.0, minutes_scale: float = 1.0) -> dict:
    """The levers applied to the grid, in the stated order. Returns plain numbers (fast enough for the tornado)."""
    contacts = grid.contacts * volume
    failure = grid.failure * volume
    minutes = grid.minutes * minutes_scale
    uc = grid.unit_cost
    baseline_cost = float((contacts * uc[None, :]).sum())

    # 1. Failure demand removed.
    removed = failure * _failure_pct_by_row(grid, levers)[:, None]
    remaining = contacts - removed
    failure_saving = float((removed * uc[None, :]).sum())
    failure_minutes = float((removed * minutes).sum())

    # 2. Channel shift, on what remains, one shift after another.
    shift_saving = 0.0
    shift_minutes = 0.0
    moved_total = 0.0
    ci = {c: i for i, c in enumerate(grid.channels)}
    for s in levers.shifts:
        f, t = ci[s.from_channel], ci[s.to_channel]
        moved = remaining[:, f] * (float(s.percent) / 100.0)
        remaining[:, f] -= moved
        remaining[:, t] += moved
        shift_saving += float(moved.sum() * (uc[f] - uc[t]))
        shift_minutes += float((moved * (minutes[:, f] - minutes[:, t])).sum())
        moved_total += float(moved.sum())

    # 3. Handling time cut on the contacts as they are now.
    handling_minutes = float((remaining * minutes).sum() * float(levers.handling_pct) / 100.0)
    handling_saving = handling_minutes / 60.0 * float(levers.fte_hour_cost)

    total = failure_saving + shift_saving + handling_saving
    return {
        "baseline_cost": baseline_cost,
        "contacts": float(contacts.sum()),
        "failure": (failure_saving, float(removed.sum()), 0.0, failure_minutes),
        "shift": (shift_saving, 0.0, moved_total, shift_minutes),
        "handling": (handling_saving, 0.0, 0.0, handling_minutes),
        "total": total,
    }


def ramp_shares(levers: Levers) -> list[float]:
    """Share (0-1) of the full effect in each projected year; years past the list repeat its last figure."""
    ramp = [float(r) / 100.0 for r in levers.ramp_up] or [1.0]
    return [ramp[min(i, len(ramp) - 1)] for i in range(int(levers.years))]


def projection(annual_saving: float, levers: Levers) -> tuple[pd.DataFrame, int | None]:
    """Year-by-year saving with ramp-up, the one-off cost in year 1, the running net total and the payback year.

    The payback year is the first year whose cumulative net saving is at least zero (None if not within the
    projection).
    """
    shares = ramp_shares(levers)
    years = list(range(1, len(shares) + 1))
    gross = [annual_saving * s for s in shares]
    one_off = [float(levers.one_off_cost) if y == 1 else 0.0 for y in years]
    net = [g - o for g, o in zip(gross, one_off)]
    cumulative = list(np.cumsum(net))
    frame = pd.DataFrame({"year": years, "ramp_pct": [s * 100 for s in shares], "gross_saving": gross,
                          "one_off_cost": one_off, "net_saving": net, "cumulative_net": cumulative})
    payback = next((y for y, c in zip(years, cumulative) if c >= -1e-9), None)
    return frame, payback


def _unknown_channel_notes(base: Baseline, levers: Levers) -> list[str]:
    notes = []
    known = set(base.channels)
    for s in levers.shifts:
        if s.from_channel not in known:
            notes.append(f"There are no {s.from_channel} contacts in the baseline, so the shift from it moves none.")
    return notes


def compute(base: Baseline, levers: Levers) -> ScenarioResult:
    """Apply the levers to the baseline in the stated order (:data:`ORDER_OF_APPLICATION`)."""
    levers.validate()
    grid = _grid(base, levers)
    out = _annual(grid, levers)
    rows = []
    for key in ("failure", "shift", "handling"):
        saving, avoided, moved, minutes = out[key]
        rows.append((key, LEVER_LABELS[key], saving, avoided, moved, minutes))
    by_lever = pd.DataFrame(rows, columns=["lever", "label", "saving", "contacts_avoided", "contacts_moved",
                                           "minutes_saved"])
    baseline_cost = out["baseline_cost"]
    total = out["total"]
    waterfall = waterfall_frame(baseline_cost, by_lever)
    minutes_saved = float(by_lever["minutes_saved"].sum())
    fte = minutes_saved / 60.0 / float(levers.productive_hours)
    proj, payback = projection(total, levers)
    notes = list(base.notes)
    for ch, ok in zip(grid.channels, grid.costed):
        if not ok:
            notes.append(f"No unit cost for '{ch}': its contacts count as £0 until you enter a local figure.")
    notes += _unknown_channel_notes(base, levers)
    return ScenarioResult(
        baseline_cost=baseline_cost, scenario_cost=baseline_cost - total, total_saving=total, by_lever=by_lever,
        waterfall=waterfall, contacts_baseline=int(round(out["contacts"])),
        contacts_avoided=float(by_lever["contacts_avoided"].sum()),
        contacts_moved=float(by_lever["contacts_moved"].sum()), minutes_saved=minutes_saved, fte_released=fte,
        projection=proj, payback_year=payback, notes=notes,
    )


def waterfall_frame(baseline_cost: float, by_lever: pd.DataFrame) -> pd.DataFrame:
    """Bars from baseline cost down by each lever's saving to the scenario cost (start/end for each bar)."""
    rows = [("Baseline cost", baseline_cost, 0.0, baseline_cost, "baseline")]
    level = baseline_cost
    for label, saving in zip(by_lever["label"], by_lever["saving"]):
        rows.append((label, -saving, level, level - saving, "lever"))
        level -= saving
    rows.append(("Scenario cost", level, 0.0, level, "scenario"))
    frame = pd.DataFrame(rows, columns=["label", "amount", "start", "end", "kind"])
    frame.insert(0, "step", range(1, len(frame) + 1))
    return frame


def explain(result: ScenarioResult) -> str:
    """One sentence a manager can read out: what the scenario saves and why."""
    parts = [f"{LEVER_LABELS[k].lower()} {format_money(v)}" for k, v in
             zip(result.by_lever["lever"], result.by_lever["saving"]) if abs(v) >= 0.5]
    text = f"Saves {format_money(result.total_saving)} a year at full effect"
    if parts:
        text += " (" + ", ".join(parts) + ")"
    text += f", avoids {format_count(result.contacts_avoided)} contacts and releases " \
            f"{result.fte_released:,.1f} FTE."
    return text


# --------------------------------------------------------------------------------------------------------------------
# Sensitivity
# --------------------------------------------------------------------------------------------------------------------


def tornado(base: Baseline, levers: Levers, spread: float = 0.25) -> pd.DataFrame:
    """Total annual saving when each input moves from (1 - spread) to (1 + spread) of its value, the others held.

    Percentages are capped at 100%. Inputs set to zero are left out (moving zero by a share changes nothing).
    Columns: input, base_value, low_value, high_value, saving_low, saving_high, base_saving, swing; widest first.
    """
    levers.validate()
    grid = _grid(base, levers)
    base_saving = _annual(grid, levers)["total"]
    lo_f, hi_f = 1.0 - spread, 1.0 + spread
    rows = []

    def pct(v: float, f: float) -> float:
        return min(100.0, max(0.0, v * f))

    def add(label: str, value: float, unit: str, run):
        if not value:
            return
        low, high = run(lo_f), run(hi_f)
        rows.append((label, value, value * lo_f if unit != "%" else pct(value, lo_f),
                     value * hi_f if unit != "%" else pct(value, hi_f), low, high, unit))

    add("Failure demand reduction (%)", levers.failure_pct, "%",
        lambda f: _annual(grid, replace(levers, failure_pct=pct(levers.failure_pct, f)))["total"])
    for i, s in enumerate(levers.shifts):
        def run_shift(f, i=i):
            shifts = list(levers.shifts)
            shifts[i] = replace(shifts[i], percent=pct(shifts[i].percent, f))
            return _annual(grid, replace(levers, shifts=tuple(shifts)))["total"]
        add(f"Shift {s.from_channel} to {s.to_channel} (%)", s.percent, "%", run_shift)
    add("Handling time cut (%)", levers.handling_pct, "%",
        lambda f: _annual(grid, replace(levers, handling_pct=pct(levers.handling_pct, f)))["total"])
    for j, ch in enumerate(grid.channels):
        if not grid.costed[j] or not grid.unit_cost[j]:
            continue

        def run_cost(f, j=j):
            uc = grid.unit_cost.copy()
            uc[j] *= f
            return _annual(replace(grid, unit_cost=uc), levers)["total"]
        add(f"Unit cost: {ch} (£)", float(grid.unit_cost[j]), "£", run_cost)
    if levers.handling_pct:
        add("FTE hour cost (£)", levers.fte_hour_cost, "£",
            lambda f: _annual(grid, replace(levers, fte_hour_cost=levers.fte_hour_cost * f))["total"])
    add("Handling minutes per contact", 1.0, "×", lambda f: _annual(grid, levers, minutes_scale=f)["total"])
    add("Contact volumes", 1.0, "×", lambda f: _annual(grid, levers, volume=f)["total"])
    frame = pd.DataFrame(rows, columns=["input", "base_value", "low_value", "high_value", "saving_low",
                                        "saving_high", "unit"])
    frame["base_saving"] = base_saving
    frame["swing"] = (frame["saving_high"] - frame["saving_low"]).abs()
    # Inputs that move nothing (e.g. minutes when no lever uses time) add clutter: keep them only if all are flat.
    moving = frame[frame["swing"] > 0.005]
    frame = moving if len(moving) else frame
    return frame.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------------------------------
# Scenarios kept in the store
# --------------------------------------------------------------------------------------------------------------------

SCENARIOS_TABLE = "stocktake_scenarios"
_SCENARIO_NAME = re.compile(r"^\S.{0,79}$")


@dataclass(frozen=True)
class SavedScenario:
    name: str
    dataset: str
    dataset_version: int
    period_start: date
    period_end: date
    levers: Levers
    saved_at: datetime


def ensure_scenarios_table(con: duckdb.DuckDBPyConnection) -> None:
    store.execute(
        con,
        f"""CREATE TABLE IF NOT EXISTS {quote_identifier(SCENARIOS_TABLE)} (
            dataset VARCHAR NOT NULL, name VARCHAR NOT NULL, dataset_version BIGINT, period_start DATE,
            period_end DATE, inputs JSON, saved_at TIMESTAMP, PRIMARY KEY (dataset, name))""",
    )


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not _SCENARIO_NAME.match(name) or "\n" in name:
        raise StocktakeError("Give the scenario a name of 1 to 80 characters on one line.")
    return name


def save_scenario(
    con: duckdb.DuckDBPyConnection, name: str, dataset: store.Dataset, period_start, period_end, levers: Levers,
    *, overwrite: bool = False,
) -> SavedScenario:
    """Keep a named scenario for a dataset (its inputs, baseline period and the dataset's version now)."""
    ensure_scenarios_table(con)
    name = _check_name(name)
    levers.validate()
    exists = store.query_rows(
        con, f"SELECT 1 FROM {quote_identifier(SCENARIOS_TABLE)} WHERE dataset = ? AND name = ?", [dataset.name, name])
    if exists and not overwrite:
        raise StocktakeError(f"There is already a scenario called '{name}' for {dataset.name}: choose another name, "
                             "or replace it.")
    saved_at = datetime.now().replace(microsecond=0)
    with store.transaction(con) as cur:
        cur.execute(f"DELETE FROM {quote_identifier(SCENARIOS_TABLE)} WHERE dataset = ? AND name = ?",
                    [dataset.name, name])
        cur.execute(
            f"INSERT INTO {quote_identifier(SCENARIOS_TABLE)} VALUES (?, ?, ?, ?, ?, ?, ?)",
            [dataset.name, name, int(dataset.version), _to_date(period_start), _to_date(period_end),
             levers.to_json(), saved_at],
        )
    return SavedScenario(name, dataset.name, int(dataset.version), _to_date(period_start), _to_date(period_end),
                         levers, saved_at)


def list_scenarios(con: duckdb.DuckDBPyConnection, dataset: str | None = None) -> pd.DataFrame:
    """Saved scenarios (name, dataset, dataset_version, period_start, period_end, saved_at), newest first."""
    ensure_scenarios_table(con)
    where, params = ("WHERE dataset = ?", [dataset]) if dataset else ("", [])
    return store.query_df(
        con,
        f"""SELECT name, dataset, dataset_version, period_start, period_end, saved_at
            FROM {quote_identifier(SCENARIOS_TABLE)} {where} ORDER BY saved_at DESC, name""",
        params,
    )


def load_scenario(con: duckdb.DuckDBPyConnection, dataset: str, name: str) -> SavedScenario:
    ensure_scenarios_table(con)
    rows = store.query_rows(
        con,
        f"""SELECT name, dataset, dataset_version, period_start, period_end, CAST(inputs AS VARCHAR), saved_at
            FROM {quote_identifier(SCENARIOS_TABLE)} WHERE dataset = ? AND name = ?""",
        [dataset, name],
    )
    if not rows:
        raise StocktakeError(f"There is no saved scenario called '{name}' for {dataset}.")
    n, d, v, ps, pe, inputs, saved = rows[0]
    return SavedScenario(n, d, int(v or 0), _to_date(ps), _to_date(pe), Levers.from_json(inputs), saved)


def rename_scenario(con: duckdb.DuckDBPyConnection, dataset: str, old: str, new: str) -> None:
    ensure_scenarios_table(con)
    new = _check_name(new)
    load_scenario(con, dataset, old)
    if new == old:
        return
    taken = store.query_rows(
        con, f"SELECT 1 FROM {quote_identifier(SCENARIOS_TABLE)} WHERE dataset = ? AND name = ?", [dataset, new])
    if taken:
        raise StocktakeError(f"There is already a scenario called '{new}' for {dataset}: choose another name.")
    store.execute(con, f"UPDATE {quote_identifier(SCENARIOS_TABLE)} SET name = ? WHERE dataset = ? AND name = ?",
                  [new, dataset, old])


def delete_scenario(con: duckdb.DuckDBPyConnection, dataset: str, name: str) -> None:
    ensure_scenarios_table(con)
    load_scenario(con, dataset, name)
    store.execute(con, f"DELETE FROM {quote_identifier(SCENARIOS_TABLE)} WHERE dataset = ? AND name = ?",
                  [dataset, name])


# --------------------------------------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------------------------------------


def compare_scenarios(results: Sequence[tuple[str, ScenarioResult]]) -> pd.DataFrame:
    """2-4 scenario results side by side: one row per scenario with savings by lever, totals, FTE and payback."""
    if not 1 <= len(results) <= 4:
        raise StocktakeError("Choose two to four scenarios to compare.")
    names = [n for n, _ in results]
    if len(set(names)) != len(names):
        raise StocktakeError("Each scenario in a comparison needs a different name.")
    rows = []
    for name, r in results:
        lever = dict(zip(r.by_lever["lever"], r.by_lever["saving"]))
        rows.append({
            "Scenario": name,
            "Baseline cost (£)": r.baseline_cost,
            "Failure demand removed (£)": lever.get("failure", 0.0),
            "Channel shift (£)": lever.get("shift", 0.0),
            "Handling time cut (£)": lever.get("handling", 0.0),
            "Annual saving (£)": r.total_saving,
            "Scenario cost (£)": r.scenario_cost,
            "Contacts avoided": r.contacts_avoided,
            "Contacts moved": r.contacts_moved,
            "FTE released": r.fte_released,
            "One-off cost (£)": float(r.projection["one_off_cost"].sum()),
            "Years projected": int(len(r.projection)),
            "Net saving over projection (£)": float(r.projection["cumulative_net"].iloc[-1]),
            "Payback year": r.payback_year,
        })
    frame = pd.DataFrame(rows)
    frame["Payback year"] = frame["Payback year"].astype("Int64")
    return frame


def comparison_long(results: Sequence[tuple[str, ScenarioResult]]) -> pd.DataFrame:
    """Chart data: scenario, lever label, saving (one row per scenario × lever)."""
    rows = []
    for name, r in results:
        for label, saving in zip(r.by_lever["label"], r.by_lever["saving"]):
            rows.append((name, label, saving))
    return pd.DataFrame(rows, columns=["scenario", "lever", "saving"])


def projections_long(results: Sequence[tuple[str, ScenarioResult]]) -> pd.DataFrame:
    """Every scenario's projection stacked, with a scenario column (for export and charts)."""
    frames = []
    for name, r in results:
        f = r.projection.copy()
        f.insert(0, "scenario", name)
        frames.append(f)
    return pd.concat(frames, ignore_index=True)
