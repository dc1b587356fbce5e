"""Text encodings of the files councils export: UTF-16 from Excel's "Unicode text", Windows-1252, and files that mix
UTF-8 and Windows-1252 line by line; each rewritten once as a UTF-8 copy that DuckDB reads.

A file that is not all UTF-8 is rewritten line by line: a line that is valid UTF-8 is read as UTF-8, any other as
Windows-1252. A file put together from two systems' exports (one writing UTF-8, one Windows-1252) is then read right
on every line, not turned into ``CafÃ©`` and ``Â£1.50``, and the load says which lines were which. The copies go to
the private upload folder (``analysis.load.uploads``: 0700, beside the store).
"""

from __future__ import annotations

import codecs
import os
import re
from dataclasses import dataclass, field

from analysis.load import uploads


def utf16_of(head: bytes) -> str | None:
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le"
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be"
    sample = head[:4096]
    if len(sample) >= 8:
        # ASCII text in UTF-16 without a BOM: every other byte is zero.
        even_zero = sample[0::2].count(0) / len(sample[0::2])
        odd_zero = sample[1::2].count(0) / len(sample[1::2])
        if odd_zero > 0.4 and even_zero < 0.05:
            return "utf-16-le"
        if even_zero > 0.4 and odd_zero < 0.05:
            return "utf-16-be"
    return None


def is_valid_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        # A chunk cut in the middle of a character is still UTF-8.
        return exc.start >= len(data) - 3 and exc.reason == "unexpected end of data"


def _latin1_fallback(error: UnicodeDecodeError):
    return error.object[error.start:error.end].decode("latin-1"), error.end


codecs.register_error("stocktake_latin1", _latin1_fallback)

# A UTF-8 character of two to four bytes: text that is valid UTF-8 and not plain ASCII holds one.
_UTF8_CHARACTER = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_HIGH_LINE = re.compile(rb"^[^\n]*[\x80-\xff]", re.M)
LINES_NAMED = 10  # how many line numbers a note names


@dataclass
class LineEncodings:
    """What a line-by-line read found: the lines written as Windows-1252 (the first few by number, and how many), and
    whether other lines were UTF-8 beyond plain ASCII (then the file mixes the two)."""

    cp1252_lines: list[int] = field(default_factory=list)
    cp1252_count: int = 0
    utf8_text: bool = False

    @property
    def mixed(self) -> bool:
        return self.cp1252_count > 0 and self.utf8_text

    @property
    def encoding(self) -> str:
        if self.mixed:
            return "UTF-8 and Windows-1252, by line"
        return "cp1252" if self.cp1252_count else "utf-8"

    def note(self, source_name: str) -> str:
        numbers = [f"{n:,}" for n in self.cp1252_lines]
        named = numbers[0] if len(numbers) == 1 else ", ".join(numbers[:-1]) + " and " + numbers[-1]
        if self.cp1252_count > len(numbers):
            named = ", ".join(numbers) + f"… ({self.cp1252_count:,} lines in all)"
        lines = "line" if self.cp1252_count == 1 else "lines"
        if self.mixed:
            verb = "is" if self.cp1252_count == 1 else "are"
            return (f"'{source_name}' mixes two encodings, as a file put together from two systems' exports does: "
                    f"{lines} {named} {verb} Windows-1252 and the others UTF-8. Each line was read as it was "
                    "written.")
        return f"'{source_name}' is not all UTF-8: read as Windows-1252 ({lines} {named})."


def transcode_by_line(read_binary, *, drop_nul: bool = False) -> tuple[str, LineEncodings]:
    """Write a UTF-8 copy of a text stream whose lines are each UTF-8 or Windows-1252, reading each as it is.

    Whole pieces of 8 MB are decoded at once when they can be (all UTF-8, or no UTF-8 character at all: plain
    Windows-1252); only a piece holding both is decoded a line at a time."""
    found = LineEncodings()
    handle, target = uploads.private_file("stocktake-utf8-", ".csv")
    line_number = 1
    with read_binary() as source, os.fdopen(handle, "wb") as out:
        carry, first = b"", True
        while True:
            chunk = source.read(8 << 20)
            data = carry + chunk
            if chunk:
                cut = data.rfind(b"\n") + 1
                if cut == 0:
                    carry = data
                    continue
                data, carry = data[:cut], data[cut:]
            else:
                carry = b""
            if not data:
                break
            if first:
                data, first = (data[3:] if data.startswith(codecs.BOM_UTF8) else data), False
            try:
                text = data.decode("utf-8")
                found.utf8_text = found.utf8_text or bool(_UTF8_CHARACTER.search(data))
            except UnicodeDecodeError:
                if not _UTF8_CHARACTER.search(data):
                    text = data.decode("cp1252", errors="stocktake_latin1")
                    _note_cp1252_lines(found, data, line_number)
                else:
                    parts = data.split(b"\n")
                    decoded = []
                    for offset, line in enumerate(parts):
                        try:
                            decoded.append(line.decode("utf-8"))
                            found.utf8_text = found.utf8_text or bool(_UTF8_CHARACTER.search(line))
                        except UnicodeDecodeError:
                            decoded.append(line.decode("cp1252", errors="stocktake_latin1"))
                            found.cp1252_count += 1
                            if len(found.cp1252_lines) < LINES_NAMED:
                                found.cp1252_lines.append(line_number + offset)
                    text = "\n".join(decoded)
            if drop_nul:
                text = text.replace("\x00", "")
            out.write(text.encode("utf-8"))
            line_number += data.count(b"\n")
            if not chunk:
                break
    return target, found


def _note_cp1252_lines(found: LineEncodings, data: bytes, line_number: int) -> None:
    """Count the lines of a Windows-1252 piece that hold a byte above ASCII (the others read the same either way)."""
    for match in _HIGH_LINE.finditer(data):
        found.cp1252_count += 1
        if len(found.cp1252_lines) < LINES_NAMED:
            found.cp1252_lines.append(line_number + data.count(b"\n", 0, match.start()))


def transcode(read_binary, encoding: str, *, drop_nul: bool = False) -> str:
    """Write a UTF-8 copy of a text stream in ``encoding`` (bytes cp1252 leaves undefined are read as latin-1)."""
    handle, target = uploads.private_file("stocktake-utf8-", ".csv")
    decoder = codecs.getincrementaldecoder(encoding)(errors="stocktake_latin1" if encoding == "cp1252" else "replace")
    with read_binary() as source, os.fdopen(handle, "wb") as out:
        first = True
        while chunk := source.read(8 << 20):
            text = decoder.decode(chunk)
            if first:
                text, first = text.lstrip("\ufeff"), False
            if drop_nul:
                text = text.replace("\x00", "")
            out.write(text.encode("utf-8"))
        out.write(decoder.decode(b"", final=True).encode("utf-8"))
    return target
