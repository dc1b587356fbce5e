"""The demo borough: a deterministic, seeded generator of a fictional London borough's service data.

"Northbridge" has 20 wards and 8 services, and 1 April 2022 to 14 November 2025 of contacts (about 500,000): reasons
with 30-50% failure demand, channels shifting from phone to web, winter peaks and quiet bank holidays, customers who
chase up earlier contacts, and one dated intervention (Housing repairs, 1 June 2024, online repairs tracking) after
which chasing contacts and days to close step down, so every page has a real signal to find.

Nothing here is real; the only real figures are the Socitm 2012 channel costs, named as such. ``build_demo(con)``
writes the six demo datasets (the payments: ``data/demo_spend.py``) through the normal loader. From the shell
(``./run.sh`` does this when the store is empty; while the app runs the store is locked, so stop it first):

    python -m data.demo [--db PATH] [--if-empty]

It records the build in the audit trail as made by ``cli:<operating-system user>``. The command lives here, beside the generator, so that ``analysis`` imports nothing from ``data``.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from analysis import explore, store
from analysis.governance import audit
from analysis.workshop import notes, actions as session_actions, removal as session_removal, sessions
from analysis.lookups import DEMO_SOURCE
from analysis.errors import StocktakeError
from analysis.formatting import format_count
from analysis.load.ingest import load_frame
from analysis.interventions import add_intervention, list_interventions
from analysis.load.prepare import prepare_dataset
from data.demo_spend import PAYMENT_ROLES, SPEND_DATASET, build_payments

SEED = 20240601
VOLUME_SCALE = 1.13  # brings the total to about 500,000 contacts
START = pd.Timestamp("2022-04-01")
END = pd.Timestamp("2025-11-14")  # mid-month on purpose: the last month is incomplete
INTERVENTION_DAY = pd.Timestamp("2024-06-01")
INTERVENTION_SERVICE = "Housing repairs"
INTERVENTION_LABEL = "Online repairs tracking launched"

RECORDS_DATASET = "demo_contacts"
CLASSIFICATION_DATASET = "demo_contacts_classification"
POPULATION_DATASET = "demo_ward_population"
CHANNEL_COST_DATASET = "demo_channel_costs"
KPI_DATASET = "demo_kpis"

# England and Wales bank holidays in the demo's span (gov.uk list).
BANK_HOLIDAYS = pd.to_datetime([
    "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02", "2022-06-03", "2022-08-29", "2022-09-19", "2022-12-26",
    "2022-12-27", "2023-01-02", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08", "2023-05-29", "2023-08-28",
    "2023-12-25", "2023-12-26", "2024-01-01", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27", "2024-08-26",
    "2024-12-25", "2024-12-26", "2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25",
])

WARDS = {  # ward -> population (fictional)
    "Abbey Green": 14210, "Barnsbury Park": 12880, "Castle Hill": 15630, "Dockside": 16940, "Eastfield": 11320,
    "Fairmead": 13470, "Gresham": 9860, "Hartley Vale": 12150, "Ivy Lane": 10740, "Juniper Rise": 13990,
    "Kingsbridge": 15020, "Larkwood": 11860, "Mill Street": 14470, "Northgate": 12630, "Oakley": 10380,
    "Parkside": 13140, "Queens Wharf": 16210, "Riverside": 15480, "St Anne's": 11590, "Thornbury": 12790,
}
# Wards with more deprivation contact the council more often per resident.
WARD_CONTACT_FACTOR = {"Dockside": 1.45, "Queens Wharf": 1.35, "Eastfield": 1.3, "Mill Street": 1.2, "Gresham": 0.75,
                       "Oakley": 0.8, "Juniper Rise": 0.85}


@dataclass(frozen=True)
class ServiceProfile:
    name: str
    daily_volume: float  # average weekday contacts at the start
    winter_boost: float  # extra share in Dec-Feb
    spring_boost: float  # extra share in Mar-Apr (council tax bills, potholes)
    median_days_to_close: float
    handling_factor: float
    job_cost: float  # average £ of work per case beyond handling
    reasons: tuple[tuple[str, str, float], ...]  # (reason, 'failure'|'value', weight)
    has_property: bool = False


SERVICES = (
    ServiceProfile("Housing repairs", 95, 0.30, 0.0, 12, 1.3, 140.0, (
        ("Report a repair", "value", 0.38), ("Chasing progress", "failure", 0.24),
        ("Repair not fixed first time", "failure", 0.12), ("Missed appointment", "failure", 0.07),
        ("Damp and mould", "value", 0.12), ("Book an inspection", "value", 0.07)), True),
    ServiceProfile("Waste and recycling", 70, 0.15, 0.0, 3, 0.8, 6.0, (
        ("Missed collection", "failure", 0.26), ("Missed collection reported again", "failure", 0.10),
        ("Order a new bin", "value", 0.22), ("Bulky waste collection", "value", 0.20),
        ("Garden waste subscription", "value", 0.12), ("Chasing bin delivery", "failure", 0.10))),
    ServiceProfile("Council tax", 60, 0.0, 0.45, 6, 1.0, 0.0, (
        ("Set up direct debit", "value", 0.22), ("Change of address", "value", 0.20),
        ("Single person discount", "value", 0.14), ("Query about bill", "failure", 0.18),
        ("Chasing refund", "failure", 0.12), ("Reminder letter query", "failure", 0.14)), True),
    ServiceProfile("Adult social care front door", 25, 0.12, 0.0, 21, 2.2, 60.0, (
        ("Request an assessment", "value", 0.36), ("Carer support", "value", 0.18),
        ("Safeguarding concern", "value", 0.12), ("Chasing assessment", "failure", 0.22),
        ("Equipment not delivered", "failure", 0.12))),
    ServiceProfile("Parking", 40, 0.0, 0.0, 8, 0.9, 0.0, (
        ("Apply for a permit", "value", 0.30), ("Pay a penalty charge", "value", 0.22),
        ("Challenge a penalty charge", "value", 0.18), ("Permit not received", "failure", 0.16),
        ("Chasing appeal", "failure", 0.14))),
    ServiceProfile("Planning", 20, 0.0, 0.10, 30, 1.5, 0.0, (
        ("Pre-application advice", "value", 0.30), ("Report a breach", "value", 0.20),
        ("Application status query", "failure", 0.32), ("Missing documents query", "failure", 0.18))),
    ServiceProfile("Highways", 30, 0.20, 0.25, 15, 0.9, 90.0, (
        ("Report a pothole", "value", 0.38), ("Streetlight not working", "value", 0.20),
        ("Pothole reported again", "failure", 0.22), ("Chasing repair", "failure", 0.20))),
    ServiceProfile("Benefits", 45, 0.08, 0.10, 18, 1.4, 0.0, (
        ("New claim", "value", 0.28), ("Change of circumstances", "value", 0.26),
        ("Chasing claim decision", "failure", 0.24), ("Overpayment query", "failure", 0.10),
        ("Evidence not received", "failure", 0.12))),
)

CHANNELS = ("Phone", "Web", "Email", "Face to face")
# Channel shares at the start and the end of the span; they move linearly in between.
CHANNEL_SHARE_START = np.array([0.60, 0.20, 0.12, 0.08])
CHANNEL_SHARE_END = np.array([0.36, 0.46, 0.13, 0.05])
HANDLING_MINUTES = {"Phone": 8.0, "Web": 2.5, "Email": 6.0, "Face to face": 16.0}

SOCITM_SOURCE = "Socitm Insight 2012 channel value benchmark (average cost per simple transaction)"
CHANNEL_COSTS = pd.DataFrame({
    "channel": ["Face to face", "Phone", "Web", "Email"],
    "unit_cost": [8.62, 2.83, 0.15, 1.50],
    "source": [SOCITM_SOURCE, SOCITM_SOURCE, SOCITM_SOURCE,
               "Northbridge contact centre estimate 2024 (fictional, for the demo)"],
})


def _daily_expected(profile: ServiceProfile, days: pd.DatetimeIndex) -> np.ndarray:
    """Expected contacts per day for one service: weekday pattern, seasons, bank holidays, gentle growth."""
    weekday = days.day_of_week.to_numpy()
    base = np.where(weekday < 5, 1.0, np.where(weekday == 5, 0.35, 0.25))
    base = np.where(weekday == 0, 1.18, base)  # Mondays carry the weekend's backlog
    month = days.month.to_numpy()
    season = 1.0 + profile.winter_boost * np.isin(month, [12, 1, 2]) + profile.spring_boost * np.isin(month, [3, 4])
    holiday = np.where(days.isin(BANK_HOLIDAYS), 0.3, 1.0)
    years = (days - START).days.to_numpy() / 365.25
    growth = 1.0 + 0.03 * years
    expected = VOLUME_SCALE * profile.daily_volume * base * season * holiday * growth
    if profile.name == INTERVENTION_SERVICE:
        # After the intervention far fewer people need to chase: overall volume steps down by about a fifth.
        expected = np.where(days >= INTERVENTION_DAY, expected * 0.8, expected)
    return expected


def _reason_weights(profile: ServiceProfile, after_intervention: bool) -> np.ndarray:
    weights = np.array([w for _, _, w in profile.reasons], dtype=float)
    if profile.name == INTERVENTION_SERVICE and after_intervention:
        for i, (reason, _, _) in enumerate(profile.reasons):
            if reason == "Chasing progress":
                weights[i] *= 0.3
            elif reason == "Missed appointment":
                weights[i] *= 0.6
    return weights / weights.sum()


def build_contacts(seed: int = SEED) -> pd.DataFrame:
    """About 500,000 contact records, sorted by time, with ids from 1."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(START, END, freq="D")
    ward_names = np.array(list(WARDS))
    ward_weight = np.array([WARDS[w] * WARD_CONTACT_FACTOR.get(w, 1.0) for w in ward_names], dtype=float)
    ward_weight /= ward_weight.sum()
    span_days = (END - START).days

    frames = []
    for service_index, profile in enumerate(SERVICES):
        counts = rng.poisson(_daily_expected(profile, days))
        day_of_row = np.repeat(days.to_numpy(), counts)
        n = len(day_of_row)
        day_series = pd.DatetimeIndex(day_of_row)
        after = day_series >= INTERVENTION_DAY

        # Reasons: drawn with the weights in force on the day (the intervention changes repairs' mix).
        reason_names = np.array([r for r, _, _ in profile.reasons])
        reason_idx = np.empty(n, dtype=int)
        for flag in (False, True):
            mask = after == flag
            reason_idx[mask] = rng.choice(len(reason_names), size=mask.sum(), p=_reason_weights(profile, flag))
        reasons = reason_names[reason_idx]

        # Channels: phone share falls and web share rises linearly over the span.
        progress = ((day_series - START).days.to_numpy() / span_days)[:, None]
        shares = CHANNEL_SHARE_START[None, :] * (1 - progress) + CHANNEL_SHARE_END[None, :] * progress
        cumulative = np.cumsum(shares, axis=1)
        channel_idx = (rng.random(n)[:, None] > cumulative).sum(axis=1).clip(0, len(CHANNELS) - 1)
        channels = np.array(CHANNELS)[channel_idx]

        # Time of day: phone and counters in office hours, web and email around the clock with an evening bump.
        office = np.isin(channels, ["Phone", "Face to face"])
        hour = np.where(
            office,
            np.clip(rng.normal(11.5, 2.3, n), 8, 17.99),
            np.clip(rng.normal(14.5, 4.5, n), 0, 23.99),
        )
        received = day_of_row + (np.floor(hour * 3600) * 1e9).astype("timedelta64[ns]")  # whole seconds

        wards = rng.choice(ward_names, size=n, p=ward_weight)
        frames.append(pd.DataFrame({
            "received_at": received, "service": profile.name, "reason": reasons, "channel": channels, "ward": wards,
            "_service_index": service_index, "_failure": np.isin(
                reasons, [r for r, t, _ in profile.reasons if t == "failure"]),
        }))

    contacts = pd.concat(frames, ignore_index=True)
    contacts = contacts.sort_values(["received_at", "service"], kind="stable", ignore_index=True)
    n = len(contacts)

    # Customers: most contacts come from someone new; failure demand ("chasing", "reported again") mostly comes from
    # a customer of the same service a few days to a few weeks earlier, which is what makes repeat demand real.
    customer_numbers = rng.permutation(np.arange(1, n + 1))
    customer = customer_numbers.copy()
    for service_index in range(len(SERVICES)):
        rows = np.flatnonzero(contacts["_service_index"].to_numpy() == service_index)
        failure = contacts["_failure"].to_numpy()[rows]
        per_day = len(rows) / max((END - START).days, 1)
        lag = np.maximum(1, (rng.gamma(2.0, 5.0, len(rows)) * per_day).astype(int))
        earlier = np.arange(len(rows)) - lag
        chase = failure & (earlier >= 0) & (rng.random(len(rows)) < 0.75)
        # Walk forward so a chase of a chase keeps the original customer.
        service_customers = customer[rows]
        for i in np.flatnonzero(chase):
            service_customers[i] = service_customers[earlier[i]]
        customer[rows] = service_customers
    contacts["customer_id"] = pd.Series(customer).map(lambda c: f"C{c:07d}")

    profiles = {p.name: p for p in SERVICES}
    service_arr = contacts["service"].to_numpy()
    has_property = np.isin(service_arr, [p.name for p in SERVICES if p.has_property])
    contacts["property_id"] = pd.Series(np.where(has_property, pd.Series(customer % 41_000).map(
        lambda p: f"P{p:06d}").to_numpy(), None), dtype="str")

    # Days to close: log-normal around each service's median; repairs close faster after the intervention.
    median_days = np.array([profiles[s].median_days_to_close for s in service_arr])
    after = contacts["received_at"].to_numpy() >= INTERVENTION_DAY.to_datetime64()
    median_days = np.where((service_arr == INTERVENTION_SERVICE) & after, median_days * 0.65, median_days)
    days_to_close = median_days * np.exp(rng.normal(0, 0.6, n))
    closed = contacts["received_at"].to_numpy() + (np.floor(days_to_close * 86400) * 1e9).astype("timedelta64[ns]")
    still_open = closed > (END + pd.Timedelta(hours=23, minutes=59)).to_datetime64()
    contacts["closed_at"] = pd.Series(closed).where(~still_open)
    contacts["status"] = np.where(still_open, "Open", "Closed")

    channel_minutes = contacts["channel"].map(HANDLING_MINUTES).to_numpy()
    handling_factor = np.array([profiles[s].handling_factor for s in service_arr])
    minutes = np.round(channel_minutes * handling_factor * rng.gamma(4.0, 0.25, n), 1)
    contacts["handling_minutes"] = minutes
    job_cost = np.array([profiles[s].job_cost for s in service_arr]) * rng.gamma(2.0, 0.5, n)
    contacts["cost"] = np.round(minutes / 60 * 32.0 + job_cost, 2)

    contacts.insert(0, "contact_id", np.arange(1, n + 1, dtype="int64"))
    contacts["received_at"] = contacts["received_at"].astype("datetime64[us]")
    contacts["closed_at"] = contacts["closed_at"].astype("datetime64[us]")
    return contacts[["contact_id", "received_at", "closed_at", "service", "reason", "channel", "ward", "status",
                     "cost", "handling_minutes", "customer_id", "property_id"]]


