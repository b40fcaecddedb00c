import pandas as pd
import pytest

from conftest import make_frame
from ecosystem.coverage import (
    NO_CODE,
    count_by,
    counts_by_area_and_service,
    equal_shares,
    gap_regions,
    headline,
    region_counts,
    regions_in_scope,
    service_target_matrix,
    targets_by_area,
    timeline_counts,
    unserved_targets,
)
from ecosystem.filters import FilterState, apply_filters
from ecosystem.registry import typed_registry
from ecosystem.synthetic import synthetic_registry


@pytest.fixture()
def frame():
    return make_frame([
        {"id": "a", "country": "LT", "region_code": "LT025", "service_types": "transport_mobility;social_support",
         "target_groups": "older_people;rural_residents", "programmes": "socifaction", "start_year": "2017"},
        {"id": "b", "country": "LT", "region_code": "LT025", "service_types": "social_support",
         "target_groups": "older_people", "programmes": "", "start_year": "2017"},
        {"id": "c", "country": "LV", "region_code": "", "service_types": "food_nutrition", "target_groups": "low_income",
         "programmes": "sempre;sempre_accelerators", "start_year": "2019"},
        {"id": "d", "country": "SE", "actor_type": "support_organisation", "service_types": "social_support",
         "target_groups": "older_people"},
    ])


def test_an_initiative_counts_under_each_group_but_once_in_totals(frame, taxonomy):
    by_target = count_by(frame, "target_group", taxonomy.codes("target_group"))
    assert by_target["older_people"] == 2 and by_target["rural_residents"] == 1 and by_target["jobseekers"] == 0
    assert by_target.sum() == 4  # category counts overlap …
    assert headline(frame).initiatives == 3  # … totals do not


def test_headline(frame):
    figures = headline(frame)
    counted = (figures.initiatives, figures.organisations, figures.countries, figures.regions, figures.target_groups)
    assert counted == (3, 1, 2, 1, 3)  # countries and regions with an initiative: not the organisation's SE


def test_service_target_matrix(frame, taxonomy):
    matrix = service_target_matrix(frame, taxonomy.codes("service_type"), taxonomy.codes("target_group"))
    assert matrix.shape == (10, 11)
    assert matrix.loc["social_support", "older_people"] == 2
    assert matrix.loc["transport_mobility", "rural_residents"] == 1
    assert matrix.loc["housing"].sum() == 0


def test_area_counts_split_initiatives_equally_with_distinct_totals(frame, taxonomy):
    counts, totals = counts_by_area_and_service(frame, "country", taxonomy.codes("service_type"))
    lt = counts[counts["country"] == "LT"].set_index("service_type")
    assert lt["initiatives"].to_dict() == {"social_support": 1.5, "transport_mobility": 0.5}  # a: half in each
    assert lt["distinct"].to_dict() == {"social_support": 2, "transport_mobility": 1}
    assert totals.to_dict() == {"LT": 2, "LV": 1} == counts.groupby("country")["initiatives"].sum().to_dict()
    _, region_totals = counts_by_area_and_service(frame, "region", taxonomy.codes("service_type"))
    assert region_totals.to_dict() == {"LT025": 2, "": 1}


def test_targets_by_area_and_timeline(frame, taxonomy):
    table = targets_by_area(frame, "region", taxonomy.codes("target_group"))
    assert table.loc["LT025", "older_people"] == 2 and table.loc["", "low_income"] == 1
    timeline = timeline_counts(frame).set_index(["start_year", "programme"])
    assert timeline["initiatives"].to_dict() == {(2017, ""): 1, (2017, "socifaction"): 1, (2019, "sempre"): 0.5,
                                                 (2019, "sempre_accelerators"): 0.5}
    assert timeline["distinct"].to_dict() == {(2017, ""): 1, (2017, "socifaction"): 1, (2019, "sempre"): 1,
                                              (2019, "sempre_accelerators"): 1}


def test_equal_shares_add_up_to_one_per_initiative(frame):
    shares = equal_shares(frame, "service_type")
    assert shares.groupby("id")["share"].sum().to_dict() == {"a": 1, "b": 1, "c": 1, "d": 1}
    uncoded = equal_shares(make_frame([{"id": "x", "programmes": ""}, {"id": "y", "programmes": "sempre;sempre"}]),
                           "programme")
    assert uncoded.to_dict("records") == [{"id": "y", "programme": "sempre", "share": 1.0},
                                          {"id": "x", "programme": NO_CODE, "share": 1.0}]


def test_gaps(frame, taxonomy):
    assert gap_regions(frame, ["LT025", "LT021", "LV00B"]) == ["LT021", "LV00B"]
    assert region_counts(frame, ["LT025", "LT021"]).to_dict() == {"LT025": 2, "LT021": 0}
    assert "jobseekers" in unserved_targets(frame, taxonomy.codes("target_group"))
    assert "older_people" not in unserved_targets(frame, taxonomy.codes("target_group"))


def test_empty_frame_counts_nothing(frame, taxonomy):
    empty = frame.iloc[0:0]
    assert headline(empty).initiatives == 0
    assert service_target_matrix(empty, taxonomy.codes("service_type"), taxonomy.codes("target_group")).to_numpy().sum() == 0
    assert timeline_counts(empty).empty


@pytest.mark.parametrize("state", [
    FilterState(), FilterState(countries=("LT", "LV")), FilterState(services=("transport_mobility", "housing")),
    FilterState(targets=("older_people",), years=(2010, 2020)),
])
def test_every_number_agrees_with_the_registry_table(taxonomy, state):
    """The counts behind each chart equal what the filtered registry table shows, counted by hand."""
    frame = typed_registry(synthetic_registry(3000, taxonomy, seed=3))
    table = apply_filters(frame, state)
    initiatives = table[table["actor_type"] == "initiative"]
    assert headline(table).initiatives == len(initiatives)
    for code in taxonomy.codes("target_group"):
        by_hand = sum(code in cell.split(";") for cell in initiatives["target_groups"])
        assert count_by(table, "target_group", taxonomy.codes("target_group"))[code] == by_hand
    matrix = service_target_matrix(table, taxonomy.codes("service_type"), taxonomy.codes("target_group"))
    pairs = sum(("social_support" in s.split(";")) and ("older_people" in t.split(";"))
                for s, t in zip(initiatives["service_types"], initiatives["target_groups"], strict=True))
    assert matrix.loc["social_support", "older_people"] == pairs
    _, totals = counts_by_area_and_service(table, "country", taxonomy.codes("service_type"))
    assert totals.to_dict() == initiatives["country"].value_counts().to_dict()


def test_regions_in_scope():


    regions = pd.DataFrame({"nuts_id": ["LT011", "LT027", "LV00B"], "country": ["LT", "LT", "LV"]})
    frame = make_frame([{"country": "LV"}])
    assert regions_in_scope(regions, frame) == ["LV00B"]
    assert regions_in_scope(regions, frame, ["LT"]) == ["LT011", "LT027"]
    assert regions_in_scope(regions, frame, ["LT"], ["LT027"]) == ["LT027"]
