"""Moving and keeping a registry store: the whole store copied into another database, and the copy verified.

``copy_store`` reads every table of the store (``store.TABLES``: the store id, every version with who saved it,
when, from which file, its summary and checksum, every stored row line with its validity, the derived parts) as one
consistent snapshot and writes it into the target in one transaction, so the target holds either its old content
or the whole copy. A target that already holds a registry is refused unless ``replace`` is asked for. The copy
keeps the store id: it is the same registry, at another address.

``verify_copy`` then compares the two: the same versions (every column of the history), the same stored rows and
derived parts (a digest of each table, in any order), and in the target every version's content rebuilt from its
stored lines has the checksum recorded for it.

The command line (``migrate``, ``backup``, ``restore``) is ``ecosystem.store_commands``. Sign-in failures and
locks (``ecosystem.lockout``) are not copied: they expire within minutes.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, Table, delete, func, insert, select

from ecosystem.store import TABLES, RegistryStore, StoreError

__all__ = ["BATCH_ROWS", "CopyReport", "CopyVerificationError", "TargetNotEmptyError", "copy_store", "verify_copy"]

BATCH_ROWS = 5000
"""Rows read and written at a time."""

Progress = Callable[[str], None]


def _quiet(_line: str) -> None:
    """Progress said to nobody."""


class TargetNotEmptyError(StoreError):
    """The target database already holds a registry, and replacing it was not asked for."""

    def __init__(self, location: str, versions: int, rows: int) -> None:
        self.location = location
        super().__init__(f"The target database {location} already holds a registry ({versions} version(s), {rows} "
                         "stored row(s)); nothing was copied. To replace it with the copy, ask for that "
                         "(--replace).")


class CopyVerificationError(StoreError):
    """The copy differs from its source: what differs."""

    def __init__(self, location: str, differences: list[str]) -> None:
        self.differences = differences
        super().__init__(f"The copy in {location} differs from its source: {'; '.join(differences)}.")


@dataclass(frozen=True)
class CopyReport:
    """What was copied where, and how long it took."""

    source: str
    target: str
    versions: int
    rows: int
    """stored row lines (each row once per change)"""
    derived: int
    """derived parts (blobs kept beside versions)"""
    replaced: bool
    seconds: float

    def summary(self) -> str:
        """One line for people."""
        replaced = " (its previous content replaced)" if self.replaced else ""
        return (f"copied {self.versions} version(s), {self.rows} stored row line(s) and {self.derived} derived "
                f"part(s) from {self.source} to {self.target}{replaced} in {self.seconds:.1f} s")


def _count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _holdings(conn: Connection) -> dict[str, int]:
    """How many rows each table of the store holds."""
    return {table.name: _count(conn, table) for table in TABLES}


def copy_store(source: RegistryStore, target: RegistryStore, *, replace: bool = False,
               progress: Progress = _quiet) -> CopyReport:
    """Copy the whole of ``source`` into ``target`` (opened to create: its tables exist) in one transaction;
    TargetNotEmptyError when the target holds versions, rows or derived parts and ``replace`` is off. The target
    store is reopened afterwards: it now holds the source's store id."""
    started = time.perf_counter()
    with source.transaction(write=False, snapshot=True) as reading, target.transaction(write=True) as writing:
        held = _holdings(writing)
        versions_held, rows_held = held["registry_versions"], held["registry_rows"]
        if (versions_held or rows_held or held["registry_derived"]) and not replace:
            raise TargetNotEmptyError(target.location, versions_held, rows_held)
        for table in reversed(TABLES):
            writing.execute(delete(table))
        copied = {}
        for table in TABLES:
            copied[table.name] = _copy_table(reading, writing, table)
            progress(f"{table.name}: {copied[table.name]} row(s) copied ({time.perf_counter() - started:.1f} s)")
    target.reopen()
    return CopyReport(source.location, target.location, copied["registry_versions"], copied["registry_rows"],
                      copied["registry_derived"], bool(versions_held or rows_held), time.perf_counter() - started)


def _copy_table(reading: Connection, writing: Connection, table: Table) -> int:
    """Every row of ``table`` from one database into the other, BATCH_ROWS at a time; how many."""
    copied = 0
    result = reading.execute(select(table).execution_options(stream_results=True, yield_per=BATCH_ROWS))
    for batch in result.mappings().partitions(BATCH_ROWS):
        writing.execute(insert(table), [dict(row) for row in batch])
        copied += len(batch)
    return copied


def _table_digest(conn: Connection, table: Table) -> tuple[int, str]:
    """How many rows a table holds and a digest of them that does not depend on their order (nor on the database:
    text, numbers and bytes as Python reads them)."""
    total, count = 0, 0
    result = conn.execute(select(table).execution_options(stream_results=True, yield_per=BATCH_ROWS))
    for batch in result.partitions(BATCH_ROWS):
        for row in batch:
            cells = [bytes(value).hex() if isinstance(value, (bytes, memoryview)) else repr(value) for value in row]
            total += int.from_bytes(hashlib.sha256("\x1f".join(cells).encode("utf-8")).digest(), "big")
            count += 1
    return count, f"{total % (1 << 256):064x}"


def verify_copy(source: RegistryStore, target: RegistryStore) -> int:
    """Check that ``target`` holds what ``source`` holds: the same history, the same tables, and every version's
    rebuilt content with its recorded checksum; the number of versions checked. CopyVerificationError when not."""
    differences = []
    source_history, target_history = source.versions(), target.versions()
    if not source_history.equals(target_history):
        merged = source_history.merge(target_history, how="outer", indicator=True)
        versions = sorted(set(merged.loc[merged["_merge"] != "both", "version"]))
        differences.append(f"the history differs at version(s) {', '.join(map(str, versions[:10]))}")
    with source.transaction(write=False, snapshot=True) as left, target.transaction(write=False, snapshot=True) as right:
        for table in TABLES:
            if _table_digest(left, table) != _table_digest(right, table):
                differences.append(f"the table {table.name} differs")
    recorded = dict(zip(target_history["version"], target_history["checksum"], strict=True))
    rebuilt = target.recomputed_checksums()
    wrong = [version for version, checksum in rebuilt.items() if recorded.get(version) != checksum]
    if wrong or set(rebuilt) != set(recorded):
        differences.append(f"the content of version(s) {', '.join(map(str, wrong[:10]))} does not have its checksum")
    if differences:
        raise CopyVerificationError(target.location, differences)
    return len(pd.unique(target_history["version"]))
