"""Tests for ecosystem.auth: accounts from secrets, sign-in and lockout, permissions, OIDC mapping, CLI."""

from __future__ import annotations

import argparse
import io
import threading
import tomllib
from collections.abc import Iterator

import pandas as pd
import pytest
from argon2 import PasswordHasher, Type, extract_parameters
from argon2.exceptions import VerifyMismatchError
from argon2.profiles import RFC_9106_LOW_MEMORY

from ecosystem import auth
from ecosystem import store as store_module
from ecosystem.auth import (
    Account,
    AuthConfigError,
    Authenticator,
    LoginError,
    WeakPasswordError,
    account_from_oidc,
    add_auth_commands,
    can_rollback,
    hash_password,
    load_accounts,
    rows_outside_partner,
)
from ecosystem.lockout import StoreAttemptLog
from ecosystem.schema import PROBLEM_COLUMNS
from ecosystem.store import open_store

FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # test-only: cheap argon2id parameters
PASSWORDS = {"ona": "ona-long-passphrase", "janis": "janis-long-passphrase", "admin": "admin-long-passphrase"}


class CountingHasher(PasswordHasher):
    """A fast hasher that records which hashes were verified."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verified: list[str] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified.append(str(hash))
        return super().verify(hash, password)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def secrets() -> dict:
    return {
        "accounts": {
            "ona": {"password_hash": FAST.hash(PASSWORDS["ona"]), "role": "partner", "partner": "Partner LT",
                    "display_name": "Ona"},
            "janis": {"password_hash": FAST.hash(PASSWORDS["janis"]), "role": "partner", "partner": "Partner LV"},
            "admin": {"password_hash": FAST.hash(PASSWORDS["admin"]), "role": "admin"},
        }
    }


@pytest.fixture()
def accounts(secrets: dict) -> dict[str, Account]:
    return load_accounts(secrets)


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def attempts(empty_database: str) -> Iterator[StoreAttemptLog]:
    """The lockout kept in a registry database of its own, once of each kind (SQLite, PostgreSQL)."""
    with open_store(empty_database) as store:
        yield StoreAttemptLog(store)


@pytest.fixture()
def authenticator(accounts: dict[str, Account], attempts: StoreAttemptLog, clock: Clock) -> Authenticator:
    return Authenticator(accounts, attempts=attempts, max_failures=3, lockout_seconds=300, clock=clock, hasher=FAST)


# --- passwords and accounts ----------------------------------------------------------------------

def test_hash_password_gives_argon2id_that_verifies() -> None:
    password_hash = hash_password("correct horse battery", hasher=FAST)
    assert password_hash.startswith("$argon2id$")
    assert FAST.verify(password_hash, "correct horse battery")
    with pytest.raises(VerifyMismatchError):
        FAST.verify(password_hash, "wrong horse battery")


def test_hash_password_uses_recommended_parameters_by_default() -> None:
    parameters = extract_parameters(hash_password("a-good-long-passphrase"))
    assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (
        RFC_9106_LOW_MEMORY.time_cost, RFC_9106_LOW_MEMORY.memory_cost, RFC_9106_LOW_MEMORY.parallelism)


def test_short_password_refused_with_clear_message() -> None:
    with pytest.raises(WeakPasswordError, match="at least 12 characters") as refused:
        hash_password("elevenchars", hasher=FAST)
    assert "12" in refused.value.message("lt") and "simbolių" in refused.value.message("lt")
    assert hash_password("twelve chars", hasher=FAST).startswith("$argon2id$")


def test_load_accounts_reads_roles_partners_and_display_names(accounts: dict[str, Account]) -> None:
    assert set(accounts) == {"ona", "janis", "admin"}
    assert (accounts["ona"].role, accounts["ona"].partner, accounts["ona"].display_name) == ("partner", "Partner LT", "Ona")
    assert accounts["janis"].display_name == "janis"
    assert accounts["admin"].role == "admin" and accounts["admin"].partner is None
    assert "argon2" not in repr(accounts["ona"])


def test_load_accounts_without_section_is_empty() -> None:
    assert load_accounts({}) == {}


def test_malformed_accounts_are_all_reported_by_account_and_field() -> None:
    argon2i = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.I).hash("whatever-password")
    good = FAST.hash("whatever-password")
    secrets = {"accounts": {
        "owner": {"password_hash": good, "role": "owner", "partner": "P"},
        "nopartner": {"password_hash": good, "role": "partner"},
        "oldhash": {"password_hash": argon2i, "role": "admin"},
        "bcrypt": {"password_hash": "$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234", "role": "admin"},
        "nohash": {"role": "admin"},
        "typo": {"pasword_hash": good, "role": "admin"},
        "number": {"password_hash": good, "role": "partner", "partner": 7},
        "Ona": {"password_hash": good, "role": "admin"},
        "eve\n": {"password_hash": good, "role": "admin"},
        "flat": "admin",
    }}
    with pytest.raises(AuthConfigError) as refused:
        load_accounts(secrets)
    problems = refused.value.problems
    expected = [
        ("accounts.owner:", "“role”"), ("accounts.nopartner:", "“partner” is required"),
        ("accounts.oldhash:", "“password_hash” is not an argon2id"), ("accounts.bcrypt:", "“password_hash” is not an argon2id"),
        ("accounts.nohash:", "“password_hash” is missing"), ("accounts.typo:", "unknown field “pasword_hash”"),
        ("accounts.number:", "“partner” must be a text"), ("accounts.Ona:", "lowercase"), ("accounts.eve\n:", "lowercase"),
        ("accounts.flat:", "must be a table"),
    ]
    for where, what in expected:
        assert any(problem.startswith(where) and what in problem for problem in problems), (where, what, problems)
    assert good not in str(refused.value) and argon2i not in str(refused.value)


# --- sign-in and lockout -------------------------------------------------------------------------

def test_login_returns_the_account(authenticator: Authenticator, accounts: dict[str, Account]) -> None:
    assert authenticator.login("ona", PASSWORDS["ona"]) == accounts["ona"]
    assert authenticator.login("  Ona ", PASSWORDS["ona"]) == accounts["ona"]


def test_unknown_user_and_wrong_password_give_the_same_message(authenticator: Authenticator) -> None:
    with pytest.raises(LoginError) as unknown:
        authenticator.login("nobody", PASSWORDS["ona"])
    with pytest.raises(LoginError) as wrong:
        authenticator.login("ona", "not-the-password")
    assert str(unknown.value) == str(wrong.value) == "Unknown username or wrong password."
    assert unknown.value.message("lv") == wrong.value.message("lv") != str(wrong.value)


def test_unknown_user_is_verified_against_a_dummy_hash(accounts: dict[str, Account], attempts: StoreAttemptLog) -> None:
    hasher = CountingHasher()
    authenticator = Authenticator(accounts, attempts=attempts, hasher=hasher)
    with pytest.raises(LoginError):
        authenticator.login("nobody", "some-password-here")
    assert len(hasher.verified) == 1 and hasher.verified[0] not in {a.password_hash for a in accounts.values()}


def test_lockout_after_failures_and_unlock_after_time(authenticator: Authenticator, clock: Clock) -> None:
    for _ in range(3):
        with pytest.raises(LoginError, match="wrong password"):
            authenticator.login("ona", "wrong-password")
    with pytest.raises(LoginError, match="Try again in 5 min") as locked:
        authenticator.login("ona", PASSWORDS["ona"])  # even the right password waits
    assert locked.value.retry_after == pytest.approx(300)
    assert "po 5 min" in locked.value.message("lt")
    clock.now += 250
    with pytest.raises(LoginError, match="Try again in 1 min"):
        authenticator.login("ona", PASSWORDS["ona"])
    assert authenticator.login("janis", PASSWORDS["janis"]).username == "janis"  # other accounts unaffected
    clock.now += 51
    assert authenticator.login("ona", PASSWORDS["ona"]).username == "ona"


def test_unknown_usernames_lock_like_real_ones(authenticator: Authenticator) -> None:
    for _ in range(3):
        with pytest.raises(LoginError, match="wrong password"):
            authenticator.login("nobody", "wrong-password")
    with pytest.raises(LoginError, match="Try again"):
        authenticator.login("nobody", "wrong-password")


def test_success_resets_the_failure_count(authenticator: Authenticator) -> None:
    for _ in range(2):
        with pytest.raises(LoginError):
            authenticator.login("ona", "wrong-password")
    authenticator.login("ona", PASSWORDS["ona"])
    for _ in range(2):
        with pytest.raises(LoginError, match="wrong password"):
            authenticator.login("ona", "wrong-password")
    assert authenticator.login("ona", PASSWORDS["ona"]).username == "ona"


def test_old_failures_are_forgotten(authenticator: Authenticator, clock: Clock) -> None:
    for _ in range(2):
        with pytest.raises(LoginError):
            authenticator.login("ona", "wrong-password")
    clock.now += 301
    for _ in range(2):
        with pytest.raises(LoginError, match="wrong password"):
            authenticator.login("ona", "wrong-password")
    assert authenticator.login("ona", PASSWORDS["ona"]).username == "ona"


def test_client_is_locked_across_usernames(authenticator: Authenticator) -> None:
    for username in ("ona", "janis", "admin"):
        with pytest.raises(LoginError, match="wrong password"):
            authenticator.login(username, "wrong-password", client="session-1")
    with pytest.raises(LoginError, match="Try again"):
        authenticator.login("ona", PASSWORDS["ona"], client="session-1")
    assert authenticator.login("ona", PASSWORDS["ona"], client="session-2").username == "ona"


def test_concurrent_guesses_are_bounded_by_max_failures(accounts: dict[str, Account], empty_database: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # 20 threads queue for the store's write lock: on a very slow machine the last may wait longer than the store's
    # busy timeout, so this store waits as long as it takes (a safety net only)
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_SECONDS", 600.0)
    hasher = CountingHasher()
    store = open_store(empty_database)
    authenticator = Authenticator(accounts, attempts=StoreAttemptLog(store), max_failures=5, hasher=hasher)
    hasher.verified.clear()
    start = threading.Barrier(20)
    messages: list[str] = []

    def guess() -> None:
        start.wait()
        try:
            authenticator.login("ona", "wrong-password")
        except LoginError as error:
            messages.append(error.key)

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store.close()
    assert len(hasher.verified) == 5
    assert sorted(messages) == ["auth.locked"] * 15 + ["auth.login_failed"] * 5


# --- permissions ---------------------------------------------------------------------------------

def test_permissions_by_role(accounts: dict[str, Account]) -> None:
    partner, admin = accounts["ona"], accounts["admin"]
    assert not can_rollback(partner) and can_rollback(admin)


def _rows(*rows: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame([{"id": row_id, "name": f"Name {row_id}", "partner": partner} for row_id, partner in rows])


CURRENT = _rows(("lt-1", "Partner LT"), ("lv-1", "Partner LV"), ("lv-2", "Partner LV"))


def test_partner_upload_touching_another_partners_rows(accounts: dict[str, Account]) -> None:
    raw = _rows(("lt-1", "Partner LT"), ("lv-1", "Partner LV"), ("lt-2", "Partner LT"), ("lv-9", "Partner LV"))
    problems = rows_outside_partner(raw, accounts["ona"], CURRENT)
    assert list(problems.columns) == PROBLEM_COLUMNS
    assert problems["row"].tolist() == [3, 5]
    assert problems["column"].tolist() == ["partner", "partner"]
    assert (problems["severity"] == "error").all()
    assert "belongs to “Partner LV”" in problems.loc[0, "message"] and "administrator" in problems.loc[0, "message"]


def test_takeover_by_changing_the_partner_cell(accounts: dict[str, Account]) -> None:
    raw = _rows(("lt-1", "Partner LT"), ("lv-2", "Partner LT"))
    problems = rows_outside_partner(raw, accounts["ona"], CURRENT)
    assert problems[["row", "column", "value"]].values.tolist() == [[3, "id", "lv-2"]]
    assert "“Partner LV”" in problems.loc[0, "message"]


def test_empty_partner_cell_is_refused_and_messages_translate(accounts: dict[str, Account]) -> None:
    raw = _rows(("lt-3", ""), ("lv-1", "Partner LV"))
    problems = rows_outside_partner(raw, accounts["ona"], CURRENT, lang="lt")
    assert problems["row"].tolist() == [2, 3]
    assert "„Partner LT“" in problems.loc[0, "message"] and "priklauso" in problems.loc[1, "message"]


def test_admin_may_touch_every_row(accounts: dict[str, Account]) -> None:
    raw = _rows(("lt-1", "Partner LT"), ("lv-1", "Partner LT"), ("new", ""))
    problems = rows_outside_partner(raw, accounts["admin"], CURRENT)
    assert problems.empty and list(problems.columns) == PROBLEM_COLUMNS


# --- OIDC ----------------------------------------------------------------------------------------

OIDC_SECRETS = {"oidc_accounts": {
    "Ona@Partner-LT.example.org": {"role": "partner", "partner": "Partner LT"},
    "boss@example.org": {"role": "admin", "display_name": "Registry admin"},
}}


def test_oidc_user_maps_to_role_and_partner() -> None:
    user = {"is_logged_in": True, "email": "ona@partner-lt.EXAMPLE.org", "name": "Ona K.", "email_verified": True}
    account = account_from_oidc(user, OIDC_SECRETS)
    assert account == Account("ona@partner-lt.example.org", "partner", "Partner LT", "Ona K.")
    admin = account_from_oidc({"is_logged_in": True, "email": "boss@example.org", "name": "B"}, OIDC_SECRETS)
    assert admin is not None and admin.role == "admin" and admin.display_name == "Registry admin"
    assert can_rollback(admin) and not can_rollback(account)


@pytest.mark.parametrize("user", [
    {"is_logged_in": False},
    {"is_logged_in": True, "email": "stranger@example.org"},
    {"is_logged_in": True, "email": "boss@example.org", "email_verified": False},
    {"is_logged_in": True},
])
def test_oidc_users_without_a_mapping_get_no_account(user: dict) -> None:
    assert account_from_oidc(user, OIDC_SECRETS) is None


def test_malformed_oidc_mapping_is_reported() -> None:
    secrets = {"oidc_accounts": {"not-an-address": {"role": "admin"}, "x@example.org": {"role": "partner"}}}
    with pytest.raises(AuthConfigError) as refused:
        account_from_oidc({"is_logged_in": True, "email": "x@example.org"}, secrets)
    assert any("not-an-address" in problem for problem in refused.value.problems)
    assert any("x@example.org" in problem and "“partner” is required" in problem for problem in refused.value.problems)


# --- command line --------------------------------------------------------------------------------

def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    add_auth_commands(parser.add_subparsers(required=True))
    args = parser.parse_args(argv)
    return args.handler(args)


def test_hash_password_command_prints_a_pasteable_account(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, attempts: StoreAttemptLog
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-enough-password\n"))
    monkeypatch.setattr(auth, "hash_password", lambda password: hash_password(password, hasher=FAST))
    assert _run(["hash-password", "--username", "ona.k", "--partner", "Socialinių verslų tinklas"]) == 0
    out = capsys.readouterr().out
    first, snippet = out.split("\n", 1)
    accounts = load_accounts(tomllib.loads(snippet))
    assert accounts["ona.k"].password_hash == first and accounts["ona.k"].partner == "Socialinių verslų tinklas"
    assert Authenticator(accounts, attempts=attempts, hasher=FAST).login("ona.k", "a-long-enough-password").role == "partner"


def test_hash_password_command_refuses_short_and_mismatched_passwords(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert _run(["hash-password"]) == 1
    assert "at least 12 characters" in capsys.readouterr().err

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    typed = iter(["first-long-password", "second-long-password"])
    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(typed))
    assert _run(["hash-password"]) == 1
    captured = capsys.readouterr()
    assert "differ" in captured.err and "$argon2id$" not in captured.out
