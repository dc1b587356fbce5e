"""A crafted records store for the What works tests: three services over 21 months (April 2023 to December 2024),
contacts per month known by hand.

- "Repairs" (all by phone): 100 and 104 a month alternating for 12 months, then 90 and 94 from April 2024 (a step of
  826 / 9 - 102 = -10.22 a month); the change "Online tracking" starts there;
- "Parking": the same step at the same time (a control that moved too);
- "Waste": 100 and 104 all along (a control that did not).
"""

from __future__ import annotations

import pandas as pd

from analysis.load.ingest import load_frame

MONTHS = pd.date_range("2023-04-01", periods=21, freq="MS")
BEFORE = [100, 104] * 6
STEP = [90, 94] * 4 + [90]
STILL = [100, 104] * 4 + [100]
SERIES = {"Repairs": BEFORE + STEP, "Parking": BEFORE + STEP, "Waste": BEFORE + STILL}
CHANNELS = {"Repairs": "Phone", "Parking": "Web", "Waste": "Face to face"}
ROLES = {"id": "record_id", "received": "date", "service": "service", "reason": "reason", "channel": "channel",
         "area": "area"}


def records() -> pd.DataFrame:
    rows = []
    for service, counts in SERIES.items():
        for month, n in zip(MONTHS, counts):
            for i in range(n):
                day = month + pd.Timedelta(days=i % 28)
                if month == MONTHS[-1] and i == 0:
                    day = pd.Timestamp("2024-12-31 12:00")  # the data reach the last day: December is complete
                rows.append((day, service, "Chasing" if i % 2 else "New request", CHANNELS[service], "North"))
    frame = pd.DataFrame(rows, columns=["received", "service", "reason", "channel", "area"])
    frame.insert(0, "id", [f"C{i:06d}" for i in range(len(frame))])
    return frame


def load(con, dataset: str = "calls") -> None:
    load_frame(con, records(), dataset=dataset, kind="records", roles=ROLES)
