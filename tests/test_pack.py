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


# ---- "View in Stocktake", and tables that fit A4 portrait -----------------------------------------------------------

@pytest.fixture(scope="module")
def public_pack(demo_store_template, tmp_path_factory) -> tuple[str, str]:
    """The demo session's pack with the app's public address configured, and without."""
    path = tmp_path_factory.mktemp("public") / "store.duckdb"
    path.write_bytes(demo_store_template.read_bytes())
    con = store.open_store(path)
    try:
        session = sessions.find_session(con, demo.DEMO_SESSION_TITLE)
        return (pack.build_pack(con, session.id, public_url="https://stocktake.council.gov.uk/app"),
                pack.build_pack(con, session.id))
    finally:
        con.close()


def test_view_in_stocktake_is_an_absolute_link_when_the_public_address_is_set_and_words_when_not(public_pack):
    with_address, without = public_pack
    links = re.findall(r"View in Stocktake: <a href='([^']+)'>", with_address)
    assert len(links) == 5 and all(link.startswith("https://stocktake.council.gov.uk/app/") for link in links)
    assert "https://stocktake.council.gov.uk/app/demand-drivers?dataset=demo_contacts" in links[0]
    assert "<a " not in without
    assert ("View in Stocktake: the Demand drivers page, 'Volume over time'; this view's address is Stocktake's own "
            "followed by /demand-drivers?dataset=demo_contacts&amp;dm_service=Housing+repairs") in without


@pytest.mark.parametrize("secrets,environ,expected", [
    ({}, {}, None),
    ({"stocktake": {"public_url": "https://stocktake.council.gov.uk/"}}, {}, "https://stocktake.council.gov.uk"),
    ({"stocktake": {"public_url": "https://a.example"}}, {"STOCKTAKE_PUBLIC_URL": "http://b.example:8501/st"},
     "http://b.example:8501/st"),
])
def test_the_public_address_is_read_from_the_environment_or_the_secrets(secrets, environ, expected):
    from analysis import settings

    assert settings.public_url(secrets, environ) == expected


@pytest.mark.parametrize("value", ["stocktake.council.gov.uk", "javascript:alert(1)", "https://x.example/?a=1",
                                   "ftp://x.example"])
def test_a_public_address_that_cannot_be_used_is_named(value):
    from analysis import settings
    from analysis.errors import StocktakeError

    with pytest.raises(StocktakeError, match="stocktake.public_url in secrets.toml must be the address people open"):
        settings.public_url({"stocktake": {"public_url": value}}, {})


def test_the_cli_pack_links_to_the_public_address_from_the_environment(demo_store, tmp_path):
    import os

    out = tmp_path / "pack.html"
    env = {**os.environ, "STOCKTAKE_PUBLIC_URL": "https://stocktake.example.gov.uk"}
    done = subprocess.run([sys.executable, "-m", "analysis", "pack", "--session", demo.DEMO_SESSION_TITLE,
                           "--db", str(demo_store), "--out", str(out)], cwd=REPO_ROOT, capture_output=True, text=True,
                          env=env)
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8").count("<a href='https://stocktake.example.gov.uk/") == 5


@pytest.mark.e2e
def test_every_table_fits_a4_portrait_even_with_long_unbroken_words(tmp_path, page):
    con = store.open_store(tmp_path / "s.duckdb")
    sid = sessions.create_session(con, "Long words", attendees="Jo")
    # What people paste into an action: an address, a file path, a reference with no space to break at.
    long_word = "https://intranet.council.gov.uk/repairs/ledger/reconciliation/2025-26/quarter-3/contact-centre.xlsx"
    for n in range(3):
        session_actions.add_action(con, sid, f"Reconcile {long_word.replace('-', '_')}{n} and report back",
                                   owner="Repairs.Performance.Team@council.gov.uk", due="2026-01-31")
    text = pack.build_pack(con, sid)
    con.close()
    html_file = tmp_path / "pack.html"
    html_file.write_text(text, encoding="utf-8")
    # A4 portrait less the pack's margins (12 mm each side) is 186 mm: 703 CSS pixels.
    page.set_viewport_size({"width": 703, "height": 1000})
    page.emulate_media(media="print")
    page.goto(html_file.as_uri())
    width = page.evaluate("document.documentElement.clientWidth")
    over = page.evaluate("""w => [...document.querySelectorAll('table, th, td, p, h1, h2')]
        .filter(e => e.getBoundingClientRect().right > w + 0.5 || e.scrollWidth > e.clientWidth + 1)
        .map(e => e.tagName + ': ' + e.textContent.slice(0, 40))""", width)
    assert over == [] and page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(tmp_path / "a4.png"), full_page=True)
