"""The private folder for files being read (analysis.load.uploads), and the copies analysis.load.sources makes in it."""

from __future__ import annotations

import io
import os
import stat

from analysis.load import files, uploads


def test_the_folder_is_beside_the_store_and_only_its_owner_may_open_it(tmp_path):
    db = tmp_path / "store" / "stocktake.duckdb"
    folder = uploads.upload_dir(db)
    assert folder == tmp_path / "store" / uploads.FOLDER_NAME
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    os.chmod(folder, 0o755)  # loosened by someone: made private again on the next use
    assert stat.S_IMODE(uploads.upload_dir(db).stat().st_mode) == 0o700


def test_an_upload_is_written_privately_and_deleted_when_discarded(tmp_path):
    db = tmp_path / "stocktake.duckdb"
    path = uploads.save_stream(io.BytesIO(b"Ref\n1\n"), "repairs (June).csv", key="abc123", db_path=db)
    assert path.parent == uploads.upload_dir(db) and path.name == "abc123-repairs_June_.csv"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_bytes() == b"Ref\n1\n"
    assert uploads.held(db) == [path]  # no partial file left beside it
    uploads.discard(path)
    uploads.discard(path)  # gone already: nothing happens
    assert uploads.held(db) == []


def test_start_up_empties_the_folder(tmp_path):
    db = tmp_path / "stocktake.duckdb"
    uploads.save_stream(io.BytesIO(b"x"), "a.csv", key="1", db_path=db)
    (uploads.upload_dir(db) / "half-written").mkdir()
    assert uploads.sweep(db) == 2
    assert uploads.held(db) == []


def test_a_rewritten_copy_goes_to_the_private_folder_and_is_removed_when_the_source_closes(tmp_path, monkeypatch):
    monkeypatch.setenv("STOCKTAKE_DB", str(tmp_path / "stocktake.duckdb"))
    path = tmp_path / "win.csv"
    path.write_bytes("Service,Cost\nCafé,£1.50\n".encode("cp1252"))
    opened = files.open_file(path)
    assert [p for p in uploads.held()] == [uploads.upload_dir() / os.path.basename(opened.path)]
    assert stat.S_IMODE(os.stat(opened.path).st_mode) == 0o600
    opened.close()
    assert uploads.held() == []


def test_a_copy_unused_for_an_hour_is_swept_and_one_in_use_is_kept(tmp_path):
    import time

    db = tmp_path / "stocktake.duckdb"
    old = uploads.save_stream(io.BytesIO(b"x"), "left.csv", key="1", db_path=db)
    new = uploads.save_stream(io.BytesIO(b"y"), "working.csv", key="2", db_path=db)
    hours_ago = time.time() - 2 * 3600
    os.utime(old, (hours_ago, hours_ago))
    os.utime(new, (hours_ago, hours_ago))
    uploads.touch(new)  # the page that works on it has just run
    assert uploads.sweep_idle(db) == 1
    assert uploads.held(db) == [new]
