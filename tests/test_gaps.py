"""Tests for ecosystem.gaps: regions without an initiative, ranked by the residents concerned, with the distance to
the nearest initiative — compared with counts and distances worked out by hand."""

from __future__ import annotations

import math
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

from ecosystem.coverage import regions_in_scope
from ecosystem.filters import FilterState, apply_filters
from ecosystem.gaps import EARTH_RADIUS_KM, GAP_COLUMNS, REGION_COLUMNS, find_gaps, nearest_km, region_centres
from ecosystem.population import age_groups_of, load_population, population_from_sdmx_csv, target_age_groups
from ecosystem.regions import load_regions
from ecosystem.registry import Registry
from tests.conftest import NUTS_2024_L3, make_frame


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance as the textbook writes it, to check the k-d tree's answer against."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


@pytest.fixture()
def squares() -> gpd.GeoDataFrame:
    """Four one-degree squares in a row along 55°N (AA001…AA004), edition 2024."""
    return gpd.GeoDataFrame({
        "nuts_id": ["AA001", "AA002", "AA003", "AA004"], "country": ["LT"] * 4,
        "name": ["One", "Two", "Three", "Four"], "level": [3] * 4,
        "edition": pd.array([2024] * 4, dtype="Int64"),
    }, geometry=[box(20 + i, 55, 21 + i, 56) for i in range(4)], crs="EPSG:4326")


def population(rows: dict[str, tuple[int, int, int, int]], year: int = 2025) -> pd.DataFrame:
    records = [{"nuts_id": code, "year": year, "age": age, "population": value}
               for code, values in rows.items() for age, value in zip(("TOTAL", "Y_LT15", "Y15-64", "Y_GE65"), values,
                                                                      strict=True)]
    return pd.DataFrame(records)


def test_gaps_are_the_regions_without_an_initiative_ranked_by_residents(squares: gpd.GeoDataFrame) -> None:
    frame = make_frame([
        {"id": "a", "region_code": "AA001", "latitude": "55.5", "longitude": "20.5"},
        {"id": "b", "region_code": "AA001", "latitude": "55.5", "longitude": "20.6"},
        {"id": "org", "actor_type": "support_organisation", "region_code": "AA003", "latitude": "55.5",
         "longitude": "22.5"},
    ])
    people = population({"AA001": (200_000, 30_000, 130_000, 40_000), "AA002": (50_000, 5_000, 30_000, 15_000),
                         "AA003": (80_000, 8_000, 52_000, 20_000)})
    answer = find_gaps(frame, squares, ["AA001", "AA002", "AA003", "AA004"], frame, people, ("Y_GE65",))

    assert list(answer.regions.columns) == REGION_COLUMNS and list(answer.gaps.columns) == GAP_COLUMNS
    assert answer.regions.set_index("nuts_id")["initiatives"].to_dict() == {"AA001": 2, "AA002": 0, "AA003": 0,
                                                                            "AA004": 0}
    assert answer.regions.set_index("nuts_id").loc["AA001", "per_100k"] == pytest.approx(2 / 40_000 * 100_000)
    # the organisation does not count; AA003 has more older people than AA002; AA004's population is unknown
    assert answer.gaps["nuts_id"].tolist() == ["AA003", "AA002", "AA004"]
    assert answer.gaps["residents"].tolist()[:2] == [20_000, 15_000] and math.isnan(answer.gaps["residents"].iloc[2])
    assert answer.population_year == 2025 and answer.ages == ("Y_GE65",)
    assert answer.residents_in_gaps == 35_000
    # from each square's centre to the nearest initiative (b, at 55.5 N 20.6 E)
    for code, east in (("AA002", 21.5), ("AA003", 22.5), ("AA004", 23.5)):
        row = answer.gaps.set_index("nuts_id").loc[code]
        assert row["nearest_km"] == pytest.approx(haversine_km(55.5, east, 55.5, 20.6), rel=2e-3)


def test_without_population_gaps_are_listed_by_distance_farthest_first(squares: gpd.GeoDataFrame) -> None:
    frame = make_frame([{"id": "a", "region_code": "AA001", "latitude": "55.5", "longitude": "20.5"}])
    answer = find_gaps(frame, squares, ["AA001", "AA002", "AA003", "AA004"], frame)
    assert answer.gaps["nuts_id"].tolist() == ["AA004", "AA003", "AA002"]
    assert answer.population_year is None and answer.regions["per_100k"].isna().all()


