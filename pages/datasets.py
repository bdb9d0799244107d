"""/datasets: an earlier address of the data page, kept in bookmarks; app.py
forwards it to /data with its query parameters. Not a page of its own.

The first visit after the server starts is resolved against the files in
pages/, before the router has run: an address without a file popped up
Streamlit's English "Page not found" there (and was forwarded after it).
This file runs the router instead (ui.session.page_guard)."""
from ui.session import page_guard

page_guard()
