"""Slide-picture benchmark: chart PNG, browser map PNG and matplotlib map PNG, cold and warm, with peak memory.

For each size a synthetic registry (ids ``synthetic-…``, never mixed with real data) is drawn three ways at the
default slide size (1600×900 CSS px, scale 2 → 3200×1800 px):

- chart: the coverage heatmap (``charts.service_target_heatmap``) through ``pictures.render_chart``;
- map: our compact map (``maps.map_layers``, no tiles, assets inlined) through ``pictures.render_map_png``, with
  every point drawn and grouped (``cluster=True``, as the Map page's switch exports it);
- fallback: the same map through ``pictures.static_map_picture`` (geopandas + matplotlib, no browser);
- deck: the whole briefing deck export (``exports.deck_file``: its map picture, native charts, tables, notes).

Cold is the first call with the browsers closed (their start included; the fallback's first cold call includes
importing matplotlib); warm is the median of ``--repeat`` further calls. Peak memory is the largest summed RSS of
this process and all its descendants (both Chromiums included): the sum of their proportional set sizes (PSS, shared
pages split between the processes sharing them), sampled every 50 ms from /proc.
Targets on the 2-core reference machine: warm chart ≤ 0.5 s, map PNG ≤ 3 s and deck ≤ 8 s at 10,000 points.
Usage: ``python benchmarks/export_pictures.py [--sizes 1000 10000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, no install

import pandas as pd

from ecosystem.assets import assets_installed, inline_assets_html, install_assets
from ecosystem.charts import service_target_heatmap
from ecosystem.coverage import service_target_matrix
from ecosystem.exports import deck_file
from ecosystem.filters import FilterState
from ecosystem.maps import build_map, map_layers
from ecosystem.pictures import close_browsers, map_shape_count, render_chart, render_map_png, static_map_picture
from ecosystem.registry import PROGRAMME_COLUMNS, Registry, typed_registry
from ecosystem.schema import PROBLEM_COLUMNS
from ecosystem.synthetic import SYNTHETIC_SOURCE, synthetic_registry
from ecosystem.taxonomy import load_taxonomy
from ecosystem.view import View

DATA = Path(__file__).resolve().parent.parent / "data"


def _pss(pid: int) -> int:
    """Proportional set size of one process in bytes (0 once it has ended)."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) * 1024 for line in rollup.splitlines() if line.startswith("Pss:")), 0)


def tree_memory(root: int) -> int:
    """Summed proportional set size in bytes of ``root`` and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
            except OSError:
                continue  # the process ended while being read
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        total += _pss(pid)
        pending.extend(children.get(pid, []))
    return total


class PeakMemory:
    """A background sampler of ``tree_memory`` of this process; ``take()`` returns the peak since the last take."""

    def __init__(self, interval: float = 0.05) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, args=(interval,), daemon=True)
        self._thread.start()

    def _sample(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self.peak = max(self.peak, tree_memory(os.getpid()))

    def take(self) -> int:
        peak, self.peak = self.peak, 0
        return peak

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def cold_and_warm(draw: Callable[[], bytes], repeat: int) -> tuple[float, float]:
    """Seconds of the first call and median seconds of ``repeat`` further calls."""
    times = []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        draw()
        times.append(time.perf_counter() - start)
    return times[0], statistics.median(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not assets_installed():
        install_assets()
    taxonomy = load_taxonomy(DATA / "taxonomy.csv")
    services, targets = taxonomy.codes("service_type"), taxonomy.codes("target_group")
    memory = PeakMemory()
    print(f"synthetic rows ({SYNTHETIC_SOURCE}), 1600×900 CSS px at scale 2; seconds, MB")
    print(f"{'rows':>6} | {'chart cold':>10} {'warm':>5} | {'map cold':>8} {'warm':>5} {'page MB':>7} | "
          f"{'grouped cold':>12} {'warm':>5} | "
          f"{'fallback cold':>13} {'warm':>5} | {'deck cold':>9} {'warm':>5} | {'peak MB':>7}")
    try:
        for size in args.sizes:
            frame = typed_registry(synthetic_registry(size, taxonomy))
            close_browsers()
            memory.take()
            fig = service_target_heatmap(service_target_matrix(frame, services, targets), taxonomy, "en",
                                         footnote=SYNTHETIC_SOURCE)
            chart = cold_and_warm(lambda fig=fig: render_chart(fig), args.repeat)
            html, grouped_html = (inline_assets_html(build_map(map_layers(frame, taxonomy, "en", {}, tiles=None,
                                                                          cluster=cluster)).get_root().render())
                                  for cluster in (False, True))
            shapes = map_shape_count(frame)
            browser_map = cold_and_warm(lambda html=html, shapes=shapes: render_map_png(html, expected_shapes=shapes),
                                        args.repeat)
            grouped_map = cold_and_warm(lambda html=grouped_html, shapes=shapes: render_map_png(html, expected_shapes=shapes),
                                        args.repeat)
            fallback = cold_and_warm(lambda frame=frame: static_map_picture(frame, taxonomy, "en"), args.repeat)
            registry = Registry(frame, pd.DataFrame(columns=PROGRAMME_COLUMNS), "bench", "2026-11-26",
                                pd.DataFrame(columns=PROBLEM_COLUMNS))
            view = View(taxonomy, registry, None, {}, FilterState(), frame, "en")
            close_browsers()
            deck = cold_and_warm(lambda view=view: deck_file(view).data, args.repeat)
            peak = memory.take()
            print(f"{size:>6} | {chart[0]:>10.2f} {chart[1]:>5.2f} | {browser_map[0]:>8.2f} {browser_map[1]:>5.2f} "
                  f"{len(html.encode()) / 1e6:>7.2f} | {grouped_map[0]:>12.2f} {grouped_map[1]:>5.2f} | "
                  f"{fallback[0]:>13.2f} {fallback[1]:>5.2f} | "
                  f"{deck[0]:>9.2f} {deck[1]:>5.2f} | {peak / 1e6:>7.0f}",
                  flush=True)
    finally:
        close_browsers()
        memory.stop()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e3
    print(f"getrusage max RSS: this process {own:.0f} MB, largest ended child {children:.0f} MB")


if __name__ == "__main__":
    main()
