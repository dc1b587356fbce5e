"""An information-governance review, as tests: the app with sign-in on, tried in Chromium and by hand.

The server is started as run.sh starts it (``ui.launch`` -> ``serve.py``: Streamlit's app with Stocktake's gate in
front), signing in against a real OpenID Connect provider on loopback (oidc-provider-mock). Besides the browser, a raw
client (``tests.raw_client``: httpx and Streamlit's WebSocket protocol) does what anyone who can reach the port can do
by hand: fetch a download's address without the cookie, open a session without signing in and upload to it, replay a
copied cookie, send a click on a button the page never drew. Each test here failed before issue 17's work.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import secrets
import stat
import subprocess
import tempfile
from pathlib import Path

import httpx
import pandas as pd
import pytest

from analysis import store
from analysis.governance import audit
from tests.browser import private_demo_store, screenshot, served_app_process, wait_for_app
from tests.raw_client import RawSession, blocking, clicked, rss_bytes
from tests.test_e2e_auth import EDITOR, PAGES, VIEWER, main_buttons, new_page, oidc_provider, outside_requests, sign_in

pytestmark = pytest.mark.e2e

SIGNED_OUT_NOTE = "You signed out (in this window or another)"
DISK_FULL = "The server's disk is full, so nothing was changed and nothing was recorded."
UPLOAD_FOLDER = "stocktake-uploads"  # beside the store (analysis.load.uploads.FOLDER_NAME)
# How long "at once" may take on a loaded 2-core machine: the other tab's session reruns as soon as it is told.
AT_ONCE_MS = 20_000


def secrets_toml(provider: str, extra: str = "") -> str:
    return (
        "[auth]\n"
        'redirect_uri = "{app}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "stocktake-test"\n'
        'client_secret = "not-a-real-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
        "[stocktake]\n"
        f'editors = ["{EDITOR}"]\n' + extra
    )


@pytest.fixture(scope="module")
def governed(demo_store_template, tmp_path_factory):
    """The demo store served with sign-in on: (url, server process, store path)."""
    folder, db = private_demo_store(demo_store_template, tmp_path_factory, "governed")
    con = store.open_store(db)
    try:  # a trail to download (a record about the demo's own load, as `python -m data.demo` writes)
        audit.record_change(con.cursor(), user=EDITOR, action=audit.DEMO_BUILT, dataset="demo_contacts",
                            version=store.dataset_version(con, "demo_contacts"), detail="Demo data")
    finally:
        con.close()
    with oidc_provider(folder) as provider, served_app_process(db, folder, secrets_toml(provider)) as (url, process):
        yield url, process, db


def cookies_of(context) -> dict[str, str]:
    return {c["name"]: c["value"] for c in context.cookies()}


def sign_out(page) -> None:
    """The sidebar's Sign out, then the provider's end-session page (oidc-provider-mock asks to confirm)."""
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="End session").click()


def download_trail(page) -> tuple[pd.DataFrame, str]:
    """The audit trail as the Data page's CSV download gives it, and the address it was served from."""
    page.get_by_text("Who changed what").wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the audit trail (CSV)").click()
    return pd.read_csv(download.value.path(), encoding="utf-8-sig"), download.value.url


# ----- nothing served to someone who is not signed in -------------------------------------------------------------


def test_a_download_and_the_metrics_are_served_only_to_someone_signed_in(browser, governed):
    url, _, _ = governed
    context, page = new_page(browser)
    try:
        sign_in(page, url, EDITOR)
        page.goto(f"{url}/datasets")
        wait_for_app(page)
        trail, address = download_trail(page)
        assert re.fullmatch(re.escape(url) + r"/media/[0-9a-f]+\.csv", address), address
        signed_in_cookies = cookies_of(context)
    finally:
        context.close()
    # The file is still there for its owner (the editor's cookie, from a client that is not the browser)...
    owned = httpx.get(address, cookies=signed_in_cookies, timeout=30)
    assert owned.status_code == 200 and owned.content.decode("utf-8-sig").startswith("When,Who,Action")
    # ...and nobody else gets it, nor the server's metrics.
    for anonymous in (httpx.get(address, timeout=30), httpx.get(f"{url}/_stcore/metrics", timeout=30)):
        assert anonymous.status_code == 403, anonymous.text[:200]
        assert anonymous.text == "Sign in to Stocktake first."
    assert httpx.get(f"{url}/_stcore/metrics", cookies=signed_in_cookies, timeout=30).status_code == 200
    # A forged cookie (signed with another secret) is no better than none.
    forged = {**signed_in_cookies, "_streamlit_user": signed_in_cookies["_streamlit_user"][:-4] + "AAAA"}
    assert httpx.get(address, cookies=forged, timeout=30).status_code == 403


