"""Markdown escaping of names and values from files (ui.text): what a page's Markdown source becomes.

Whether the browser then shows it as text, with no element made from it, is checked in Chromium by
tests/test_e2e_auth.py.
"""

from __future__ import annotations

import pytest

from ui.text import plain, plain_lines

WJ = "\u2060"


@pytest.mark.parametrize("text,escaped", [
    ("![x](http://evil.example/p.png)", f"!\\[x\\](http:{WJ}//evil.example/p.png)"),
    ("[link](javascript:alert(1))", "\\[link\\](javascript:alert(1))"),
    ("<img src=x onerror=alert(1)>", "\\<img src=x onerror=alert(1)\\>"),
    ("<script>alert(1)</script>", "\\<script\\>alert(1)\\</script\\>"),
    ('"; DROP TABLE x; --', f'"; DROP TABLE x; -{WJ}-'),
    ("**bold** _it_ `code` ~~gone~~", "\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\~\\~gone\\~\\~"),
    (":red[alarm] costs $5 & more", ":red\\[alarm\\] costs \\$5 \\& more"),
    ("ana@council.gov.uk www.example.com", f"ana@council.gov.uk www{WJ}.example.com"),
    ("# not a heading", "\\# not a heading"),
    ("- not a list", "\\- not a list"),
    ("12. not a list", "12\\. not a list"),
    ("a\\b", "a\\\\b"),
    # What most text looks like stays readable in the page's source.
    ("demo_contacts, separated by ',' (3 rows)", "demo_contacts, separated by ',' (3 rows)"),
    ("two\nlines", "two lines"),
])
def test_plain_escapes_what_markdown_would_act_on_and_nothing_else(text, escaped):
    assert plain(text) == escaped


def test_plain_lines_keeps_line_breaks_and_escapes_each_line():
    assert plain_lines("first *one*\n\n- second") == "first \\*one\\*  \n\\- second"


def test_plain_accepts_an_exception():
    assert plain(ValueError("Column '<b>' is empty")) == "Column '\\<b\\>' is empty"
