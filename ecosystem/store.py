"""The versioned registry store: every saved version of the registry, its history, diffs and rollbacks.

A version is the full registry as raw text cells (``REGISTRY_COLUMNS``, ``""`` when empty), the table that
``schema.validate_registry`` checks. Each row is stored as its line of the canonical CSV, once per change,
with a validity interval ``[valid_from, valid_to)`` of versions: a commit writes only the rows it adds,
changes or removes, any version is rebuilt by parsing its lines, and the checksum of a version is the sha256
of those lines under the header. History is never rewritten: a rollback is a new version.

SQLite is the default (WAL journal, ``BEGIN IMMEDIATE`` for writers); the SQL is SQLAlchemy Core, so another
database (``postgresql://…``) is chosen by URL alone. Every commit is one transaction that checks the base version
and claims the next version number before it writes a row. PostgreSQL gets two things more, so that several app
servers can share one database: a writer takes the store's advisory lock for its transaction (what ``BEGIN
IMMEDIATE`` is on SQLite: writers, creating the tables included, take turns, waiting at most the busy timeout), and
a commit announces its version on the ``COMMIT_CHANNEL`` (``NOTIFY``, sent when it commits), which
``listen_for_commits`` hears. Pooled connections are checked before use, so a restarted server is simply reached
again.

A store remembers what it opened: the random store id written into the database when it was created, the
newest version it read and, for a SQLite file, the file's device and inode. Every transaction checks them
cheaply (a stat, and the store id read with the version): a file deleted or moved away raises StoreGoneError
until it is back, and a database that is not the one opened (another store id, or fewer versions than were
read — an older copy) raises StoreReplacedError until ``reopen()``. A SQLite file that cannot be written here
(read-only file, folder or mount; ``ECOSYSTEM_DATABASE_READ_ONLY=1``; ``mode=ro`` in the URL) is opened for
reading only — ``immutable`` when its folder cannot even take the -shm file of a WAL reader — and the store
refuses every write with StoreReadOnlyError.

Beside each version the store keeps what was derived from its rows (``DerivedParts``: named blobs, and the
``source`` they were derived from — which files, in which edition of the rules), written in the same transaction
as the version or later by ``python -m ecosystem init``; what the parts hold is ``ecosystem.derived``'s business.
A page view opens the store with ``create=False``: it writes nothing, and a database that was never set up is
StoreNotInitialisedError.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from urllib.parse import quote, unquote

import numpy as np
import pandas as pd
import pyarrow as pa
from pyarrow import csv as pa_csv
from sqlalchemy import (
    URL,
    Column,
    ColumnElement,
    Connection,
    Engine,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    create_engine,
    delete,
    event,
    exc,
    func,
    insert,
    inspect,
    make_url,
    or_,
    select,
    update,
)

from ecosystem.config import state_dir
from ecosystem.schema import REGISTRY_COLUMNS

__all__ = [
    "COMMIT_CHANNEL",
    "CommitListener",
    "DIFF_COLUMNS",
    "DerivedParts",
    "LastRead",
    "NothingToCommit",
    "RegistryStore",
    "SUMMARY_ID_LIMIT",
    "StaleVersionError",
    "StoreBusyError",
    "StoreError",
    "StoreGoneError",
    "StoreNotInitialisedError",
    "StoreReadOnlyError",
    "StoreReplacedError",
    "StoreUnavailableError",
    "TABLES",
    "UnknownVersionError",
    "VERSION_COLUMNS",
    "canonical_registry",
    "database_url",
    "diff_contents",
    "open_store",
    "registry_checksum",
]

BUSY_TIMEOUT_SECONDS = 10.0
CONNECT_TIMEOUT_SECONDS = 5  # a database server that does not answer (PostgreSQL): said after this long
COMMIT_CHANNEL = "registry_commits"  # PostgreSQL: every commit NOTIFYs its version here
_WRITE_LOCK = 0x5265_6769_7374_7279  # PostgreSQL: the advisory lock a writer holds for its transaction ("Registry")
SUMMARY_ID_LIMIT = 1000  # ids kept per kind of change in a version's summary; diff() always has them all
VERSION_COLUMNS = [
    "version", "created_at", "account", "file_name", "action", "base_version", "rows",
    "added", "changed", "removed", "restores", "checksum", "summary",
]
DIFF_COLUMNS = ["id", "change", "column", "old_value", "new_value"]
_CHANGES = ("added", "changed", "removed")
_NEWLINE = "\r\n"  # RFC 4180 line ends: the writer then quotes every cell holding \r or \n
_WRITE = "registry_write"  # execution option: this transaction writes (SQLite: BEGIN IMMEDIATE)
_STORE_ID = "store_id"
_TRUE = {"1", "true", "yes", "on"}
_ACCESS_QUERIES = {"rwc": "mode=rwc", "rw": "mode=rw", "ro": "mode=ro", "immutable": "mode=ro&immutable=1"}
_CANNOT_WRITE = ("readonly", "read-only", "unable to open database file")  # SQLite, lacking write access

_metadata = MetaData()
_versions = Table(
    "registry_versions", _metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("created_at", String(40), nullable=False),
    Column("account", Text, nullable=False),
    Column("file_name", Text, nullable=False),
    Column("action", String(20), nullable=False),
    Column("base_version", Integer, nullable=False),
    Column("rows", Integer, nullable=False),
    Column("columns", Text, nullable=False),  # the CSV header the version's lines follow
    Column("summary", Text, nullable=False),
    Column("checksum", String(64), nullable=False),
)
_rows = Table(
    "registry_rows", _metadata,
    Column("id", Text, primary_key=True),
    Column("valid_from", Integer, primary_key=True, autoincrement=False),
    Column("valid_to", Integer, nullable=True),  # NULL while the row is current
    Column("line", Text, nullable=False),
    Index("registry_rows_valid_from", "valid_from"),
    Index("registry_rows_valid_to", "valid_to"),
)
_derived = Table(
    "registry_derived", _metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("part", String(40), primary_key=True),
    Column("source", String(64), nullable=False),  # what the part was derived from (DerivedParts.source)
    Column("created_at", String(40), nullable=False),
    Column("data", LargeBinary, nullable=False),
)
_meta = Table(
    "registry_meta", _metadata,
    Column("name", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)
TABLES = (_meta, _versions, _rows, _derived)
"""The store's tables, in the order a copy of the store writes them (``ecosystem.store_copy``)."""
_HEAD = select(select(_meta.c.value).where(_meta.c.name == _STORE_ID).scalar_subquery(),
               select(func.coalesce(func.max(_versions.c.version), 0)).scalar_subquery())


