"""The Workshop's presentation screen: one agenda item per screen, laid out for the window it is projected in.

Everything a room reads is on the first screen at any size from 1024 x 768 to 3840 x 2160: the item's title beside
the position and Previous / Next, the figure's reading and headline numbers, and the whole chart (titles, axes and
legend). The screen above the scroll is a column of the window's height (``STAGE_KEY``, sized in CSS by
:data:`STAGE_CSS`), in which the chart takes what the words leave (Streamlit's ``height="stretch"``), so a two-line
title or a long reading makes the chart shorter instead of pushing it below the fold. The download menu, the figure's
filters and the note and action forms are under it, a scroll away. Headline numbers are shortened as a person says
them (``analysis.formatting.compact``: "£5.2m", "91.9%"), with the exact figure in their tooltip, and wrap under the
reading when they do not fit beside it. A 4K screen at 100% scale gets the same layout at 3840 px, enlarged. Not by
scaling the page in CSS (zoom or a transform), which makes Streamlit measure the chart's box at the scaled size and
Vega draw it twice too large: the chart's text is enlarged in its own spec (``for_presentation(window_scale=True)``) and the
words in rem from the root font, both with the window: at 3840 x 2160 twice their 1920 x 1080 size.

The neighbours' figures (the next item and the previous one) are worked out in a background thread while the current
one is shown (:func:`prepare`), through the one cache, so Next and Previous find them ready.
"""

from __future__ import annotations

import logging
import threading

import streamlit as st

from analysis import explore, store
from analysis.errors import StocktakeError
from analysis.formatting import compact
from analysis.registry import Drawn
from analysis.workshop import sessions
from analysis.workshop.presentation import HEADLINE_PX
from ui import session_forms as forms
from ui.charts import chart_downloads, show_chart
from ui.connection import get_connection
from ui.figures import AppContext, app_context
from ui.text import plain

STAGE_KEY = "ws_stage"
BAR_KEY = "ws_bar"
LEAD_KEY = "ws_lead"
LONG_LEAD_KEY = "ws_lead_long"  # a reading longer than LONG_READING_CHARS: set smaller so the chart keeps its room
LONG_READING_CHARS = 170
NUMBERS_KEY = "ws_numbers"
MAX_PRESENTED_NUMBERS = 3
MIN_CHART_PX = 260  # below this a chart is not worth projecting: the screen runs past the window instead

# Sizes in rem scale with the screen's root font: the presentation's 20 px (ui.presentation) up to 1920 x 1080, then
# growing with the window to 40 px at 3840 x 2160 (a 4K screen at 100%), as the chart's text does in its spec
# (for_presentation's window_scale); headline numbers and their labels grow alike. vh keeps a title and a reading to
# their share of a short window (1280 x 720), and the limits keep them readable on a tall one.
STAGE_CSS = f"""
<style>
  html {{ font-size: clamp(20px, min(1.0417vw, 1.852vh), 40px); }}
  [data-testid="stMainBlockContainer"] {{ padding: 2.2rem 2rem 1rem 2rem; }}
  .st-key-present_leave {{ position: fixed; top: .35rem; left: 1.2rem; z-index: 10; }}
  .st-key-present_leave button {{ min-height: 0; padding: 0; }}
  .st-key-present_leave p {{ font-size: .8rem; }}
  .st-key-{STAGE_KEY} {{ height: calc(100dvh - 3.2rem) !important;
      flex: 0 0 auto !important; flex-wrap: nowrap; gap: .6rem; }}
  .st-key-{STAGE_KEY} > div {{ flex-shrink: 0; }}
  .st-key-{STAGE_KEY} > [data-testid="stElementContainer"]:has([data-testid="stVegaLiteChart"]) {{
      flex: 1 1 0; min-height: {MIN_CHART_PX}px; }}
  .st-key-{STAGE_KEY} [data-testid="stMarkdownContainer"] {{ margin-bottom: 0; }}
  .st-key-{STAGE_KEY} h1 {{ font-size: clamp(1.6rem, min(6vh, 3.8vw), 2.6rem); padding: 0; margin: 0;
      line-height: 1.25; }}
  .st-key-{STAGE_KEY} button p {{ white-space: nowrap; }}
  .st-key-{BAR_KEY} {{ flex-wrap: nowrap; gap: 1rem; }}
  .st-key-{BAR_KEY} [data-testid="stCaptionContainer"] {{ text-align: right; white-space: nowrap; }}
  .st-key-{LEAD_KEY}, .st-key-{LONG_LEAD_KEY} {{ gap: .4rem 2rem; align-items: center; }}
  .st-key-{LEAD_KEY} > div:first-child, .st-key-{LONG_LEAD_KEY} > div:first-child {{ flex: 1 1 26rem; min-width: 0; }}
  .st-key-{LEAD_KEY} h3, .st-key-{LONG_LEAD_KEY} h3 {{ font-size: clamp(1.05rem, 3.1vh, 1.5rem); padding: 0;
      margin: 0; line-height: 1.3; }}
  .st-key-{LONG_LEAD_KEY} h3 {{ font-size: clamp(.95rem, 2.5vh, 1.3rem); line-height: 1.25; }}
  .st-key-{NUMBERS_KEY} {{ flex: 0 1 auto; width: auto; gap: 2rem; }}
  .st-key-{NUMBERS_KEY} [data-testid="stMetric"] {{ width: auto; }}
  .st-key-{NUMBERS_KEY} [data-testid="stMetricValue"] {{
      font-size: clamp(48px, 8vh, max({HEADLINE_PX}px, min({HEADLINE_PX / 19.2:.3f}vw, {HEADLINE_PX / 10.8:.3f}vh))); }}
  .st-key-{NUMBERS_KEY} [data-testid="stMetricValue"] div {{ overflow: visible; white-space: nowrap; }}
  .st-key-{NUMBERS_KEY} [data-testid="stMetricLabel"] div,
  .st-key-{NUMBERS_KEY} [data-testid="stMetricLabel"] p {{ white-space: normal; overflow: visible;
      font-size: clamp(16px, 2.6vh, max(22px, min(1.146vw, 2.037vh))); max-width: 14rem; }}
</style>
"""


