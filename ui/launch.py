"""Start the app: ``python -m ui.launch [streamlit options]`` is ``streamlit run app.py`` with one fix.

Streamlit decides at server start whether an app is an old-style "pages/ folder" app, and only changes its mind once
a script has called ``st.navigation``. Stocktake keeps its pages in ``pages/`` but routes them with ``st.navigation``
and its own URLs (``/demand-drivers``), so the first visitor after a start who opened a shared link saw "Page not
found" over a page that could not be clicked until the notice was closed. Telling Streamlit up front that the app
does not use the pages-folder scheme removes that. (Streamlit 1.67: ``PagesManager.uses_pages_directory``.)
"""

from __future__ import annotations

import sys
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app.py"


def main(options: list[str]) -> None:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(APP), *options]
    cli.main()


if __name__ == "__main__":
    main(sys.argv[1:])
