"""A page's controls' values, read the same way from a page's session state and from a saved view.

A saved view keeps every control's value as JSON (dates as ISO text, lists for multiselects); a page's session state
holds them as the widgets return them (dates, lists, tuples). These helpers read either, and give the page's default
for a control a view does not hold (or holds empty), as the page itself does when a link leaves the control out.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Callable, Mapping


def value(state: Mapping[str, Any], key: str, default=None):
    """A control's value, or ``default`` when the state does not hold it (or holds nothing)."""
    held = state.get(key)
    return default if held is None or held == "" else held


def day(held) -> date | None:
    """A date control's value (a date, or ISO text from a saved view); None when it holds none or no date."""
    if held in (None, ""):
        return None
    if isinstance(held, date):
        return held
    try:
        return date.fromisoformat(str(held)[:10])
    except ValueError:
        return None


def strings(held) -> tuple[str, ...]:
    """A multiselect's values as a tuple of text (one value held on its own counts as one)."""
    if held in (None, ""):
        return ()
    if isinstance(held, (list, tuple)):
        return tuple(str(v) for v in held)
    return (str(held),)


def url_params(state: Mapping[str, Any], labels: Mapping[str, Callable[[Any, Mapping[str, Any]], str | None]]
               ) -> dict[str, list[str]]:
    """The query parameters a page's widgets write for these controls' values, so a view made outside the page (the
    demo's session) or in a test has the link the page would have given. ``labels`` turns a control's value into
    what its widget writes (its label; None: the widget writes nothing, as for a default).

    ``False`` is left out (buttons keep ``False`` in the session's state too, and most checkboxes are off by
    default, so leaving it out opens the same view), unless ``labels`` names the control: a checkbox that is on by
    default writes its ``False``."""
    params: dict[str, list[str]] = {}
    if state.get("dataset"):
        params["dataset"] = [str(state["dataset"])]
    for key, held in state.items():
        if held is None or (held is False and key not in labels) or held in ("", []) or key == "dataset":
            continue
        if key in labels:
            written = labels[key](held, state)
            if written is not None:
                params[key] = [written]
        elif isinstance(held, bool):
            params[key] = [str(held).lower()]
        elif isinstance(held, (list, tuple)):
            params[key] = [str(v) for v in held]
        else:
            params[key] = [str(held)]
    return params
