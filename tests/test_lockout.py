"""The sign-in lockout kept in the registry database: shared by processes, kept across restarts, lifted by time
or by ``python -m ecosystem unlock``. Time is a hand-moved clock; processes wait on barriers, never on time."""

from __future__ import annotations

from collections.abc import Iterator
from multiprocessing.context import SpawnContext
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from ecosystem.auth import Authenticator, LoginError, load_accounts
from ecosystem.cli import main
from ecosystem.lockout import StoreAttemptLog
from ecosystem.store import RegistryStore, open_store

FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # test-only: cheap argon2id parameters
PASSWORD = "ona-long-passphrase"
SECRETS = {"accounts": {"ona": {"password_hash": FAST.hash(PASSWORD), "role": "partner", "partner": "Partner LT"},
                        "admin": {"password_hash": FAST.hash(PASSWORD), "role": "admin"}}}
MAX_FAILURES = 3
SAFETY_NET_SECONDS = 600  # only a hung process waits this long: the tests wait for events, not for time


class Clock:
    """A wall clock the test moves by hand, shared by the 'processes' of a test."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def url(empty_database: str) -> str:
    """An empty registry database, once of each kind (SQLite, PostgreSQL)."""
    return empty_database


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def stores(url: str) -> Iterator[list[RegistryStore]]:
    """Two stores on one database file: what two app processes (or a restarted one) hold."""
    first, second = open_store(url), open_store(url)
    yield [first, second]
    first.close()
    second.close()


def authenticator(store: RegistryStore, clock: Clock, max_failures: int = MAX_FAILURES) -> Authenticator:
    return Authenticator(load_accounts(SECRETS), attempts=StoreAttemptLog(store), max_failures=max_failures,
                         lockout_seconds=300, clock=clock, hasher=FAST)


def fail(auth: Authenticator, username: str = "ona", client: str | None = None) -> None:
    with pytest.raises(LoginError, match="wrong password"):
        auth.login(username, "wrong-password", client=client)


def rows(store: RegistryStore) -> int:
    with store.transaction(write=False) as conn:
        return conn.exec_driver_sql("SELECT count(*) FROM sign_in_attempts").scalar_one()


def test_failures_in_two_processes_add_up_to_one_lock(stores: list[RegistryStore], clock: Clock) -> None:
    first, second = (authenticator(store, clock) for store in stores)
    fail(first)
    fail(second)
    fail(first)
    for auth in (first, second):
        with pytest.raises(LoginError, match="Try again in 5 min") as locked:
            auth.login("ona", PASSWORD)
        assert locked.value.retry_after == pytest.approx(300)
    assert second.login("admin", PASSWORD).username == "admin"  # other accounts unaffected


def test_a_success_in_one_process_resets_the_count_in_the_other(stores: list[RegistryStore], clock: Clock) -> None:
    first, second = (authenticator(store, clock) for store in stores)
    fail(first)
    fail(first)
    assert second.login("ona", PASSWORD).username == "ona"
    fail(first)
    fail(second)
    assert first.login("ona", PASSWORD).username == "ona"


def test_a_lock_survives_a_restart(url: str, clock: Clock) -> None:
    with open_store(url) as before_restart:
        auth = authenticator(before_restart, clock)
        for _ in range(MAX_FAILURES):
            fail(auth, client="session-1")
    clock.now += 60
    with open_store(url) as after_restart:
        auth = authenticator(after_restart, clock)
        with pytest.raises(LoginError, match="Try again in 4 min") as locked:
            auth.login("ona", PASSWORD, client="session-2")
        assert locked.value.retry_after == pytest.approx(240)
        with pytest.raises(LoginError, match="Try again"):  # the session is locked too, for any username
            auth.login("admin", PASSWORD, client="session-1")


def test_the_lock_ends_with_the_clock_and_expired_rows_are_deleted(stores: list[RegistryStore], clock: Clock) -> None:
    first, second = (authenticator(store, clock) for store in stores)
    for _ in range(MAX_FAILURES):
        fail(first, client="session-1")
    fail(first, "admin")
    assert rows(stores[0]) == 3  # ona, session-1, admin
    clock.now += 299
    with pytest.raises(LoginError, match="Try again in 1 min"):
        second.login("ona", PASSWORD)
    clock.now += 1
    assert second.login("ona", PASSWORD).username == "ona"
    assert rows(stores[1]) == 0


def guess(url: str, attempts: int, barrier: Barrier, results: Queue[str]) -> None:
    """One app process guessing ona's password ``attempts`` times, starting with the others."""
    with open_store(url) as store:
        auth = Authenticator(load_accounts(SECRETS), attempts=StoreAttemptLog(store), max_failures=5, hasher=FAST)
        barrier.wait()
        for _ in range(attempts):
            try:
                auth.login("ona", "wrong-password")
            except LoginError as error:
                results.put(error.key)


