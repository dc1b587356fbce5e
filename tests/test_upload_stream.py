"""The middleware that writes an upload to disk as it arrives (ui.upload_stream), driven as uvicorn drives it: the
body in pieces, then Streamlit's route (here a stand-in that parses what it is given with Starlette, as Streamlit's
does) run on the file's part with no bytes. The browser test (test_e2e_upload_stream) runs it in the served app."""

from __future__ import annotations

import asyncio

import pytest
from starlette.datastructures import UploadFile
from starlette.requests import Request

from analysis.load.uploads import FOLDER_NAME
from ui import upload_stream

BOUNDARY = b"----StocktakeBoundary42"
CONTENT = b"Ref,Received\n" + b"".join(b"%d,31/01/2024\n" % i for i in range(20_000))


def _body(files=((b"contacts 2024.csv", CONTENT),)) -> bytes:
    parts = b""
    for name, data in files:
        parts += (b"--" + BOUNDARY + b"\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name +
                  b"\"\r\nContent-Type: text/csv\r\n\r\n" + data + b"\r\n")
    return parts + b"--" + BOUNDARY + b"--\r\n"


class Streamlit:
    """Streamlit's upload route, as far as this middleware is concerned: it parses the body it is given."""

    def __init__(self, status: int = 204) -> None:
        self.status, self.seen = status, []

    async def __call__(self, scope, receive, send) -> None:
        form = await Request(scope, receive).form()
        self.seen += [(v.filename, v.content_type, len(await v.read())) for v in form.values()
                      if isinstance(v, UploadFile)]
        await send({"type": "http.response.start", "status": self.status, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def _put(app, body: bytes, method: str = "PUT", file_id: str = "f1") -> int:
    scope = {"type": "http", "method": method, "path": f"/_stcore/upload_file/s1/{file_id}",
             "headers": [(b"content-type", b"multipart/form-data; boundary=" + BOUNDARY),
                         (b"content-length", str(len(body)).encode())]}
    pieces = [body[i:i + 65536] for i in range(0, len(body), 65536)] or [b""]
    sent: list = []

    async def receive():
        chunk = pieces.pop(0) if pieces else b""
        return {"type": "http.request", "body": chunk, "more_body": bool(pieces)}

    async def send(message):
        sent.append(message)

    asyncio.run(upload_stream.StreamUploadsToDisk(app)(scope, receive, send))
    return next(m["status"] for m in sent if m["type"] == "http.response.start")


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("STOCKTAKE_DB", str(tmp_path / "stocktake.duckdb"))
    monkeypatch.setattr(upload_stream, "_refusal", lambda scope, session_id: None)  # no Streamlit runtime here
    monkeypatch.setattr(upload_stream, "_max_bytes", lambda: 1 << 20)
    monkeypatch.setattr(upload_stream, "_follow_sessions", lambda: None)
    yield tmp_path / FOLDER_NAME
    upload_stream.forget("f1")


def test_the_file_goes_to_disk_and_streamlit_records_it_with_no_bytes(folder):
    streamlit = Streamlit()
    assert _put(streamlit, _body()) == 204
    assert streamlit.seen == [("contacts 2024.csv", "text/csv", 0)]
    found = upload_stream.streamed("s1", "f1")
    assert found is not None and found.path.read_bytes() == CONTENT and found.size == len(CONTENT)
    assert found.path.parent == folder and found.path.name == "f1-contacts_2024.csv"
    assert upload_stream.streamed("another session", "f1") is None
    _put(Streamlit(status=403), b"", method="DELETE")  # a forged removal Streamlit refuses: the copy stays
    assert found.path.exists()
    _put(streamlit, b"", method="DELETE")  # the x in the uploader: the copy goes too
    assert upload_stream.streamed("s1", "f1") is None and not found.path.exists()
    _put(streamlit, _body())
    upload_stream.streamed("s1", "f1").path.unlink()  # a refused load deleted it: still known as streamed
    assert upload_stream.streamed("s1", "f1") is not None


def test_too_large_is_refused_as_it_arrives_and_nothing_is_left(folder, monkeypatch):
    monkeypatch.setattr(upload_stream, "_max_bytes", lambda: 100_000)
    streamlit = Streamlit()
    assert _put(streamlit, _body()) == 413
    assert streamlit.seen == [] and upload_stream.streamed("s1", "f1") is None and list(folder.iterdir()) == []


def test_two_files_or_none_are_refused(folder):
    streamlit = Streamlit()
    assert _put(streamlit, _body(((b"a.csv", b"x"), (b"b.csv", b"y")))) == 400
    assert _put(streamlit, _body(())) == 400
    assert streamlit.seen == [] and list(folder.iterdir()) == []


def test_what_streamlit_refuses_leaves_nothing_on_disk(folder):
    assert _put(Streamlit(status=400), _body()) == 400
    assert upload_stream.streamed("s1", "f1") is None and list(folder.iterdir()) == []


def test_a_refusal_before_the_body_is_streamlits_own_answer(folder, monkeypatch):
    monkeypatch.setattr(upload_stream, "_refusal", lambda scope, session_id: "xsrf")
    streamlit = Streamlit(status=403)
    assert _put(streamlit, _body()) == 403
    assert streamlit.seen == [] and not folder.exists() or list(folder.iterdir()) == []


def test_the_end_of_a_session_deletes_its_copies(folder):
    assert _put(Streamlit(), _body()) == 204
    path = upload_stream.streamed("s1", "f1").path
    upload_stream.forget_session("another session")
    assert path.exists()
    upload_stream.forget_session("s1")
    assert not path.exists() and upload_stream.streamed("s1", "f1") is None
