"""A throwaway nginx (Debian's) in front of app servers on this machine, configured as the deployment is.

The configuration is deploy/nginx/nginx.conf's — an upstream ``dashboard`` with ``ip_hash`` (one visitor, one app
server) and the websocket upgrade — with deploy/nginx/locations.conf included as it is, everything nginx writes kept
in one folder. Each answer carries the app server that gave it (``X-Upstream``), so a test or benchmark can tell
which server a visitor's address is sent to. Used by tests/browser/test_behind_proxy.py and
benchmarks/load_replicas.py.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LOCATIONS", "NGINX", "Proxy", "missing_nginx", "start"]

LOCATIONS = Path(__file__).resolve().parent.parent / "deploy" / "nginx" / "locations.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
START_SAFETY_NET_SECONDS = 60.0  # the wait ends when nginx answers; only a hung nginx uses this up


def missing_nginx() -> str | None:
    """Why nginx cannot be started here, or None when it can."""
    return None if Path(NGINX).is_file() else "nginx is missing (apt-get install nginx-light)"


def _config(folder: Path, port: int, upstreams: list[str]) -> Path:
    servers = "\n".join(f"        server {address};" for address in upstreams)
    config = folder / "nginx.conf"
    config.write_text(f"""
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} info;
events {{
    worker_connections 4096;
}}
http {{
    access_log {folder / "access.log"};
    client_body_temp_path {folder / "body"};
    proxy_temp_path {folder / "proxy"};
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      close;
    }}
    upstream dashboard {{
        ip_hash;
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        add_header X-Upstream $upstream_addr always;
        include {LOCATIONS};
    }}
}}
""", encoding="utf-8")
    return config


@dataclass
class Proxy:
    """A running nginx: its process (in its own process group), address and folder."""

    process: subprocess.Popen[bytes]
    port: int
    folder: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def error_log(self) -> str:
        try:
            return (self.folder / "error.log").read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)


def start(folder: Path, port: int, upstreams: list[str]) -> Proxy:
    """nginx on 127.0.0.1:``port`` in front of ``upstreams`` (``host:port``), its files in ``folder`` (created),
    once it answers ``/_stcore/health`` through an upstream; RuntimeError with its output when it does not."""
    reason = missing_nginx()
    if reason is not None:
        raise RuntimeError(reason)
    folder.mkdir(parents=True, exist_ok=True)
    config = _config(folder, port, upstreams)
    process = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(config), "-g", "daemon off;"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    proxy = Proxy(process, port, folder)
    deadline = time.monotonic() + START_SAFETY_NET_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            raise RuntimeError(f"nginx exited with {process.returncode}: {output}{proxy.error_log()}")
        try:
            with urllib.request.urlopen(f"{proxy.base_url}/_stcore/health", timeout=2) as answer:
                if answer.read().strip() == b"ok":
                    return proxy
        except OSError:
            time.sleep(0.2)
    proxy.stop()
    raise RuntimeError(f"nginx did not answer within {START_SAFETY_NET_SECONDS:.0f} s: {proxy.error_log()}")