def test_guesses_from_several_processes_at_once_are_counted_together(url: str, spawn: SpawnContext) -> None:
    processes, attempts = 4, 3
    open_store(url).close()
    barrier, results = spawn.Barrier(processes), spawn.Queue()
    guessers = [spawn.Process(target=guess, args=(url, attempts, barrier, results)) for _ in range(processes)]
    for process in guessers:
        process.start()
    outcomes = [results.get(timeout=SAFETY_NET_SECONDS) for _ in range(processes * attempts)]
    for process in guessers:
        process.join(timeout=SAFETY_NET_SECONDS)
        assert process.exitcode == 0
    assert sorted(outcomes) == ["auth.locked"] * (processes * attempts - 5) + ["auth.login_failed"] * 5


# --- python -m ecosystem unlock ------------------------------------------------------------------

@pytest.fixture()
def configured(url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ECOSYSTEM_DATABASE_URL", url)
    return url


def test_unlock_command_lifts_a_lock(configured: str, clock: Clock, capsys: pytest.CaptureFixture) -> None:
    with open_store(configured) as store:
        auth = authenticator(store, clock)
        for _ in range(MAX_FAILURES):
            fail(auth, client="session-1")
        assert main(["unlock", " Ona "]) == 0
        assert "ona is unlocked (it was locked until 2023-11-14 22:18 UTC after 3 failed sign-ins)" in capsys.readouterr().out
        with pytest.raises(LoginError, match="Try again"):  # the browser session stays locked: a new tab is needed
            auth.login("ona", PASSWORD, client="session-1")
        assert auth.login("ona", PASSWORD, client="session-2") == load_accounts(SECRETS)["ona"]


def test_unlock_command_without_a_lock(configured: str, clock: Clock, capsys: pytest.CaptureFixture) -> None:
    with open_store(configured) as store:
        fail(authenticator(store, clock), "admin")
    assert main(["unlock", "admin"]) == 0
    assert "admin was not locked; its 1 recent failed sign-in(s) are forgotten." in capsys.readouterr().out
    assert main(["unlock", "admin"]) == 0
    assert "admin has no recent failed sign-ins and no lock; nothing to clear." in capsys.readouterr().out


def test_unlock_command_says_when_the_database_cannot_be_reached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("ECOSYSTEM_DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'registry.sqlite'}")
    assert main(["unlock", "ona"]) == 2
    assert "error: The registry database cannot be reached or read" in capsys.readouterr().err


def test_counting_goes_on_when_the_database_was_replaced_under_the_server(stores: list[RegistryStore],
                                                                            clock: Clock) -> None:

    server_store, operator = stores
    guard = authenticator(server_store, clock)
    with pytest.raises(LoginError):
        guard.login("admin", "wrong", client="tab")
    with operator.transaction(write=True) as conn:  # as after a swap to a database that never had the table
        conn.execute(text("DROP TABLE sign_in_attempts"))
    for _ in range(MAX_FAILURES):
        with pytest.raises(LoginError):
            guard.login("admin", "wrong", client="tab")
    with pytest.raises(LoginError) as locked:
        guard.login("admin", PASSWORD, client="another tab")
    assert locked.value.retry_after is not None
