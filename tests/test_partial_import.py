"""Partial imports on request: the valid rows of a file imported, the invalid ones set aside with their problems as a
file to fix (like the partner's own), never silently, recorded in the version's history; the registry loses
nothing."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from apptests import open_dashboard
from conftest import DATA, make_raw
from ecosystem.auth import Account, hash_password
from ecosystem.cli import main
from ecosystem.imports import commit_plan, plan_import, set_aside_file, set_aside_rows
from ecosystem.readers import SET_ASIDE_COLUMNS, read_partner_file
from ecosystem.registry import read_raw_csv
from ecosystem.schema import REGISTRY_COLUMNS, ValidationContext
from ecosystem.store import RegistryStore, open_store
from ecosystem.tables import versions_table

ALPHA = Account(username="anna", role="partner", partner="alpha")
TODAY = "2031-03-14"


@pytest.fixture()
def registry() -> pd.DataFrame:
    """The seed registry with its first three rows belonging to partner alpha."""
    raw = read_raw_csv(DATA / "initiatives.csv")[REGISTRY_COLUMNS]
    raw.loc[0:2, "partner"] = "alpha"
    return raw


@pytest.fixture()
def store(tmp_path: Path, registry: pd.DataFrame) -> Iterator[RegistryStore]:
    with open_store(f"sqlite:///{tmp_path / 'registry.sqlite'}") as opened:
        assert opened.seed_if_empty(registry) == 1
        yield opened


def partner_rows(registry: pd.DataFrame) -> pd.DataFrame:
    """Alpha's three rows, the first renamed, the second with a bad year, plus a new row with an unknown country and a
    new valid row: rows 3 and 5 of the file are invalid."""
    rows = registry.iloc[[0, 1, 2]].copy()
    rows.iloc[0, rows.columns.get_loc("name")] = "Renamed"
    rows.iloc[1, rows.columns.get_loc("start_year")] = "20x9"
    added = make_raw([{"id": "alpha-new-bad", "partner": "alpha", "country": "XY"},
                      {"id": "alpha-new-good", "partner": "alpha", "country": "Bulgarien", "start_year": "2024"}])
    return pd.concat([rows, added], ignore_index=True)


def cp1257_semicolon(frame: pd.DataFrame, headers: dict[str, str] | None = None) -> bytes:
    """A file as a Lithuanian Excel writes CSV: ";" between cells, Windows-1257, the partner's own header spelling."""
    return frame.rename(columns=headers or {}).to_csv(index=False, sep=";").encode("cp1257")


def plan(store: RegistryStore, context: ValidationContext, data: bytes, name: str = "alpha.csv", **options):
    return plan_import(data, name, store=store, account=ALPHA, context=context, today=TODAY, **options)


def test_invalid_rows_block_the_file_unless_set_aside_and_the_counts_are_offered(store, context, registry):
    data = cp1257_semicolon(partner_rows(registry))
    whole = plan(store, context, data)
    assert not whole.importable and whole.content is None
    assert whole.invalid_rows == (3, 5) and whole.valid_rows == 3 and whole.set_aside == ()
    partial = plan(store, context, data, skip_invalid=True)
    assert partial.importable and partial.set_aside == (3, 5) and partial.blocking.empty
    assert (partial.count("added"), partial.count("changed"), partial.count("removed")) == (1, 1, 0)
    content = partial.content.set_index("id")
    assert content.at[registry.at[0, "id"], "name"] == "Renamed"
    assert content.at["alpha-new-good", "country"] == "BG"
    assert "alpha-new-bad" not in content.index
    stored = registry.set_index("id").loc[registry.at[1, "id"]]
    assert content.loc[registry.at[1, "id"], REGISTRY_COLUMNS[1:]].tolist() == stored[REGISTRY_COLUMNS[1:]].tolist()


def test_replace_mode_keeps_the_stored_rows_of_rows_set_aside(store, context, registry):
    partial = plan(store, context, cp1257_semicolon(partner_rows(registry)), mode="replace", skip_invalid=True)
    assert partial.importable
    assert registry.at[1, "id"] in set(partial.content["id"])  # set aside, so not "absent from the file"
    assert partial.count("removed") == 0


