"""Demand drivers page: not built yet."""

import streamlit as st

st.title("Demand drivers")
st.info("Coming next: this page is not built yet. The Overview and Data pages work now.")
