"""Unit costs from the council's own data: spend per contact, per service and per month, from a records dataset and
the spending paired with it (:mod:`analysis.spend.matching`).

Only the months both cover count: a month of spending with no contact records (or the other way) is left out and
said. A records dataset's first and last months count only when its dates cover them from the first day to the last
(half a month of contacts would double the cost per contact); spending is published by calendar month, so a month
with payments is a month of spending. Spend per contact is an upper bound of the cost of handling a contact: the
ledger's spend on a service pays for the service itself, not only for answering its contacts, and the sentence says
so wherever a figure uses it.

The same numbers are the Savings page's third source of unit costs (:func:`channel_costs`: each channel's cost is the
spend per contact of the services its contacts are about) and the Performance page's KPI "Spend per contact" and
"Spend per case closed" (:func:`kpi_frame`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from analysis import periods, store
from analysis.demand.scan import label_sql
from analysis.filters import Filters, and_where, build_where, role_column
from analysis.formatting import format_money
from analysis.spend import scan
from analysis.spend.matching import NOT_MATCHED
from analysis.store import quote_identifier as q

UPPER_BOUND = "spend includes more than handling contacts: an upper bound"


def monthly_spend(found: scan.Scan) -> pd.DataFrame:
    """Net spend per spending service and month, from the Spend page's scan (its filters apply): spend_service,
    month, spend."""
    fine = found.fine
    if "month" not in fine or "service" not in fine:
        return pd.DataFrame(columns=["spend_service", "month", "spend"])
    frame = fine.dropna(subset=["month"]).groupby(["service", "month"], as_index=False)["net"].sum()
    return pd.DataFrame({"spend_service": frame["service"], "month": pd.to_datetime(frame["month"]),
                         "spend": frame["net"].round(2)})


def monthly_contacts(con, records: store.Dataset) -> pd.DataFrame:
    """Contacts received per service and complete month, and cases closed in it (where there is a closed date):
    service, month, contacts, closed (NaN without a closed date)."""
    roles = records.roles
    date_col, service = q(role_column(roles, "date")), label_sql(role_column(roles, "service"))
    first, last = store.query_rows(con, f"SELECT min({date_col}), max({date_col}) FROM {q(records.table)}")[0]
    if first is None:
        return pd.DataFrame(columns=["service", "month", "contacts", "closed"])
    complete = list(periods.complete_periods(pd.Timestamp(first).date(), pd.Timestamp(last).date(), "month"))
    where, params = build_where(Filters(), roles)  # total rows are left out, as everywhere
    frame = store.query_df(
        con, f"""SELECT {service} AS service, CAST(date_trunc('month', {date_col}) AS DATE) AS month,
                        count(*) AS contacts FROM {q(records.table)} {and_where(where, f'{date_col} IS NOT NULL')}
                 GROUP BY 1, 2""", params)
    frame["month"] = pd.to_datetime(frame["month"])
    if "closed_date" in roles:
        closed_col = q(roles["closed_date"])
        closed = store.query_df(
            con, f"""SELECT {service} AS service, CAST(date_trunc('month', {closed_col}) AS DATE) AS month,
                            count(*) AS closed FROM {q(records.table)} {and_where(where, f'{closed_col} IS NOT NULL')}
                     GROUP BY 1, 2""", params)
        closed["month"] = pd.to_datetime(closed["month"])
        frame = frame.merge(closed, on=["service", "month"], how="outer").fillna({"contacts": 0, "closed": 0})
    else:
        frame["closed"] = np.nan
    frame = frame[frame["month"].isin(pd.DatetimeIndex(complete))]
    return frame.sort_values(["month", "service"]).reset_index(drop=True)


@dataclass(frozen=True)
class UnitCosts:
    """Spend per contact worked out for a pair, over the months both cover."""

    by_service: pd.DataFrame  # service, spend_service (the ledger's names), spend, contacts, closed, unit_cost
    by_month: pd.DataFrame  # month, service, spend, contacts, closed: matched services only
    common: tuple[pd.Timestamp, ...]
    spend_only: tuple[pd.Timestamp, ...]  # months of spending with no contact records
    records_only: tuple[pd.Timestamp, ...]  # complete months of records with no spending
    unmatched: tuple[tuple[str, float], ...] = field(default=())  # ledger services with no match, their spend

    def sentence(self) -> str:
        """How far the unit costs can be trusted: the months in common, what was left out, the upper bound."""
        if not self.common:
            return "The spending and the records have no complete month in common, so no unit cost can be worked out."
        n = len(self.common)
        span = _months_words(self.common)
        parts = [f"{n} month{'s' if n != 1 else ''} in common ({span}); {UPPER_BOUND}."]
        left = []
        if self.spend_only:
            left.append(f"{len(self.spend_only)} month{'s' if len(self.spend_only) != 1 else ''} of spending with no "
                        f"contact records ({_months_words(self.spend_only)})")
        if self.records_only:
            left.append(f"{len(self.records_only)} month{'s' if len(self.records_only) != 1 else ''} of records with "
                        f"no spending ({_months_words(self.records_only)})")
        if left:
            parts.append("Left out: " + " and ".join(left) + ".")
        if self.unmatched:
            total = sum(v for _, v in self.unmatched)
            names = ", ".join(f"'{s}'" for s, _ in self.unmatched[:3]) + (" …" if len(self.unmatched) > 3 else "")
            parts.append(f"{format_money(total)} of spending in services matched to no records service ({names}) is "
                         "not in any unit cost.")
        return " ".join(parts)


def _months_words(months) -> str:
    months = sorted(months)
    if len(months) == 1:
        return f"{months[0]:%B %Y}"
    return f"{months[0]:%B %Y} – {months[-1]:%B %Y}"


def work_out(spend: pd.DataFrame, contacts: pd.DataFrame, matched: dict[str, str]) -> UnitCosts:
    """Unit costs from :func:`monthly_spend`, :func:`monthly_contacts` and the matched services (spending service
    -> records service)."""
    spend_months = set(spend["month"])
    record_months = set(contacts["month"])
    common = sorted(spend_months & record_months)
    in_common = spend[spend["month"].isin(common)]
    unmatched = in_common[~in_common["spend_service"].isin(matched)]
    lost = unmatched.groupby("spend_service")["spend"].sum().sort_values(ascending=False)
    kept = in_common[in_common["spend_service"].isin(matched)].assign(
        service=lambda f: f["spend_service"].map(matched))
    spend_by = kept.groupby(["month", "service"], as_index=False)["spend"].sum()
    served = contacts[contacts["month"].isin(common) & contacts["service"].isin(set(matched.values()))]
    by_month = served.merge(spend_by, on=["month", "service"], how="outer").fillna({"contacts": 0, "spend": 0.0})
    by_month = by_month.sort_values(["month", "service"]).reset_index(drop=True)
    names = kept.groupby("service")["spend_service"].agg(lambda s: "; ".join(sorted(set(s))))
    by_service = by_month.groupby("service", as_index=False)[["spend", "contacts", "closed"]].sum(min_count=1)
    by_service["spend_service"] = by_service["service"].map(names).fillna("")
    by_service["unit_cost"] = np.where(by_service["contacts"] > 0, by_service["spend"] / by_service["contacts"]
                                       .where(by_service["contacts"] > 0), np.nan)
    by_service["spend"] = by_service["spend"].round(2)
    by_service = by_service.sort_values("unit_cost", ascending=False, na_position="last").reset_index(drop=True)
    return UnitCosts(by_service[["service", "spend_service", "spend", "contacts", "closed", "unit_cost"]], by_month,
                     tuple(common), tuple(sorted(spend_months - record_months)),
                     tuple(sorted(record_months - spend_months)),
                     tuple((str(s), round(float(v), 2)) for s, v in lost.items()))


def matched_of(mapping: tuple) -> dict[str, str]:
    return {s: r for s, r, _ in mapping if r != NOT_MATCHED}


# ---- as a KPI, and as the Savings page's unit costs ---------------------------------------------------------------

KPI_BASIS = {"spend_per_contact": "contacts", "spend_per_closed": "closed"}


def kpi_frame(costs: UnitCosts, kpi: str, split: str | None = None, services: tuple[str, ...] = ()) -> pd.DataFrame:
    """Spend per contact (or per case closed) by month, as a KPI series: series, period, value, target, n. One series
    ('All': every matched service together) unless ``split`` is 'service'; ``services`` narrows to those."""
    basis = KPI_BASIS[kpi]
    rows = costs.by_month
    if services:
        rows = rows[rows["service"].isin(services)]
    keys = ["service", "month"] if split == "service" else ["month"]
    summed = rows.groupby(keys, as_index=False)[["spend", basis]].sum()
    if split != "service":
        summed["service"] = "All"
    summed["value"] = np.where(summed[basis] > 0, summed["spend"] / summed[basis].where(summed[basis] > 0), np.nan)
    frame = pd.DataFrame({"series": summed["service"], "period": pd.to_datetime(summed["month"]),
                          "value": summed["value"], "target": np.nan, "n": summed[basis].astype("int64")})
    return frame.sort_values(["series", "period"]).reset_index(drop=True)


def service_costs(costs: UnitCosts) -> dict[str, float]:
    """Records service -> spend per contact over the months in common (services with contacts)."""
    rows = costs.by_service.dropna(subset=["unit_cost"])
    return dict(zip(rows["service"], rows["unit_cost"].astype(float)))


def channel_costs(costs: UnitCosts, cells: pd.DataFrame) -> dict[str, float]:
    """Each channel's cost per contact for the Savings page: the spend per contact of the services its contacts are
    about, weighted by how many contacts each service has in that channel (``cells``: the baseline's service,
    channel, contacts). A channel none of whose services has a unit cost gets none."""
    per_service = service_costs(costs)
    priced = cells[cells["service"].isin(per_service)].copy()
    priced["cost"] = priced["service"].map(per_service) * priced["contacts"]
    summed = priced.groupby("channel")[["cost", "contacts"]].sum()
    summed = summed[summed["contacts"] > 0]
    return {str(ch): round(float(row.cost / row.contacts), 2) for ch, row in summed.iterrows()}


def first_day(month: pd.Timestamp) -> date:
    return pd.Timestamp(month).date()
