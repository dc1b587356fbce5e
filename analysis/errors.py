"""The one exception type for problems a user can cause.

Pages show its message with ``st.error`` and the CLI prints it on one line and exits 2, so the message must read as
a sentence a service manager understands: name the file, column or row, say what is wrong and what to do.
"""


class StocktakeError(Exception):
    """A problem with the user's input or request, with a message fit to show them as it is."""


def unexpected_failure(logger, doing: str) -> StocktakeError:
    """Log the exception being handled (with its traceback) under a short reference, and return the sentence a user
    is shown instead of the engine's text: "Something went wrong <doing>: … (reference 4821)".

    Call inside an ``except`` block: ``raise unexpected_failure(log, "loading 'calls.csv'") from None``.
    """
    import secrets

    reference = 1000 + secrets.randbelow(9000)
    logger.exception("Something went wrong %s (reference %s)", doing, reference)
    return StocktakeError(f"Something went wrong {doing}: the details are in the server log (reference {reference}).")
