"""A store notices when its database is deleted, replaced or read-only — in the store, the command line and on
the pages. No test waits for time: each change is made, then the next read must see it."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy
from streamlit.testing.v1 import AppTest

from apptests import open_dashboard
from conftest import DATA, copy_seed_data, initialise_store, make_raw
from ecosystem.cli import main
from ecosystem.config import state_dir
from ecosystem.registry import read_raw_csv
from ecosystem.schema import REGISTRY_COLUMNS
from ecosystem.store import (
    RegistryStore,
    StoreGoneError,
    StoreReadOnlyError,
    StoreReplacedError,
    StoreUnavailableError,
    open_store,
)


def sample(*ids: str) -> pd.DataFrame:
    return make_raw([{"id": row_id, "name": f"Row {row_id}"} for row_id in ids])


def sqlite_files(path: Path) -> list[Path]:
    """The database file and the -wal and -shm files beside it, as far as they exist."""
    return [file for file in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm"))
            if file.exists()]


def delete_database(path: Path) -> None:
    """What an operator's ``rm registry.sqlite*`` does."""
    for file in sqlite_files(path):
        file.unlink()


def backup(path: Path, copy: Path) -> None:
    """A consistent copy of a live SQLite database (SQLite's backup API)."""
    with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(copy)) as target:
        source.backup(target)


def put_in_place(copy: Path, path: Path) -> None:
    """The database at ``path`` becomes a copy of ``copy`` (the old one and its -wal and -shm removed first)."""
    delete_database(path)
    shutil.copy(copy, path)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def path(tmp_path: Path) -> Path:
    return tmp_path / "registry.sqlite"


@pytest.fixture()
def opened(path: Path) -> Iterator[RegistryStore]:
    with open_store(f"sqlite:///{path}") as store:
        store.seed_if_empty(sample("a", "b"))
        yield store


# --- a file deleted or replaced while open ---------------------------------------------------------

def test_a_deleted_file_is_gone_until_it_comes_back(opened, path, tmp_path):
    assert opened.read()["id"].tolist() == ["a", "b"]
    backup(path, tmp_path / "copy.sqlite")
    delete_database(path)

    for read in (opened.current_version, opened.read, opened.versions):
        with pytest.raises(StoreGoneError, match=r"registry database .*registry\.sqlite is gone") as gone:
            read()
        assert gone.value.last_read.version == 1 and gone.value.path == str(path)
    with pytest.raises(StoreGoneError):
        opened.commit(sample("a"), base_version=1, account="test", file_name="x.csv")
    assert not path.exists()  # no empty database was created in its place

    shutil.copy(tmp_path / "copy.sqlite", path)
    assert opened.read()["id"].tolist() == ["a", "b"]
    assert opened.commit(sample("a"), base_version=1, account="test", file_name="x.csv") == 2


def test_a_file_moved_away_and_back_is_used_again(opened, path, tmp_path):
    key = opened.key
    moved = [file.rename(tmp_path / f"moved-{file.name}") for file in sqlite_files(path)]
    with pytest.raises(StoreGoneError):
        opened.read()
    for file in moved:
        file.rename(path.with_name(file.name.removeprefix("moved-")))
    assert opened.read()["id"].tolist() == ["a", "b"]
    assert opened.key == key


def test_another_registry_at_the_path_is_detected_and_reopened(opened, path, tmp_path):
    key = opened.key
    with open_store(f"sqlite:///{tmp_path / 'other.sqlite'}") as other:
        other.seed_if_empty(sample("z"))
    put_in_place(tmp_path / "other.sqlite", path)

    with pytest.raises(StoreReplacedError, match=r"registry\.sqlite was replaced while it was open"):
        opened.read()
    with pytest.raises(StoreReplacedError):  # and stays so: nothing of the new database is served as the old one
        opened.current_version()
    opened.reopen()
    assert opened.read()["id"].tolist() == ["z"]
    assert opened.key != key
    assert opened.commit(sample("y"), base_version=1, account="test", file_name="x.csv") == 2


def test_an_older_copy_of_the_same_registry_counts_as_replaced(opened, path, tmp_path):
    backup(path, tmp_path / "version-1.sqlite")
    opened.commit(sample("a", "b", "c"), base_version=1, account="test", file_name="x.csv")
    assert opened.current_version() == 2
    put_in_place(tmp_path / "version-1.sqlite", path)

    with pytest.raises(StoreReplacedError, match=r"1 version\(s\) where 2 were read before: an older copy"):
        opened.read()
    opened.reopen()
    assert opened.current_version() == 1


