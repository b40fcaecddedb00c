"""Time to a ready server on a large registry: ``python -m ecosystem init``, then the first page view after it.

For each size a synthetic registry of N rows (ids ``synthetic-…``) is written as the initiatives.csv of a
temporary data folder, with its own registry database; region boundaries come from ``ECOSYSTEM_REFERENCE_DIR``
(e.g. ``ECOSYSTEM_REFERENCE_DIR=../shared/reference/nuts``). Each step runs in a fresh process and is timed from
outside (interpreter start and imports included):

- ``init`` on the empty store: read, validate, place in regions, check locations, seed — its own lines say how long
  each step took;
- ``init`` again: nothing to do;
- ``load_served`` + the view of ``?country=LT`` (what ``load_view`` does; every page's view is built from it);
- through a running server (``streamlit run dashboard.py``, or ``app.py`` when there is one), a first visitor's
  Overview and then Coverage, from the rerun request to ``script_finished`` (as ``clear_cache_cost.py`` visits).

Targets (issue 10, on an idle 2-CPU machine): ``init`` of 100k rows ≤ 60 s, first page view ≤ 5 s. The figures
are printed, never asserted. Usage: ``python benchmarks/init_and_first_view.py [--sizes 10000 100000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from clear_cache_cost import REPO, free_port, visit  # the same server visits as that benchmark (sys.path: this folder)

sys.path.insert(0, str(REPO))  # run from a checkout, no install

from ecosystem.synthetic import synthetic_registry
from ecosystem.taxonomy import load_taxonomy
from ecosystem.view import read_programmes

TIMEOUT = 1800.0  # a safety net for a hung process only
TARGET_INIT_S, TARGET_VIEW_S = 60.0, 5.0
FIRST_VIEW = """
import json, time
started = time.perf_counter()
from ecosystem.filters import FilterState
from ecosystem.view import load_served
imported = time.perf_counter()
served = load_served()
loaded = time.perf_counter()
view = served.view(FilterState.from_query({"country": ["LT"]}, served.options), "en")
viewed = time.perf_counter()
print(json.dumps({"imports": imported - started, "load_served": loaded - imported, "view": viewed - loaded,
                  "rows": len(served.registry.initiatives), "filtered": len(view.filtered),
                  "notices": [notice.message.key for notice in served.notices]}))
"""


def environment(folder: Path) -> dict[str, str]:
    return {**os.environ, "ECOSYSTEM_DATA_DIR": str(folder / "data"), "ECOSYSTEM_STATE_DIR": str(folder / "state"),
            "ECOSYSTEM_TILES": "none", "PYTHONPATH": str(REPO)}


def timed(command: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Seconds a command takes, and what it said; exits when it fails."""
    started = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return seconds, result


def server_visits(env: dict[str, str]) -> tuple[float, float]:
    """A first visitor's Overview, then Coverage, on a server started on the initialised store."""
    script = "app.py" if (REPO / "app.py").exists() else "dashboard.py"
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_until_healthy(port)
        return visit(port, "overview"), visit(port, "coverage")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def wait_until_healthy(port: int) -> None:
    import urllib.request  # noqa: PLC0415 - only the server visits need it

    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as answer:
                if answer.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.2)
    sys.exit("the server did not start")


def verdict(seconds: float, target: float) -> str:
    return f"{seconds:.1f} s ({'within' if seconds <= target else 'OVER'} {target:.0f} s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--no-server", action="store_true", help="skip the visits through a running server")
    args = parser.parse_args()
    taxonomy = load_taxonomy(REPO / "data" / "taxonomy.csv")
    programmes = read_programmes(REPO / "data" / "programmes.csv")
    programme_ids = tuple(programmes["id"]) if not isinstance(programmes, Exception) else ()
    print(f"region boundaries: {os.environ.get('ECOSYSTEM_REFERENCE_DIR', '(default folder)')}; "
          f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}")
    for size in args.sizes:
        folder = Path(tempfile.mkdtemp(prefix="init-bench-"))
        try:
            (folder / "data").mkdir()
            for name in ("programmes.csv", "taxonomy.csv"):
                shutil.copy(REPO / "data" / name, folder / "data" / name)
            synthetic_registry(size, taxonomy, programmes=programme_ids).to_csv(folder / "data" / "initiatives.csv",
                                                                                 index=False)
            env = environment(folder)
            init_s, first = timed([sys.executable, "-m", "ecosystem", "init"], env)
            again_s, _ = timed([sys.executable, "-m", "ecosystem", "init"], env)
            view_s, viewed = timed([sys.executable, "-c", FIRST_VIEW], env)
            figures = json.loads(viewed.stdout.strip().splitlines()[-1])
            print(f"\n{size} rows")
            print(f"  init (fresh process, empty store):  {verdict(init_s, TARGET_INIT_S)}")
            for line in first.stderr.strip().splitlines():
                print(f"      {line}")
            print(f"  init again (nothing to do):         {again_s:.1f} s")
            print(f"  first load_served + view, fresh process: {verdict(view_s, TARGET_VIEW_S)} — imports "
                  f"{figures['imports']:.1f} s, load_served {figures['load_served']:.1f} s, view (country=LT) "
                  f"{figures['view']:.2f} s; {figures['rows']} rows, {figures['filtered']} selected; "
                  f"notices {figures['notices']}")
            if not args.no_server:
                overview, coverage = server_visits(env)
                print(f"  server, first visitor: Overview {verdict(overview, TARGET_VIEW_S)}, then Coverage "
                      f"{coverage:.1f} s")
        finally:
            shutil.rmtree(folder)


if __name__ == "__main__":
    main()
