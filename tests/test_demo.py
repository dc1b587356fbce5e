"""The demo borough: deterministic, the size and shape issue 2 asks for, and with a real signal at the intervention."""

from __future__ import annotations

import pandas as pd
import pytest

from data import borough, demo


@pytest.fixture(scope="module")
def contacts() -> pd.DataFrame:
    return borough.build_contacts()


def test_the_generator_is_deterministic(contacts):
    again = borough.build_contacts()
    pd.testing.assert_frame_equal(contacts, again)
    pd.testing.assert_frame_equal(borough.build_kpis(), borough.build_kpis())


def test_size_span_services_channels_and_wards(contacts):
    assert 450_000 <= len(contacts) <= 550_000
    assert contacts["received_at"].min() >= borough.START and contacts["received_at"].max() < borough.END + pd.Timedelta(days=1)
    assert contacts["service"].nunique() == 8
    assert set(contacts["channel"]) == {"Phone", "Web", "Email", "Face to face"}
    assert contacts["ward"].nunique() == 20 == len(borough.build_population())


def test_failure_demand_share_is_realistic(contacts):
    kinds = borough.build_classification().set_index(["service", "reason"])["demand_type"]
    share = (contacts.set_index(["service", "reason"]).index.map(kinds) == "failure").mean()
    assert 0.30 <= share <= 0.50


def test_channels_shift_from_phone_to_web(contacts):
    year = contacts["received_at"].dt.year
    phone = contacts["channel"].eq("Phone").groupby(year).mean()
    web = contacts["channel"].eq("Web").groupby(year).mean()
    assert phone[2022] > phone[2025] + 0.15 and web[2025] > web[2022] + 0.15


def test_repairs_peak_in_winter_and_bank_holidays_are_quiet(contacts):
    repairs = contacts[(contacts["service"] == "Housing repairs") & (contacts["received_at"] < borough.INTERVENTION_DAY)]
    by_month = repairs.groupby(repairs["received_at"].dt.month).size()
    assert by_month[[12, 1, 2]].mean() > by_month[[6, 7, 8]].mean() * 1.15
    daily = contacts.groupby(contacts["received_at"].dt.normalize()).size()
    weekday = daily[daily.index.day_of_week < 5]
    holidays = weekday[weekday.index.isin(borough.BANK_HOLIDAYS)]
    assert holidays.mean() < weekday.drop(holidays.index).mean() * 0.5


def test_customers_repeat(contacts):
    repeats = contacts.duplicated("customer_id").mean()
    assert 0.10 < repeats < 0.40


def test_the_intervention_steps_repairs_chasing_and_days_to_close_down(contacts):
    repairs = contacts[contacts["service"] == borough.INTERVENTION_SERVICE]
    before = repairs[(repairs["received_at"] >= "2023-06-01") & (repairs["received_at"] < borough.INTERVENTION_DAY)]
    after = repairs[(repairs["received_at"] >= borough.INTERVENTION_DAY) & (repairs["received_at"] < "2025-06-01")]
    assert len(after) < len(before) * 0.85
    chasing_before = (before["reason"] == "Chasing progress").mean()
    chasing_after = (after["reason"] == "Chasing progress").mean()
    assert chasing_after < chasing_before * 0.5
    days = lambda frame: (frame["closed_at"] - frame["received_at"]).dt.days.median()
    assert days(after) < days(before) * 0.8


def test_kpis_have_targets_and_the_repairs_step(contacts):
    kpis = borough.build_kpis()
    assert kpis["target"].notna().all()
    on_time = kpis[kpis["measure"] == "Repairs completed on time (%)"].set_index("period")["value"]
    assert on_time[on_time.index >= borough.INTERVENTION_DAY].mean() > on_time[on_time.index < borough.INTERVENTION_DAY].mean() + 5
    assert set(borough.CHANNEL_COSTS.columns) == {"channel", "unit_cost", "source"}
    assert borough.CHANNEL_COSTS.set_index("channel").loc["Phone", "unit_cost"] == 2.83


def test_the_demo_store_ships_the_example_session(demo_store_template):
    from analysis import store
    from analysis.workshop import notes, actions as session_actions, sessions

    con = store.open_store(demo_store_template, read_only=True)
    try:
        session = sessions.find_session(con, demo.DEMO_SESSION_TITLE)
        agenda = sessions.agenda(con, session.id)
        assert [i.title for i in agenda] == [title for title, *_ in demo.DEMO_AGENDA]
        assert len(notes.list_notes(con, session.id)) == 2
        assert session_actions.list_actions(con, session.id)["status"].tolist() == ["open", "done", "dropped"]
    finally:
        con.close()
