"""Where files people bring are kept while Stocktake reads them: a private folder beside the store, emptied often.

An export of contact records is personal data. DuckDB reads files from disk, so an upload is written to disk before
it is loaded, and a file that needs rewriting (UTF-16, Windows-1252, a CSV inside a zip) is copied once more. Those
copies live in one folder, ``stocktake-uploads`` beside the store's DuckDB file, that only the account running
Stocktake can open (0700; each file 0600), never in the system's shared temporary folder. A copy is deleted as soon
as the load that needed it ends (or is refused), and the app empties the folder when it starts, so a crash or a
killed process leaves nothing behind for long.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import time
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import BinaryIO, Iterator

from analysis import store

FOLDER_NAME = "stocktake-uploads"
_CHUNK = 16 << 20
# A copy nobody has used for this long belongs to a page left open or a session that has ended (Streamlit drops a
# session only lazily): it is deleted by the next sweep. A page that comes back to it writes it again from the upload.
IDLE_SECONDS = 3600
# The store whose folder a load's copies go to, when it is not the default one (the CLI's --db).
_store_in_use: ContextVar[str | None] = ContextVar("stocktake_store_in_use", default=None)


@contextmanager
def beside(db_path: str | os.PathLike | None) -> Iterator[None]:
    """Inside the block, copies made without naming a store go beside ``db_path`` (None: the default store)."""
    token = _store_in_use.set(str(db_path) if db_path else None)
    try:
        yield
    finally:
        _store_in_use.reset(token)


def upload_dir(db_path: str | os.PathLike | None = None) -> Path:
    """The private folder beside the store (created, and made private again if someone loosened it)."""
    db_path = db_path or _store_in_use.get()
    folder = Path(db_path).expanduser().resolve().parent / FOLDER_NAME if db_path else \
        store.default_db_path().parent / FOLDER_NAME
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(folder.stat().st_mode) != 0o700:
        os.chmod(folder, 0o700)
    return folder


def private_file(prefix: str, suffix: str = "", db_path: str | os.PathLike | None = None) -> tuple[int, str]:
    """A new empty file in the private folder, open for writing: (descriptor, path). ``mkstemp`` makes it 0600."""
    return tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=upload_dir(db_path))


def save_stream(stream: BinaryIO, name: str, *, key: str, db_path: str | os.PathLike | None = None) -> Path:
    """Write ``stream`` (an upload) to the private folder as ``<key>-<name>`` (0600), in pieces, and return its path.

    Written under a temporary name and renamed, so a half-written file is never read as the whole upload."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name)[-120:] or "upload"
    folder = upload_dir(db_path)
    path = folder / f"{re.sub(r'[^A-Za-z0-9_-]+', '_', key)}-{safe}"
    if path.exists():
        return path
    handle, partial = tempfile.mkstemp(prefix=".part-", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            stream.seek(0)
            while chunk := stream.read(_CHUNK):
                out.write(chunk)
        os.replace(partial, path)
    except BaseException:
        discard(partial)
        raise
    return path


def discard(path: str | os.PathLike | None) -> None:
    """Delete one copy (nothing happens when it is already gone)."""
    if not path:
        return
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def sweep(db_path: str | os.PathLike | None = None) -> int:
    """Empty the private folder (at start-up: no load is running yet). Returns how many entries were removed."""
    folder = upload_dir(db_path)
    removed = 0
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            discard(entry)
        removed += 1
    return removed


def touch(path: str | os.PathLike) -> None:
    """Mark a copy as in use now (so an idle sweep leaves it)."""
    try:
        os.utime(path)
    except FileNotFoundError:
        pass


def sweep_idle(db_path: str | os.PathLike | None = None, *, idle_seconds: float = IDLE_SECONDS,
               now: float | None = None) -> int:
    """Delete the copies nobody has used for ``idle_seconds``. Returns how many went. (A load still reading one
    keeps reading: the file goes when DuckDB closes it.)"""
    folder = upload_dir(db_path)
    now = time.time() if now is None else now
    removed = 0
    for entry in folder.iterdir():
        try:
            if entry.is_file() and now - entry.stat().st_mtime > idle_seconds:
                discard(entry)
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def held(db_path: str | os.PathLike | None = None) -> list[Path]:
    """What the folder holds now (for the tests and the README's promise that it empties)."""
    folder = upload_dir(db_path)
    return sorted(folder.iterdir())
