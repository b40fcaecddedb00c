"""Countries: every ISO 3166-1 alpha-2 code and its name in each interface language, from Babel's CLDR data.

CLDR (the Unicode Consortium's locale data, which Babel ships and keeps up to date) is the one home of the
country codes and names: ``data/taxonomy.csv`` only says which countries the project lists first, and may add
aliases. Beside the codes this module knows the codes people write instead of ISO's — Eurostat's ``EL`` and ``UK``
and the codes ISO withdrew (``YU``, ``DD`` …) — and how to read a country's name typed in any interface language,
letter case and diacritics aside (``bulgarija`` is ``BG``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import cache

from babel import Locale
from babel.core import get_global

from ecosystem.i18n import LANGUAGES

__all__ = [
    "COUNTRY_CODES",
    "NUTS_PREFIXES",
    "country_names",
    "fold_name",
    "iso_from_nuts",
    "name_lookup",
    "nearest_codes",
    "nuts_prefix",
    "replaced_code",
]

# two-letter territories of CLDR that are not assigned ISO 3166-1 codes: ISO's exceptionally reserved codes
# (Ascension, Clipperton, Sark, Diego Garcia, Ceuta and Melilla, the Canary Islands, Tristan da Cunha, the EU, the
# euro area, the UN) and private-use codes (QO, XA, XB, ZZ). Kosovo's XK is private-use too, but the EU and
# Eurostat use it, so it is accepted.
_NOT_COUNTRIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"})
# codes Eurostat writes for Greece and the United Kingdom (also its NUTS codes' first two letters)
_EUROSTAT_CODES = {"EL": "GR", "UK": "GB"}
NUTS_PREFIXES: dict[str, str] = {iso: eurostat for eurostat, iso in _EUROSTAT_CODES.items()}
"""ISO code → the first two letters of the country's NUTS codes, where they differ (GR → EL, GB → UK)."""


def _all_codes() -> tuple[str, ...]:
    codes = [str(code) for code in Locale("en").territories]  # Babel types the keys loosely; they are text
    return tuple(sorted(code for code in codes if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES))


COUNTRY_CODES: tuple[str, ...] = _all_codes()
"""Every ISO 3166-1 alpha-2 code (and XK), alphabetically."""
_KNOWN = frozenset(COUNTRY_CODES)

# letters that Unicode does not decompose into a base letter and a mark
_UNDECOMPOSED = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"})


def fold_name(text: str) -> str:
    """A name as names are compared: letter case, diacritics, punctuation and extra spaces ignored."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_UNDECOMPOSED))
    kept = "".join(char if char.isalnum() else " " for char in decomposed if not unicodedata.combining(char))
    return " ".join(kept.split())


@cache
def country_names(lang: str) -> dict[str, str]:
    """Code → the country's name in ``lang`` (an interface language; English otherwise), for every code."""
    territories = Locale.parse(lang if lang in LANGUAGES else "en").territories
    english = Locale("en").territories
    return {code: territories.get(code, english[code]) for code in COUNTRY_CODES}


@cache
def replaced_code(code: str) -> str | None:
    """The ISO code meant by a code people write instead (``EL`` → ``GR``, ``UK`` → ``GB``, the withdrawn ``YU``
    … whose successor is one country); None for other codes."""
    if code in _EUROSTAT_CODES:
        return _EUROSTAT_CODES[code]
    successors = [successor for successor in get_global("territory_aliases").get(code, []) if successor in _KNOWN]
    return successors[0] if len(successors) == 1 and code not in _KNOWN else None


@cache
def name_lookup(extra: tuple[tuple[str, str], ...] = ()) -> dict[str, str]:
    """Folded country name in any interface language (and ``extra`` (name, code) pairs) → code. A name two
    countries share in different languages is left out: it is no answer."""
    found: dict[str, set[str]] = {}
    pairs: Iterable[tuple[str, str]] = [(name, code) for lang in LANGUAGES for code, name in country_names(lang).items()]
    for name, code in [*pairs, *extra]:
        found.setdefault(fold_name(name), set()).add(code)
    return {name: next(iter(codes)) for name, codes in found.items() if len(codes) == 1 and name}


def iso_from_nuts(prefix: str) -> str:
    """The ISO code of a NUTS code's first two letters (``EL`` → ``GR``)."""
    return _EUROSTAT_CODES.get(prefix, prefix)


def nuts_prefix(code: str) -> str:
    """The first two letters of a country's NUTS codes (``GR`` → ``EL``)."""
    return NUTS_PREFIXES.get(code, code)


# neighbouring letter keys on a QWERTY keyboard (a slipped finger)
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _neighbours(letter: str) -> set[str]:
    for row_number, row in enumerate(_KEYBOARD_ROWS):
        if letter in row:
            at = row.index(letter)
            near = {row[position] for position in (at - 1, at + 1) if 0 <= position < len(row)}
            for other in (row_number - 1, row_number + 1):
                if 0 <= other < len(_KEYBOARD_ROWS):
                    near |= {_KEYBOARD_ROWS[other][position] for position in (at - 1, at, at + 1)
                             if 0 <= position < len(_KEYBOARD_ROWS[other])}
            return {key.upper() for key in near}
    return set()


def nearest_codes(value: str, first: Iterable[str] = (), limit: int = 5) -> list[str]:
    """The real codes closest to a code that does not exist, likeliest first: the letters swapped, one letter
    slipped to a neighbouring key, then any one letter different — the countries of ``first`` (the project's)
    before others, then alphabetically."""
    typed = value.strip().upper()
    if len(typed) != 2:
        return []
    listed = list(first)
    candidates = []
    for code in COUNTRY_CODES:
        differ = [position for position in (0, 1) if code[position] != typed[position]]
        if code == typed[::-1] and code != typed:
            rank = 0
        elif len(differ) == 1 and code[differ[0]] in _neighbours(typed[differ[0]].lower()):
            rank = 1
        elif len(differ) == 1:
            rank = 2
        else:
            continue
        candidates.append((rank, code not in listed, listed.index(code) if code in listed else 0, code))
    return [code for *_, code in sorted(candidates)[:limit]]
