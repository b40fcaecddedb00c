"""Moving and keeping the registry: ``migrate`` SQLite → PostgreSQL → SQLite with the whole history, ``backup`` and
``restore``, refusals of a target that holds a registry, and a damaged copy found by the verification."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy

from conftest import drop_postgres_database, make_raw, new_postgres_database
from ecosystem.cli import main
from ecosystem.store import DerivedParts, RegistryStore, StoreReplacedError, open_store
from ecosystem.store_copy import CopyVerificationError, TargetNotEmptyError, copy_store, verify_copy
from test_store import synthetic_registry


def make_history(store: RegistryStore) -> None:
    """Seven versions: a seed, edits, removals and additions, awkward text, a rollback; derived parts beside some."""
    frame = synthetic_registry(1500)
    store.seed_if_empty(frame, derived=DerivedParts("source-1", {"regions": b"\x00\x01binary", "warnings": b""}))
    for step in range(4):
        frame = frame.drop(index=frame.index[step::50]).copy()
        frame.loc[frame.index[::70], "name"] = f"renamed in step {step}, with \"quotes\"\nand a line"
        frame = pd.concat([frame, make_raw([{"id": f"new-{step}", "name": "Tauragė – Łódź"}])], ignore_index=True)
        store.commit(frame, base_version=store.current_version(), account=f"partner-{step}@example.org",
                     file_name=f"update {step}.xlsx", derived=DerivedParts(f"source-{step}", {"regions": bytes([step])}))
    store.rollback(2, account="admin")
    store.save_derived(1, DerivedParts("source-9", {"regions": b"again"}))


def assert_same_registry(left: RegistryStore, right: RegistryStore) -> None:
    """Version by version: the same history, contents, checksums and derived parts, and the same store id."""
    pd.testing.assert_frame_equal(left.versions(), right.versions())
    for version in left.versions()["version"]:
        pd.testing.assert_frame_equal(left.read(version), right.read(version))
        assert left.checksum(version) == right.checksum(version)
        assert left.derived(version) == right.derived(version)
    assert left.key.split("/")[0] == right.key.split("/")[0]  # the same registry (store id), at another address


@pytest.fixture()
def source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The configured store: SQLite, with a history."""
    url = f"sqlite:///{tmp_path / 'source.sqlite'}"
    with open_store(url) as store:
        make_history(store)
    monkeypatch.setenv("ECOSYSTEM_DATABASE_URL", url)
    yield url


def test_migrate_to_postgresql_and_back_keeps_every_version(source: str, postgres_server: str, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    target = new_postgres_database(postgres_server)
    try:
        assert main(["migrate", "--to", target]) == 0
        out = capsys.readouterr().out
        assert "copied 6 version(s)" in out and "verified: the same 6 version(s)" in out
        back = f"sqlite:///{tmp_path / 'back.sqlite'}"
        assert main(["migrate", "--from", target, "--to", back]) == 0
        with open_store(source) as original, open_store(target) as moved, open_store(back) as returned:
            assert_same_registry(original, moved)
            assert_same_registry(original, returned)
            assert moved.commit(make_raw([{"id": "after"}]), base_version=6, account="t", file_name="x.csv") == 7
    finally:
        drop_postgres_database(target)


def test_a_target_holding_a_registry_is_refused_unless_replaced(source: str, empty_database: str,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    with open_store(empty_database) as other:
        other.seed_if_empty(make_raw([{"id": "theirs"}]))
        before = other.checksum()
    assert main(["migrate", "--to", empty_database]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: The target database") and "already holds a registry (1 version(s)" in err
    assert "--replace" in err
    with open_store(empty_database) as other:
        assert other.checksum() == before and other.current_version() == 1

    assert main(["migrate", "--to", empty_database, "--replace"]) == 0
    assert "(its previous content replaced)" in capsys.readouterr().out
    with open_store(source) as original, open_store(empty_database) as replaced:
        assert_same_registry(original, replaced)


def test_a_server_of_the_replaced_target_reopens_it(source: str, empty_database: str) -> None:
    with open_store(empty_database) as serving:
        serving.seed_if_empty(make_raw([{"id": "theirs"}]))
        with open_store(source, create=False) as original, open_store(empty_database) as target:
            copy_store(original, target, replace=True)
        with pytest.raises(StoreReplacedError):
            serving.read()
        serving.reopen()
        assert serving.current_version() == 6


def test_backup_and_restore(source: str, empty_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    backup = tmp_path / "backups" / "registry-backup.sqlite"
    backup.parent.mkdir()
    assert main(["backup", "--out", str(backup)]) == 0
    assert f"backup written to {backup}" in capsys.readouterr().out
    assert sorted(path.name for path in backup.parent.iterdir()) == [backup.name]  # no -wal, -shm or .partial left
    with sqlite3.connect(backup) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert main(["backup", "--out", str(backup)]) == 2
    assert "exists already" in capsys.readouterr().err

    monkeypatch.setenv("ECOSYSTEM_DATABASE_URL", empty_database)
    assert main(["restore", str(backup)]) == 0
    assert "verified" in capsys.readouterr().out
    with open_store(source) as original, open_store(empty_database) as restored:
        assert_same_registry(original, restored)
        restored.commit(make_raw([{"id": "newer"}]), base_version=6, account="t", file_name="x.csv")
    assert main(["restore", str(backup)]) == 2  # the store holds a registry now
    assert "already holds a registry (7 version(s)" in capsys.readouterr().err
    assert main(["restore", str(backup), "--replace"]) == 0
    with open_store(empty_database) as restored:
        assert restored.current_version() == 6


def test_a_damaged_copy_is_found(source: str, empty_database: str) -> None:
    with open_store(source, create=False) as original, open_store(empty_database) as target:
        copy_store(original, target)
        assert verify_copy(original, target) == 6
        engine = sqlalchemy.create_engine(empty_database)
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE registry_rows SET line = 'x' || line WHERE id = 'init-000007'")
        engine.dispose()
        with pytest.raises(CopyVerificationError, match=r"registry_rows differs; the content of version\(s\) 1, 2, "):
            verify_copy(original, target)


def test_copying_into_itself_is_refused(source: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "--to", source]) == 2
    assert "the same database" in capsys.readouterr().err


def test_target_not_empty_is_a_store_error(source: str, tmp_path: Path) -> None:
    with open_store(source, create=False) as original, open_store(f"sqlite:///{tmp_path / 'x.sqlite'}") as target:
        copy_store(original, target)
        with pytest.raises(TargetNotEmptyError):
            copy_store(original, target)
