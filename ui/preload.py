"""Ask the browser for the chart's scripts with the page, not after the first run (a middleware in ``serve.py``).

Streamlit's frontend loads the code for an element (a chart, a metric) only when the first element of that kind
arrives from the script, so opening a presentation link went: the page's scripts (~1 s), the script's run, and only
then Vega's 775 KB and its companions (~0.4-0.7 s more, traced with Chromium's resource timings). This middleware adds
``<link rel="modulepreload">`` for those scripts to the page shell Streamlit serves (``index.html``, which is every
page's HTML), so the browser fetches and compiles them while the WebSocket opens and the script runs.

The names carry a content hash that changes with Streamlit's version, so they are found in Streamlit's own static
folder by their stem at start-up; a stem no longer there is skipped (a later Streamlit may name its chunks
differently: the page then loads them as before, never breaks).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

# The chunks a presentation screen (a metric and a Vega-Lite chart) asks for after its first run, in Streamlit 1.67,
# from a Chromium trace of opening a presentation link. Every chart page needs the same ones.
CHART_CHUNKS = ("Metric", "ArrowVegaLiteChart", "loadVegaEmbed", "embed", "vega-interpreter", "Quiver",
                "recordbatch", "serialization", "withFullScreenWrapper", "numbro", "formatNumber", "CustomTheme")
_HASHED = re.compile(r"^(?P<stem>.+)\.[A-Za-z0-9_-]{8}\.js$")


@lru_cache(maxsize=1)
def preload_tags() -> bytes:
    """The ``<link rel="modulepreload">`` tags for :data:`CHART_CHUNKS` found in Streamlit's static folder."""
    import streamlit

    folder = Path(streamlit.__file__).parent / "static" / "static" / "js"
    wanted = set(CHART_CHUNKS)
    names = sorted(p.name for p in folder.glob("*.js") if (m := _HASHED.match(p.name)) and m["stem"] in wanted)
    return "".join(f'<link rel="modulepreload" href="./static/js/{n}" />' for n in names).encode()


class PreloadCharts:
    """Pure ASGI middleware: adds :func:`preload_tags` to the HTML page shell, nothing else."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET" or not preload_tags():
            await self.app(scope, receive, send)
            return
        start: dict | None = None
        body: list[bytes] = []

        async def sending(message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", []))
                if message["status"] == 200 and headers.get(b"content-type", b"").startswith(b"text/html"):
                    start = message  # held until the whole (small) page has come, to put the tags in
                    return
                await send(message)
            elif start is not None and message["type"] == "http.response.body":
                body.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                page = b"".join(body).replace(b"</head>", preload_tags() + b"</head>", 1)
                # The page's length changes; its validators described the file on disk, not this page.
                headers = [(k, v) for k, v in start.get("headers", [])
                           if k not in (b"content-length", b"etag", b"last-modified")]
                await send({**start, "headers": [*headers, (b"content-length", str(len(page)).encode())]})
                await send({"type": "http.response.body", "body": page})
            else:
                await send(message)

        await self.app(scope, receive, sending)
