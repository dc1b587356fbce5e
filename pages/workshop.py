"""Workshop: run a stocktake session — the questions in order, presentation mode, shared links and session notes."""

import streamlit as st

from analysis import notes
from analysis.errors import StocktakeError
from ui import actions
from ui.auth import guard_page
from ui.links import page_link
from ui.connection import current_dataset, get_connection
from ui.presentation import PRESENT_KEY
from ui.sections import show_coverage
from ui.text import plain, plain_lines

guard_page()  # sign-in, even when Streamlit runs this file on its own (see ui.auth.guard_page)

st.title("Workshop")
st.caption("For a facilitator running a stocktake with the room: every view is a link, and what the room agrees is "
           "written down here, beside the data it was about.")

dataset = current_dataset()
if dataset is None:
    st.info("Load data first: the session's notes are kept with the dataset they are about.")
    page_link("pages/data.py", label="Go to the Data page", icon=":material/upload_file:")
    st.stop()

show_coverage(dataset)

st.subheader("The session, question by question")
questions = st.columns(3)
page_link("pages/demand.py", where=questions[0], label="1. What is driving demand?", icon=":material/call_received:")
questions[0].caption("Volumes, top reasons, failure demand, repeats, what changed.")
page_link("pages/performance.py", where=questions[1], label="2. Is performance really changing?", icon=":material/monitoring:")
questions[1].caption("SPC charts: signal or noise, and will we meet the target?")
page_link("pages/savings.py", where=questions[2], label="3. What would a change save?", icon=":material/savings:")
questions[2].caption("Failure demand, channel shift, faster handling, side by side.")

st.subheader("Sharing and presenting")
present = bool(st.session_state.get(PRESENT_KEY))
st.markdown(
    f"- **Presentation mode** is {'on' if present else 'off'}: switch it in the sidebar. It makes text larger for a "
    "projector, and the link carries it.\n"
    "- **Share a view** by copying the address from the browser: it holds the dataset, the filters and every choice on "
    "the page, so the link opens the same figures for everyone.\n"
    "- **Export** a figure's data with the download button under it (CSV), and a savings comparison as Excel."
)

st.subheader("Session notes")
con = get_connection()
with st.form("ws_note_form", clear_on_submit=True):
    topic = st.selectbox("About", ["General", "Demand", "Performance", "Savings", "Data quality", "Action"],
                         key="ws_topic")
    text = st.text_area("What did the room agree or ask?", key="ws_note", max_chars=notes.MAX_NOTE,
                        placeholder="e.g. Chasing calls fell after the online repairs form: check whether the fall held.")
    link = st.text_input("Link to the view (optional)", key="ws_link",
                         placeholder="Paste the address of the page the room was looking at")
    if st.form_submit_button("Add note", type="primary"):
        try:
            actions.add_note(con, dataset.name, text, topic=topic, link=link)
        except StocktakeError as exc:
            st.error(plain(exc))
        else:
            st.toast("Note added.")

session_notes = notes.list_notes(con, dataset.name)
if session_notes.empty:
    st.caption(f"No notes yet for '{dataset.name}'.")
else:
    for row in session_notes.itertuples():
        with st.container(border=True):
            head, remove = st.columns([6, 1])
            topic = row.topic if isinstance(row.topic, str) else "General"
            head.markdown(f"**{row.written_at:%d %b %Y %H:%M}** · {plain(topic)}")
            head.markdown(plain_lines(row.note))
            if isinstance(row.link, str) and row.link:
                head.markdown(f"[Open the view]({row.link})")
            if remove.button("Delete", key=f"ws_delete_{row.id}"):
                try:
                    actions.delete_note(con, dataset.name, row.id)
                except StocktakeError as exc:
                    st.error(plain(exc))
                else:
                    st.rerun()
    record = notes.notes_markdown(dataset.name, session_notes)
    st.download_button("Download the notes (Markdown)", record.encode("utf-8"),
                       file_name=f"{dataset.name} session notes.md", mime="text/markdown", key="ws_download",
                       icon=":material/download:")