def test_another_store_id_in_the_same_database_is_detected(empty_database):
    """What the file check cannot see, and what a server database has instead: the store id."""
    with open_store(empty_database) as store:
        store.seed_if_empty(sample("a"))
        engine = sqlalchemy.create_engine(empty_database)
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE registry_meta SET value = 'another-registry' WHERE name = 'store_id'")
        engine.dispose()
        with pytest.raises(StoreReplacedError, match="it holds another registry"):
            store.read()
        store.reopen()
        assert store.read()["id"].tolist() == ["a"]


# --- read-only databases ---------------------------------------------------------------------------

def assert_reads_and_refuses_writes(store: RegistryStore, path: Path) -> None:
    assert store.read_only
    assert store.read()["id"].tolist() == ["a", "b"]
    for write in (lambda: store.commit(sample("c"), base_version=1, account="test", file_name="x.csv"),
                  lambda: store.rollback(1, account="test"), lambda: store.seed_if_empty(sample("c"))):
        with pytest.raises(StoreReadOnlyError, match=rf"read-only here \({path}\); writing is refused"):
            write()


@pytest.fixture()
def closed_database(path: Path) -> Path:
    """A registry database (versions a, b) that nothing has open: its -wal file merged and removed."""
    with open_store(f"sqlite:///{path}") as store:
        store.seed_if_empty(sample("a", "b"))
    assert sqlite_files(path) == [path]
    return path


@pytest.mark.parametrize("how", ["environment", "url"])
def test_read_only_by_configuration(closed_database, monkeypatch, how):
    before = digest(closed_database)
    if how == "environment":
        monkeypatch.setenv("ECOSYSTEM_DATABASE_READ_ONLY", "1")
        url = f"sqlite:///{closed_database}"
    else:
        url = f"sqlite:///file:{closed_database}?mode=ro&uri=true"
    with open_store(url) as store:
        assert_reads_and_refuses_writes(store, closed_database)
    assert digest(closed_database) == before


@contextmanager
def unwritable(folder: Path) -> Iterator[None]:
    """The folder and its files cannot be written by this process: made read-only, or — for root, whom
    permissions do not stop — immutable (``chattr +i``); skipped where neither is possible."""
    paths = [folder, *folder.iterdir()]
    if os.geteuid() != 0:
        modes = {path: path.stat().st_mode for path in paths}
        for path in paths:
            path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
        return
    if shutil.which("chattr") is None:
        pytest.skip("running as root without chattr, so no file can be made read-only for this process")
    marked = subprocess.run(["chattr", "+i", *map(str, paths)], capture_output=True, text=True)
    try:
        if marked.returncode:
            pytest.skip(f"running as root where files cannot be made immutable: {marked.stderr.strip()}")
        assert not os.access(folder, os.W_OK)
        yield
    finally:
        subprocess.run(["chattr", "-i", *map(str, paths)], capture_output=True)


def test_a_database_in_a_read_only_folder_is_read(closed_database):
    before = digest(closed_database)
    with unwritable(closed_database.parent), open_store(f"sqlite:///{closed_database}") as store:
        assert_reads_and_refuses_writes(store, closed_database)
        assert sqlite_files(closed_database) == [closed_database]  # read immutable: no -wal or -shm made
    assert digest(closed_database) == before


def test_a_read_only_copy_of_a_live_database_is_read_with_its_wal(path, tmp_path):
    """Changes still in the -wal file are read (never immutable, which would miss them) — or clearly refused
    when the -shm file SQLite needs for them is missing and cannot be made."""
    copy = tmp_path / "copy"
    copy.mkdir()
    with open_store(f"sqlite:///{path}") as store:  # open: the -wal file holds its changes
        store.seed_if_empty(sample("a"))
        store.commit(sample("a", "b"), base_version=1, account="test", file_name="x.csv")
        for file in sqlite_files(path):
            shutil.copy(file, copy / file.name)
    live = copy / path.name
    assert live.with_name(f"{live.name}-wal").stat().st_size > 0
    with unwritable(copy), open_store(f"sqlite:///{live}") as store:
        assert_reads_and_refuses_writes(store, live)
    live.with_name(f"{live.name}-shm").unlink()
    with unwritable(copy), pytest.raises(StoreUnavailableError, match=r"its folder is read-only, and its -wal file"):
        open_store(f"sqlite:///{live}")


