"""The registry commands of ``python -m ecosystem``: validate, import, history, diff, rollback, export."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from conftest import DATA, REPO, copy_seed_data
from ecosystem.cli import main
from ecosystem.registry import read_raw_csv
from ecosystem.schema import PROBLEM_COLUMNS, REGISTRY_COLUMNS
from ecosystem.store import open_store

USER = "tester"
SEED_ROWS = 39
RENAMED = "Sustok Liepā"


@dataclass(frozen=True)
class Setup:
    """The folders and files one test's commands use."""

    folder: Path
    url: str
    good: Path  # a seed row renamed and a row added
    bad: Path  # row 2 has a bad year, row 3 an unknown actor type
    seed: pd.DataFrame


@pytest.fixture()
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, empty_database: str) -> Iterator[Setup]:
    """The seed files, a good and a bad partner file, and an empty registry database of each kind (SQLite,
    PostgreSQL) as the configured one."""
    data = copy_seed_data(tmp_path / "data")
    (tmp_path / "no-reference").mkdir()
    url = empty_database
    monkeypatch.setenv("ECOSYSTEM_DATA_DIR", str(data))
    monkeypatch.setenv("ECOSYSTEM_DATABASE_URL", url)
    monkeypatch.setenv("ECOSYSTEM_REFERENCE_DIR", str(tmp_path / "no-reference"))
    monkeypatch.setenv("LOGNAME", USER)  # getpass.getuser() reads it first

    seed = read_raw_csv(DATA / "initiatives.csv")[REGISTRY_COLUMNS]
    good = seed.iloc[[0, 1, 2]].copy()
    good.iloc[0, good.columns.get_loc("name")] = RENAMED
    good.iloc[2, good.columns.get_loc("id")] = "lt-new-row"
    good.to_csv(tmp_path / "good.csv", index=False)
    bad = seed.iloc[[0, 1]].copy()
    bad.iloc[0, bad.columns.get_loc("start_year")] = "20x9"
    bad.iloc[1, bad.columns.get_loc("actor_type")] = "robot"
    bad.to_csv(tmp_path / "bad.csv", index=False)
    yield Setup(tmp_path, url, tmp_path / "good.csv", tmp_path / "bad.csv", seed)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run one command in-process; its exit code, stdout and stderr."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def versions(setup: Setup) -> pd.DataFrame:
    with open_store(setup.url) as store:
        return store.versions()


def checksum(setup: Setup, version: int | None = None) -> str:
    with open_store(setup.url) as store:
        return store.checksum(version)


# --- validate -----------------------------------------------------------------------------------

