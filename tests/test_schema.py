import pandas as pd
import pytest

from conftest import make_frame, make_raw
from ecosystem.schema import (
    COORDINATE_COLUMNS,
    LIST_COLUMNS,
    NUMERIC_COLUMNS,
    REGISTRY_COLUMNS,
    YEAR_COLUMNS,
    ValidationContext,
    has_errors,
    validate_registry,
)
from ecosystem.synthetic import synthetic_registry


def problems_of(raw, context, lang="en"):
    return validate_registry(raw, context, lang)


def only(problems, column):
    return problems[problems["column"] == column]


def test_seed_registry_is_clean(seed_raw, context):
    assert problems_of(seed_raw, context).empty


def test_every_problem_of_a_file_comes_back_at_once(context):
    raw = make_raw([
        {"service_types": "transprot"},
        {"latitude": "95", "longitude": "24", "location_precision": "settlement"},
        {"id": "dup"}, {"id": "dup"},
        {"start_year": "20x7"},
        {"start_year": "2010", "end_year": "2005"},
        {"website": "javascript:alert(1)"},
        {"country": "Lithuania"},
    ])
    problems = problems_of(raw, context)
    assert has_errors(problems)
    found = set(zip(problems["row"], problems["column"], strict=True))
    assert {(2, "service_types"), (3, "latitude"), (4, "id"), (5, "id"), (6, "start_year"), (7, "end_year"),
            (8, "website"), (9, "country")} <= found
    message = only(problems, "service_types")["message"].iloc[0]
    assert "transprot" in message and "did you mean “transport_mobility”" in message.lower()


@pytest.mark.parametrize("lang, words", [("en", "rows 2, 4"), ("lt", "eilutės 2, 4"), ("lv", "rindas 2, 4")])
def test_ids_differing_only_in_letter_case_are_duplicates(context, lang, words):
    raw = make_raw([{"id": "B-ROW-0"}, {"id": "b-row-1"}, {"id": "b-row-0"}])
    duplicates = only(problems_of(raw, context, lang), "id")
    assert duplicates[["row", "value", "severity"]].values.tolist() == [[2, "B-ROW-0", "error"], [4, "b-row-0", "error"]]
    assert all(words in message for message in duplicates["message"])

def test_rows_are_numbered_as_in_the_spreadsheet(context):
    raw = make_raw([{}, {}, {"status": "finished"}])
    assert problems_of(raw, context)["row"].tolist() == [4]


def test_wrong_column_names_are_reported_with_a_suggestion(context):
    raw = make_raw([{}]).rename(columns={"name": "naem"})
    problems = problems_of(raw, context)
    assert "Did you mean “name”" in " ".join(problems["message"])
    assert "Column “name” is missing" in " ".join(problems["message"])


def test_coordinates_outside_the_world_and_half_pairs(context):
    raw = make_raw([
        {"latitude": "54.9", "longitude": "200", "location_precision": "settlement"},
        {"latitude": "54.9", "longitude": ""},
        {"latitude": "abc", "longitude": "22", "location_precision": "settlement"},
        {"latitude": "-33.9", "longitude": "18.4", "location_precision": "settlement"},
    ])
    problems = problems_of(raw, context)
    assert set(zip(problems["row"], problems["column"], strict=True)) >= {(2, "longitude"), (3, "latitude"), (4, "latitude")}
    assert 5 not in set(problems["row"])  # a negative coordinate is a valid number, not a formula


def test_initiatives_need_services_and_targets_organisations_do_not(context):
    raw = make_raw([
        {"service_types": "", "target_groups": ""},
        {"actor_type": "support_organisation", "service_types": "", "target_groups": "", "country": ""},
    ])
    problems = problems_of(raw, context)
    assert set(zip(problems["row"], problems["column"], strict=True)) == {(2, "service_types"), (2, "target_groups")}


def test_region_rules(context):
    other_edition = lambda code: ("2021", "Kurzeme", "LV00B") if code == "LV003" else None  # noqa: E731
    ctx = ValidationContext(context.taxonomy, context.programme_ids, frozenset({"LT025", "LV00B"}), other_edition)
    raw = make_raw([
        {"region_code": "LV00B", "country": "LT"},
        {"region_code": "LV003", "country": "LV"},
        {"region_code": "LT999"},
        {"region_code": "Taurage"},
        {"region_code": "LT025"},
        {"region_code": "PT112", "country": "PT"},
    ])
    problems = problems_of(raw, ctx)
    found = zip(problems["row"], problems["severity"], problems["message"], strict=True)
    by_row = {row: (severity, message) for row, severity, message in found}
    assert by_row[2][0] == "error" and "does not belong to country LT" in by_row[2][1]
    assert by_row[3][0] == "warning" and "LV00B" in by_row[3][1]
    assert by_row[4][0] == "error" and "not a NUTS-3 region" in by_row[4][1]
    assert by_row[5][0] == "error"
    assert 6 not in by_row and 7 not in by_row  # the boundaries do not cover Portugal: not judged


def test_unknown_programme_and_control_characters(context):
    raw = make_raw([{"programmes": "sempre;socifacton"}, {"name": "Bad\x07name"}])
    problems = problems_of(raw, context)
    assert "socifaction" in only(problems, "programmes")["message"].iloc[0]
    assert only(problems, "name")["row"].tolist() == [3]


def test_messages_follow_the_language(context):
    raw = make_raw([{"status": "finished"}])
    assert "nėra žinomas kodas" in problems_of(raw, context, "lt")["message"].iloc[0]
    assert "nav zināms kods" in problems_of(raw, context, "lv")["message"].iloc[0]


def test_markup_in_names_is_just_text(context):
    raw = make_raw([{"name": "<script>alert(1)</script>"}])
    assert problems_of(raw, context).empty


def test_validation_of_a_large_file_is_vectorised(context, taxonomy):

    raw = synthetic_registry(20_000, taxonomy)
    raw.loc[123, "status"] = "nope"
    problems = problems_of(raw, context)
    assert problems["row"].tolist() == [125]
    assert list(raw.columns) == REGISTRY_COLUMNS and isinstance(problems, pd.DataFrame)


@pytest.mark.parametrize("value", ["2019", "1900", "2100", ""])
def test_good_years_pass(context, value):
    assert problems_of(make_raw([{"start_year": value}]), context).empty


def test_column_kinds_are_registry_columns_and_the_typed_registry_follows_them():
    assert set(LIST_COLUMNS) | set(NUMERIC_COLUMNS) <= set(REGISTRY_COLUMNS)
    assert NUMERIC_COLUMNS == COORDINATE_COLUMNS + YEAR_COLUMNS and not set(LIST_COLUMNS) & set(NUMERIC_COLUMNS)
    frame = make_frame([{column: "a ; b;" for column in LIST_COLUMNS} | {"latitude": "54.5", "longitude": "25.1",
                                                                        "start_year": "2020", "end_year": ""}])
    assert [str(frame[column].dtype) for column in NUMERIC_COLUMNS] == ["float64", "float64", "Int64", "Int64"]
    assert frame.loc[0, list(LIST_COLUMNS)].tolist() == ["a;b"] * len(LIST_COLUMNS)
