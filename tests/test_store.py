"""The versioned registry store: round trips, history, diffs, rollbacks, races and killed writers."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy

from conftest import drop_postgres_database, make_raw, new_postgres_database
from ecosystem import store as store_module
from ecosystem.schema import REGISTRY_COLUMNS
from ecosystem.store import (
    DIFF_COLUMNS,
    SUMMARY_ID_LIMIT,
    VERSION_COLUMNS,
    NothingToCommit,
    RegistryStore,
    StaleVersionError,
    StoreError,
    StoreNotInitialisedError,
    StoreUnavailableError,
    UnknownVersionError,
    database_url,
    open_store,
    registry_checksum,
)
from store_fault_worker import PHASES, changed_registry

REPO = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).resolve().parent / "store_fault_worker.py"
AWKWARD = ['q"uote', "a,b", "two\nlines", "windows\r\nline", "lone\rreturn", " padded ", "NA", "null", "#",
           "Tauragė, Šiauliai – Łódź", "\t", '"', "", "=1+2"]


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def synthetic_registry(rows: int) -> pd.DataFrame:
    """A raw registry of ``rows`` rows with distinct ids and some empty cells."""
    data = {column: [f"{column} {n % 97}" for n in range(rows)] for column in REGISTRY_COLUMNS}
    data["id"] = [f"init-{n:06d}" for n in range(rows)]
    data["description"] = [f"Initiative {n}: a longer description, with a comma and \"quotes\"." for n in range(rows)]
    data["website"] = [""] * rows
    return pd.DataFrame(data, columns=REGISTRY_COLUMNS)


def sample() -> pd.DataFrame:
    return make_raw([{"id": "a", "name": "Alpha"}, {"id": "b", "name": "Beta", "municipality": "Kaunas"},
                     {"id": "c", "name": "Gamma", "website": "https://example.org"}])


@pytest.fixture()
def store(empty_database: str) -> Iterator[RegistryStore]:
    with open_store(empty_database) as opened:
        yield opened


def assert_same_content(read: pd.DataFrame, expected: pd.DataFrame) -> None:
    expected = expected[REGISTRY_COLUMNS].sort_values("id").reset_index(drop=True)
    pd.testing.assert_frame_equal(read, expected, check_dtype=False)


# --- content ---------------------------------------------------------------------------------------

def test_seed_reads_back_exactly(store, seed_raw):
    assert store.current_version() == 0
    assert store.read().empty and list(store.read().columns) == REGISTRY_COLUMNS
    assert store.seed_if_empty(seed_raw, file_name="initiatives.csv") == 1
    assert store.seed_if_empty(sample()) is None
    assert_same_content(store.read(), seed_raw)
    assert store.checksum() == registry_checksum(seed_raw) == registry_checksum(store.read())
    first = store.versions().iloc[0]
    assert (first["version"], first["action"], first["account"], first["base_version"], first["rows"]) == \
        (1, "seed", "system", 0, len(seed_raw))
    assert first["added"] == len(seed_raw) and first["changed"] == first["removed"] == 0


def test_awkward_text_round_trips(store):
    frame = make_raw([{"id": f"row-{n}", "name": text, "description": text * 2} for n, text in enumerate(AWKWARD)])
    store.commit(frame, base_version=0, account="test", file_name="awkward.csv")
    assert_same_content(store.read(), frame)
    assert store.checksum() == registry_checksum(frame)


def test_checksum_is_of_the_canonical_csv():
    frame = sample()
    plain = frame[REGISTRY_COLUMNS].sort_values("id").agg(",".join, axis=1)  # no cell needs quoting here
    text = "\r\n".join([",".join(REGISTRY_COLUMNS), *plain, ""])
    assert registry_checksum(frame) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    shuffled = frame.iloc[::-1].reset_index(drop=True)[list(reversed(REGISTRY_COLUMNS))]
    assert registry_checksum(shuffled) == registry_checksum(frame)
    changed = frame.assign(name=frame["name"].str.upper())
    assert registry_checksum(changed) != registry_checksum(frame)


def test_missing_values_become_empty_text(store):
    frame = sample()
    frame.loc[1, "municipality"] = None
    frame["partner"] = pd.array(["seed", pd.NA, "seed"], dtype="string")
    store.commit(frame, base_version=0, account="test", file_name="x.csv")
    assert store.read().loc[1, ["municipality", "partner"]].tolist() == ["", ""]


@pytest.mark.parametrize("change, message", [
    (lambda frame: frame.drop(columns=["status"]), "lacks the column"),
    (lambda frame: frame.assign(id=["a", "a", "c"]), "repeated: a"),
    (lambda frame: frame.assign(id=["a", "", "c"]), "needs an id"),
    (lambda frame: frame.assign(name=["ok", "nul\x00", "ok"]), "NUL"),
])
def test_unstorable_content_is_refused_and_nothing_written(store, change, message):
    with pytest.raises(StoreError, match=message):
        store.commit(change(sample()), base_version=0, account="test", file_name="bad.csv")
    assert store.current_version() == 0 and store.versions().empty


# --- history ---------------------------------------------------------------------------------------

def test_commit_summary_and_diff_are_exact(store):
    store.seed_if_empty(sample())
    new = sample()
    new.loc[new["id"] == "b", ["name", "municipality"]] = ["Beta two", ""]
    new = pd.concat([new[new["id"] != "c"], make_raw([{"id": "d", "name": "Delta"}])], ignore_index=True)
    assert store.commit(new, base_version=1, account="partner@example.org", file_name="update.xlsx") == 2

    history = store.versions()
    assert list(history.columns) == VERSION_COLUMNS
    assert list(history["version"]) == [2, 1]
    latest = history.iloc[0]
    assert (latest["account"], latest["file_name"], latest["action"], latest["base_version"], latest["rows"]) == \
        ("partner@example.org", "update.xlsx", "import", 1, 3)
    assert (latest["added"], latest["changed"], latest["removed"]) == (1, 1, 1)
    assert json.loads(latest["summary"]) == {"added": 1, "added_ids": ["d"], "changed": 1, "changed_ids": ["b"],
                                             "removed": 1, "removed_ids": ["c"]}
    assert latest["created_at"].endswith("+00:00")

    expected = pd.DataFrame([
        ("b", "changed", "name", "Beta", "Beta two"),
        ("b", "changed", "municipality", "Kaunas", ""),
        ("c", "removed", "", "", ""),
        ("d", "added", "", "", ""),
    ], columns=DIFF_COLUMNS)
    pd.testing.assert_frame_equal(store.diff(1, 2), expected)
    backwards = store.diff(2, 1)
    assert list(backwards["change"]) == ["changed", "changed", "added", "removed"]
    assert list(backwards["old_value"][:2]) == ["Beta two", ""]
    assert store.diff(2, 2).empty and list(store.diff(2, 2).columns) == DIFF_COLUMNS
    assert set(store.diff(0, 2)["change"]) == {"added"} and len(store.diff(0, 2)) == 3


def test_commit_writes_only_the_changed_rows(tmp_path):
    with open_store(sqlite_url(tmp_path / "registry.sqlite")) as store:
        store.seed_if_empty(synthetic_registry(2000))
        frame = store.read()
        frame.loc[[5, 500, 1500], "status"] = "closed"
        store.commit(frame, base_version=1, account="test", file_name="three.csv")
    with sqlite3.connect(tmp_path / "registry.sqlite") as raw:
        assert raw.execute("SELECT count(*) FROM registry_rows").fetchone() == (2003,)
        assert raw.execute("SELECT count(*) FROM registry_rows WHERE valid_from = 2").fetchone() == (3,)


def test_every_old_version_is_reconstructed(store):
    rng = random.Random(7)
    frame = synthetic_registry(300)
    contents = {store.commit(frame, base_version=0, account="test", file_name="v1.csv"): frame}
    for step in range(8):
        frame = frame.copy()
        frame.loc[rng.sample(range(len(frame)), 20), "name"] = f"renamed in step {step}"
        frame = frame.drop(index=rng.sample(list(frame.index), 5))
        frame = pd.concat([frame, synthetic_registry(3).assign(id=lambda rows, step=step: rows["id"] + f"-s{step}")],
                          ignore_index=True)
        version = store.current_version()
        contents[store.commit(frame, base_version=version, account="test", file_name=f"v{step}.csv")] = frame
    assert store.current_version() == 9
    for version, content in contents.items():
        assert_same_content(store.read(version), content)
        assert store.checksum(version) == registry_checksum(content) == registry_checksum(store.read(version))


def test_rollback_is_a_new_version_with_the_old_content(store):
    store.seed_if_empty(sample())
    changed = sample().assign(status="closed")
    store.commit(changed, base_version=1, account="test", file_name="closed.csv")
    assert store.rollback(1, account="admin") == 3
    assert store.checksum(3) == store.checksum(1) != store.checksum(2)
    assert_same_content(store.read(2), changed)  # history is kept
    latest = store.versions().iloc[0]
    assert (latest["action"], latest["account"], latest["base_version"], latest["restores"], latest["changed"]) == \
        ("rollback", "admin", 2, 1, 3)
    with pytest.raises(NothingToCommit):
        store.rollback(3, account="admin")
    with pytest.raises(UnknownVersionError, match="Version 9 does not exist; the registry has versions 1 to 3"):
        store.rollback(9, account="admin")


def test_stale_base_is_refused_and_nothing_written(store):
    store.seed_if_empty(sample())
    store.commit(sample().assign(status="closed"), base_version=1, account="first", file_name="a.csv")
    before = store.checksum()
    message = r"The registry changed since you started \(version 1 is now 2\); review your file again\."
    with pytest.raises(StaleVersionError, match=message) as caught:
        store.commit(sample().assign(status="active"), base_version=1, account="second", file_name="b.csv")
    assert (caught.value.base_version, caught.value.current_version) == (1, 2)
    assert store.current_version() == 2 and len(store.versions()) == 2 and store.checksum() == before


def test_identical_content_is_nothing_to_commit(store):
    store.seed_if_empty(sample())
    with pytest.raises(NothingToCommit, match=r"current version \(1\)"):
        store.commit(sample().iloc[::-1], base_version=1, account="test", file_name="same.csv")
    assert store.current_version() == 1 and len(store.versions()) == 1


def test_unknown_versions_are_refused(store):
    with pytest.raises(UnknownVersionError, match="no versions yet"):
        store.read(1)
    store.seed_if_empty(sample())
    for call in (lambda: store.read(2), lambda: store.diff(1, 5), lambda: store.checksum(-1)):
        with pytest.raises(UnknownVersionError, match="versions 1 to 1"):
            call()


# --- the database ----------------------------------------------------------------------------------

def test_database_url_default_and_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("ECOSYSTEM_DATABASE_URL", raising=False)
    monkeypatch.setenv("ECOSYSTEM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ECOSYSTEM_STATE_DIR", str(tmp_path / "state" / "baltic"))
    assert database_url() == f"sqlite:///{tmp_path / 'state' / 'baltic' / 'registry.sqlite'}"  # not in the data folder
    with pytest.raises(StoreNotInitialisedError, match="python -m ecosystem init"):
        open_store(create=False)  # as a page view opens it: nothing is created
    assert not (tmp_path / "state").exists()
    with open_store() as default:  # the state folder is created with the database
        assert default.seed_if_empty(sample()) == 1
    assert (tmp_path / "state" / "baltic" / "registry.sqlite").exists()
    monkeypatch.setenv("ECOSYSTEM_DATABASE_URL", sqlite_url(tmp_path / "other.sqlite"))  # the environment wins
    with open_store() as other:
        assert other.current_version() == 0
    with open_store(sqlite_url(tmp_path / "state" / "baltic" / "registry.sqlite")) as again:
        assert again.current_version() == 1


def test_unreachable_and_unusable_databases_speak_plainly(tmp_path):
    with pytest.raises(StoreUnavailableError, match="cannot be reached or read"):
        open_store(sqlite_url(tmp_path / "missing-folder" / "registry.sqlite"))
    (tmp_path / "garbage.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreUnavailableError, match="cannot be reached or read"):
        open_store(sqlite_url(tmp_path / "garbage.sqlite"))
    with pytest.raises(StoreError, match="not a URL"):
        open_store("registry.sqlite")
    with pytest.raises(StoreError, match=r"nonsense://alice:\*\*\*@nowhere/db cannot be used"):
        open_store("nonsense://alice:secret@nowhere/db")


def test_a_locked_database_is_reported_as_busy(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_SECONDS", 0.2)
    path = tmp_path / "registry.sqlite"
    with open_store(sqlite_url(path)) as opened:
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreUnavailableError, match="busy with another change"):
                opened.commit(sample(), base_version=0, account="test", file_name="x.csv")
            assert_same_content(opened.read(), pd.DataFrame(columns=REGISTRY_COLUMNS))  # readers are not blocked
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert opened.commit(sample(), base_version=0, account="test", file_name="x.csv") == 1


def test_a_database_of_other_columns_is_refused(tmp_path):
    path = tmp_path / "registry.sqlite"
    with open_store(sqlite_url(path)) as opened:
        opened.seed_if_empty(sample())
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE registry_versions SET columns = 'id,name'")
    with pytest.raises(StoreError, match="other columns"):
        open_store(sqlite_url(path))


def test_large_registry_commits_only_what_changed(store):
    """100k rows: a commit of 100 changed rows records exactly those (timings: benchmarks/registry_ops.py)."""
    frame = synthetic_registry(100_000)
    store.seed_if_empty(frame)
    current = store.read()
    for step in range(2):
        current.loc[current.index[step::1000], "name"] = f"changed {step}"
        store.commit(current, base_version=store.current_version(), account="test", file_name="big.csv")
    history = store.versions()
    assert history.iloc[0]["changed"] == 100 and history.iloc[-1]["added"] == 100_000
    assert len(json.loads(history.iloc[-1]["summary"])["added_ids"]) == SUMMARY_ID_LIMIT
    assert registry_checksum(store.read()) == registry_checksum(current)


# --- races and crashes -----------------------------------------------------------------------------

RACE_ROUNDS = 3
SAFETY_NET_SECONDS = 600  # only a hung process waits this long: the tests below wait for events, not for time


def race_content(round_: int, racer: int) -> pd.DataFrame:
    """What a racer saves in a round: every name changed, differently for each racer and round."""
    frame = synthetic_registry(5000)
    return frame.assign(name=frame["name"] + f" round {round_} racer {racer}")


def race(url: str, racer: int, barrier: Barrier, results: Queue[tuple[int, int, str, int]]) -> None:
    """One racing process: in each round, commit from the same base as the other racer at the same moment."""
    store_module.BUSY_TIMEOUT_SECONDS = SAFETY_NET_SECONDS  # the loser waits out the winner's commit, however slow
    with open_store(url) as racing:
        for round_ in range(RACE_ROUNDS):
            frame = race_content(round_, racer)
            barrier.wait()
            try:
                version = racing.commit(frame, base_version=round_ + 1, account=f"racer {racer}", file_name="race.csv")
                results.put((round_, racer, "saved", version))
            except StaleVersionError:
                results.put((round_, racer, "stale", 0))
            barrier.wait()


def test_two_processes_committing_from_the_same_base_one_wins(empty_database, spawn):
    url = empty_database
    with open_store(url) as setup:
        setup.seed_if_empty(synthetic_registry(5000))
    barrier, results = spawn.Barrier(2), spawn.Queue()
    racers = [spawn.Process(target=race, args=(url, racer, barrier, results)) for racer in (0, 1)]
    for process in racers:
        process.start()
    outcomes = [results.get(timeout=SAFETY_NET_SECONDS) for _ in range(2 * RACE_ROUNDS)]
    for process in racers:
        process.join(timeout=SAFETY_NET_SECONDS)
        assert process.exitcode == 0
    with open_store(url) as after:
        history = after.versions().set_index("version")
        for round_ in range(RACE_ROUNDS):
            this_round = sorted(outcome[2:] for outcome in outcomes if outcome[0] == round_)
            assert this_round == [("saved", round_ + 2), ("stale", 0)]
            winner = next(outcome[1] for outcome in outcomes if outcome[0] == round_ and outcome[2] == "saved")
            assert history.loc[round_ + 2, "checksum"] == registry_checksum(race_content(round_, winner))
            assert history.loc[round_ + 2, "account"] == f"racer {winner}"
        assert after.current_version() == RACE_ROUNDS + 1
        assert registry_checksum(after.read()) == history.loc[RACE_ROUNDS + 1, "checksum"]


# what a store holds after its writer was killed at each phase of a commit (see store_fault_worker.py)
STATE_AFTER_KILL = {"before-write": "old", "version-claimed": "old", "rows-closed": "old", "before-commit": "old",
                    "committed": "new"}
# phases at which the commit has spilled uncommitted pages into the WAL, which recovery after the kill must ignore
SPILLED_PHASES = {"rows-closed", "before-commit"}


def start_worker(url: str, phase: str) -> subprocess.Popen[str]:
    """The fault worker committing to a store and pausing at ``phase``; it builds its change in the background."""
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, str(WORKER), url, phase], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=environment)


def wait_for_phase(worker: subprocess.Popen[str], phase: str) -> None:
    """Block until the worker says it is paused at ``phase``."""
    assert worker.stdout is not None and worker.stderr is not None
    watchdog = threading.Timer(SAFETY_NET_SECONDS, worker.kill)
    watchdog.start()
    try:
        said = worker.stdout.readline()
    finally:
        watchdog.cancel()
    assert said == f"at {phase}\n", (said, worker.stderr.read())


def state_after(url: str, old: str, new: str) -> str:
    """Check a store after its writer died: sound, and wholly the old or wholly the new version."""
    path = store_module._sqlite_path(sqlalchemy.make_url(url)) if url.startswith("sqlite") else None
    if path is not None:
        with sqlite3.connect(path) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with open_store(url) as after:
        content = registry_checksum(after.read())
        history = after.versions()
        assert content in (old, new)
        if content == old:
            assert after.current_version() == 1 and list(history["version"]) == [1]
            assert history.iloc[0]["checksum"] == old
            return "old"
        assert after.current_version() == 2 and list(history["version"]) == [2, 1]
        latest = history.iloc[0]
        assert (latest["action"], latest["base_version"], latest["added"], latest["changed"], latest["removed"],
                latest["checksum"]) == ("import", 1, 1000, 18000, 2000, new)
        return "new"


@pytest.fixture()
def seeded_copies(empty_database: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A store seeded with 20,000 rows, and one copy of it per phase of a commit (SQLite: the file copied;
    PostgreSQL: a database made from it as template): (the seeded store's URL, phase → the copy's URL)."""
    with open_store(empty_database) as setup:
        setup.seed_if_empty(synthetic_registry(20_000))
    if empty_database.startswith("sqlite"):
        template = tmp_path / "registry.sqlite"
        assert not Path(f"{template}-wal").exists()
        paths = {phase: tmp_path / f"kill-{phase}.sqlite" for phase in PHASES}
        for path in paths.values():
            shutil.copy(template, path)
        yield empty_database, {phase: sqlite_url(path) for phase, path in paths.items()}
        return
    template = sqlalchemy.make_url(empty_database).database
    assert template is not None
    copies = {phase: new_postgres_database(empty_database, template=template) for phase in PHASES}
    yield empty_database, copies
    for url in copies.values():
        drop_postgres_database(url)


def test_a_killed_commit_leaves_the_old_or_the_new_version(seeded_copies):
    """SIGKILL a writer paused at each phase of a commit: the store is sound and holds the old or the new version."""
    seeded, copies = seeded_copies
    with open_store(seeded) as setup:
        old = setup.checksum()
        new = registry_checksum(changed_registry(setup.read()))
    workers = {phase: start_worker(url, phase) for phase, url in copies.items()}
    try:
        for phase, worker in workers.items():
            wait_for_phase(worker, phase)
            path = store_module._sqlite_path(sqlalchemy.make_url(copies[phase])) if seeded.startswith("sqlite") else None
            if path is not None and phase in SPILLED_PHASES:
                assert Path(f"{path}-wal").stat().st_size > 0, f"nothing uncommitted in the WAL at {phase}"
            worker.kill()
            worker.communicate(timeout=SAFETY_NET_SECONDS)
            assert state_after(copies[phase], old, new) == STATE_AFTER_KILL[phase], phase
    finally:
        for worker in workers.values():
            worker.kill()
            worker.communicate()
