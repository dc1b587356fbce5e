"""AppTest: the Workshop page and the "Add this view to the session" control of the Explore pages.

A view added from the Demand page lands on a session's agenda with its controls; the session is presented one figure
per screen, next and previous moving the position in the address; notes and actions are recorded and edited.
"""

from __future__ import annotations

from datetime import date

import pytest

from analysis import store
from analysis.workshop import notes, actions as session_actions, sessions
from data.demo import DEMO_SESSION_TITLE
from tests.conftest import page_ok


def _store(path):
    return store.open_store(path)


def _demo_session(path) -> sessions.Session:
    con = _store(path)
    try:
        return sessions.find_session(con, DEMO_SESSION_TITLE)
    finally:
        con.close()


def _tab_labels(at) -> list[str]:
    return [t.label for t in at.tabs]


def test_the_demo_session_is_there_on_first_run(demo_store, open_app):
    at = open_app("pages/workshop.py")
    page_ok(at)
    assert at.title[0].value == "Workshop"
    assert at.subheader[0].value == DEMO_SESSION_TITLE
    assert _tab_labels(at)[:3] == ["Agenda (5)", "Notes (2)", "Actions (3, 1 overdue)"]
    agenda = [m.value for m in at.markdown if m.value.startswith("**") and "Open the view" in m.value]
    assert len(agenda) == 5 and agenda[0].startswith("**1. Repairs contacts, month by month**")
    assert at.data_editor[0].value["what"].tolist()[0] == "Check that the fall in chasing calls held through winter " \
                                                            "2024/25"


def test_a_view_added_from_the_demand_page_is_presented_with_next_and_previous(demo_store, open_app):
    at = open_app("pages/demand.py")
    page_ok(at)
    at.radio(key="dm_grain").set_value("week")
    at.multiselect(key="dm_service").set_value(["Parking"])
    at.selectbox(key="ws_add_figure").set_value("pareto")
    at.text_input(key="ws_add_title").input("Why people call about parking")
    at.run()
    at.button(key="ws_add").click().run()
    page_ok(at)
    assert at.sidebar.success[0].value == f"Added 'Why people call about parking' to '{DEMO_SESSION_TITLE}' (item 6)."
    assert at.text_input(key="ws_add_title").value == ""

    session = _demo_session(demo_store)
    con = _store(demo_store)
    try:
        added = sessions.agenda(con, session.id)[-1]
    finally:
        con.close()
    assert (added.position, added.title, added.view.page, added.view.figure) == (
        6, "Why people call about parking", "demand-drivers", "pareto")
    assert added.view.state["dm_grain"] == "week" and added.view.state["dm_service"] == ["Parking"]
    assert added.view.state["dataset"] == "demo_contacts"
    assert "dm_grain=Week" in added.view.link() and "dm_service=Parking" in added.view.link()

    # Open the session and present it: the address carries the session, the mode and the position.
    at.switch_page("pages/workshop.py").run()
    assert _tab_labels(at)[0] == "Agenda (6)"
    at.button(key="ws_present").click().run()
    page_ok(at)
    # (and the dataset in use, which every address carries: issue 8)
    assert at.query_params == {"session": str(session.id), "item": "1", "present": "true",
                               "dataset": "demo_contacts"}
    assert at.title[0].value == "Repairs contacts, month by month"
    assert at.caption[0].value == f"{DEMO_SESSION_TITLE}  \n1 of 6"  # the session, and the position under it
    at.button(key="ws_next").click().run()
    assert at.query_params["item"] == "2" and at.title[0].value == "What residents contact repairs about"
    at.button(key="ws_next").click().run()
    at.button(key="ws_prev").click().run()
    assert at.query_params["item"] == "2"
    # A link straight to the last figure, as a facilitator would share it.
    at = open_app("pages/workshop.py", query_params={"session": str(session.id), "present": "true", "item": "6"})
    page_ok(at)
    assert at.title[0].value == "Why people call about parking"
    assert at.button(key="ws_next").disabled and not at.button(key="ws_prev").disabled
    spec = at.get("vega_lite_chart")[0].proto.spec
    # presentation sizes, grown with a window larger than 1920 x 1080 (analysis.workshop.presentation)
    assert '"labelFontSize": {"expr": "18 * present_scale"}' in spec and '"renderer": "svg"' in spec
    assert "Reasons making up 80% of demand" in [m.label for m in at.metric]
    assert any("reasons make up 80% of these records" in m.value for m in at.markdown)


