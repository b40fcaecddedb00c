"""Text handed to Streamlit's markdown: shown exactly as written."""

from __future__ import annotations

import re

__all__ = ["plain"]

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:@&])")  # what markdown could interpret


def plain(text: str) -> str:
    """Text safe to pass to Streamlit markdown: every markdown character shown as itself.

    That includes ``:``, ``@`` and ``&``: unescaped, the parser takes ``http://…`` or ``a@b.lt`` as an autolink
    before resolving escapes (and shows the backslashes), ``&lt;`` as an entity and ``:red[…]`` as a colour.
    Escaped, the text is shown as written; a web or e-mail address still becomes a link to exactly that
    address, ``javascript:`` never does."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
