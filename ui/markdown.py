"""Text from users and files shown inside Markdown: escaped, so it reads as typed and never as formatting or links."""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<$:])")


def escape_markdown(text) -> str:
    """``text`` with every character Markdown (or Streamlit's extensions: colours, icons, maths) could act on
    backslash-escaped; line breaks kept."""
    return _SPECIAL.sub(r"\\\1", "" if text is None else str(text))