class StoreError(Exception):
    """The registry store cannot do what was asked; the message says why in plain words."""


class StoreUnavailableError(StoreError):
    """The database cannot be reached, read, or is busy with another change."""


class StoreBusyError(StoreUnavailableError):
    """Another connection holds the database's write lock for longer than the busy timeout."""


class StoreNotInitialisedError(StoreError):
    """A store opened without creating anything (``create=False``) found no registry database at its address."""

    def __init__(self, location: str) -> None:
        self.location = location
        super().__init__(f"The registry database {location} has not been set up yet; an operator sets it up with "
                         "`python -m ecosystem init`.")


@dataclass(frozen=True)
class LastRead:
    """The newest version a store read from its database, and when (UTC)."""

    version: int
    at: datetime


class StoreGoneError(StoreUnavailableError):
    """The database file a store opened was deleted or moved away while the store had it open."""

    def __init__(self, path: str, last_read: LastRead) -> None:
        self.path = path
        self.last_read = last_read
        super().__init__(f"The registry database {path} is gone: the file was deleted or moved away while it was "
                         f"open. The last data read is version {last_read.version} "
                         f"({last_read.at:%Y-%m-%d %H:%M:%S} UTC); ask the operator to put the file back — it is "
                         "used again as soon as it is there.")


class StoreReplacedError(StoreError):
    """The database at a store's address is not the one it opened: another registry, or an older copy."""

    def __init__(self, location: str, reason: str) -> None:
        self.location = location
        super().__init__(f"The registry database at {location} was replaced while it was open ({reason}); "
                         "it has to be opened again before it is read.")


class StoreReadOnlyError(StoreError):
    """A write asked of a store whose database can only be read here."""

    def __init__(self, location: str) -> None:
        self.location = location
        super().__init__(f"The registry database is read-only here ({location}); writing is refused. Reading "
                         "works; to save changes, an operator makes the database writable for this server.")


class UnknownVersionError(StoreError):
    """A version number that the registry does not have."""


class StaleVersionError(StoreError):
    """Someone saved a new version after the one a change was based on."""

    def __init__(self, base_version: int, current_version: int) -> None:
        self.base_version = base_version
        self.current_version = current_version
        super().__init__(f"The registry changed since you started (version {base_version} is now "
                         f"{current_version}); review your file again.")


class NothingToCommit(StoreError):  # noqa: N818 - a refusal with a reason, named for what happened
    """The content equals the current version, so no version is made."""

    def __init__(self, current_version: int) -> None:
        self.current_version = current_version
        super().__init__(f"Nothing to save: the content equals the current version ({current_version}).")


@dataclass(frozen=True)
class DerivedParts:
    """What was derived from a version's rows, as named blobs, and ``source``: what it was derived from (a short
    digest of the input files and the rules), by which a reader tells whether the parts are still current."""

    source: str
    parts: Mapping[str, bytes]


@dataclass(frozen=True)
class _ChangeSet:
    """Ids added, changed and removed between two contents, each sorted."""

    added: list[str]
    changed: list[str]
    removed: list[str]

    def is_empty(self) -> bool:
        """True when the two contents are equal."""
        return not (self.added or self.changed or self.removed)


def database_url() -> str:
    """The store's address: ``ECOSYSTEM_DATABASE_URL``, else ``sqlite:///<state_dir()>/registry.sqlite`` (outside
    the repository: nothing is written into it at run time)."""
    return os.environ.get("ECOSYSTEM_DATABASE_URL") or f"sqlite:///{state_dir() / 'registry.sqlite'}"