def test_the_command_line_refuses_an_import_in_the_chosen_language(tmp_path, monkeypatch, capsys):
    data = copy_seed_data(tmp_path / "data")
    monkeypatch.setenv("ECOSYSTEM_DATA_DIR", str(data))
    monkeypatch.setenv("ECOSYSTEM_REFERENCE_DIR", str(tmp_path / "no-reference"))
    monkeypatch.setenv("ECOSYSTEM_DATABASE_URL", f"sqlite:///{data / 'registry.sqlite'}")
    assert main(["history"]) == 0  # creates and seeds the store
    changed = read_raw_csv(DATA / "initiatives.csv")[REGISTRY_COLUMNS].head(1).assign(name="Renamed")
    changed.to_csv(tmp_path / "changed.csv", index=False)
    capsys.readouterr()
    monkeypatch.setenv("ECOSYSTEM_DATABASE_READ_ONLY", "1")

    code = main(["import", str(tmp_path / "changed.csv"), "--partner", changed.loc[0, "partner"], "--lang", "lt"])

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"error: Registro duomenų bazė čia tik skaitoma ({data / 'registry.sqlite'}); rašyti neleidžiama.")


# --- the pages -------------------------------------------------------------------------------------

@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = copy_seed_data(tmp_path / "data")
    monkeypatch.setenv("ECOSYSTEM_DATA_DIR", str(folder))
    monkeypatch.delenv("ECOSYSTEM_DATABASE_URL", raising=False)  # the default: registry.sqlite in the state folder
    monkeypatch.setenv("ECOSYSTEM_TILES", "none")
    monkeypatch.setenv("ECOSYSTEM_MAP_ASSETS", "cdn")
    monkeypatch.setenv("ECOSYSTEM_REFERENCE_DIR", str(tmp_path / "no-reference"))
    initialise_store()
    return folder


def page(name: str) -> AppTest:
    return open_dashboard(name.removesuffix(".py")).run()


def initiatives(at: AppTest) -> str:
    return {metric.label: metric.value for metric in at.metric}["Initiatives"]


def test_pages_say_that_the_database_is_gone_and_recover(data_dir, tmp_path):
    overview = page("overview.py")
    assert initiatives(overview) == "10" and not overview.error
    database = state_dir() / "registry.sqlite"
    backup(database, tmp_path / "copy.sqlite")
    delete_database(database)

    overview.run()
    about = page("about.py")
    for at in (overview, about):
        assert not at.exception
        assert [error.value for error in at.error if "is gone" in error.value and "version 1 at" in error.value
                and "registry\\.sqlite" in error.value]
    assert initiatives(overview) == "10"  # the last data read, said to be that

    shutil.copy(tmp_path / "copy.sqlite", database)
    overview.run()
    assert not overview.exception and not overview.error
    assert initiatives(overview) == "10"


def test_pages_say_that_the_database_was_replaced_and_show_the_new_one(data_dir, tmp_path):
    overview = page("overview.py")
    assert initiatives(overview) == "10"
    seed = read_raw_csv(data_dir / "initiatives.csv")[REGISTRY_COLUMNS]
    with open_store(f"sqlite:///{tmp_path / 'other.sqlite'}") as other:
        other.seed_if_empty(seed[seed["country"] == "LT"])
    put_in_place(tmp_path / "other.sqlite", state_dir() / "registry.sqlite")

    overview.run()
    assert not overview.exception and not overview.error
    assert [warning.value for warning in overview.warning if "was replaced by another one" in warning.value]
    assert initiatives(overview) == "6"
    overview.run()
    assert not [warning for warning in overview.warning if "was replaced" in warning.value]  # said once per session
    assert initiatives(overview) == "6"


def test_pages_say_that_the_database_is_read_only(data_dir, monkeypatch):
    assert initiatives(page("overview.py")) == "10"
    monkeypatch.setenv("ECOSYSTEM_DATABASE_URL", f"sqlite:///file:{state_dir() / 'registry.sqlite'}?mode=ro&uri=true")
    for name in ("overview.py", "about.py"):
        at = page(name)
        assert not at.exception and not at.error
        assert [warning.value for warning in at.warning if "read-only here" in warning.value]
    assert initiatives(page("overview.py")) == "10"


def test_every_store_object_of_one_database_has_the_same_key(opened, path):
    # a second app process, or the same one after Streamlit reloaded its modules, must not see a "replaced" database
    with open_store(f"sqlite:///{path}") as again:
        assert again.key == opened.key
