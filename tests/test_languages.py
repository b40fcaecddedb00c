"""The nine interface languages end to end: each opens from ``?lang=``, names itself to the browser, shows no
English message on any page, and every character it can put on a picture has a glyph in the pictures' font."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from google.protobuf.json_format import MessageToDict
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

from apptests import open_dashboard
from ecosystem.catalogue_checks import SAME_AS_ENGLISH
from ecosystem.i18n import LANGUAGES, read_catalogue
from ecosystem.pictures.static_map import _MPL_STYLE

# Overview's title and its first figure's label, as a reader of each language sees them
OVERVIEW = {
    "en": ("Baltic Social Ecosystem Map", "Initiatives"),
    "lt": ("Baltijos socialinės ekosistemos žemėlapis", "Iniciatyvos"),
    "lv": ("Baltijas sociālās ekosistēmas karte", "Iniciatīvas"),
    "et": ("Läänemere piirkonna sotsiaalse ökosüsteemi kaart", "Algatused"),
    "fi": ("Itämeren alueen sosiaalisen ekosysteemin kartta", "Aloitteet"),
    "sv": ("Karta över det sociala ekosystemet kring Östersjön", "Initiativ"),
    "da": ("Kort over det sociale økosystem omkring Østersøen", "Initiativer"),
    "de": ("Karte des sozialen Ökosystems im Ostseeraum", "Initiativen"),
    "pl": ("Mapa ekosystemu społecznego regionu Morza Bałtyckiego", "Inicjatywy"),
}


def test_every_language_is_listed_here() -> None:
    assert set(OVERVIEW) == set(LANGUAGES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_overview_opens_in_the_language_the_url_names(app_data_dir, lang: str) -> None:
    at = open_dashboard("overview", {"lang": lang}).run()
    assert not at.exception, at.exception
    title, initiatives = OVERVIEW[lang]
    assert at.title[0].value == title
    assert at.metric[0].label == initiatives
    assert at.sidebar.selectbox(key="lang").value == lang
    assert [element.proto.body for element in at.sidebar.html] == [
        f'<script>document.documentElement.lang = "{lang}";</script>']


def test_an_unknown_language_in_the_url_opens_english(app_data_dir) -> None:
    at = open_dashboard("overview", {"lang": "xx"}).run()
    assert at.title[0].value == OVERVIEW["en"][0]
    assert at.sidebar.selectbox(key="lang").value == "en"
    assert 'document.documentElement.lang = "en"' in at.sidebar.html[0].proto.body


PAGES = ("overview", "gaps", "map", "coverage", "registry", "present", "upload", "history", "about")


def _forms(text: str | tuple[str, ...]) -> tuple[str, ...]:
    return text if isinstance(text, tuple) else (text,)


def _english_left_in(lang: str) -> dict[str, str]:
    """The English messages' phrases (two words or more between placeholders) that ``lang`` says otherwise → key."""
    translated = {message.id if isinstance(message.id, str) else message.id[0]: _forms(message.string)
                  for message in read_catalogue(lang) if message.id}
    phrases = {}
    for message in read_catalogue("en"):
        key = message.id if isinstance(message.id, str) else message.id[0]
        if not message.id or key in SAME_AS_ENGLISH.get(lang, ()):
            continue
        for form in _forms(message.string):
            for phrase in re.split(r"\{[^}]*\}", form):
                phrase = phrase.strip(" .,:;()“”")
                if len(phrase.split()) >= 2 and not any(phrase in text for text in translated[key]):
                    phrases[phrase] = key
    return phrases


def _texts(at) -> Iterator[str]:
    """Every string the page's elements carry (labels, bodies, options, help), sidebar included."""
    def strings(value: object) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict | list):
            for item in value.values() if isinstance(value, dict) else value:
                yield from strings(item)

    nodes = [at.main, at.sidebar]
    while nodes:
        node = nodes.pop()
        if getattr(node, "proto", None) is not None:
            yield from strings(MessageToDict(node.proto))
        nodes += list(getattr(node, "children", {}).values())


@pytest.mark.parametrize("lang", LANGUAGES[1:])
def test_no_page_shows_an_english_message_in_another_language(app_data_dir, lang: str) -> None:
    english = _english_left_in(lang)
    for page in PAGES:
        at = open_dashboard(page, {"lang": lang}).run()
        assert not at.exception, (page, at.exception)
        left = {(key, phrase) for text in _texts(at) for phrase, key in english.items() if phrase in text}
        assert left == set(), page


def test_the_picture_font_has_a_glyph_for_every_character_of_every_language(taxonomy) -> None:
    """The static map (matplotlib) draws with this font; a missing glyph would be drawn as a box."""
    font = FT2Font(font_manager.findfont(_MPL_STYLE["font.family"], fallback_to_default=False))
    texts = [form for lang in LANGUAGES for message in read_catalogue(lang) if message.id
             for form in (message.string if isinstance(message.string, tuple) else (message.string,))]
    texts += [text for column in taxonomy.table.columns if column.startswith(("label_", "definition_"))
              for text in taxonomy.table[column]]
    characters = set("".join(texts)) - {"\n"}
    assert set("ąęłńśźżõäöüšžåæøÅÆØÄÖÜ„“”»«–…·×") <= characters  # the languages' own letters and marks are read
    assert sorted(char for char in characters if ord(char) not in font.get_charmap()) == []
