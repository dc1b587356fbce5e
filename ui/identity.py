"""Who is making a change, for the audit trail of workshop changes (sessions, notes, actions).

Without sign-in every change is made by the one person at the keyboard, recorded as "local user".
"""

from __future__ import annotations

from analysis.audit import LOCAL_USER


def current_user() -> str:
    """The name recorded against a change made in this browser session."""
    return LOCAL_USER
