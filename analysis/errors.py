"""The one exception type for problems a user can cause.

Pages show its message with ``st.error`` and the CLI prints it on one line and exits 2, so the message must read as
a sentence a service manager understands: name the file, column or row, say what is wrong and what to do.
"""


class StocktakeError(Exception):
    """A problem with the user's input or request, with a message fit to show them as it is."""
