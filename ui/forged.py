"""Editor actions asked for from a session that is not an editor's: recorded as refused.

A viewer's browser is never shown an editor's controls, so an editor's action arriving from a viewer's session was
forged (a hand-made WebSocket message). Streamlit drops it, since the control is not drawn; :func:`record_forged`
(called by ``app.py`` on every run) records it in the audit trail as refused first, so the attempt is seen. A control
only editors are shown goes in :data:`EDITOR_CONTROLS`.
"""

from __future__ import annotations

from typing import Any

import duckdb

from analysis.governance import audit
from analysis.governance.access import User
from ui import actions

# The controls only editors are shown, by widget key, and the change each asks for. A key ending in "*" stands for the
# keys made from it (one per file or dataset). A new editor-only control belongs here, so a forged use is recorded.
EDITOR_CONTROLS = {
    "data_load": audit.LOAD, "data_load_anyway": audit.LOAD, "data_upload_*": audit.LOAD,
    "data_delete": audit.DELETE, "data_save_roles": audit.ROLES,
    "dm_cls_save": audit.CLASSIFICATION, "dm_cls_apply": audit.CLASSIFICATION, "dm_cls_upload": audit.CLASSIFICATION,
    "pf_t_save": audit.TARGET, "pf_tr_save": audit.TRAJECTORY, "pf_tr_clear": audit.TRAJECTORY_CLEARED,
    "pf_iv_add": audit.INTERVENTION_ADDED, "pf_iv_delete": audit.INTERVENTION_DELETED,
    "lookup_*": audit.LOOKUP_CHOSEN,
    # What works: a done action made a change, a change recorded or edited, practice cards imported.
    "ws_change_*": audit.INTERVENTION_ADDED, "FormSubmitter:ww_record-*": audit.INTERVENTION_ADDED,
    "FormSubmitter:ww_edit_*": audit.CHANGE_EDITED, "dt_cards_import": audit.CARDS_IMPORTED,
}


def _editor_action(key: str) -> str | None:
    if key in EDITOR_CONTROLS:
        return EDITOR_CONTROLS[key]
    return next((action for pattern, action in EDITOR_CONTROLS.items()
                 if pattern.endswith("*") and key.startswith(pattern[:-1])), None)


def _used(state: Any) -> bool:
    """Whether an incoming widget state asks for something: a button's click, or any value of another control."""
    which = getattr(state, "WhichOneof", None)
    if which is not None:  # the WidgetState message as the browser sent it
        kind = which("value")
        return bool(state.trigger_value) if kind == "trigger_value" else kind is not None
    return bool(getattr(state, "value", None))


def forged_controls() -> list[tuple[str, str]]:
    """(key, action) of each editor-only control that this run's incoming widget states use.

    Streamlit 1.67 keeps the states the browser sent for this run in the session state's ``_new_widget_state``
    (no public view of states for widgets the script has not drawn); a widget's id ends with its key."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
    from streamlit.runtime.state.common import user_key_from_element_id

    ctx = get_script_run_ctx()
    try:
        states = dict(ctx.session_state._state._new_widget_state.states)  # noqa: SLF001 - see the docstring
    except AttributeError:
        return []
    found = []
    for widget_id, state in states.items():
        key = user_key_from_element_id(widget_id) if widget_id.startswith("$$ID") else None
        action = _editor_action(key) if key and key != "None" else None
        if action is not None and _used(state):
            found.append((key, action))
    return found


def record_forged(con: duckdb.DuckDBPyConnection, user: User) -> int:
    """Record, as refused, every editor action this run's request asks for from someone who is not an editor.

    Called on every run for signed-in people who are not editors: their browser never draws those controls, so such a
    request was made by hand. Streamlit then ignores it (the control is not drawn); the trail keeps the attempt.
    A visitor who has not signed in is not recorded (they see only the sign-in button, and could fill the trail)."""
    if user.is_editor or not user.signed_in:
        return 0
    forged = forged_controls()
    for key, action in forged:
        words = actions.REFUSAL_WORDS.get(action, "make this change")
        actions.record(con, user, action, None, None,
                f"Refused: a forged request to {words} (the '{key}' control, which this viewer is not shown)",
                outcome=audit.REFUSED)
    return len(forged)
