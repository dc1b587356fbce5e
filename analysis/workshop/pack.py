"""The stocktake pack: one self-contained HTML file that records a session for everyone who was (or was not) there.

Title, day, attendees and the data (each dataset's date range and load time); then each agenda item in order with
its chart (inline SVG drawn by :mod:`analysis.workshop.chart_export`), its filters in words and its reading in a sentence
(drawn from its declaration, as the page draws it: :mod:`analysis.explore`), the notes about it; then every note and the actions table, overdue first.

The file makes no request of its own (no script, font, stylesheet or image by address), so it opens the same on a
laptop with no network and in an email client, and it prints to A4 from a browser: each figure stays on one page.
Built from the Workshop page (a download) and by ``python -m analysis pack --session NAME --out FILE.html``.
"""

from __future__ import annotations

import html
from datetime import date, datetime

import duckdb
import pandas as pd

from analysis import store
from analysis.workshop import notes, actions as session_actions, sessions
from analysis.workshop.chart_export import inline_svg
from analysis.errors import StocktakeError
from analysis.formatting import format_count
from analysis.store import quote_identifier as q
from analysis import explore, registry
from analysis.charts.spec import rows_spec

_STYLE = """
  :root { color: #111; font-family: "Liberation Sans", Arial, Helvetica, sans-serif; }
  body { margin: 24px auto; max-width: 980px; padding: 0 16px; line-height: 1.45; }
  h1 { font-size: 28px; margin: 0 0 4px; }
  h2 { font-size: 21px; margin: 0 0 6px; }
  h3 { font-size: 17px; margin: 18px 0 6px; }
  .meta { color: #333; margin: 2px 0; }
  .label { font-weight: bold; }
  section.item { border-top: 2px solid #005EB8; padding-top: 12px; margin-top: 28px; }
  .figure svg { width: 100%; height: auto; display: block; }
  .filters, .reading, .question { margin: 6px 0; }
  .question { font-size: 17px; border-left: 4px solid #005EB8; padding-left: 8px; }
  .reading { font-size: 17px; }
  .headline { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 8px 0; }
  .headline div { font-size: 14px; color: #333; }
  .headline strong { display: block; font-size: 24px; color: #111; }
  .problem { color: #8a1c00; font-weight: bold; }
  .view { font-family: "Liberation Mono", monospace; font-size: 12px; color: #444; word-break: break-all; }
  /* Fixed layout at the page's width: a long word (a file name, an action typed without spaces) wraps inside its
     cell instead of pushing the table past the right edge of an A4 page. */
  table { border-collapse: collapse; table-layout: fixed; width: 100%; margin: 8px 0; font-size: 14px; }
  th, td { border: 1px solid #999; padding: 4px 8px; text-align: left; vertical-align: top;
           overflow-wrap: anywhere; word-break: break-word; }
  table.actions col.what { width: 38%; } table.actions col.owner { width: 15%; }
  table.actions col.due { width: 14%; } table.actions col.status { width: 12%; }
  table.data col.name { width: 24%; } table.data col.rows { width: 12%; } table.data col.dates { width: 28%; }
  h1, h2, h3, p, li { overflow-wrap: anywhere; }
  th { background: #E8EDEE; }
  tr.overdue td { background: #FDECEA; }
  ul.notes li { margin-bottom: 6px; }
  @page { size: A4; margin: 14mm 12mm; }
  @media print {
    body { margin: 0; max-width: none; padding: 0 1px; }  /* 1 px: a table's outer border stays on the page */
    section.item { break-inside: avoid; page-break-inside: avoid; }
    section.item.first { break-before: auto; }
    tr { break-inside: avoid; }
    h2, h3 { break-after: avoid; }
  }
"""


def _e(text) -> str:
    return html.escape("" if text is None else str(text))


def _long_date(day: date | datetime | None) -> str:
    if day is None or pd.isna(day):
        return "–"
    return f"{pd.Timestamp(day):%-d %B %Y}"


