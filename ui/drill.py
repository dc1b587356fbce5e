"""The Demand page's drill-down, carried by the link: chart clicks become chips in a multiselect bound to the URL.

Streamlit cannot bind a chart selection to the URL. So at the top of each run :func:`absorb_clicks` turns the clicks
the charts received into chips (:mod:`analysis.drill`) held by the ``dm_drill`` multiselect, which is bound to the
URL; :func:`render_chips` draws it above the figures, where each chip can be removed. After a click the charts are
drawn under new keys (:func:`chart_key`), so the browser starts them with no selection and does not send the same
click again (a removed chip would otherwise come back on the next run).
"""

from __future__ import annotations

from typing import Mapping

import streamlit as st

from analysis import drill
from analysis.demand.page import DRILL_KEY
_ROUND_KEY = "_dm_drill_round"


def chart_key(base: str) -> str:
    """The key a drill-down chart is drawn under in this run."""
    return f"{base}_{st.session_state.get(_ROUND_KEY, 0)}"


def _selected(state, name: str) -> list[dict]:
    try:
        picked = state["selection"][name]
    except (KeyError, TypeError):
        return []
    if isinstance(picked, dict):  # some versions send {"field": [values]} rather than a list of points
        fields = list(picked)
        if fields and isinstance(picked[fields[0]], list):
            return [dict(zip(fields, values)) for values in zip(*(picked[f] for f in fields))]
        return [picked] if picked else []
    return list(picked or [])


def clicked(event, name: str) -> bool:
    """True when a chart's selection ``event`` (what ``st.vega_lite_chart`` returns) holds a click on ``name``."""
    return bool(_selected(event, name))


def current_chips(key: str = DRILL_KEY) -> list[str]:
    """The chips in force: the multiselect's, or the link's before the multiselect is first drawn (``key``: the
    page's drill-down control, the Demand page's by default; the Spend page's is ``sp_drill``)."""
    chips = st.session_state.get(key)
    if chips is None:
        chips = st.query_params.get_all(key)
    return [c for c in chips if drill.parse_chip(c)]


def absorb_clicks(charts: Mapping[str, tuple[str, str]], split: str,
                  fields: Mapping[str, tuple[str, ...]], key: str = DRILL_KEY) -> None:
    """Turn the clicks on ``charts`` (base key -> (selection name, target role, 'split', 'dayhour' or 'month')) since
    the last run into chips. Must run before :func:`render_chips` draws the multiselect."""
    chips = current_chips(key)
    clicked = False
    for base, (selection, target) in charts.items():
        points = _selected(st.session_state.get(chart_key(base)), selection)
        if not points:
            continue
        if target == "split":
            if not split:
                continue
            target = split
        field = None if target in ("dayhour", "month") else fields[selection][0]
        chips = drill.merge_click(chips, target, drill.chips_from_click(target, points, field))
        clicked = True
    if clicked:
        st.session_state[key] = chips
        st.session_state[_ROUND_KEY] = st.session_state.get(_ROUND_KEY, 0) + 1


def render_chips(key: str = DRILL_KEY) -> list[str]:
    """The drill-down chips above the figures; returns them. Drawn even with no chip: a bound widget drawn for the
    first time takes its value from the URL, so a click's chips would not reach the address otherwise."""
    options = list(dict.fromkeys([*st.query_params.get_all(key), *current_chips(key)]))
    options = [c for c in options if drill.parse_chip(c)]
    return st.multiselect("Drilled down to", options, key=key, bind="query-params",
                          placeholder="No drill-down: click a bar or a cell",
                          help="Set by clicking a chart. Remove a chip with its ×. The link carries them, so a "
                               "shared link opens the same drill-down.")


def clear_chips(key: str = DRILL_KEY) -> None:
    """A button's callback: no drill-down."""
    st.session_state[key] = []
