"""Commit a large change to a registry store, for the kill test: ``python store_fault_worker.py URL``.

Prints ``ready`` once the new content is built, starts the commit when a line arrives on stdin (so the
test can start the next worker while it kills this one), prints ``writing`` when the commit sends its first
write to the database, and ``committed N`` when it is done.
"""

from __future__ import annotations

import sys

import pandas as pd
from sqlalchemy import Engine, event

from ecosystem.store import open_store


def changed_registry(frame: pd.DataFrame) -> pd.DataFrame:
    """Every row's description rewritten, every tenth row removed, a thousand rows added."""
    kept = frame[frame.index % 10 != 0].assign(description=lambda rows: rows["description"] + " (revised)")
    added = frame.head(1000).assign(id=lambda rows: rows["id"] + "-new", name="Added in the large change")
    return pd.concat([kept, added], ignore_index=True)


def announce_writing() -> None:
    """Print ``writing`` before the first INSERT or UPDATE that any engine sends."""
    announced: list[str] = []

    def before_execute(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if not announced and statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
            announced.append(statement)
            print("writing", flush=True)

    event.listen(Engine, "before_cursor_execute", before_execute)


def main(url: str) -> None:
    """Build the change against the current version, say so, and commit it when told to."""
    store = open_store(url)
    base = store.current_version()
    frame = changed_registry(store.read(base))
    print("ready", flush=True)
    sys.stdin.readline()
    announce_writing()
    version = store.commit(frame, base_version=base, account="fault-worker", file_name="large.csv")
    print(f"committed {version}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