def dataset_span(con: duckdb.DuckDBPyConnection, ds: store.Dataset) -> tuple[date | None, date | None]:
    """The first and last date (or period) a dataset holds."""
    column = ds.roles.get("date") or ds.roles.get("period")
    if not column:
        return None, None
    first, last = store.query_rows(con, f"SELECT min({q(column)}), max({q(column)}) FROM {q(ds.table)}")[0]
    as_day = lambda v: None if v is None else pd.Timestamp(v).date()  # noqa: E731
    return as_day(first), as_day(last)


def _datasets_html(con, names: list[str]) -> str:
    rows = []
    for name in names:
        try:
            ds = store.get_dataset(con, name)
        except StocktakeError:
            rows.append(f"<tr><td>{_e(name)}</td><td colspan='3'>No longer loaded</td></tr>")
            continue
        first, last = dataset_span(con, ds)
        span = f"{_long_date(first)} to {_long_date(last)}" if first else "–"
        rows.append(f"<tr><td>{_e(ds.name)}</td><td>{format_count(ds.row_count)}</td><td>{_e(span)}</td>"
                    f"<td>{_e(f'{ds.loaded_at:%-d %B %Y, %H:%M}' if ds.loaded_at else '–')} "
                    f"from {_e(ds.source_file)}</td></tr>")
    return ("<table class='data'><colgroup><col class='name'><col class='rows'><col class='dates'><col></colgroup>"
            "<thead><tr><th>Dataset</th><th>Rows</th><th>Dates</th><th>Loaded</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def view_html(item: sessions.AgendaItem, public_url: str | None) -> str:
    """"View in Stocktake": a link that works from an email when the app's public address is configured
    (:func:`analysis.settings.public_url`), else where to find the view, in words."""
    link = item.view.link()
    if public_url:
        address = public_url + link
        return f"<p class='view'>View in Stocktake: <a href='{_e(address)}'>{_e(address)}</a></p>"
    page = explore.page_title(item.view.page)
    label = explore.figure_label(item.view.page, item.view.figure)
    return (f"<p class='view'>View in Stocktake: the {_e(page)} page, '{_e(label)}'; this view's address is "
            f"Stocktake's own followed by {_e(link)}</p>")


def _figure_html(ctx: registry.Context, item: sessions.AgendaItem, session: sessions.Session,
                 public_url: str | None = None) -> str:
    label = explore.figure_label(item.view.page, item.view.figure)
    page = explore.page_title(item.view.page)
    parts = [f"<h2>{item.position}. {_e(item.title)}</h2>",
             f"<p class='meta'>{_e(page)}: {_e(label)}</p>"]
    if item.question:
        parts.append(f"<p class='question'><span class='label'>Question for the room:</span> {_e(item.question)}</p>")
    try:
        figure = explore.draw_saved(ctx, item.view, dataset=session.dataset)
        if figure.note:
            raise StocktakeError(figure.note)
    except StocktakeError as exc:
        parts.append(f"<p class='problem'>This figure could not be drawn: {_e(exc)}</p>")
    else:
        parts.append(f"<div class='figure'>{inline_svg(rows_spec(figure.spec), id_prefix=f'f{item.position}-')}"
                     "</div>")
        if figure.headline:
            parts.append("<div class='headline'>" + "".join(
                f"<div>{_e(k)}<strong>{_e(v)}</strong></div>" for k, v in figure.headline) + "</div>")
        parts.append(f"<p class='filters'><span class='label'>Filters:</span> {_e(figure.filters)} "
                     f"({_e(figure.dataset)})</p>")
        parts.append(f"<p class='reading'><span class='label'>Reading:</span> {_e(figure.reading)}</p>")
    parts.append(view_html(item, public_url))
    return "".join(parts)


def _notes_html(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "<p>No notes were taken.</p>"
    items = []
    for row in frame.itertuples():
        about = f" (about {int(row.position)}. {_e(row.figure)})" if isinstance(row.figure, str) else ""
        topic = f" · {_e(row.topic)}" if isinstance(row.topic, str) and row.topic else ""
        items.append(f"<li><span class='label'>{_e(f'{pd.Timestamp(row.written_at):%-d %b %Y, %H:%M}')}"
                     f"{topic}{about}:</span> {_e(row.note)}</li>")
    return "<ul class='notes'>" + "".join(items) + "</ul>"


def _actions_html(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "<p>No actions were agreed.</p>"
    rows = []
    for row in frame.itertuples():
        due = _long_date(row.due) if row.due is not None else "–"
        status = session_actions.STATUS_LABELS.get(row.status, row.status) + (" (overdue)" if row.overdue else "")
        owner = row.owner if isinstance(row.owner, str) and row.owner else "–"
        figure = row.figure if isinstance(row.figure, str) else "–"
        rows.append(f"<tr class='{'overdue' if row.overdue else ''}'><td>{_e(row.what)}</td><td>{_e(owner)}</td>"
                    f"<td>{_e(due)}</td><td>{_e(status)}</td><td>{_e(figure)}</td></tr>")
    return ("<table class='actions'><colgroup><col class='what'><col class='owner'><col class='due'>"
            "<col class='status'><col></colgroup><thead><tr><th>Action</th><th>Owner</th><th>Due</th><th>Status</th><th>Figure</th></tr></thead>"
            "<tbody>" + "".join(rows) + "</tbody></table>")


def build_pack(con: duckdb.DuckDBPyConnection, session_id: int, *, today: date | None = None,
               public_url: str | None = None) -> str:
    """The session's pack as one HTML document (text). Draws every agenda item's chart: seconds, so only on request.
    ``public_url``: the app's address, for links that work from an email (:mod:`analysis.settings`)."""
    session = sessions.get_session(con, session_id)
    items = sessions.agenda(con, session.id)
    session_notes = notes.list_notes(con, session.id)
    actions = session_actions.list_actions(con, session.id, today=today)
    names = list(dict.fromkeys([n for n in [session.dataset, *(i.view.dataset for i in items)] if n]))
    made = datetime.now()
    head = [
        f"<h1>{_e(session.title)}</h1>",
        f"<p class='meta'><span class='label'>Held:</span> {_e(_long_date(session.held_on))}</p>",
        f"<p class='meta'><span class='label'>Attendees:</span> {_e(', '.join(session.attendees) or '–')}</p>",
        f"<p class='meta'><span class='label'>Pack made:</span> {_e(f'{made:%-d %B %Y, %H:%M}')} by Stocktake</p>",
        "<h3>The data</h3>", _datasets_html(con, names) if names else "<p>No dataset.</p>",
        "<h3>Agenda</h3>",
        "<ol>" + "".join(f"<li>{_e(i.title)}</li>" for i in items) + "</ol>" if items else "<p>The agenda is empty.</p>",
    ]
    body = []
    ctx = registry.Context(con)  # one for the pack: figures drawn from the same scan share it
    for item in items:
        about = session_notes[session_notes["item_id"] == item.id]
        section = _figure_html(ctx, item, session, public_url)
        if len(about):
            section += "<h3>Notes on this figure</h3>" + _notes_html(about)
        body.append(f"<section class='item'>{section}</section>")
    tail = ["<section class='item'><h2>Notes</h2>", _notes_html(session_notes), "</section>",
            "<section class='item'><h2>Actions</h2>", _actions_html(actions), "</section>"]
    return ("<!DOCTYPE html>\n<html lang='en-GB'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{_e(session.title)}</title>"
            f"<style>{_STYLE}</style></head><body>" + "".join(head) + "".join(body) + "".join(tail)
            + "</body></html>\n")


def pack_filename(session: sessions.Session) -> str:
    """A file name for the pack: the session's title with characters file systems refuse replaced."""
    safe = "".join("_" if ch in '<>:"/\\|?*' or ord(ch) < 32 else ch for ch in session.title).strip(" .")
    return f"{safe or 'Stocktake session'} - pack.html"