def test_an_action_is_recorded_and_its_status_edited(demo_store, open_app):
    session = _demo_session(demo_store)
    at = open_app("pages/workshop.py", query_params={"session": str(session.id)})
    at.text_input(key="ws_action_what").input("Ask the contact centre about winter staffing")
    at.text_input(key="ws_action_owner").input("Tom Reid")
    at.date_input(key="ws_action_due").set_value(date(2099, 1, 31))
    next(b for b in at.button if b.label == "Record the action").click().run()
    page_ok(at)
    assert at.success[0].value == "Action recorded."
    assert _tab_labels(at)[2] == "Actions (4, 1 overdue)"
    editor = at.data_editor[0]
    table = editor.value
    row = table.index[table["what"] == "Ask the contact centre about winter staffing"][0]
    assert table.loc[row, "status"] == "Open"
    # Edit the status in the table, as a user does in the browser, and save.
    at.session_state[editor.key] = {"edited_rows": {int(row): {"status": "Done"}}, "added_rows": [],
                                    "deleted_rows": []}
    at.run()
    at.button(key="ws_actions_save").click().run()
    page_ok(at)
    assert at.success[0].value == "Actions saved: 1 changed."
    con = _store(demo_store)
    try:
        listed = session_actions.list_actions(con, session.id)
    finally:
        con.close()
    assert listed.set_index("what").loc["Ask the contact centre about winter staffing", "status"] == "done"
    assert listed["what"].tolist()[0] == "Check that the fall in chasing calls held through winter 2024/25"


def test_a_note_about_a_figure_is_added_and_listed(demo_store, open_app):
    session = _demo_session(demo_store)
    at = open_app("pages/workshop.py", query_params={"session": str(session.id)})
    con = _store(demo_store)
    try:
        second = sessions.agenda(con, session.id)[1]
    finally:
        con.close()
    at.selectbox(key="ws_note_about").set_value(second.id)
    at.text_area(key="ws_note_text").input("Damp and mould reports doubled: ask why")
    next(b for b in at.button if b.label == "Add the note").click().run()
    page_ok(at)
    assert _tab_labels(at)[1] == "Notes (3)"
    assert any("Damp and mould reports doubled" in m.value and "about 2. What residents" in m.value for m in at.markdown)
    con = _store(demo_store)
    try:
        listed = notes.list_notes(con, session.id)
    finally:
        con.close()
    assert listed.iloc[-1][["note", "figure"]].tolist() == ["Damp and mould reports doubled: ask why",
                                                           "What residents contact repairs about"]


def test_a_new_session_is_started_and_a_link_to_a_missing_one_says_so(demo_store, open_app):
    at = open_app("pages/workshop.py", query_params={"session": "999"})
    assert at.warning[0].value == "The session in this link no longer exists: choose another."
    at.text_input(key="ws_new_title").input("Waste review")
    at.text_area(key="ws_new_people").input("Asha, Tom")
    next(b for b in at.button if b.label == "Start the session").click().run()
    page_ok(at)
    assert at.subheader[0].value == "Waste review"
    assert _tab_labels(at)[0] == "Agenda (0)"
    assert at.button(key="ws_present").disabled


@pytest.mark.parametrize("page", ["pages/data.py", "pages/workshop.py"])
def test_only_pages_with_saveable_views_offer_to_add_them(demo_store, open_app, page):
    at = open_app(page)
    page_ok(at)
    assert [b for b in at.button if b.key == "ws_add"] == []


