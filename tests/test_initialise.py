"""``python -m ecosystem init`` and the server's start-up (``ecosystem.initialise``): the store is seeded and its
derived regions and warnings computed before anyone visits, and a page view only reads (``ecosystem.view``)."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pandas as pd
import pytest

from apptests import open_dashboard
from conftest import NUTS_2024_L3, REPO, copy_seed_data
from ecosystem.cli import main
from ecosystem.config import state_dir
from ecosystem.i18n import t
from ecosystem.initialise import ensure_initialised
from ecosystem.outlines import NATURAL_EARTH_SOURCE
from ecosystem.regions import assign_regions, load_regions
from ecosystem.registry import read_raw_csv, typed_registry
from ecosystem.schema import REGISTRY_COLUMNS, validate_registry
from ecosystem.store import open_store
from ecosystem.synthetic import synthetic_registry
from ecosystem.taxonomy import load_taxonomy
from ecosystem.view import load_inputs, load_served

needs_boundaries = pytest.mark.skipif(not NUTS_2024_L3.exists(), reason="../shared/reference/nuts is not beside the "
                                                                        "repository")


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder whose registry database (the default one, in the test's state folder) was never set up."""
    folder = copy_seed_data(tmp_path / "data")
    monkeypatch.setenv("ECOSYSTEM_DATA_DIR", str(folder))
    monkeypatch.delenv("ECOSYSTEM_DATABASE_URL", raising=False)
    monkeypatch.setenv("ECOSYSTEM_REFERENCE_DIR", str(tmp_path / "no-reference"))
    monkeypatch.setenv("ECOSYSTEM_TILES", "none")
    monkeypatch.setenv("ECOSYSTEM_MAP_ASSETS", "cdn")
    return folder


@pytest.fixture()
def boundaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The real NUTS 2024 level-3 boundaries, copied into a reference folder of the test's own."""
    if not NUTS_2024_L3.exists():
        pytest.skip("../shared/reference/nuts is not beside the repository")
    folder = tmp_path / "reference"
    folder.mkdir()
    (folder / NUTS_2024_L3.name).write_bytes(NUTS_2024_L3.read_bytes())
    monkeypatch.setenv("ECOSYSTEM_REFERENCE_DIR", str(folder))
    return folder / NUTS_2024_L3.name


