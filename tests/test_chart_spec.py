"""analysis.charts.spec: the one way a chart becomes Vega-Lite, with no process-wide switch left behind.

Altair's data transformer and the shared class table are set only inside ``make_spec``; outside it Altair behaves as
shipped (a 6,000-row chart refused by its own transformer, ``_FromDict`` untouched). Every builder gives the same
spec with the class table shared and as shipped; the shared table is used only with the Altair versions it was
checked on; and a saved view gives the same spec from the CLI (no Streamlit imported) as from the app.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import altair as alt
import pandas as pd
import pytest
from altair.utils import schemapi

from analysis.charts import demand as charts
from analysis.charts import spec as chart_spec
from analysis.charts.spec import make_spec, rows_spec, shared_class_table
from analysis.demand import figures
from analysis.filters import Filters
from tests.chart_cases import builder_cases, builders
from tests.conftest import REPO_ROOT
from tests.demand_store import con, ds  # noqa: F401 (fixtures)


@pytest.fixture(scope="module")
def cases(demo_store_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("spec") / "demo.duckdb"
    path.write_bytes(demo_store_template.read_bytes())
    return builder_cases(path)


def test_the_spec_carries_the_charts_data_as_arrow_and_gives_it_back_as_rows(con, ds):
    volume = figures.volume_over_time(con, ds, Filters(), "month", split="channel")
    spec = make_spec(charts.build_volume_chart, volume, "Month", "Channel")
    validated = charts.build_volume_chart(volume, "Month", "Channel").to_dict()
    assert set(spec) == set(validated)
    assert len(spec["layer"]) == len(validated["layer"]) == 2
    assert all(not isinstance(rows, list) for rows in spec["datasets"].values())  # Arrow tables, not rows
    # The same rows as Altair's own (under other names: a digest of the Arrow data, not of Altair's JSON).
    assert sorted(map(str, rows_spec(spec)["datasets"].values())) == sorted(map(str, validated["datasets"].values()))
    bars = next(pd.DataFrame(r) for r in rows_spec(spec)["datasets"].values() if "split" in r[0])
    assert bars.loc[bars["label"] == "Mar 2024", "count"].sum() == 4


def test_a_frame_goes_to_arrow_as_altair_would_write_it():
    frame = pd.DataFrame({"period": pd.to_datetime(["2024-01-01", None, "2024-03-01 10:30"], format="ISO8601"),
                          "value": [1.5, float("nan"), float("inf")], "group": pd.Categorical(["a", None, "b"]),
                          "count": [1, 2, 3]}, index=[7, 8, 9])
    chart = alt.Chart(frame).mark_point().encode(x="period:T", y="value:Q", color="group:N")
    (rows,) = rows_spec(make_spec(lambda: chart))["datasets"].values()
    assert rows == [{"period": "2024-01-01T00:00:00", "value": 1.5, "group": "a", "count": 1},
                    {"period": "", "value": None, "group": None, "count": 2},
                    {"period": "2024-03-01T10:30:00", "value": None, "group": "b", "count": 3}]
    assert rows == next(iter(chart.to_dict()["datasets"].values()))


def test_nothing_is_switched_for_the_process():
    frame = pd.DataFrame({"x": range(6000)})
    shipped_init = schemapi._FromDict.__init__
    spec = make_spec(lambda: alt.Chart(frame).mark_tick().encode(x="x:Q"))
    assert len(next(iter(rows_spec(spec)["datasets"].values()))) == 6000  # no row limit inside make_spec
    assert alt.data_transformers.active == "default"
    assert schemapi._FromDict.__init__ is shipped_init
    with pytest.raises(alt.MaxRowsError):  # outside it, Altair's own transformer, as shipped
        alt.Chart(frame).mark_tick().encode(x="x:Q").to_dict()


def test_a_builder_returning_rows_keeps_them_as_rows():
    from analysis.charts import savings

    waterfall = pd.DataFrame({"label": ["Baseline cost", "Failure demand removed", "Scenario cost"],
                              "start": [0.0, 100_000.0, 0.0], "end": [100_000.0, 80_000.0, 80_000.0],
                              "amount": [100_000.0, -20_000.0, 80_000.0], "kind": ["total", "lever", "total"]})
    made = savings.waterfall_spec(waterfall)
    assert make_spec(savings.waterfall_spec, waterfall)["datasets"] == made["datasets"]


@pytest.mark.parametrize("name", sorted(builders()))
def test_every_builder_gives_the_same_spec_with_the_class_table_shared_and_as_shipped(cases, name, monkeypatch):
    shared = make_spec(cases[name])
    monkeypatch.setattr(chart_spec, "class_table_applies", lambda version=None: False)
    shipped = make_spec(cases[name])
    assert json.dumps(rows_spec(shared), sort_keys=True, default=str) == \
        json.dumps(rows_spec(shipped), sort_keys=True, default=str)


def test_the_class_table_is_shared_only_with_the_altair_it_was_checked_on(monkeypatch):
    assert chart_spec.class_table_applies("6.3.0") and not chart_spec.class_table_applies("6.4.0")
    assert not chart_spec.class_table_applies("7.0.0")
    shipped_init = schemapi._FromDict.__init__
    monkeypatch.setattr(alt, "__version__", "7.0.0")
    with shared_class_table() as used:
        assert used is False and schemapi._FromDict.__init__ is shipped_init
    monkeypatch.setattr(alt, "__version__", "6.3.0")
    with shared_class_table() as used:
        assert used is True and schemapi._FromDict.__init__ is not shipped_init
    assert schemapi._FromDict.__init__ is shipped_init


def test_the_shared_table_is_built_once_per_set_of_classes(monkeypatch):
    hashed = []
    real_hash = schemapi._FromDict.hash_schema.__func__
    monkeypatch.setattr(schemapi._FromDict, "hash_schema",
                        classmethod(lambda cls, schema, use_json=True: hashed.append(1) or real_hash(cls, schema,
                                                                                                  use_json)))
    frame = pd.DataFrame({"period": pd.date_range("2024-01-01", periods=3, freq="MS"), "count": [3, 5, 4],
                          "incomplete": [False, False, True]})

    def chart():
        # Encodings as text and conditions: each goes through Altair's _FromDict.
        return alt.Chart(frame).mark_bar().encode(
            x="period:T", y="count:Q", opacity=alt.condition(alt.datum.incomplete, alt.value(0.35), alt.value(1.0)))

    make_spec(chart)  # the table may be built here, once
    hashed.clear()
    shared = make_spec(chart)
    shared_hashes = len(hashed)
    monkeypatch.setattr(chart_spec, "class_table_applies", lambda version=None: False)
    hashed.clear()
    assert make_spec(chart) == shared
    classes = sum(1 for c in schemapi.SchemaBase._default_wrapper_classes() if c._schema is not None)
    assert len(hashed) > 2 * classes  # as shipped: every class hashed again for each encoding (three here)
    assert shared_hashes < classes  # shared: only the encodings' own schemas


def test_charts_made_at_once_on_several_threads_come_out_as_alone(cases):
    names = sorted(builders())[:8]
    alone = {name: json.dumps(rows_spec(make_spec(cases[name])), sort_keys=True, default=str) for name in names}
    together: dict[str, str] = {}

    def make(name):
        together[name] = json.dumps(rows_spec(make_spec(cases[name])), sort_keys=True, default=str)

    threads = [threading.Thread(target=make, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert together == alone


CLI_SPEC = """
import json, sys
from analysis import explore, registry, store
from analysis.charts.spec import rows_spec
from analysis.workshop.sessions import View
con = store.open_store(sys.argv[1], read_only=True)
drawn = explore.draw_saved(registry.Context(con), View(sys.argv[2], sys.argv[3], {}, json.loads(sys.argv[4])))
assert "streamlit" not in sys.modules and "ui.charts" not in sys.modules
print(json.dumps(rows_spec(drawn.spec), sort_keys=True, default=str))
"""


@pytest.mark.parametrize("page,figure,state", [
    ("demand-drivers", "volume", {"dataset": "demo_contacts", "dm_grain": "day"}),  # 1,300 days: over 5,000 rows
    ("performance-trends", "small_multiples", {"dataset": "demo_contacts", "pf_grain": "week"}),
    ("savings-scenarios", "waterfall", {"dataset": "demo_contacts"}),
])
def test_a_saved_view_gives_the_same_spec_from_the_cli_as_from_the_app(demo_store, page, figure, state):
    from analysis import explore
    from analysis.workshop.sessions import View
    from ui.figures import AppContext

    # The CLI first: the app's connection (opened next, for writing) would lock the file.
    cli = subprocess.run([sys.executable, "-c", CLI_SPEC, str(demo_store), page, figure, json.dumps(state)],
                         cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stderr
    from ui.connection import get_connection

    # The app's way: its context and connection, its Arrow bytes for Streamlit, read back as rows (as an image
    # export does).
    app = explore.draw_saved(AppContext(get_connection()), View(page, figure, {}, state))
    assert all(isinstance(rows, bytes) for rows in app.spec["datasets"].values())
    assert json.dumps(rows_spec(app.spec), sort_keys=True, default=str) == cli.stdout.strip()