def test_presentation_mode_from_a_link_hides_the_sidebar_and_enlarges_the_text(demo_store, open_app):
    def styles(at) -> str:
        return " ".join(h.proto.body for h in at.get("html"))

    at = open_app("pages/workshop.py")
    assert "font-size: 20px" not in styles(at)
    at = open_app("pages/workshop.py", query_params={"present": "true"})
    assert at.toggle(key="present").value is True
    assert "font-size: 20px" in styles(at) and 'section[data-testid="stSidebar"]' in styles(at)
    at.button(key="present_leave").click().run()
    assert at.toggle(key="present").value is False
    assert "font-size: 20px" not in styles(at)


def test_a_drill_down_click_travels_with_the_view_added_to_the_session(demo_store, open_app):
    at = open_app("pages/demand.py")
    at.session_state["dm_ch_pareto_0"] = {"selection": {"pareto_pick": [{"reason": "Chasing progress"}]}}
    at.run()
    page_ok(at)
    assert at.query_params["dm_drill"] == "Reason: Chasing progress"
    at.button(key="ws_add").click().run()
    page_ok(at)
    con = _store(demo_store)
    try:
        added = sessions.agenda(con, _demo_session(demo_store).id)[-1]
    finally:
        con.close()
    assert added.view.state["dm_drill"] == ["Reason: Chasing progress"]
    assert "dm_drill=Reason%3A+Chasing+progress" in added.view.link()
    assert added.title == "Volume over time"


@pytest.mark.parametrize("page,figure,set_control,metric", [
    ("pages/savings.py", "waterfall", ("slider", "sv_fd_pct", 35), "Annual saving at full effect"),
    ("pages/performance.py", "spc", ("selectbox", "pf_service", "Parking"), "Mean"),
    ("pages/demand.py", "volume", ("multiselect", "dm_channel", ["Web"]), "Records"),
])
def test_a_view_added_from_each_explore_page_draws_the_figures_the_page_showed(demo_store, open_app, page, figure,
                                                                                set_control, metric):
    from analysis import explore, registry

    at = open_app(page)
    kind, key, value = set_control
    getattr(at, kind)(key=key).set_value(value).run()
    page_ok(at)
    shown = next(m.value for m in at.metric if m.label == metric)
    at.selectbox(key="ws_add_figure").set_value(figure).run()
    at.button(key="ws_add").click().run()
    page_ok(at)
    con = _store(demo_store)
    try:
        item = sessions.agenda(con, _demo_session(demo_store).id)[-1]
        drawn = explore.draw_saved(registry.Context(con), item.view)
    finally:
        con.close()
    assert item.view.state[key] == value
    assert dict(drawn.headline)[metric] == shown


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/demand.py", "pages/performance.py",
                                  "pages/savings.py", "pages/spend.py"])
def test_every_chart_of_every_page_is_drawn_for_the_room_in_presentation_mode(demo_store, open_app, page):
    import json

    at = open_app(page, query_params={"present": "true", **({"dataset": "demo_payments"} if "spend" in page else {})})
    page_ok(at)
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert specs
    for spec in specs:
        assert spec["config"]["axis"]["labelFontSize"] >= 18 and spec["config"]["title"]["fontSize"] >= 24
        assert spec["usermeta"]["embedOptions"]["renderer"] == "svg"
    plain = open_app(page, query_params={"dataset": "demo_payments"} if "spend" in page else None)
    assert all('"labelFontSize": 18' not in c.proto.spec for c in plain.get("vega_lite_chart"))


