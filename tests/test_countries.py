"""Every country: ISO 3166-1 codes and CLDR names, names in any interface language read as codes, Eurostat's codes,
and the nearest real codes named for a code that does not exist."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from babel import Locale

from conftest import make_raw
from ecosystem.checks import validation_context
from ecosystem.countries import COUNTRY_CODES, country_names, nearest_codes, replaced_code
from ecosystem.readers import read_partner_file
from ecosystem.regions import assign_regions, load_regions
from ecosystem.schema import ValidationContext, validate_registry
from ecosystem.taxonomy import LANGUAGES, Taxonomy


def _read_countries(cells: list[str], taxonomy: Taxonomy, lang: str = "en") -> tuple[list[str], pd.DataFrame]:
    """The country cells of a partner CSV as read, and the reader's problems."""
    raw = make_raw([{"id": f"c-{n}", "country": cell} for n, cell in enumerate(cells)])
    result = read_partner_file(raw.to_csv(index=False).encode("utf-8"), "countries.csv", taxonomy, lang=lang)
    return result.raw["country"].tolist(), result.problems


def test_every_iso_3166_code_is_a_country_and_nothing_else():
    assert len(COUNTRY_CODES) == 250  # the 249 ISO 3166-1 codes and Kosovo's XK, which the EU and Eurostat use
    assert {"BG", "PT", "CY", "GR", "GB", "MT", "IE", "UA", "XK", "AQ"} <= set(COUNTRY_CODES)
    assert not {"EU", "UN", "EZ", "ZZ", "QO", "EL", "UK", "AC", "IC"} & set(COUNTRY_CODES)


def test_the_taxonomy_lists_the_project_countries_first_then_every_other(taxonomy):
    codes = taxonomy.codes("country")
    assert codes[:8] == ["DE", "DK", "EE", "FI", "LT", "LV", "PL", "SE"]
    assert taxonomy.listed("country") == codes[:13]
    assert sorted(codes) == sorted(COUNTRY_CODES) and len(codes) == len(set(codes))
    for lang in LANGUAGES:
        assert taxonomy.label("country", "BG", lang) == Locale.parse(lang).territories["BG"], lang


@pytest.mark.parametrize("lang", LANGUAGES)
def test_names_come_in_every_interface_language(lang):
    names = country_names(lang)
    assert set(names) == set(COUNTRY_CODES) and all(names.values())
    assert names["BG"] == Locale.parse(lang).territories["BG"]


@pytest.mark.parametrize("typed", ["Bulgaria", "Bulgarija", "Bulgārija", "Bulgarien", "Bułgaria", "BULGARIJA",
                                   "bulgarija", " Bulgaria ", "Bulgaaria", "Bulgária"])
def test_a_country_name_in_any_interface_language_becomes_its_code(typed, taxonomy):
    codes, problems = _read_countries([typed], taxonomy)
    assert codes == ["BG"]
    [warning] = problems["message"].tolist()
    assert "replaced by its ISO code" in warning and typed.strip() in warning


def test_names_of_countries_beyond_the_baltic_sea(taxonomy):
    codes, _ = _read_countries(["Portugalija", "Kipra", "Griechenland", "Irlanti", "Hiszpania", "Ukraina", "Malta"],
                               taxonomy)
    assert codes == ["PT", "CY", "GR", "IE", "ES", "UA", "MT"]


def test_eurostat_and_withdrawn_codes_become_iso_codes_with_a_warning(taxonomy):
    codes, problems = _read_countries(["EL", "UK", "uk", "el", "DD", "gr"], taxonomy)
    assert codes == ["GR", "GB", "GB", "GR", "DE", "GR"]
    messages = problems["message"].tolist()
    assert len(messages) == 6
    assert all("Eurostat’s or a withdrawn country code replaced by the ISO code" in message for message in messages[:5])
    assert "code written as in the code list" in messages[5]
    assert replaced_code("YU") is None  # Yugoslavia: two successors, no single answer


def test_the_warning_speaks_the_interface_language(taxonomy):
    _, problems = _read_countries(["Bulgārija"], taxonomy, lang="lv")
    assert "valsts nosaukums aizstāts ar tās ISO kodu" in problems["message"].iloc[0]
    _, problems = _read_countries(["EL"], taxonomy, lang="de")
    assert "Eurostat-Code" in problems["message"].iloc[0]


