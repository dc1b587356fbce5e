"""Real-browser tests of sign-in, roles and hostile data (Playwright driving Debian's Chromium).

Sign-in runs against a real OpenID Connect provider on loopback (``oidc-provider-mock``, the same protocol as
Microsoft Entra ID), with the app started as run.sh starts it and a temporary secrets file (``--secrets.files``), so
nothing in the repository's .streamlit is touched. Hostile data is loaded into a store before its server starts and
every page is opened on it, checking the DOM for anything made from the data.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis import store
from tests.browser import (FIRST_RENDER_TIMEOUT_MS, free_port, nginx_proxy, private_demo_store, screenshot,
                           served_app, stop, wait_for_app, wait_until_up)

pytestmark = pytest.mark.e2e

EDITOR = "ana@council.gov.uk"
VIEWER = "cat@council.gov.uk"
PAGES = ["", "datasets", "demand-drivers", "performance-trends", "savings-scenarios", "council-spend", "workshop-room"]


@contextlib.contextmanager
def oidc_provider(folder: Path):
    """oidc-provider-mock on a free loopback port, knowing an editor and a viewer (their email is their subject)."""
    port = free_port()
    log_path = folder / "oidc.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port),
             "--user", EDITOR, "--user", VIEWER],
            stdout=log, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/.well-known/openid-configuration", process, log_path, "the OpenID provider")
        yield url
    finally:
        stop(process)


def new_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(FIRST_RENDER_TIMEOUT_MS)
    return context, page


def main_buttons(page) -> list[str]:
    """The buttons in the page's main area, by their words (a Material icon's name comes first: left out)."""
    texts = page.locator("[data-testid='stMain'] button").all_inner_texts()
    return [t.strip().splitlines()[-1].strip() for t in texts if t.strip()]


# ----- sign-in against a real OpenID Connect provider --------------------------------------------------------------


@pytest.fixture(scope="module")
def signed_in_app(demo_store_template, tmp_path_factory):
    folder, db = private_demo_store(demo_store_template, tmp_path_factory, "signin")
    with oidc_provider(folder) as provider:
        toml = (
            "[auth]\n"
            'redirect_uri = "{app}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_hex(32)}"\n'
            'client_id = "stocktake-test"\n'
            'client_secret = "not-a-real-secret"\n'
            f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
            "[stocktake]\n"
            f'editors = ["{EDITOR}"]\n'
        )
        with served_app(db, folder, toml) as url:
            yield url, db


def sign_in(page, url: str, who: str) -> None:
    page.goto(url)
    wait_for_app(page)
    page.get_by_role("button", name="Sign in").click()
    # The provider's own page: choose the user (the mock's stand-in for typing a password).
    page.get_by_role("button", name=who).click()
    page.wait_for_url(re.compile(re.escape(url)))
    wait_for_app(page)
    page.get_by_text(f"Signed in as {who}").wait_for()


def test_a_visitor_who_has_not_signed_in_sees_only_the_sign_in_button(browser, signed_in_app, tmp_path):
    url, _ = signed_in_app
    context, page = new_page(browser)
    try:
        for path in ("", "/datasets", "/demand-drivers?dataset=demo_contacts"):
            page.goto(url + path)
            wait_for_app(page)
            page.get_by_role("button", name="Sign in").wait_for()
            assert main_buttons(page) == ["Sign in"]
            body = page.locator("[data-testid='stApp']").inner_text()
            assert "demo_contacts" not in body and "Demand drivers" not in body
            assert page.locator("[data-testid='stSidebarNav']").count() == 0
            assert page.locator("[data-testid='stDataFrame'], [data-testid='stVegaLiteChart']").count() == 0
        shot = screenshot(page, "auth_signed_out", tmp_path)
        assert shot.stat().st_size > 0
    finally:
        context.close()


def test_an_editor_signs_in_loads_a_file_through_xsrf_protection_and_signs_out(browser, signed_in_app, tmp_path):
    url, db = signed_in_app
    context, page = new_page(browser)
    try:
        sign_in(page, url, EDITOR)
        page.goto(f"{url}/datasets")
        wait_for_app(page)
        page.get_by_text(f"Signed in as {EDITOR}, editor.").wait_for()
        page.locator("[data-testid='stFileUploader']").wait_for()
        page.get_by_text("Who changed what").wait_for()
        assert page.locator("[data-testid='stFileUploader']").count() == 1
        assert page.get_by_role("button", name="Delete this dataset").count() == 1

        # A real upload: XSRF protection is on (config.toml, and forced by sign-in), so this only works when the
        # browser sends Streamlit's cookie and token with it.
        csv = tmp_path / "signed in upload.csv"
        csv.write_text("Case Ref,Date Received,Reason\n1,31/01/2024,Chasing\n2,01/02/2024,Repair\n")
        page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(csv))
        page.get_by_text("How the file was read:").wait_for()
        page.get_by_role("button", name="Load into Stocktake").click()
        page.get_by_text("Loaded 2 rows into 'signed in upload'").wait_for()
        wait_for_app(page)
        screenshot(page, "auth_editor_data_page", tmp_path)

        # The audit trail, as the Data page's CSV download gives it (the app holds the store's one write lock).
        with page.expect_download() as download:
            page.get_by_role("button", name="Download the audit trail (CSV)").click()
        trail = pd.read_csv(download.value.path(), encoding="utf-8-sig")
        assert trail[["Who", "Action", "Dataset", "Outcome"]].values.tolist()[0] == [
            EDITOR, "load", "signed in upload", "done"]
        assert trail["Detail"].iloc[0] == "signed in upload.csv: 2 rows loaded, 0 rejected (records)"
        assert int(trail["Version"].iloc[0]) > 0

        page.get_by_role("button", name="Sign out").click()
        # The provider's end-session page, then back to the app's sign-in screen.
        page.get_by_role("button", name="End session").click()
        page.goto(url)
        wait_for_app(page)
        page.get_by_role("button", name="Sign in").wait_for()
        assert main_buttons(page) == ["Sign in"]
        screenshot(page, "auth_signed_out_again", tmp_path)
    finally:
        context.close()


def test_a_viewer_signs_in_and_sees_no_load_or_delete_controls(browser, signed_in_app, tmp_path):
    url, _ = signed_in_app
    context, page = new_page(browser)
    try:
        sign_in(page, url, VIEWER)
        page.goto(f"{url}/datasets")
        wait_for_app(page)
        page.get_by_text("You are signed in as a viewer").wait_for()
        page.get_by_text("Who changed what").wait_for()
        # The trail's own controls (or its "nothing yet", when this test runs on a server where no one has changed
        # anything: under pytest -n 2 it need not follow the editor's test): the page has run to its end.
        page.get_by_text("Changes to").or_(page.get_by_text("No changes recorded yet.")).wait_for()
        assert page.locator("[data-testid='stFileUploader']").count() == 0
        assert page.get_by_role("button", name="Delete this dataset").count() == 0
        assert page.get_by_role("button", name="Save roles").count() == 0
        screenshot(page, "auth_viewer_data_page", tmp_path)
        # The Explore pages are a viewer's to use.
        page.goto(f"{url}/performance-trends?dataset=demo_contacts")
        wait_for_app(page)
        page.get_by_text("Summary of every KPI").wait_for()
        assert page.get_by_role("button", name="Save target").count() == 0
    finally:
        context.close()


# ----- behind a sign-in proxy ------------------------------------------------------------------------------------------

PROXY_TOML = """[stocktake]
editors = ["ana@council.gov.uk"]
[stocktake.proxy]
user_header = "X-Forwarded-Email"
trusted_addresses = [{trusted}]
sign_out_url = "/oauth2/sign_out"
"""


@pytest.fixture(scope="module")
def proxy_store(demo_store_template, tmp_path_factory):
    folder, db = private_demo_store(demo_store_template, tmp_path_factory, "proxy")
    return folder, db


def test_behind_a_proxy_on_the_same_server_its_header_names_the_user(browser, proxy_store, tmp_path):
    folder, db = proxy_store
    with served_app(db, folder, PROXY_TOML.format(trusted='"127.0.0.1", "::1"')) as app_url, \
            nginx_proxy(app_url, folder, {"X-Forwarded-Email": EDITOR}) as proxy_url:
        # Through the proxy (Debian's nginx on loopback), which sets the user's address on every request, the
        # WebSocket included: the person is the editor it names.
        context, page = new_page(browser)
        try:
            page.goto(f"{proxy_url}/datasets")
            wait_for_app(page)
            page.get_by_text(f"Signed in as {EDITOR}, editor.").wait_for()
            page.locator("[data-testid='stFileUploader']").wait_for()
            assert page.get_by_role("link", name="Sign out").get_attribute("href") == "/oauth2/sign_out"
            screenshot(page, "auth_behind_proxy", tmp_path)
        finally:
            context.close()
        # The server's own routes follow the same rule (ui.gate): through the proxy, the person it names; round it, no
        # one.
        import httpx
        assert httpx.get(f"{proxy_url}/_stcore/metrics", timeout=30).status_code == 200
        assert httpx.get(f"{app_url}/_stcore/metrics", timeout=30).status_code == 403
        # A request that goes round the proxy, straight to the app's port, sees no page at all.
        context, page = new_page(browser)
        try:
            page.goto(f"{app_url}/datasets")
            wait_for_app(page)
            page.get_by_text("Stocktake is reached through your organisation's sign-in").wait_for()
            assert main_buttons(page) == [] and page.locator("[data-testid='stFileUploader']").count() == 0
        finally:
            context.close()


def test_a_forged_proxy_header_from_another_address_is_ignored(browser, proxy_store, tmp_path):
    folder, db = proxy_store
    # The proxy is said to be at 10.9.9.9. An intermediary on this server (127.0.0.1) claims, in X-Forwarded-For, to
    # be it and names the editor. The web server must not take that claim as the connection's address: if it did,
    # this session would be the editor's.
    forged = {"X-Forwarded-Email": EDITOR, "X-Forwarded-For": "10.9.9.9", "X-Real-IP": "10.9.9.9"}
    with served_app(db, folder, PROXY_TOML.format(trusted='"10.9.9.9"')) as app_url, \
            nginx_proxy(app_url, folder, forged) as proxy_url:
        context, page = new_page(browser)
        try:
            page.goto(f"{proxy_url}/datasets")
            wait_for_app(page)
            page.get_by_text("Stocktake is reached through your organisation's sign-in").wait_for()
            assert page.get_by_text("Signed in as").count() == 0
            assert page.locator("[data-testid='stFileUploader']").count() == 0
        finally:
            context.close()


# ----- hostile data is shown as text on every page -------------------------------------------------------------------

SCRIPT = "<script>window.__stocktake_pwned='script'</script>"
IMG = "<img src=x onerror=\"window.__stocktake_pwned='img'\">"
DROP = '"; DROP TABLE stocktake_datasets; --'
PIXEL = "![p](http://127.0.0.1:9/pixel.png)"
LINK = "[click](javascript:window.__stocktake_pwned='link')"
HOSTILE_DATASET = "hostile data"


@pytest.fixture(scope="module")
def hostile_store(demo_store_template, tmp_path_factory):
    """The demo store plus a records dataset whose file name, column names and values are all attacks.

    Each test serves it itself, so it can look in the store after the app (its one writer) has stopped.
    """
    from analysis.load.ingest import load_frame
    from analysis.load.prepare import prepare_dataset

    folder, db = private_demo_store(demo_store_template, tmp_path_factory, "hostile")
    days = pd.date_range("2024-01-01", periods=120, freq="D").repeat(3)
    n = len(days)
    # Every role column holds every attack (a Markdown image, a javascript: link, HTML, SQL) beside a plain value:
    # each value becomes a label, an option, a caption or a chart somewhere (the channels are the Savings page's
    # cost and minutes labels).
    frame = pd.DataFrame({
        "Date Received": days,
        SCRIPT: [(SCRIPT, IMG, DROP, PIXEL, LINK)[i % 5] for i in range(n)],           # reason
        IMG: [(IMG, PIXEL, LINK, "Housing")[i % 4] for i in range(n)],                  # service
        DROP: [(DROP, "Phone", SCRIPT, PIXEL, LINK, "Web")[i % 6] for i in range(n)],   # channel
        PIXEL: [(PIXEL, "Ward 1", IMG, LINK)[i % 4] for i in range(n)],                 # area
    })
    con = store.open_store(db)
    try:
        load_frame(con, frame, dataset=HOSTILE_DATASET, kind="records", source_file=f"{IMG}.csv",
                   roles={"Date Received": "date", SCRIPT: "reason", IMG: "service", DROP: "channel", PIXEL: "area"})
        prepare_dataset(con, HOSTILE_DATASET)
        # A workshop session about it, whose title and note are attacks too.
        from analysis.workshop import notes, sessions
        session_id = sessions.create_session(con, f"{PIXEL} {LINK}", dataset=HOSTILE_DATASET)
        notes.add_note(con, session_id, f"{IMG} {PIXEL} {LINK}")
        tables_before = store.query_rows(con, "SELECT count(*) FROM duckdb_tables()")[0][0]
        datasets_before = [d.name for d in store.list_datasets(con)]
    finally:
        con.close()
    return folder, db, tables_before, datasets_before


def test_hostile_names_and_values_render_as_text_on_every_page_and_run_no_sql(browser, hostile_store, tmp_path):
    folder, db, tables_before, datasets_before = hostile_store
    with served_app(db, folder) as url:
        _visit_every_page_on_hostile_data(browser, url, tmp_path)
    con = store.open_store(db)
    try:
        assert [d.name for d in store.list_datasets(con)] == datasets_before
        assert store.query_rows(con, "SELECT count(*) FROM duckdb_tables()")[0][0] >= tables_before
        assert store.get_dataset(con, HOSTILE_DATASET).row_count == 360
    finally:
        con.close()


def outside_requests(page, url: str) -> list[str]:
    """Every request the page makes to anywhere but the app itself (and data: or blob: URLs, which are not
    requests), collected from now on."""
    seen: list[str] = []
    own = url.rstrip("/") + "/"

    def note(request) -> None:
        if not (request.url.startswith(own) or request.url == url or request.url.startswith(("data:", "blob:"))):
            seen.append(request.url)
    page.on("request", note)
    return seen


def _visit_every_page_on_hostile_data(browser, url: str, tmp_path: Path) -> None:
    context, page = new_page(browser)
    # A request made because of the data: the Markdown image's address, or the <img src=x> resolved against the app;
    # and any request at all to a host other than the app's.
    data_requests: list[str] = []
    page.on("request", lambda request: data_requests.append(request.url)
            if "pixel.png" in request.url or request.url.split("?")[0].endswith("/x") else None)
    elsewhere = outside_requests(page, url)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        texts = {}
        for path in PAGES:
            page.goto(f"{url}/{path}?dataset={HOSTILE_DATASET.replace(' ', '+')}")
            wait_for_app(page)
            page.wait_for_timeout(1500)  # charts draw after the run ends
            wait_for_app(page)
            texts[path] = page.locator("[data-testid='stMain']").inner_text()
            found = page.evaluate("""() => {
                const main = document.querySelector('[data-testid="stApp"]');
                return {
                    pwned: window.__stocktake_pwned || null,
                    scripts: [...main.querySelectorAll('script')].map(s => s.textContent).filter(t => t.includes('pwned')),
                    onerror: [...document.querySelectorAll('[onerror]')].length,
                    // Any image at all that is not the app's own (Stocktake shows none; a chart is SVG).
                    imgs: [...main.querySelectorAll('img')].map(i => i.getAttribute('src') || '')
                          .filter(s => !s.startsWith('data:') && !s.startsWith(location.origin + '/') && !s.startsWith('/')),
                    // Any link made from the data: its words, or an address that is not a page of the app.
                    links: [...main.querySelectorAll('a')].map(a => [a.getAttribute('href') || '', a.textContent])
                           .filter(([h, t]) => t.includes('click') || h.includes('pixel') || h.includes('javascript')
                                    || h.includes('127.0.0.1:9')),
                };
            }""")
            assert found == {"pwned": None, "scripts": [], "onerror": 0, "imgs": [], "links": []}, path
            assert not page.locator("[data-testid='stException']").count(), path
            screenshot(page, f"hostile_{path or 'overview'}", tmp_path)
        # The Savings page with the cost table open: each channel's cost and minutes inputs are labelled with it.
        page.goto(f"{url}/savings-scenarios?dataset={HOSTILE_DATASET.replace(' ', '+')}")
        wait_for_app(page)
        page.get_by_text("Cost per contact and handling time, by channel").click()
        page.get_by_text("£ per contact").first.wait_for()
        wait_for_app(page)
        page.wait_for_timeout(1000)
        assert page.evaluate("() => document.querySelectorAll('[data-testid=\"stApp\"] img').length") == 0
        assert page.evaluate("window.__stocktake_pwned || null") is None
        screenshot(page, "hostile_savings_costs", tmp_path)
        assert data_requests == [] and dialogs == []
        assert elsewhere == [], elsewhere
        # Shown as the text it is: the file name on the Overview, the values in the Demand page's filters.
        assert f"dataset from {IMG}.csv" in texts[""].replace("\u2060", "")
        page.goto(f"{url}/demand-drivers?dataset={HOSTILE_DATASET.replace(' ', '+')}")
        # The run must have ended before the click: a filter clicked while the page is still drawing can be redrawn
        # under the pointer, and its list then shows "No results". The charts come after the filters.
        page.locator("[data-testid='stVegaLiteChart']").first.wait_for()
        wait_for_app(page)
        page.locator("[data-testid='stMultiSelect']").first.click()
        options = page.locator("[role='option']").all_inner_texts()
        assert any(SCRIPT in o or IMG in o or DROP in o or PIXEL in o for o in options), options
    finally:
        context.close()


def test_the_app_refuses_a_hostile_dataset_name_in_words(browser, hostile_store, tmp_path):
    folder, db, _, datasets_before = hostile_store
    with served_app(db, folder) as url:
        _load_under_a_hostile_name(browser, url, tmp_path)
    con = store.open_store(db)
    try:
        assert [d.name for d in store.list_datasets(con)] == datasets_before
    finally:
        con.close()


def _load_under_a_hostile_name(browser, url: str, tmp_path: Path) -> None:
    context, page = new_page(browser)
    try:
        page.goto(f"{url}/datasets")
        wait_for_app(page)
        csv = tmp_path / "plain.csv"
        csv.write_text("Case Ref,Date Received,Reason\n1,31/01/2024,Chasing\n")
        page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(csv))
        name = page.get_by_label("Dataset name")
        name.fill(SCRIPT)
        name.press("Enter")
        wait_for_app(page)
        page.get_by_role("button", name="Load into Stocktake").click()
        error = page.locator("[data-testid='stAlert']").filter(has_text="Nothing was loaded")
        error.wait_for()
        assert f"'{SCRIPT}' cannot be used as a dataset name" in error.inner_text()
        assert page.evaluate("window.__stocktake_pwned || null") is None
    finally:
        context.close()