def test_a_file_whose_header_is_wrong_cannot_be_imported_in_part(store, context, registry):
    rows = partner_rows(registry).drop(columns=["name"])
    refused = plan(store, context, cp1257_semicolon(rows), skip_invalid=True)
    assert refused.invalid_rows == () and not refused.importable and refused.set_aside == ()


def test_a_file_with_only_invalid_rows_offers_nothing(store, context, registry):
    rows = partner_rows(registry).iloc[[1, 3]]
    refused = plan(store, context, cp1257_semicolon(rows), skip_invalid=True)
    assert refused.invalid_rows == () and not refused.importable


def test_the_set_aside_file_is_the_partners_own_with_row_numbers_and_problems(store, context, registry, taxonomy):
    data = cp1257_semicolon(partner_rows(registry), {"name": "Name"})  # the partner's own spelling of a header
    partial = plan(store, context, data, skip_invalid=True)
    rows = set_aside_rows(partial)
    assert list(rows.columns[:2]) == list(SET_ASIDE_COLUMNS) and "Name" in rows.columns and "name" not in rows.columns
    assert rows["set_aside_row"].tolist() == [3, 5]
    assert rows["id"].tolist() == [registry.at[1, "id"], "alpha-new-bad"]
    assert rows["set_aside_problems"].iloc[0].startswith("start_year: ")
    assert "country: “XY” is not a country code" in rows["set_aside_problems"].iloc[1]
    assert "Nearest codes: CY (Cyprus)" in rows["set_aside_problems"].iloc[1]
    fix = set_aside_file(partial)
    assert fix.name == "alpha-set-aside.csv" and fix.mime == "text/csv"
    text = fix.data.decode("cp1257")  # the file's own encoding and delimiter
    assert text.splitlines()[0].startswith("set_aside_row;set_aside_problems;id;Name;")
    # the partner fixes the rows in that file and uploads it as it is: the problem columns are skipped
    fixed = pd.read_csv(io.BytesIO(fix.data), sep=";", encoding="cp1257", dtype=str, keep_default_na=False)
    fixed.loc[0, "start_year"], fixed.loc[1, "country"] = "2019", "CY"
    fixed_file = fixed.to_csv(index=False, sep=";").encode("cp1257")
    again = read_partner_file(fixed_file, fix.name, taxonomy)
    assert not set(SET_ASIDE_COLUMNS) & set(again.raw.columns) and "name" in again.raw.columns
    said = again.problems[again.problems["row"] == 1].set_index("column")
    assert set(said.index) >= set(SET_ASIDE_COLUMNS) and set(said["severity"]) == {"warning"}
    assert said.at["set_aside_row", "message"] == ("Column “set_aside_row” lists the problems of rows an earlier import "
                                                   "set aside; it is not read.")
    second = plan(store, context, fixed_file, "alpha-set-aside.csv")
    assert second.importable and (second.count("added"), second.count("changed")) == (1, 1)


def test_a_workbook_gets_a_workbook_of_its_rows_set_aside(store, context, registry):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Mano duomenys"
    rows = partner_rows(registry)
    sheet.append(list(rows.columns))
    for record in rows.itertuples(index=False):
        sheet.append(list(record))
    buffer = io.BytesIO()
    workbook.save(buffer)
    partial = plan(store, context, buffer.getvalue(), "alpha.xlsx", skip_invalid=True)
    fix = set_aside_file(partial)
    assert fix.name == "alpha-set-aside.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(fix.data))
    assert book.sheetnames == ["Mano duomenys"]
    values = list(book.active.values)
    assert values[0][:3] == ("set_aside_row", "set_aside_problems", "id") and [row[0] for row in values[1:]] == ["3", "5"]


def test_the_version_records_what_was_set_aside(store, context, registry):
    partial = plan(store, context, cp1257_semicolon(partner_rows(registry)), skip_invalid=True)
    version = commit_plan(partial, store, ALPHA)
    summary = json.loads(store.versions().set_index("version").at[version, "summary"])
    assert summary["set_aside"] == 2
    assert summary["set_aside_rows"] == [{"row": 3, "id": registry.at[1, "id"]}, {"row": 5, "id": "alpha-new-bad"}]
    table = versions_table(store.versions(), "en")
    assert table.set_index("Version").at[version, "Set aside"] == 2 and table.set_index("Version").at[1, "Set aside"] == 0
    assert len(store.read()) == len(registry) + 1  # nothing lost: one row added, the set-aside ones as they were


