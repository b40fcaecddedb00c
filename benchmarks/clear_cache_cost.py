"""What one anonymous ``clear_cache`` message costs the next visitors of a running server.

Starts ``streamlit run dashboard.py`` on a synthetic registry of N rows (ids ``synthetic-…``, in a temporary
data folder; region boundaries from ``ECOSYSTEM_REFERENCE_DIR`` when there), and times a page (default: the
Overview) for new visitors speaking Streamlit's websocket protocol — from the rerun request to the server's
``script_finished`` — first on a cold server, then warm, then right after a bare websocket client sent
``clear_cache``. Usage: ``python benchmarks/clear_cache_cost.py [--sizes 1000 10000 100000] [--page map]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run from a checkout, no install

from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ClientState_pb2 import ClientState  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from websockets.sync.client import connect  # noqa: E402

from ecosystem.synthetic import synthetic_registry  # noqa: E402
from ecosystem.taxonomy import load_taxonomy  # noqa: E402

TIMEOUT = 900.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(folder: Path, port: int) -> subprocess.Popen[bytes]:
    """``streamlit run dashboard.py`` on ``folder``'s data (its database set up by ``python -m ecosystem init``
    first, as the README does), once it answers its health check."""
    env = {**os.environ, "ECOSYSTEM_DATA_DIR": str(folder), "ECOSYSTEM_TILES": "none",
           "ECOSYSTEM_DATABASE_URL": f"sqlite:///{folder / 'registry.sqlite'}", "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-m", "ecosystem", "init"], cwd=REPO, env=env, check=True, timeout=TIMEOUT,
                   stdout=subprocess.DEVNULL)
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as answer:
                if answer.read().strip() == b"ok":
                    return server
        except OSError:
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGTERM)
    sys.exit("the server did not start")


def visit(port: int, page: str) -> float:
    """Seconds a new visitor waits for ``page`` (its script run, start to finish)."""
    with connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"], max_size=None,
                 open_timeout=TIMEOUT) as websocket:
        started = time.perf_counter()
        websocket.send(BackMsg(rerun_script=ClientState(page_name=page)).SerializeToString())
        while True:
            message = ForwardMsg.FromString(websocket.recv(timeout=TIMEOUT))
            if message.WhichOneof("type") == "script_finished":
                if message.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                    return time.perf_counter() - started
                if message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:  # the page's own rerun goes on
                    sys.exit(f"the page did not finish: {ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)}")
            if message.WhichOneof("type") == "delta" and message.delta.new_element.WhichOneof("type") == "exception":
                sys.exit(f"the page failed: {message.delta.new_element.exception.message}")


def clear_cache(port: int) -> None:
    """What any anonymous client can do: ``clear_cache``, then wait for the answer to a later heartbeat."""
    with connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"], open_timeout=TIMEOUT) as websocket:
        websocket.send(BackMsg(clear_cache=True).SerializeToString())
        websocket.send(BackMsg(app_heartbeat=True).SerializeToString())
        while not ForwardMsg.FromString(websocket.recv(timeout=TIMEOUT)).heartbeat_ack:
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--page", default="overview", help="the page's URL path (default: %(default)s)")
    args = parser.parse_args()
    taxonomy = load_taxonomy(REPO / "data" / "taxonomy.csv")
    print(f"page: {args.page}; region boundaries: {os.environ.get('ECOSYSTEM_REFERENCE_DIR', '(default folder)')}")
    print(f"{'rows':>7} | {'cold start s':>12} | {'warm s':>6} | {'after clear_cache s':>19} | {'warm again s':>12}")
    for size in args.sizes:
        folder = Path(tempfile.mkdtemp(prefix="clear-cache-bench-"))
        for name in ("programmes.csv", "taxonomy.csv"):
            shutil.copy(REPO / "data" / name, folder / name)
        synthetic_registry(size, taxonomy).to_csv(folder / "initiatives.csv", index=False)
        port = free_port()
        server = start_server(folder, port)
        try:
            cold = visit(port, args.page)
            warm = statistics.median(visit(port, args.page) for _ in range(3))
            clear_cache(port)
            cleared = visit(port, args.page)
            again = statistics.median(visit(port, args.page) for _ in range(3))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
            shutil.rmtree(folder)
        print(f"{size:>7} | {cold:>12.2f} | {warm:>6.2f} | {cleared:>19.2f} | {again:>12.2f}", flush=True)


if __name__ == "__main__":
    main()
