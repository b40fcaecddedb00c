"""Streamlit servers for browser benchmarks: our dashboard on a synthetic data folder, and the reference map app.

Each server runs in its own process group on a free loopback port, with its log in a temporary folder; ``stop``
ends the whole group (Streamlit and anything it started) and removes the folder. ``rss_bytes`` is the resident
memory of the server's process tree (psutil).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"  # read-only material beside the checkout
REFERENCE_DIR = SHARED / "bench" / "reference"
NUTS_DIR = SHARED / "reference" / "nuts"

__all__ = [
    "READY_LINE", "REFERENCE_DIR", "REPO", "Server", "export_commit", "free_port", "has_init_command", "our_data_folder",
    "our_entry_point", "our_environment", "readies_first_view", "run_init", "start_ours", "start_reference",
]


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """A running ``streamlit run`` in its own process group."""

    name: str
    process: subprocess.Popen
    port: int
    folder: Path
    """temporary: the server's log ``<name>.log`` (and, for ours, the data folder and database); removed by ``stop``
    (several servers may share one folder under different names)"""
    started_s: float = 0.0
    """seconds from start until /_stcore/health answered"""
    log_handle: IO[str] | None = field(default=None, repr=False)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.folder / f"{self.name}.log"

    def wait_healthy(self, timeout: float = 300.0) -> None:
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} server exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base + "/_stcore/health", timeout=5) as answer:
                    if answer.read().strip() == b"ok":
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"{self.name} server did not answer /_stcore/health within {timeout:.0f} s")

    def wait_for_log(self, text: str, timeout: float = 600.0) -> float:
        """Wait until the server's log holds ``text`` (a line it prints when something is done); seconds waited."""
        started = time.perf_counter()
        while text not in self.log.read_text(errors="replace"):
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} server exited with {self.process.returncode}:\n{self.log_tail()}")
            if time.perf_counter() - started > timeout:
                raise TimeoutError(f"{self.name} server did not log {text!r} within {timeout:.0f} s")
            time.sleep(0.2)
        return time.perf_counter() - started

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def rss_bytes(self) -> int:
        """Resident memory of the server and its child processes."""
        import psutil  # noqa: PLC0415 - a benchmark requirement (requirements-bench.txt), only when measuring

        try:
            root = psutil.Process(self.process.pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0
        total = 0
        for process in processes:
            try:
                total += process.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        return total

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server and its child processes."""
        import psutil  # noqa: PLC0415 - a benchmark requirement (requirements-bench.txt), only when measuring

        try:
            root = psutil.Process(self.process.pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0.0
        total = 0.0
        for process in processes:
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total

    def stop(self, keep_folder: bool = False) -> None:
        """End the process group (SIGTERM, then SIGKILL after 15 s) and remove the temporary folder."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)
            except ProcessLookupError:
                pass
        # children that outlived the leader still carry its group id
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.log_handle is not None:
            self.log_handle.close()
        if not keep_folder:
            shutil.rmtree(self.folder, ignore_errors=True)


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL it when the benchmark's process dies, however it dies (Linux)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _start(name: str, script: Path, cwd: Path, folder: Path, env: dict[str, str]) -> Server:
    port = free_port()
    log = open(folder / f"{name}.log", "w")  # closed by Server.stop
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               start_new_session=True, preexec_fn=_die_with_parent)
    server = Server(name, process, port, folder, log_handle=log)
    try:
        server.wait_healthy()
    except BaseException:
        print(server.log_tail(), file=sys.stderr)
        server.stop()
        raise
    server.started_s = time.perf_counter() - started
    return server


def our_entry_point(source: Path) -> Path:
    """``app.py`` (the ASGI entry point, which also serves the map's data and assets) when the checkout has one,
    else ``dashboard.py``."""
    app = source / "app.py"
    return app if app.exists() else source / "dashboard.py"


_MAKE_DATA = """
import shutil, sys
from pathlib import Path
from ecosystem.synthetic import synthetic_registry
from ecosystem.taxonomy import load_taxonomy
data, rows = Path(sys.argv[1]), int(sys.argv[2])
for name in ("taxonomy.csv", "programmes.csv"):
    shutil.copy(Path("data") / name, data / name)
synthetic_registry(rows, load_taxonomy(data / "taxonomy.csv")).to_csv(data / "initiatives.csv", index=False)
"""