def canonical_registry(frame: pd.DataFrame) -> pd.DataFrame:
    """``REGISTRY_COLUMNS`` as text (``""`` when empty), sorted by unique non-empty id, index 0…n-1."""
    missing = [column for column in REGISTRY_COLUMNS if column not in frame.columns]
    if missing:
        raise StoreError(f"The registry table lacks the column(s) {', '.join(missing)}; nothing was saved.")
    table = frame[REGISTRY_COLUMNS]
    if not all(table[column].dtype == object and pd.api.types.infer_dtype(table[column], skipna=False) == "string"
               for column in REGISTRY_COLUMNS):  # already plain text: skip a costly copy
        table = table.fillna("").astype(str)
    if (table["id"] == "").any():
        raise StoreError("Every row needs an id; nothing was saved.")
    repeated = table["id"][table["id"].duplicated()].unique()
    if len(repeated):
        raise StoreError(f"Each id may appear once; repeated: {', '.join(sorted(repeated)[:10])}. Nothing was saved.")
    return table.sort_values("id", kind="stable").reset_index(drop=True)


def registry_checksum(frame: pd.DataFrame) -> str:
    """sha256 of the canonical CSV (UTF-8, CRLF, minimal quoting): rows by id, columns in REGISTRY_COLUMNS order."""
    return _checksum(_lines(canonical_registry(frame)))


def _lines(table: pd.DataFrame) -> list[str]:
    """Each row of a canonical table as its CSV line (without the line end)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=_NEWLINE)
    lines = []
    for row in zip(*(table[column].to_numpy() for column in REGISTRY_COLUMNS), strict=True):
        writer.writerow(row)
        lines.append(buffer.getvalue()[: -len(_NEWLINE)])
        buffer.seek(0)
        buffer.truncate()
    return lines


_HEADER = _lines(pd.DataFrame([REGISTRY_COLUMNS], columns=REGISTRY_COLUMNS))[0]
_PARSE = pa_csv.ParseOptions(newlines_in_values=True)
_CONVERT = pa_csv.ConvertOptions(column_types={column: pa.string() for column in REGISTRY_COLUMNS},
                                 strings_can_be_null=False, quoted_strings_can_be_null=False)


def _csv_text(lines: Sequence[str]) -> str:
    """The canonical CSV of rows given as lines in id order."""
    return _NEWLINE.join([_HEADER, *lines, ""])


def _checksum(lines: Sequence[str]) -> str:
    """sha256 of the canonical CSV of these lines."""
    return hashlib.sha256(_csv_text(lines).encode("utf-8")).hexdigest()


def _parse(lines: Sequence[str]) -> pd.DataFrame:
    """Lines in id order → the canonical table (text cells, REGISTRY_COLUMNS)."""
    table = pa_csv.read_csv(io.BytesIO(_csv_text(lines).encode("utf-8")), parse_options=_PARSE, convert_options=_CONVERT)
    return table.to_pandas()


@dataclass
class _SqliteFile:
    """A SQLite database file and how it is opened: ``rwc`` (created when missing), ``rw`` (never created again),
    ``ro``, or ``immutable`` (read-only without the -shm file that a WAL reader otherwise needs)."""

    path: Path
    access: str

    @property
    def read_only(self) -> bool:
        """Whether the file is opened for reading only."""
        return self.access in ("ro", "immutable")

    def uri(self) -> str:
        """The SQLite URI filename that opens the file this way."""
        return f"file:{quote(str(self.path))}?{_ACCESS_QUERIES[self.access]}"

    def identity(self) -> tuple[int, int] | None:
        """Device and inode of the file now at the path; None when no file is there."""
        try:
            status = self.path.stat()
        except FileNotFoundError:
            return None
        return status.st_dev, status.st_ino


def _read_only_requested(url: URL) -> bool:
    """Reading only, by configuration: ``ECOSYSTEM_DATABASE_READ_ONLY=1``, or ``mode=ro`` / ``immutable=1`` in
    a SQLite URL."""
    return (os.environ.get("ECOSYSTEM_DATABASE_READ_ONLY", "").strip().lower() in _TRUE
            or url.query.get("mode") == "ro" or str(url.query.get("immutable", "")).lower() in _TRUE)


def _sqlite_path(url: URL) -> Path | None:
    """The file a SQLite URL names (plainly, or as a ``file:`` URI with ``uri=true``); None for memory."""
    database = url.database or ""
    if str(url.query.get("uri", "")).lower() in _TRUE and database.startswith("file:"):
        database = "" if url.query.get("mode") == "memory" else unquote(database[len("file:"):].removeprefix("//"))
    if database in ("", ":memory:"):
        return None
    return Path(database).absolute()


def _sqlite_accesses(path: Path, read_only: bool) -> list[str]:
    """How to try opening the file, in this order: read-write (a missing file is created, unless only reading
    is asked for), read-only, then immutable — for a folder that cannot take the -shm file of a WAL reader, and
    only while no -wal file holds changes, which immutable reading would not see."""
    if not path.exists():
        return ["ro" if read_only else "rwc"]
    return (["ro"] if read_only else ["rw", "ro"]) + ([] if _unmerged_wal(path) else ["immutable"])


def _unmerged_wal(path: Path) -> bool:
    """Whether the database's -wal file holds changes not yet merged into the file itself."""
    wal = path.with_name(f"{path.name}-wal")
    return wal.exists() and wal.stat().st_size > 0


def _cannot_write(error: StoreUnavailableError) -> bool:
    """Whether SQLite failed for want of write access (to the file, or to its folder for the -wal and -shm)."""
    return any(words in str(error.__cause__) for words in _CANNOT_WRITE)


