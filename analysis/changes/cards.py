"""Practice cards: one change, exported as a single self-contained HTML file that a person reads (the change, where
and when, the chart, the effect and its evidence) with its machine-readable JSON inside, checked on the way out and
on the way in.

The JSON follows ``card.schema.json`` beside this module (version :data:`VERSION`; the README's "Practice cards"
says what each field means). It holds aggregates only: a figure's value per period, its mean, limits and effect,
never a record, an id or free text from the data. Every value of a count under 10 (and of a figure worked out from
fewer than 10 records) is suppressed, as official statistics do: null, with ``suppressed`` true, and the chart in the
HTML is drawn from the suppressed series. :func:`check` is run on export and on import: the schema (which allows no
other field), then the rules a schema cannot say (no count under 10, one value per period, periods in order); a card
that fails is refused with a sentence saying why.
"""

from __future__ import annotations

import html
import json
import math
import re
from datetime import date
from functools import lru_cache
from pathlib import Path

import jsonschema
import pandas as pd

from analysis.changes import effect as fx
from analysis.changes import measure, records, targets
from analysis.changes.declared import build_change_chart
from analysis.changes.vocabulary import ORGANISATION_TYPES
from analysis.charts.spec import make_spec, rows_spec
from analysis.errors import StocktakeError
from analysis.formatting import format_money
from analysis.registry import Context
from analysis.spc import xmr
from analysis.workshop.chart_export import inline_svg

SCHEMA_NAME, VERSION = "stocktake-practice-card", 1
SCRIPT_ID = "stocktake-practice-card"
SUPPRESS_UNDER = 10
SIZE_BANDS = ((10_000, "under 10,000"), (50_000, "10,000 to 50,000"), (100_000, "50,000 to 100,000"),
              (250_000, "100,000 to 250,000"), (500_000, "250,000 to 500,000"), (math.inf, "500,000 or more"))
# Keys that only record-level data would carry: named in the refusal, so the sender knows what to take out.
RECORD_WORDS = re.compile(r"^(records?|rows?|ids?|record_id|customer(_id)?|reference|uprn|nhs_number|name|address|"
                          r"postcode|email|phone|free_text|comments?)$", re.I)
_SCRIPT = re.compile(r'<script[^>]*\bid="' + SCRIPT_ID + r'"[^>]*>(.*?)</script>', re.S | re.I)


class CardError(StocktakeError):
    """A file that is not a practice card, or a card that fails the checks."""


@lru_cache(maxsize=1)
def schema() -> dict:
    return json.loads((Path(__file__).with_name("card.schema.json")).read_text(encoding="utf-8"))