CONTACT_ROLES = {
    "contact_id": "record_id", "received_at": "date", "closed_at": "closed_date", "service": "service",
    "reason": "reason", "channel": "channel", "ward": "area", "status": "status", "cost": "cost",
    "handling_minutes": "handling_minutes", "customer_id": "customer_id", "property_id": "property_id",
}


def build_classification() -> pd.DataFrame:
    return pd.DataFrame(
        [(p.name, reason, kind) for p in SERVICES for reason, kind, _ in p.reasons],
        columns=["service", "reason", "demand_type"],
    )


def build_population() -> pd.DataFrame:
    return pd.DataFrame({"ward": list(WARDS), "population": [float(v) for v in WARDS.values()]})


def build_kpis(seed: int = SEED) -> pd.DataFrame:
    """Monthly KPI series with targets: satisfaction and first-contact resolution for every service, and repairs
    completed on time, which steps up after the intervention."""
    rng = np.random.default_rng(seed + 1)
    months = pd.date_range(START, END, freq="MS")
    rows = []
    for profile in SERVICES:
        winter = np.isin(months.month, [12, 1, 2]).astype(float)
        after = (months >= INTERVENTION_DAY).astype(float) if profile.name == INTERVENTION_SERVICE else 0 * winter
        satisfaction = 74 + 6 * after - 2.5 * winter + rng.normal(0, 1.6, len(months))
        resolved = 66 + 7 * after - 1.5 * winter + rng.normal(0, 2.0, len(months))
        series = [("Satisfied with service (%)", satisfaction, 80.0), ("Resolved at first contact (%)", resolved, 70.0)]
        if profile.name == INTERVENTION_SERVICE:
            on_time = 83 + 8 * after - 3 * winter + rng.normal(0, 1.5, len(months))
            series.append(("Repairs completed on time (%)", on_time, 90.0))
        for measure, values, target in series:
            for month, value in zip(months, values):
                rows.append((month, profile.name, measure, round(float(np.clip(value, 0, 100)), 1), target))
    frame = pd.DataFrame(rows, columns=["period", "service", "measure", "value", "target"])
    frame["period"] = frame["period"].astype("datetime64[us]")
    return frame


