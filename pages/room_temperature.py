"""/room_temperature: the room-temperature page's earlier address, in bookmarks. It runs the router,
which forwards it to /temperature (app.py says why the file is needed)."""
from ui.session import page_guard

page_guard()
