"""/weekly: the weekly report page's earlier address, in bookmarks. It runs the router,
which forwards it to /report (app.py says why the file is needed)."""
from ui.session import page_guard

page_guard()
