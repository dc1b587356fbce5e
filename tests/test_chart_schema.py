"""Every chart builder's spec is valid Vega-Lite, checked here once against the schema Altair ships.

The pages draw unvalidated specs (``analysis.charts.spec.make_spec``: validating on every rerun cost a third of a
cached rerun), so this is where a builder that writes an invalid spec is caught. Each builder in ``analysis.charts``
is run on the demo borough's own figures (``tests/chart_cases.py``); a builder added without a case fails
:func:`test_every_builder_has_a_case`. The specs are checked as the pages draw them (made by ``make_spec`` and read
back as rows) and in presentation mode.
"""

from __future__ import annotations

import json
from datetime import date

import altair as alt
import pytest
from altair.utils.schemapi import validate_jsonschema

from analysis.charts.spec import make_spec, rows_spec
from analysis.workshop.presentation import for_presentation
from tests.chart_cases import VARIANTS, builder_cases, builders

SCHEMA = alt.vegalite.v6.schema.core.load_schema()


@pytest.fixture(scope="module")
def cases(demo_store_template, tmp_path_factory):
    """Builder name -> the builder with its inputs from the demo's figures."""
    path = tmp_path_factory.mktemp("schema") / "demo.duckdb"
    path.write_bytes(demo_store_template.read_bytes())
    return builder_cases(path)


def test_every_builder_has_a_case(cases):
    assert builders() == {name.split(" (")[0] for name in cases}, \
        "add a case for each new chart builder to tests/chart_cases.py"


@pytest.mark.parametrize("name", sorted(builders()) + list(VARIANTS))
def test_the_spec_the_pages_draw_is_valid_vega_lite(cases, name):
    spec = rows_spec(make_spec(cases[name]))
    assert spec["title"]["text"], "every chart has a title"
    validate_jsonschema(spec, SCHEMA)  # raises a ValidationError naming the offending part
    validate_jsonschema(for_presentation(spec), SCHEMA)


def _no_nan(value):
    # Altair leaves NaN in a text column's rows (not valid JSON); the drawn spec has null there, as it always had.
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_nan(v) for v in value]
    return None if isinstance(value, float) and value != value else value


def _named_by_content(spec: dict) -> dict:
    """``spec`` with each dataset's name replaced by its rows (names are digests, made differently by Altair and by
    ``make_spec``; what matters is which data each part of the chart draws)."""
    spec = _no_nan(spec)
    text = json.dumps(spec, sort_keys=True, default=str)
    for name, rows in spec.get("datasets", {}).items():
        text = text.replace(json.dumps(name), json.dumps(json.dumps(rows, sort_keys=True, default=str)))
    return json.loads(text)


@pytest.mark.parametrize("name", sorted(n for n in builders() if n.split(".")[1].startswith("build_")))
def test_the_spec_the_pages_draw_is_altairs_own_data_and_all(cases, name):
    # make_spec turns the chart's frames into Arrow itself (not through Altair's rows): every row, type and date
    # must come out as Altair writes it, or the chart would draw differently.
    drawn, altairs = rows_spec(make_spec(cases[name])), cases[name]().to_dict()
    assert drawn["datasets"], "the chart has data"
    assert _named_by_content(drawn) == _named_by_content(altairs)


def test_an_invalid_spec_is_caught():
    # The check above can fail: a mark Vega-Lite does not know is refused.
    with pytest.raises(Exception, match="sparkle|is not one of|is not valid"):
        validate_jsonschema({"mark": "sparkle", "data": {"values": [{"x": date(2024, 1, 1).isoformat()}]}}, SCHEMA)
