"""Sniffing a text file's start: delimiter, header line, title rows, JSON, a totals row at the end."""

from __future__ import annotations

import pytest

from analysis.load import sniff


@pytest.mark.parametrize("text,expected", [
    ("Ref,Cost\n1,5\n", (",", 0, ["Ref", "Cost"])),
    ("Report\nRun on Monday\n\nRef;Cost;Area\n1;5,5;A\n2;6;B\n", (";", 3, ["Ref", "Cost", "Area"])),
    ("Title,,\nRef,Cost,Area\n1,2,3\n", (",", 1, ["Ref", "Cost", "Area"])),
    ('"Ref","Note"\n1,"a, b"\n', (",", 0, ["Ref", "Note"])),
    ("only\n1\n", (",", 0, ["only"])),
    ("\n\n,,\n", None),
])
def test_sniff_table(text, expected):
    assert sniff.sniff_table(text) == expected


def test_records_count_the_lines_above_each_record():
    assert sniff.records("a,b\n\n1,2\n", ",") == [(0, ["a", "b"]), (2, ["1", "2"])]


@pytest.mark.parametrize("head,is_json", [
    (b'[{"a": 1}]', True), (b'{"rows": [1, 2', True), (b"[1,2] and then text that is not JSON at all, a, b, c", False),
    (b"Ref,Cost\n", False),
])
def test_is_json(head, is_json):
    assert sniff.is_json(head) == is_json


def test_trailing_total(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('Ref,Cost\n1,5\n"TOTAL",5\n\n')
    assert sniff.trailing_total(str(path)) == '"TOTAL",5'
    path.write_text("Ref,Cost\n1,5\n")
    assert sniff.trailing_total(str(path)) is None


def test_spread_records_come_from_across_the_file(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("Ref,Cost\n" + "".join(f"{i},{i % 7}\n" for i in range(300_000)))
    rows = sniff.spread_records(str(path), ",", 2, None)
    refs = [int(r[0]) for r in rows]
    assert len(rows) > 1000 and min(refs) > 50_000 and max(refs) > 250_000
