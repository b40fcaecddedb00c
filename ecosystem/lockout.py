"""Sign-in failures and lockouts kept in the registry store's database, beside the registry versions.

One row per username (``kind`` = ``user``) or browser session (``kind`` = ``client``): how many attempts were
counted since the last success, until when it is locked, and when the row is forgotten. Rows live in the
database, not in the server's memory, so a lockout survives a restart, holds for every app process on the same
database, and no cache clear touches it. Each change is one write transaction (SQLite: ``BEGIN IMMEDIATE``;
elsewhere the rows are read ``FOR UPDATE`` and a key two processes insert at once is retried), so two
processes counting the same username both see every attempt. Times are seconds since the epoch (the policy's
clock), comparable across processes. The SQL is SQLAlchemy Core without dialect features, like the store's.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    delete,
    exc,
    insert,
    or_,
    select,
    update,
)

from ecosystem.auth import AttemptKey, Attempts
from ecosystem.store import RegistryStore, StoreError, open_store

__all__ = ["StoreAttemptLog", "add_lockout_commands"]

_RETRIES = 3  # a key inserted by two transactions at once: the loser reads the winner's row and counts again
Result = TypeVar("Result")

_metadata = MetaData()
_attempts = Table(
    "sign_in_attempts", _metadata,
    Column("kind", String(10), primary_key=True),  # "user" or "client"
    Column("name", Text, primary_key=True),
    Column("count", Integer, nullable=False),
    Column("locked_until", Float, nullable=True),
    Column("expires_at", Float, nullable=False, index=True),
)


class StoreAttemptLog:
    """The ``AttemptLog`` of an ``Authenticator``, kept in a registry store's database.

    The table is created when missing at every change, not once: the database may be replaced under a running
    server (the store then reopens the new one), and a check for an existing table writes nothing."""

    def __init__(self, store: RegistryStore) -> None:
        self._store = store

    def update(self, keys: Sequence[AttemptKey], now: float,
               change: Callable[[dict[AttemptKey, Attempts]], Result]) -> Result:
        """Run ``change`` on the unexpired records of ``keys`` in one transaction and save what it leaves.

        Records ``change`` leaves in the dict are saved; keys it removes (or never adds) are forgotten.
        Afterwards every expired row is deleted, so the table holds only live lockouts and recent failures.
        """
        for attempt in range(_RETRIES):
            try:
                with self._store.transaction(write=True) as conn:
                    _metadata.create_all(conn)
                    stored = _read(conn, keys)
                    records = {key: record for key, record in stored.items() if record.expires_at > now}
                    result = change(records)
                    _write(conn, stored, {key: records[key] for key in keys if key in records})
                break
            except exc.IntegrityError:
                if attempt == _RETRIES - 1:
                    raise
        with self._store.transaction(write=True) as conn:
            conn.execute(delete(_attempts).where(_attempts.c.expires_at <= now))
        return result

    def unlock(self, username: str) -> Attempts | None:
        """Forget the failures and lock of a username; what was recorded (None when nothing was)."""
        key = ("user", username.strip().lower())
        with self._store.transaction(write=True) as conn:
            _metadata.create_all(conn)
            stored = _read(conn, [key])
            _write(conn, stored, {})
        return stored.get(key)


def _where(key: AttemptKey) -> ColumnElement[bool]:
    """The SQL condition: the row of ``key``."""
    return and_(_attempts.c.kind == key[0], _attempts.c.name == key[1])


def _read(conn: Connection, keys: Sequence[AttemptKey]) -> dict[AttemptKey, Attempts]:
    """The stored rows of ``keys`` (expired or not), locked until the transaction ends where the database can."""
    rows = conn.execute(select(_attempts).where(or_(*map(_where, keys))).with_for_update()).mappings().all()
    return {(row["kind"], row["name"]): Attempts(row["count"], row["locked_until"], row["expires_at"]) for row in rows}


def _write(conn: Connection, stored: dict[AttemptKey, Attempts], records: dict[AttemptKey, Attempts]) -> None:
    """Turn the ``stored`` rows into ``records``: update rows that stay, insert new ones, delete the rest.

    Rows are updated in place, never deleted and inserted again, so a transaction waiting on the same row
    reads the new counts.
    """
    for key in stored.keys() - records.keys():
        conn.execute(delete(_attempts).where(_where(key)))
    for key, record in records.items():
        values = {"count": record.count, "locked_until": record.locked_until, "expires_at": record.expires_at}
        if key in stored:
            conn.execute(update(_attempts).where(_where(key)).values(values))
        else:  # a concurrent insert of the same key fails here, and ``update`` counts again
            conn.execute(insert(_attempts).values(kind=key[0], name=key[1], **values))


def _run_unlock(args: argparse.Namespace) -> int:
    """``unlock``: forget a username's failed sign-ins and lock in the registry database; return the exit code."""
    name = args.username.strip().lower()
    try:
        with open_store() as store:
            record = StoreAttemptLog(store).unlock(name)
    except StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if record is None:
        print(f"{name} has no recent failed sign-ins and no lock; nothing to clear.")
    elif record.locked_until is not None:
        until = datetime.fromtimestamp(record.locked_until, UTC).strftime("%Y-%m-%d %H:%M UTC")
        print(f"{name} is unlocked (it was locked until {until} after {record.count} failed sign-ins).")
    else:
        print(f"{name} was not locked; its {record.count} recent failed sign-in(s) are forgotten.")
    return 0


def add_lockout_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``unlock``; the handler ``args.handler(args)`` returns an exit code."""
    unlock = subparsers.add_parser(
        "unlock",
        help="lift the sign-in lock of a username",
        description="Forget the failed sign-ins and the lock of a username, kept in the registry database "
                    "(ECOSYSTEM_DATABASE_URL). A locked browser session can simply open a new tab.",
    )
    unlock.add_argument("username", help="the username as the person typed it")
    unlock.set_defaults(handler=_run_unlock)