def _param_int(name: str) -> int | None:
    try:
        return int(st.query_params.get(name, ""))
    except ValueError:
        return None


def _draw(ctx: AppContext, session: sessions.Session, item: sessions.AgendaItem) -> Drawn:
    """An agenda item's figure, drawn from its declaration through the one cache (``ui.figures``): the same entry
    as the page's own figure for the same view, so a reclassification, a new lookup or a reload shows at once."""
    return explore.draw_saved(ctx, item.view, dataset=session.dataset)


def _prepare_now(session: sessions.Session, items: list[sessions.AgendaItem]) -> None:
    ctx = AppContext(get_connection())
    for item in items:
        try:
            with store.background_work():
                _draw(ctx, session, item)
        except Exception:  # noqa: BLE001 - the run that shows this item says what is wrong, in its place
            logging.getLogger("stocktake").debug("Could not prepare agenda item %s", item.id, exc_info=True)


def prepare(session: sessions.Session, items: list[sessions.AgendaItem]) -> None:
    """Work out ``items``' figures in a background thread, into the one cache, while the room looks at the current
    one. A run that needs one of them meanwhile waits for the same computation (the cache computes a key once)."""
    if items:
        threading.Thread(target=_prepare_now, args=(session, items), name="stocktake-prepare", daemon=True).start()


def _numbers(figure: Drawn) -> None:
    shown = figure.headline[:MAX_PRESENTED_NUMBERS]  # more do not fit beside the reading at 48 px
    if not shown:
        return
    with st.container(horizontal=True, key=NUMBERS_KEY, width="content"):
        for label, value in shown:
            short = compact(value)
            st.metric(label, short, help=f"{label}: {value}" if short != value else None, width="content")


def present(session: sessions.Session) -> None:
    """The presentation screen of ``session`` at the position in the address."""
    items = sessions.agenda(get_connection(), session.id)
    if not items:
        st.title(plain(session.title))
        st.info("The agenda is empty: add views from the Explore pages (the sidebar's 'Add this view to the "
                "session'), then present.")
        return
    position = min(max(_param_int(forms.ITEM_PARAM) or 1, 1), len(items))
    item = items[position - 1]
    st.html(STAGE_CSS)
    stage = st.container(key=STAGE_KEY)
    # The title shares its row with the position and Previous / Next: a row of its own was a sixth of a 720-pixel
    # screen taken from the chart.
    bar = stage.container(horizontal=True, vertical_alignment="center", key=BAR_KEY)
    bar.title(plain(item.title), anchor=False, width="stretch")
    bar.caption(f"{plain(session.title)}  \n{position} of {len(items)}", width="content")
    bar.button("Previous", key="ws_prev", icon=":material/arrow_back:", disabled=position == 1,
               on_click=forms.choose, args=(session.id, position - 1))
    bar.button("Next", key="ws_next", icon=":material/arrow_forward:", disabled=position == len(items),
               type="primary", on_click=forms.choose, args=(session.id, position + 1))
    with stage:
        if item.question:  # the facilitator's question, written from the data when the stocktake was started
            st.markdown(f"**Question for the room:** {plain(item.question)}")
        forms.show_flash()
        try:
            figure = _draw(app_context(), session, item)
        except StocktakeError as exc:
            st.error(plain(exc))
            figure = None
        if figure is not None and figure.note:
            st.info(plain(figure.note), icon=":material/info:")
        elif figure is not None:
            # A long reading (an SPC chart naming its earlier special causes) is set a size smaller: at 1024 x 768
            # four lines of it left the chart less height than its titles and legend need.
            long = len(figure.reading) > LONG_READING_CHARS
            with st.container(horizontal=True, key=LONG_LEAD_KEY if long else LEAD_KEY):
                st.markdown(f"### {plain(figure.reading)}")
                _numbers(figure)
            show_chart(figure.spec, key=f"ws_present_{item.id}", name=item.title, downloads=False,
                       height="stretch")
    neighbours = [items[i] for i in (position, position - 2) if 0 <= i < len(items)]
    if figure is None or figure.note:
        prepare(session, neighbours)
        return
    chart_downloads(figure.spec, name=item.title, key=f"ws_present_{item.id}")
    st.caption(f"{plain(figure.filters)} ({plain(figure.dataset)})")
    with st.expander("A note or an action on this figure", icon=":material/edit_note:"):
        note, action = st.tabs(["Note", "Action"])
        with note:
            forms.note_form(session, items, item, "ws_present")
        with action:
            forms.action_form(session, items, item, "ws_present")
    # Last, so that the thread does not hold up this run's own drawing (they share the interpreter).
    prepare(session, neighbours)
