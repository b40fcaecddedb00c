"""The file uploader's own words in the interface language.

Streamlit's file uploader writes its button ("Upload"), its limits ("200MB per file • CSV") and its drop hint
("Drag and drop a file here") in English, with no setting for them. A style sheet scoped to one uploader (its
``st-key-…`` class) hides those texts from eyes and screen readers alike (``visibility: hidden``; the button's
label ``display: none``, since a hidden element's generated content would not name the button) and shows the
interface's own in their place as generated content, which browsers show and read as text. The drop hint
has no test id, only the class Streamlit 1.67's build gives it (``tests/test_streamlit_internals.py`` keeps an eye
on it). The texts are our translations, written into the style sheet as CSS strings with every character that is
not a letter, digit or space escaped, so no text can end the string or the style element.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from ecosystem.i18n import t

__all__ = ["DROP_HINT_CLASS", "css_string", "dropzone_in_language"]

DROP_HINT_CLASS = "euud7oh2"  # the span of "Drag and drop a file here" in Streamlit 1.67's file uploader


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string: letters, digits and spaces as they are, everything else as a CSS escape."""
    return '"' + "".join(char if char.isalnum() or char == " " else f"\\{ord(char):x} " for char in text) + '"'


def _in_place_of(parent: str, child: str, text: str, size: str) -> str:
    """CSS that takes ``child`` of ``parent`` out of the page and shows ``text`` at the end of ``parent`` instead
    (a hidden element's generated content would not name the button it sits in)."""
    return f"{parent} > {child} {{display: none;}}{parent}::after {{font-size: {size}; content: {css_string(text)};}}"


def _over(element: str, text: str, size: str) -> str:
    """CSS that hides the text of ``element`` (also from screen readers) and shows ``text`` there instead."""
    return (f"{element} {{visibility: hidden; font-size: 0;}}"
            f"{element}::after {{visibility: visible; font-size: {size}; content: {css_string(text)};}}")


def dropzone_in_language(key: str, lang: str, limit_mb: int, types: Sequence[str]) -> None:
    """Say the texts of the file uploader with widget key ``key`` in ``lang``: its button, its limits (at most
    ``limit_mb`` MB, file ``types``) and its drop hint."""
    zone = f".st-key-{key} [data-testid='stFileUploaderDropzone']"
    limits = t("upload.dropzone_limits", lang, limit=limit_mb, types=", ".join(kind.upper() for kind in types))
    st.html("<style>"
            + _in_place_of(f"{zone} button [data-testid='stMarkdownContainer']", "p", t("upload.dropzone_button", lang),
                           "1rem")
            + _over(f"{zone} [data-testid='stFileUploaderDropzoneInstructions'] span", limits, "0.875rem")
            + _over(f"{zone} .{DROP_HINT_CLASS}", t("upload.dropzone_drop", lang), "1rem")
            + "</style>")
