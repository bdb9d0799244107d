"""The Streamlit side of the dashboard: connection, language, filters,
formatting and downloads shared by app.py and pages/.

Modules that draw import streamlit; `fmt`, `filters` and `xlsx` do not, so
they can be tested (and reused) without a running app."""
