"""Uploads written straight to disk as they arrive, never held whole in the server's memory.

Streamlit 1.67's upload route (``PUT /_stcore/upload_file/<session>/<file id>``) reads the whole file into memory and
keeps it there as long as it is on the page: 990 MB of server memory for a 212 MB export of 2M contacts (the body, the
parsed copy, the copy kept), 3.4 GB at 10M, before the Data page writes it to disk for DuckDB anyway. This ASGI
middleware (in ``serve.py``, after the sign-in gate) takes that route first:

1. the checks Streamlit's route makes before reading a body, with Streamlit's own functions and answers: the XSRF
   token (403), a live session (400), the declared length against ``server.maxUploadSize`` (413);
2. the multipart body parsed as it streams in (python-multipart, Starlette's own parser), the file's bytes written in
   pieces to the private upload folder (``analysis.load.uploads``: 0600, beside the store), the size limit enforced as
   they arrive (413, the part written so far deleted);
3. then Streamlit's route is run on the same request with the file's part headers and no bytes, so Streamlit keeps its
   record of the upload (name, type, id: what ``st.file_uploader`` returns), checks it again and answers the browser
   itself. Its record holds no data: :func:`streamed` gives the file's place for its id and session, and the Data
   page reads it from there (``ui.uploads``), deleting it when the load ends or is refused.

Deleting the upload (the x in the uploader) deletes the copy too, and so does the end of its session (when Streamlit
drops the session's uploads); the folder's sweeps (idle for an hour, and at every start) remove any left behind.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from analysis.load import uploads

log = logging.getLogger("stocktake")

_ROUTE = "/_stcore/upload_file/"


@dataclass(frozen=True)
class OnDisk:
    session_id: str
    path: Path
    size: int


_lock = threading.Lock()
_files: dict[str, OnDisk] = {}  # by file id (a random UUID Streamlit gives the browser for one upload)


def streamed(session_id: str, file_id: str) -> OnDisk | None:
    """Where this session's upload was written, if it was streamed to disk (its file may have been deleted since: a
    refused load deletes it, and the person chooses the file again)."""
    with _lock:
        found = _files.get(file_id)
    return found if found is not None and found.session_id == session_id else None


def forget(file_id: str) -> None:
    """Delete the upload's copy and forget it (the upload was removed from the page, or Streamlit refused it)."""
    with _lock:
        found = _files.pop(file_id, None)
    if found is not None:
        uploads.discard(found.path)


def forget_session(session_id: str) -> None:
    """Delete every copy of a session's uploads (the session has ended)."""
    with _lock:
        gone = [file_id for file_id, found in _files.items() if found.session_id == session_id]
    for file_id in gone:
        forget(file_id)


def _follow_sessions() -> None:
    """Once: when Streamlit drops a session's uploads (the session has ended), their copies on disk go too."""
    from streamlit.runtime import Runtime

    manager = Runtime.instance().uploaded_file_mgr
    if getattr(manager, "_stocktake_follows", False):
        return
    dropped = manager.remove_session_files

    def remove_session_files(session_id: str) -> None:
        dropped(session_id)
        forget_session(session_id)

    manager.remove_session_files = remove_session_files
    manager._stocktake_follows = True


class _TooLarge(Exception):
    pass


class StreamUploadsToDisk:
    """The middleware (see the module's docstring)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        ids = path[len(_ROUTE):].split("/") if path.startswith(_ROUTE) else []
        if len(ids) != 2 or not all(ids):
            await self.app(scope, receive, send)
            return
        session_id, file_id = ids
        if scope["method"] == "DELETE":  # the x in the uploader: once Streamlit has accepted it, the copy goes too
            status = await _run_watched(self.app, scope, receive, send)
            if status < 300 and streamed(session_id, file_id) is not None:
                forget(file_id)
            return
        if scope["method"] != "PUT":
            await self.app(scope, receive, send)
            return
        refusal = _refusal(scope, session_id)
        if refusal is not None:  # Streamlit's route gives its own answer, before any of the body is read
            await self.app(scope, _no_body, send)
            return
        try:
            written = await _stream_to_disk(scope, receive, session_id, file_id)
        except _TooLarge:
            await _plain(send, 413, b"File too large")
            return
        except ValueError as exc:  # not a multipart body with one file
            log.warning("Upload refused: %s", exc)
            await _plain(send, 400, b"Expected 1 file")
            return
        headers, stored = written
        body = _empty_part(_boundary(scope), headers)
        sent = False

        async def replay():
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        inner = dict(scope, headers=[(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
                     + [(b"content-length", str(len(body)).encode())])
        with _lock:
            _files[file_id] = stored
        _follow_sessions()
        if await _run_watched(self.app, inner, replay, send) >= 300:
            forget(file_id)


async def _run_watched(app, scope, receive, send) -> int:
    """Run ``app`` on the request and return the status it answered with (500 when it answered nothing)."""
    status: list[int] = []

    async def watch(message) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])
        await send(message)

    await app(scope, receive, watch)
    return status[0] if status else 500


def _header(scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _max_bytes() -> int:
    from streamlit import config

    return int(config.get_option("server.maxUploadSize")) * 1024 * 1024


def _refusal(scope, session_id: str) -> str | None:
    """Why Streamlit's route would refuse this upload before reading it (None: it would not)."""
    from starlette.requests import cookie_parser
    from streamlit.runtime import Runtime
    from streamlit.web.server.server_util import is_xsrf_enabled
    from streamlit.web.server.starlette.starlette_app_utils import validate_xsrf_token
    from streamlit.web.server.starlette.starlette_server_config import XSRF_COOKIE_NAME

    if is_xsrf_enabled():
        cookie = cookie_parser(_header(scope, b"cookie") or "").get(XSRF_COOKIE_NAME)
        if not validate_xsrf_token(_header(scope, b"x-xsrftoken"), cookie):
            return "xsrf"
    if not Runtime.exists() or not Runtime.instance().is_active_session(session_id):
        return "session"
    length = _header(scope, b"content-length")
    if length is not None and (not length.isdigit() or int(length) > _max_bytes()):
        return "size"
    if _boundary(scope) is None:
        return "not multipart"
    return None


