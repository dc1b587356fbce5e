"""How long a sign-in lasts and signing out everywhere (analysis.governance.sign_in): table-driven, no Streamlit."""

from __future__ import annotations

import pytest

from analysis import store
from analysis.governance import sign_in

NOW = 1_800_000_000.0
HOUR = 3600.0


@pytest.mark.parametrize("signed_in_at,signed_out_at,hours,expected", [
    (NOW - 1 * HOUR, None, 8, sign_in.CURRENT),
    (NOW - 7.9 * HOUR, None, 8, sign_in.CURRENT),
    (NOW - 8.1 * HOUR, None, 8, sign_in.EXPIRED),            # older than the lifetime
    (NOW - 8.1 * HOUR, None, 12, sign_in.CURRENT),           # a longer lifetime set on the server
    (NOW - 2 * HOUR, NOW - 1 * HOUR, 8, sign_in.SIGNED_OUT),  # signed in before the person signed out
    (NOW - 1 * HOUR, NOW - 2 * HOUR, 8, sign_in.CURRENT),     # signed in again afterwards
    (NOW - 60, NOW - 60 + 0.4, 8, sign_in.SIGNED_OUT),        # the same second counts as before: never lets one through
    (None, None, 8, sign_in.UNKNOWN),                          # no time to judge by: not believed
])
def test_a_sign_in_is_current_for_its_lifetime_and_until_its_person_signs_out(signed_in_at, signed_out_at, hours,
                                                                              expected):
    assert sign_in.sign_in_state("ana@council.gov.uk", signed_in_at, hours=hours, signed_out_at=signed_out_at,
                                 now=NOW) == expected


def test_sign_outs_are_kept_in_the_store_and_read_back_after_a_restart(tmp_path):
    path = tmp_path / "s.duckdb"
    con = store.open_store(path)
    outs = sign_in.SignOuts()
    outs.load(con, str(path))
    assert outs.signed_out_at("ana@council.gov.uk") is None
    outs.record(con, "ana@council.gov.uk", NOW)
    outs.record(con, "ana@council.gov.uk", NOW + 10)  # the latest one counts
    outs.record(con, "cat@council.gov.uk", NOW + 5)
    assert outs.signed_out_at("ana@council.gov.uk") == NOW + 10
    con.close()
    con = store.open_store(path)
    try:
        assert sign_in.read_sign_outs(con) == {"ana@council.gov.uk": NOW + 10, "cat@council.gov.uk": NOW + 5}
        again = sign_in.SignOuts()
        again.load(con, str(path))
        assert again.signed_out_at("cat@council.gov.uk") == NOW + 5
    finally:
        con.close()


def test_a_sign_out_takes_effect_in_the_process_even_when_the_store_cannot_be_written(tmp_path):
    con = store.open_store(tmp_path / "s.duckdb")
    outs = sign_in.SignOuts()
    outs.load(con, "s")
    con.close()  # the store cannot be written now
    with pytest.raises(Exception):
        outs.record(con, "ana@council.gov.uk", NOW)
    assert outs.signed_out_at("ana@council.gov.uk") == NOW


def test_a_store_that_never_had_a_sign_out_is_not_written_to_by_reading(tmp_path):
    con = store.open_store(tmp_path / "s.duckdb")
    try:
        assert sign_in.read_sign_outs(con) == {}
        assert not store.table_exists(con, sign_in.SIGN_OUTS_TABLE)
    finally:
        con.close()
