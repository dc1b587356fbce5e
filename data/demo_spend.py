"""The demo borough's spending: Northbridge's payments over £500, as a council publishes them every month under the
Local Government Transparency Code (payment date, amount, supplier, expenditure category, service area), April 2022
to September 2025.

Deterministic and fictional. The ledger names its services as a finance system does ("Housing Repairs &
Maintenance", "Revenues - Council Tax"), not as the contact records do ("Housing repairs", "Council tax"), so the
Spend page's matching of services has real work; two services of the ledger have no contact records at all
("Corporate Services", "Legal & Democratic"), and the records run a month past the spending (October 2025), so the
unit costs leave months out and say so. About 2% of the lines are credits (refunds, corrections).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SPEND_DATASET = "demo_payments"
SEED = 20250401
START, END = pd.Timestamp("2022-04-01"), pd.Timestamp("2025-09-30")
CREDIT_SHARE = 0.02
# Ledger service -> (the contact records' service or None, monthly spend in £, categories with their weights).
LEDGER = {
    "Housing Repairs & Maintenance": ("Housing repairs", 1_450_000, {
        "Responsive repairs contractor": 0.45, "Materials": 0.15, "Agency staff": 0.12, "Damp and mould works": 0.14,
        "Vehicle hire": 0.06, "Professional fees": 0.08}),
    "Waste & Recycling": ("Waste and recycling", 980_000, {
        "Waste collection contract": 0.55, "Disposal and landfill tax": 0.25, "Bins and containers": 0.08,
        "Vehicle fuel": 0.07, "Agency staff": 0.05}),
    "Revenues - Council Tax": ("Council tax", 310_000, {
        "Printing and postage": 0.30, "ICT software licences": 0.35, "Enforcement agents": 0.20,
        "Agency staff": 0.15}),
    "Adult Social Care": ("Adult social care front door", 2_600_000, {
        "Residential care placements": 0.50, "Home care": 0.30, "Equipment and adaptations": 0.10,
        "Agency staff": 0.10}),
    "Parking Services": ("Parking", 240_000, {
        "Enforcement contract": 0.55, "Pay and display machines": 0.20, "Printing and postage": 0.10,
        "ICT software licences": 0.15}),
    "Planning & Building Control": ("Planning", 190_000, {
        "Professional fees": 0.45, "Agency staff": 0.35, "Legal fees": 0.20}),
    "Highways & Transport": ("Highways", 820_000, {
        "Highways maintenance contract": 0.60, "Street lighting energy": 0.20, "Materials": 0.12,
        "Professional fees": 0.08}),
    "Benefits Administration": ("Benefits", 260_000, {
        "ICT software licences": 0.40, "Agency staff": 0.35, "Printing and postage": 0.25}),
    "Corporate Services": (None, 520_000, {
        "ICT hardware": 0.30, "ICT software licences": 0.30, "Utilities": 0.25, "Insurance": 0.15}),
    "Legal & Democratic": (None, 140_000, {"Legal fees": 0.6, "Elections": 0.25, "Printing and postage": 0.15}),
}
SUPPLIERS = {  # category -> the firms that supply it (fictional), largest first
    "Responsive repairs contractor": ["Northbridge Building Services Ltd", "Keystone Maintenance plc"],
    "Materials": ["Castle Builders Merchants", "Riverside Timber & Supplies", "Dockside Plumbing Supplies"],
    "Agency staff": ["Meridian Recruitment Ltd", "Brightway Interim", "Harbour Staffing Solutions"],
    "Damp and mould works": ["DryHome Specialists Ltd", "Northbridge Building Services Ltd"],
    "Vehicle hire": ["Greenfleet Vehicle Hire"], "Vehicle fuel": ["Allstar Fuel Cards"],
    "Professional fees": ["Abbey Consulting Engineers", "Larkwood Surveyors LLP", "Gresham Planning Associates"],
    "Waste collection contract": ["CleanStreets Environmental Ltd"],
    "Disposal and landfill tax": ["Thornbury Waste Disposal Authority"],
    "Bins and containers": ["Binmakers UK Ltd"], "Printing and postage": ["Royal Mail Group", "PrintPoint Ltd"],
    "ICT software licences": ["Civica UK Ltd", "Capita Software", "Microsoft Ltd"],
    "Enforcement agents": ["Marston Holdings"], "Residential care placements": [
        "Oakley Care Homes Ltd", "St Anne's Nursing Home", "Juniper Rise Care", "Riverside Lodge Care"],
    "Home care": ["Caring Hands Homecare", "Northgate Home Support Ltd", "Kingsbridge Care at Home"],
    "Equipment and adaptations": ["Medequip Assistive Technology"], "Enforcement contract": ["APCOA Parking UK"],
    "Pay and display machines": ["Flowbird UK"], "Legal fees": ["Sharpe Pritchard LLP", "Bevan Brittan LLP"],
    "Highways maintenance contract": ["Ringway Infrastructure Services"],
    "Street lighting energy": ["EDF Energy Customers Ltd"], "ICT hardware": ["Dell Corporation Ltd", "XMA Ltd"],
    "Utilities": ["EDF Energy Customers Ltd", "Thames Water Utilities"], "Insurance": ["Zurich Municipal"],
    "Elections": ["Civica Election Services", "PrintPoint Ltd"],
}
CAPITAL = {"Damp and mould works", "Equipment and adaptations", "ICT hardware", "Bins and containers"}


def build_payments(seed: int = SEED) -> pd.DataFrame:
    """Every payment line, in date order: Payment Date, Service Area, Expenditure Category, Supplier Name, Amount,
    Capital or Revenue, Cost Centre, Transaction Number."""
    rng = np.random.default_rng(seed)
    rows = []
    months = pd.date_range(START, END, freq="MS")
    for month_index, month in enumerate(months):
        # Payment runs on Tuesdays and Thursdays that are not bank holidays near Christmas.
        days = pd.date_range(month, month + pd.offsets.MonthEnd(0), freq="D")
        runs = days[days.day_of_week.isin([1, 3]) & ~((days.month == 12) & (days.day > 24))]
        for service_index, (service, (_, monthly, categories)) in enumerate(LEDGER.items()):
            growth = 1 + 0.035 * month_index / 12  # inflation
            winter = 1.12 if month.month in (12, 1, 2) and service.startswith(("Housing", "Highways")) else 1.0
            target = monthly * growth * winter * rng.normal(1.0, 0.05)
            names, weights = list(categories), np.array(list(categories.values()))
            lines = max(8, int(target / 9_000))
            picked = rng.choice(len(names), size=lines, p=weights / weights.sum())
            amounts = rng.lognormal(0, 0.9, size=lines)
            amounts = np.maximum(500.0, amounts / amounts.sum() * target)
            for n, (category_index, amount) in enumerate(zip(picked, amounts)):
                category = names[category_index]
                firms = SUPPLIERS[category]
                supplier = firms[min(int(rng.exponential(0.8)), len(firms) - 1)]
                credit = rng.random() < CREDIT_SHARE
                rows.append((runs[rng.integers(len(runs))], service, category, supplier,
                             round(-amount * 0.3 if credit else amount, 2),
                             "Capital" if category in CAPITAL else "Revenue", f"CC{100 + service_index * 10:04d}",
                             f"NB{month:%Y%m}-{service_index:02d}{n:04d}"))
    frame = pd.DataFrame(rows, columns=["Payment Date", "Service Area", "Expenditure Category", "Supplier Name",
                                        "Amount", "Capital or Revenue", "Cost Centre", "Transaction Number"])
    frame["Payment Date"] = frame["Payment Date"].astype("datetime64[us]")
    return frame.sort_values(["Payment Date", "Transaction Number"], ignore_index=True)


PAYMENT_ROLES = {"Payment Date": "date", "Service Area": "service", "Expenditure Category": "category",
                 "Supplier Name": "supplier", "Amount": "amount", "Capital or Revenue": "capital_revenue",
                 "Cost Centre": "cost_centre", "Transaction Number": "transaction_id"}
