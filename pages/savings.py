"""Savings scenarios page: not built yet."""

import streamlit as st

st.title("Savings scenarios")
st.info("Coming next: this page is not built yet. The Overview and Data pages work now.")
