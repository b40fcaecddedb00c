"""Moving and keeping the registry store from the command line: ``migrate``, ``backup`` and ``restore``.

- ``migrate --to URL`` copies the configured store (``ECOSYSTEM_DATABASE_URL``, or ``--from URL``) — every version,
  author, file name, diff and derived part — into the database at ``--to`` (SQLite to PostgreSQL or back), then
  verifies the copy (``ecosystem.store_copy``). A target that already holds a registry is refused unless
  ``--replace`` is given.
- ``backup --out FILE`` writes a consistent copy of the configured store, taken as one snapshot while the servers
  go on, as a SQLite registry database: verified, then moved into place, so a failed backup leaves no file. It can
  be opened like any store (``ECOSYSTEM_DATABASE_URL=sqlite:///FILE``, read-only if you like).
- ``restore FILE`` copies such a backup into the configured store, which must be empty unless ``--replace``.

Each prints what it copied and how long it took, and exits 0; a refusal or a failure is one sentence on stderr and
exit 2. Running servers notice a replaced database at their next read and say so once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from ecosystem.initialise import say_on_stderr
from ecosystem.store import StoreError, database_url, open_store
from ecosystem.store_copy import copy_store, verify_copy

__all__ = ["add_store_commands"]


def _copy(source_url: str, target_url: str, *, replace: bool, read_only_source: bool = False) -> int:
    """Copy and verify; print the report. The exit code."""
    if read_only_source:  # a backup file is only read: opened read-only, never turned into a WAL database
        source_url = f"sqlite:///file:{quote(source_url.removeprefix('sqlite:///'))}?mode=ro&uri=true"
    with open_store(source_url, create=False) as source, open_store(target_url) as target:
        if source.location == target.location:
            raise StoreError("The source and the target are the same database; nothing was copied.")
        report = copy_store(source, target, replace=replace, progress=say_on_stderr)
        print(report.summary())
        versions = verify_copy(source, target)
    print(f"verified: the same {versions} version(s), the same stored rows and derived parts, and every version's "
          "content has its checksum")
    return 0


def _migrate(args: argparse.Namespace) -> int:
    return _copy(args.source or database_url(), args.to, replace=args.replace)


def _backup(args: argparse.Namespace) -> int:
    out = Path(args.out).absolute()
    if out.exists():
        raise StoreError(f"{out} exists already; a backup never overwrites a file: choose another name.")
    partial = out.with_name(f"{out.name}.partial")
    companions = [partial, *(partial.with_name(f"{partial.name}-{suffix}") for suffix in ("wal", "shm"))]
    for file in companions:
        file.unlink(missing_ok=True)
    try:
        code = _copy(database_url(), f"sqlite:///{partial}", replace=False)
    except BaseException:
        for file in companions:
            file.unlink(missing_ok=True)
        raise
    partial.rename(out)  # every connection is closed: the -wal file is merged into the file and gone
    print(f"backup written to {out}")
    return code


def _restore(args: argparse.Namespace) -> int:
    path = Path(args.file).absolute()
    if not path.is_file():
        raise StoreError(f"There is no backup file {path}.")
    return _copy(f"sqlite:///{path}", database_url(), replace=args.replace, read_only_source=True)


def _guarded(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn a refusal or a failure into one sentence on stderr and exit code 2 (no traceback)."""
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except (StoreError, OSError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    return run


def add_store_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register migrate, backup and restore; the handler ``args.handler(args)`` returns an exit code."""
    migrate = subparsers.add_parser(
        "migrate", help="copy the whole registry store, with its history, into another database and verify it",
        description="Copy every version (who, when, which file, what changed) and every derived part of the "
                    "registry store into the database at --to — SQLite to PostgreSQL or back — in one transaction, "
                    "then verify the copy version by version. A target that holds a registry is refused unless "
                    "--replace is given.")
    migrate.add_argument("--to", required=True, help="the target database's URL (postgresql://… or sqlite:///…)")
    migrate.add_argument("--from", dest="source", default=None,
                         help="the source database's URL (default: ECOSYSTEM_DATABASE_URL, the configured store)")
    migrate.add_argument("--replace", action="store_true", help="replace a registry the target already holds")
    backup = subparsers.add_parser(
        "backup", help="write a consistent, verified copy of the registry store to a SQLite file",
        description="Copy the configured registry store, as one snapshot while servers go on, into a new SQLite "
                    "file (a registry database itself), verified before it is moved into place.")
    backup.add_argument("--out", required=True, help="the backup file to write (must not exist)")
    restore = subparsers.add_parser(
        "restore", help="copy a backup into the configured registry store (empty, unless --replace)",
        description="Copy a backup made by `backup` into the configured registry store and verify it. A store "
                    "that holds a registry is refused unless --replace is given.")
    restore.add_argument("file", help="the backup file")
    restore.add_argument("--replace", action="store_true", help="replace the registry the store holds now")
    for command, handler in ((migrate, _migrate), (backup, _backup), (restore, _restore)):
        command.set_defaults(handler=_guarded(handler))
