"""Exports: values not formulas, and text that looks like a formula neutralised, read back from the files."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from analysis import exports


def _frame():
    return pd.DataFrame({
        "Scenario": ["=HYPERLINK(\"http://x\")", "+44 line", "-minus", "@SUM(A1)", "Plain", "\tTab"],
        "Annual saving (£)": [5360.0, 8801.5, -12.0, 0.0, np.nan, 1.0],
        "Payback year": pd.array([1, 3, None, 2, 1, 1], dtype="Int64"),
    })


def test_neutralise_only_touches_formula_like_text():
    assert exports.neutralise("=1+1") == "'=1+1"
    assert exports.neutralise("@x") == "'@x"
    assert exports.neutralise("Plain - text") == "Plain - text"
    assert exports.neutralise(-5) == -5
    assert exports.neutralise(None) is None


def test_csv_neutralises_text_and_keeps_numbers():
    text = exports.to_csv_bytes(_frame()).decode("utf-8-sig")
    back = pd.read_csv(io.StringIO(text))
    assert back["Scenario"].tolist() == ["'=HYPERLINK(\"http://x\")", "'+44 line", "'-minus", "'@SUM(A1)", "Plain",
                                         "'\tTab"]
    assert back["Annual saving (£)"].tolist()[:4] == [5360.0, 8801.5, -12.0, 0.0]


def test_xlsx_holds_values_not_formulas_read_back_with_calamine():
    data = exports.to_xlsx_bytes({"Comparison": _frame(), "=Evil sheet": _frame().head(1)})
    back = pd.read_excel(io.BytesIO(data), sheet_name=None, engine="calamine")
    assert list(back) == ["Comparison", "=Evil sheet"]
    comp = back["Comparison"]
    assert comp["Scenario"].tolist() == ["'=HYPERLINK(\"http://x\")", "'+44 line", "'-minus", "'@SUM(A1)", "Plain",
                                         "'\tTab"]
    assert comp["Annual saving (£)"].tolist()[:4] == [5360.0, 8801.5, -12.0, 0.0]
    assert pd.isna(comp["Annual saving (£)"].iloc[4])
    assert comp["Payback year"].tolist()[:2] == [1, 3]
    # No cell of the workbook is a formula: the sheet XML has no <f> element.
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets
        for n in sheets:
            assert b"<f>" not in z.read(n)