def test_the_nearest_initiative_may_lie_across_a_border(squares: gpd.GeoDataFrame) -> None:
    lithuania = make_frame([{"id": "lt", "region_code": "AA001", "latitude": "55.5", "longitude": "20.5"}])
    everywhere = make_frame([
        {"id": "lt", "region_code": "AA001", "latitude": "55.5", "longitude": "20.5"},
        {"id": "lv", "country": "LV", "region_code": "", "latitude": "56.1", "longitude": "23.5"},
    ])
    answer = find_gaps(lithuania, squares, ["AA001", "AA004"], everywhere)
    assert answer.gaps.set_index("nuts_id").loc["AA004", "nearest_km"] == pytest.approx(
        haversine_km(55.5, 23.5, 56.1, 23.5), rel=2e-3)


def test_no_initiative_anywhere_leaves_the_distance_unknown(squares: gpd.GeoDataFrame) -> None:
    nothing = make_frame([{"id": "x", "actor_type": "support_organisation", "latitude": "55.5", "longitude": "20.5"}])
    answer = find_gaps(nothing, squares, ["AA001", "AA002"], nothing)
    assert answer.gaps["nuts_id"].tolist() == ["AA001", "AA002"] and answer.gaps["nearest_km"].isna().all()
    assert np.isnan(nearest_km(np.array([55.0]), np.array([21.0]), nothing.iloc[0:0])).all()


def test_a_crescent_region_is_measured_from_a_point_inside_it() -> None:
    crescent = Polygon([(20, 55), (24, 55), (24, 56), (23.5, 56), (23.5, 55.5), (20.5, 55.5), (20.5, 56), (20, 56)])
    regions = gpd.GeoDataFrame({"nuts_id": ["AA001"]}, geometry=[crescent], crs="EPSG:4326")
    latitude, longitude = region_centres(regions)
    assert crescent.contains(gpd.points_from_xy(longitude, latitude)[0])


@pytest.mark.skipif(not NUTS_2024_L3.is_file(), reason="the NUTS 2024 copy in ../shared is absent")
@pytest.mark.parametrize("targets", [("older_people",), ("children_youth", "families_children"), ("single_parents",)])
def test_real_boundaries_seed_and_population_agree_with_a_count_by_hand(
        seed_registry: Registry, eurostat_population_csv: str, targets: tuple[str, ...], tmp_path) -> None:
    regions = load_regions(NUTS_2024_L3)
    (tmp_path / "population.csv").write_text(population_from_sdmx_csv(eurostat_population_csv).to_csv(index=False))
    people = load_population(tmp_path / "population.csv")
    registry = seed_registry.initiatives
    state = FilterState(countries=("LT", "LV"), targets=targets)
    filtered = apply_filters(registry, state)
    scope = regions_in_scope(regions, registry, state.countries, state.regions)
    ages = age_groups_of(targets, target_age_groups())
    answer = find_gaps(filtered, regions, scope, apply_filters(registry, replace(state, countries=())), people, ages)

    # by hand: every region of Lithuania and Latvia whose code no initiative serving the groups carries
    served: dict[str, set[str]] = {}
    for row in registry.itertuples():
        if row.actor_type == "initiative" and row.country in ("LT", "LV") and set(row.target_groups.split(";")) & set(targets):
            served.setdefault(row.region_code, set()).add(row.id)
    by_hand = {code for code in regions.loc[regions["country"].isin(["LT", "LV"]), "nuts_id"] if code not in served}
    assert set(answer.gaps["nuts_id"]) == by_hand
    counts = answer.regions.set_index("nuts_id")["initiatives"]
    assert {code: count for code, count in counts.items() if count} == {code: len(ids) for code, ids in served.items()
                                                                        if code in counts.index}
    # residents by hand from the published table, 2025 for NUTS 2024
    for row in answer.gaps.head(3).itertuples():
        published = people[(people["nuts_id"] == row.nuts_id) & (people["year"] == 2025) & people["age"].isin(ages)]
        assert row.residents == published["population"].sum() and row.year == 2025
    assert answer.gaps["residents"].is_monotonic_decreasing
