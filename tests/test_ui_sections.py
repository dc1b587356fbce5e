"""ui.sections: a failing figure becomes one sentence (a user's problem as it is; anything else as a log reference),
the traceback goes to the server log, and the rest of the page is still drawn."""

from __future__ import annotations

import logging
import re

from streamlit.testing.v1 import AppTest


def _page():
    import streamlit as st

    from analysis.errors import StocktakeError
    from ui.sections import figure

    with figure("the first figure"):
        raise StocktakeError("Column 'Paid Date' has no usable dates: choose another.")
    with figure("the monthly volume"):
        st.write("drawn before the failure")
        raise RuntimeError("Binder Error: cannot compare /tmp/tmp1234/x.csv with INTERVAL")
    st.metric("After both", "42")


def test_a_failing_figure_is_a_sentence_and_the_page_goes_on(caplog):
    at = AppTest.from_function(_page)
    with caplog.at_level(logging.ERROR, logger="stocktake"):
        at.run()
    assert not at.exception
    first, second = (e.value for e in at.error)
    assert first == "Column 'Paid Date' has no usable dates: choose another."
    match = re.fullmatch(r"Something went wrong working out the monthly volume: the details are in the server log "
                         r"\(reference (\d{6})\)\.", second)
    assert match, second
    assert at.metric[0].value == "42"
    assert "Binder Error" not in second and "/tmp/" not in second
    # The log has the engine's words and the traceback, under the same reference.
    record = next(r for r in caplog.records if match.group(1) in r.getMessage())
    assert "the monthly volume" in record.getMessage() and record.exc_info[0] is RuntimeError


def _stopping_page():
    import streamlit as st

    from ui.sections import figure

    with figure("the series", stop=True):
        raise ValueError("boom")
    st.metric("Never drawn", "1")


def test_stop_ends_the_page_after_the_sentence():
    at = AppTest.from_function(_stopping_page)
    at.run()
    assert not at.exception and len(at.error) == 1 and not at.metric
