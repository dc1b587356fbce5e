"""A client that speaks to Stocktake as a browser does, without the browser: HTTP with httpx and Streamlit's WebSocket
protocol (protobuf messages on ``/_stcore/stream``) with the ``websockets`` package.

What a person who can reach the server's port can do by hand: take the XSRF token from ``/_stcore/health``, open a
session of their own, run any page with any widget states (a click on a button the page never drew for them), and
``PUT`` files to the upload route. The governance tests use it to check that the server, not the page, says no.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from dataclasses import dataclass, field

import httpx
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

XSRF_COOKIE = "_streamlit_xsrf"
RUN_TIMEOUT_S = 120


@dataclass
class Run:
    """What one run of the script sent back: its texts (Markdown, alerts, button labels) and the pages listed."""

    texts: list[str] = field(default_factory=list)
    buttons: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class RawSession:
    """One Streamlit session opened by hand. ``cookies``: a browser's (a sign-in cookie), or none at all."""

    def __init__(self, url: str, cookies: dict[str, str] | None = None):
        self.url = url.rstrip("/")
        self.cookies = dict(cookies or {})
        self.ws = None
        self.session_id = ""
        self.pages: dict[str, str] = {}  # url path -> page script hash

    async def __aenter__(self) -> "RawSession":
        async with httpx.AsyncClient(cookies=self.cookies) as http:
            health = await http.get(f"{self.url}/_stcore/health")
            health.raise_for_status()
            xsrf = health.cookies.get(XSRF_COOKIE) or self.cookies.get(XSRF_COOKIE)
        self.cookies[XSRF_COOKIE] = xsrf
        cookie_header = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.ws = await websockets.connect(
            self.url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit", xsrf],
            additional_headers={"Cookie": cookie_header}, origin=self.url, max_size=None, open_timeout=30,
            ping_interval=None)
        return self

    async def __aexit__(self, *exc) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def run(self, page: str = "", widgets: list[WidgetState] | None = None) -> Run:
        """Run ``page`` (its url path, "" for the default) with ``widgets`` as the browser's widget states."""
        msg = BackMsg()
        client = msg.rerun_script
        client.page_script_hash = self.pages.get(page, "")
        client.page_name = page
        client.widget_states.widgets.extend(widgets or [])
        client.context_info.timezone = "Europe/London"
        client.context_info.locale = "en-GB"
        await self.ws.send(msg.SerializeToString())
        return await self._until_finished()

    async def _until_finished(self) -> Run:
        run = Run()
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), RUN_TIMEOUT_S)
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                self.session_id = fwd.new_session.initialize.session_id
            elif kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in fwd.navigation.app_pages}
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                what = element.WhichOneof("type")
                if what == "markdown":
                    run.texts.append(element.markdown.body)
                elif what == "alert":
                    run.texts.append(element.alert.body)
                    if element.alert.format == element.alert.ERROR:
                        run.errors.append(element.alert.body)
                elif what == "button":
                    run.buttons.append(element.button.label)
                elif what == "heading":
                    run.texts.append(element.heading.body)
            elif kind == "script_finished":
                if fwd.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue
                return run


def blocking(coroutine):
    """Run ``coroutine`` to its end from synchronous code, on a thread of its own: Playwright's sync API keeps an
    event loop running on the test's thread, where ``asyncio.run`` is refused."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def clicked(key: str) -> WidgetState:
    """A button click as the browser sends it, for the button with ``key``. Streamlit names a widget
    ``$$ID-<hash>-<key>``; the hash is made up here, as a forger would (the key is what the page reads)."""
    return WidgetState(id=f"$$ID-0123456789abcdef0123456789abcdef-{key}", trigger_value=True)


def rss_bytes(pid: int) -> int:
    """The resident memory of a process (Linux /proc)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")
