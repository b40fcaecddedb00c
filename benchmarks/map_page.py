"""Map page benchmark: the whole Streamlit run of the Map page — router, sidebar, view, page — at N synthetic rows,
run headless (AppTest, as ``tests/apptests.py`` runs the dashboard).

Prints, per size: the first run (it seeds the registry store from the CSV and fills the caches), a rerun with
warm caches, and a filter change (country = LT). Synthetic rows only (ids ``synthetic-…``), in a temporary data
folder. Usage: ``python benchmarks/map_page.py [--sizes 1000 10000 100000]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run from a checkout, no install

from streamlit.testing.v1 import AppTest  # noqa: E402

from ecosystem.synthetic import synthetic_registry  # noqa: E402
from ecosystem.taxonomy import load_taxonomy  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    args = parser.parse_args()
    taxonomy = load_taxonomy(REPO / "data" / "taxonomy.csv")
    print(f"{'rows':>7} | {'first run s':>11} | {'rerun s':>7} | {'filter change s':>15}")
    for size in args.sizes:
        folder = Path(tempfile.mkdtemp(prefix="map-page-bench-"))
        for name in ("programmes.csv", "taxonomy.csv"):
            shutil.copy(REPO / "data" / name, folder / name)
        synthetic_registry(size, taxonomy).to_csv(folder / "initiatives.csv", index=False)
        os.environ.update(ECOSYSTEM_DATA_DIR=str(folder), ECOSYSTEM_TILES="none")
        page = AppTest.from_file(str(REPO / "tests" / "dashboard_entry.py"), default_timeout=600)
        page.switch_page("../pages/map.py")
        started = time.perf_counter()
        page.run()
        first = time.perf_counter() - started
        reruns = []
        for _ in range(3):
            started = time.perf_counter()
            page.run()
            reruns.append(time.perf_counter() - started)
        page.sidebar.multiselect(key="f_countries").select("LT")
        started = time.perf_counter()
        page.run()
        change = time.perf_counter() - started
        if page.exception:
            sys.exit(f"the map page failed at {size} rows: {page.exception}")
        print(f"{size:>7} | {first:>11.2f} | {statistics.median(reruns):>7.2f} | {change:>15.2f}", flush=True)
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
