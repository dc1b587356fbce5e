"""Scenarios kept in the store (inputs, baseline period, dataset name and version) and laid side by side."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Sequence

import duckdb
import pandas as pd

from analysis import store
from analysis.errors import StocktakeError
from analysis.formatting import format_count, format_money
from analysis.savings.baseline import period_label, to_date
from analysis.savings.model import Levers, ScenarioResult
from analysis.store import quote_identifier

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
    store.create_if_missing(
        con, SCENARIOS_TABLE,
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
            [dataset.name, name, int(dataset.version), to_date(period_start), to_date(period_end),
             levers.to_json(), saved_at],
        )
    return SavedScenario(name, dataset.name, int(dataset.version), to_date(period_start), to_date(period_end),
                         levers, saved_at)


def list_scenarios(con: duckdb.DuckDBPyConnection, dataset: str | None = None) -> pd.DataFrame:
    """Saved scenarios (name, dataset, dataset_version, period_start, period_end, saved_at), newest first. A store
    with none saved yet has no table: nothing is created just to read it (the pack may read a read-only store)."""
    if not store.settings_table_exists(con, SCENARIOS_TABLE):
        return pd.DataFrame(columns=["name", "dataset", "dataset_version", "period_start", "period_end", "saved_at"])
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
    return SavedScenario(n, d, int(v or 0), to_date(ps), to_date(pe), Levers.from_json(inputs), saved)


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
    with store.transaction(con) as cur:  # one transaction: the change and its audit record commit together
        cur.execute(f"UPDATE {quote_identifier(SCENARIOS_TABLE)} SET name = ? WHERE dataset = ? AND name = ?",
                    [new, dataset, old])


def delete_scenario(con: duckdb.DuckDBPyConnection, dataset: str, name: str) -> None:
    ensure_scenarios_table(con)
    load_scenario(con, dataset, name)
    with store.transaction(con) as cur:
        cur.execute(f"DELETE FROM {quote_identifier(SCENARIOS_TABLE)} WHERE dataset = ? AND name = ?",
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


def comparison_for_people(table: pd.DataFrame) -> pd.DataFrame:
    """``compare_scenarios``' table turned to one column per scenario, each row written by its label: money as £,
    FTE with one decimal, the payback year in words, counts with thousands separators."""
    shown = table.set_index("Scenario").T
    rows = {}
    for row in shown.index:
        values = shown.loc[row]
        if "(£)" in row:
            rows[row.replace(" (£)", "")] = [format_money(v) for v in values]
        elif row == "FTE released":
            rows[row] = [f"{v:,.1f} FTE" for v in values]
        elif row == "Payback year":
            rows[row] = [f"Year {int(v)}" if not pd.isna(v) else "Not within the projection" for v in values]
        elif row == "Years projected":
            rows[row] = [f"{int(v)}" for v in values]
        else:
            rows[row] = [format_count(v) for v in values]
    return pd.DataFrame(rows, index=shown.columns).T


def year_by_year(projection: pd.DataFrame) -> pd.DataFrame:
    """A scenario's projection as the page's 'Year by year' table."""
    return pd.DataFrame({
        "Year": projection["year"].map(lambda y: f"Year {y}"),
        "Share of full effect": projection["ramp_pct"].map(lambda v: f"{v:,.0f}%"),
        "Saving": projection["gross_saving"].map(format_money),
        "One-off cost": projection["one_off_cost"].map(format_money),
        "Net this year": projection["net_saving"].map(format_money),
        "Cumulative net": projection["cumulative_net"].map(format_money),
    })


def saved_list_for_people(saved: pd.DataFrame, dataset_version: int) -> pd.DataFrame:
    """``list_scenarios``' frame as the page lists it: name, baseline period, when saved, whether the data changed."""
    return pd.DataFrame({
        "Scenario": saved["name"],
        "Baseline period": [period_label(pd.Timestamp(s).date(), pd.Timestamp(e).date())
                            for s, e in zip(saved["period_start"], saved["period_end"])],
        "Saved": [pd.Timestamp(t).strftime("%d/%m/%Y %H:%M") for t in saved["saved_at"]],
        "Data since": ["unchanged" if int(v) == dataset_version else "reloaded or roles changed"
                       for v in saved["dataset_version"]],
    })