def test_an_upload_from_a_session_that_never_signed_in_is_refused_before_it_is_held(browser, governed):
    url, process, _ = governed

    async def try_upload(cookies: dict[str, str] | None, size: int) -> tuple[int, list[str]]:
        async with RawSession(url, cookies) as session:
            run = await session.run()
            token = session.cookies["_streamlit_xsrf"]
            async with httpx.AsyncClient(cookies=session.cookies, timeout=120) as http:
                answer = await http.put(f"{url}/_stcore/upload_file/{session.session_id}/forged-upload",
                                        headers={"X-Xsrftoken": token},
                                        files={"file": ("big.csv", io.BytesIO(b"0" * size), "text/csv")})
            return answer.status_code, run.buttons

    # Without signing in: the session shows only the sign-in button, and its 100 MB upload is refused unread.
    before = rss_bytes(process.pid)
    status, buttons = blocking(try_upload(None, 100 * 2**20))
    grown = rss_bytes(process.pid) - before
    assert buttons == ["Sign in"]
    assert status == 403
    assert grown < 40 * 2**20, f"the server grew by {grown / 2**20:.0f} MB"
    # An editor's session may upload (the route works: the refusal above is the gate's).
    context, page = new_page(browser)
    try:
        sign_in(page, url, EDITOR)
        editor_cookies = cookies_of(context)
    finally:
        context.close()
    assert blocking(try_upload(editor_cookies, 1000))[0] == 204


# ----- sign-out means signed out ----------------------------------------------------------------------------------


def test_signing_out_in_one_tab_ends_the_other_tab_at_once(browser, governed, tmp_path):
    url, _, _ = governed
    context, first = new_page(browser)
    try:
        sign_in(first, url, EDITOR)
        second = context.new_page()
        second.goto(f"{url}/datasets")
        wait_for_app(second)
        second.get_by_text(f"Signed in as {EDITOR}, editor.").wait_for()
        second.get_by_role("button", name="Delete this dataset").wait_for()
        wait_for_app(second)
        sign_out(first)
        # The other tab is not touched: it shows the sign-in screen by itself, and no data or control.
        second.get_by_text(SIGNED_OUT_NOTE).wait_for(timeout=AT_ONCE_MS)
        second.get_by_role("button", name="Sign in").wait_for(timeout=AT_ONCE_MS)
        assert main_buttons(second) == ["Sign in"]
        assert second.get_by_role("button", name="Delete this dataset").count() == 0
        screenshot(second, "governance_other_tab_after_sign_out", tmp_path)
    finally:
        context.close()


def test_a_sign_in_cookie_copied_before_signing_out_opens_nothing_afterwards(browser, governed, tmp_path):
    url, _, _ = governed
    context, page = new_page(browser)
    try:
        sign_in(page, url, EDITOR)
        copied = context.cookies()
        copied_jar = cookies_of(context)
        assert httpx.get(f"{url}/_stcore/metrics", cookies=copied_jar, timeout=30).status_code == 200
        sign_out(page)
    finally:
        context.close()
    # Replayed in a fresh browser: the sign-in screen, saying why.
    replay = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        replay.add_cookies(copied)
        page = replay.new_page()
        page.goto(f"{url}/datasets")
        wait_for_app(page)
        page.get_by_text(SIGNED_OUT_NOTE).wait_for()
        # The note can be drawn a moment before the button under load: wait for it, then check it is the only one.
        page.get_by_role("button", name="Sign in").wait_for()
        assert main_buttons(page) == ["Sign in"]
        assert page.locator("[data-testid='stFileUploader']").count() == 0
        screenshot(page, "governance_replayed_cookie", tmp_path)
    finally:
        replay.close()
    # Replayed by hand: no metrics, and a session of its own shows only the sign-in button.
    assert httpx.get(f"{url}/_stcore/metrics", cookies=copied_jar, timeout=30).status_code == 403

    async def by_hand():
        async with RawSession(url, copied_jar) as session:
            await session.run()
            return await session.run("datasets")
    assert blocking(by_hand()).buttons == ["Sign in"]


