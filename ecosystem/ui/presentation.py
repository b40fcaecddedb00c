"""Presentation mode's look: no sidebar or header, large high-contrast type, for projecting on a wall."""

from __future__ import annotations

import streamlit as st

__all__ = ["presentation_mode"]

# Streamlit has no public option to hide the sidebar and header or to size the type of one page, so this CSS names
# Streamlit's own elements by their data-testid — not public API, and the one place in the app that does. Checked for
# the Streamlit minor version requirements.txt pins (tests/test_streamlit_internals.py: each data-testid is still in
# Streamlit's frontend; tests/browser/test_present.py: the page looks as meant). The sidebar's expand button is in
# the header, so it goes with it.
_PRESENTATION_CSS = """<style>
[data-testid="stSidebar"], header {display: none !important;}
html, body, [data-testid="stAppViewContainer"] {font-size: 20px; color: #000; background: #fff;}
h1 {font-size: 3rem !important;} h3 {font-size: 1.6rem !important; color: #000 !important;}
[data-testid="stCaptionContainer"] {font-size: 1rem; color: #222;}
</style>"""


def presentation_mode() -> None:
    """Hide the sidebar and the header and enlarge the type of this page."""
    st.markdown(_PRESENTATION_CSS, unsafe_allow_html=True)