# --- the command line ---------------------------------------------------------------------------------------------

def test_import_skip_invalid_on_the_command_line(tmp_path, monkeypatch, capsys, registry):
    data = tmp_path / "data"
    data.mkdir()
    for name in ("initiatives.csv", "programmes.csv", "taxonomy.csv", "nuts_code_changes.csv"):
        (data / name).write_bytes((DATA / name).read_bytes())
    registry.to_csv(data / "initiatives.csv", index=False)
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    monkeypatch.setenv("ECOSYSTEM_DATA_DIR", str(data))
    monkeypatch.setenv("ECOSYSTEM_DATABASE_URL", url)
    monkeypatch.setenv("ECOSYSTEM_REFERENCE_DIR", str(tmp_path / "none"))
    file = tmp_path / "partner" / "alpha.csv"
    file.parent.mkdir()
    file.write_bytes(cp1257_semicolon(partner_rows(registry)))

    assert main(["import", str(file), "--partner", "alpha"]) == 1
    out = capsys.readouterr().out
    assert "not imported" in out and "import the 3 valid row(s) and set aside the 2 with errors" in out
    assert "--skip-invalid" in out and not file.with_name("alpha-set-aside.csv").exists()

    assert main(["import", str(file), "--partner", "alpha", "--skip-invalid", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would set aside 2 row(s) with errors (rows 3, 5)" in out and not file.with_name("alpha-set-aside.csv").exists()

    assert main(["import", str(file), "--partner", "alpha", "--skip-invalid"]) == 0
    out = capsys.readouterr().out
    written = file.with_name("alpha-set-aside.csv")
    assert f"set aside 2 row(s) with errors (rows 3, 5); they and their problems are in {written}" in out
    assert "imported as version 2 (2 row(s) set aside, recorded in its history)" in out
    assert written.read_bytes().decode("cp1257").startswith("set_aside_row;set_aside_problems;")
    with open_store(url) as store:
        assert len(store.read()) == len(registry) + 1
    assert main(["history"]) == 0
    assert "(2 row(s) of the file set aside)" in capsys.readouterr().out.splitlines()[0]


# --- the Upload and History pages ---------------------------------------------------------------------------------

def test_the_upload_page_offers_the_partial_import_with_its_counts_and_history_shows_it(app_data_dir):
    accounts = {"ona": {"password_hash": hash_password("correct horse battery staple"), "role": "partner",
                        "partner": "Partner LT"}}
    at = open_dashboard("upload", secrets={"accounts": accounts}).run()
    at.text_input(key="sign_in_user").input("ona")
    at.text_input(key="sign_in_password").input("correct horse battery staple")
    at.button[0].click()
    at.run()
    rows = make_raw([{"id": "lt-good-1", "partner": "Partner LT", "country": "Lietuva"},
                     {"id": "lt-bad", "partner": "Partner LT", "country": "Lituania", "status": "maybe"},
                     {"id": "lt-good-2", "partner": "Partner LT", "country": "LT"}])
    at.get("file_uploader")[0].upload("partner.csv", cp1257_semicolon(rows), "text/csv")
    at.run()
    assert not at.exception
    offer = at.button(key="upload_skip_invalid")
    assert offer.label == "Import the valid rows (2) and set aside 1 row with errors"
    assert "upload_confirm" not in [button.key for button in at.button]
    offer.click().run()
    assert not at.exception
    assert any(warning.value.startswith("1 row with errors is set aside") for warning in at.warning)
    download = at.get("download_button")
    assert any("Download the 1 row set aside" in str(button.proto.label) for button in download)
    assert any("2 rows added, 0 changed, 0 removed" in markdown.value for markdown in at.markdown)
    at.button(key="upload_confirm").click().run()
    assert any("Saved as registry version 2" in success.value for success in at.success)
    assert any("1 row of the file was set aside" in info.value for info in at.info)
    stored = open_store().read()
    assert {"lt-good-1", "lt-good-2"} <= set(stored["id"]) and "lt-bad" not in set(stored["id"])

    history = open_dashboard("history").run()
    assert not history.exception
    table = history.dataframe[0].value
    assert table.set_index("Version").at[2, "Set aside"] == 1
    said = [info.value.replace("\\", "") for info in history.info]  # ids are shown as text: markdown escapes
    assert "1 row of the file was set aside, not imported: row 3 (lt-bad)." in said