def build_demo(con, progress=None, user: str | None = None) -> dict[str, int]:
    """Write the six demo datasets into an open store, replacing earlier demo versions, and the example session
    (its changes recorded in the audit trail as ``user``). Returns rows per dataset."""
    say = progress or (lambda fraction, message: None)
    say(0.05, "Generating contact records")
    contacts = build_contacts()
    say(0.55, "Loading contact records")
    loaded = {}
    report = load_frame(con, contacts, dataset=RECORDS_DATASET, kind="records", roles=CONTACT_ROLES,
                        source_file=DEMO_SOURCE)
    loaded[RECORDS_DATASET] = report.rows_loaded
    say(0.8, "Loading lookups and KPI series")
    for name, frame, kind, roles in (
        (CLASSIFICATION_DATASET, build_classification(), "lookup",
         {"service": "service", "reason": "reason", "demand_type": "demand_type"}),
        (POPULATION_DATASET, build_population(), "lookup", {"ward": "area", "population": "population"}),
        (CHANNEL_COST_DATASET, CHANNEL_COSTS, "lookup", {"channel": "channel", "unit_cost": "unit_cost",
                                                        "source": "source"}),
        (KPI_DATASET, build_kpis(), "kpi", {"period": "period", "service": "service", "measure": "measure",
                                             "value": "value", "target": "target"}),
        (SPEND_DATASET, build_payments(), "spend", PAYMENT_ROLES),  # the borough's payments (data/demo_spend.py)
    ):
        loaded[name] = load_frame(con, frame, dataset=name, kind=kind, roles=roles,
                                  source_file=DEMO_SOURCE).rows_loaded
    _record_intervention(con)
    say(0.9, "Preparing repeat demand and the KPI summary")
    prepare_dataset(con, RECORDS_DATASET)
    say(0.95, "Writing the example stocktake session")
    build_demo_session(con, user=user)
    say(1.0, "Demo data ready")
    return loaded


