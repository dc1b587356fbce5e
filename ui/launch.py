"""Start the app: ``python -m ui.launch [streamlit options]`` is ``streamlit run serve.py`` with two fixes.

``serve.py`` is ``app.py`` served by Streamlit's own web server with Stocktake's gate in front of it (``ui.gate``).

Streamlit decides at server start whether an app is an old-style "pages/ folder" app, and only changes its mind once
a script has called ``st.navigation``. Stocktake keeps its pages in ``pages/`` but routes them with ``st.navigation``
and its own URLs (``/demand-drivers``), so the first visitor after a start who opened a shared link saw "Page not
found" over a page that could not be clicked until the notice was closed. Telling Streamlit up front that the app
does not use the pages-folder scheme removes that. (Streamlit 1.67: ``PagesManager.uses_pages_directory``.)

It also stops the web server (uvicorn) from replacing the connection's address with an ``X-Forwarded-For`` header,
which it does by default for connections from 127.0.0.1. Behind a sign-in proxy Stocktake believes the proxy's user
header only from the proxy's own address (``analysis.governance.access``), so that address must be the real one: any process on
the server could otherwise claim to be the proxy. An operator who sets ``FORWARDED_ALLOW_IPS`` keeps their value.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SERVER = Path(__file__).resolve().parent.parent / "serve.py"


def main(options: list[str]) -> None:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False
    os.environ.setdefault("FORWARDED_ALLOW_IPS", "")
    sys.argv = ["streamlit", "run", str(SERVER), *options]
    cli.main()


if __name__ == "__main__":
    main(sys.argv[1:])
