"""The page shell asks for the chart's scripts with the page (ui.preload), and the server imports the pages' modules
as it starts (ui.warm_up). Driven as plain ASGI calls and plain imports; the timings are in bench.browser."""

from __future__ import annotations

import asyncio

from ui import preload, warm_up

PAGE = b"<!DOCTYPE html><html><head><title>Streamlit</title></head><body></body></html>"


def _serve(content_type: bytes, body: bytes, method: str = "GET"):
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()),
                                (b"etag", b'"abc"')]})
        half = len(body) // 2  # in two parts, as a file is streamed
        await send({"type": "http.response.body", "body": body[:half], "more_body": True})
        await send({"type": "http.response.body", "body": body[half:]})

    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    asyncio.run(preload.PreloadCharts(app)({"type": "http", "method": method, "path": "/"}, receive, send))
    headers = dict(sent[0]["headers"])
    return headers, b"".join(m.get("body", b"") for m in sent[1:])


def test_the_installed_streamlit_has_the_chart_chunks():
    # A Streamlit upgrade that renames them fails here: trace a link again (bench.browser_workshop) and update.
    tags = preload.preload_tags().decode()
    for stem in ("ArrowVegaLiteChart", "embed", "Metric"):
        assert f'href="./static/js/{stem}.' in tags
    assert tags.count("modulepreload") == len(preload.CHART_CHUNKS)


def test_the_page_shell_gets_the_tags_and_its_true_length():
    headers, body = _serve(b"text/html; charset=utf-8", PAGE)
    assert body == PAGE.replace(b"</head>", preload.preload_tags() + b"</head>")
    assert int(headers[b"content-length"]) == len(body)
    assert b"etag" not in headers  # it described the file on disk, not this page


def test_anything_else_passes_untouched():
    script = b"export const x = 1; // </head>"
    headers, body = _serve(b"text/javascript", script)
    assert body == script and headers[b"etag"] == b'"abc"'
    headers, body = _serve(b"text/html", PAGE, method="HEAD")
    assert body == PAGE


def test_the_warm_up_reads_the_pages_imports():
    found = warm_up.page_imports()
    assert "ui.sidebar" in found and "streamlit" in found
    assert "present_screen" in found["ui"]  # pages/workshop.py: from ui import present_screen, ...
    warm_up._import("ui", ["present_screen"])
    import sys
    assert "ui.present_screen" in sys.modules
