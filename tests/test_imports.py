"""Partner imports: plan (read → check → preview) without writing, then commit as one new registry version."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from conftest import DATA, make_raw
from ecosystem.auth import Account
from ecosystem.imports import ImportPlan, commit_plan, plan_import
from ecosystem.registry import read_raw_csv, typed_registry
from ecosystem.registry_io import registry_csv_bytes, registry_geojson_bytes, registry_xlsx_bytes
from ecosystem.schema import REGISTRY_COLUMNS, ValidationContext
from ecosystem.store import RegistryStore, StaleVersionError, open_store, registry_checksum

FILES = Path(__file__).resolve().parent / "files"
EXPECTED = json.loads((FILES / "expected.json").read_text(encoding="utf-8"))
REFUSED_FILES = sorted(name for name, expected in EXPECTED.items() if expected["errors"])
TODAY = "2031-03-14"
SEED_DATE = "2026-11-26"  # last_updated of every row of data/initiatives.csv

ALPHA = Account(username="anna", role="partner", partner="alpha")
BETA = Account(username="berta", role="partner", partner="beta")
ADMIN = Account(username="root", role="admin")

FORMULA_NAMES = ["=SUM(1)", "+x", "@y", "-z"]
BALTIC_NAME = "Kauno „Ūkis“ ąčęėįšųūž · Ģimeņu centrs Ķekava āčēģīķļņšūž · Fundacja Łódź ąćęłńóśźż"


@pytest.fixture()
def registry() -> pd.DataFrame:
    """The seed registry with rows 0–2 belonging to partner alpha and rows 3–5 to partner beta."""
    raw = read_raw_csv(DATA / "initiatives.csv")[REGISTRY_COLUMNS]
    raw.loc[0:2, "partner"] = "alpha"
    raw.loc[3:5, "partner"] = "beta"
    return raw


@pytest.fixture()
def store(empty_database: str, registry: pd.DataFrame) -> Iterator[RegistryStore]:
    """The registry seeded into an empty database, once of each kind (SQLite, PostgreSQL)."""
    with open_store(empty_database) as opened:
        assert opened.seed_if_empty(registry) == 1
        yield opened


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame[[column for column in REGISTRY_COLUMNS if column in frame.columns]].to_csv(index=False).encode("utf-8")


def rows_of(frame: pd.DataFrame, partner: str) -> pd.DataFrame:
    return frame[frame["partner"] == partner].sort_values("id").reset_index(drop=True)


def others(frame: pd.DataFrame, partner: str) -> pd.DataFrame:
    return frame[frame["partner"] != partner].sort_values("id").reset_index(drop=True)


def plan(data: bytes, store: RegistryStore, context: ValidationContext, account: Account = ALPHA,
         file_name: str = "partner.csv", **options: object) -> ImportPlan:
    return plan_import(data, file_name, store=store, account=account, context=context, today=TODAY, **options)


def errors(plan_: ImportPlan) -> set[tuple[int, str]]:
    found = plan_.problems[plan_.problems["severity"] == "error"]
    return set(zip(found["row"].astype(int), found["column"], strict=True))


# --- upsert and replace -----------------------------------------------------------------------------

def test_upsert_changes_one_field_and_adds_one_row(store: RegistryStore, context: ValidationContext) -> None:
    before = store.read()
    alpha = rows_of(before, "alpha")
    changed_id, old_name = alpha.loc[1, "id"], alpha.loc[1, "name"]
    alpha.loc[1, "name"] = "Šiaulių „Pastogė“"
    added = make_raw([{"id": "lt-alpha-new", "name": "Naujas centras", "partner": "alpha", "last_updated": "2030-01-01"}])
    upload = pd.concat([alpha, added], ignore_index=True)

    result = plan(csv_bytes(upload), store, context)

    assert result.importable and result.base_version == 1
    assert (result.count("added"), result.count("changed"), result.count("removed")) == (1, 1, 0)
    assert result.changes.to_dict(orient="records") == sorted([
        {"id": changed_id, "change": "changed", "column": "name", "old_value": old_name, "new_value": "Šiaulių „Pastogė“"},
        {"id": "lt-alpha-new", "change": "added", "column": "", "old_value": "", "new_value": ""},
    ], key=lambda change: change["id"])  # the preview lists changes by id
    assert store.current_version() == 1  # planning wrote nothing

    assert commit_plan(result, store, ALPHA) == 2
    assert store.checksum() == registry_checksum(result.content)
    pd.testing.assert_frame_equal(store.read(), result.content)
    assert len(store.read()) == len(before) + 1
    pd.testing.assert_frame_equal(others(store.read(), "alpha"), others(before, "alpha"))
    latest = store.versions().iloc[0]
    assert (latest["account"], latest["action"], latest["file_name"]) == ("anna", "import", "partner.csv")
    assert (latest["added"], latest["changed"], latest["removed"]) == (1, 1, 0)


def test_replace_removes_only_the_partners_absent_rows(store: RegistryStore, context: ValidationContext) -> None:
    before = store.read()
    checksum = store.checksum()
    alpha = rows_of(before, "alpha")
    gone = alpha.loc[2, "id"]
    upload = csv_bytes(alpha.drop(index=2))

    upserted = plan(upload, store, context, mode="upsert")
    assert upserted.changes.empty and not upserted.importable  # upsert never removes

    replaced = plan(upload, store, context, mode="replace")
    assert replaced.importable
    assert replaced.changes.to_dict(orient="records") == [
        {"id": gone, "change": "removed", "column": "", "old_value": "", "new_value": ""}]
    assert (replaced.count("added"), replaced.count("changed"), replaced.count("removed")) == (0, 0, 1)
    assert (store.current_version(), store.checksum()) == (1, checksum)  # the preview wrote nothing

    assert commit_plan(replaced, store, ALPHA) == 2
    after = store.read()
    assert gone not in set(after["id"])
    assert list(rows_of(after, "alpha")["id"]) == list(alpha.drop(index=2)["id"])
    pd.testing.assert_frame_equal(others(after, "alpha"), others(before, "alpha"))
    assert store.versions().iloc[0]["action"] == "replace"


# --- who may change which rows -------------------------------------------------------------------

def test_rows_of_another_partner_are_refused_with_their_spreadsheet_rows(
        store: RegistryStore, context: ValidationContext) -> None:
    before = store.read()
    checksum = store.checksum()
    alpha, beta = rows_of(before, "alpha"), rows_of(before, "beta")
    beta.loc[:, "name"] = beta["name"] + " (edited)"
    # spreadsheet rows: 2 alpha, 3 beta, 4 alpha, 5 beta
    upload = pd.concat([alpha.iloc[[0]], beta.iloc[[0]], alpha.iloc[[1]], beta.iloc[[1]]], ignore_index=True)

    result = plan(csv_bytes(upload), store, context)

    assert errors(result) == {(3, "partner"), (5, "partner")}
    refused = result.problems[result.problems["severity"] == "error"]
    assert set(refused["value"]) == {"beta"}
    assert all("“beta”" in message for message in refused["message"])
    assert not result.importable and result.content is None and result.changes.empty
    with pytest.raises(ValueError):
        commit_plan(result, store, ALPHA)
    assert (store.current_version(), store.checksum()) == (1, checksum)


def test_taking_over_another_partners_id_is_refused(store: RegistryStore, context: ValidationContext) -> None:
    checksum = store.checksum()
    beta_row = rows_of(store.read(), "beta").iloc[[0]].copy()
    beta_id = beta_row["id"].iloc[0]
    beta_row["partner"] = "alpha"  # claims beta's id under alpha's name
    upload = pd.concat([rows_of(store.read(), "alpha").iloc[[0]], beta_row], ignore_index=True)

    result = plan(csv_bytes(upload), store, context)

    assert errors(result) == {(3, "id")}
    message = result.problems.loc[result.problems["severity"] == "error", "message"].iloc[0]
    assert beta_id in message and "“beta”" in message
    assert not result.importable
    assert (store.current_version(), store.checksum()) == (1, checksum)


def test_an_administrator_may_change_every_partners_rows(store: RegistryStore, context: ValidationContext) -> None:
    before = store.read()
    upload = before[before["partner"].isin(["alpha", "beta"])].copy()
    upload.loc[upload["partner"] == "beta", "status"] = "closed"
    upload.loc[upload["partner"] == "alpha", "municipality"] = "Tauragės r. sav."
    moved = rows_of(before, "beta")["id"].iloc[-1]
    upload.loc[upload["id"] == moved, "partner"] = "alpha"  # an administrator may also give a row to another partner

    result = plan(csv_bytes(upload), store, context, account=ADMIN)

    assert errors(result) == set()
    assert result.count("changed") == 6
    assert commit_plan(result, store, ADMIN) == 2
    after = store.read()
    assert len(rows_of(after, "alpha")) == 4 and len(rows_of(after, "beta")) == 2
    assert set(rows_of(after, "beta")["status"]) == {"closed"}
    assert after.set_index("id").loc[moved, ["partner", "status"]].tolist() == ["alpha", "closed"]
    pd.testing.assert_frame_equal(rows_of(after, "seed"), rows_of(before, "seed"))


# --- concurrent imports ---------------------------------------------------------------------------

def test_the_second_plan_from_the_same_base_is_stale(store: RegistryStore, context: ValidationContext) -> None:
    before = store.read()
    alpha, beta = rows_of(before, "alpha"), rows_of(before, "beta")
    alpha.loc[0, "name"] = "Alpha renamed"
    beta.loc[0, "name"] = "Beta renamed"
    first = plan(csv_bytes(alpha), store, context, account=ALPHA)
    second = plan(csv_bytes(beta), store, context, account=BETA)
    assert first.base_version == second.base_version == 1

    assert commit_plan(first, store, ALPHA) == 2
    with pytest.raises(StaleVersionError) as raised:
        commit_plan(second, store, BETA)

    assert (raised.value.base_version, raised.value.current_version) == (1, 2)
    assert store.current_version() == 2
    assert store.checksum() == registry_checksum(first.content)
    pd.testing.assert_frame_equal(store.read(), first.content)
    assert "Beta renamed" not in set(store.read()["name"])


# --- export → import ----------------------------------------------------------------------------

def _geojson(frame: pd.DataFrame) -> bytes:
    return registry_geojson_bytes(typed_registry(frame))  # as the registry page exports it: numbers typed


EXPORTS: dict[str, tuple[str, Callable[[pd.DataFrame], bytes]]] = {
    "csv": ("registry.csv", registry_csv_bytes),
    "xlsx": ("registry.xlsx", registry_xlsx_bytes),
    "geojson": ("registry.geojson", _geojson),
}


@pytest.fixture()
def awkward_store(empty_database: str, registry: pd.DataFrame) -> Iterator[RegistryStore]:
    """A registry whose cells a spreadsheet would run as formulas, with Baltic and Polish letters, in an empty
    database of each kind."""
    for position, name in enumerate(FORMULA_NAMES):
        registry.loc[position, "name"] = name
    registry.loc[4, "name"] = BALTIC_NAME
    registry.loc[5, "municipality"] = "-Vilnius"
    registry.loc[6, "description"] = "=HYPERLINK(\"http://evil.example\") and a line break\nhere"
    with open_store(empty_database) as opened:
        opened.seed_if_empty(registry)
        yield opened


@pytest.mark.parametrize("mode", ["upsert", "replace"])
@pytest.mark.parametrize("kind", sorted(EXPORTS))
def test_an_export_imported_again_changes_nothing(
        awkward_store: RegistryStore, context: ValidationContext, kind: str, mode: str) -> None:
    file_name, export = EXPORTS[kind]
    current = awkward_store.read()
    data = export(current)

    result = plan(data, awkward_store, context, account=ADMIN, file_name=file_name, mode=mode)

    assert result.read.format == kind and result.read.rows == len(current)
    assert errors(result) == set()
    assert result.changes.empty, result.changes.to_string()
    assert not result.importable
    assert registry_checksum(result.content) == awkward_store.checksum()
    names = set(result.content["name"])
    assert set(FORMULA_NAMES) | {BALTIC_NAME} <= names


def test_csv_export_neutralises_formula_cells(awkward_store: RegistryStore) -> None:
    text = registry_csv_bytes(awkward_store.read()).decode("utf-8")
    for name in FORMULA_NAMES:
        assert f"\n'{name}," in text or f",'{name}," in text
    assert ",'-Vilnius," in text
    assert BALTIC_NAME in text


# --- ids are the same whatever their letter case ----------------------------------------------------

def test_another_partners_id_in_other_letter_case_is_refused_naming_the_owner(
        store: RegistryStore, context: ValidationContext) -> None:
    checksum = store.checksum()
    beta_id = rows_of(store.read(), "beta")["id"].iloc[0]
    claimed = make_raw([{"id": beta_id.upper(), "name": "Mine now", "partner": "alpha"}])

    result = plan(csv_bytes(claimed), store, context)

    assert errors(result) == {(2, "id")}
    message = result.problems.loc[result.problems["severity"] == "error", "message"].iloc[0]
    assert f"“{beta_id.upper()}”" in message and "“beta”" in message and f"written “{beta_id}” there" in message
    assert "give your initiative a new id" in message
    assert not result.importable and (store.current_version(), store.checksum()) == (1, checksum)


@pytest.mark.parametrize("account", [ALPHA, ADMIN])
def test_an_own_id_in_other_letter_case_updates_that_row_and_keeps_its_id(
        store: RegistryStore, context: ValidationContext, account: Account) -> None:
    before = store.read()
    alpha = rows_of(before, "alpha").iloc[[0]].copy()
    stored_id = alpha["id"].iloc[0]
    alpha["id"], alpha["name"] = stored_id.upper(), "Renamed"

    result = plan(csv_bytes(alpha), store, context, account=account)

    assert errors(result) == set()
    assert result.changes[["id", "change", "column"]].values.tolist() == [[stored_id, "changed", "name"]]
    warning = result.problems[result.problems["column"] == "id"]
    assert warning[["row", "value", "severity"]].values.tolist() == [[2, stored_id.upper(), "warning"]]
    assert f"keeps its id “{stored_id}”" in warning["message"].iloc[0]
    commit_plan(result, store, account)
    after = store.read()
    assert len(after) == len(before) and stored_id in set(after["id"]) and stored_id.upper() not in set(after["id"])
    assert after.set_index("id").loc[stored_id, "name"] == "Renamed"


def test_one_id_twice_in_a_file_in_other_letter_case_is_refused(store: RegistryStore, context: ValidationContext) -> None:
    twice = make_raw([{"id": "lt-alpha-x", "partner": "alpha"}, {"id": "LT-Alpha-X", "partner": "alpha"}])

    result = plan(csv_bytes(twice), store, context)

    assert errors(result) == {(2, "id"), (3, "id")}
    assert not result.importable and store.current_version() == 1

# --- refusals -------------------------------------------------------------------------------------

@pytest.mark.parametrize("file_name", REFUSED_FILES)
def test_a_refused_file_leaves_the_registry_unchanged(
        store: RegistryStore, context: ValidationContext, file_name: str) -> None:
    checksum = store.checksum()

    result = plan((FILES / file_name).read_bytes(), store, context, account=ADMIN, file_name=file_name, mode="replace")

    assert not result.importable and result.content is None
    refused = result.problems[result.problems["severity"] == "error"]
    for row, words in EXPECTED[file_name]["errors"]:
        found = zip(refused["row"], refused["message"], strict=True)
        assert any(found_row == row and words in message for found_row, message in found), \
            (row, words, refused.to_string())
    with pytest.raises(ValueError):
        commit_plan(result, store, ADMIN)
    assert (store.current_version(), store.checksum()) == (1, checksum)


def test_refused_files_are_the_corpus_error_cases() -> None:
    assert len(REFUSED_FILES) == 13
    assert {"empty.csv", "garbage.csv", "polygon.geojson", "zip_bomb_ratio.xlsx", "header_problems.csv"} <= set(REFUSED_FILES)


# --- last_updated -------------------------------------------------------------------------------

def test_last_updated_is_stamped_on_changed_rows_only(store: RegistryStore, context: ValidationContext) -> None:
    alpha = rows_of(store.read(), "alpha")
    assert set(alpha["last_updated"]) == {SEED_DATE}
    ids = list(alpha["id"])
    alpha["last_updated"] = ""
    alpha.loc[0, "status"] = "closed"  # changed, no date → today
    alpha.loc[2, ["status", "last_updated"]] = ["closed", "2029-12-31"]  # changed, dated → its own date
    added = make_raw([{"id": "lt-alpha-new", "name": "Naujas", "partner": "alpha"}])  # new, no date → today
    upload = pd.concat([alpha, added], ignore_index=True)  # row 1 unchanged, no date → keeps the stored date

    result = plan(csv_bytes(upload), store, context)

    dates = result.content.set_index("id")["last_updated"]
    assert dates[ids[0]] == TODAY
    assert dates[ids[1]] == SEED_DATE
    assert dates[ids[2]] == "2029-12-31"
    assert dates["lt-alpha-new"] == TODAY
    assert not (result.changes["id"] == ids[1]).any()
    assert (result.count("added"), result.count("changed"), result.count("removed")) == (1, 2, 0)


def test_numbers_written_differently_are_not_changes(store: RegistryStore, context: ValidationContext) -> None:
    alpha = rows_of(store.read(), "alpha")
    stored = alpha.loc[0, "latitude"]
    alpha.loc[0, "latitude"] = f"{stored}000"  # the same number with more decimals
    alpha.loc[1, "latitude"] = "56.5"  # a different number

    result = plan(csv_bytes(alpha), store, context)

    assert list(zip(result.changes["id"], result.changes["column"], result.changes["new_value"], strict=True)) == [
        (alpha.loc[1, "id"], "latitude", "56.5")]
    assert result.content.set_index("id").loc[alpha.loc[0, "id"], "latitude"] == stored


# --- columns ------------------------------------------------------------------------------------

def test_missing_optional_columns_are_added_empty_with_a_warning(
        store: RegistryStore, context: ValidationContext) -> None:
    alpha = rows_of(store.read(), "alpha")
    upload = alpha.drop(columns=["website", "description"])

    result = plan(csv_bytes(upload), store, context)

    notes = result.problems[result.problems["message"].str.contains("is not in the file")]
    assert set(zip(notes["row"], notes["column"], notes["severity"], strict=True)) == {
        (1, "website", "warning"), (1, "description", "warning")}
    assert errors(result) == set()
    content = result.content.set_index("id").loc[alpha["id"]]
    assert set(content["description"]) == {""} and set(content["website"]) == {""}
    described = alpha[alpha["description"] != ""]
    assert set(result.changes.loc[result.changes["column"] == "description", "id"]) == set(described["id"])


def test_a_missing_id_column_is_an_error(store: RegistryStore, context: ValidationContext) -> None:
    checksum = store.checksum()
    upload = rows_of(store.read(), "alpha").drop(columns=["id"])

    result = plan(csv_bytes(upload), store, context)

    assert errors(result) == {(1, "id")}
    assert not result.importable and result.content is None
    assert store.checksum() == checksum
