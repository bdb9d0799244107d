"""A Streamlit session without a browser: the websocket protocol the browser
speaks (protobuf BackMsg / ForwardMsg on /_stcore/stream), enough to open
pages and time them as the server serves them. The load test uses it so that
twenty users cost the machine what twenty users cost the server, not what
twenty headless browsers cost to draw the charts.

    async with Session(url) as s:
        run = await s.open("temperature", "season=2025-2026")
        run.seconds, run.exceptions, s.pages
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR}


@dataclass
class Run:
    page: str
    seconds: float     # from the request to the end of the script run
    elements: int      # elements the page sent
    exceptions: int    # st.exception elements among them (a page that failed)


class Session:
    def __init__(self, url: str, timeout: float = 120.0):
        self.url = url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        self.timeout = timeout
        self.pages: list[str] = []   # url paths of the navigation, as the app sent them
        self._ws = None

    async def __aenter__(self) -> "Session":
        self._ws = await websockets.connect(self.url, subprotocols=["streamlit"],
                                            max_size=None, open_timeout=self.timeout)
        return self

    async def __aexit__(self, *exc) -> None:
        await self._ws.close()

    async def open(self, page: str = "", query_string: str = "") -> Run:
        """Ask for `page` (a url path; "" the default page) as a click in the
        navigation does, and wait until the server has finished running it."""
        msg = BackMsg()
        msg.rerun_script.query_string = query_string
        msg.rerun_script.page_name = page
        started = time.perf_counter()
        await self._ws.send(msg.SerializeToString())
        elements = exceptions = 0
        while True:
            data = await asyncio.wait_for(self._ws.recv(), self.timeout)
            fwd = ForwardMsg()
            fwd.ParseFromString(data)
            kind = fwd.WhichOneof("type")
            if kind == "navigation":
                # Hidden pages (/home, forwarding to the overview) are not
                # pages a user opens from the navigation.
                self.pages = [p.url_pathname for p in fwd.navigation.app_pages
                              if not p.is_hidden]
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                elements += 1
                exceptions += fwd.delta.new_element.WhichOneof("type") == "exception"
            elif kind == "script_finished" and fwd.script_finished in DONE:
                if fwd.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    exceptions += 1
                return Run(page, time.perf_counter() - started, elements, exceptions)
