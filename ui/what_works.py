"""What works' list: every change measured, one bordered card each (the change, its verdict and evidence, the
effect, what the services without it show, and a small SPC chart rebased at the change), with a button that opens
its full chart."""

from __future__ import annotations

import streamlit as st

from analysis import store
from analysis.changes import declared, measure
from analysis.changes import effect as fx
from analysis.changes.page import OPEN_KEY
from analysis.registry import NotShown
from ui import cache
from ui.chart_specs import chart_spec
from ui.charts import show_chart
from ui.change_forms import render_edit_form
from ui.connection import catalogue
from ui.figures import app_context
from ui.text import plain

MAX_LISTED = 24  # cards drawn at once: each has a chart
BADGES = {fx.IMPROVED: "green", fx.WORSENED: "red", fx.TOO_EARLY: "blue", fx.NO_CHANGE: "gray",
          fx.NO_BASELINE: "gray", measure.NOT_MEASURED: "orange"}


def measured_all() -> list[measure.Measured]:
    """Every change measured, kept in the one cache until a change or any dataset does."""
    ctx = app_context()
    return cache.remember("what works", (str(store.default_db_path()),), declared.stamp(ctx),
                          lambda: measure.measure_all(ctx), "Measuring every change…")


def _open(key: str) -> None:
    st.session_state[OPEN_KEY] = key


def _small_chart(m: measure.Measured) -> None:
    try:
        frame = declared.chart_frame(m)
    except NotShown:
        return
    spec = chart_spec(declared.build_change_chart, m, frame, small=True)
    show_chart(spec, name=f"change_{m.key}", key=f"_ww_small_{m.key}", downloads=False)


def _dataset(name: str) -> store.Dataset | None:
    return next((d for d in catalogue() if d.name == name), None)


def render_card(m: measure.Measured, first: bool = True) -> None:
    """One measured figure of a change; ``first``: the change's first shown here (it carries the edit form)."""
    change = m.change
    with st.container(border=True):
        text, chart = st.columns([3, 2])
        with text:
            st.markdown(f"**{plain(change.title)}**  \n{plain(change.scope())} · {change.when()} · "
                        f"{plain(change.dataset)}" + (f" · owner {plain(change.owner)}" if change.owner else ""))
            if m.figure is not None:
                st.markdown(f"{plain(m.figure.label)}, meant to go {'down' if m.target.wanted == 'decrease' else 'up'}"
                            f": :{BADGES[m.verdict]}-badge[{m.verdict_label}]")
            st.caption(plain(m.evidence()[:1].upper() + m.evidence()[1:]))
            if m.effect_words():
                st.markdown(f"Effect: **{m.effect_words()}** a {fx.period_noun(m.figure.grain, 1)}"
                            + (f"; **{m.money_words()}**" if m.money_words() else ""))
            if m.confounded:
                st.warning(plain(m.control_sentence()), icon=":material/call_split:")
            elif m.control_sentence():
                st.caption(plain(m.control_sentence()))
            if m.effect is not None:
                st.button("Open its chart", key=f"_ww_open_{m.key}", icon=":material/open_in_full:", on_click=_open,
                          args=(m.key,))
            if first:
                render_edit_form(change, _dataset(change.dataset), expanded=not change.targets)
        with chart:
            if m.effect is not None:
                _small_chart(m)


def render_list(shown: list[measure.Measured]) -> None:
    if not shown:
        st.info("No change matches these filters.", icon=":material/filter_alt_off:")
        return
    seen: set[int] = set()
    for m in shown[:MAX_LISTED]:
        render_card(m, m.change.id not in seen)
        seen.add(m.change.id)
    if len(shown) > MAX_LISTED:
        st.caption(f"The first {MAX_LISTED} of {len(shown)}: narrow the filters to see the others.")
