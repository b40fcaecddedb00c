"""A server follows its registry database: commits made by others (LISTEN/NOTIFY on PostgreSQL, a version read
otherwise), a database that goes away and comes back. Each step waits for the state it expects (a queue), with a
safety net only."""

from __future__ import annotations

import queue
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy

from conftest import drop_postgres_database, make_raw, new_postgres_database
from ecosystem.store import StoreUnavailableError, open_store
from ecosystem.version_watch import RegistryState, VersionWatch

SAFETY_NET_SECONDS = 120.0


class States:
    """What a watch reported, in order."""

    def __init__(self) -> None:
        self.reported: queue.Queue[RegistryState] = queue.Queue()

    def __call__(self, state: RegistryState) -> None:
        self.reported.put(state)

    def next(self) -> RegistryState:
        return self.reported.get(timeout=SAFETY_NET_SECONDS)


@pytest.fixture()
def seeded(empty_database: str) -> str:
    with open_store(empty_database) as store:
        store.seed_if_empty(make_raw([{"id": "a"}]))
    return empty_database


@pytest.fixture()
def states(seeded: str) -> Iterator[States]:
    reported = States()
    watch = VersionWatch(seeded, reported, poll_seconds=0.05).start()
    yield reported
    watch.stop(SAFETY_NET_SECONDS)


def test_a_commit_by_another_process_is_reported_once(seeded: str, states: States) -> None:
    assert states.next() == RegistryState(1)
    with open_store(seeded) as other:
        other.commit(make_raw([{"id": "a"}, {"id": "b"}]), base_version=1, account="cli", file_name="x.csv")
        assert states.next().version == 2
        other.rollback(1, account="admin")
        assert states.next().version == 3
    assert states.reported.empty()  # once each


def test_commits_are_announced_on_postgresql_only(seeded: str) -> None:
    with open_store(seeded, create=False) as store:
        listener = store.listen_for_commits()
        assert (listener is not None) == seeded.startswith("postgresql")
        if listener is None:
            return
        try:
            assert not listener.wait(0.01)  # nothing committed yet
            with open_store(seeded) as other:
                other.commit(make_raw([{"id": "b"}]), base_version=1, account="cli", file_name="x.csv")
            assert listener.wait(SAFETY_NET_SECONDS)
        finally:
            listener.close()


def test_a_listener_whose_connection_ends_says_the_database_is_unavailable(postgres_server: str) -> None:
    url = new_postgres_database(postgres_server)
    try:
        with open_store(url) as store:
            listener = store.listen_for_commits()
            assert listener is not None
            engine = sqlalchemy.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:  # what a stopped server does to its sessions
                conn.execute(sqlalchemy.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                             "WHERE datname = :name AND starts_with(query, 'LISTEN')"),
                             {"name": sqlalchemy.make_url(url).database})
            engine.dispose()
            with pytest.raises(StoreUnavailableError, match="cannot be reached or read"):
                listener.wait(SAFETY_NET_SECONDS)
    finally:
        drop_postgres_database(url)


def test_a_database_gone_and_back_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "registry.sqlite"
    with open_store(f"sqlite:///{path}") as store:
        store.seed_if_empty(make_raw([{"id": "a"}]))
    reported = States()
    watch = VersionWatch(f"sqlite:///{path}", reported, poll_seconds=0.05).start()
    try:
        assert reported.next() == RegistryState(1)
        moved = [file.rename(tmp_path / f"moved-{file.name}") for file in tmp_path.glob("registry.sqlite*")]
        gone = reported.next()
        assert gone.version is None and "is gone" in (gone.problem or "")
        for file in moved:
            shutil.move(file, tmp_path / file.name.removeprefix("moved-"))
        assert reported.next() == RegistryState(1)
    finally:
        watch.stop(SAFETY_NET_SECONDS)
