"""AppTest: sign-in, roles and the audit trail in the app (ui.auth, ui.actions, the Data page's trail).

Sign-in is configured the way a council would (an ``[auth]`` section and a ``[stocktake]`` list of editors) through
``AppTest.secrets``; who is signed in is ``AppTest.user``, which the app reads as ``st.user``. The real sign-in flow
against an OpenID Connect provider is in tests/test_e2e_auth.py.
"""

from __future__ import annotations

import getpass
import time

import pandas as pd
import pytest

from analysis import cli, store
from analysis.governance import audit
from tests.conftest import APP_PATH, page_ok

SECRETS = {
    "auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-cookie-secret-0123456789",
             "client_id": "stocktake", "client_secret": "not-a-secret",
             "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"},
    "stocktake": {"editors": ["ana@council.gov.uk"]},
}
# st.user as Streamlit keeps it: the ID token's claims, "iat" (issued at) among them. The cookie's own signing time is
# what the app goes by when there is a cookie; AppTest has none, so the app falls back to "iat" (ui.auth).
EDITOR = {"is_logged_in": True, "email": "ana@council.gov.uk", "name": "Ana Editor"}
VIEWER = {"is_logged_in": True, "email": "cat@council.gov.uk", "name": "Cat Viewer"}
SIGNED_OUT = {"is_logged_in": False}

CSV = ("Case Ref,Date Received,Reason,Borough\r\n"
       "1,31/01/2024 09:00,Chasing progress,Croydon\r\n"
       "2,01/02/2024 10:30,Report a repair,Croydon\r\n").encode()


def open_as(user: dict | None, page: str | None = None, timeout: float = 90):
    """The app in AppTest with sign-in configured and ``user`` signed in (None: no sign-in configured)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP_PATH), default_timeout=timeout)
    if user is not None:
        at.secrets.update(SECRETS)
        at.user = signed_in_now(user)
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    return at


def signed_in_now(user: dict, hours_ago: float = 0.0) -> dict:
    """``user``'s claims, signed in ``hours_ago`` (a sign-in carries its time; without one it is not believed)."""
    return {**user, "iat": int(time.time() - hours_ago * 3600)} if user.get("is_logged_in") else dict(user)


def trail(db) -> pd.DataFrame:
    con = store.open_store(db)
    try:
        return audit.audit_trail(con)
    finally:
        con.close()


def catalogue_version(db, dataset: str) -> int:
    con = store.open_store(db)
    try:
        return store.dataset_version(con, dataset)
    finally:
        con.close()


def button_labels(at) -> list[str]:
    return [b.label for b in at.button]


# ----- signing in ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", [None, "pages/data.py", "pages/demand.py", "pages/workshop.py"])
def test_a_visitor_who_has_not_signed_in_sees_only_the_sign_in_button(demo_store, page):
    at = open_as(SIGNED_OUT, page)
    page_ok(at)
    assert button_labels(at) == ["Sign in"]
    assert [t.value for t in at.title] == ["Stocktake"]
    # No dataset name, no picker, no figure: nothing of the data before sign-in.
    assert len(at.selectbox) == 0 and len(at.dataframe) == 0 and len(at.metric) == 0
    assert "demo_contacts" not in " ".join(m.value for m in at.markdown)


