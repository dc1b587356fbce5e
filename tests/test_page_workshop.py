"""AppTest: the Workshop page — notes added through the form are listed and survive a rerun; presentation mode."""

from __future__ import annotations

from analysis import notes, store


def test_a_note_is_added_listed_and_kept(demo_store, open_app):
    at = open_app("pages/workshop.py")
    assert not at.exception
    assert at.title[0].value == "Workshop"
    at.text_area(key="ws_note").input("Chasing calls fell after the online form")
    at.selectbox(key="ws_topic").set_value("Demand")
    submit = next(b for b in at.button if b.label == "Add note")
    submit.click().run()
    assert not at.exception
    assert any("Chasing calls fell after the online form" in m.value for m in at.markdown)
    at.run()
    con = store.open_store(demo_store)
    try:
        assert notes.list_notes(con, "demo_contacts")["note"].tolist() == ["Chasing calls fell after the online form"]
    finally:
        con.close()


def test_presentation_mode_from_a_link(demo_store, open_app):
    at = open_app("pages/workshop.py", query_params={"present": "true"})
    assert not at.exception
    assert at.toggle(key="present").value is True
    assert any("Presentation mode** is on" in m.value for m in at.markdown)


def test_presentation_mode_enlarges_the_text_only_when_on(demo_store, open_app):
    def styles(at) -> str:
        return " ".join(h.proto.body for h in at.get("html"))

    at = open_app("pages/workshop.py")
    assert "font-size: 20px" not in styles(at)
    at.toggle(key="present").set_value(True).run()
    assert "font-size: 20px" in styles(at)
