"""Map build benchmark: our compact map against a naive one-``folium.Marker``-per-row map, same run.

Generates a synthetic registry (ids ``synthetic-…``, never mixed with real data), then for each size prints
the Python build time (layers + full HTML render) and the page bytes per point of both approaches, and the
ratios. Usage: ``python benchmarks/map_build.py [--sizes 1000 10000 100000] [--naive-max 10000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import folium

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, no install

from ecosystem.maps import build_map, map_layers
from ecosystem.registry import typed_registry
from ecosystem.synthetic import synthetic_registry
from ecosystem.taxonomy import load_taxonomy

DATA = Path(__file__).resolve().parent.parent / "data"


def ours(frame, taxonomy) -> str:
    layers = map_layers(frame, taxonomy, "en", {}, tiles=None, show_organisations=True)
    return build_map(layers).get_root().render()


def naive(frame, taxonomy) -> str:
    m = folium.Map(location=[58, 20], zoom_start=5, tiles=None)
    colours = taxonomy.colours("service_type")
    for row in frame.itertuples(index=False):
        first = row.service_types.split(";")[0]
        folium.Marker([row.latitude, row.longitude], popup=folium.Popup(row.name), tooltip=row.name,
                      icon=folium.Icon(color="blue", icon_color=colours.get(first, "#777"))).add_to(m)
    return m.get_root().render()


def timed(build, frame, taxonomy, repeat: int) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        html = build(frame, taxonomy)
        times.append(time.perf_counter() - start)
        size = len(html.encode("utf-8"))
    return statistics.median(times), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--naive-max", type=int, default=10000, help="largest size the naive map is built for")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    taxonomy = load_taxonomy(DATA / "taxonomy.csv")
    empty = typed_registry(synthetic_registry(0, taxonomy))
    _, base_bytes = timed(ours, empty, taxonomy, 1)
    print(f"{'rows':>7} | {'ours s':>7} {'ours B/pt':>9} | {'naive s':>8} {'naive B/pt':>10} | "
          f"{'time ratio':>10} {'bytes ratio':>11}")
    for size in args.sizes:
        frame = typed_registry(synthetic_registry(size, taxonomy))
        ours_s, ours_bytes = timed(ours, frame, taxonomy, args.repeat)
        line = f"{size:>7} | {ours_s:>7.3f} {(ours_bytes - base_bytes) / size:>9.1f} |"
        if size <= args.naive_max:
            naive_s, naive_bytes = timed(naive, frame, taxonomy, 1)
            line += (f" {naive_s:>8.3f} {(naive_bytes - base_bytes) / size:>10.1f} | {naive_s / ours_s:>9.1f}x"
                     f" {(naive_bytes - base_bytes) / max(ours_bytes - base_bytes, 1):>10.1f}x")
        else:
            line += f" {'skipped':>8} {'':>10} | {'':>10} {'':>11}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