@pytest.mark.parametrize("page", ["overview", "data", "demand", "performance", "savings", "workshop"])
def test_a_page_file_run_on_its_own_still_asks_for_sign_in(demo_store, page):
    """As Streamlit serves pages/<name>.py at /<name> on a server started without ui.launch, before any st.navigation."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP_PATH.parent / "pages" / f"{page}.py"), default_timeout=60)
    at.secrets.update(SECRETS)
    at.user = dict(SIGNED_OUT)
    at.run()
    page_ok(at)
    assert button_labels(at) == ["Sign in"] and [t.value for t in at.title] == ["Stocktake"]
    assert len(at.selectbox) == 0 and len(at.dataframe) == 0


def test_someone_signed_in_but_not_on_the_viewer_list_is_turned_away(demo_store):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP_PATH), default_timeout=60)
    at.secrets.update({**SECRETS, "stocktake": {"editors": ["ana@council.gov.uk"], "viewer_domains": ["council.gov.uk"]}})
    at.user = signed_in_now({"is_logged_in": True, "email": "eve@gmail.com"})
    at.run()
    assert [e.value for e in at.error] == [
        "You are signed in as eve@gmail.com, who has no access to Stocktake. Ask the person who runs it to add your "
        "address, or sign in with another account."]
    assert button_labels(at) == ["Sign out"] and len(at.selectbox) == 0


def test_a_sign_in_older_than_its_lifetime_shows_the_sign_in_screen_and_says_why(demo_store):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP_PATH), default_timeout=60)
    at.secrets.update(SECRETS)
    at.user = signed_in_now(EDITOR, hours_ago=9)
    at.run()
    assert not at.exception
    assert button_labels(at) == ["Sign in"]
    assert [i.value for i in at.info] == ["Your sign-in has ended: it lasts 8 hours. Sign in again to continue."]
    # A server that sets a longer lifetime keeps the same sign-in.
    at = AppTest.from_file(str(APP_PATH), default_timeout=60)
    at.secrets.update({**SECRETS, "stocktake": {**SECRETS["stocktake"], "sign_in_hours": 12}})
    at.user = signed_in_now(EDITOR, hours_ago=9)
    at.run()
    assert not at.exception
    assert "Sign out" in button_labels(at) and [i.value for i in at.info] == []


def test_a_session_whose_person_signed_out_elsewhere_is_signed_out_on_its_next_run(demo_store):
    from analysis.governance import sign_in
    from ui import gate

    at = open_as(EDITOR, "pages/data.py")
    assert "Delete" in button_labels(at)
    con = store.open_store(demo_store)
    try:
        gate.ensure_sign_outs_loaded(str(demo_store)).record(con, EDITOR["email"], time.time() + 1)
    finally:
        con.close()
    at.run()
    assert button_labels(at) == ["Sign in"]
    assert [i.value for i in at.info] == [
        "You signed out (in this window or another), so this window is signed out too. Sign in again to continue."]
    con = store.open_store(demo_store)
    try:  # kept in the store: a restart keeps it
        assert sign_in.read_sign_outs(con)[EDITOR["email"]] > 0
    finally:
        con.close()


def test_a_setting_that_cannot_be_used_stops_the_app_with_a_sentence(demo_store):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP_PATH), default_timeout=60)
    at.secrets.update({**SECRETS, "stocktake": {"editor_domains": ["council"]}})
    at.user = signed_in_now(EDITOR)
    at.run()
    page_ok(at, expected_errors=("Stocktake cannot start",))
    assert [e.value for e in at.error] == [
        "Stocktake cannot start: 'council' in 'stocktake.editor_domains' is not an email domain: give the part "
        "after the @, e.g. \"council.gov.uk\"."]
    assert len(at.selectbox) == 0


# ----- what each role sees -----------------------------------------------------------------------------------------


def test_an_editor_sees_the_data_pages_load_role_and_delete_controls(demo_store):
    at = open_as(EDITOR, "pages/data.py")
    page_ok(at)
    assert len(at.file_uploader) == 1  # the practice cards' uploader is shown only when asked for
    assert "Save roles" in button_labels(at) and "Delete" in button_labels(at)
    assert any("Signed in as **Ana Editor**, editor." == c.value for c in at.caption)


def test_a_viewer_sees_no_load_role_or_delete_controls_on_any_page(demo_store):
    at = open_as(VIEWER, "pages/data.py")
    page_ok(at)
    assert len(at.file_uploader) == 0
    assert "Save roles" not in button_labels(at) and "Delete" not in button_labels(at)
    assert any("only editors can load, change or delete data" in i.value for i in at.info)
    assert any(c.value.startswith("Signed in as **Cat Viewer**, viewer") for c in at.caption)
    # The datasets and the audit trail are still there to look at.
    assert "demo_contacts" in at.selectbox(key="data_manage").options

    at.switch_page("pages/demand.py")
    at.run()
    page_ok(at)
    assert "Save classification" not in button_labels(at) and len(at.file_uploader) == 0
    assert any(c.value == "Only editors can change the classification." for c in at.caption)

    at.switch_page("pages/performance.py")
    at.run()
    page_ok(at)
    for label in ("Save target", "Save trajectory", "Add the intervention", "Delete"):
        assert label not in button_labels(at)
    assert any(c.value == "Only editors can add or delete interventions." for c in at.caption)


def test_a_viewer_trying_another_improvement_direction_changes_the_chart_not_the_store(demo_store):
    at = open_as(VIEWER, "pages/performance.py")
    before = at.radio(key="pf_dir").value
    other = next(o for o in ("increase", "decrease", "neutral") if o != before)
    at.radio(key="pf_dir").set_value(other).run()
    page_ok(at)
    assert trail(demo_store).empty  # nothing saved, nothing refused: the control is not a save for a viewer


# ----- the gate refuses a viewer even without the control ---------------------------------------------------------


def _forged_changes(csv_path: str) -> None:
    """A viewer's session running the actions the Data page offers editors, without their controls."""
    import streamlit as st

    from analysis.errors import StocktakeError
    from ui import actions
    from ui.connection import get_connection

    con = get_connection()
    attempts = {
        "load": lambda: actions.load_file(con, csv_path, dataset="forged", source_name="forged.csv"),
        "replace": lambda: actions.load_file(con, csv_path, dataset="demo_contacts", source_name="forged.csv"),
        "delete": lambda: actions.delete_dataset(con, "demo_contacts"),
        "roles": lambda: actions.set_roles(con, "demo_contacts", {"channel": None}),
    }
    for name, attempt in attempts.items():
        try:
            attempt()
            st.success(f"{name} went through")
        except StocktakeError as exc:
            st.error(str(exc))


