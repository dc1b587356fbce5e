"""An upload's copy on disk for one session: written to the private folder (``analysis.load.uploads``) while the Data page
works on it, deleted as soon as its load ends or is refused, or the file is taken off the page (an upload the served
app wrote to disk as it arrived, ``ui.upload_stream``, is the upload itself: once deleted, the person chooses the file
again). A copy left behind by a page nobody came back to (an hour unused: Streamlit drops a closed tab's session only lazily) goes at the next Data
page run of anyone, and every copy at the next start-up."""

from __future__ import annotations

import weakref
from pathlib import Path

import streamlit as st

from analysis.load import uploads
from ui import upload_stream

_HELD = "upload_held_on_disk"


class _Held:
    """Kept in the session's state: its finaliser deletes the copy when the session (and so this object) goes."""

    def __init__(self, path: Path, file_id: str) -> None:
        self.path, self.file_id = path, file_id
        self._finaliser = weakref.finalize(self, uploads.discard, str(path))

    def release(self) -> None:
        self._finaliser()


def _streamed(uploaded) -> upload_stream.OnDisk | None:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return None if ctx is None else upload_stream.streamed(ctx.session_id, uploaded.file_id)


def keep_upload(uploaded) -> Path | None:
    """The upload's private copy on disk: the file the served app wrote the upload to as it arrived
    (``ui.upload_stream``), or else one written from Streamlit's memory (again after a finished or refused load
    deleted it, if the person goes on working with the same file). None when the upload was written to disk as it
    arrived and a refused load has deleted it since: only the person's browser has it now."""
    held = st.session_state.get(_HELD)
    if held is not None and held.file_id == uploaded.file_id and held.path.exists():
        uploads.touch(held.path)
        return held.path
    release_upload()
    streamed = _streamed(uploaded)
    if streamed is not None and not streamed.path.exists():
        return None
    path = streamed.path if streamed else uploads.save_stream(uploaded, uploaded.name, key=uploaded.file_id)
    st.session_state[_HELD] = _Held(path, uploaded.file_id)
    return path


def uploaded_bytes(uploaded) -> bytes:
    """An upload's bytes (a small file: a classification, a practice card), wherever the server keeps them."""
    streamed = _streamed(uploaded)
    return streamed.path.read_bytes() if streamed else uploaded.getvalue()


def release_upload() -> None:
    """Delete this session's copy, if it has one (a load ended or was refused, or the file left the page)."""
    held = st.session_state.pop(_HELD, None)
    if held is not None:
        held.release()
    uploads.sweep_idle()
