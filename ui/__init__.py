"""Streamlit-only helpers shared by several pages: the cached connection, the dataset picker, exports."""