def test_a_viewers_forged_load_delete_and_role_edit_are_refused_and_audited(demo_store, tmp_path):
    from streamlit.testing.v1 import AppTest

    csv_path = tmp_path / "forged.csv"
    csv_path.write_bytes(CSV)
    version_before = catalogue_version(demo_store, "demo_contacts")
    at = AppTest.from_function(_forged_changes, args=(str(csv_path),), default_timeout=60)
    at.secrets.update(SECRETS)
    at.user = signed_in_now(VIEWER)
    at.run()
    page_ok(at, expected_errors=("Only editors can",))
    assert [s.value for s in at.success] == []
    assert [e.value for e in at.error] == [
        "Only editors can load data: you are signed in as cat@council.gov.uk, a viewer, so nothing was changed. "
        "Ask an editor to do it, or to make you one.",
        "Only editors can replace a dataset: you are signed in as cat@council.gov.uk, a viewer, so nothing was "
        "changed. Ask an editor to do it, or to make you one.",
        "Only editors can delete a dataset: you are signed in as cat@council.gov.uk, a viewer, so nothing was "
        "changed. Ask an editor to do it, or to make you one.",
        "Only editors can change the roles of a dataset's columns: you are signed in as cat@council.gov.uk, a "
        "viewer, so nothing was changed. Ask an editor to do it, or to make you one.",
    ]
    # Nothing changed...
    assert catalogue_version(demo_store, "demo_contacts") == version_before
    assert catalogue_version(demo_store, "forged") == 0
    # ...and every attempt is in the trail, newest first, with who tried and the version they would have changed.
    refused = trail(demo_store)
    assert refused[["user_name", "action", "dataset", "outcome"]].values.tolist() == [
        ["cat@council.gov.uk", "roles", "demo_contacts", "refused"],
        ["cat@council.gov.uk", "delete", "demo_contacts", "refused"],
        ["cat@council.gov.uk", "replace", "demo_contacts", "refused"],
        ["cat@council.gov.uk", "load", "forged", "refused"],
    ]
    assert refused["version"].tolist()[:3] == [version_before] * 3 and pd.isna(refused["version"].iloc[3])
    assert refused["detail"].iloc[1] == "Refused: delete 'demo_contacts'"


