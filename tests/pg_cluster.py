"""A throwaway PostgreSQL server for the tests: initdb into a folder, start on a free loopback port, stop.

``.ci/run`` starts one for the whole test run and exports its URL as ``ECOSYSTEM_TEST_POSTGRES_URL``; the tests
make a fresh database on it per test (``conftest.empty_database``). A test that stops PostgreSQL under a running
app starts a server of its own with ``start``. As root the server runs as the ``postgres`` user (PostgreSQL refuses
to run as root). It listens on 127.0.0.1 only, trusts local connections, and keeps its socket in its folder.

Command line, for ``.ci/run`` and for developers::

    python tests/pg_cluster.py start FOLDER   # prints the URL (postgresql://postgres@127.0.0.1:PORT/postgres)
    python tests/pg_cluster.py stop FOLDER
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Cluster", "find_bin_dir", "missing_postgres", "start", "stop"]

_SUPERUSER = "postgres"
_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "200",  # two app servers, their watchers, a test's own connections
    "fsync": "off",  # a test server: nothing must survive a crash of the machine, and commits are cheap
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "'64MB'",
}


def find_bin_dir() -> Path | None:
    """The folder of initdb and pg_ctl: ``ECOSYSTEM_TEST_POSTGRES_BIN``, Debian's newest version, or the PATH."""
    given = os.environ.get("ECOSYSTEM_TEST_POSTGRES_BIN")
    candidates = [Path(given)] if given else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda path: int(path.parent.name)
                         if path.parent.name.isdigit() else 0, reverse=True)
    found = shutil.which("pg_ctl")
    if found:
        candidates.append(Path(found).resolve().parent)
    return next((folder for folder in candidates if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file()),
                None)


def missing_postgres() -> str | None:
    """Why a PostgreSQL server cannot be started here, or None when it can."""
    if find_bin_dir() is None:
        return "PostgreSQL's initdb and pg_ctl are not installed (apt-get install postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(_SUPERUSER)
        except KeyError:
            return "running as root and there is no postgres user to run PostgreSQL as"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(command: list[str], folder: Path) -> None:
    """Run a PostgreSQL program, as the postgres user when we are root; its output in the error when it fails."""
    if os.geteuid() == 0:
        command = ["runuser", "-u", _SUPERUSER, "--", *command]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=300)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")


@dataclass(frozen=True)
class Cluster:
    """A running test server: its folder (data, socket, log) and port."""

    folder: Path
    port: int

    @property
    def url(self) -> str:
        """Its maintenance database as the superuser, over TCP on loopback."""
        return f"postgresql://{_SUPERUSER}@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        """Stop the server (fast shutdown: sessions are ended), keeping its data."""
        stop(self.folder)

    def start(self) -> None:
        """Start the stopped server again, on the same port and data."""
        _pg_ctl_start(self.folder)


def _data(folder: Path) -> Path:
    return folder / "data"


def _pg_ctl_start(folder: Path) -> None:
    bin_dir = find_bin_dir()
    assert bin_dir is not None
    _run([str(bin_dir / "pg_ctl"), "start", "--wait", "--timeout", "120", "-D", str(_data(folder)),
          "-l", str(folder / "server.log")], folder)


def start(folder: Path) -> Cluster:
    """A new server in ``folder`` (created; left to the caller to remove after ``stop``), started and ready."""
    reason = missing_postgres()
    if reason is not None:
        raise RuntimeError(reason)
    bin_dir = find_bin_dir()
    assert bin_dir is not None
    folder = folder.absolute()
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        user = pwd.getpwnam(_SUPERUSER)
        os.chown(folder, user.pw_uid, user.pw_gid)
    _run([str(bin_dir / "initdb"), "--no-sync", "--auth=trust", f"--username={_SUPERUSER}", "--encoding=UTF8",
          "--locale=C", "-D", str(_data(folder))], folder)
    port = _free_port()
    settings = {**_SETTINGS, "port": str(port), "unix_socket_directories": f"'{folder}'"}
    with (_data(folder) / "postgresql.conf").open("a", encoding="utf-8") as conf:
        conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
    _pg_ctl_start(folder)
    return Cluster(folder, port)


def stop(folder: Path) -> None:
    """Stop the server in ``folder`` if it runs (fast shutdown)."""
    bin_dir = find_bin_dir()
    data = _data(folder.absolute())
    if bin_dir is None or not (data / "postmaster.pid").exists():
        return
    _run([str(bin_dir / "pg_ctl"), "stop", "--wait", "--timeout", "120", "-m", "fast", "-D", str(data)], folder)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "start":
        print(start(Path(argv[1])).url)
    else:
        stop(Path(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