def _writable(path: Path) -> bool:
    """Whether this process may write an existing SQLite file, and its -wal and -shm files beside it (asked of the
    file system: read-only files, folders and mounts say no), without writing anything."""
    companions = [path.with_name(f"{path.name}-{suffix}") for suffix in ("wal", "shm")]
    return os.access(path, os.W_OK) and (os.access(path.parent, os.W_OK | os.X_OK)
                                         or all(os.access(file, os.W_OK) for file in companions))


def open_store(url: str | None = None, *, create: bool = True) -> RegistryStore:
    """The registry store at ``url`` (default ``database_url()``).

    ``create``: the database (and, at the default address, the state folder), its tables and store id are
    created when missing. Without it nothing is written — the way a page view opens the store — and an address
    without a registry database raises StoreNotInitialisedError. A SQLite file that cannot be written here is
    opened for reading (``read_only`` set, writes refused)."""
    try:
        parsed = make_url(url or database_url())
    except exc.ArgumentError as error:
        raise StoreError("The registry database address is not a URL such as sqlite:///path/registry.sqlite "
                         "or postgresql://user@host/database.") from error
    if parsed.drivername == "postgresql":  # psycopg 3, whatever SQLAlchemy's default driver (2.0: psycopg2)
        parsed = parsed.set(drivername="postgresql+psycopg")
    read_only = _read_only_requested(parsed)
    path = _sqlite_path(parsed) if parsed.get_backend_name() == "sqlite" else None
    if path is None:
        return _open(parsed, None, read_only=read_only, create=create)
    default = path.parent == state_dir().absolute()  # the state folder, which init creates
    if not create:
        if not path.is_file() and not (default or path.parent.is_dir()):
            raise StoreUnavailableError(f"The registry database cannot be reached or read ({path}): its folder "
                                        f"{path.parent} does not exist.")
        if not path.is_file():
            raise StoreNotInitialisedError(str(path))
        read_only = read_only or not _writable(path)
    elif default:
        path.parent.mkdir(parents=True, exist_ok=True)
    plain = URL.create("sqlite", database=str(path))
    files = [_SqliteFile(path, access) for access in _sqlite_accesses(path, read_only)]
    for file in files[:-1]:
        try:
            return _open(plain, file, read_only=file.read_only, create=create)
        except StoreUnavailableError as error:
            if not _cannot_write(error):
                raise
    try:
        return _open(plain, files[-1], read_only=files[-1].read_only, create=create)
    except StoreUnavailableError as error:
        if _cannot_write(error) and _unmerged_wal(path):
            raise StoreUnavailableError(
                f"The registry database {path} cannot be read here: its folder is read-only, and its -wal file "
                "holds changes that SQLite reads only with a -shm file beside it. Close every program using the "
                "database before copying it here (that merges the -wal file), or make the folder writable."
            ) from error
        raise


def _open(url: URL, file: _SqliteFile | None, *, read_only: bool, create: bool) -> RegistryStore:
    """A prepared store on ``url`` (its tables created when ``create``); a SQLite ``file`` is opened as its access
    says."""
    sqlite = url.get_backend_name() == "sqlite"
    postgres = url.get_backend_name() == "postgresql"
    connect_args: dict[str, object] = {"timeout": BUSY_TIMEOUT_SECONDS} if sqlite else {}
    if postgres and "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    try:
        engine = create_engine(url, connect_args=connect_args, pool_pre_ping=not sqlite)
    except (exc.NoSuchModuleError, ImportError) as error:
        raise StoreError(f"The registry database {url.render_as_string(hide_password=True)} cannot be used: "
                         f"unknown kind of database or its driver is not installed ({error}).") from error
    if sqlite:
        _use_sqlite_transactions(engine, wal=not read_only)
    if file is not None:
        _connect_to_file(engine, file)
    store = RegistryStore(engine, file, read_only=read_only, create=create)
    try:
        store.prepare()
    except StoreError:
        store.close()
        raise
    if file is not None and file.access == "rwc":
        file.access = "rw"  # created: a connection made after the file vanished must not create an empty one
    return store


def _connect_to_file(engine: Engine, file: _SqliteFile) -> None:
    """Every new connection opens ``file`` as its access says at that moment (a SQLite URI filename)."""

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect: object, _record: object, cargs: list[object], cparams: dict[str, object]) -> None:
        cargs[:] = [file.uri()]
        cparams["uri"] = True


