"""What every Stocktake chart shares: colours, sizes, number formats and titles."""

from __future__ import annotations

import altair as alt
import pandas as pd

# NHS "Making Data Count" point colours, as NHSRplotthedots' ptd_spc_colours() has them: blue for special cause
# improvement, orange for concern, purple for a change with no better or worse, grey for common cause.
# Only SPC charts and icons use these; other charts take the named colours below, so the meaning stays unique.
MDC_IMPROVEMENT = "#289DE0"  # blue
MDC_CONCERN = "#FAB428"  # orange
MDC_COMMON = "#7B7D7D"  # grey
MDC_NEUTRAL = "#361475"  # purple

# Accent colours for non-SPC charts (from the Okabe-Ito palette below).
ACCENT_ORANGE = "#E69F00"
ACCENT_SKY = "#56B4E9"
ACCENT_PURPLE = "#490092"
NEUTRAL_GREY = "#A6A6A6"
NHS_BLUE = "#005EB8"
DARK_GREY = "#425563"
TARGET_RED = "#DA291C"

# A colour-blind-safe categorical palette (Okabe-Ito) for splits by channel, service, area.
CATEGORY_PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]

COUNT_FORMAT = ",.0f"
# Axis labels as £1,234 (and -£1,234), for any axis holding money: Streamlit draws a chart without the locale in its
# usermeta, so a d3 currency format ('$,.0f') writes dollars.
MONEY_LABEL = "(datum.value < 0 ? '-£' : '£') + format(abs(datum.value), ',.0f')"

# d3 locale so Vega-Lite writes £ and UK dates.
UK_FORMAT_LOCALE = {
    "decimal": ".",
    "thousands": ",",
    "grouping": [3],
    "currency": ["£", ""],
}
UK_TIME_LOCALE = {
    "dateTime": "%a %e %b %X %Y",
    "date": "%d/%m/%Y",
    "time": "%H:%M:%S",
    "periods": ["AM", "PM"],
    "days": ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
    "shortDays": ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
    "months": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December"],
    "shortMonths": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
}

DEFAULT_HEIGHT = 320


def label_axis(label_limit: int, **options) -> alt.Axis:
    """An axis of category labels up to ``label_limit`` px wide (reasons, areas, services) with its title beyond them.
    Vega puts an axis title no further than the axis's maxExtent (200 px by default) from the axis, so labels wider
    than that ran under the title ("Which reasons follow which": "Previous reason → repeat reason" over the pairs).
    The extent allows for the ticks and padding; presentation scales both numbers alike."""
    return alt.Axis(labelLimit=label_limit, maxExtent=label_limit + 40, **options)


def titled(chart: alt.Chart, title: str, subtitle: str | list[str] | None = None) -> alt.Chart:
    """Give a chart its title (and an optional subtitle: a line, or a list of lines), left-aligned, and the UK number
    locale."""
    properties = title_properties(title, subtitle)
    if isinstance(chart, (alt.Chart, alt.LayerChart)):
        # The height is the plot's own; only the width fits the page. Streamlit's default ("fit") squeezes the title,
        # subtitle, axis titles and legend into the height, which left an SPC chart's plot 60 px tall and pushed a
        # long y-axis title over the chart's title.
        properties["autosize"] = alt.AutoSizeParams(type="fit-x", contains="padding")
    return chart.properties(**properties)  # one call: each .properties() copies the chart


def title_properties(title: str, subtitle: str | list[str] | None = None) -> dict:
    """:func:`titled`'s title and locale, for a chart made in one piece (``alt.FacetChart(..., **title_properties(t))``;
    a facet keeps Vega-Lite's own sizing)."""
    params = {"text": title, "anchor": "start", "fontSize": 16}
    if subtitle:
        params["subtitle"] = subtitle
        params["subtitleColor"] = DARK_GREY
    return {"title": alt.TitleParams(**params),
            "usermeta": {"embedOptions": {"formatLocale": UK_FORMAT_LOCALE, "timeFormatLocale": UK_TIME_LOCALE}}}


# Ticks of a time axis, by grain: Vega-Lite's own ticks fall between periods on a short series (three months gave
# "Jan 2024" twice), and "%b %Y" writes a financial year as "Apr 2015". So a short series gets one tick per period,
# written as the page writes that period; a long one gets the grain's format.
MAX_TICK_PER_PERIOD = 16
_AXIS_FORMAT = {"day": "%-d %b %Y", "week": "%-d %b %Y", "month": "%b %Y", "year": "%Y"}
_AXIS_LABEL_EXPR = {
    "quarter": "['Jan–Mar', 'Apr–Jun', 'Jul–Sep', 'Oct–Dec'][quarter(datum.value) - 1] + ' ' + year(datum.value)",
    "financial_year": "year(datum.value) + '/' + slice('' + (year(datum.value) + 1), 2)",
    "academic_year": "'AY ' + year(datum.value) + '/' + slice('' + (year(datum.value) + 1), 2)",
}


def period_axis(grain: str, dates=None, **options) -> alt.Axis:
    """A time axis whose labels follow ``grain`` ('2016/17', 'Apr–Jun 2024', 'Jan 2024', '3 Jun 2024'); with the
    period ``dates`` of a short series (MAX_TICK_PER_PERIOD or fewer), exactly one tick per period."""
    options.setdefault("labelAngle", 0)
    if grain in _AXIS_LABEL_EXPR:
        options["labelExpr"] = _AXIS_LABEL_EXPR[grain]
    else:
        options["format"] = _AXIS_FORMAT.get(grain, "%b %Y")
    # Distinct dates first: a small multiple repeats every date once per series.
    starts = list(pd.DatetimeIndex(pd.to_datetime(pd.Series(dates)).dropna().unique()).sort_values()) \
        if dates is not None else []
    if starts and len(starts) <= MAX_TICK_PER_PERIOD:
        options["values"] = [alt.DateTime(year=d.year, month=d.month, date=d.day) for d in starts]
    else:
        options.setdefault("tickCount", 8)
    return alt.Axis(**options)