def _record_intervention(con) -> None:
    """Annotate the demo's intervention so the Performance page can show it and rebase on it."""
    if len(list_interventions(con, RECORDS_DATASET)) == 0:
        add_intervention(con, RECORDS_DATASET, INTERVENTION_SERVICE, date(2024, 6, 1), INTERVENTION_LABEL)


DEMO_SESSION_TITLE = "Repairs stocktake, June 2025"
DEMO_SESSION_DAY = date(2025, 6, 18)
DEMO_ATTENDEES = ("Asha Patel (Head of Repairs)", "Tom Reid (Performance lead)", "Jo Lee (Finance business partner)",
                  "Sam Okafor (Digital team)", "Priya Shah (facilitator)")
_REPAIRS = {"dm_service": ["Housing repairs"]}
# (title, page, figure, controls): the five figures the repairs team looked at, data up to the end of May 2025.
DEMO_AGENDA = (
    ("Repairs contacts, month by month", "demand-drivers", "volume",
     {"dataset": RECORDS_DATASET, **_REPAIRS, "dm_from": "2023-04-01", "dm_to": "2025-05-31", "dm_split": "channel"}),
    ("What residents contact repairs about", "demand-drivers", "pareto",
     {"dataset": RECORDS_DATASET, **_REPAIRS, "dm_from": "2024-06-01", "dm_to": "2025-05-31"}),
    ("Failure demand in repairs since online tracking", "demand-drivers", "failure_trend",
     {"dataset": RECORDS_DATASET, **_REPAIRS, "dm_from": "2023-04-01", "dm_to": "2025-05-31"}),
    ("Repairs satisfaction against the 80% target", "performance-trends", "spc",
     {"dataset": KPI_DATASET, "pf_kpi": "Satisfied with service (%)", "pf_service": INTERVENTION_SERVICE}),
    ("Days to close a repair", "performance-trends", "spc",
     {"dataset": RECORDS_DATASET, "pf_kpi": "median_days_to_close", "pf_service": INTERVENTION_SERVICE,
      "pf_rebase_date": "2024-06-01"}),
)
DEMO_NOTES = (
    (3, "Chasing calls fell by about a third after online repairs tracking went live in June 2024; the room wants "
        "to see whether the fall holds through the winter."),
    (None, "Satisfaction is up since June 2024 but the 80% target is met only in some months: agree what good "
           "looks like before the next stocktake."),
)
DEMO_ACTIONS = (
    ("Check that the fall in chasing calls held through winter 2024/25", "Asha Patel", date(2025, 7, 31), "open", 3),
    ("Cost the saving from removing half of the chasing calls", "Jo Lee", date(2025, 6, 30), "done", None),
    ("Text reminders for repair appointments", "Sam Okafor", date(2025, 9, 30), "dropped", 2),
)