def _number(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else round(float(value), 6)


def size_band(contacts_a_year: float | None) -> str:
    if contacts_a_year is None or math.isnan(contacts_a_year):
        return "not stated"
    return next(f"{label} contacts a year" for upper, label in SIZE_BANDS if contacts_a_year < upper)


def _dataset_size(ctx: Context, dataset_name: str) -> str:
    """The band of the dataset's contacts in its latest 12 complete months (records only)."""
    try:
        ds = ctx.dataset(dataset_name)
        if ds.kind != "records":
            return "not stated"
        series = ctx.shared(targets.by_service, ds, targets.CONTACTS, None)[targets.ALL]
    except StocktakeError:
        return "not stated"
    return size_band(float(series["value"].tail(12).sum())) if len(series) >= 12 else "not stated"


def _series(m: measure.Measured) -> list[dict]:
    frame = m.series if "n" in m.series else m.series.assign(n=None)
    cut = fx.split(pd.DatetimeIndex(frame["period"]), m.change.start, m.change.end, m.figure.grain)
    segment = {**{i: "before" for i in cut.before}, **{i: "rollout" for i in cut.rollout},
               **{i: "after" for i in cut.after}}
    out = []
    for i, (period, value, n) in enumerate(zip(frame["period"], frame["value"], frame["n"])):
        small = (m.figure.is_count and value < SUPPRESS_UNDER) or (
            not m.figure.is_count and n is not None and not pd.isna(n) and n < SUPPRESS_UNDER)
        out.append({"period": f"{pd.Timestamp(period):%Y-%m-%d}", "segment": segment[i],
                    "value": None if small else _number(value), "suppressed": bool(small)})
    return out


def figure_payload(m: measure.Measured) -> dict:
    """One figure of the card. Secondary suppression: a segment with a suppressed month gives no mean, limits or
    effect either (its exact mean and the months shown would give the suppressed count back by subtraction)."""
    e = m.effect
    series = _series(m)
    hidden = {p["segment"] for p in series if p["suppressed"]}
    before = "before" not in hidden
    has_after = e.points_after > 0 and e.verdict != fx.NO_BASELINE and before and "after" not in hidden
    return {
        "key": m.target.figure, "label": m.figure.label, "definition": m.figure.definition, "unit": m.figure.unit,
        "grain": m.figure.grain, "wanted": m.target.wanted, "series": series,
        "effect": {"verdict": e.verdict, "evidence": e.sentence(), "points_before": e.points_before,
                   "points_after": e.points_after, "before_mean": _number(e.before_mean) if before else None,
                   "before_lower_limit": _number(e.before_lpl) if before else None,
                   "before_upper_limit": _number(e.before_upl) if before else None,
                   "after_mean": _number(e.after_mean) if has_after else None,
                   "effect": _number(e.effect) if has_after else None,
                   "share": _number(e.share) if has_after else None,
                   "contacts_a_year": _number(m.contacts_a_year) if has_after else None,
                   "pounds_a_year": _number(m.pounds_a_year) if has_after else None}}


def build_payload(ctx: Context, change_id: int, organisation_type: str = "not stated",
                  today: date | None = None) -> dict:
    """The card's JSON for a recorded change: every figure it targets that could be measured."""
    if organisation_type not in ORGANISATION_TYPES:
        raise CardError(f"'{organisation_type}' is not a type of organisation a card knows: use one of "
                        + ", ".join(ORGANISATION_TYPES) + ".")
    change = records.get_change(ctx.con, change_id)
    measured = [m for m in measure.measure_change(ctx, change) if m.effect is not None]
    if not measured:
        raise CardError(f"'{change.title}' has no figure that can be measured yet, so there is nothing to share: "
                        "choose what it was meant to move on the What works page.")
    payload = {"schema": SCHEMA_NAME, "version": VERSION, "exported_on": f"{today or date.today():%Y-%m-%d}",
               "organisation": {"type": organisation_type, "size_band": _dataset_size(ctx, change.dataset)},
               "change": {"title": change.title, "start": f"{change.start:%Y-%m-%d}",
                          "end": f"{change.end:%Y-%m-%d}" if change.end else None, "service": change.service,
                          "area": change.area, "description": change.description},
               "figures": [figure_payload(m) for m in measured]}
    check(payload)
    return payload


def check(payload) -> dict:
    """The payload if it is a card that may be shared, else a CardError with the sentence to show."""
    if not isinstance(payload, dict) or payload.get("schema") != SCHEMA_NAME:
        raise CardError("This is not a Stocktake practice card (its data do not say 'stocktake-practice-card').")
    if payload.get("version") != VERSION:
        raise CardError(f"This card is version {payload.get('version')}; this Stocktake reads version {VERSION}. "
                        "Ask for a card exported by the same version.")
    found = _record_keys(payload)
    if found:
        raise CardError(f"This card holds record-level data ('{found}'): a practice card carries aggregates only "
                        "(one value per period), so it was refused.")
    validator = jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(payload), key=lambda e: [str(p) for p in e.path])
    if errors:
        where = "/".join(str(p) for p in errors[0].path) or "the card"
        raise CardError(f"This card does not follow the practice card's schema at {where}: {errors[0].message}.")
    for figure in payload["figures"]:
        periods = [p["period"] for p in figure["series"]]
        if len(set(periods)) < len(periods) or periods != sorted(periods):
            raise CardError(f"The series of '{figure['label']}' has more than one value for a period, or is out of "
                            "order: a card holds one aggregate per period, so it was refused.")
        small = [p["period"] for p in figure["series"] if figure["unit"] == "count" and p["value"] is not None
                 and p["value"] < SUPPRESS_UNDER]
        if small:
            raise CardError(f"The series of '{figure['label']}' holds a count under {SUPPRESS_UNDER} ({small[0]}): "
                            "counts that small must be suppressed, so it was refused.")
    return payload


def _record_keys(value) -> str | None:
    if isinstance(value, dict):
        for key, inner in value.items():
            if RECORD_WORDS.match(str(key)):
                return str(key)
            found = _record_keys(inner)
            if found:
                return found
    elif isinstance(value, list):
        for inner in value:
            found = _record_keys(inner)
            if found:
                return found
    return None


def figure_frame(figure: dict) -> pd.DataFrame:
    """A card figure's series as a frame (period, value: NaN where suppressed, segment)."""
    return pd.DataFrame({"period": pd.to_datetime([p["period"] for p in figure["series"]]),
                         "value": [float("nan") if p["value"] is None else p["value"] for p in figure["series"]],
                         "segment": [p["segment"] for p in figure["series"]]})


def _chart_svg(payload: dict, figure: dict, position: int) -> str:
    frame = figure_frame(figure)
    rebase = [frame["period"][frame["segment"] == s].min() for s in ("rollout", "after")
              if (frame["segment"] == s).any()]
    chart = xmr.xmr(frame["value"].to_numpy(), dates=pd.DatetimeIndex(frame["period"]),
                    improvement=figure["wanted"], rebase_at=rebase, lower_bound=0.0 if figure["unit"] == "count"
                    else None)
    c = payload["change"]
    change = records.Change(0, "", c["title"], pd.Timestamp(c["start"]).date(),
                            pd.Timestamp(c["end"]).date() if c["end"] else None, c["service"], c["area"])
    shown = targets.TargetFigure(figure["key"], figure["label"], figure["unit"], "neutral", figure["definition"],
                                 figure["grain"])
    m = measure.Measured(change, records.Target(figure["key"], figure["wanted"]), shown, None, frame)
    spec = make_spec(build_change_chart, m, chart)
    return inline_svg(rows_spec(spec), id_prefix=f"c{position}-")


