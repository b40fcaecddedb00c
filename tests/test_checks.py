"""Where rows lie, judged against the boundaries: outside the country, swapped coordinates, wrong region; and
the one order problems are listed in."""

import pandas as pd
import pytest

from conftest import NUTS_2024_L3, make_raw
from ecosystem.checks import blocking_first, region_warnings, validation_context
from ecosystem.regions import load_regions
from ecosystem.schema import PROBLEM_COLUMNS

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


def test_without_boundaries_where_rows_lie_is_not_judged(taxonomy):
    context = validation_context(taxonomy, ["sempre"])
    raw = make_raw([located(latitude="22.29", longitude="55.25", country="LT")])
    assert context.region_codes is None and context.location_problems(raw, "en").empty


def test_problems_are_listed_errors_first_each_kind_by_row():
    read = pd.DataFrame([(5, "name", "", "warning", "w5"), (4, "id", "", "error", "e4")], columns=PROBLEM_COLUMNS)
    checked = pd.DataFrame([(2, "name", "", "warning", "w2"), (7, "id", "", "error", "e7")], columns=PROBLEM_COLUMNS)
    assert blocking_first([read, checked])["message"].tolist() == ["e4", "e7", "w2", "w5"]
    assert blocking_first([read.iloc[0:0]]).empty
