"""An upload's copy on disk for one session: written to the private folder (``analysis.load.uploads``) while the Data page
works on it, deleted as soon as its load ends or is refused, or the file is taken off the page. A copy left behind by
a page nobody came back to (an hour unused: Streamlit drops a closed tab's session only lazily) goes at the next Data
page run of anyone, and every copy at the next start-up."""

from __future__ import annotations

import weakref
from pathlib import Path

import streamlit as st

from analysis.load import uploads

_HELD = "upload_held_on_disk"


class _Held:
    """Kept in the session's state: its finaliser deletes the copy when the session (and so this object) goes."""

    def __init__(self, path: Path, file_id: str) -> None:
        self.path, self.file_id = path, file_id
        self._finaliser = weakref.finalize(self, uploads.discard, str(path))

    def release(self) -> None:
        self._finaliser()


def keep_upload(uploaded) -> Path:
    """The upload's private copy on disk (written once per file; again after a finished or refused load deleted it,
    if the person goes on working with the same file)."""
    held = st.session_state.get(_HELD)
    if held is not None and held.file_id == uploaded.file_id and held.path.exists():
        uploads.touch(held.path)
        return held.path
    release_upload()
    path = uploads.save_stream(uploaded, uploaded.name, key=uploaded.file_id)
    st.session_state[_HELD] = _Held(path, uploaded.file_id)
    return path


def release_upload() -> None:
    """Delete this session's copy, if it has one (a load ended or was refused, or the file left the page)."""
    held = st.session_state.pop(_HELD, None)
    if held is not None:
        held.release()
    uploads.sweep_idle()
