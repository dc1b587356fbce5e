"""Opening a file: what it really is, told from its name and its first bytes."""

from __future__ import annotations

import pytest

from analysis.errors import StocktakeError
from analysis.load import files


@pytest.mark.parametrize("name,fmt", [
    ("a.csv", "csv"), ("a.TSV", "csv"), ("a.txt", "csv"), ("a.csv.gz", "csv"), ("a.xlsx", "excel"),
    ("a.xls", "excel"), ("a.parquet", "parquet"),
])
def test_file_format_of(name, fmt):
    assert files.file_format_of(name) == fmt


def test_other_file_types_are_refused_by_name():
    with pytest.raises(StocktakeError, match="'notes.docx' is not a file type Stocktake reads"):
        files.file_format_of("notes.docx")
