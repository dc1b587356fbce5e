"""analysis.changes.measure: every change measured in a crafted store, against hand-worked values: the step, the
control that moved too, the control that did not, contacts and pounds a year from the Savings page's unit costs."""

from __future__ import annotations

import pytest

from analysis import store
from analysis.changes import effect as fx
from analysis.changes import measure, records
from analysis.changes.records import Draft, Target
from analysis.registry import Context
from analysis.savings.costs import SOCITM_2012
from tests import changes_store


@pytest.fixture
def con(tmp_path):
    c = store.open_store(tmp_path / "m.duckdb")
    changes_store.load(c)
    yield c
    c.close()


def _one(con, draft: Draft) -> measure.Measured:
    cid = records.add_change(con, draft)
    (found,) = measure.measure_change(Context(con), records.get_change(con, cid))
    return found


def test_a_step_in_one_service_with_a_control_that_moved_too(con):
    m = _one(con, Draft("calls", "Online tracking", "2024-04-01", service="Repairs",
                        targets=(Target("demand:contacts", "decrease"),)))
    e = m.effect
    assert (e.points_before, e.points_after, e.verdict, e.run_length) == (12, 9, fx.IMPROVED, 9)
    assert e.before_mean == pytest.approx(102) and e.after_mean == pytest.approx(826 / 9)
    assert m.evidence().startswith("sustained shift: 9 months in a row below the old mean since April 2024")
    # Parking fell the same way; Waste did not: 1 of 2 services without the change, so flagged.
    assert (m.alike, m.controls_judged, m.confounded) == (("Parking",), 2, True)
    assert m.control_sentence() == ("The same fall appears in 1 of 2 services without the change (Parking): look "
                                    "for another cause.")
    assert m.contacts_a_year == pytest.approx((826 / 9 - 102) * 12)  # -122.7
    assert m.cost_per_contact == pytest.approx(SOCITM_2012["Phone"])  # Repairs is all phone
    assert m.pounds_a_year == pytest.approx((826 / 9 - 102) * 12 * 2.83)
    assert "Socitm" in m.cost_source
    assert m.money_words() == "-123 contacts a year, -£347 a year"
    assert m.effect_words() == "-10 (-10.0%)"


def test_no_change_in_a_service_whose_figure_stood_still(con):
    m = _one(con, Draft("calls", "Bin app", "2024-04-01", service="Waste",
                        targets=(Target("demand:contacts", "decrease"),)))
    assert m.verdict == fx.NO_CHANGE and m.contacts_a_year is None and m.pounds_a_year is None
    assert m.control_sentence() == ""


def test_a_change_for_every_service_has_no_control(con):
    m = _one(con, Draft("calls", "New phone menu", "2024-04-01", targets=(Target("demand:contacts", "decrease"),)))
    # All three together: 306 a month before; 2 x 826/9 + 100/104 after.
    assert m.effect.before_mean == pytest.approx(306)
    assert m.effect.signal and m.controls_judged == 0 and not m.confounded
    assert "every service" in m.control_sentence()


def test_too_recent_and_unmeasurable_targets_say_why(con):
    recent = _one(con, Draft("calls", "Web chat", "2024-09-01", service="Waste",
                             targets=(Target("demand:contacts", "decrease"),)))
    assert recent.verdict == fx.TOO_EARLY
    assert recent.evidence() == "no signal yet: 4 points since the change, 7 needed for a shift"
    nothing = _one(con, Draft("calls", "Triage", "2024-04-01", service="Housing",
                              targets=(Target("demand:contacts", "decrease"),)))
    assert nothing.verdict == measure.NOT_MEASURED and "no records for the service 'Housing'" in nothing.evidence()
    failure = _one(con, Draft("calls", "Fix letters", "2024-04-01", service="Repairs",
                              targets=(Target("demand:failure", "decrease"),)))
    assert failure.verdict == measure.NOT_MEASURED and "classify them" in failure.evidence()


def test_summary_lists_every_change_and_one_without_targets(con):
    records.add_change(con, Draft("calls", "Online tracking", "2024-04-01", service="Repairs",
                                  targets=(Target("demand:contacts", "decrease"),)))
    records.add_change(con, Draft("calls", "Idea", "2024-10-01"))
    frame = measure.summary(measure.measure_all(Context(con)))
    assert list(frame["change"]) == ["Idea", "Online tracking"]
    assert frame["verdict"].tolist() == ["Cannot be measured", "Improved"]
    assert frame["effect"].iloc[1] == pytest.approx(826 / 9 - 102)
