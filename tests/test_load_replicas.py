"""benchmarks/load_replicas.py: its command line, figures and table; commits made in turn through two app servers'
stores and the command line leave every version and row exactly once (SQLite and PostgreSQL); and the whole
benchmark at a tiny size, through nginx in front of real servers on a PostgreSQL of its own."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from conftest import copy_seed_data, initialise_store, skip_or_fail

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "load_replicas.py"


@pytest.fixture(scope="module")
def load_replicas() -> Iterator[ModuleType]:
    spec = importlib.util.spec_from_file_location("load_replicas", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["load_replicas"] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("load_replicas", None)


def test_defaults_and_refusals(load_replicas: ModuleType) -> None:
    args = load_replicas.parse_args([])
    assert (args.rows, args.sessions, args.rounds, args.visibility_commits, args.commits) == (10_000, [10, 30], 2, 5, 50)
    for wrong in (["--commits", "0"], ["--sessions", "10", "0"], ["--rows", "-1"]):
        with pytest.raises(SystemExit) as stopped:
            load_replicas.parse_args(wrong)
        assert stopped.value.code == 2


def test_figures_and_table(load_replicas: ModuleType) -> None:
    page = load_replicas.PageTime
    pages = [page("overview", 0.0, 1.0, []), page("map", 1.0, 3.0, []), page("filter", 3.0, 3.5, ["ERROR: no"]),
             page("coverage", 0.5, 4.5, [])]
    figures = load_replicas.load_figures(pages)
    assert figures["pages_per_s"] == pytest.approx(4 / 4.5)
    assert (figures["median_s"], figures["p95_s"], figures["pages_with_problems"]) == (1.5, 4.0, 1)
    assert load_replicas.nearest_rank([float(n) for n in range(1, 41)], 0.95) == 38.0

    def load(pages_per_s: float, p95_s: float) -> dict[str, float]:
        return {"pages_per_s": pages_per_s, "median_s": 1.0, "p95_s": p95_s, "pages_with_problems": 0}

    commits = {"commits": 50, "made_by": {"replica-a": 17, "replica-b": 17, "command line": 16},
               "planned_again": {"replica-a": 2, "replica-b": 1, "command line": 0}, "seconds": 60.0,
               "versions_missing": [], "versions_unexpected": [], "versions_claimed_twice": [],
               "versions_not_one_added_row": [], "rows_lost": [], "rows_doubled": ["load-commit-7"], "checksums_wrong": []}
    results = {"load": {"1x10": load(2.0, 4.0), "2x10": load(3.2, 4.0), "1x30": load(2.0, 9.0), "2x30": load(2.4, 8.0)},
               "visibility": {"watchers": 4, "commits": 5, "median_s": 1.5, "max_s": 5.5}, "consistency": commits}
    lines = load_replicas.table(results).splitlines()
    throughput = [line for line in lines if "pages/s" in line]
    assert [cell.strip() for cell in throughput[0].split("|")[1:-1]] == ["10", "pages/s", "2.00", "3.20", "1.60", "≥ 1.5 yes"]
    assert throughput[1].endswith("≥ 1.5 NO |")
    assert any("median 1.50 s, max 5.50 s" in line and line.endswith("NO)") for line in lines)
    assert any("0 lost, 1 duplicated" in line and line.endswith("NO)") for line in lines)
    assert not load_replicas.consistent(commits)


@pytest.fixture()
def seeded_store(empty_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The seed registry in an empty database of each kind, configured as a server's (no boundaries)."""
    data = copy_seed_data(tmp_path / "data")
    monkeypatch.setenv("ECOSYSTEM_DATA_DIR", str(data))
    monkeypatch.setenv("ECOSYSTEM_DATABASE_URL", empty_database)
    monkeypatch.setenv("ECOSYSTEM_REFERENCE_DIR", str(tmp_path / "none"))
    initialise_store()
    return empty_database


def test_commits_in_turn_through_two_stores_and_the_command_line_lose_and_double_nothing(
        load_replicas: ModuleType, seeded_store: str, tmp_path: Path) -> None:
    figures = load_replicas.alternating_commits(seeded_store, dict(os.environ), tmp_path, commits=9)  # the fixture's
    assert load_replicas.consistent(figures), figures
    assert figures["first_version"] == 1 and figures["final_version"] == 10
    assert figures["made_by"] == {"replica-a": 3, "replica-b": 3, "command line": 3}
    assert figures["planned_again"] == {"replica-a": 0, "replica-b": 0, "command line": 0}  # nobody else commits


def test_the_consistency_check_sees_what_is_lost_or_doubled(load_replicas: ModuleType, seeded_store: str,
                                                            tmp_path: Path) -> None:
    figures = load_replicas.alternating_commits(seeded_store, dict(os.environ), tmp_path, commits=2)
    writers = [load_replicas.Writer("replica-a", lambda path: None, made={2: "a", 3: "b"}),
               load_replicas.Writer("command line", lambda path: None, made={3: "c"})]
    checked = load_replicas.consistency(seeded_store, 1, writers, ["a", "b", "c"])
    assert checked["versions_claimed_twice"] == [3]
    assert checked["rows_lost"] == ["a", "b", "c"]  # these ids were never committed
    assert checked["versions_missing"] == [4]
    assert not load_replicas.consistent(checked) and load_replicas.consistent(figures)


@pytest.mark.browser  # starts Streamlit servers, nginx and PostgreSQL
def test_the_benchmark_runs_at_a_tiny_size(load_replicas: ModuleType, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    import nginx_proxy  # noqa: PLC0415 - only this test needs nginx and PostgreSQL
    import pg_cluster  # noqa: PLC0415 - as above

    missing = pg_cluster.missing_postgres() or nginx_proxy.missing_nginx()
    if missing:
        skip_or_fail(missing)
    before = dict(os.environ)
    code = load_replicas.main(["--rows", "300", "--sessions", "2", "--rounds", "1", "--visibility-commits", "1",
                               "--commits", "3", "--out", str(tmp_path)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert dict(os.environ) == before  # nothing of the run's configuration is left to later tests
    results = json.loads(next(tmp_path.glob("load_replicas-*.json")).read_text(encoding="utf-8"))
    for servers in (1, 2):
        figures = results["load"][f"{servers}x2"]
        assert figures["pages"] == 2 * 4 and figures["pages_with_problems"] == 0, figures
        assert sorted(figures["sessions_per_server"].values()) == ([2] if servers == 1 else [1, 1])
    assert results["visibility"]["watchers"] == 4 and len(results["visibility"]["seconds"]) == 4
    assert results["consistency"]["made_by"] == {"replica-a": 1, "replica-b": 1, "command line": 1}
    assert "| 2 | pages/s |" in printed and "0 lost, 0 duplicated" in printed