def test_the_agenda_is_reordered_renamed_and_trimmed_from_the_page(demo_store, open_app):
    session = _demo_session(demo_store)
    con = _store(demo_store)
    try:
        first, second = [i.id for i in sessions.agenda(con, session.id)[:2]]
    finally:
        con.close()
    at = open_app("pages/workshop.py", query_params={"session": str(session.id)})
    at.button(key=f"ws_down_{first}").click().run()
    page_ok(at)
    at.session_state[f"ws_edit_{first}"] = True  # the Edit menu: its controls are made when it is opened
    at.session_state[f"ws_edit_{second}"] = True
    at.run()
    at.text_input(key=f"ws_title_{first}").input("Contacts, month by month")
    at.button(key=f"ws_rename_{first}").click().run()
    page_ok(at)
    assert at.success[0].value == "Renamed."
    at.button(key=f"ws_remove_{second}").click().run()
    page_ok(at)
    con = _store(demo_store)
    try:
        agenda = sessions.agenda(con, session.id)
    finally:
        con.close()
    assert [(i.position, i.id) for i in agenda][:1] == [(1, first)] and len(agenda) == 4
    assert agenda[0].title == "Contacts, month by month"
    assert _tab_labels(at)[0] == "Agenda (4)"


def test_a_presented_figure_shows_a_reclassification_a_new_lookup_and_a_reload_at_once(demo_store, open_app):
    """Presentation draws each figure through the one cache, keyed by what the figure reads: the classification's
    version, the population lookup that applies, the dataset's version. Each change shows on the next run."""
    import pandas as pd

    from analysis import classification, explore, lookups
    from analysis.load.ingest import load_frame

    con = _store(demo_store)
    try:
        session_id = sessions.create_session(con, "Staleness check", dataset="demo_contacts")
        for title, figure in (("Failure", "failure_service"), ("Rates", "rate"), ("Volume", "volume")):
            state = {"dataset": "demo_contacts"}
            sessions.add_view(con, session_id, sessions.View("demand-drivers", figure,
                                                              explore.url_params("demand-drivers", state), state),
                              title)
    finally:
        con.close()

    def presented(item: int):
        at = open_app("pages/workshop.py", query_params={"session": str(session_id), "present": "true",
                                                         "item": str(item)})
        page_ok(at)
        return {m.label: m.value for m in at.metric}, next(m.value for m in at.markdown if m.value.startswith("### "))

    metrics, _ = presented(1)
    con = _store(demo_store)
    try:  # every reason of one service becomes failure demand
        ds = store.get_dataset(con, "demo_contacts")
        frame = classification.classification_frame(con, ds)
        frame.loc[frame["service"] == "Parking", "demand_type"] = "failure"
        classification.save_classification(con, ds, frame)
    finally:
        con.close()
    after, _ = presented(1)
    assert after["Failure records"] != metrics["Failure records"], (metrics, after)

    _, reading = presented(2)
    con = _store(demo_store)
    try:  # a new population lookup, ten times the residents, chosen for the dataset
        wards = store.query_df(con, "SELECT * FROM ds_demo_ward_population")
        load_frame(con, wards.assign(population=wards["population"] * 10), dataset="ward_population_2031",
                   kind="lookup", roles={"ward": "area", "population": "population"})
        lookups.choose_lookup(con, "demo_contacts", lookups.POPULATION, "ward_population_2031")
    finally:
        con.close()
    _, after_reading = presented(2)
    assert after_reading != reading
    numbers = lambda text: [float(n.replace(",", "")) for n in __import__("re").findall(r"\(([\d,.]+)\)", text)]
    assert [round(n * 10, 0) for n in numbers(after_reading)] == [round(n, 0) for n in numbers(reading)]

    metrics, _ = presented(3)
    con = _store(demo_store)
    try:  # the records reloaded with the first thousand rows only
        rows = store.query_df(con, "SELECT * FROM ds_demo_contacts ORDER BY received_at LIMIT 1000")
        roles = store.get_dataset(con, "demo_contacts").roles
        load_frame(con, rows, dataset="demo_contacts", kind="records",
                   roles={column: role for role, column in roles.items()})
    finally:
        con.close()
    after, _ = presented(3)
    # Shortened as a person says it on the projected screen, exact in the number's tooltip.
    assert metrics["Records"] == "501k" and after["Records"] == "1,000"


