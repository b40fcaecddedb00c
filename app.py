"""The server: Streamlit running the dashboard (``dashboard.py``) plus this project's own routes (the map's data
and assets, ``ecosystem.server``). Run with ``streamlit run app.py``.

Before it serves anyone, the server makes sure the registry store is ready (``python -m ecosystem init``'s work:
seeded, validated, placed in its regions), printing its progress, so no visitor waits for it; a store that cannot
be set up is said in the log and on every page, and the pages still show the data folder's file."""

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st

from ecosystem import server
from ecosystem.initialise import ensure_initialised


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@asynccontextmanager
async def _start_up(_app: st.App) -> AsyncIterator[None]:
    report = await asyncio.to_thread(ensure_initialised, _log)
    _log(report.summary())
    yield


server.enable()
app = st.App("dashboard.py", routes=server.routes(), lifespan=_start_up)
