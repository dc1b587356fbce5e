"""Sizes a newcomer can read: no page over 300 lines and no module over 400 (in analysis/, ui/ and data/)."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
MAX_PAGE, MAX_MODULE = 300, 400


def _lengths(folders: tuple[str, ...]) -> dict[str, int]:
    return {str(p.relative_to(REPO_ROOT)): len(p.read_text(encoding="utf-8").splitlines())
            for folder in folders for p in (REPO_ROOT / folder).rglob("*.py")}


def test_pages_stay_under_300_lines():
    too_long = {p: n for p, n in _lengths(("pages",)).items() if n > MAX_PAGE}
    assert not too_long, too_long


def test_modules_stay_under_400_lines():
    too_long = {p: n for p, n in _lengths(("analysis", "ui", "data")).items() if n > MAX_MODULE}
    assert not too_long, too_long