def our_data_folder(source: Path, rows: int) -> Path:
    """A temporary folder whose ``data/`` holds the checkout's taxonomy and programmes and ``rows`` synthetic
    initiatives (made by the checkout's own ``ecosystem.synthetic``); the database goes beside it."""
    folder = Path(tempfile.mkdtemp(prefix=f"map-browser-ours-{rows}-"))
    (folder / "data").mkdir()
    try:
        subprocess.run([sys.executable, "-c", _MAKE_DATA, str(folder / "data"), str(rows)], cwd=source, check=True,
                       timeout=1800)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def our_environment(folder: Path, rows: int, database_url: str | None = None) -> dict[str, str]:
    """The environment of our server and commands on ``folder``: its data folder, and its database
    (``database_url``, else a SQLite file in the folder)."""
    env = dict(os.environ)
    env.update(
        ECOSYSTEM_DATA_DIR=str(folder / "data"),
        ECOSYSTEM_DATABASE_URL=database_url or f"sqlite:///{folder / 'registry.sqlite'}",
        ECOSYSTEM_TILES="none",
        ECOSYSTEM_REFERENCE_DIR=str(NUTS_DIR),
        ECOSYSTEM_MAX_ROWS=str(max(rows * 2, 200_000)),
        ECOSYSTEM_MAX_UPLOAD_MB=str(max(rows // 1000, 20)),
        PYTHONUNBUFFERED="1",
    )
    env.pop("ECOSYSTEM_DATABASE_READ_ONLY", None)
    return env


READY_LINE = "ready to serve"
"""What our server logs once it has readied a first view (``ecosystem.ui.cache.warm_up``, started by app.py)."""


def readies_first_view(source: Path) -> bool:
    """Whether the checkout's server readies a first view after starting (and logs ``READY_LINE`` when done)."""
    app = source / "app.py"
    return app.exists() and "warm_up" in app.read_text(encoding="utf-8")


def has_init_command(source: Path) -> bool:
    """Whether the checkout has ``python -m ecosystem init`` (it prepares the store before any page view)."""
    answer = subprocess.run([sys.executable, "-m", "ecosystem", "init", "--help"], cwd=source, capture_output=True,
                            text=True, timeout=300, check=False)
    return answer.returncode == 0


def run_init(source: Path, folder: Path, rows: int, timeout: float, database_url: str | None = None) -> float:
    """``python -m ecosystem init`` on the data folder (and ``database_url``, as ``our_environment``); its wall
    time in seconds."""
    started = time.perf_counter()
    with open(folder / "init.log", "w") as log:
        subprocess.run([sys.executable, "-m", "ecosystem", "init"], cwd=source,
                       env=our_environment(folder, rows, database_url),
                       stdout=log, stderr=subprocess.STDOUT, timeout=timeout, check=True, preexec_fn=_die_with_parent)
    return time.perf_counter() - started


def start_ours(source: Path, folder: Path, rows: int, database_url: str | None = None, name: str = "ours") -> Server:
    """Our dashboard on ``folder`` (from ``our_data_folder``) and ``database_url`` (as ``our_environment``), run from
    the checkout (its .streamlit config); its log is ``<name>.log`` in the folder."""
    return _start(name, our_entry_point(source), source, folder, our_environment(folder, rows, database_url))


def start_reference() -> Server:
    """The reference app of ../shared/bench/reference, run from a temporary folder (no project config)."""
    folder = Path(tempfile.mkdtemp(prefix="map-browser-reference-"))
    env = dict(os.environ, REFERENCE_LOG=str(folder / "reference.jsonl"), PYTHONUNBUFFERED="1")
    return _start("reference", REFERENCE_DIR / "app.py", folder, folder, env)


def export_commit(revision: str) -> Path:
    """The files of ``revision`` of this repository in a temporary folder (``git archive``: the checkout and its
    work tree are not touched), to benchmark a commit while others edit the work tree."""
    folder = Path(tempfile.mkdtemp(prefix="map-browser-source-"))
    try:
        archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", revision], check=True,
                                 capture_output=True, timeout=300).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True, timeout=300)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder
