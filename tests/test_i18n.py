"""The message catalogues (complete, used, consistent), plural forms, and numbers as each language writes them."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.plurals import get_plural

from ecosystem.catalogue_checks import SAME_AS_ENGLISH, CodeKeys, catalogue_problems, code_files, scan_code, template
from ecosystem.cli import main
from ecosystem.i18n import (
    LANGUAGE_NAMES,
    LANGUAGES,
    LOCALE_DIR,
    Messages,
    UnknownMessageWarning,
    format_number,
    language_tag,
    number_separators,
    read_catalogue,
    t,
)

NBSP = "\u00a0"


@pytest.fixture(scope="module")
def catalogues() -> dict[str, Catalog]:
    return {lang: read_catalogue(lang) for lang in LANGUAGES}


# --- the real catalogues ------------------------------------------------------------------------------------


def test_the_catalogues_match_the_code_and_each_other(catalogues: dict[str, Catalog]) -> None:
    assert catalogue_problems(catalogues, scan_code(code_files())) == []


def test_every_language_has_a_catalogue_and_every_catalogue_a_language() -> None:
    assert sorted(path.parts[-3] for path in LOCALE_DIR.glob("*/LC_MESSAGES/messages.po")) == sorted(LANGUAGES)
    assert set(LANGUAGES) == {"en", "lt", "lv", "et", "fi", "sv", "da", "de", "pl"}


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_each_translation_is_complete_keeps_its_placeholders_and_plural_forms(
        catalogues: dict[str, Catalog], lang: str) -> None:
    assert catalogue_problems({"en": catalogues["en"], lang: catalogues[lang]}, scan_code(code_files())) == []


def test_every_catalogue_has_babels_plural_forms(catalogues: dict[str, Catalog]) -> None:
    assert {lang: catalogue.num_plurals for lang, catalogue in catalogues.items()} == {
        "en": 2, "lt": 3, "lv": 3, "pl": 3, "et": 2, "fi": 2, "sv": 2, "da": 2, "de": 2}  # CLDR, as Babel has it
    assert all(catalogue.plural_expr == get_plural(lang).plural_expr for lang, catalogue in catalogues.items())


def test_the_check_command_finds_no_problem(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["i18n", "check"]) == 0
    assert capsys.readouterr().err == "9 catalogues, 0 problem(s).\n"


@pytest.mark.parametrize(("lang", "counts"), [
    ("en", {1: "1 initiative", 0: "0 initiatives", 2: "2 initiatives", 21: "21 initiatives"}),
    ("lt", {1: "1 iniciatyva", 21: "21 iniciatyva", 101: "101 iniciatyva", 2: "2 iniciatyvos", 9: "9 iniciatyvos",
            22: "22 iniciatyvos", 0: "0 iniciatyvų", 10: "10 iniciatyvų", 11: "11 iniciatyvų", 19: "19 iniciatyvų",
            111: "111 iniciatyvų"}),
    ("lv", {0: "0 iniciatīvu", 10: "10 iniciatīvu", 11: "11 iniciatīvu", 19: "19 iniciatīvu",
            111: "111 iniciatīvu",
            1: "1 iniciatīva", 21: "21 iniciatīva", 2: "2 iniciatīvas", 9: "9 iniciatīvas", 22: "22 iniciatīvas"}),
    ("pl", {1: "1 inicjatywa", 2: "2 inicjatywy", 4: "4 inicjatywy", 22: "22 inicjatywy", 104: "104 inicjatywy",
            0: "0 inicjatyw", 5: "5 inicjatyw", 12: "12 inicjatyw", 14: "14 inicjatyw", 21: "21 inicjatyw",
            112: "112 inicjatyw"}),
    ("et", {1: "1 algatus", 0: "0 algatust", 2: "2 algatust", 21: "21 algatust"}),
    ("fi", {1: "1 aloite", 0: "0 aloitetta", 2: "2 aloitetta", 21: "21 aloitetta"}),
    ("sv", {1: "1 initiativ", 0: "0 initiativ", 2: "2 initiativ"}),
    ("da", {1: "1 initiativ", 0: "0 initiativer", 2: "2 initiativer", 21: "21 initiativer"}),
    ("de", {1: "1 Initiative", 0: "0 Initiativen", 2: "2 Initiativen", 21: "21 Initiativen"}),
])
def test_count_picks_the_languages_plural_form(lang: str, counts: dict[int, str]) -> None:
    assert {count: t("map.initiatives_count", lang, count=count) for count in counts} == counts


def test_count_is_written_with_the_languages_digit_grouping() -> None:
    assert t("map.initiatives_count", "en", count=12345) == "12,345 initiatives"
    assert t("map.initiatives_count", "lt", count=12345) == f"12{NBSP}345 iniciatyvos"
    assert t("about.rows_citing", "lv", count=2000) == f"Šo rakstu citē 2{NBSP}000 reģistra rindu."
    assert t("map.initiatives_count", "de", count=12345) == "12.345 Initiativen"
    assert t("map.initiatives_count", "pl", count=12345) == f"12{NBSP}345 inicjatyw"


def test_plural_messages_fill_their_other_values_too() -> None:
    assert (t("app.rows_selected", "lt", count=1, total=40) == "Filtrus atitinka 1 registro eilutė iš 40."
            and t("app.rows_selected", "en", count=3, total=40) == "3 of 40 registry rows match the filters.")


def test_a_plural_message_needs_its_count() -> None:
    with pytest.raises(TypeError, match="count="):
        t("map.initiatives_count", "lt")


def test_an_unknown_key_shows_as_itself_with_a_warning() -> None:
    with pytest.warns(UnknownMessageWarning, match="upload.svaed"):
        assert t("upload.svaed", "lt", version=3) == "upload.svaed"


def test_an_unknown_language_reads_english() -> None:
    assert t("upload.saved", "fr", version=3) == t("upload.saved", "en", version=3) == "Saved as registry version 3."


def test_language_names_are_each_languages_own_name_in_the_menus_order() -> None:
    assert LANGUAGE_NAMES == {"en": "English", "da": "Dansk", "de": "Deutsch", "et": "Eesti", "lv": "Latviešu",
                              "lt": "Lietuvių", "pl": "Polski", "fi": "Suomi", "sv": "Svenska"}
    assert list(LANGUAGE_NAMES) == list(LANGUAGES)


def test_language_tags_name_the_region_office_proofs_each_language_for() -> None:
    assert {lang: language_tag(lang) for lang in LANGUAGES} == {
        "en": "en-GB", "da": "da-DK", "de": "de-DE", "et": "et-EE", "lv": "lv-LV", "lt": "lt-LT", "pl": "pl-PL",
        "fi": "fi-FI", "sv": "sv-SE"}
    assert language_tag("fr") == "en-GB"  # no catalogue: English


# --- numbers ------------------------------------------------------------------------------------------------


def test_numbers_follow_cldr_for_each_language() -> None:
    assert {lang: format_number(12345, lang) for lang in LANGUAGES} == {
        "en": "12,345", "da": "12.345", "de": "12.345",
        **{lang: f"12{NBSP}345" for lang in ("et", "lv", "lt", "pl", "fi", "sv")}}
    assert format_number(1234.5, "lt") == f"1{NBSP}234,5" and format_number(1234.5, "en") == "1,234.5"
    assert format_number(1234.5, "de") == "1.234,5" and format_number(1234.5, "sv") == f"1{NBSP}234,5"
    assert format_number(12345, "fr") == "12,345"  # no catalogue: English
    assert {lang: number_separators(lang) for lang in LANGUAGES} == {
        "en": ".,", "da": ",.", "de": ",.", **{lang: f",{NBSP}" for lang in ("et", "lv", "lt", "pl", "fi", "sv")}}


# --- the rules, on small catalogues -------------------------------------------------------------------------

ENGLISH = {"a.saved": "Saved as version {version}.", "a.rows": ("{count} row", "{count} rows"), "column.id": "Id"}
LITHUANIAN = {"a.saved": "Išsaugota kaip versija {version}.",
              "a.rows": ("{count} eilutė", "{count} eilutės", "{count} eilučių"), "column.id": "Id"}
CODE = CodeKeys(strings=frozenset({"a.saved", "a.rows", "column.id"}), called=frozenset({"a.saved"}),
                prefixes=frozenset())


def _catalogue(lang: str, messages: dict[str, str | tuple[str, ...]], fuzzy: tuple[str, ...] = ()) -> Catalog:
    catalogue = Catalog(locale=lang)
    for key, text in messages.items():
        catalogue.add((key, key) if isinstance(text, tuple) else key, text, flags=("fuzzy",) if key in fuzzy else ())
    return catalogue


def _problems(lithuanian: dict[str, str | tuple[str, ...]] = LITHUANIAN, *,
              english: dict[str, str | tuple[str, ...]] = ENGLISH, code: CodeKeys = CODE,
              families: dict[str, tuple[str, ...]] | None = None, fuzzy: tuple[str, ...] = ()) -> list[str]:
    catalogues = {"en": _catalogue("en", english), "lt": _catalogue("lt", lithuanian, fuzzy)}
    return catalogue_problems(catalogues, code, {} if families is None else families)


def test_consistent_small_catalogues_have_no_problem() -> None:
    assert _problems() == []


def test_a_key_the_code_asks_for_must_be_in_the_catalogues() -> None:
    code = CodeKeys(CODE.strings | {"a.svaed"}, CODE.called | {"a.svaed"}, frozenset())
    assert _problems(code=code) == ["a.svaed: used in the code, but in no catalogue."]


def test_a_key_no_code_uses_is_reported_dead() -> None:
    code = CodeKeys(CODE.strings - {"a.rows"}, CODE.called, frozenset())
    assert _problems(code=code) == ["a.rows: used nowhere in the code; delete it from every catalogue."]


def test_keys_built_with_f_strings_are_checked_by_family() -> None:
    built = CodeKeys(CODE.strings, CODE.called, frozenset({"a.mode_"}))
    assert _problems(code=built) == ["The code builds keys from “a.mode_…”: list every value it fills in in "
                                     "KEY_FAMILIES."]
    assert _problems(families={"a.mode_": ("upsert",)}) == [
        "KEY_FAMILIES lists “a.mode_…”, which the code no longer builds: remove it.",
        "a.mode_upsert: used in the code, but in no catalogue."]
    english, lithuanian = {**ENGLISH, "a.mode_upsert": "Add"}, {**LITHUANIAN, "a.mode_upsert": "Pridėti"}
    assert _problems(lithuanian, english=english, code=built, families={"a.mode_": ("upsert",)}) == []


def test_a_translation_must_keep_every_placeholder() -> None:
    assert _problems({**LITHUANIAN, "a.saved": "Išsaugota."}) == [
        "lt: a.saved: has placeholders [], English has ['{version}']."]
    assert _problems({**LITHUANIAN, "a.saved": "Išsaugota kaip versija {versija}."}) == [
        "lt: a.saved: has placeholders ['{versija}'], English has ['{version}']."]
    assert _problems({**LITHUANIAN, "a.rows": ("{count} eilutė", "{count} eilutės", "eilučių")}) == [
        "lt: a.rows: has placeholders [], English has ['{count}']."]
    assert _problems({**LITHUANIAN, "a.saved": "Išsaugota kaip versija {version."})[0].startswith(
        "lt: a.saved: cannot be filled in")


def test_a_translation_must_be_there_and_not_be_english() -> None:
    assert _problems({**LITHUANIAN, "a.saved": ""}) == ["lt: a.saved: is not translated (empty or fuzzy)."]
    assert _problems(fuzzy=("a.saved",)) == ["lt: a.saved: is not translated (empty or fuzzy)."]
    assert _problems({**LITHUANIAN, "a.saved": ENGLISH["a.saved"]}) == [
        "lt: a.saved: is the English text; translate it (or list the key under “lt” in SAME_AS_ENGLISH)."]
    without = {key: text for key, text in LITHUANIAN.items() if key != "a.saved"}
    assert _problems(without) == ["lt: a.saved: is missing."]
    assert _problems({**LITHUANIAN, "a.extra": "Papildoma"}) == [
        "lt: a.extra: is not in the English catalogue; delete it."]


def test_same_as_english_is_per_language_and_lists_only_what_is_the_english_text() -> None:
    assert SAME_AS_ENGLISH["de"] >= {"column.region_code", "column.status"}  # "Region", "Status" are German too
    assert "column.region_code" not in SAME_AS_ENGLISH.get("fi", ())  # … but not Finnish ("Alue")
    assert _problems({**LITHUANIAN, "column.id": "Identifikatorius"}) == [
        "lt: column.id: is translated, so SAME_AS_ENGLISH need not list it under “lt”; remove it."]


def test_plural_forms_must_match_the_language() -> None:
    assert _problems({**LITHUANIAN, "a.rows": ("{count} eilutė", "{count} eilutės")}) == [
        "lt: a.rows: has 2 plural forms; the language has 3."]
    assert _problems({**LITHUANIAN, "a.rows": "{count} eilučių"}) == [
        "lt: a.rows: has no plural forms, unlike English."]
    catalogues = {"en": _catalogue("en", ENGLISH), "lt": _catalogue("lt", LITHUANIAN)}
    catalogues["lt"].mime_headers = [("Plural-Forms", "nplurals=2; plural=(n != 1);")]
    assert catalogue_problems(catalogues, CODE, {})[0].startswith(
        "lt: the header's Plural-Forms should be “nplurals=3; plural=n % 10 == 1")


def test_an_untranslated_message_falls_back_to_english() -> None:
    messages = Messages({"en": _catalogue("en", ENGLISH),
                         "lt": _catalogue("lt", {**LITHUANIAN, "a.saved": "", "a.rows": ("", "", "")})})
    assert messages.text("a.saved", "lt", version=2) == "Saved as version 2."
    assert messages.text("a.rows", "lt", count=1) == "1 row"
    fuzzy = Messages({"en": _catalogue("en", ENGLISH), "lt": _catalogue("lt", LITHUANIAN, fuzzy=("a.saved",))})
    assert fuzzy.text("a.saved", "lt", version=2) == "Saved as version 2."
    assert fuzzy.text("a.rows", "lt", count=5) == "5 eilutės"


def test_the_template_holds_every_key_untranslated_with_its_english() -> None:
    result = template(_catalogue("en", ENGLISH))
    assert {message.id if isinstance(message.id, str) else message.id[0]: (message.string, message.auto_comments)
            for message in result if message.id} == {
        "a.saved": ("", ["English: Saved as version {version}."]),
        "a.rows": (("", ""), ["English (one): {count} row", "English (other): {count} rows"]),
        "column.id": ("", ["English: Id"]),
    }


def test_scan_code_finds_keys_calls_and_f_string_families(tmp_path: Path) -> None:
    source = tmp_path / "page.py"
    source.write_text('"""Docstrings such as upload.saved do not count."""\n'
                      'KEY = "a.kept"\n'
                      't("a.called", lang)\n'
                      'context.text("a.deck", count=2)\n'
                      'st.text("Shown as written.")\n'
                      't(f"column.{name}", lang)\n'
                      'other(f"map.{fmt}")\n', encoding="utf-8")
    assert scan_code([source]) == CodeKeys(
        strings=frozenset({"a.kept", "a.called", "a.deck", "Shown as written."}),
        called=frozenset({"a.called", "a.deck"}),
        prefixes=frozenset({"column."}))