def init(capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``python -m ecosystem init`` in this process: its exit code, stdout and stderr."""
    code = main(["init"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def database() -> Path:
    return state_dir() / "registry.sqlite"


def test_init_creates_seeds_and_derives_and_a_second_run_does_nothing(data_dir, boundaries, capsys):
    assert not state_dir().exists()
    code, out, err = init(capsys)
    assert code == 0 and out.startswith("registry ready: version 1, 39 rows") and "seeded" in out
    said = err.splitlines()
    assert all(line.startswith("init: ") for line in said)
    for step in ("initiatives.csv read: 39 rows", "39 rows validated", "regions assigned", "locations checked",
                 "seeded version 1 with its derived columns", f"geography: the NUTS-3 regions of {boundaries}"):
        assert any(step in line for line in said), step
    with open_store() as store:
        assert store.location == str(database()) and len(store.versions()) == 1
        assert store.derived_source(1) == load_inputs().derivation.source

    code, out, err = init(capsys)
    assert code == 0 and "nothing to do" in out and "deriv" not in err and "seeded" not in err
    with open_store() as store:
        assert len(store.versions()) == 1


def test_init_derives_again_when_the_boundaries_file_changes(data_dir, boundaries, capsys):
    assert init(capsys)[0] == 0
    placed = load_served().registry.initiatives
    assert "LT027" in set(placed["region_from_point"])
    collection = json.loads(boundaries.read_text(encoding="utf-8"))
    collection["features"] = [feature for feature in collection["features"]
                              if feature["properties"]["NUTS_ID"] != "LT027"]  # Tauragės apskritis left out
    boundaries.write_text(json.dumps(collection), encoding="utf-8")

    code, out, err = init(capsys)
    assert code == 0 and "derived columns computed" in out and "seeded" not in out
    assert "version 1 are missing or were derived from other files" in err and "regions assigned" in err
    with open_store() as store:
        assert len(store.versions()) == 1 and store.derived_source(1) == load_inputs().derivation.source
    served = load_served().registry.initiatives
    assert "LT027" not in set(served["region_from_point"])


def test_served_regions_and_warnings_are_those_of_assign_regions_and_the_checks(data_dir, boundaries, capsys):
    assert init(capsys)[0] == 0
    served = load_served()
    with open_store() as store:
        raw = store.read(1)
    regions = load_regions(boundaries)
    expected = assign_regions(typed_registry(raw), regions)
    pd.testing.assert_frame_equal(served.registry.initiatives, expected)
    context = load_inputs().context
    warnings = pd.concat([validate_registry(raw, context), context.location_problems(raw, "en")], ignore_index=True)
    pd.testing.assert_frame_equal(served.registry.warnings, warnings, check_dtype=False)


def test_init_without_boundaries_says_the_country_outlines_judge_where_rows_lie(data_dir, capsys):
    seed = pd.read_csv(data_dir / "initiatives.csv", dtype=str, keep_default_na=False)
    seed.loc[0, ["latitude", "longitude"]] = ["57.0", "19.5"]  # the open sea between Gotland and Latvia
    seed.to_csv(data_dir / "initiatives.csv", index=False)
    code, _, err = init(capsys)
    said = err.splitlines()
    assert code == 0 and f"init: {t('about.outlines', 'en', source=NATURAL_EARTH_SOURCE)}" in said
    assert any("locations checked" in line for line in said) and not any("regions assigned" in line for line in said)
    served = load_served()
    located = served.registry.warnings[served.registry.warnings["column"] == "latitude"]
    assert len(located) == 1 and f"outside {seed.loc[0, 'country']} (they fall in: —)" in located["message"].iloc[0]


def test_a_page_view_before_init_writes_nothing_and_names_the_command(data_dir):
    at = open_dashboard("overview").run()
    assert not at.exception and not at.error
    [said] = [warning.value for warning in at.warning if "has not been set up yet" in warning.value]
    assert "python -m ecosystem init" in said
    assert {metric.label: metric.value for metric in at.metric}["Initiatives"] == "10"  # the data folder's file
    assert not state_dir().exists()  # no database, not even its folder

    with open_store() as store:  # a database whose tables exist but that holds no version yet
        assert store.current_version() == 0
    before = database().read_bytes()
    at = open_dashboard("registry").run()
    assert not at.exception and [warning for warning in at.warning if "has not been set up yet" in warning.value]
    assert database().read_bytes() == before
    wal = database().with_name("registry.sqlite-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    with open_store() as store:
        assert store.current_version() == 0


def test_a_broken_seed_file_is_shown_row_by_row_before_init_and_refused_by_it(data_dir, capsys):
    path = data_dir / "initiatives.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",initiative,", ",initiativ,", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    served = load_served()
    assert [notice.message.key for notice in served.notices] == ["app.store_not_initialised", "app.registry_error",
                                                                 "app.no_regions"]
    problems = served.problems.problems
    assert (problems.iloc[0]["row"], problems.iloc[0]["column"]) == (3, "actor_type")  # the file's own rows
    assert served.registry.initiatives.empty

    code, out, err = init(capsys)
    assert code == 2 and "initiatives.csv cannot be used" in err and "row 3, column actor_type [initiativ]" in out
    report = ensure_initialised(progress=lambda line: None)
    assert not report.ready and "initiatives.csv" in (report.problem or "")
    with open_store() as store:
        assert store.current_version() == 0


def test_the_server_s_start_up_is_told_what_is_wrong_and_goes_on(data_dir, monkeypatch):
    (data_dir / "taxonomy.csv").write_text("vocabulary,code\n", encoding="utf-8")
    said: list[str] = []
    report = ensure_initialised(progress=said.append)
    assert not report.ready and "taxonomy.csv" in (report.problem or "") and said == [report.problem]
    monkeypatch.setenv("ECOSYSTEM_DATABASE_URL", f"sqlite:///{data_dir / 'no-folder' / 'registry.sqlite'}")
    copy_seed_data(data_dir)
    report = ensure_initialised(progress=said.append)
    assert not report.ready and "cannot be reached" in (report.problem or "")


def test_a_page_view_derives_stale_columns_in_memory_writes_nothing_and_hints_at_init(data_dir, boundaries, capsys,
                                                                                      monkeypatch, caplog):
    monkeypatch.setenv("ECOSYSTEM_REFERENCE_DIR", str(data_dir / "none"))
    assert init(capsys)[0] == 0  # without boundaries: nothing placed
    with open_store() as store:
        stored = store.derived_source(1)
    monkeypatch.setenv("ECOSYSTEM_REFERENCE_DIR", str(boundaries.parent))
    with caplog.at_level(logging.WARNING, logger="ecosystem.view"):
        served = load_served()
    assert not served.notices and (served.registry.initiatives["region_from_point"] != "").any()
    assert any("python -m ecosystem init" in record.getMessage() for record in caplog.records)
    with open_store() as store:
        assert store.derived_source(1) == stored != load_inputs().derivation.source


def test_no_page_view_waits_for_a_writer(data_dir):
    assert ensure_initialised(progress=lambda line: None).ready
    with closing(sqlite3.connect(database(), isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")  # another process holds the write lock, e.g. a long import
        served = load_served()
        writer.execute("ROLLBACK")
    assert served.registry.version == "1" and not served.alerts
    assert [notice.message.key for notice in served.notices] == ["app.no_regions"]


def test_two_processes_initialising_at_once_make_one_version(data_dir):
    taxonomy = load_taxonomy(data_dir / "taxonomy.csv")
    synthetic_registry(3000, taxonomy).to_csv(data_dir / "initiatives.csv", index=False)
    command = [sys.executable, "-m", "ecosystem", "init"]
    processes = [subprocess.Popen(command, cwd=REPO, env=dict(os.environ), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [process.communicate(timeout=600) for process in processes]  # a safety net for a hung process only
    assert [process.returncode for process in processes] == [0, 0], results
    assert sum("seeded version 1" in err for _, err in results) == 1
    with open_store() as store:
        assert len(store.versions()) == 1 and store.derived_source(1) == load_inputs().derivation.source
        assert len(store.read(1)) == 3000


def test_imports_and_rollbacks_keep_the_derived_columns_of_their_versions(data_dir, tmp_path, capsys):
    assert init(capsys)[0] == 0
    seed = read_raw_csv(data_dir / "initiatives.csv")[REGISTRY_COLUMNS]
    changed = seed.head(1).assign(name="Renamed")
    changed.to_csv(tmp_path / "changed.csv", index=False)
    assert main(["import", str(tmp_path / "changed.csv"), "--partner", changed.loc[0, "partner"]]) == 0
    assert main(["rollback", "1"]) == 0
    source = load_inputs().derivation.source
    with open_store() as store:
        assert [store.derived_source(version) for version in (1, 2, 3)] == [source] * 3
    assert load_served().registry.initiatives.loc[0, "name"] == seed.sort_values("id").iloc[0]["name"]
