"""Following a registry database from a server process: which version is current, and whether it answers.

Several app servers may serve one database. Each learns of a commit made through another server or the command
line by a ``VersionWatch``: a thread that reads the current version once, then waits — on PostgreSQL for the
commit's ``NOTIFY`` (``RegistryStore.listen_for_commits``), elsewhere for ``poll_seconds`` before it reads again
— and calls ``on_change`` with the new ``RegistryState``. A database that stops answering (PostgreSQL stopped, a
SQLite file deleted) is a state too, and so is its coming back. A PostgreSQL listener is asked for the version
every ``heartbeat_seconds`` as well, so a silent network is noticed.

It only reads: the store is opened as a page view opens it (``create=False``). Nothing here knows Streamlit; the
pages' side is ``ecosystem.ui.live``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from ecosystem.store import CommitListener, RegistryStore, StoreError, StoreReplacedError, open_store

__all__ = ["RegistryState", "VersionWatch"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RegistryState:
    """What a server should show now: the database's current version, or None while it cannot be read (and why)."""

    version: int | None
    problem: str | None = None


class VersionWatch:
    """Follows the registry database at ``url`` in a daemon thread, calling ``on_change(state)`` from that thread
    whenever the version or the database's answering changes (and once at the start)."""

    def __init__(self, url: str, on_change: Callable[[RegistryState], None], *, poll_seconds: float = 1.0,
                 heartbeat_seconds: float = 5.0) -> None:
        self.url = url
        self._on_change = on_change
        self._poll_seconds = poll_seconds
        self._heartbeat_seconds = heartbeat_seconds
        self._stop = threading.Event()
        self._state: RegistryState | None = None
        self._thread = threading.Thread(target=self._run, name="registry-version-watch", daemon=True)

    @property
    def state(self) -> RegistryState | None:
        """The state last seen (None before the first read)."""
        return self._state

    def start(self) -> VersionWatch:
        """Start following; returns itself."""
        self._thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        """Stop following (the thread ends at its next wake-up: at most a poll or a heartbeat later)."""
        self._stop.set()
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        """Whether the thread still follows the database."""
        return self._thread.is_alive() and not self._stop.is_set()

    def _run(self) -> None:
        store: RegistryStore | None = None
        listener: CommitListener | None = None
        while not self._stop.is_set():
            try:
                if store is None:
                    store = open_store(self.url, create=False)
                if listener is None:
                    listener = store.listen_for_commits()  # before the read: no commit falls between
                state = RegistryState(_current_version(store))
            except Exception as error:  # noqa: BLE001 - whatever fails, the watch goes on: a state to tell the pages
                if not isinstance(error, StoreError):
                    _log.exception("Reading the registry version failed")
                if listener is not None:
                    listener.close()
                    listener = None
                state = RegistryState(None, str(error))
            self._publish(state)
            if listener is None or state.version is None:
                self._stop.wait(self._poll_seconds)
                continue
            try:
                listener.wait(self._heartbeat_seconds)
            except StoreError:  # the connection broke: the next read says whether the database answers
                listener = None
        if listener is not None:
            listener.close()
        if store is not None:
            store.close()

    def _publish(self, state: RegistryState) -> None:
        previous = self._state
        self._state = state
        if previous is not None and (previous.version, previous.problem is None) == (state.version, state.problem is None):
            return
        if state.problem is not None:
            _log.warning("The registry database cannot be read: %s", state.problem)
        try:
            self._on_change(state)
        except Exception:  # noqa: BLE001 - a listener's failure is logged and must not end the watch
            _log.exception("Telling the pages about registry version %s failed", state.version)


def _current_version(store: RegistryStore) -> int:
    """The store's current version, reopening a database that was replaced at its address."""
    try:
        return store.current_version()
    except StoreReplacedError:
        store.reopen()
        return store.current_version()
