"""Interface strings in every language of the dashboard, and numbers written as each language writes them.

Taxonomy labels live in ``data/taxonomy.csv``; every other string a person reads lives in one gettext catalogue
per language, ``ecosystem/locale/<lang>/LC_MESSAGES/messages.po``, whose ``msgid`` is the message's key
(``upload.saved``) and whose ``msgstr`` is its text; the catalogues are read once, at import.
``t(key, lang, **values)`` fills ``{placeholders}``; ``count`` also picks the plural form of a message that has
them (``msgstr[n]``, by the catalogue's ``Plural-Forms``) and is written with the language's digit grouping.
An untranslated (empty or fuzzy) message falls back to English; an unknown key shows as the key itself and warns
with ``UnknownMessageWarning`` (an error in the tests). Numbers follow Babel's CLDR data (``format_number``).
"""

from __future__ import annotations

import gettext
import io
import numbers
import warnings
from collections.abc import Mapping
from pathlib import Path

from babel import Locale
from babel.core import get_global
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol

__all__ = [
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "LOCALE_DIR",
    "Messages",
    "UnknownMessageWarning",
    "catalogue_path",
    "format_number",
    "has_message",
    "language_tag",
    "number_separators",
    "read_catalogue",
    "t",
]

LANGUAGES: tuple[str, ...] = ("en", "da", "de", "et", "lv", "lt", "pl", "fi", "sv")
"""The interface languages, in the language menu's order: English, the source language and the fallback of the
others, then the rest by their own names (Dansk, Deutsch, Eesti, Latviešu, Lietuvių, Polski, Suomi, Svenska)."""
LOCALE_DIR = Path(__file__).with_name("locale")


class UnknownMessageWarning(UserWarning):
    """A key that no catalogue holds was asked for: a typo, or a message that was deleted."""


def catalogue_path(lang: str) -> Path:
    """Where the catalogue of ``lang`` lives."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"


def read_catalogue(lang: str) -> Catalog:
    """The catalogue of ``lang`` as written, untranslated and fuzzy messages included."""
    with catalogue_path(lang).open("rb") as stream:
        return read_po(stream, locale=lang)


def _translated(catalogue: Catalog) -> gettext.GNUTranslations:
    """The messages of ``catalogue`` that are translated in every form, as gettext translations."""
    complete = Catalog(locale=catalogue.locale)
    complete.mime_headers = catalogue.mime_headers  # the file's Plural-Forms
    for message in catalogue:
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.id and all(forms) and not message.fuzzy:
            complete[message.id] = message
    buffer = io.BytesIO()
    write_mo(buffer, complete)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class Messages:
    """The messages of every language, each language falling back to English where it is not translated."""

    def __init__(self, catalogues: Mapping[str, Catalog]) -> None:
        # every key (the English catalogue's), and whether its message has plural forms
        self._plural = {message.id[0] if message.pluralizable else message.id: message.pluralizable
                        for message in catalogues["en"] if message.id}
        self._translations = {lang: _translated(catalogue) for lang, catalogue in catalogues.items()}
        for lang, translations in self._translations.items():
            if lang != "en":
                translations.add_fallback(self._translations["en"])

    def __contains__(self, key: object) -> bool:
        """Whether there is a message ``key``."""
        return key in self._plural

    def text(self, key: str, lang: str, **values: object) -> str:
        """The message ``key`` in ``lang`` (English for another language) with ``values`` filled in."""
        plural = self._plural.get(key)
        if plural is None:
            warnings.warn(f"No message {key!r} in the catalogues under {LOCALE_DIR}.", UnknownMessageWarning,
                          stacklevel=3)
            return key
        translations = self._translations.get(lang, self._translations["en"])
        count = values.get("count")
        if count is not None:
            if not isinstance(count, numbers.Integral):  # int, or a numpy integer
                raise TypeError(f"The count= of {key!r} must be a whole number, not {count!r}.")
            count = int(count)
        if plural:
            if count is None:
                raise TypeError(f"The message {key!r} has plural forms: give its count=.")
            text = translations.ngettext(key, key, count)
        else:
            text = translations.gettext(key)
        if count is not None:
            values["count"] = format_number(count, lang)
        return text.format(**values) if values else text


def format_number(value: float, lang: str) -> str:
    """``value`` as ``lang`` writes it (CLDR): ``12,345`` in English, ``12.345`` in German and Danish, ``12 345`` (a
    no-break space) in the other languages; English for a language without a catalogue."""
    return format_decimal(value, locale=lang if lang in LANGUAGES else "en")


def number_separators(lang: str) -> str:
    """The decimal mark and the digit group separator of ``lang``, as Plotly's ``layout.separators`` takes them."""
    locale = lang if lang in LANGUAGES else "en"
    return get_decimal_symbol(locale) + get_group_symbol(locale)


def language_tag(lang: str) -> str:
    """``lang`` with the region CLDR finds most likely for it, as Office names a proofing language (``de-DE``,
    ``sv-SE``); ``en-GB`` for English, which this project spells the British way, and for an unknown language."""
    if lang not in LANGUAGES or lang == "en":
        return "en-GB"
    return f"{lang}-{get_global('likely_subtags')[lang].rsplit('_', 1)[-1]}"


def _own_name(lang: str) -> str:
    """The language's name in itself, capitalised for a menu: ``Lietuvių``."""
    name = Locale.parse(lang).get_display_name(lang) or lang
    return name[:1].upper() + name[1:]


LANGUAGE_NAMES: dict[str, str] = {lang: _own_name(lang) for lang in LANGUAGES}
_MESSAGES = Messages({lang: read_catalogue(lang) for lang in LANGUAGES})


def has_message(key: str) -> bool:
    """Whether the catalogues hold a message ``key``."""
    return key in _MESSAGES


def t(key: str, lang: str = "en", **values: object) -> str:
    """The message ``key`` in ``lang`` with ``values`` filled in; ``count`` picks the plural form where there are
    plural forms. English where it is not translated; the key itself, with a warning, where it is unknown."""
    return _MESSAGES.text(key, lang, **values)
