"""Commit a large change to a registry store and stop at a named phase, for the kill test.

``python store_fault_worker.py URL PHASE`` builds the change, commits it and, on reaching ``PHASE``, prints
``at PHASE`` and waits there for the test's SIGKILL. The phases, in the order a commit passes them:

- ``before-write``: the write transaction holds the lock and has read the base; nothing written yet;
- ``version-claimed``: the new version's row is inserted;
- ``rows-closed``: the changed and removed rows are closed;
- ``before-commit``: every row is written and the COMMIT is next;
- ``committed``: ``RegistryStore.commit`` has returned.

The phases are found with SQLAlchemy events, so the store itself has no test hook. A worker whose stdin closes
(its test is gone) exits without committing.
"""

from __future__ import annotations

import os
import sys

import pandas as pd
from sqlalchemy import Engine, event

from ecosystem.store import open_store

# phase → (SQLAlchemy cursor event, the start of the statement it is about)
STATEMENT_PHASES = {
    "before-write": ("before_cursor_execute", "INSERT INTO registry_versions"),
    "version-claimed": ("after_cursor_execute", "INSERT INTO registry_versions"),
    "rows-closed": ("after_cursor_execute", "UPDATE registry_rows"),
}
PHASES = (*STATEMENT_PHASES, "before-commit", "committed")


def changed_registry(frame: pd.DataFrame) -> pd.DataFrame:
    """Every row's description rewritten, every tenth row removed, a thousand rows added."""
    kept = frame[frame.index % 10 != 0].assign(description=lambda rows: rows["description"] + " (revised)")
    added = frame.head(1000).assign(id=lambda rows: rows["id"] + "-new", name="Added in the large change")
    return pd.concat([kept, added], ignore_index=True)


def pause(phase: str) -> None:
    """Say that the commit is at ``phase`` and wait there to be killed; exit if the test closes stdin instead."""
    print(f"at {phase}", flush=True)
    sys.stdin.read()
    os._exit(1)


def pause_at(phase: str) -> None:
    """Pause every later commit at ``phase`` (``committed`` is reached by the caller)."""
    if phase in STATEMENT_PHASES:
        when, prefix = STATEMENT_PHASES[phase]

        def on_statement(_conn: object, _cursor: object, statement: str, *_: object) -> None:
            if statement.startswith(prefix):
                pause(phase)

        event.listen(Engine, when, on_statement)
    elif phase == "before-commit":
        event.listen(Engine, "commit", lambda _conn: pause(phase))


def main(url: str, phase: str) -> None:
    """Build the change against the current version, then commit it, pausing at ``phase``."""
    if phase not in PHASES:
        raise SystemExit(f"unknown phase {phase!r}; one of {', '.join(PHASES)}")
    store = open_store(url)
    base = store.current_version()
    frame = changed_registry(store.read(base))
    pause_at(phase)
    store.commit(frame, base_version=base, account="fault-worker", file_name="large.csv")
    pause("committed")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