def build_demo_session(con, user: str | None = None) -> int:
    """The example session, so the Workshop page and the pack show something on first run. A demo rebuild
    replaces it (with the demo datasets it is about)."""
    for existing in sessions.list_sessions(con):
        if existing.title == DEMO_SESSION_TITLE:
            session_removal.delete_session(con, existing.id, user=user)
    session_id = sessions.create_session(con, DEMO_SESSION_TITLE, held_on=DEMO_SESSION_DAY,
                                         dataset=RECORDS_DATASET, attendees=DEMO_ATTENDEES, user=user)
    items = [sessions.add_view(con, session_id,
                               sessions.View(page, figure, explore.url_params(page, state), state), title,
                               user=user)
             for title, page, figure, state in DEMO_AGENDA]
    for position, (item_number, text) in enumerate(DEMO_NOTES):
        notes.add_note(con, session_id, text, item_id=items[item_number - 1] if item_number else None,
                       written_at=datetime(2025, 6, 18, 10, 20 + 25 * position), user=user)
    for what, owner, due, status, item_number in DEMO_ACTIONS:
        session_actions.add_action(con, session_id, what, owner=owner, due=due, status=status,
                                   item_id=items[item_number - 1] if item_number else None, user=user)
    return session_id


def main(argv: list[str] | None = None) -> int:
    """``python -m data.demo``: build (or rebuild) the demo borough's datasets. Exit 0, or 2 with one line on stderr
    when the store cannot be opened (another program, usually the running app, holds it)."""
    parser = argparse.ArgumentParser(prog="python -m data.demo", description="Build the demo borough's datasets.")
    parser.add_argument("--db", help="DuckDB file (default: $STOCKTAKE_DB or data/stocktake.duckdb)")
    parser.add_argument("--if-empty", action="store_true", help="only build when the store has no datasets yet")
    args = parser.parse_args(argv)
    try:
        con = store.open_store(args.db)
    except StocktakeError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    try:
        if args.if_empty and store.list_datasets(con):
            return 0
        started = time.monotonic()
        show = sys.stderr.isatty()
        loaded = build_demo(con, progress=lambda f, m: print(f"[{f:4.0%}] {m}", file=sys.stderr) if show else None,
                            user=audit.cli_user())
        # Recorded as every command-line change is: by cli:<operating-system user>.
        with con.cursor() as cur:
            for name, rows in loaded.items():
                audit.record_change(cur, user=audit.cli_user(), action=audit.DEMO_BUILT, dataset=name,
                                    version=store.dataset_version(con, name) or None,
                                    detail=f"Demo data: {format_count(rows)} rows, from the command line")
    finally:
        con.close()
    print(f"Demo data built in {time.monotonic() - started:.1f} s: "
          + ", ".join(f"{name} ({format_count(rows)} rows)" for name, rows in loaded.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
