"""The server: Streamlit running the dashboard (``dashboard.py``) plus this project's own routes (the map's data
and assets, ``ecosystem.server``). Run with ``streamlit run app.py``."""

import streamlit as st

from ecosystem import server

server.enable()
app = st.App("dashboard.py", routes=server.routes())