def _boundary(scope) -> bytes | None:
    from python_multipart.multipart import parse_options_header

    kind, options = parse_options_header(_header(scope, b"content-type") or "")
    return options.get(b"boundary") if kind == b"multipart/form-data" else None


async def _no_body(*_):
    return {"type": "http.request", "body": b"", "more_body": False}


async def _plain(send, status: int, text: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(text)).encode())]})
    await send({"type": "http.response.body", "body": text})


async def _stream_to_disk(scope, receive, session_id: str, file_id: str) -> tuple[list[tuple[bytes, bytes]], OnDisk]:
    """Parse the body as it arrives; the one file part's bytes go to a private file. Returns the part's headers and
    where it went."""
    from python_multipart.multipart import MultipartParser

    limit = _max_bytes()
    state = {"headers": [], "field": b"", "value": b"", "file": None, "files": 0, "size": 0, "failed": None}
    handle, partial = uploads.private_file(".upload-", "")
    out = os.fdopen(handle, "wb")

    def on_header_field(data, start, end):
        state["field"] += data[start:end]

    def on_header_value(data, start, end):
        state["value"] += data[start:end]

    def on_header_end():
        state["headers"].append((state["field"], state["value"]))
        state["field"], state["value"] = b"", b""

    def on_headers_finished():
        disposition = dict((k.lower(), v) for k, v in state["headers"]).get(b"content-disposition", b"")
        state["file"] = b"filename=" in disposition
        state["files"] += bool(state["file"])
        if state["file"] and state["files"] == 1:
            state["kept"] = list(state["headers"])

    def on_part_data(data, start, end):
        if state["file"] and state["files"] == 1:
            state["size"] += end - start
            if state["size"] > limit:
                state["failed"] = "size"
                return
            out.write(data[start:end])

    def on_part_begin():
        state["headers"] = []

    parser = MultipartParser(_boundary(scope), {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field, "on_header_value": on_header_value,
        "on_header_end": on_header_end, "on_headers_finished": on_headers_finished, "on_part_data": on_part_data})
    try:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ValueError("the browser went away during the upload")
            parser.write(message.get("body", b""))
            if state["failed"] == "size":
                raise _TooLarge()
            if not message.get("more_body", False):
                break
        parser.finalize()
        if state["files"] != 1:
            raise ValueError(f"expected 1 file, got {state['files']}")
        out.close()
        name = _filename(state["kept"])
        final = uploads.upload_dir() / f"{file_id}-{name}"
        os.replace(partial, final)
        return state["kept"], OnDisk(session_id, final, state["size"])
    except BaseException:
        out.close()
        uploads.discard(partial)
        raise


def _filename(headers: list[tuple[bytes, bytes]]) -> str:
    import re

    from python_multipart.multipart import parse_options_header

    disposition = dict((k.lower(), v) for k, v in headers).get(b"content-disposition", b"")
    _, options = parse_options_header(disposition)
    raw = options.get(b"filename", b"upload").decode("utf-8", "replace")
    return re.sub(r"[^A-Za-z0-9._-]+", "_", raw)[-120:] or "upload"


def _empty_part(boundary: bytes, headers: list[tuple[bytes, bytes]]) -> bytes:
    """The file's part with its own headers and no bytes: what Streamlit's route then records."""
    lines = b"".join(k + b": " + v + b"\r\n" for k, v in headers)
    return b"--" + boundary + b"\r\n" + lines + b"\r\n\r\n--" + boundary + b"--\r\n"