@pytest.mark.parametrize("page_file,page_key", [("pages/overview.py", "home"), ("pages/demand.py", "demand-drivers"),
                                                ("pages/performance.py", "performance-trends"),
                                                ("pages/savings.py", "savings-scenarios"),
                                                ("pages/spend.py", "council-spend")])
def test_every_figure_a_page_shows_can_be_added_presented_and_packed(demo_store, open_app, page_file, page_key):
    import pandas as pd

    from analysis import explore, lookups
    from analysis.workshop import pack
    from analysis.load.ingest import load_frame
    from analysis.savings.declared import CURRENT

    con = _store(demo_store)
    try:  # something for every figure to show: a benchmark for the peers, a saved scenario to compare
        load_frame(con, pd.DataFrame({"period": [pd.Timestamp(f"2024-{m:02d}-01") for m in (1, 2, 3) for _ in range(3)],
                                      "area": ["Northbridge", "P1", "P2"] * 3, "measure": ["Days to close"] * 9,
                                      "value": [10.0, 8.0, 12.0, 9.0, 8.5, 11.0, 7.0, 9.0, 12.0]}),
                   dataset="peer_days", kind="kpi",
                   roles={"period": "period", "area": "area", "measure": "measure", "value": "value"})
        lookups.choose_lookup(con, "demo_contacts", lookups.BENCHMARK, "peer_days")
        session_id = sessions.create_session(con, "Every figure", dataset="demo_contacts")
    finally:
        con.close()
    dataset = "demo_payments" if page_key == "council-spend" else "demo_contacts"  # the page's own kind of data
    at = open_app(page_file, query_params={"dataset": dataset})
    if page_key == "savings-scenarios":
        at.text_input(key="sv_save_name").set_value("Cautious").run()
        at.button(key="sv_save_btn").click().run()
        at.multiselect(key="sv_compare").set_value(["Cautious", CURRENT]).run()
    at.selectbox(key="ws_add_session").set_value(session_id).run()
    con = _store(demo_store)
    try:  # every figure that can show something for the demo (a chart of multi-year spans cannot)
        declared = explore.PAGES[page_key].offered(store.get_dataset(con, dataset))
    finally:
        con.close()
    assert at.selectbox(key="ws_add_figure").options == [f.title for f in declared.values()]
    for key in declared:
        at.selectbox(key="ws_add_figure").set_value(key).run()
        at.button(key="ws_add").click().run()
        page_ok(at)
    con = _store(demo_store)
    try:
        items = sessions.agenda(con, session_id)
        assert [i.view.figure for i in items] == list(declared)
        html = pack.build_pack(con, session_id)
    finally:
        con.close()
    assert "could not be drawn" not in html and html.count("<svg") >= len(declared)
    for position, item in enumerate(items, start=1):
        shown = open_app("pages/workshop.py", query_params={"session": str(session_id), "present": "true",
                                                            "item": str(position)})
        page_ok(shown)
        assert not shown.info, (item.title, [i.value for i in shown.info])
        spec = shown.get("vega_lite_chart")[0].proto.spec
        assert '"labelFontSize": {"expr": "18 * present_scale"}' in spec, item.title


