"""/audit_log: the audit log page's earlier address, in bookmarks. It runs the router,
which forwards it to /audit (app.py says why the file is needed)."""
from ui.session import page_guard

page_guard()
