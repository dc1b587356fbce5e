"""Practice cards (analysis.changes.cards, .network): exported from the demo store, checked against their schema and
the disclosure rules, refused with a sentence when they break them, imported into a store loaded from a real file,
and the Network view beside that dataset's baseline; the CLI's ``cards export`` and ``cards import``."""

from __future__ import annotations

import json
import shutil

import jsonschema
import pytest

from analysis import store
from analysis.changes import cards, network, records
from analysis.changes.records import Draft, Target
from analysis.load import ingest
from analysis.registry import Context
from tests import changes_store
from tests.conftest import real_data_file
from tests.test_cli import run_cli


@pytest.fixture(scope="module")
def demo_card(demo_store_template, tmp_path_factory) -> tuple[dict, str]:
    path = tmp_path_factory.mktemp("card") / "demo.duckdb"
    shutil.copyfile(demo_store_template, path)
    con = store.open_store(path)
    try:
        payload = cards.build_payload(Context(con), 1, "unitary authority")
    finally:
        con.close()
    return payload, cards.render_html(payload)


def _walk_keys(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _walk_keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _walk_keys(inner)


def test_the_demo_card_follows_its_schema_and_holds_aggregates_only(demo_card):
    payload, text = demo_card
    jsonschema.Draft202012Validator(cards.schema(),
                                    format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER).validate(payload)
    assert cards.read_card(text) == payload  # the JSON inside the HTML, as exported
    assert [f["key"] for f in payload["figures"]] == ["demand:failure", "demand:contacts", "kpi:median_days_to_close"]
    failure = payload["figures"][0]
    assert failure["effect"]["verdict"] == "improved" and failure["effect"]["evidence"].startswith("sustained shift")
    assert payload["organisation"] == {"type": "unitary authority", "size_band": "100,000 to 250,000 contacts a year"}
    # One value per month, each a monthly aggregate; no record, no id, no count under 10.
    assert not {"records", "rows", "id", "record_id", "customer_id"} & set(_walk_keys(payload))
    for figure in payload["figures"]:
        values = [p["value"] for p in figure["series"] if p["value"] is not None]
        assert len({p["period"] for p in figure["series"]}) == len(figure["series"])
        if figure["unit"] == "count":
            assert min(values) >= 10
    assert "<svg" in text and "http" not in text.replace("http://www.w3.org", "")  # readable offline
    assert "Improved: sustained shift: 17 months in a row below the old mean since June 2024" in text


def test_counts_under_ten_are_suppressed_on_export(tmp_path):
    con = store.open_store(tmp_path / "small.duckdb")
    try:
        changes_store.load(con)
        cid = records.add_change(con, Draft("calls", "Online tracking", "2024-04-01", service="Repairs",
                                            targets=(Target("demand:reason:Chasing", "decrease"),)))
        payload = cards.build_payload(Context(con), cid)
    finally:
        con.close()
    series = payload["figures"][0]["series"]
    assert all(p["value"] is None or p["value"] >= 10 for p in series)
    # Chasing is every other contact: 50 and 52 a month before, 45 and 47 after: none suppressed here.
    assert [p["value"] for p in series[:2]] == [50.0, 52.0] and not any(p["suppressed"] for p in series)
    # A small service: its counts under 10 suppressed, and with them the means and effect of their segments.
    figure = cards.figure_payload(_measured_with(payload, [50.0, 52.0] * 6 + [8.0, 47.0] * 4 + [45.0]))
    assert [p["value"] for p in figure["series"][12:14]] == [None, 47.0] and figure["series"][12]["suppressed"]
    effect = figure["effect"]
    assert effect["before_mean"] == pytest.approx(51.0)  # the before months are all shown
    assert (effect["after_mean"], effect["effect"], effect["share"], effect["contacts_a_year"]) == (None,) * 4
    small = json.loads(json.dumps(payload))
    small["figures"][0]["series"][0]["value"] = 4.0
    with pytest.raises(cards.CardError, match="holds a count under 10 \\(2023-04-01\\)"):
        cards.check(small)


def _measured_with(payload: dict, values: list[float]):
    """A measurement of a crafted monthly count (April 2023 on, the change in April 2024)."""
    import pandas as pd

    from analysis.changes import effect as fx
    from analysis.changes import measure, targets

    months = pd.date_range("2023-04-01", periods=len(values), freq="MS")
    change = records.Change(1, "calls", "Tiny", pd.Timestamp("2024-04-01").date(), service="Repairs")
    target = Target("demand:reason:Chasing", "decrease")
    figure = targets.TargetFigure(target.figure, "Contacts about 'Chasing'", "count", "neutral", "…", "month")
    effect = fx.measure(months, values, change.start, wanted="decrease", lower_bound=0.0)
    series = pd.DataFrame({"period": months, "value": values, "n": values})
    return measure.Measured(change, target, figure, effect, series, contacts_a_year=-12.0)


@pytest.mark.parametrize("change, message", [
    (lambda p: p["figures"][0].update(records=[{"id": 1, "received": "2024-01-03"}]),
     "holds record-level data \\('records'\\)"),
    (lambda p: p["figures"][0]["series"][0].update(customer_id="C001"), "record-level data \\('customer_id'\\)"),
    (lambda p: p["figures"][0]["series"].append(dict(p["figures"][0]["series"][0])), "more than one value for a period"),
    (lambda p: p.update(version=2), "version 2"),
    (lambda p: p["change"].update(start="last spring"), "schema at change/start"),
    (lambda p: p.update(schema="something else"), "not a Stocktake practice card"),
])
def test_a_card_that_breaks_the_rules_is_refused_with_a_sentence(demo_card, change, message):
    payload = json.loads(json.dumps(demo_card[0]))
    change(payload)
    with pytest.raises(cards.CardError, match=message):
        cards.check(payload)


def test_a_card_imported_into_a_real_file_store_sits_beside_its_baseline(demo_card, tmp_path):
    source = real_data_file("lfb_animal_rescue_2009_2019.csv")
    con = store.open_store(tmp_path / "real.duckdb")
    try:
        ingest.load_file(con, source, dataset="rescues", kind="records")
        ds = store.get_dataset(con, "rescues")
        path = tmp_path / "repairs card.html"
        path.write_text(demo_card[1], encoding="utf-8")
        assert network.import_cards(con, network.read_files([path])) == 1
        assert network.import_cards(con, network.read_files([path])) == 0  # the same card once
        rows = {b.figure["key"]: b for b in network.network(Context(con), ds)}
        monthly = store.query_rows(con, f"""SELECT count(*) FROM {store.quote_identifier(ds.table)}
            GROUP BY date_trunc('month', {store.quote_identifier(ds.roles['date'])}) ORDER BY any_value(
            date_trunc('month', {store.quote_identifier(ds.roles['date'])})) DESC""")
    finally:
        con.close()
    contacts = rows["demand:contacts"]
    assert contacts.scope == "every service"  # the rescues have no 'Housing repairs'
    share = contacts.figure["effect"]["share"]
    # The baseline is the mean of the latest 12 complete months: February 2018 to January 2019 (the file's last call
    # is on 31 January 2019), 617 rescues.
    assert contacts.baseline == pytest.approx(sum(r[0] for r in monthly[:12]) / 12) == pytest.approx(617 / 12)
    assert contacts.contacts_a_year == pytest.approx(contacts.baseline * share * 12)
    assert contacts.sentence().startswith(f"If you saw the same relative effect: {contacts.contacts_a_year:+,.0f} "
                                          "contacts a year")
    assert contacts.pounds_a_year is None and "no unit costs" in contacts.note  # their channels have no unit cost
    assert "Failure demand needs the reasons classified" in rows["demand:failure"].sentence()
    assert "closed" in rows["kpi:median_days_to_close"].sentence().lower()


def test_cli_export_and_import(demo_store_template, tmp_path):
    db = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_store_template, db)
    out = tmp_path / "card.html"
    done = run_cli("cards", "export", "--change", "1", "--out", str(out), "--db", str(db),
                   "--organisation-type", "unitary authority")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Wrote the practice card for 'Online repairs tracking launched' to")
    other = tmp_path / "other.duckdb"
    imported = run_cli("cards", "import", str(out), "--db", str(other))
    assert (imported.returncode, imported.stdout.strip()) == (0, "Imported 1 practice card.")
    bad = tmp_path / "notes.html"
    bad.write_text("<html><body>Minutes of the meeting</body></html>")
    refused = run_cli("cards", "import", str(out), str(bad), "--db", str(tmp_path / "third.duckdb"))
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.strip().splitlines() == [
        "Error: notes.html is not a practice card: it holds no card data (exported from Stocktake's What works page, "
        "or 'python -m analysis cards export')."]
    leaky = tmp_path / "leaky.html"
    payload = cards.read_card(out.read_text())
    payload["figures"][0]["series"][0]["record_id"] = "R1"
    leaky.write_text(out.read_text().replace(json.dumps(cards.read_card(out.read_text()), ensure_ascii=False,
                                                        indent=1).replace("</", "<\\/"),
                                             json.dumps(payload, indent=1)))
    refused = run_cli("cards", "import", str(leaky), "--db", str(tmp_path / "third.duckdb"))
    assert refused.returncode == 2 and "leaky.html: This card holds record-level data ('record_id')" in refused.stderr
    missing = run_cli("cards", "export", "--change", "99", "--out", str(out), "--db", str(db))
    assert missing.returncode == 2 and "There is no change 99" in missing.stderr

