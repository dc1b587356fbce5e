"""Sniffing an opened file: its encoding as found, delimiter, header line and totals row; a read as Windows-1252."""

from __future__ import annotations

import gzip

import pytest

from analysis.load import files, sources
from analysis.errors import StocktakeError


@pytest.mark.parametrize("raw,names", [
    (["Ref", "", "Ref", " Cost  (£) "], ["Ref", "column_2", "Ref (2)", "Cost (£)"]),
    (["\ufeffRef", "ref"], ["Ref", "ref (2)"]),
    (["a" * 130], ["a" * 120 + "…"]),
])
def test_clean_headers(raw, names):
    assert sources.clean_headers(raw)[0] == names


def sniffed(path) -> sources.Source:
    """Steps 1 and 2: the file opened and its table sniffed (close it with ``source.opened.close()``)."""
    return sources.sniff_source(files.open_file(path))


def open_text(tmp_path, text: str, name: str = "f.csv", encoding: str = "utf-8") -> sources.Source:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return sniffed(path)


@pytest.mark.parametrize("text,delimiter", [
    ("a,b,c\n1,2,3\n", ","), ("a\tb\tc\n1\t2\t3\n", "\t"), ("a;b;c\n1;2,5;3\n", ";"), ("a|b\n1|2\n", "|"),
    ('Ref,Note\n1,"x; y; z"\n2,"a; b"\n', ","), ("only\n1\n2\n", ","),
])
def test_the_delimiter_is_the_one_that_gives_a_steady_table(tmp_path, text, delimiter):
    assert open_text(tmp_path, text).delimiter == delimiter


def test_title_rows_above_the_header_are_skipped(tmp_path):
    source = open_text(tmp_path, "Repairs report\nRun on 01/02/2024,,\n\nRef,Opened,Cost\n1,31/01/2024,5\n")
    assert (source.skip, source.names) == (3, ["Ref", "Opened", "Cost"])
    assert source.notes == ["The first 3 line(s) above the header (titles, notes or blank lines) were skipped."]


def test_a_totals_row_is_found_at_the_end(tmp_path):
    source = open_text(tmp_path, "Ref,Cost\n1,5\n2,6\nGrand total:,11\n\n")
    assert source.total_line == "Grand total:,11"
    assert open_text(tmp_path, "Ref,Cost\n1,5\n2,6\n", "g.csv").total_line is None


@pytest.mark.parametrize("encoding,found", [("utf-8", "utf-8"), ("cp1252", "cp1252"), ("utf-16", "utf-16-le")])
def test_encodings(tmp_path, encoding, found):
    source = open_text(tmp_path, "Service,Cost (£)\nCafé,£1\n", encoding=encoding)
    try:
        assert source.encoding == found and source.names == ["Service", "Cost (£)"]
        with open(source.path, encoding="utf-8") as handle:  # what DuckDB reads is UTF-8
            assert "Café" in handle.read()
    finally:
        source.opened.close()
    assert all(not p for p in source.opened.temp_paths)


def test_gzip_is_read_by_duckdb_itself(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(gzip.compress(b"Ref,Cost\n1,5\n"))
    source = sniffed(path)
    assert (source.compression, source.names, source.opened.temp_paths) == ("gzip", ["Ref", "Cost"], [])
    sql, params = source.relation_sql()
    assert sql.startswith("read_csv(?") and "gzip" in params


def test_the_column_limit_is_checked_before_anything_is_read(tmp_path):
    header = ",".join(f"c{i}" for i in range(sources.MAX_COLUMNS + 1))
    with pytest.raises(StocktakeError, match=f"has {sources.MAX_COLUMNS + 1:,} columns; Stocktake reads at most 2,000"):
        open_text(tmp_path, header + "\n" + "1," * sources.MAX_COLUMNS + "1\n")


def test_temporary_copies_are_removed_on_close(tmp_path):
    source = open_text(tmp_path, "Ref\tNote\n1\tx\n", encoding="utf-16")
    temp = source.path
    source.opened.close()
    import os

    assert not os.path.exists(temp)


def _read(source) -> str:
    with open(source.path, encoding="utf-8") as handle:
        return handle.read()


def test_a_file_mixing_utf8_and_windows_1252_lines_is_read_right_line_by_line(tmp_path, monkeypatch):
    monkeypatch.setenv("STOCKTAKE_DB", str(tmp_path / "s.duckdb"))
    path = tmp_path / "merged.csv"
    path.write_bytes("Ref,Service,Cost\n1,Café,£1.50\n".encode() + "2,Café,£1.50\n".encode("cp1252")
                     + "3,Naïve,£2\n".encode() + "4,Crème,£3\n".encode("cp1252"))
    source = sniffed(path)
    try:
        assert _read(source) == "Ref,Service,Cost\n1,Café,£1.50\n2,Café,£1.50\n3,Naïve,£2\n4,Crème,£3\n"
        assert source.encoding == "UTF-8 and Windows-1252, by line"
        assert source.notes == ["'merged.csv' mixes two encodings, as a file put together from two systems' exports "
                                "does: lines 3 and 5 are Windows-1252 and the others UTF-8. Each line was read as "
                                "it was written."]
    finally:
        source.opened.close()


def test_a_windows_1252_file_is_still_read_as_one(tmp_path, monkeypatch):
    monkeypatch.setenv("STOCKTAKE_DB", str(tmp_path / "s.duckdb"))
    source = open_text(tmp_path, "Service,Cost\nCafé,£1.50\n", encoding="cp1252")
    try:
        assert source.encoding == "cp1252" and source.notes == []
        assert _read(source) == "Service,Cost\nCafé,£1.50\n"
    finally:
        source.opened.close()


def test_mixed_lines_beyond_the_sampled_parts_are_read_right_and_numbered(tmp_path, monkeypatch):
    # 3 MB of UTF-8 (with accents, so the file is not plain ASCII), then Windows-1252 lines the sample never sees:
    # the load finds them and reads the file again line by line (sources.read_as_cp1252).
    monkeypatch.setenv("STOCKTAKE_DB", str(tmp_path / "s.duckdb"))
    lines = ["Ref,Service"] + [f"{i},Café {i}" for i in range(1, 150_001)]
    path = tmp_path / "late.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode() + "150001,Crème\n150002,Brûlée\n".encode("cp1252"))
    source = sniffed(path)
    try:
        assert source.encoding == "utf-8"  # what the sample says
        source = sources.read_as_cp1252(source)
        text = _read(source)
        assert text.endswith("150000,Café 150000\n150001,Crème\n150002,Brûlée\n") and "Ã" not in text
        assert source.notes[-1] == ("'late.csv' mixes two encodings, as a file put together from two systems' "
                                    "exports does: lines 150,002 and 150,003 are Windows-1252 and the others UTF-8. "
                                    "Each line was read as it was written.")
    finally:
        source.opened.close()