@pytest.mark.parametrize(("typed", "nearest"), [
    ("ED", ["DE"]),           # letters swapped
    ("LR", ["LT"]),           # one key slipped
    ("BX", ["BA", "BD", "BS", "BZ"]),
])
def test_nearest_codes_of_a_code_that_does_not_exist(typed, nearest, taxonomy):
    assert nearest_codes(typed, taxonomy.listed("country"))[:len(nearest)] == nearest
    assert all(code in COUNTRY_CODES for code in nearest_codes(typed))


def test_an_unknown_code_is_an_error_naming_the_nearest_real_codes(taxonomy, context: ValidationContext):
    codes, _ = _read_countries(["ED", "XY", "Bulgria", "Atlantis"], taxonomy)
    raw = make_raw([{"id": f"c-{n}", "country": code} for n, code in enumerate(codes)])
    problems = validate_registry(raw, context)
    errors = problems[problems["column"] == "country"].set_index("value")["message"]
    assert errors["ED"] == ("“ED” is not a country code: give the two-letter ISO 3166-1 code (such as LT or DE) or the "
                            "country’s name. Nearest codes: DE (Germany), EE (Estonia), EC (Ecuador), ER (Eritrea), "
                            "ES (Spain).")
    assert "CY (Cyprus)" in errors["XY"]
    assert "Nearest codes: BG (Bulgaria)" in errors["Bulgria"]
    assert "Nearest" not in errors["Atlantis"]
    assert "Expected one of" not in " ".join(errors)  # 250 codes are not listed in a message


def test_unknown_code_message_in_lithuanian(taxonomy, context: ValidationContext):
    problems = validate_registry(make_raw([{"country": "ED"}]), context, "lt")
    assert problems["message"].iloc[0].startswith("„ED“ nėra šalies kodas")
    assert "DE (Vokietija)" in problems["message"].iloc[0]


def test_a_greek_or_british_row_may_carry_its_nuts_region(context: ValidationContext):
    raw = make_raw([{"country": "GR", "region_code": "EL301"}, {"country": "GB", "region_code": "UKI31"},
                    {"country": "PT", "region_code": "EL301"}])
    problems = validate_registry(raw, context)
    assert problems[problems["column"] == "region_code"]["row"].tolist() == [4]


def _square(code: str, country: str, lon: float, lat: float) -> dict:
    ring = [[lon, lat], [lon + 1, lat], [lon + 1, lat + 1], [lon, lat + 1], [lon, lat]]
    return {"type": "Feature", "properties": {"NUTS_ID": code, "CNTR_CODE": country, "NAME_LATN": code},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_gisco_s_el_and_uk_regions_belong_to_gr_and_gb(tmp_path, taxonomy):
    path = tmp_path / "NUTS_RG_20M_2024_4326_LEVL_3.geojson"
    features = [_square("EL303", "EL", 23.0, 37.5), _square("UKI31", "UK", -0.5, 51.0), _square("BG411", "BG", 23.0, 42.5)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    regions = load_regions(path)
    assert regions.set_index("nuts_id")["country"].to_dict() == {"EL303": "GR", "UKI31": "GB", "BG411": "BG"}
    rows = make_raw([{"country": "GR", "latitude": "37.98", "longitude": "23.73", "location_precision": "settlement"},
                     {"country": "GB", "latitude": "51.5", "longitude": "-0.1", "location_precision": "settlement"},
                     {"country": "BG", "latitude": "42.7", "longitude": "23.3", "location_precision": "settlement",
                      "region_code": "BG411"},
                     {"country": "BG", "latitude": "37.98", "longitude": "23.73", "location_precision": "settlement"}])
    context = validation_context(taxonomy, [], regions)
    problems = pd.concat([validate_registry(rows, context), context.location_problems(rows, "en")])
    assert problems[problems["severity"] == "error"][["row", "column"]].values.tolist() == [[5, "latitude"]]
    assert problems["message"].iloc[-1].startswith("The coordinates lie outside BG (they fall in: GR).")
    assert assign_regions(rows, regions)["region_code"].tolist()[:3] == ["EL303", "UKI31", "BG411"]
