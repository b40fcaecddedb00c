"""Pages that follow the registry database: a commit made elsewhere — through another app server, or the command
line — and the database's going away or coming back reach every open page of this server within seconds, without
the visitor doing anything.

Each server process follows its database with one ``VersionWatch`` (``ecosystem.version_watch``: ``LISTEN`` on
PostgreSQL, a version read every second otherwise), started by the first page run, and remembers which registry
version each session last showed (``Served.store_version``; None while the database could not be read). When the
watch reports a state a session does not show, that session is run again as it last ran — the same page, query
string and widgets — which is what Streamlit itself does on "run on save"; a session in the middle of a run (a
visitor's click) is left to finish it first, and run again only if that run still showed the old version. Its
caches are keyed by the version, so the first of those runs reads the new version once for all.

Reaching the sessions goes beyond Streamlit's public API (the runtime's sessions, a session's last client state
and its event loop; ``tests/test_streamlit_internals.py`` names them). Under AppTest, whose runtime is a stand-in,
nothing is followed: every run reads the current version anyway.
"""

from __future__ import annotations

import functools
import threading

from streamlit.runtime import Runtime
from streamlit.runtime.app_session import AppSession
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ecosystem.store import database_url
from ecosystem.version_watch import RegistryState, VersionWatch
from ecosystem.view import Served

__all__ = ["follow"]

_RETRY_SECONDS = 0.25  # how soon a session whose run was under way is looked at again
_lock = threading.Lock()
_watches: dict[str, VersionWatch] = {}
_shown: dict[str, tuple[str, int | None]] = {}  # session id → (database URL, the version its last run showed)


def _runtime() -> Runtime | None:
    """The server's runtime; None where there is no real one (AppTest, bare mode)."""
    if not Runtime.exists():
        return None
    runtime = Runtime.instance()
    return runtime if isinstance(runtime, Runtime) else None


def follow(served: Served) -> None:
    """Note what this session's run shows, and follow its database (from the first run on, once per process)."""
    context = get_script_run_ctx()
    if context is None or _runtime() is None:
        return
    url = database_url()
    with _lock:
        _shown[context.session_id] = (url, served.store_version)
        watch = _watches.get(url)
        if watch is None or not watch.running:
            _watches[url] = VersionWatch(url, lambda state: _rerun_stale_sessions(url, state)).start()


def _rerun_stale_sessions(url: str, state: RegistryState) -> None:
    """Run again every open session of this database that shows another version (or state) than ``state``."""
    runtime = _runtime()
    if runtime is None:
        return
    with _lock:
        stale = [session_id for session_id, (shown_url, version) in _shown.items()
                 if shown_url == url and version != state.version]
    for session_id in stale:
        session = runtime.get_app_session(session_id)
        if session is None:  # closed: forget it
            with _lock:
                _shown.pop(session_id, None)
            continue
        session._call_soon_on_event_loop(functools.partial(_rerun_when_idle, runtime, session, url))


def _rerun_when_idle(runtime: Runtime, session: AppSession, url: str) -> None:
    """On the session's event loop: run it again with its last client state (page, query string, widgets) if it
    still shows another version than the database's. A run under way — a visitor's click, whose client state the
    session keeps only when the run ends — is not cut short: it is looked at again once it has ended."""
    watch = _watches.get(url)
    with _lock:
        shown = _shown.get(session.id)
    if watch is None or watch.state is None or shown is None or shown[1] == watch.state.version:
        return  # nothing (left) to show: the run under way read the new version itself
    if runtime.get_app_session(session.id) is None:
        return  # closed meanwhile
    if session._scriptrunner is not None:
        session._event_loop.call_later(_RETRY_SECONDS, _rerun_when_idle, runtime, session, url)
        return
    session.request_rerun(session._client_state)
