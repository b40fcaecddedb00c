"""Several app servers on one registry database, as real ``streamlit run app.py`` servers watched by visitors who
speak Streamlit's websocket protocol (``streamlit_session``): started together on an empty database, every server's
first page works; a commit through the command line reaches the open pages of every server without anyone
reloading; PostgreSQL stopped under a running server is said on its pages, which keep the last registry read while
the visitor goes on to other pages and changes a filter, and its coming back is picked up without a restart. No wait
races a clock: each ends at its event, with a generous safety net; the commit-to-page latencies are printed (``-s``)
and kept as test properties.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

import pg_cluster
from conftest import DATA, REPO, copy_seed_data, new_postgres_database, skip_or_fail
from ecosystem.registry import read_raw_csv
from ecosystem.schema import REGISTRY_COLUMNS
from ecosystem.store import open_store
from streamlit_session import Run, Session

pytestmark = pytest.mark.browser  # starts Streamlit servers

SAFETY_NET_SECONDS = 300.0
SEED_INITIATIVES = "10"


@dataclass
class Server:
    """A ``streamlit run app.py`` in its own process group, its address and its log."""

    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_server(env: dict[str, str], log: Path) -> Server:
    """Start a server on a free port; it may still be readying the store (``wait_until_healthy``)."""
    port = pg_cluster._free_port()
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
                   **env}
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=REPO, env=environment, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    return Server(process, f"http://127.0.0.1:{port}", log)


def wait_until_healthy(server: Server) -> None:
    deadline = time.monotonic() + SAFETY_NET_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"the server exited with {server.process.returncode}:\n{server.output()}")
        try:
            with urllib.request.urlopen(f"{server.base_url}/_stcore/health", timeout=5) as answer:
                if answer.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the server did not answer within {SAFETY_NET_SECONDS:.0f} s:\n{server.output()}")


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()


def app_environment(data: Path, url: str) -> dict[str, str]:
    return {"ECOSYSTEM_DATA_DIR": str(data), "ECOSYSTEM_DATABASE_URL": url, "ECOSYSTEM_TILES": "none",
            "ECOSYSTEM_MAP_ASSETS": "cdn", "ECOSYSTEM_REFERENCE_DIR": str(data / "no-reference")}


def new_initiative_file(folder: Path) -> tuple[Path, str]:
    """A partner file adding one initiative (a seed initiative under a new id); the file and its partner."""
    seed = read_raw_csv(DATA / "initiatives.csv")[REGISTRY_COLUMNS]
    row = seed[seed["actor_type"] == "initiative"].head(1).assign(id="replica-test-initiative", name="Added elsewhere")
    path = folder / "one-more.csv"
    row.to_csv(path, index=False)
    return path, str(row["partner"].iloc[0])


def commit_through_the_command_line(env: dict[str, str], folder: Path) -> float:
    """``python -m ecosystem import`` of one more initiative; the moment it returned (time.monotonic())."""
    path, partner = new_initiative_file(folder)
    done = subprocess.run([sys.executable, "-m", "ecosystem", "import", str(path), "--partner", partner],
                          cwd=REPO, env={**os.environ, **env}, capture_output=True, text=True, timeout=SAFETY_NET_SECONDS)
    assert done.returncode == 0 and "imported as version 2" in done.stdout, done.stdout + done.stderr
    return time.monotonic()


def initiatives_are(count: str) -> tuple[str, object]:
    return f"the Overview counts {count} initiatives", lambda run: run.metrics.get("Initiatives") == count


def a_clean_page(run: Run) -> None:
    assert not run.exceptions, run.exceptions
    assert not run.errors(), run.errors()


def a_page_of_the_last_registry(run: Run) -> Run:
    """A page drawn while the database does not answer: no exception, and it says so (with the version shown)."""
    assert not run.exceptions, run.exceptions
    assert [text for text in run.errors() if "does not answer" in text and "version 1" in text], run.errors()
    return run


def test_servers_started_together_on_an_empty_database_serve_and_follow_a_commit(
        empty_database: str, tmp_path: Path, record_property: pytest.RecordProperty) -> None:
    data = copy_seed_data(tmp_path / "data")
    env = app_environment(data, empty_database)
    servers = [start_server(env, tmp_path / f"server{n}.log") for n in range(2)]  # together, on an empty database
    sessions: list[Session] = []
    try:
        for server in servers:
            wait_until_healthy(server)
        sessions = [Session(server.base_url) for server in servers]
        for server, first in zip(servers, [session.next_run() for session in sessions], strict=True):
            a_clean_page(first)
            assert first.metrics["Initiatives"] == SEED_INITIATIVES, (first, server.output())
            assert "registry ready: version 1" in server.output(), server.output()
        with open_store(empty_database, create=False) as store:
            assert store.versions()["action"].tolist() == ["seed"]  # seeded once, by one of them

        committed = commit_through_the_command_line(env, tmp_path)
        condition, check = initiatives_are("11")
        with ThreadPoolExecutor(len(sessions)) as watchers:
            seen = list(watchers.map(lambda session: session.run_where(condition, check), sessions))
        latencies = [run.finished_at - committed for run in seen]
        for run in seen:
            a_clean_page(run)

        with open_store(empty_database) as elsewhere:  # a rollback, as another server's History page makes it
            assert elsewhere.rollback(1, account="admin", base_version=2) == 3
            rolled_back = time.monotonic()
        condition, check = initiatives_are(SEED_INITIATIVES)
        with ThreadPoolExecutor(len(sessions)) as watchers:
            seen = list(watchers.map(lambda session: session.run_where(condition, check), sessions))
        rollback_latencies = [run.finished_at - rolled_back for run in seen]
        record_property("commit_to_page_seconds", {"cli": latencies, "rollback": rollback_latencies})
        print(f"\n{empty_database.split(':')[0]}: command-line import returned → page of each server "
              f"{', '.join(f'{s:.2f}' for s in latencies)} s; rollback committed → page of each server "
              f"{', '.join(f'{s:.2f}' for s in rollback_latencies)} s")
    finally:
        for session in sessions:
            session.close()
        for server in servers:
            stop_server(server)
            print(f"--- {server.log.name} ---\n{server.output()}")  # shown when the test fails


@pytest.fixture()
def own_postgres() -> Iterator[pg_cluster.Cluster]:
    """A PostgreSQL server of this test's own, which it may stop and start again (not the shared one), in a folder
    the postgres user can reach (pytest's own folders are private to the user running the tests)."""
    reason = pg_cluster.missing_postgres()
    if reason is not None:
        skip_or_fail(reason)
    folder = Path(tempfile.mkdtemp(prefix="ecosystem-test-postgres-"))
    try:
        cluster = pg_cluster.start(folder)
        try:
            yield cluster
        finally:
            cluster.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_stopped_database_is_said_and_the_last_registry_shown_until_it_is_back(
        own_postgres: pg_cluster.Cluster, tmp_path: Path, record_property: pytest.RecordProperty) -> None:
    url = new_postgres_database(own_postgres.url)
    data = copy_seed_data(tmp_path / "data")
    env = app_environment(data, url)
    server = start_server(env, tmp_path / "server.log")
    session = None
    try:
        wait_until_healthy(server)
        session = Session(server.base_url)
        a_clean_page(session.next_run())

        own_postgres.stop()
        stopped = time.monotonic()
        down = session.run_where("the page says the database does not answer",
                                 lambda run: any("does not answer" in text for text in run.errors()))
        assert a_page_of_the_last_registry(down).metrics["Initiatives"] == SEED_INITIATIVES  # the last registry read
        uploads = Session(server.base_url, page="upload").next_run()  # nothing can be written meanwhile
        assert not uploads.exceptions and any("does not answer" in text for text in uploads.errors())
        for page in ("map", "coverage"):  # the visitor goes on reading the last registry: other pages, a filter
            session.open(page)
            a_page_of_the_last_registry(session.next_run())
        for countries in (["Lithuania"], []):
            session.choose("f_countries", countries)
            a_page_of_the_last_registry(session.next_run())
        session.open("overview")
        assert a_page_of_the_last_registry(session.next_run()).metrics["Initiatives"] == SEED_INITIATIVES

        own_postgres.start()
        started = time.monotonic()
        back = session.run_where("the page is clean again", lambda run: not run.errors() and not run.exceptions)
        assert back.metrics["Initiatives"] == SEED_INITIATIVES

        committed = commit_through_the_command_line(env, tmp_path)
        condition, check = initiatives_are("11")
        after = session.run_where(condition, check)
        timings = {"stop_to_page": down.finished_at - stopped, "start_to_page": back.finished_at - started,
                   "commit_to_page": after.finished_at - committed}
        record_property("fault_seconds", timings)
        print("\n" + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in timings.items()))
    finally:
        if session is not None:
            session.close()
        stop_server(server)
        print(f"--- {server.log.name} ---\n{server.output()}")  # shown when the test fails

