"""Reading the start (and a few pieces) of a text file: its delimiter, its header line, what is above it, a totals
row at the end, and records from across a large file for the type decisions.

Pure Python on decoded text, so a 10M-row file is sniffed from its first megabyte and a few dozen small pieces.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re

DELIMITERS = (",", "\t", ";", "|")
HEAD_BYTES = 1 << 20  # read to sniff the delimiter, header and encoding
SPREAD_CHUNKS, SPREAD_CHUNK_BYTES = 20, 32 << 10  # samples from across a large file, for type decisions
TOTAL_ROW = re.compile(r"^\s*(grand\s+)?totals?\b\s*:?", re.IGNORECASE)
# Python's csv module refuses fields over 128 KB; the head of a file may hold a longer one.
csv.field_size_limit(64 << 20)


def is_json(head: bytes) -> bool:
    """True when the start of a file is a JSON document (a prefix of a large one fails only at its cut end)."""
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \r\n\t")
    if not text.startswith(("{", "[")):
        return False
    try:
        json.loads(text)
        return True
    except ValueError as exc:
        return getattr(exc, "pos", 0) >= min(len(text) - 10, 200) > 0


def records(text: str, delimiter: str, limit: int = 200) -> list[tuple[int, list[str]]]:
    """(lines consumed before the record, fields) for the first records of ``text``; blank lines are skipped."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')
    out = []
    consumed = 0
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                out.append((consumed, row))
                if len(out) >= limit:
                    break
            consumed = reader.line_num
    except csv.Error:
        pass
    return out


def sniff_table(text: str) -> tuple[str, int, list[str]] | None:
    """(delimiter, lines to skip above the header, header fields) from the start of a file's text; None when it
    has only blank lines."""
    if not text.strip(" \t\r\n,;|"):
        return None
    best = None
    for delimiter in DELIMITERS:
        found = records(text, delimiter)
        if not found:
            continue
        widths = [len(r) for _, r in found]
        tail = widths[len(widths) // 5:] or widths
        width = max(set(tail), key=lambda w: (tail.count(w), w))
        score = (width > 1, tail.count(width) / len(tail), width)
        if best is None or score > best[0]:
            best = (score, delimiter, found, width)
    if best is None:
        return None
    _, delimiter, found, width = best
    if width == 1:
        delimiter = ","
    # The header is the first record as wide as the data with most of its cells filled; anything above it is a
    # title, a note or a 'report run on' line.
    for consumed, row in found:
        filled = sum(1 for cell in row if cell.strip())
        if len(row) >= width and filled >= max(1, min(width, 2), width // 2):
            return delimiter, consumed, row
    return delimiter, found[0][0], found[0][1]


def spread_chunks(path: str, size: int) -> list[bytes]:
    if size <= HEAD_BYTES:
        return []
    chunks = []
    with open(path, "rb") as handle:
        for i in range(1, SPREAD_CHUNKS + 1):
            handle.seek(min(size - 1, HEAD_BYTES + (size - HEAD_BYTES) * i // (SPREAD_CHUNKS + 1)))
            chunk = handle.read(SPREAD_CHUNK_BYTES)
            # Start after a newline so a multi-byte character is not cut at the front.
            cut = chunk.find(b"\n")
            chunks.append(chunk[cut + 1:] if cut >= 0 else b"")
    return chunks


def spread_records(path: str, delimiter: str, width: int, total_line: str | None) -> list[list[str]]:
    """Records from across a large file (the head is read by DuckDB itself), so that a type decided on the first rows
    also fits the rest. Pieces cut inside a quoted value are dropped by their field count."""
    rows = []
    for chunk in spread_chunks(path, os.path.getsize(path)):
        text = chunk.decode("utf-8", errors="replace")
        text = text[: text.rfind("\n") + 1]
        for _, row in records(text, delimiter, limit=10_000):
            if len(row) == width and (total_line is None or delimiter.join(row) != total_line):
                rows.append(row)
    return rows


def trailing_total(path: str) -> str | None:
    """The last line, when it is a totals row ('Total', 'Grand total:' in its first cell)."""
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        handle.seek(max(0, size - 65536))
        tail = handle.read().decode("utf-8", errors="replace")
    lines = [line for line in tail.splitlines() if line.strip().strip(",;\t|").strip()]
    if len(lines) >= 2 and TOTAL_ROW.match(lines[-1].lstrip('"')):
        return lines[-1]
    return None
