"""Text from files and users, shown as text: Markdown escaping for every place Streamlit renders Markdown.

Streamlit never renders HTML from ``st.markdown``, captions, alerts or labels (``unsafe_allow_html`` is off and
Stocktake never turns it on), so ``<script>`` and ``<img onerror=…>`` appear as typed. Markdown, though, is rendered in
all of them, labels and radio options included: a column named ``![x](http://elsewhere/pixel.png)`` would make every
browser that opens the page fetch that address, and ``**`` or ``:red[…]`` would change what a figure seems to say.
So any name or value that came from a file, or that a user typed, goes through :func:`plain` before it is put into
Markdown. Tables (``st.dataframe``), ``st.text``, ``st.code`` and chart labels need nothing: they never parse Markdown.
"""

from __future__ import annotations

import string

# CommonMark lets a backslash escape any ASCII punctuation and shows the character itself; Streamlit's extensions
# (":red[…]", ":material/icon:", "$maths$") are all made of punctuation too, so escaping every one of them is the
# rule that cannot miss a case.
_ESCAPES = {ord(ch): "\\" + ch for ch in string.punctuation}
# GitHub-flavoured Markdown turns bare addresses into links even when escaped, and Streamlit turns "--" into a dash;
# an invisible word joiner (U+2060) inside the marker keeps them as typed and looks the same.
_WORD_JOINER = "\u2060"
_LINK_MARKERS = {"://": ":" + _WORD_JOINER + "//", "www.": "www" + _WORD_JOINER + ".", "@": "@" + _WORD_JOINER,
                 "--": "-" + _WORD_JOINER + "-"}


def plain(text: object) -> str:
    """``text`` escaped so Streamlit's Markdown shows it exactly as written, on one line."""
    text = " ".join(str(text).split())
    for marker, broken in _LINK_MARKERS.items():
        text = text.replace(marker, broken)
    return text.translate(_ESCAPES)
