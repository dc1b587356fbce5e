"""The stocktake pack: one self-contained HTML file for a session, from the app's store and from the command line."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from analysis import store
from analysis.workshop import notes, pack, actions as session_actions, sessions
from analysis.workshop.sessions import View
from data import demo
from tests.conftest import REPO_ROOT



@pytest.fixture(scope="module")
def demo_pack(demo_store_template, tmp_path_factory) -> tuple[str, sessions.Session]:
    path = tmp_path_factory.mktemp("pack") / "store.duckdb"
    path.write_bytes(demo_store_template.read_bytes())
    con = store.open_store(path)
    try:
        session = sessions.find_session(con, demo.DEMO_SESSION_TITLE)
        return pack.build_pack(con, session.id), session
    finally:
        con.close()


def test_the_demo_pack_is_one_file_with_every_figure_title_and_action(demo_pack):
    text, session = demo_pack
    assert text.startswith("<!DOCTYPE html>") and text.count("<svg") == len(demo.DEMO_AGENDA) == 5
    for title, *_ in demo.DEMO_AGENDA:
        assert f"{title}</h2>" in text.replace("&#x27;", "'")
    for what, owner, *_ in demo.DEMO_ACTIONS:
        assert f"<td>{what}</td><td>{owner}</td>" in text
    for name in demo.DEMO_ATTENDEES:
        assert name in text
    assert "18 June 2025" in text and "1 April 2022 to 14 November 2025" in text


def test_the_pack_makes_no_request_of_its_own(demo_pack):
    text, _ = demo_pack
    assert not re.search(r"https?://", text)
    assert not re.search(r"<(script|link|img|iframe)\b", text)
    assert "@page { size: A4" in text and "@media print" in text


def test_each_figure_has_its_filters_and_reading_and_the_spc_one_its_assurance(demo_pack):
    text, _ = demo_pack
    assert "<span class='label'>Filters:</span> Housing repairs, April 2023 – May 2025 (demo_contacts)" in text
    assert ("Special cause improvement since June 2024: the latest point (81.6%) is above the upper limit. The "
            "target of 80.0% is not consistently met") in text
    assert text.count("<span class='label'>Reading:</span>") == 5
    # The overdue action first, marked.
    assert text.index("Check that the fall in chasing calls") < text.index("Cost the saving")
    assert "Open (overdue)" in text


def test_a_figure_that_cannot_be_drawn_is_said_and_the_rest_of_the_pack_stands(tmp_path):
    con = store.open_store(tmp_path / "s.duckdb")
    sid = sessions.create_session(con, "Odd <session> & co", attendees="A <b>")
    sessions.add_view(con, sid, View("demand-drivers", "volume", {}, {"dataset": "gone"}), "A figure of nothing")
    notes.add_note(con, sid, "<script>alert(1)</script>")
    session_actions.add_action(con, sid, "Reload the data", owner="Jo")
    text = pack.build_pack(con, sid)
    con.close()
    assert "This figure could not be drawn: The dataset &#x27;gone&#x27; this view shows is no longer loaded" in text
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<h1>Odd &lt;session&gt; &amp; co</h1>" in text and "<td>Reload the data</td>" in text
    assert pack.pack_filename(sessions.Session(1, 'Q3: "review"/final', None, None, (), None, None)) == \
        "Q3_ _review__final - pack.html"


def test_the_cli_writes_the_pack_and_refuses_a_session_that_does_not_exist(demo_store, tmp_path):
    out = tmp_path / "pack.html"
    ok = subprocess.run([sys.executable, "-m", "analysis", "pack", "--session", "repairs stocktake, june 2025",
                         "--db", str(demo_store), "--out", str(out)], cwd=REPO_ROOT, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(f"Wrote the pack for '{demo.DEMO_SESSION_TITLE}' to {out}")
    assert out.read_text(encoding="utf-8").count("<svg") == 5
    missing = subprocess.run([sys.executable, "-m", "analysis", "pack", "--session", "Nope", "--db", str(demo_store),
                              "--out", str(tmp_path / "x.html")], cwd=REPO_ROOT, capture_output=True, text=True)
    assert missing.returncode == 2 and not (tmp_path / "x.html").exists()
    assert missing.stderr.strip().splitlines() == [
        f"Error: There is no session called 'Nope'. Sessions: '{demo.DEMO_SESSION_TITLE}'."]


@pytest.mark.e2e
def test_the_pack_opens_in_chromium_without_errors_and_prints_to_a4(demo_pack, page, tmp_path):
    text, _ = demo_pack
    html_file = tmp_path / "pack.html"
    html_file.write_text(text, encoding="utf-8")
    page.set_viewport_size({"width": 1100, "height": 1400})
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(html_file.as_uri())
    page.wait_for_load_state("load")
    assert page.locator("section.item svg").count() == 5
    page.screenshot(path=str(tmp_path / "pack.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    assert errors == [] and requests == [html_file.as_uri()]
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 1