# ----- forged actions are refused and recorded --------------------------------------------------------------------


def test_a_viewers_forged_editor_actions_are_refused_and_recorded(browser, governed):
    url, _, _ = governed
    context, page = new_page(browser)
    try:
        sign_in(page, url, VIEWER)
        viewer_cookies = cookies_of(context)

        async def forge():
            async with RawSession(url, viewer_cookies) as session:
                await session.run()
                on_data = await session.run("datasets", [clicked("data_delete"), clicked("data_save_roles")])
                on_kpis = await session.run("performance-trends", [clicked("pf_t_save")])
                return on_data, on_kpis
        on_data, on_kpis = blocking(forge())
        # The page drew no editor control for the viewer, and the clicks did nothing.
        assert "Delete" not in on_data.buttons and "Save target" not in on_kpis.buttons

        page.goto(f"{url}/datasets")
        wait_for_app(page)
        trail, _ = download_trail(page)
    finally:
        context.close()
    forged = trail[(trail["Who"] == VIEWER) & trail["Detail"].str.contains("a forged request")]
    assert sorted(forged[["Action", "Outcome"]].values.tolist()) == [
        ["delete", "refused"], ["roles", "refused"], ["target", "refused"]]
    mine = forged
    assert any(d == "Refused: a forged request to delete a dataset (the 'data_delete' control, which this viewer is "
                    "not shown)" for d in mine["Detail"])
    # Nothing was deleted: the trail has no delete made by anyone, and the dataset is still offered.
    assert not ((trail["Action"] == "delete") & (trail["Outcome"] == "done")).any()


# ----- uploads are transient --------------------------------------------------------------------------------------


def test_the_private_upload_folder_is_empty_after_each_load_and_each_refusal(browser, governed, tmp_path):
    url, _, db = governed
    folder = db.parent / UPLOAD_FOLDER
    system_folder = Path(tempfile.gettempdir()) / "stocktake-uploads"
    name = f"governed upload {secrets.token_hex(3)}"
    csv = tmp_path / f"{name}.csv"
    csv.write_text("Case Ref,Date Received,Reason\n1,31/01/2024,Chasing\n2,01/02/2024,Repair\n")
    context, page = new_page(browser)
    try:
        sign_in(page, url, EDITOR)
        page.goto(f"{url}/datasets")
        wait_for_app(page)
        uploader = page.locator("[data-testid='stFileUploader'] input[type='file']")

        # While the page reads the file: one private copy, beside the store, that only the server's account can open.
        # (Copies of this upload only: another test's session may still hold its own upload, as Streamlit held one in
        # memory until the session ended; ui.upload_stream deletes those when Streamlit drops the session's uploads.)
        copies = lambda: [p for p in folder.iterdir() if p.name.endswith(csv.name.replace(" ", "_"))]  # noqa: E731
        uploader.set_input_files(str(csv))
        page.get_by_text("How the file was read:").wait_for()
        held = copies()
        assert len(held) == 1 and held[0].name.endswith(csv.name.replace(" ", "_"))
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and stat.S_IMODE(held[0].stat().st_mode) == 0o600
        assert not any(csv.name.replace(" ", "_") in p.name for p in system_folder.glob("*")) \
            if system_folder.exists() else True
        page.get_by_role("button", name="Load into Stocktake").click()
        page.get_by_text(f"Loaded 2 rows into '{name}'").wait_for()
        wait_for_app(page)
        assert copies() == []

        # A load that is refused (a name that cannot be used) leaves nothing behind either.
        uploader.set_input_files(str(csv))
        page.get_by_text("How the file was read:").wait_for()
        assert len(copies()) == 1
        field = page.get_by_label("Dataset name")
        field.fill("<not a name>")
        field.press("Enter")
        wait_for_app(page)
        page.get_by_role("button", name="Load into Stocktake").click()
        page.locator("[data-testid='stAlert']").filter(has_text="Nothing was loaded").wait_for()
        wait_for_app(page)
        assert copies() == []
    finally:
        context.close()


