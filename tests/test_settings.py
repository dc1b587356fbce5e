"""The production settings in .streamlit/config.toml, as a council's server will run them (README, "On a server")."""

from __future__ import annotations

import tomllib

from tests.conftest import REPO_ROOT

CONFIG = REPO_ROOT / ".streamlit" / "config.toml"


def _config() -> dict:
    with open(CONFIG, "rb") as handle:
        return tomllib.load(handle)


def test_requests_must_carry_the_xsrf_token_and_come_from_the_apps_own_pages():
    server = _config()["server"]
    assert server["enableXsrfProtection"] is True
    assert server["enableCORS"] is True


def test_a_user_never_sees_a_stack_trace_or_a_file_path():
    assert _config()["client"]["showErrorDetails"] == "none"


def test_no_usage_statistics_leave_the_server():
    assert _config()["browser"]["gatherUsageStats"] is False


def test_the_upload_limit_is_stated_and_matches_what_the_data_page_and_readme_say():
    limit_mb = _config()["server"]["maxUploadSize"]
    assert limit_mb == 2048
    assert "Up to 2 GB" in (REPO_ROOT / "pages" / "data.py").read_text()
    assert "the limit is 2 GB" in (REPO_ROOT / "README.md").read_text()


def test_no_developer_menu_and_no_reload_under_a_room():
    config = _config()
    assert config["client"]["toolbarMode"] == "viewer"
    assert config["server"]["fileWatcherType"] == "none"


def test_no_full_garbage_collection_after_every_run():
    # A full collection after each run cost ~0.11 s of CPU per click with the caches of a room in the process.
    assert _config()["runner"]["postScriptGC"] is False


def test_secrets_are_never_committed():
    ignored = (REPO_ROOT / ".gitignore").read_text().splitlines()
    assert ".streamlit/secrets.toml" in ignored


def test_streamlit_reads_these_settings_as_written(monkeypatch):
    """The values Streamlit itself resolves from this file (a mistyped key would be ignored without a word)."""
    from streamlit import config

    monkeypatch.chdir(REPO_ROOT)  # Streamlit reads .streamlit/config.toml from the working directory
    try:
        config.get_config_options(force_reparse=True, options_from_flags={})
        assert config.get_option("server.enableXsrfProtection") is True
        assert config.get_option("client.showErrorDetails") == "none"
        assert config.get_option("browser.gatherUsageStats") is False
        assert config.get_option("server.maxUploadSize") == 2048
        assert config.get_option("runner.postScriptGC") is False
    finally:
        config.get_config_options(force_reparse=True)
