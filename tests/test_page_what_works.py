"""AppTest for the What works page on the demo borough: its one change listed with its verdict and evidence, each
figure it targets measured, the filters narrowing the list, a change opened drawing its declared figure (the chart
rebased at the change, its headline), a change recorded from the form, and a done Workshop action made a change in
one click from the Workshop page."""

from __future__ import annotations

from analysis import store
from analysis.changes import records
from analysis.workshop import actions, sessions
from tests.conftest import page_ok

PAGE = "pages/what_works.py"
DEMO = {"dataset": "demo_contacts"}


def _markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)


def test_the_demo_change_is_listed_measured_and_filtered(demo_store, open_app):
    at = open_app(PAGE, query_params=DEMO)
    text = _markdown(at)
    assert "**Online repairs tracking launched**" in text
    assert "Sustained shift: 17 months in a row below the old mean since June 2024" in text
    assert at.subheader[0].value == "Changes (3 of 3)"
    assert len(at.get("vega_lite_chart")) == 3  # a small chart per figure measured
    at.multiselect(key="ww_figure").set_value(["Failure demand contacts"]).run()
    page_ok(at)
    assert at.subheader[0].value == "Changes (1 of 3)"
    assert "contacts a year" in _markdown(at) and "-£" in _markdown(at)
    assert at.multiselect(key="ww_verdict").options == ["Improved"]  # only the verdicts there are
    at.multiselect(key="ww_verdict").set_value(["Improved"]).run()
    assert at.subheader[0].value == "Changes (1 of 3)"


def test_opening_a_change_draws_its_chart_rebased_at_the_change(demo_store, open_app):
    at = open_app(PAGE, query_params=DEMO)
    at.button(key="_ww_open_1:demand:failure").click().run()
    page_ok(at)
    metrics = {m.label: m.value for m in at.metric}
    assert set(metrics) >= {"Before (mean)", "After (mean)", "Effect", "Contacts a year", "£ a year"}
    assert metrics["Effect"].startswith("-") and metrics["£ a year"].startswith("-£")
    spec = at.get("vega_lite_chart")[0].proto.spec
    assert "Failure demand contacts, Housing repairs, every area: Online repairs tracking launched" in spec
    assert at.selectbox(key="ww_change").value == "1:demand:failure"
    assert at.query_params["ww_change"] == "1:demand:failure"  # the key, so a link opens the same change
    again = open_app(PAGE, query_params={**DEMO, "ww_change": "1:demand:contacts"})
    assert again.selectbox(key="ww_change").value == "1:demand:contacts"
    assert {m.label for m in again.metric} >= {"Before (mean)", "Contacts a year"}


def test_a_change_recorded_from_the_form_is_listed(demo_store, open_app):
    at = open_app(PAGE, query_params=DEMO)
    at.text_input(key="_ww_new_title").set_value("Text reminders")
    at.date_input(key="_ww_new_start").set_value("2024-10-01")
    at.multiselect(key="_ww_new_targets").set_value(["demand:contacts"])
    at.button(key="FormSubmitter:ww_record-Record the change").click().run()
    page_ok(at)
    assert any("Recorded 'Text reminders'." in s.value for s in at.success)
    con = store.open_store(demo_store)
    try:
        found = [c for c in records.list_changes(con) if c.title == "Text reminders"]
    finally:
        con.close()
    assert len(found) == 1 and found[0].targets[0].figure == "demand:contacts"
    assert "Text reminders" in _markdown(at)


def test_a_done_action_becomes_a_change_from_the_workshop_page(demo_store, open_app):
    con = store.open_store(demo_store)
    try:
        session = sessions.list_sessions(con)[0]
        action = actions.add_action(con, session.id, "Send repair updates by text", owner="Digital team",
                                    status=actions.DONE)
    finally:
        con.close()
    at = open_app("pages/workshop.py", query_params={"session": str(session.id)})
    button = [b for b in at.button if b.key == f"ws_change_{action}"]
    assert button, [b.key for b in at.button]  # every tab is drawn: the button is there once the session is open
    button[0].click().run()
    page_ok(at)
    assert any("is now change" in s.value for s in at.success)
    con = store.open_store(demo_store)
    try:
        change = records.change_for_action(con, action)
    finally:
        con.close()
    assert change is not None and change.title == "Send repair updates by text"
    assert change.session_id == session.id and change.owner == "Digital team"
    assert change.came_from == f"Action {action} of the session '{session.title}'"
    # On What works it waits for its figures: chosen in its edit form, it is measured.
    works = open_app(PAGE, query_params=DEMO)
    assert "No figures chosen yet: say what the change was meant to move" in _markdown(works)
    prefix = f"_ww_edit_{change.id}"
    works.date_input(key=f"{prefix}_start").set_value("2024-06-01")
    works.selectbox(key=f"{prefix}_service").set_value("Housing repairs")
    works.multiselect(key=f"{prefix}_targets").set_value(["demand:failure"])
    works.button(key=f"FormSubmitter:{prefix[1:]}-Save the change").click().run()
    page_ok(works)
    assert any(s.value == "Saved 'Send repair updates by text'." for s in works.success)
    con = store.open_store(demo_store)
    try:
        edited = records.get_change(con, change.id)
    finally:
        con.close()
    assert [t.figure for t in edited.targets] == ["demand:failure"] and edited.action_id == action