def test_the_same_forged_changes_from_an_editor_go_through_and_are_recorded(demo_store, tmp_path):
    from streamlit.testing.v1 import AppTest

    csv_path = tmp_path / "forged.csv"
    csv_path.write_bytes(CSV)
    at = AppTest.from_function(_forged_changes, args=(str(csv_path),), default_timeout=90)
    at.secrets.update(SECRETS)
    at.user = signed_in_now(EDITOR)
    at.run()
    page_ok(at, expected_errors=("There is no dataset called 'demo_contacts'.",))
    # The role edit comes after the delete, so it is refused for want of a dataset, in words.
    assert [s.value for s in at.success] == ["load went through", "replace went through", "delete went through"]
    assert len(at.error) == 1 and at.error[0].value.startswith("There is no dataset called 'demo_contacts'.")
    done = trail(demo_store)
    assert done[["user_name", "action", "dataset", "outcome"]].values.tolist() == [
        ["ana@council.gov.uk", "delete", "demo_contacts", "done"],
        ["ana@council.gov.uk", "replace", "demo_contacts", "done"],
        ["ana@council.gov.uk", "load", "forged", "done"],
    ]
    assert done["detail"].iloc[2] == "forged.csv: 2 rows loaded, 0 rejected (records)"
    assert int(done["version"].iloc[2]) == catalogue_version(demo_store, "forged")


# ----- the trail records the Data page, a role edit and the CLI ------------------------------------------------------