def _use_sqlite_transactions(engine: Engine, *, wal: bool) -> None:
    """WAL journal (unless reading only), and transactions begun by us: ``BEGIN IMMEDIATE`` for writers,
    ``BEGIN`` for readers."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.isolation_level = None  # the driver emits no BEGIN of its own
        if wal:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        mode = "IMMEDIATE" if connection.get_execution_options().get(_WRITE) else "DEFERRED"
        connection.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def _database_errors(engine: Engine) -> Iterator[None]:
    """Turn driver failures (cannot connect, locked, unreadable file) into StoreUnavailableError."""
    try:
        yield
    except (exc.IntegrityError, exc.ProgrammingError):
        raise
    except exc.DBAPIError as error:
        reason = str(error.orig).strip()
        where = engine.url.render_as_string(hide_password=True)
        if "locked" in reason or "busy" in reason or getattr(error.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
            raise StoreBusyError("The registry database is busy with another change; try again in a moment.") from error
        raise StoreUnavailableError(f"The registry database cannot be reached or read ({where}): {reason}") from error


_LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for a lock not had within lock_timeout


def _claim_write_lock(conn: Connection) -> None:
    """PostgreSQL, first in a write transaction: wait (at most the busy timeout) for the store's advisory lock,
    held until the transaction ends — writers take turns, as SQLite's ``BEGIN IMMEDIATE`` makes them."""
    conn.exec_driver_sql(f"SET LOCAL lock_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
    conn.execute(select(func.pg_advisory_xact_lock(_WRITE_LOCK)))


def _announce(conn: Connection, version: int) -> None:
    """PostgreSQL, inside a commit: tell every listener the new version when the transaction commits."""
    conn.execute(select(func.pg_notify(COMMIT_CHANNEL, str(version))))


class CommitListener:
    """A PostgreSQL connection listening on ``COMMIT_CHANNEL``: ``wait`` returns when a commit was announced."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        try:
            raw = engine.raw_connection()
            connection = raw.driver_connection
            raw.detach()  # its own connection, never pooled: closed when the listening ends
        except engine.dialect.loaded_dbapi.Error as error:
            raise self._unavailable(error) from error
        assert connection is not None
        self._connection = connection
        try:
            self._connection.autocommit = True
            self._connection.execute(f"LISTEN {COMMIT_CHANNEL}")
        except engine.dialect.loaded_dbapi.Error as error:
            self.close()
            raise self._unavailable(error) from error

    def _unavailable(self, error: Exception) -> StoreUnavailableError:
        where = self._engine.url.render_as_string(hide_password=True)
        return StoreUnavailableError(f"The registry database cannot be reached or read ({where}): {error}")

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for an announced commit (True), else False; StoreUnavailableError when the
        connection is lost (the server stopped)."""
        try:
            return any(True for _ in self._connection.notifies(timeout=timeout, stop_after=1))
        except self._engine.dialect.loaded_dbapi.Error as error:  # the connection is gone
            self.close()
            raise self._unavailable(error) from error

    def close(self) -> None:
        """Stop listening: the connection is closed (a broken one too)."""
        self._connection.close()


def _current_version(conn: Connection) -> int:
    """The newest version number, 0 for an empty store."""
    return int(conn.execute(select(func.coalesce(func.max(_versions.c.version), 0))).scalar_one())


def _stored_id(conn: Connection) -> str | None:
    """The database's store id; None when it has none (not a registry, or one from before store ids)."""
    if not inspect(conn).has_table(_meta.name):
        return None
    return conn.execute(select(_meta.c.value).where(_meta.c.name == _STORE_ID)).scalar()


def _check_known(version: int, current: int) -> None:
    """Raise UnknownVersionError unless 0 ≤ version ≤ current (0 is the empty registry before the first)."""
    if not 0 <= version <= current:
        known = f"versions 1 to {current}" if current else "no versions yet"
        raise UnknownVersionError(f"Version {version} does not exist; the registry has {known}.")


def _valid_at(version: int) -> ColumnElement[bool]:
    """The SQL condition: a stored row belongs to ``version``."""
    return (_rows.c.valid_from <= version) & or_(_rows.c.valid_to.is_(None), _rows.c.valid_to > version)


def _stored_lines(conn: Connection, version: int) -> dict[str, str]:
    """id → CSV line of every row of a version, in id order (sorted in Python: the same on every database)."""
    records = conn.execute(select(_rows.c.id, _rows.c.line).where(_valid_at(version))).all()
    return dict(sorted(records, key=itemgetter(0)))


def _write_derived(conn: Connection, version: int, derived: DerivedParts) -> None:
    """Inside a write transaction: ``derived`` becomes what is kept beside ``version``."""
    conn.execute(delete(_derived).where(_derived.c.version == version))
    created = datetime.now(UTC).isoformat(timespec="seconds")
    if derived.parts:
        conn.execute(insert(_derived), [{"version": version, "part": part, "source": derived.source,
                                         "created_at": created, "data": data} for part, data in derived.parts.items()])


def _change_set(old: pd.DataFrame, new: pd.DataFrame) -> _ChangeSet:
    """Which ids two canonical contents add, change and remove."""
    old_rows, new_rows = old.set_index("id"), new.set_index("id")
    common = old_rows.index.intersection(new_rows.index)
    differs = (old_rows.loc[common].to_numpy() != new_rows.loc[common, old_rows.columns].to_numpy()).any(axis=1)
    return _ChangeSet(
        added=list(new_rows.index.difference(old_rows.index)),
        changed=list(common[differs]),
        removed=list(old_rows.index.difference(new_rows.index)),
    )


def _summary(changes: _ChangeSet, restores: int | None, details: Mapping[str, object] | None = None) -> str:
    """The JSON summary of a version: counts and (the first SUMMARY_ID_LIMIT) ids per kind of change, and the
    ``details`` its writer records (e.g. the rows an import set aside)."""
    summary: dict[str, object] = dict(details or {})
    for kind in _CHANGES:
        ids = getattr(changes, kind)
        summary[kind] = len(ids)
        summary[f"{kind}_ids"] = ids[:SUMMARY_ID_LIMIT]
    if restores is not None:
        summary["restores"] = restores
    return json.dumps(summary, ensure_ascii=False)


def diff_contents(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """The long diff of two canonical contents (DIFF_COLUMNS), sorted by id then column order."""
    changes = _change_set(before, after)
    whole_rows = [(row_id, "added", "", "", "") for row_id in changes.added] + \
                 [(row_id, "removed", "", "", "") for row_id in changes.removed]
    old_cells = before.set_index("id").loc[changes.changed]
    new_cells = after.set_index("id").loc[changes.changed, old_cells.columns]
    old_values, new_values = old_cells.to_numpy(), new_cells.to_numpy()
    at_row, at_column = np.nonzero(old_values != new_values)
    cells = list(zip(old_cells.index[at_row], ["changed"] * len(at_row), old_cells.columns[at_column],
                     old_values[at_row, at_column], new_values[at_row, at_column], strict=True))
    order = {column: position for position, column in enumerate(REGISTRY_COLUMNS)}
    rows = sorted(whole_rows + cells, key=lambda row: (row[0], order.get(row[2], -1)))
    return pd.DataFrame(rows, columns=DIFF_COLUMNS)


class RegistryStore:
    """A versioned registry in one database: read any version, commit, compare, roll back.

    ``read_only``: the database can only be read here, every write raises StoreReadOnlyError. ``key`` names this
    opening of the database (its store id and a token that ``reopen()`` renews): keying caches by it and the
    version serves nothing read from a database that was replaced."""

    def __init__(self, engine: Engine, file: _SqliteFile | None = None, *, read_only: bool = False,
                 create: bool = True) -> None:
        self._engine = engine
        self._file = file
        self.read_only = read_only
        self._create = create  # whether opening (and reopening) may create tables
        self.key = ""
        self._lock = threading.Lock()  # one identity check at a time: versions are compared in the order read
        self._store_id: str | None = None
        self._file_identity: tuple[int, int] | None = None
        self._last_read = LastRead(0, datetime.now(UTC))

    @property
    def location(self) -> str:
        """Where the database is, for people: the SQLite file, else the URL without its password."""
        return str(self._file.path) if self._file else self._engine.url.render_as_string(hide_password=True)

    @property
    def last_read(self) -> LastRead:
        """The newest version read from the database so far, and when."""
        return self._last_read

    def __enter__(self) -> RegistryStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    @contextmanager
    def _transaction(self, *, write: bool, check: bool = True, snapshot: bool = False) -> Iterator[Connection]:
        """One transaction, checked to be on the database the store opened (unless ``check`` is off, while it is
        being opened); a writer holds the write lock from its first statement. ``snapshot``: every statement sees
        the database as at the first (SQLite's readers always do; PostgreSQL: REPEATABLE READ)."""
        if write and self.read_only:
            raise StoreReadOnlyError(self.location)
        if check:
            self._check_file()
        with _database_errors(self._engine), self._engine.connect() as conn:
            conn.execution_options(**{_WRITE: write})
            if snapshot and self.postgres:
                conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                if write and self.postgres:
                    _claim_write_lock(conn)
                if check:
                    self._check_database(conn)
                yield conn

    def _check_file(self) -> None:
        """A SQLite store's file is still at its path (else StoreGoneError). When another file is there, the
        pooled connections, which still read the old one, are dropped, and the new file's store id compared."""
        if self._file is None or self._file.identity() == self._file_identity:
            return
        with self._lock:
            identity = self._file.identity()
            if identity == self._file_identity:  # another thread has just checked it
                return
            self._engine.dispose()
            if identity is None:
                raise StoreGoneError(self.location, self._last_read)
            with _database_errors(self._engine), self._engine.connect() as conn:
                store_id = _stored_id(conn)
            if store_id != self._store_id:
                raise StoreReplacedError(self.location, "another database file is at its path")
            self._file_identity = identity

    def _check_database(self, conn: Connection) -> None:
        """The database is the one opened: the same store id, and no fewer versions than were read."""
        with self._lock:
            if self._store_id is None:  # a read-only database from before store ids: versions only
                store_id, version = None, _current_version(conn)
            else:
                store_id, version = conn.execute(_HEAD).one()
            if store_id != self._store_id:
                raise StoreReplacedError(self.location, "it holds another registry")
            if version < self._last_read.version:
                raise StoreReplacedError(self.location, f"it has {version} version(s) where {self._last_read.version} "
                                                        "were read before: an older copy")
            self._last_read = LastRead(version, datetime.now(UTC))

    @contextmanager
    def transaction(self, *, write: bool, snapshot: bool = False) -> Iterator[Connection]:
        """One transaction for tables kept beside the registry (the sign-in lockouts of ``ecosystem.lockout``), or
        for reading the store's ``TABLES`` as one consistent ``snapshot`` (``ecosystem.store_copy``)."""
        with self._transaction(write=write, snapshot=snapshot) as conn:
            yield conn

    @property
    def postgres(self) -> bool:
        """Whether the database is PostgreSQL (advisory write lock, commits announced)."""
        return self._engine.dialect.name == "postgresql"

    def listen_for_commits(self) -> CommitListener | None:
        """A listener for the versions this database announces as they are committed (PostgreSQL through psycopg);
        None where commits are not heard (SQLite: ask ``current_version`` instead)."""
        return CommitListener(self._engine) if self.postgres and self._engine.dialect.driver == "psycopg" else None

    def prepare(self) -> None:
        """Create the tables and the store id when missing (when writable, and opened to create; otherwise a
        database lacking them is StoreNotInitialisedError); refuse a database whose versions follow other
        registry columns. Remembers what was opened: store id, file, version."""
        write = self._create and not self.read_only
        with self._transaction(write=write, check=False) as conn:
            if not write:
                missing = [table.name for table in (_versions, _rows) if not inspect(conn).has_table(table.name)]
                if missing and not self.read_only:
                    raise StoreNotInitialisedError(self.location)
                if missing:
                    raise StoreError(f"The registry database {self.location} can only be read here and holds no "
                                     f"registry (no table {', '.join(missing)}); open one that does.")
            else:
                _metadata.create_all(conn)
                if _stored_id(conn) is None:
                    conn.execute(insert(_meta).values(name=_STORE_ID, value=uuid.uuid4().hex))
                # a write that changes nothing: SQLite refuses it here when the file cannot be written after all
                conn.execute(update(_meta).where(_meta.c.name == _STORE_ID).values(value=_meta.c.value))
            layouts = conn.execute(select(_versions.c.columns).distinct()).scalars().all()
            store_id, version = _stored_id(conn), _current_version(conn)
        if any(layout != _HEADER for layout in layouts):
            raise StoreError("The registry database was saved with other columns than this version of the "
                             "product uses; it needs an upgrade before it can be used.")
        self._store_id, self._last_read = store_id, LastRead(version, datetime.now(UTC))
        self._file_identity = self._file.identity() if self._file else None
        # the same database gives the same key in every process and after a module reload; another registry, or
        # another file put at the path (an older copy), gives another — so cached frames never cross databases
        where = "-".join(map(str, self._file_identity)) if self._file_identity else ""
        self.key = f"{store_id}/{where}"

    def reopen(self) -> None:
        """Serve the database now at the store's address (after StoreReplacedError): its tables and store id,
        and a new ``key``."""
        with self._lock:
            self.prepare()

    def current_version(self) -> int:
        """The newest version number; 0 while the store is empty."""
        with self._transaction(write=False) as conn:
            return _current_version(conn)

    def read(self, version: int | None = None) -> pd.DataFrame:
        """The registry of a version (default: current) as text cells in REGISTRY_COLUMNS, sorted by id."""
        with self._transaction(write=False) as conn:
            current = _current_version(conn)
            version = current if version is None else version
            _check_known(version, current)
            lines = _stored_lines(conn, version)
        return _parse(list(lines.values()))

    def checksum(self, version: int | None = None) -> str:
        """The content checksum recorded for a version (default: current); see ``registry_checksum``."""
        with self._transaction(write=False) as conn:
            current = _current_version(conn)
            version = current if version is None else version
            _check_known(version, current)
            recorded = conn.execute(select(_versions.c.checksum).where(_versions.c.version == version)).scalar()
        return _checksum([]) if recorded is None else str(recorded)

    def versions(self) -> pd.DataFrame:
        """Every version, newest first: who, when, which file, what action, and how many rows changed."""
        with self._transaction(write=False) as conn:
            records = conn.execute(select(_versions).order_by(_versions.c.version.desc())).mappings().all()
        history = pd.DataFrame([dict(record) for record in records], columns=[c.name for c in _versions.columns])
        summaries = [json.loads(text) for text in history["summary"]]
        for kind in _CHANGES:
            history[kind] = pd.array([summary[kind] for summary in summaries], dtype="int64")
        history["restores"] = pd.array([summary.get("restores") for summary in summaries], dtype="Int64")
        return history[VERSION_COLUMNS]

    def diff(self, old: int, new: int) -> pd.DataFrame:
        """What changes from version ``old`` to ``new``: one row per changed cell, per added or removed id."""
        low, high = sorted((old, new))
        with self._transaction(write=False) as conn:
            current = _current_version(conn)
            _check_known(old, current)
            _check_known(new, current)
            touched = conn.execute(
                select(_rows.c.id, _rows.c.valid_from, _rows.c.valid_to, _rows.c.line).where(or_(
                    _rows.c.valid_from.between(low + 1, high), _rows.c.valid_to.between(low + 1, high)))
            ).all()

        def side(version: int) -> pd.DataFrame:
            return _parse([line for _, start, end, line in sorted(touched, key=itemgetter(0, 1))
                           if start <= version and (end is None or end > version)])

        return diff_contents(side(old), side(new))

    def commit(self, frame: pd.DataFrame, *, base_version: int, account: str, file_name: str,
               action: str = "import", derived: DerivedParts | None = None,
               details: Mapping[str, object] | None = None) -> int:
        """Save ``frame`` (the full new registry) as a new version made from ``base_version``, with what was
        derived from it (``derived``, computed from ``canonical_registry(frame)``) and ``details`` in its summary
        (JSON; e.g. ``set_aside``: the rows of the file an import left out); its number."""
        table = canonical_registry(frame)
        with self._transaction(write=True) as conn:
            return self._save(conn, table, base_version=base_version, account=account, file_name=file_name,
                              action=action, derived=derived, details=details)

    def seed_if_empty(self, frame: pd.DataFrame, account: str = "system", file_name: str = "initiatives.csv",
                      derived: DerivedParts | None = None) -> int | None:
        """Save ``frame`` as version 1 (with ``derived``, as ``commit``) when the store is empty; None when it holds
        a version or frame is empty."""
        table = canonical_registry(frame)
        with self._transaction(write=True) as conn:
            if _current_version(conn) or table.empty:
                return None
            return self._save(conn, table, base_version=0, account=account, file_name=file_name, action="seed",
                              derived=derived)

    def rollback(self, version: int, *, account: str, base_version: int | None = None,
                 derived: DerivedParts | None = None) -> int:
        """A new version whose content equals ``version``; its number. Earlier versions stay as they were.

        ``base_version`` is the current version the person saw when deciding: StaleVersionError if another
        version was saved since (None: roll back whatever is current). ``derived``: what was derived from the
        content of ``version``, kept with the new version."""
        with self._transaction(write=True) as conn:
            current = _current_version(conn)
            _check_known(version, current)
            table = _parse(list(_stored_lines(conn, version).values()))
            return self._save(conn, table, base_version=current if base_version is None else base_version,
                              account=account, file_name="", action="rollback", restores=version, derived=derived)

    def recomputed_checksums(self) -> dict[int, str]:
        """Every version's checksum computed afresh from the stored lines, in one pass over them: what ``checksum``
        recorded for each version, unless the stored rows were damaged or copied wrongly."""
        with self._transaction(write=False, snapshot=True) as conn:
            current = _current_version(conn)
            records = conn.execute(select(_rows.c.id, _rows.c.valid_from, _rows.c.valid_to, _rows.c.line)).all()
        opened: dict[int, list[tuple[str, str]]] = {}
        closed: dict[int, list[str]] = {}
        for row_id, start, end, line in records:
            opened.setdefault(start, []).append((row_id, line))
            if end is not None:
                closed.setdefault(end, []).append(row_id)
        lines: dict[str, str] = {}
        checksums = {}
        for version in range(1, current + 1):
            for row_id in closed.get(version, []):
                lines.pop(row_id, None)
            lines.update(opened.get(version, []))
            checksums[version] = _checksum([lines[row_id] for row_id in sorted(lines)])
        return checksums

    def derived_source(self, version: int) -> str | None:
        """What the parts kept beside ``version`` were derived from; None when it has none."""
        with self._transaction(write=False) as conn:
            _check_known(version, _current_version(conn))
            if not inspect(conn).has_table(_derived.name):  # a database from before derived parts, opened as is
                return None
            return conn.execute(select(_derived.c.source).where(_derived.c.version == version).limit(1)).scalar()

    def derived(self, version: int) -> DerivedParts | None:
        """The parts kept beside ``version`` and what they were derived from; None when it has none."""
        with self._transaction(write=False) as conn:
            _check_known(version, _current_version(conn))
            if not inspect(conn).has_table(_derived.name):
                return None
            records = conn.execute(select(_derived.c.part, _derived.c.source, _derived.c.data)
                                   .where(_derived.c.version == version)).all()
        if not records or len({source for _, source, _ in records}) != 1:
            return None
        return DerivedParts(records[0].source, {part: bytes(data) for part, _, data in records})

    def save_derived(self, version: int, derived: DerivedParts) -> bool:
        """Keep ``derived`` beside ``version`` in place of what was kept there; False (nothing written) when parts
        derived from the same source are already there, for instance saved meanwhile by another process."""
        with self._transaction(write=True) as conn:
            _check_known(version, _current_version(conn))
            kept = conn.execute(select(_derived.c.source).where(_derived.c.version == version)).scalars().all()
            if kept and set(kept) == {derived.source}:
                return False
            _write_derived(conn, version, derived)
            return True

    def _save(self, conn: Connection, table: pd.DataFrame, *, base_version: int, account: str, file_name: str,
              action: str, restores: int | None = None, derived: DerivedParts | None = None,
              details: Mapping[str, object] | None = None) -> int:
        """Inside a write transaction: check the base, claim the next version, close and open changed rows."""
        current = _current_version(conn)
        if base_version != current:
            raise StaleVersionError(base_version, current)
        lines = _stored_lines(conn, current)
        changes = _change_set(_parse(list(lines.values())), table)
        if changes.is_empty():
            raise NothingToCommit(current)
        for row_id in changes.removed:
            del lines[row_id]
        opening = table[table["id"].isin(changes.added + changes.changed)]
        new_lines = dict(zip(opening["id"], _lines(opening), strict=True))
        if any("\x00" in line for line in new_lines.values()):
            raise StoreError("A cell holds a NUL character, which cannot be stored; nothing was saved.")
        lines.update(new_lines)
        version = current + 1
        try:  # the version number is the lock of last resort: two writers cannot both claim it
            conn.execute(insert(_versions).values(
                version=version, created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                account=account, file_name=file_name, action=action, base_version=base_version,
                rows=len(table), columns=_HEADER, summary=_summary(changes, restores, details),
                checksum=_checksum([lines[row_id] for row_id in table["id"]]),
            ))
        except exc.IntegrityError as error:
            raise StaleVersionError(base_version, version) from error
        if self.postgres:
            _announce(conn, version)
        closing = changes.changed + changes.removed
        if closing:
            conn.execute(
                update(_rows).where(_rows.c.id == bindparam("closing_id"), _rows.c.valid_to.is_(None))
                .values(valid_to=version),
                [{"closing_id": row_id} for row_id in closing],
            )
        if new_lines:
            conn.execute(insert(_rows), [{"id": row_id, "valid_from": version, "line": line}
                                         for row_id, line in new_lines.items()])
        if derived is not None:
            _write_derived(conn, version, derived)
        return version
