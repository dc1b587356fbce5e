"""The savings baseline: contacts in a 12-month period of a records dataset, by service x channel, with the failure
demand among them and the handling minutes where the data has them, from one aggregate DuckDB query."""

from __future__ import annotations

import functools

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from analysis import classification, coverage, periods, store
from analysis.errors import StocktakeError
from analysis.store import quote_identifier

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
    covered_days: int | None = None  # days of the period the data cover (None: all of it, or not known)
    scale: float = 1.0  # the counts were multiplied by this to make a year of the covered days

    @property
    def coverage_note(self) -> str:
        """'The baseline year is based on 5 days, scaled to a year: treat it as indicative.', or ''."""
        if self.scale == 1.0 or self.covered_days is None:
            return ""
        return coverage.year_figure("The baseline year", self.covered_days, can_scale=True).note

    @functools.cached_property
    def services(self) -> list[str]:
        return sorted(self.cells["service"].unique().tolist())

    @functools.cached_property
    def channels(self) -> list[str]:
        """Channels by contacts, largest first."""
        by = self.cells.groupby("channel")["contacts"].sum().sort_values(ascending=False, kind="stable")
        return by.index.tolist()

    @functools.cached_property
    def failure_reasons(self) -> list[str]:
        return sorted(self.failure["reason"].unique().tolist())

    @functools.cached_property
    def total_contacts(self) -> int:
        return int(self.cells["contacts"].sum())

    def by_channel(self) -> pd.DataFrame:
        """channel, contacts, failure_contacts, avg_minutes (from data; NaN where none), largest first."""
        return self._by_channel.copy()

    # Worked out once per baseline (a baseline is kept in the cache and read several times by every rerun of the
    # Savings page): the cells never change once the baseline is made.
    @functools.cached_property
    def _by_channel(self) -> pd.DataFrame:
        g = self.cells.groupby("channel", as_index=False)[["contacts", "failure_contacts", "minutes_sum",
                                                           "minutes_n"]].sum()
        g["avg_minutes"] = np.where(g["minutes_n"] > 0, g["minutes_sum"] / g["minutes_n"].where(g["minutes_n"] > 0),
                                    np.nan)
        return g.sort_values("contacts", ascending=False, kind="stable")[
            ["channel", "contacts", "failure_contacts", "avg_minutes"]].reset_index(drop=True)


def _as_dataset(con: duckdb.DuckDBPyConnection, dataset: store.Dataset | str) -> store.Dataset:
    return dataset if isinstance(dataset, store.Dataset) else store.get_dataset(con, dataset)


def to_date(value) -> date:
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
    return to_date(lo), to_date(hi)


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
        classes = classification.classification_frame(con, ds)
        classes = classes[classes["demand_type"] == classification.FAILURE]
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
    covered_days, scale = _covered_days(con, ds, start.date(), end.date())
    if scale != 1.0:
        # Less than the 12 months: the counts are scaled to a year, and the page says so (Baseline.coverage_note).
        for frame in (cells, failure):
            for column in ("contacts", "failure_contacts"):
                if column in frame:
                    frame[column] = (frame[column] * scale).round().astype("int64")
        cells["minutes_sum"] = cells["minutes_sum"] * scale
        cells["minutes_n"] = (cells["minutes_n"] * scale).round().astype("int64")
    has_minutes = bool(minutes_col) and int(cells["minutes_n"].sum()) > 0
    if not has_minutes:
        notes.append("The data has no handling minutes, so the minutes per contact you enter are used.")
    return Baseline(
        dataset=ds.name, version=ds.version, period_start=start.date(), period_end=end.date(), cells=cells,
        failure=failure, has_minutes=has_minutes, has_classification=classes is not None and not classes.empty,
        notes=tuple(notes), covered_days=covered_days if scale != 1.0 else None, scale=scale,
    )


def _covered_days(con: duckdb.DuckDBPyConnection, ds: store.Dataset, start: date, end: date) -> tuple[int, float]:
    """Days of [start, end) the data cover (from their first to their last date) and the factor that makes those
    days a year's worth: 1.0 when the data cover the whole period."""
    span = data_span(con, ds)
    period_days = (end - start).days
    if span is None or period_days <= 0:
        return period_days, 1.0
    first, last = max(span[0], start), min(span[1], end - pd.Timedelta(days=1).to_pytimedelta())
    covered = (last - first).days + 1
    if covered <= 0 or covered >= period_days:
        return period_days, 1.0
    return covered, coverage.DAYS_IN_YEAR / covered


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
    return Baseline(dataset, 0, to_date(period_start), to_date(period_end), cells.reset_index(drop=True),
                    failure.reset_index(drop=True), bool(cells["minutes_n"].sum() > 0),
                    bool(len(failure)))