def _words(figure: dict) -> str:
    e, unit = figure["effect"], figure["unit"]
    parts = [f"<p class='verdict'>{html.escape(fx.VERDICT_LABELS[e['verdict']])}: {html.escape(e['evidence'])}.</p>"]
    if e["before_mean"] is not None:
        parts.append(f"<p>Before: mean {targets.format_value(e['before_mean'], unit)} a "
                     f"{fx.period_noun(figure['grain'], 1)}, process limits "
                     f"{targets.format_value(e['before_lower_limit'], unit)} to "
                     f"{targets.format_value(e['before_upper_limit'], unit)} ({e['points_before']} points).</p>")
    if e["after_mean"] is not None:
        share = "" if e["share"] is None else f" ({e['share']:+.1%})"
        sign = "-" if e["effect"] < 0 else "+"
        parts.append(f"<p>After: mean {targets.format_value(e['after_mean'], unit)} ({e['points_after']} points): "
                     f"an effect of {sign}{targets.format_value(abs(e['effect']), unit)}{share}.</p>")
    if e["contacts_a_year"] is not None:
        money = "" if e["pounds_a_year"] is None else (
            f", {'-' if e['pounds_a_year'] < 0 else '+'}{format_money(abs(e['pounds_a_year']))} a year")
        parts.append(f"<p>That is {e['contacts_a_year']:+,.0f} contacts a year{money}.</p>")
    return "".join(parts)


STYLE = """body{font-family:system-ui,-apple-system,'Segoe UI',Arial,sans-serif;max-width:960px;margin:2em auto;
padding:0 1em;color:#1b1b1b;line-height:1.45}h1{font-size:1.7em;margin-bottom:.2em}.meta{color:#555}
.figure{border-top:1px solid #ccc;margin-top:1.5em;padding-top:1em}.figure svg{width:100%;height:auto}
.verdict{font-weight:600}.small{color:#555;font-size:.9em}"""


def render_html(payload: dict) -> str:
    """The card as one HTML file: readable with no network, its JSON inside."""
    check(payload)
    c, org = payload["change"], payload["organisation"]
    when = f"{pd.Timestamp(c['start']):%-d %B %Y}" + (f" to {pd.Timestamp(c['end']):%-d %B %Y}" if c["end"] else "")
    body = [f"<h1>{html.escape(c['title'])}</h1>",
            f"<p class='meta'>{html.escape(c['service'] or 'Every service')}, {html.escape(c['area'] or 'every area')}"
            f"; {when}. From a {html.escape(org['type'])} ({html.escape(org['size_band'])}).</p>"]
    if c["description"]:
        body.append(f"<p>{html.escape(c['description'])}</p>")
    for position, figure in enumerate(payload["figures"], start=1):
        body.append(f"<div class='figure'><h2>{html.escape(figure['label'])}, meant to "
                    f"{'fall' if figure['wanted'] == 'decrease' else 'rise'}</h2>{_chart_svg(payload, figure, position)}"
                    f"{_words(figure)}<p class='small'>{html.escape(figure['definition'])}</p></div>")
    body.append(f"<p class='small'>Measured the Making Data Count way: the months after the change against the months "
                f"before, with the SPC rules (a run of {fx.SHIFT_POINTS} on one side of the old mean, or points outside "
                f"the old limits). Aggregates only; counts under {SUPPRESS_UNDER} are suppressed. Exported "
                f"{pd.Timestamp(payload['exported_on']):%-d %B %Y} by Stocktake; practice card schema version "
                f"{VERSION}.</p>")
    data = json.dumps(payload, ensure_ascii=False, indent=1).replace("</", "<\\/")
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Practice card: "
            f"{html.escape(c['title'])}</title><style>{STYLE}</style></head><body>{''.join(body)}"
            f"<script type='application/json' id='{SCRIPT_ID}'>{data}</script></body></html>")


def read_card(text: str, name: str = "the file") -> dict:
    """The checked JSON of a card's HTML (or of the JSON alone), or a CardError saying why it is refused."""
    found = _SCRIPT.search(text.replace("id='" + SCRIPT_ID + "'", f'id="{SCRIPT_ID}"'))
    raw = found.group(1) if found else text.strip()
    try:
        payload = json.loads(raw)
    except ValueError:
        raise CardError(f"{name} is not a practice card: it holds no card data (exported from Stocktake's What "
                        "works page, or 'python -m analysis cards export').") from None
    return check(payload)
