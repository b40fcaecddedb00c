"""How the router stays in charge of the pages in ``pages/``.

Streamlit 1.67 starts an app whose script has a ``pages/`` folder beside it in its legacy multipage mode: the
first run of a server process executes the page file the URL names on its own, without the router (or the
router as a page of that mode), and only ``st.navigation`` switches the mode off — for later runs. No public
setting switches it off (``client.showSidebarNavigation`` only hides its menu), so ``leave_legacy_pages_mode``
uses Streamlit's internal flag, here and nowhere else; ``tests/test_pages.py`` fails loudly when a Streamlit
upgrade changes that mode.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

__all__ = ["leave_legacy_pages_mode"]


def leave_legacy_pages_mode() -> None:
    """In Streamlit's legacy ``pages/`` mode, switch the mode off and run again, before anything is drawn: the
    router then runs and resolves the same URL to the same page (a page's URL path is its file's name).
    Elsewhere, nothing."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
