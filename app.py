"""The server: Streamlit running the dashboard (``dashboard.py``) plus this project's own routes (the map's data
and assets, ``ecosystem.server``). Run with ``streamlit run app.py``.

Before it serves anyone, the server turns Nagle's algorithm off on its listening socket (``ecosystem.tcp``:
Streamlit leaves it on, and every answer on a kept-alive connection waited 40 ms) and makes sure the registry store
is ready (``python -m ecosystem init``'s work: seeded, validated, placed in its regions), printing its progress, so
no visitor waits for it; a store that cannot be set up is said in the log and on every page, and the pages still
show the data folder's file. Then, while it already serves, it reads the current registry version and readies a
first page's filters, view and map data (``cache.warm_up``) and imports the export modules, which a first visitor
would otherwise wait for. (Not the pages' modules: streamlit_folium declares its component when first imported,
which only works in a script run.)"""

import asyncio
import importlib
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st

from ecosystem import server, tcp
from ecosystem.initialise import ensure_initialised
from ecosystem.ui import cache


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _warm_up() -> None:
    try:
        importlib.import_module("ecosystem.exports")  # python-pptx and the picture makers, which every page imports
        _log(cache.warm_up())
    except Exception as error:  # noqa: BLE001 - the first page view meets the same problem and says it there
        _log(f"Not readied before the first visit: {error}")


@asynccontextmanager
async def _start_up(_app: st.App) -> AsyncIterator[None]:
    tcp.send_without_delay()  # before the first connection is accepted: every answer leaves at once
    report = await asyncio.to_thread(ensure_initialised, _log)
    _log(report.summary())
    threading.Thread(target=_warm_up, name="warm-up", daemon=True).start()
    yield


server.enable()
app = st.App("dashboard.py", routes=server.routes(), lifespan=_start_up)