def test_an_opened_change_is_added_to_a_session_presented_and_packed(demo_store, open_app):
    from analysis.workshop import pack

    con = store.open_store(demo_store)
    try:
        session_id = sessions.create_session(con, "What worked", dataset="demo_contacts")
    finally:
        con.close()
    at = open_app(PAGE, query_params={**DEMO, "ww_change": "1:demand:failure"})
    at.selectbox(key="ws_add_session").set_value(session_id).run()
    at.button(key="ws_add").click().run()
    page_ok(at)
    con = store.open_store(demo_store)
    try:
        (item,) = sessions.agenda(con, session_id)
        html = pack.build_pack(con, session_id)
    finally:
        con.close()
    assert (item.view.page, item.view.figure, item.view.state["ww_change"]) == ("what-works", "change",
                                                                                 "1:demand:failure")
    # The view keeps the change opened and the list's filters, not the forms' fields.
    assert not [k for k in item.view.state if k.startswith(("ww_new", "ww_edit", "ww_open", "ww_org", "ww_small"))]
    assert item.view.link().startswith("/what-works?dataset=demo_contacts") and "ww_change=1%3Ademand%3Afailure" in \
        item.view.link()
    assert "could not be drawn" not in html and "<svg" in html and "sustained shift: 17 months" in html
    shown = open_app("pages/workshop.py", query_params={"session": str(session_id), "present": "true", "item": "1"})
    assert not shown.info and "Online repairs tracking launched" in shown.get("vega_lite_chart")[0].proto.spec


def _demo_card(demo_store) -> str:
    from analysis.changes import cards
    from analysis.registry import Context

    con = store.open_store(demo_store)
    try:
        return cards.render_html(cards.build_payload(Context(con), 1, "unitary authority"))
    finally:
        con.close()


def test_cards_imported_on_the_data_page_fill_the_network_view(demo_store, open_app):
    from analysis.changes import network

    card = _demo_card(demo_store).encode("utf-8")
    at = open_app("pages/data.py")
    assert [u.key for u in at.file_uploader] == ["data_upload_0"]
    at.toggle(key="dt_cards_open").set_value(True).run()
    at.file_uploader(key="dt_cards").set_value([("repairs.html", card, "text/html"),
                                                ("minutes.html", b"<html>Minutes</html>", "text/html")]).run()
    at.button(key="dt_cards_import").click().run()
    page_ok(at, expected_errors=("Nothing was imported",))
    assert [e.value for e in at.error] == [
        "Nothing was imported. minutes.html is not a practice card: it holds no card data (exported from "
        "Stocktake's What works page, or 'python -m analysis cards export')."]
    at.file_uploader(key="dt_cards").set_value([("repairs.html", card, "text/html")]).run()
    at.button(key="dt_cards_import").click().run()
    page_ok(at)
    assert at.success[-1].value == "Imported 1 practice card. See them on the What works page."
    con = store.open_store(demo_store)
    try:
        assert len(network.list_cards(con)) == 1
    finally:
        con.close()
    works = open_app(PAGE, query_params=DEMO)
    text = _markdown(works)
    assert "Network: what others found" in [s.value for s in works.subheader]
    assert "If you saw the same relative effect:" in text and "contacts a year, -£" in text
    link = [p for p in works.get("page_link") if p.proto.label == "Open the Savings page with this lever set"]
    assert len(link) == 1  # failure demand: the one figure with a Savings lever
    # Their failure demand fell 42.1%: the Savings page opens with 42% of failure demand removed in the same service,
    # the other levers off.
    query = link[0].proto.query_string
    assert query == "dataset=demo_contacts&sv_fd_pct=42&sv_nshift=0&sv_ht_pct=0&sv_fd_services=Housing+repairs"
    savings = open_app("pages/savings.py", query_params=dict(p.split("=") for p in query.replace("+", " ").split("&")))
    assert savings.slider(key="sv_fd_pct").value == 42 and savings.number_input(key="sv_nshift").value == 0
    assert savings.multiselect(key="sv_fd_services").value == ["Housing repairs"]


def test_the_opened_change_offers_its_practice_card(demo_store, open_app):
    at = open_app(PAGE, query_params={**DEMO, "ww_change": "1:demand:contacts"})
    buttons = [b for b in at.get("download_button") if "card" in b.proto.label.lower()]
    assert [b.proto.label for b in buttons] == ["Practice card (HTML)"]
    assert at.selectbox(key="_ww_org_type").value == "not stated"
