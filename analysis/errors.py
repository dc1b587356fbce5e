"""The one exception type for problems a user can cause.

Pages show its message with ``st.error`` and the CLI prints it on one line and exits 2, so the message must read as
a sentence a service manager understands: name the file, column or row, say what is wrong and what to do.
"""

import errno


class StocktakeError(Exception):
    """A problem with the user's input or request, with a message fit to show them as it is."""


# A full disk is not a fault of Stocktake's nor of the file: it has its own sentence wherever it happens. Every change
# commits with its audit record in one transaction (analysis.store.committed_with), so "nothing was changed" is true.
DISK_FULL = ("The server's disk is full, so nothing was changed and nothing was recorded. Ask whoever runs Stocktake "
             "to free space on the server (or give it a bigger disk), then try again.")
# Two people changing the same thing at the same moment: DuckDB lets the first commit and refuses the second.
CONFLICT = ("Someone else changed the same thing at the same moment, so this change was not made (nothing was "
            "changed). Look at the page again, then try once more.")


def is_disk_full(exc: BaseException) -> bool:
    """Whether a failure is the disk (or the user's quota) being full: an OSError with ENOSPC/EDQUOT, or DuckDB's
    message for it ("No space left on device")."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return True
    text = str(exc).lower()
    return "no space left on device" in text or "disk quota exceeded" in text


def is_conflict(exc: BaseException) -> bool:
    """Whether a failure is DuckDB refusing a write that clashed with another session's (a write-write conflict)."""
    text = str(exc).lower()
    return "conflict" in text and ("write-write" in text or "transaction" in text)


def known_failure(exc: BaseException) -> "StocktakeError | None":
    """The sentence for a failure that has one of its own (a full disk, a clash with another change), else None."""
    if is_disk_full(exc):
        return StocktakeError(DISK_FULL)
    if is_conflict(exc):
        return StocktakeError(CONFLICT)
    return None


def unexpected_failure(logger, doing: str) -> StocktakeError:
    """Log the exception being handled (with its traceback) under a short reference, and return the sentence a user
    is shown instead of the engine's text: "Something went wrong <doing>: … (reference 4821)". A full disk and a clash
    with another change are logged the same way but get their own sentences (:func:`known_failure`).

    Call inside an ``except`` block: ``raise unexpected_failure(log, "loading 'calls.csv'") from None``.
    """
    import secrets
    import sys

    reference = 1000 + secrets.randbelow(9000)
    logger.exception("Something went wrong %s (reference %s)", doing, reference)
    known = known_failure(sys.exc_info()[1]) if sys.exc_info()[1] is not None else None
    if known is not None:
        return known
    return StocktakeError(f"Something went wrong {doing}: the details are in the server log (reference {reference}).")
