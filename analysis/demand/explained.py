"""How each figure of the Demand page is worked out, in the words the page shows under it ("How this is
calculated"), and the column headings of each figure's download. Kept with the analysis they describe, so the page
only lays them out."""

from __future__ import annotations

from analysis.demand.repeats import REPEAT_WINDOW_DAYS

VOLUME = ("Records counted per {grain} by the date received. Weeks start on Monday; financial years run 1 April to "
          "31 March. A period is marked **incomplete** when the data (or the chosen dates) start or end inside it, so "
          "a low count there is not a fall in demand. With a split, the 8 largest groups are shown and the rest are "
          "added up as 'All other'. Click a bar to drill the page down to its group.")

PARETO = ("Reasons are ranked by number of records; the line is the running total as a share of all records. The "
          "count of reasons making up 80% is the fewest reasons whose records reach 80% of the total. Click a bar to "
          "drill down to that reason.")
PARETO_COLUMNS = {"rank": "Rank", "reason": "Reason", "count": "Records", "share": "Share",
                  "cumulative_share": "Cumulative share", "in_core": "Among the reasons making 80%"}

FAILURE = ("Each record takes the demand type of its service and reason from the classification above. The failure "
           "share is failure records ÷ (failure + value records): unclassified records are left out of the share "
           "and counted separately. Click a bar to drill down to that service or channel.")
FAILURE_COLUMNS = {"group": "Group", "failure": "Failure records", "value": "Value records",
                   "unclassified": "Unclassified records", "total": "All records",
                   "failure_share": "Failure share of classified", "unclassified_share": "Unclassified share"}

REPEAT_COLUMNS = {"reason": "Reason", "channel": "Channel", "contacts": "Contacts", "repeats": "Repeats",
                  "repeat_rate": "Repeat rate"}
PAIR_COLUMNS = {"previous_reason": "Previous reason", "reason": "Repeat reason", "count": "Repeats",
                "share_of_repeats": "Share of all repeats"}


def repeats(by: str, window: int) -> str:
    who = "customer" if by == "customer_id" else "property"
    return (f"Each {who}'s contacts are put in time order (all services and reasons, including contacts before the "
            "chosen period). A contact is a repeat when the previous one was "
            f"{window} calendar days or fewer before it (10 January then 7 February is within 28 days, whatever the "
            "times of day). Contacts without an id are left out. The pairs are the previous contact's reason and the "
            "repeat's reason. The Performance page's 'Repeat contacts' KPI counts repeats the same way, with a "
            f"{REPEAT_WINDOW_DAYS}-day window.")


SEASONALITY = ("Records counted by day of the week and hour the contact was received, and by calendar month and year. "
               "Click a cell to drill the page down to it.")


def change(period_labels: list[str], by_label: str) -> str:
    return (f"Records counted in each period ({'; '.join(period_labels)}) for each {by_label.lower()}. Each "
            "contribution is that group's own change (second minus first), so the contributions add up exactly to "
            "the total change. The 10 largest changes are shown, the rest added up as 'All other'. Periods of "
            "different lengths are compared as they are: choose periods of equal length.")


NO_POPULATION = ("No population lookup applies to this dataset: load one (a lookup dataset with 'Area' and "
                 "'Population' columns) whose area names match this dataset's, or choose one above, to see records "
                 "per 1,000 residents by area.")
RATE_COLUMNS = {"area": "Area", "count": "Records", "population": "Population",
                "rate_per_1000": "Per 1,000 residents", "annual_rate_per_1000": "Per 1,000 a year"}


def rate(population_name: str) -> str:
    return (f"Records in the chosen period for each area ÷ the area's population in '{population_name}' × 1,000. "
            "Area names are matched ignoring capitals and spaces. The yearly rate divides by the years the period "
            "spans. Click a bar to drill down to that area.")


FORECAST = ("Complete periods only (a part period at either end is left out). **Seasonal naive**: each period is "
            "forecast as the same period one season earlier (same month last year, same weekday last week). **ETS**: "
            "exponential smoothing with a damped trend and seasonality (statsmodels). Bands are 80% and 95% "
            "prediction intervals. **MASE**: the average error forecasting the last periods from earlier data, "
            "divided by the typical error of 'same period last season'; below 1 is better than that yardstick.")
FORECAST_COLUMNS = {"model": "Model", "label": "Period", "mean": "Forecast", "lo80": "80% from", "hi80": "80% to",
                    "lo95": "95% from", "hi95": "95% to"}
