"""The web server Stocktake runs in: Streamlit's own app (``app.py``) with Stocktake's gate in front of every route.

``./run.sh`` starts it through ``ui.launch`` (``streamlit run serve.py``): Streamlit 1.67 sees the ``App`` below and
serves it with its own uvicorn runner and every ``--server.*`` option, exactly as it serves ``app.py`` alone, plus the
middleware, which runs before Streamlit's routes (``ui.gate``: nothing but the sign-in screen for someone who is not
signed in, uploads only from editors, sign-out that ends every session), then uploads written to disk as they arrive
(``ui.upload_stream``: Streamlit would hold each in memory). At start-up the private upload folder is
emptied (``analysis.load.uploads``), the sign-outs are read from the store, and the pages' modules are imported in
the background (``ui.warm_up``). The page shell asks for the chart's scripts with the page (``ui.preload``).
"""

from contextlib import asynccontextmanager
from pathlib import Path

from starlette.middleware import Middleware
from streamlit.starlette import App

from ui.gate import SignInGate
from ui.preload import PreloadCharts
from ui.startup import start_up
from ui.upload_stream import StreamUploadsToDisk
from ui.warm_up import start_warm_up


@asynccontextmanager
async def lifespan(_app):
    start_up()
    start_warm_up()  # the pages' imports, so that the first visitor after a start does not wait for them
    yield


app = App(str(Path(__file__).resolve().parent / "app.py"),
          middleware=[Middleware(SignInGate), Middleware(StreamUploadsToDisk),
                      Middleware(PreloadCharts)], lifespan=lifespan)
