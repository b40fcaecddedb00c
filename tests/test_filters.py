import pytest

from conftest import make_frame
from ecosystem.filters import FilterState, apply_filters, describe_filters, filter_options


@pytest.fixture()
def frame():
    return make_frame([
        {"id": "a", "country": "LT", "service_types": "transport_mobility", "target_groups": "older_people;rural_residents",
         "programmes": "socifaction", "start_year": "2017", "name": "Socialinis taksi", "region_code": "LT025"},
        {"id": "b", "country": "LV", "service_types": "food_nutrition;education_training", "target_groups": "low_income",
         "programmes": "sempre", "start_year": "2019", "status": "pilot"},
        {"id": "c", "country": "SE", "actor_type": "support_organisation", "service_types": "", "target_groups": ""},
    ])


@pytest.fixture()
def options(frame, taxonomy):
    return filter_options(frame, taxonomy, ["sempre", "socifaction"], ["LT025", "LV00B"])


def test_each_filter_selects_rows(frame):
    ids = lambda state: apply_filters(frame, state)["id"].tolist()  # noqa: E731
    assert ids(FilterState()) == ["a", "b", "c"]
    assert ids(FilterState(countries=("LT", "LV"))) == ["a", "b"]
    assert ids(FilterState(services=("education_training",))) == ["b"]
    assert ids(FilterState(targets=("rural_residents",))) == ["a"]
    assert ids(FilterState(programmes=("sempre",))) == ["b"]
    assert ids(FilterState(actor_types=("support_organisation",))) == ["c"]
    assert ids(FilterState(statuses=("pilot",))) == ["b"]
    assert ids(FilterState(regions=("LT025",))) == ["a"]
    assert ids(FilterState(years=(2018, 2020))) == ["b"]
    assert ids(FilterState(text="TAKSI")) == ["a"]
    assert ids(FilterState(text="socialinis taksi")) == ["a"]


def test_code_filters_match_whole_codes_only(frame):
    assert apply_filters(frame, FilterState(services=("food",)))["id"].tolist() == []


def test_query_string_round_trip(options):
    state = FilterState(countries=("LT", "LV"), services=("transport_mobility",), years=(2017, 2018), text="taxi")
    query = state.to_query()
    assert query == {"country": "LT,LV", "service": "transport_mobility", "from": "2017", "to": "2018", "q": "taxi"}
    assert FilterState.from_query(query, options) == state
    assert "country=LT%2CLV" in state.query_string(lang="lt") and "lang=lt" in state.query_string(lang="lt")


def test_unknown_values_in_an_old_link_are_dropped(options):
    state = FilterState.from_query({"country": ["LT", "XX"], "service": "nope", "from": "1800", "to": "abc"}, options)
    assert state == FilterState(countries=("LT",))


def test_describe_filters_in_words(taxonomy):
    state = FilterState(services=("transport_mobility",), targets=("older_people",), countries=("LT", "LV"))
    assert describe_filters(state, taxonomy, "en") == (
        "Country: Lithuania, Latvia · Service type: Transport & mobility · Target group: Older people")
    assert describe_filters(state, taxonomy, "lt").startswith("Šalis: Lietuva, Latvija · Paslaugos tipas: Transportas")
    assert describe_filters(FilterState(countries=("BG",)), taxonomy, "de") == "Land: Bulgarien"  # any country
    assert describe_filters(FilterState(), taxonomy, "en") == "No filters: the whole registry"
