"""Text from files and users, shown as text: Markdown escaping for every place Streamlit renders Markdown.

Streamlit never renders HTML from ``st.markdown``, captions, alerts or labels (``unsafe_allow_html`` is off and
Stocktake never turns it on), so ``<script>`` and ``<img onerror=…>`` appear as typed. Markdown, though, is rendered in
all of them, widget labels, radio options and metric values included: a column named
``![x](http://elsewhere/pixel.png)`` would make every browser that opens the page fetch that address, and ``**`` or
``:red[…]`` would change what a figure seems to say. So any name or value that came from a file, or that a user typed,
goes through :func:`plain` before it is put into Markdown. Tables (``st.dataframe``), ``st.text``, ``st.code``,
chart labels and the options of select boxes and multiselects need nothing: they never parse Markdown (checked in
Chromium with Streamlit 1.67: a Markdown image in a select box's option is shown as typed), so :func:`plain` there
would show its backslashes. Radio options, metrics (label, value and delta), tabs, expanders, checkboxes, pills,
segmented controls, select sliders and every widget's label, hidden or not, do parse it.
"""

from __future__ import annotations

import re

# The characters that start Markdown or one of Streamlit's extensions: links and images ([ ]), autolinks and HTML
# (< >), emphasis and code (* ` ~), maths ($), colours (:red[…] needs [), entities (&), and the escape itself. A
# backslash before any of them shows the character itself (CommonMark). Commas, quotes, full stops and brackets
# stay as they are, so a message reads the same in the page's source as on screen.
_ALWAYS = re.compile(r"([\\`*\[\]<>$~&])")
# "_" makes emphasis only at the edge of a word ("_x_"), never inside one ("demo_contacts").
_EDGE_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
# At the start of a block, "#", "-", "+", ">", "=" or "1." would make a heading, list or quote.
_BLOCK_START = re.compile(r"^([#+\-=>|]|\d+[.)])")
# GitHub-flavoured Markdown turns bare addresses into links even when escaped, and Streamlit turns "--" into a dash;
# an invisible word joiner (U+2060) inside the marker keeps them as typed and looks the same.
_WORD_JOINER = "\u2060"
# (An email address may still become a mailto: link: it leads nowhere but the reader's own mail program, and keeping
# it free of invisible characters lets people copy it.)
_LINK_MARKERS = {"://": ":" + _WORD_JOINER + "//", "www.": "www" + _WORD_JOINER + ".", "--": "-" + _WORD_JOINER + "-"}


def plain(text: object) -> str:
    """``text`` escaped so Streamlit's Markdown shows it exactly as written, on one line."""
    text = " ".join(str(text).split())
    for marker, broken in _LINK_MARKERS.items():
        text = text.replace(marker, broken)
    text = _ALWAYS.sub(r"\\\1", text)
    text = _EDGE_UNDERSCORE.sub(r"\\_", text)
    return _BLOCK_START.sub(lambda m: "\\" + m.group(0) if len(m.group(0)) == 1 else m.group(0)[:-1] + "\\" +
                            m.group(0)[-1], text)


def plain_lines(text: object) -> str:
    """Like :func:`plain`, keeping the text's line breaks (a note of several lines)."""
    return "  \n".join(plain(line) for line in str(text).splitlines() if line.strip())