@pytest.mark.parametrize("page_file,key", [("pages/workshop.py", "ws_stocktake"), (None, "ov_stocktake")])
def test_a_stocktake_is_started_from_the_dataset_in_one_click_with_a_question_beside_each_figure(
        demo_store, open_app, page_file, key):
    at = open_app(page_file, query_params={"dataset": "demo_contacts"})
    assert at.button(key=key).label == "Start a stocktake from this dataset"
    at.button(key=key).click().run()
    page_ok(at)
    title = f"Stocktake of demo_contacts, {date.today():%-d %B %Y}"
    assert at.title[0].value == "Workshop" and at.subheader[0].value == title
    assert at.success[0].value.startswith("Started a stocktake of demo_contacts: 10 figures, each with a question")
    assert "Left out: KPIs that are changing: Also changing" in at.success[0].value
    assert _tab_labels(at)[:2] == ["Agenda (10)", "Notes (1)"]
    agenda = [m.value for m in at.markdown if m.value.startswith("**") and "Open the view" in m.value]
    assert len(agenda) == 10 and all("Question for the room:" in a for a in agenda)
    assert "26 of 41 reasons make up 80% of records" in agenda[2]
    con = _store(demo_store)
    try:
        session = sessions.find_session(con, title)
        assert at.query_params["session"] in (str(session.id), [str(session.id)]) and session.dataset == "demo_contacts"
        first = sessions.agenda(con, session.id)[0]
    finally:
        con.close()
    # Presenting it shows the question under the figure's title.
    shown = open_app("pages/workshop.py", query_params={"session": str(session.id), "present": "true", "item": "1"})
    assert any(m.value == f"**Question for the room:** {first.question}" for m in shown.markdown)


def test_an_action_and_a_note_recorded_while_presenting_are_about_the_figure_shown(demo_store, open_app):
    session = _demo_session(demo_store)
    at = open_app("pages/workshop.py", query_params={"session": str(session.id), "present": "true", "item": "2"})
    page_ok(at)
    at.text_input(key="ws_present_action_what").input("Ask why damp and mould reports doubled")
    at.text_input(key="ws_present_action_owner").input("Asha Patel")
    next(b for b in at.button if b.label == "Record the action").click().run()
    page_ok(at)
    assert at.success[0].value == "Action recorded."
    assert at.title[0].value == "What residents contact repairs about"  # still on the same screen
    at.text_area(key="ws_present_note_text").input("The room wants the damp cases by ward")
    next(b for b in at.button if b.label == "Add the note").click().run()
    assert at.success[0].value == "Note added."
    con = _store(demo_store)
    try:
        second = sessions.agenda(con, session.id)[1]
        listed = session_actions.list_actions(con, session.id)
        noted = notes.list_notes(con, session.id)
    finally:
        con.close()
    action = listed.set_index("what").loc["Ask why damp and mould reports doubled"]
    assert action["owner"] == "Asha Patel" and action["figure"] == second.title
    assert noted.iloc[-1][["note", "figure"]].tolist() == ["The room wants the damp cases by ward", second.title]


def test_an_empty_action_sent_while_presenting_says_why_and_records_nothing(demo_store, open_app):
    session = _demo_session(demo_store)
    at = open_app("pages/workshop.py", query_params={"session": str(session.id), "present": "true", "item": "1"})
    next(b for b in at.button if b.label == "Record the action").click().run()
    assert at.error and not at.success
    con = _store(demo_store)
    try:
        assert len(session_actions.list_actions(con, session.id)) == 3
    finally:
        con.close()


def test_the_next_figure_is_prepared_while_the_current_one_is_shown(demo_store, monkeypatch):
    """ui.present_screen.prepare works the neighbours' figures out into the one cache, off the script's thread."""
    import threading

    from ui import present_screen

    drawn: list[tuple[str, int]] = []
    monkeypatch.setattr(present_screen, "_draw", lambda ctx, session, item: drawn.append(
        (threading.current_thread().name, item.id)))
    con = _store(demo_store)
    try:
        session = sessions.find_session(con, DEMO_SESSION_TITLE)
        items = sessions.agenda(con, session.id)
    finally:
        con.close()
    present_screen.prepare(session, items[1:3])
    for thread in threading.enumerate():
        if thread.name == "stocktake-prepare":
            thread.join(timeout=60)
    assert drawn == [("stocktake-prepare", items[1].id), ("stocktake-prepare", items[2].id)]
