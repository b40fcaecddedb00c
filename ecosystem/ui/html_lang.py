"""The page's language for browsers and screen readers: ``<html lang>`` follows the interface language.

Streamlit serves one ``index.html`` for every page, with ``<html lang="en">``, and has no setting for it, so a screen
reader would read a Lithuanian page with English pronunciation, a browser would offer to translate it from English
and hyphenation would follow English rules. ``st.html`` with ``unsafe_allow_javascript`` runs a script in the page
itself (not in an iframe) each time the element's text changes: on a session's first run and whenever the language
does. The element is drawn in the sidebar, under the language menu, so the pages' own layout does not move; the
script runs where the sidebar is hidden too (presentation mode, ``embed=true``). Its only value is one of
``LANGUAGES``, never text a visitor typed.
"""

from __future__ import annotations

import json

import streamlit as st

from ecosystem.i18n import LANGUAGES

__all__ = ["declare_language"]


def declare_language(lang: str) -> None:
    """Set the page's ``<html lang>`` to ``lang``, an interface language (English for anything else)."""
    code = lang if lang in LANGUAGES else "en"
    st.sidebar.html(f"<script>document.documentElement.lang = {json.dumps(code)};</script>",
                    unsafe_allow_javascript=True)
