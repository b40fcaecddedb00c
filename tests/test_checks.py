"""Where rows lie, judged against the boundaries (else the shipped country outlines): outside the country, swapped
coordinates, wrong region; and the one order problems are listed in."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point

from conftest import NUTS_2024_L3, make_raw
from ecosystem.checks import blocking_first, country_warnings, region_warnings, validation_context
from ecosystem.config import PROJECT_DIR
from ecosystem.outlines import COAST_TOLERANCE_M, country_outlines, near_country
from ecosystem.regions import load_regions
from ecosystem.registry import read_raw_csv
from ecosystem.schema import PROBLEM_COLUMNS
from ecosystem.view import load_inputs

needs_boundaries = pytest.mark.skipif(not NUTS_2024_L3.exists(), reason="../shared/reference/nuts is not beside the repository")


@pytest.fixture(scope="module")
def regions():

    return load_regions(NUTS_2024_L3)


def located(**row: str) -> dict:
    return {"location_precision": "settlement", **row}


@needs_boundaries
def test_location_problems(regions):
    raw = make_raw([
        located(latitude="55.25", longitude="22.29", country="LT", region_code="LT027"),  # Tauragė: fine
        located(latitude="22.29", longitude="55.25", country="LT"),  # swapped
        located(latitude="56.95", longitude="24.10", country="LT"),  # Riga: in LV
        located(latitude="55.25", longitude="22.29", country="LT", region_code="LT011"),  # wrong region
        located(latitude="38.70", longitude="-9.10", country="PT"),  # not covered by the boundaries: not judged
        located(latitude="56.00", longitude="19.00", country="SE"),  # open sea
    ])
    problems = region_warnings(raw, regions).set_index("row")
    assert sorted(problems.index) == [3, 4, 5, 7]
    assert problems.loc[3, "severity"] == "error" and "swapped" in problems.loc[3, "message"]
    assert problems.loc[4, "severity"] == "error" and "fall in: LV" in problems.loc[4, "message"]
    assert problems.loc[5, "severity"] == "warning" and "LT027, not in LT011" in problems.loc[5, "message"]
    assert problems.loc[7, "severity"] == "error" and "outside SE" in problems.loc[7, "message"]


@needs_boundaries
def test_messages_in_lithuanian(regions):
    raw = make_raw([located(latitude="22.29", longitude="55.25", country="LT")])
    assert "sukeistos" in region_warnings(raw, regions, "lt")["message"].iloc[0]


@needs_boundaries
def test_context_knows_the_boundaries_codes_and_where_rows_lie(taxonomy, regions):
    context = validation_context(taxonomy, ["sempre"], regions)
    assert "LT027" in context.region_codes and context.other_edition("LV003")[2] == "LV00B"
    raw = make_raw([located(latitude="22.29", longitude="55.25", country="LT")])
    pd.testing.assert_frame_equal(context.location_problems(raw, "lt"), region_warnings(raw, regions, "lt"))


def test_without_boundaries_the_country_outlines_judge_where_rows_lie(taxonomy):
    raw = make_raw([
        located(latitude="55.25", longitude="22.29", country="LT"),  # Tauragė: fine
        located(latitude="22.29", longitude="55.25", country="LT"),  # swapped
        located(latitude="56.95", longitude="24.10", country="LT"),  # Riga: in LV
        located(latitude="38.70", longitude="-9.10", country="PT"),  # Lisbon: fine (the outlines reach Portugal)
        located(latitude="56.00", longitude="19.00", country="SE"),  # open sea
        located(latitude="54.71", longitude="20.51", country="LT"),  # Kaliningrad: in RU
        located(latitude="65.5848", longitude="22.1567", country="SE"),  # Luleå, on the shore: fine
        located(latitude="60.10", longitude="19.94", country="FI"),  # Mariehamn, Åland: Finland, as in NUTS
        located(latitude="40.71", longitude="-74.01", country="US"),  # beyond the outlines: not judged
        located(latitude="", longitude="", country="LT"),  # no coordinates: nothing to judge
    ])
    context = validation_context(taxonomy, ["sempre"])
    assert context.region_codes is None
    problems = context.location_problems(raw, "en").set_index("row")
    pd.testing.assert_frame_equal(problems.reset_index(), country_warnings(raw, "en"))
    assert sorted(problems.index) == [3, 4, 6, 7]
    assert (problems["severity"] == "error").all() and (problems["column"] == "latitude").all()
    assert "swapped" in problems.loc[3, "message"] and "latitude 55.25, longitude 22.29" in problems.loc[3, "message"]
    assert "outside LT (they fall in: LV)" in problems.loc[4, "message"]
    assert "outside SE (they fall in: —)" in problems.loc[6, "message"]
    assert "outside LT (they fall in: RU)" in problems.loc[7, "message"]
    assert "sukeistos" in country_warnings(raw, "lt").set_index("row").loc[3, "message"]


def test_the_coast_tolerance_spares_the_shore_not_the_sea():
    lithuania = country_outlines().set_index("country").to_crs("EPSG:3035").geometry["LT"]
    west = min(shapely.get_coordinates(lithuania).tolist())  # the westmost point of Lithuania's coast, on the open sea
    offshore = gpd.GeoSeries([Point(west[0] - metres, west[1]) for metres in (0, 2_000, 4_500, 8_000, 30_000)],
                             crs="EPSG:3035").to_crs("EPSG:4326")
    near = near_country(offshore.y.to_numpy(), offshore.x.to_numpy(), np.array(["LT"] * 5, dtype=object))
    assert near.tolist() == [True, True, True, False, False]
    assert COAST_TOLERANCE_M == 5_000


def test_the_seed_rows_lie_where_they_say_without_boundaries(tmp_path, monkeypatch):
    monkeypatch.setenv("ECOSYSTEM_REFERENCE_DIR", str(tmp_path))  # no NUTS files: the shipped outlines judge
    raw = read_raw_csv(PROJECT_DIR / "data" / "initiatives.csv")
    assert country_warnings(raw).empty
    inputs = load_inputs()
    assert inputs.regions is None and inputs.context.location_problems(raw, "en").empty


def test_problems_are_listed_errors_first_each_kind_by_row():
    read = pd.DataFrame([(5, "name", "", "warning", "w5"), (4, "id", "", "error", "e4")], columns=PROBLEM_COLUMNS)
    checked = pd.DataFrame([(2, "name", "", "warning", "w2"), (7, "id", "", "error", "e7")], columns=PROBLEM_COLUMNS)
    assert blocking_first([read, checked])["message"].tolist() == ["e4", "e7", "w2", "w5"]
    assert blocking_first([read.iloc[0:0]]).empty
