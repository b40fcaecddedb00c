"""benchmarks/map_browser.py imports without a browser or server, and its command line and table hold together
(the benchmark itself is run by hand: it starts servers and Chromium and takes minutes)."""

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "map_browser.py"


@pytest.fixture(scope="module")
def map_browser():
    spec = importlib.util.spec_from_file_location("map_browser", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["map_browser"] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("map_browser", None)


def test_help_exits_cleanly(map_browser, capsys):
    with pytest.raises(SystemExit) as stopped:
        map_browser.parse_args(["--help"])
    assert stopped.value.code == 0
    assert "--sessions" in capsys.readouterr().out


def test_defaults_and_options(map_browser):
    args = map_browser.parse_args([])
    assert (args.sizes, args.runs, args.sessions, args.changes) == ([10_000, 100_000], 3, [10, 30], 20)
    args = map_browser.parse_args(["--sizes", "1000000", "--runs", "1", "--sessions", "--commit", "HEAD"])
    assert (args.sizes, args.runs, args.sessions, args.commit) == ([1_000_000], 1, [], "HEAD")


@pytest.mark.parametrize("arguments", [["--runs", "0"], ["--sizes", "-5"], ["--commit", "HEAD", "--source", "."]])
def test_refuses_bad_arguments(map_browser, arguments):
    with pytest.raises(SystemExit) as stopped:
        map_browser.parse_args(arguments)
    assert stopped.value.code == 2


def test_table_gives_ratio_and_target(map_browser):
    results = {
        "changes": 20, "session_rows": 10_000,
        "sizes": {"100000": {"ours": {"open_s": 2.0, "signal": ["eco"]}, "reference": {"open_s": 4.0}}},
        "sessions": {"30": {"ours": {"drawn": 30, "p95_s": 20.0, "dropped": 0}, "reference": {"drawn": 30}}},
    }
    lines = map_browser.table(results).splitlines()
    opened = next(line for line in lines if "open → drawn" in line)
    assert [cell.strip() for cell in opened.split("|")][2:] == ["2.00", "4.00", "0.500", "≤ 2.5, ≤ ref", "yes"]
    p95 = next(line for line in lines if "p95" in line)
    assert p95.rstrip().endswith("NO")
    assert map_browser.nearest_rank([1.0, 2.0, 3.0, float("inf")], 0.5) == 2.0