# ----- offline-clean ----------------------------------------------------------------------------------------------


def test_no_page_and_not_the_sign_in_screen_asks_anything_of_another_host(browser, governed):
    url, _, _ = governed
    context, page = new_page(browser)
    try:
        elsewhere = outside_requests(page, url)
        for path in PAGES:  # the sign-in screen, whatever address was opened
            page.goto(f"{url}/{path}")
            wait_for_app(page)
            page.get_by_role("button", name="Sign in").wait_for()
            page.wait_for_timeout(500)
        assert elsewhere == [], elsewhere
        icon = page.evaluate("() => document.querySelector(\"link[rel='shortcut icon']\").href")
        assert icon.startswith("data:image/svg+xml"), icon[:80]
        sign_in(page, url, EDITOR)  # (the provider is another host: its pages are left out of the count)
        elsewhere.clear()
        for path in PAGES:
            page.goto(f"{url}/{path}?dataset=demo_contacts")
            wait_for_app(page)
            page.wait_for_timeout(1500)  # charts and their fonts load after the run
            wait_for_app(page)
        assert elsewhere == [], elsewhere
    finally:
        context.close()


# ----- a full disk -------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def small_filesystem(folder: Path, megabytes: int):
    """A tmpfs of ``megabytes`` mounted at ``folder`` for the test (root only; skipped where mounting is refused)."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small filesystem needs root (the full-disk test runs in CI as root)")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> Path:
    """Write a file until the filesystem has no byte left; returns it (delete it to free the space)."""
    filler = folder / "filler"
    handle = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 65536, 4096, 1):
            try:
                while True:
                    os.write(handle, b"\0" * size)
            except OSError:
                continue
    finally:
        os.close(handle)
    return filler


def test_a_delete_on_a_full_disk_changes_nothing_records_nothing_and_says_the_disk_is_full(browser, tmp_path):
    from analysis.changes import network, records as changes_records
    from analysis.workshop import sessions
    from analysis.load.ingest import load_frame

    with small_filesystem(tmp_path / "small", 24) as disk:
        db = disk / "stocktake.duckdb"
        con = store.open_store(db)
        days = pd.date_range("2024-01-01", periods=400, freq="D")
        load_frame(con, pd.DataFrame({"Date Received": days, "Reason": ["Repair", "Chasing"] * 200}),
                   dataset="small records", kind="records", roles={"Date Received": "date", "Reason": "reason"})
        # The tables the app creates on its first look (the Workshop's sessions, What works' changes): created now and checkpointed, the
        # write-ahead log is empty when the disk is filled. Made by the app instead, they left a part-filled page of
        # the log that the delete's few hundred bytes fitted in, so the delete went through on a "full" disk.
        changes_records.ensure_tables(con)
        sessions.ensure_tables(con)
        network.ensure_table(con)
        con.execute("CHECKPOINT")
        con.close()
        with oidc_provider(tmp_path) as provider, \
                served_app_process(db, tmp_path, secrets_toml(provider)) as (url, _):
            context, page = new_page(browser)
            try:
                sign_in(page, url, EDITOR)
                page.goto(f"{url}/datasets")
                wait_for_app(page)
                page.get_by_role("button", name="Delete this dataset").click()
                delete = page.get_by_role("button", name="Delete", exact=True)
                delete.wait_for()
                assert not (disk / "stocktake.duckdb.wal").exists() or not (disk / "stocktake.duckdb.wal").stat().st_size, \
                    "the app wrote to the store on opening it: the delete below might fit in the log's last page"
                filler = fill(disk)
                try:
                    delete.click()
                    page.get_by_text(DISK_FULL).wait_for()
                    screenshot(page, "governance_disk_full", tmp_path)
                finally:
                    filler.unlink()
            finally:
                context.close()
        con = store.open_store(db)
        try:
            assert [d.name for d in store.list_datasets(con)] == ["small records"]
            assert store.get_dataset(con, "small records").row_count == 400
            trail = audit.audit_trail(con)
            assert not ((trail["action"] == audit.DELETE) & (trail["outcome"] == audit.DONE)).any()
        finally:
            con.close()
