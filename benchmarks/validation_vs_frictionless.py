"""Validation benchmark: ``python -m ecosystem validate`` against ``frictionless validate`` on the same file.

Writes a synthetic registry of N rows (ids ``synthetic-…``; never mixed with real data) with the same planted
problems in both runs, gives frictionless an equivalent Table Schema (required fields, enums, patterns,
ranges, unique ids), times both commands as whole processes in alternation, and prints medians, the ratio,
and how many of the planted problems each one pinpoints by row and column.

Usage: ``pip install -r requirements-bench.txt && python benchmarks/validation_vs_frictionless.py [--rows 100000] [--runs 3]``
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, no install

from ecosystem.schema import REGISTRY_COLUMNS
from ecosystem.synthetic import synthetic_registry
from ecosystem.taxonomy import load_taxonomy

REPO = Path(__file__).resolve().parent.parent
PLANTED = [  # (row index, column, bad value)
    (10, "status", "finished"), (2000, "latitude", "95.5"), (3000, "start_year", "20x7"),
    (4000, "website", "javascript:alert(1)"), (5000, "actor_type", "initiativ"), (6000, "service_types", "transprot"),
    (7000, "id", "synthetic-000001"), (8000, "longitude", "abc"), (9000, "name", ""), (9500, "country", "XX"),
]


def table_schema(taxonomy) -> dict:  # type: ignore[no-untyped-def]
    """A frictionless Table Schema equivalent to the registry's column rules."""
    def codes_pattern(vocabulary: str) -> str:
        alternatives = "|".join(map(re.escape, taxonomy.codes(vocabulary)))
        return f"^$|^({alternatives})(;({alternatives}))*$"

    fields = []
    for column in REGISTRY_COLUMNS:
        field: dict = {"name": column, "type": "string", "constraints": {}}
        if column in ("id", "name", "actor_type", "partner", "source"):
            field["constraints"]["required"] = True
        if column == "id":
            field["constraints"]["unique"] = True
        if column in ("actor_type", "country", "status", "location_precision"):
            vocabulary = {"actor_type": "actor_type", "country": "country", "status": "status",
                          "location_precision": "location_precision"}[column]
            field["constraints"]["enum"] = taxonomy.codes(vocabulary) + ([""] if column != "actor_type" else [])
        if column in ("service_types", "target_groups"):
            field["constraints"]["pattern"] = codes_pattern(column[:-1].replace("types", "type").replace("groups", "group"))
        if column in ("latitude", "longitude"):
            limit = 90 if column == "latitude" else 180
            field.update(type="number", constraints={"minimum": -limit, "maximum": limit})
        if column in ("start_year", "end_year"):
            field.update(type="integer", constraints={"minimum": 1900, "maximum": 2100})
        if column == "website":
            field["constraints"]["pattern"] = r"^$|^https?://\S+$"
        fields.append(field)
    return {"fields": fields, "missingValues": [""]}


def timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd)
    return time.perf_counter() - started, result.stdout


def pinpointed_ours(output: str) -> int:
    found = {(problem["row"], problem["column"]) for problem in json.loads(output)}
    return sum((index + 2, column) in found for index, column, _ in PLANTED)


def pinpointed_frictionless(output: str) -> int:
    errors = json.loads(output)["tasks"][0]["errors"]
    found = {(error.get("rowNumber"), error.get("fieldName")) for error in errors}
    return sum((index + 2, column) in found for index, column, _ in PLANTED)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("frictionless") is None:
        sys.exit("frictionless is not installed: pip install -r requirements-bench.txt")
    taxonomy = load_taxonomy(REPO / "data" / "taxonomy.csv")
    work = Path(tempfile.mkdtemp(prefix="validation-bench-"))
    frame = synthetic_registry(args.rows, taxonomy)
    for index, column, value in PLANTED:
        frame.loc[index, column] = value
    data = work / "registry.csv"
    frame.to_csv(data, index=False)
    schema = work / "schema.json"
    schema.write_text(json.dumps(table_schema(taxonomy)), encoding="utf-8")
    env = {**os.environ, "ECOSYSTEM_REFERENCE_DIR": str(work / "none"), "PYTHONPATH": str(REPO),
           "ECOSYSTEM_MAX_UPLOAD_MB": "200", "ECOSYSTEM_MAX_ROWS": str(max(args.rows, 200_000))}
    ours_cmd = [sys.executable, "-m", "ecosystem", "validate", str(data), "--json"]
    theirs_cmd = ["frictionless", "validate", "--schema", schema.name, "--json", data.name]  # it wants relative paths
    ours_times, theirs_times = [], []
    for _ in range(args.runs):
        seconds, ours_out = timed(ours_cmd, env, REPO)
        ours_times.append(seconds)
        seconds, theirs_out = timed(theirs_cmd, env, work)
        theirs_times.append(seconds)
    ours, theirs = statistics.median(ours_times), statistics.median(theirs_times)
    print(f"rows: {args.rows:,}, runs: {args.runs} (alternating), file: {data.stat().st_size / 1e6:.1f} MB")
    print(f"ours        median {ours:6.2f} s  (min {min(ours_times):.2f}, max {max(ours_times):.2f})"
          f"  planted problems pinpointed by row+column: {pinpointed_ours(ours_out)}/{len(PLANTED)}")
    print(f"frictionless median {theirs:6.2f} s  (min {min(theirs_times):.2f}, max {max(theirs_times):.2f})"
          f"  planted problems pinpointed by row+column: {pinpointed_frictionless(theirs_out)}/{len(PLANTED)}")
    print(f"ratio frictionless / ours: {theirs / ours:.2f}x")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
