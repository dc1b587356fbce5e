"""How the Performance page's figures are read, in the words the page shows, and the column headings of each
figure's download. Kept with the analysis they describe, so the page only lays them out."""

from __future__ import annotations

RULE_LABELS = {"nhsr": "NHS-R (NHSRplotthedots)", "mdc": "Making Data Count tool"}
DIRECTION_LABELS = {"increase": "Higher is better", "decrease": "Lower is better", "neutral": "Neither"}
SPLIT_LABELS = {"service": "Service", "area": "Area", "channel": "Channel"}

SPC_COLUMNS = {"date": "Period", "value": "Value", "mean": "Mean", "lpl": "Lower process limit",
               "upl": "Upper process limit", "near_lpl": "Lower near limit", "near_upl": "Upper near limit",
               "special_cause_detail": "Rule", "point_type": "Reading", "target": "Target", "trajectory": "Trajectory"}
SUMMARY_COLUMNS = {"kpi_label": "KPI", "series": "Service", "latest_period": "Latest period",
                   "latest_value": "Latest value", "target": "Target", "mean": "Mean", "lpl": "Lower process limit",
                   "upl": "Upper process limit", "variation": "Variation", "assurance": "Assurance", "points": "Points"}


def how_to_read(trend_points: int, shift_points: int) -> str:
    return (
        "- The **black line** is the mean; the **dashed grey lines** are the process limits (mean ± 2.66 × the "
        "average moving range). Points inside them vary by chance alone (*common cause*).\n"
        "- A point is a **special cause** when it is outside the limits, part of a run of "
        f"{trend_points} rising or falling points, two of three points near a limit, or part of "
        f"{shift_points} points on one side of the mean. Coloured points show which way it "
        "went: improvement or concern, according to which way is better.\n"
        "- **Assurance** compares the target with the limits: a target outside them will consistently be met "
        "or missed; a target between them will be met some months and missed others, by chance.\n"
        "- Hover over a point to see the rule that fired.")


def target_scale(unit: str) -> float:
    """Targets are typed as people read them: 95 for 95% when the KPI is a share (stored as 0.95)."""
    return 100.0 if unit == "share" else 1.0