def test_a_data_page_load_and_a_role_edit_are_recorded_with_the_user_and_version(demo_store):
    at = open_as(EDITOR, "pages/data.py")
    at.file_uploader[0].set_value(("council repairs.csv", CSV, "text/csv")).run()
    at.button(key="data_load").click().run()
    page_ok(at)
    assert [s.value for s in at.success] == ["Loaded 2 rows into 'council repairs'. 0 rows were rejected."]
    loaded_version = catalogue_version(demo_store, "council repairs")

    at.selectbox(key="data_manage").set_value("council repairs").run()
    editor_key = f"data_roles_council repairs_{loaded_version}"
    # Row 3 is Borough, read as the area: take that role away, as a user does in the roles table.
    assert at.session_state[editor_key] is not None
    at.session_state[editor_key] = {"edited_rows": {3: {"Role": "(none)"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="data_save_roles").click().run()
    page_ok(at)
    role_version = catalogue_version(demo_store, "council repairs")
    assert role_version > loaded_version

    recorded = trail(demo_store)
    assert recorded[["user_name", "action", "dataset", "version", "outcome"]].values.tolist() == [
        ["ana@council.gov.uk", "roles", "council repairs", role_version, "done"],
        ["ana@council.gov.uk", "load", "council repairs", loaded_version, "done"],
    ]
    assert recorded["detail"].tolist() == ["Roles: 'Borough' set to no role",
                                           "council repairs.csv: 2 rows loaded, 0 rejected (records)"]
    # The Data page shows it, newest first, with a download of what is shown.
    shown = at.dataframe[-1].value
    assert shown[["Who", "Action", "Version"]].values.tolist() == [
        ["ana@council.gov.uk", "roles", role_version], ["ana@council.gov.uk", "load", loaded_version]]


def test_without_sign_in_the_app_records_local_user(demo_store):
    at = open_as(None, "pages/data.py")
    at.file_uploader[0].set_value(("laptop.csv", CSV, "text/csv")).run()
    at.button(key="data_load").click().run()
    page_ok(at)
    assert trail(demo_store)[["user_name", "action", "dataset"]].values.tolist() == [
        ["local user", "load", "laptop"]]
    assert not any(c.value.startswith("Signed in as") for c in at.caption)


def test_a_cli_load_is_recorded_as_the_operating_system_user(demo_store, tmp_path):
    csv_path = tmp_path / "from the shell.csv"
    csv_path.write_bytes(CSV)
    assert cli.main(["load", str(csv_path), "--dataset", "shell load", "--db", str(demo_store)]) == 0
    assert cli.main(["load", str(csv_path), "--dataset", "shell load", "--append", "--db", str(demo_store)]) == 0
    recorded = trail(demo_store)
    version = catalogue_version(demo_store, "shell load")
    assert recorded[["user_name", "action", "dataset"]].values.tolist() == [
        [f"cli:{getpass.getuser()}", "append", "shell load"], [f"cli:{getpass.getuser()}", "load", "shell load"]]
    assert int(recorded["version"].iloc[0]) == version > int(recorded["version"].iloc[1])
    assert recorded["detail"].iloc[1] == ("from the shell.csv: 2 rows loaded, 0 rejected (records), from the "
                                          "command line")


# ----- every other kind of change goes through the gate -------------------------------------------------------------


def _every_other_change() -> None:
    """Each change the Demand, Performance, Savings and Workshop pages make, through ui.actions, in one session."""
    from datetime import date

    import streamlit as st

    from analysis import classification, store
    from analysis.workshop import sessions
    from analysis.errors import StocktakeError
    from analysis.savings import baseline, model
    from ui import actions
    from ui.connection import get_connection

    con = get_connection()
    ds = store.get_dataset(con, "demo_contacts")
    start, end = baseline.latest_full_year(con, ds)
    attempts = {
        "classification": lambda: actions.save_classification(con, ds, classification.classification_frame(con, ds)),
        "improvement": lambda: actions.set_improvement(con, ds.name, "contacts", "decrease"),
        "target": lambda: actions.set_target(con, ds.name, "contacts", None, 1000.0),
        "trajectory": lambda: actions.set_trajectory(con, ds.name, "contacts", None, date(2024, 1, 1), 900.0,
                                                     date(2024, 12, 1), 800.0),
        "trajectory cleared": lambda: actions.clear_trajectory(con, ds.name, "contacts", None),
        "intervention": lambda: actions.add_intervention(con, ds.name, None, date(2024, 3, 1), "New web form"),
        "scenario": lambda: actions.save_scenario(con, "Cautious", ds, start, end, model.Levers(failure_pct=10)),
        "scenario renamed": lambda: actions.rename_scenario(con, ds.name, "Cautious", "Cautious, v2"),
        "scenario deleted": lambda: actions.delete_scenario(con, ds.name, "Cautious, v2"),
        "session": lambda: actions.create_session(con, "Repairs review", dataset=ds.name),
        "note": lambda: actions.add_note(con, sessions.find_session(con, "Repairs review").id,
                                         "Ask Ana about the June dip", topic="Demand"),
        "action": lambda: actions.add_action(con, sessions.find_session(con, "Repairs review").id,
                                             "Call Ana", owner="Tom"),
    }
    for name, attempt in attempts.items():
        try:
            attempt()
            st.success(name)
        except StocktakeError as exc:
            st.error(f"{name}: {exc}")


def _run_every_other_change(user: dict):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_every_other_change, default_timeout=90)
    at.secrets.update(SECRETS)
    at.user = signed_in_now(user)
    at.run()
    page_ok(at, expected_errors=("Only editors can",))  # a viewer's refusals, each checked by the caller
    return at


def test_an_editors_classification_targets_interventions_scenarios_and_notes_are_all_recorded(demo_store):
    at = _run_every_other_change(EDITOR)
    assert [e.value for e in at.error] == []
    recorded = trail(demo_store).iloc[::-1]  # oldest first, the order they were made
    assert recorded["action"].tolist() == [
        "classification", "improvement direction", "target", "trajectory", "trajectory cleared",
        "intervention added", "scenario saved", "scenario renamed", "scenario deleted", "session created",
        "note added", "action added"]
    assert set(recorded["user_name"]) == {"ana@council.gov.uk"} and set(recorded["outcome"]) == {"done"}
    assert set(recorded["dataset"]) == {"demo_contacts"}
    # A session, its notes and actions change no dataset, so they leave no version.
    assert set(recorded["version"].iloc[:-3]) == {catalogue_version(demo_store, "demo_contacts")}
    assert recorded["version"].iloc[-3:].isna().all()
    assert recorded["detail"].tolist()[1:] == [
        "contacts: lower is better", "contacts target for every series set to 1000",
        "contacts trajectory for every series: 900 on 2024-01-01 to 800 on 2024-12-01",
        "contacts trajectory for every series removed", "'New web form' on 2024-03-01 for every service",
        "'Cautious'", "'Cautious' renamed to 'Cautious, v2'", "'Cautious, v2'", "Repairs review",
        recorded["detail"].tolist()[-2], recorded["detail"].tolist()[-1]]
    assert recorded["detail"].tolist()[-2].startswith("Note ") and "Ask Ana" not in recorded["detail"].tolist()[-2]
    assert recorded["detail"].tolist()[-1].startswith("Action ")
    assert recorded["detail"].iloc[0].startswith("Classification edited on the Demand page: 41 reasons (")


def test_a_viewer_may_keep_scenarios_and_notes_but_not_change_how_the_data_is_judged(demo_store):
    at = _run_every_other_change(VIEWER)
    assert [s.value for s in at.success] == ["scenario", "scenario renamed", "scenario deleted", "session", "note",
                                             "action"]
    assert [e.value.split(":")[0] for e in at.error] == [
        "classification", "improvement", "target", "trajectory", "trajectory cleared", "intervention"]
    recorded = trail(demo_store).iloc[::-1]
    assert recorded[["action", "outcome"]].values.tolist() == [
        ["classification", "refused"], ["improvement direction", "refused"], ["target", "refused"],
        ["trajectory", "refused"], ["trajectory cleared", "refused"], ["intervention added", "refused"],
        ["scenario saved", "done"], ["scenario renamed", "done"], ["scenario deleted", "done"],
        ["session created", "done"], ["note added", "done"], ["action added", "done"]]
    assert set(recorded["user_name"]) == {"cat@council.gov.uk"}


def test_the_data_page_shows_the_newest_changes_of_the_dataset_chosen(demo_store):
    from datetime import datetime, timedelta

    con = store.open_store(demo_store)
    try:
        with con.cursor() as cur:
            audit.record_change(cur, user="ana@council.gov.uk", action=audit.LOAD, dataset="demo_kpis", version=1,
                                changed_at=datetime(2026, 1, 1))
            for i in range(501):
                audit.record_change(cur, user="ben@council.gov.uk", action=audit.TARGET, dataset="demo_contacts",
                                    version=i, changed_at=datetime(2026, 2, 1) + timedelta(minutes=i))
    finally:
        con.close()
    at = open_as(None, "pages/data.py")
    assert len(at.dataframe[-1].value) == 500
    assert any(c.value == "The newest 500 of 502 changes are shown; the download has them all." for c in at.caption)
    at.selectbox(key="data_audit_dataset").set_value("demo_kpis").run()
    page_ok(at)
    assert at.dataframe[-1].value[["Who", "Action", "Dataset"]].values.tolist() == [
        ["ana@council.gov.uk", "load", "demo_kpis"]]
    at.selectbox(key="data_audit_dataset").set_value("demo_contacts").run()
    newest = at.dataframe[-1].value
    assert len(newest) == 500 and newest["Version"].iloc[0] == 500 and newest["Version"].iloc[-1] == 1
    assert any(c.value == "The newest 500 of 501 changes are shown; the download has them all." for c in at.caption)


def test_a_viewer_cannot_start_a_stocktake_and_is_told_why(demo_store):
    at = open_as(VIEWER)
    page_ok(at)
    button = at.button(key="ov_stocktake")
    assert button.disabled and button.help.startswith("Only editors can start a session.")
    editor = open_as(EDITOR)
    assert not editor.button(key="ov_stocktake").disabled
