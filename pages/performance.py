"""Performance trends page: not built yet."""

import streamlit as st

st.title("Performance trends")
st.info("Coming next: this page is not built yet. The Overview and Data pages work now.")
