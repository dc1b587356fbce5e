""""Add this view to a session": the sidebar control on every Explore page.

One click adds the page's current view (its link, as the address bar holds it, and every control's value) to the
agenda of the session chosen last, or of the most recent session; with no session yet, one is made for today. A
small menu under the button chooses another session, which of the page's figures the view is about, and the title
the facilitator wants; left alone, the title says what the figure shows.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from analysis.workshop import sessions
from analysis import explore
from analysis.errors import StocktakeError
from ui import actions
from ui.connection import current_dataset, get_connection
from ui.text import plain

SESSION_KEY = "ws_add_session"
FIGURE_KEY = "ws_add_figure"
TITLE_KEY = "ws_add_title"
_DONE_KEY = "_ws_add_done"


def _current_params() -> dict[str, list[str]]:
    """The page's query parameters as the address bar holds them (a list per key: multiselects repeat keys)."""
    return {key: st.query_params.get_all(key) for key in st.query_params}


def capture_view(page: str, figure: str) -> sessions.View:
    """The view on screen now: every control of the page (its key prefix) and the dataset, and the link for them.

    The link is built from the controls and then overlaid with the address bar's own parameters, so it is complete
    even where the address bar leaves out a control at its default (a default that may change with the data)."""
    prefix = explore.PAGES[page].prefix
    state = sessions.view_state(dict(st.session_state), (prefix,))
    params = explore.url_params(page, state)
    params.update({k: v for k, v in _current_params().items() if k not in sessions.PRESENTATION_PARAMS})
    return sessions.View(page, figure, params, state)


def _add(page: str) -> None:
    """The button's callback: runs before the page is drawn again, with the controls' values of the view on screen."""
    con = get_connection()
    figures = explore.PAGES[page].figures
    figure = st.session_state.get(FIGURE_KEY) or next(iter(figures))
    if figure not in figures:
        figure = next(iter(figures))
    view = capture_view(page, figure)
    title = (st.session_state.get(TITLE_KEY) or "").strip() or explore.default_title(page, figure, view.state)
    try:
        session_id = st.session_state.get(SESSION_KEY)
        known = {s.id: s for s in sessions.list_sessions(con)}
        if session_id not in known:
            session_id = next(iter(known), None)
        if session_id is None:
            session_id = actions.create_session(con, f"Stocktake, {date.today():%-d %B %Y}", held_on=date.today(),
                                                dataset=view.dataset)
        session = sessions.get_session(con, session_id)
        actions.add_view(con, session.id, view, title)
    except StocktakeError as exc:
        st.session_state[_DONE_KEY] = ("error", str(exc))
        return
    st.session_state[SESSION_KEY] = session.id
    st.session_state[TITLE_KEY] = ""
    count = len(sessions.agenda(con, session.id))
    st.session_state[_DONE_KEY] = ("success", f"Added '{title}' to '{session.title}' (item {count}).")


def render_add_view(page: str | None) -> None:
    """The sidebar control, on the pages whose views can be saved (``analysis.explore.PAGES``); nothing elsewhere.
    Every figure the page declares can be chosen."""
    page = sessions.HOME_PAGE if page == "" else page  # the default page (the Overview) is served at "/"
    if page not in explore.PAGES:
        return
    with st.sidebar:
        _control(page)


# A fragment: adding a view changes nothing else on the page, so its click reruns the control alone, not the page's
# every figure (the page was drawn again for nothing: half a second in the browser of a loaded machine).
@st.fragment(key="ws_add_control")
def _control(page: str) -> None:
    offered = explore.PAGES[page].offered(current_dataset())
    con = get_connection()
    listed = sessions.list_sessions(con)
    ids = [s.id for s in listed]
    titles = {s.id: plain(s.title) for s in listed}
    if st.session_state.get(SESSION_KEY) not in ids:
        st.session_state[SESSION_KEY] = ids[0] if ids else None
    target = titles.get(st.session_state.get(SESSION_KEY))
    st.divider()
    st.button("Add this view to the session", key="ws_add", type="primary", icon=":material/playlist_add:",
              on_click=_add, args=(page,), width="stretch",
              help=(f"Adds this figure, with every choice on the page, to the agenda of '{target}'." if target
                    else "Adds this figure to a new session for today; rename it on the Workshop page."))
    done = st.session_state.pop(_DONE_KEY, None)
    if done:
        (st.success if done[0] == "success" else st.error)(plain(done[1]))
    with st.expander("Session, figure and title", icon=":material/tune:"):
        if ids:
            st.selectbox("Session", ids, key=SESSION_KEY, format_func=titles.get)
        else:
            st.caption("No session yet: the first view you add starts one for today.")
        st.selectbox("Figure", list(offered), key=FIGURE_KEY, format_func=lambda key: offered[key].title)
        st.text_input("Title for the agenda", key=TITLE_KEY, max_chars=sessions.MAX_TITLE,
                      placeholder="What the room should see here")