def test_validate_a_good_file_exits_0(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", str(setup.good))
    assert code == 0
    first, last = out.splitlines()
    assert first.startswith("good.csv: CSV file, 3 rows · encoding utf-8 (confidence ") and first.endswith("delimiter “,”")
    assert last == "importable"


def test_validate_a_bad_file_exits_1(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", str(setup.bad))
    assert code == 1
    assert "ERROR   row 2, column start_year [20x9]: Expected a year" in out
    assert "ERROR   row 3, column actor_type [robot]: “robot” is not a known code" in out
    assert out.splitlines()[-1] == "not importable: 2 errors"


def test_validate_speaks_the_language_asked_for(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", str(setup.bad), "--lang", "lt")
    assert code == 1
    assert out.splitlines()[0].startswith("bad.csv: CSV failas, 2 eilutės")
    assert "KLAIDA    eilutė 2, stulpelis start_year [20x9]: " in out  # padded to the longest severity, ĮSPĖJIMAS
    assert out.splitlines()[-1] == "negalima importuoti: 2 klaidos"
    assert not {"ERROR", "WARNING", "row", "importable"} & set(out.replace(":", " ").split())


def test_validate_json_lists_every_problem(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", str(setup.bad), "--json")
    problems = json.loads(out)  # nothing but the JSON on stdout
    assert code == 1
    assert isinstance(problems, list) and problems
    assert all(set(problem) == set(PROBLEM_COLUMNS) for problem in problems)
    assert all(isinstance(problem["row"], int) for problem in problems)
    assert [(p["row"], p["column"], p["value"], p["severity"]) for p in problems] == [
        (2, "start_year", "20x9", "error"), (3, "actor_type", "robot", "error")]


def test_validate_lists_blocking_errors_first_as_the_upload_page_does(setup: Setup,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    rows = setup.seed[setup.seed["latitude"] != ""].iloc[[0, 1]].copy()
    rows.iloc[0, rows.columns.get_loc("latitude")] = rows.iloc[0]["latitude"].replace(".", ",")  # row 2: a warning
    rows.iloc[1, rows.columns.get_loc("start_year")] = "20x9"  # row 3: an error
    rows.to_csv(setup.folder / "mixed.csv", index=False, sep=";")
    code, out, _ = run(capsys, "validate", str(setup.folder / "mixed.csv"), "--json")
    assert code == 1
    assert [(p["row"], p["severity"]) for p in json.loads(out)] == [(3, "error"), (2, "warning")]


def test_validate_json_of_a_good_file_is_an_empty_list(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", str(setup.good), "--json")
    assert (code, json.loads(out)) == (0, [])


def test_validate_speaks_lithuanian(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", str(setup.bad), "--json", "--lang", "lt")
    messages = {problem["column"]: problem["message"] for problem in json.loads(out)}
    assert code == 1
    assert messages["start_year"] == "Tikėtasi metų sveikuoju skaičiumi tarp 1900 ir 2100, pvz., 2019."
    assert messages["actor_type"].startswith("„robot“ nėra žinomas kodas. Galimi: initiative")


# --- import, history, diff, rollback --------------------------------------------------------------

def test_import_history_diff_and_rollback(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "import", str(setup.good), "--partner", "seed")
    assert code == 0
    assert out.splitlines()[-2:] == ["plan: 1 added, 1 changed, 0 removed (base version 1)", "imported as version 2"]

    code, out, _ = run(capsys, "history")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 2
    assert lines[0].startswith("v2 ") and f"cli:{USER}" in lines[0] and " import " in lines[0]
    assert lines[0].endswith("+1 ~1 -0  good.csv")
    assert lines[1].startswith("v1 ") and " system " in lines[1] and lines[1].endswith(f"+{SEED_ROWS} ~0 -0  initiatives.csv")

    code, out, _ = run(capsys, "diff", "1", "2")
    assert code == 0
    assert out.splitlines() == [
        "added    lt-new-row",
        f"changed  {setup.seed.loc[0, 'id']}  name: '{setup.seed.loc[0, 'name']}' → '{RENAMED}'",
    ]

    code, out, _ = run(capsys, "rollback", "1")
    assert (code, out.strip()) == (0, "version 3 restores the content of version 1")
    assert checksum(setup, 3) == checksum(setup, 1) != checksum(setup, 2)
    latest = versions(setup).iloc[0]
    assert (latest["version"], latest["action"], latest["account"], latest["restores"]) == (3, "rollback", f"cli:{USER}", 1)
    assert (latest["added"], latest["changed"], latest["removed"]) == (0, 1, 1)
    code, out, _ = run(capsys, "history")
    assert "(restores v1)" in out.splitlines()[0]


def test_import_dry_run_writes_nothing(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "history")[0] == 0  # seeds the store: version 1
    before = checksum(setup)

    code, out, _ = run(capsys, "import", str(setup.good), "--partner", "seed", "--dry-run")

    assert code == 0
    assert out.splitlines()[-1] == "plan: 1 added, 1 changed, 0 removed (base version 1)"
    assert "imported" not in out
    assert list(versions(setup)["version"]) == [1]
    assert checksum(setup) == before


def test_importing_another_partners_rows_exits_1_and_writes_nothing(
        setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "history")[0] == 0
    before = checksum(setup)

    code, out, _ = run(capsys, "import", str(setup.good), "--partner", "alpha")  # its rows are partner "seed"

    assert code == 1
    refused = [line for line in out.splitlines() if line.startswith("ERROR")]
    assert [line.split(":")[0] for line in refused] == [
        "ERROR   row 2, column partner [seed]", "ERROR   row 3, column partner [seed]",
        "ERROR   row 4, column partner [seed]"]
    assert out.splitlines()[-1] == "not imported: fix the errors above and try again"
    assert list(versions(setup)["version"]) == [1] and checksum(setup) == before


def test_importing_an_unchanged_file_makes_no_version(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    same = setup.folder / "same.csv"
    setup.seed.iloc[:5].to_csv(same, index=False)
    code, out, _ = run(capsys, "import", str(same), "--partner", "seed")
    assert (code, out.splitlines()[-1]) == (0, "nothing to import: the file changes nothing in the registry")
    assert list(versions(setup)["version"]) == [1]


def test_import_matches_ids_whatever_their_letter_case(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    seed_id = setup.seed.loc[0, "id"]
    renamed = setup.seed.iloc[[0]].assign(id=seed_id.upper(), name=RENAMED)
    renamed.to_csv(setup.folder / "renamed.csv", index=False)
    claimed = renamed.assign(partner="alpha")
    claimed.to_csv(setup.folder / "claimed.csv", index=False)

    code, out, _ = run(capsys, "import", str(setup.folder / "claimed.csv"), "--partner", "alpha")
    assert code == 1
    assert f"ERROR   row 2, column id [{seed_id.upper()}]: The id “{seed_id.upper()}” already belongs to a row of " \
           f"“seed” (written “{seed_id}” there" in out

    code, out, _ = run(capsys, "import", str(setup.folder / "renamed.csv"), "--partner", "seed")
    assert code == 0
    assert f"WARNING row 2, column id [{seed_id.upper()}]: The id “{seed_id.upper()}” is the registry's “{seed_id}”" in out
    assert out.splitlines()[-2:] == ["plan: 0 added, 1 changed, 0 removed (base version 1)", "imported as version 2"]
    with open_store(setup.url) as store:
        current = store.read()
    assert len(current) == SEED_ROWS and current.set_index("id").loc[seed_id, "name"] == RENAMED

# --- export -------------------------------------------------------------------------------------

def test_export_writes_files_that_read_back(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "import", str(setup.good), "--partner", "seed")[0] == 0
    with open_store(setup.url) as store:
        current = store.read()
    assert len(current) == SEED_ROWS + 1

    paths = {kind: setup.folder / f"registry.{kind}" for kind in ("csv", "geojson", "xlsx")}
    for kind, path in paths.items():
        code, out, _ = run(capsys, "export", "--format", kind, "--out", str(path))
        assert (code, out.strip()) == (0, f"wrote {len(current)} row(s) to {path}")

    csv = pd.read_csv(paths["csv"], dtype=str, keep_default_na=False)
    assert list(csv.columns) == REGISTRY_COLUMNS
    assert list(csv["id"]) == list(current["id"])
    assert csv.set_index("id").loc[setup.seed.loc[0, "id"], "name"] == RENAMED

    features = json.loads(paths["geojson"].read_text(encoding="utf-8"))["features"]
    assert len(features) == len(current)
    assert [feature["properties"]["id"] for feature in features] == list(current["id"])
    located = current[current["latitude"] != ""]
    assert sum(feature["geometry"] is not None for feature in features) == len(located)

    workbook = openpyxl.load_workbook(io.BytesIO(paths["xlsx"].read_bytes()), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    assert list(rows[0]) == REGISTRY_COLUMNS
    assert len(rows) - 1 == len(current)
    assert [row[0] for row in rows[1:]] == list(current["id"])


def test_export_an_earlier_version(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "import", str(setup.good), "--partner", "seed")[0] == 0
    out_file = setup.folder / "v1.csv"
    code, out, _ = run(capsys, "export", "--format", "csv", "--out", str(out_file), "--version", "1")
    assert (code, out.strip()) == (0, f"wrote {SEED_ROWS} row(s) to {out_file}")
    exported = pd.read_csv(out_file, dtype=str, keep_default_na=False)
    assert "lt-new-row" not in set(exported["id"]) and RENAMED not in set(exported["name"])


# --- errors a person can act on -------------------------------------------------------------------

@pytest.mark.parametrize("where", ["directory", "not a url"])
def test_an_unusable_store_is_one_line_and_exit_2(setup: Setup, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    monkeypatch.setenv("ECOSYSTEM_DATABASE_URL", f"sqlite:///{setup.folder}" if where == "directory" else "registry here")
    for argv in (["history"], ["import", str(setup.good), "--partner", "seed"], ["rollback", "1"]):
        code, out, err = run(capsys, *argv)
        assert code == 2, argv
        assert len(err.strip().splitlines()) == 1 and err.startswith("error: "), err
        assert "Traceback" not in out + err


def test_a_missing_file_is_one_line_and_exit_2(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    missing = setup.folder / "missing.csv"
    for argv in (["validate", str(missing)], ["import", str(missing), "--partner", "seed"]):
        code, out, err = run(capsys, *argv)
        assert code == 2
        assert err.strip().splitlines() == [f"error: [Errno 2] No such file or directory: '{missing}'"]
        assert "Traceback" not in out + err


def test_an_unknown_version_is_one_line_and_exit_2(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "diff", "1", "7")
    assert (code, err.strip()) == (2, "error: Version 7 does not exist; the registry has versions 1 to 1.")


@pytest.mark.parametrize("argv", [["history"], ["validate", "missing.csv"]])
def test_the_process_exits_2_without_traceback(setup: Setup, argv: list[str]) -> None:
    env = {**os.environ, "ECOSYSTEM_DATABASE_URL": f"sqlite:///{setup.folder}"}
    result = subprocess.run([sys.executable, "-m", "ecosystem", *argv], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=600)  # a safety net for a hung process only
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("error: ")
    assert "Traceback" not in result.stdout + result.stderr
