from pathlib import Path

import pytest
from babel import Locale

from ecosystem.taxonomy import LANGUAGES, TaxonomyError, load_taxonomy

SERVICES = ["employment_integration", "care_day_services", "social_support", "education_training", "food_nutrition",
            "transport_mobility", "housing", "culture_media", "health_wellbeing", "community_development"]
TARGETS = ["single_parents", "families_children", "children_youth", "unemployed_youth", "jobseekers",
           "people_with_disabilities", "people_with_addictions", "migrants_refugees", "older_people",
           "rural_residents", "low_income"]


def test_vocabularies_hold_the_codes_of_the_contract(taxonomy):
    assert taxonomy.codes("service_type") == SERVICES
    assert taxonomy.codes("target_group") == TARGETS
    assert taxonomy.codes("actor_type") == ["initiative", "support_organisation", "public_authority", "network"]
    assert taxonomy.codes("status") == ["idea", "pilot", "active", "closed"]


@pytest.mark.parametrize("vocabulary", ["service_type", "target_group", "actor_type", "status", "country"])
def test_every_code_has_a_label_in_every_language(taxonomy, vocabulary):
    for lang in LANGUAGES:
        labels = taxonomy.labels(vocabulary, lang)
        assert all(label.strip() for label in labels.values()), (vocabulary, lang)
    english = taxonomy.labels("service_type", "en")
    for lang in LANGUAGES[1:]:
        assert taxonomy.labels("service_type", lang)["transport_mobility"] != english["transport_mobility"], lang


def test_country_labels_are_cldrs_names_in_every_language(taxonomy):
    for lang in LANGUAGES:
        assert taxonomy.labels("country", lang) == {
            code: Locale.parse(lang).territories[code] for code in taxonomy.codes("country")}, lang


def test_service_colours_are_distinct_hex(taxonomy):
    colours = taxonomy.colours("service_type")
    assert len(set(colours.values())) == len(SERVICES)
    assert all(colour.startswith("#") and len(colour) == 7 for colour in colours.values())


def test_aliases_map_local_country_names_and_labels(taxonomy):
    countries = taxonomy.aliases("country")
    assert countries["lietuva"] == "LT" and countries["sverige"] == "SE" and countries["latvija"] == "LV"
    assert taxonomy.aliases("service_type")["transportas ir judumas"] == "transport_mobility"
    assert countries["saksamaa"] == countries["niemcy"] == countries["tyskland"] == "DE"  # et, pl, sv/da labels
    assert taxonomy.aliases("service_type")["verkehr & mobilität"] == "transport_mobility"
    assert taxonomy.aliases("status")["pilotaż"] == "pilot" and countries["noreg"] == "NO"  # a label, an alias


def test_no_label_names_two_codes_of_one_vocabulary(taxonomy):
    for vocabulary in ("service_type", "target_group", "actor_type", "status", "location_precision", "country"):
        codes = taxonomy.codes(vocabulary)
        for lang in LANGUAGES:
            labels = [label.casefold() for label in taxonomy.labels(vocabulary, lang).values()]
            assert len(set(labels)) == len(codes), (vocabulary, lang)
        named = {}  # every language's label → its code: a word may be a label in two languages, of one code only
        for lang in LANGUAGES:
            for code, label in taxonomy.labels(vocabulary, lang).items():
                assert named.setdefault(label.casefold(), code) == code, (vocabulary, lang, label)


def test_adding_a_code_to_the_file_is_all_it_takes(tmp_path: Path):
    text = (Path(__file__).parent.parent / "data" / "taxonomy.csv").read_text(encoding="utf-8")
    header = text.splitlines()[0].split(",")
    row = {"vocabulary": "service_type", "code": "legal_aid", "colour": "#000000", "definition_en": "Free legal advice.",
           **{f"label_{lang}": f"Legal aid ({lang})" for lang in LANGUAGES}}
    path = tmp_path / "taxonomy.csv"
    path.write_text(text + ",".join(row.get(column, "") for column in header) + "\n", encoding="utf-8")
    taxonomy = load_taxonomy(path)
    assert taxonomy.codes("service_type")[-1] == "legal_aid"
    assert taxonomy.label("service_type", "legal_aid", "pl") == "Legal aid (pl)"
    assert taxonomy.definitions("service_type", "fi")["legal_aid"] == "Free legal advice."  # English where untranslated


def test_broken_taxonomy_is_reported_with_file_and_reason(tmp_path: Path):
    path = tmp_path / "taxonomy.csv"
    path.write_text("vocabulary,code\nservice_type,x\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="taxonomy.csv: missing column"):
        load_taxonomy(path)
    text = (Path(__file__).parent.parent / "data" / "taxonomy.csv").read_text(encoding="utf-8")
    path.write_text(text + text.splitlines()[1] + "\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="appears twice"):
        load_taxonomy(path)


def test_definitions_in_every_language(taxonomy):
    for vocabulary in ("service_type", "target_group", "actor_type", "status"):
        for lang in LANGUAGES:
            assert all(text.strip() for text in taxonomy.definitions(vocabulary, lang).values()), (vocabulary, lang)
    assert taxonomy.definitions("service_type", "lv")["transport_mobility"].startswith("Pārvadājumi")
    assert taxonomy.definitions("service_type", "lt") != taxonomy.definitions("service_type", "en")
