"""One and two app servers on one PostgreSQL behind nginx, driven by visitors speaking Streamlit's websocket protocol.

Set-up: a PostgreSQL server of its own (tests/pg_cluster.py), a data folder of ``--rows`` synthetic initiatives
(``ecosystem.synthetic``) seeded into it by ``python -m ecosystem init``, two ``streamlit run app.py`` servers on it
(benchmarks/bench_servers.py) and nginx configured as the deployment is (tests/nginx_proxy.py: deploy/nginx's
``ip_hash`` upstream and locations.conf), once in front of one server and once in front of both. Before timing, each
server has drawn every page once (its caches warm). Then:

- Load. For each ``--sessions`` N, with one server and with two: N visitors (tests/streamlit_session.py, one thread
  each) open the dashboard together through nginx and, ``--rounds`` times, go Overview → Map → Coverage → change the
  country filter (Lithuania on, then off). A page's time runs from the message that asks for it to the end of the
  script run that answers it (what the server's work costs; the browser's drawing is not in it). Pages per second
  over the whole test (first request to last answer), median and p95 page time, pages that showed an error. nginx
  keeps each visitor address on one server (``ip_hash``), so visitors come from different loopback addresses,
  picked so that the two servers get half of them each.
- Commit visibility. Visitors on the Overview of each server (through nginx); ``python -m ecosystem import`` of one
  more initiative, ``--visibility-commits`` times: from the moment the command says "imported as version N" to each
  visitor's page run that counts the new initiative; median and largest.
- Consistency. ``--commits`` commits of one new initiative each, made in turn by three writers while the visitors
  of both servers watch: two as the app servers' Upload page makes them (each writer its own open store, as each
  server has, ``plan_import`` then ``commit_plan``) and the command line (``python -m ecosystem import``). A commit
  refused because another landed first ("the registry changed since you started") would be planned again, as a
  partner would review again, and counted. Then: versions that are missing or doubled, added rows lost or doubled,
  every version's checksum recomputed from its stored rows, and the time from the last commit until the visitors
  of both servers count every new row. (Two commits racing from one base are
  tests/test_store.py's.)

Usage::

    python benchmarks/load_replicas.py [--rows 10000] [--sessions 10 30] [--rounds 2] [--visibility-commits 5]
                                       [--commits 50] [--out benchmarks/out]

Prints a table with the ratio two servers / one server and the issue's targets, and writes the figures to
``benchmarks/out/load_replicas-<time>.json``. At the defaults a run takes about 10 minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(Path(__file__).resolve().parent)]  # run as a script

import bench_servers as servers  # noqa: E402
import sqlalchemy  # noqa: E402

import nginx_proxy  # noqa: E402
import pg_cluster  # noqa: E402
from ecosystem.auth import Account  # noqa: E402
from ecosystem.imports import commit_plan, plan_import  # noqa: E402
from ecosystem.store import StaleVersionError, open_store  # noqa: E402
from ecosystem.synthetic import SYNTHETIC_SOURCE  # noqa: E402
from ecosystem.view import Inputs, load_inputs  # noqa: E402
from streamlit_session import Run, Session  # noqa: E402

OUT_DIR = REPO / "benchmarks" / "out"
PAGES = ("overview", "map", "coverage")
FILTER_KEY, FILTER_LABEL = "f_countries", "Lithuania"  # the filter a visitor changes: this country on, then off
PARTNER = "synthetic"  # the synthetic rows' partner: the commits add rows of theirs
NEW_ROW_POINT = ("LT", "54.68720", "25.27970")  # Vilnius: inside its country and NUTS-3 region
WATCHERS_PER_SERVER = 2
TARGETS = {"visible_median_s": 2.0, "visible_max_s": 5.0, "throughput_ratio": 1.5}
STALE = "changed since you started"


# ---------------------------------------------------------------------------------------------------------- figures

def nearest_rank(values: list[float], fraction: float) -> float:
    """The ``fraction`` quantile of ``values`` by the nearest-rank rule (p95 of 40 values: the 38th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass
class PageTime:
    kind: str  # overview, map, coverage, filter
    started: float  # time.monotonic()
    finished: float
    problems: list[str]  # errors and exceptions the page showed

    @property
    def seconds(self) -> float:
        return self.finished - self.started


def load_figures(pages: list[PageTime]) -> dict[str, object]:
    """Pages per second over the test, median and p95 page time (all pages, and by kind), pages with problems."""
    times = [page.seconds for page in pages]
    wall = max(page.finished for page in pages) - min(page.started for page in pages)
    by_kind = {kind: [page.seconds for page in pages if page.kind == kind] for kind in (*PAGES, "filter")}
    return {
        "pages": len(pages), "wall_s": wall, "pages_per_s": len(pages) / wall,
        "median_s": statistics.median(times), "p95_s": nearest_rank(times, 0.95),
        "median_by_kind_s": {kind: statistics.median(values) for kind, values in by_kind.items() if values},
        "pages_with_problems": sum(1 for page in pages if page.problems),
        "problems": sorted({problem for page in pages for problem in page.problems})[:10],
    }


# --------------------------------------------------------------------------------------------------------- visitors

def page_problems(run: Run) -> list[str]:
    return [*run.exceptions, *run.errors()]


def visit(base_url: str, address: str, rounds: int, start: threading.Barrier) -> list[PageTime]:
    """One visitor: opens the Overview, then ``rounds`` times Overview → Map → Coverage → the country filter changed
    (on, then off, then on …); each page's time."""
    pages: list[PageTime] = []

    def answered(kind: str, started: float, run: Run) -> None:
        pages.append(PageTime(kind, started, run.finished_at, page_problems(run)))

    start.wait()
    started = time.monotonic()
    session = Session(base_url, "overview", source_address=address)
    try:
        answered("overview", started, session.next_run())
        for number in range(rounds):
            for page in PAGES[1:] if number == 0 else PAGES:
                started = time.monotonic()
                session.open(page)
                answered(page, started, session.next_run())
            started = time.monotonic()
            session.choose(FILTER_KEY, [FILTER_LABEL] if number % 2 == 0 else [])
            answered("filter", started, session.next_run())
    finally:
        session.close()
    return pages


def upstream_of(base_url: str, address: str) -> str:
    """The app server nginx sends a visitor from ``address`` to (its ``X-Upstream``)."""
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30, source_address=(address, 0))
    try:
        connection.request("GET", "/_stcore/health")
        answer = connection.getresponse()
        answer.read()
        return answer.getheader("X-Upstream", "")
    finally:
        connection.close()


def addresses_spread(base_url: str, upstreams: list[str], count: int) -> list[str]:
    """``count`` loopback addresses that nginx's ``ip_hash`` (first three bytes of the address) spreads evenly over
    ``upstreams`` (the first ``count % len`` upstreams get one more)."""
    wanted = {upstream: count // len(upstreams) + (n < count % len(upstreams)) for n, upstream in enumerate(upstreams)}
    chosen: list[str] = []
    for third in range(1, 255):
        address = f"127.0.{third}.1"
        upstream = upstream_of(base_url, address)
        if wanted.get(upstream, 0) > 0:
            wanted[upstream] -= 1
            chosen.append(address)
            if len(chosen) == count:
                return chosen
    raise RuntimeError(f"nginx sent too few of 254 addresses to each of {upstreams}; still wanted: {wanted}")


def drive(base_url: str, addresses: list[str], rounds: int) -> list[PageTime]:
    """All visitors at once, one thread each; every page they asked for."""
    start = threading.Barrier(len(addresses))
    with ThreadPoolExecutor(len(addresses)) as pool:
        visits = [pool.submit(visit, base_url, address, rounds, start) for address in addresses]
        return [page for done in visits for page in done.result()]


# ------------------------------------------------------------------------------------------------------------ commits

def new_rows_file(folder: Path, ids: list[str]) -> Path:
    """A partner file of new initiatives with ``ids`` (the synthetic partner's), at one known point."""
    country, latitude, longitude = NEW_ROW_POINT
    header = "id,name,actor_type,country,latitude,longitude,location_precision,service_types,target_groups,status,partner,source"
    lines = [f"{row},Load test {row},initiative,{country},{latitude},{longitude},settlement,social_support,older_people,"
             f"active,{PARTNER},{SYNTHETIC_SOURCE}" for row in ids]
    path = folder / f"{ids[0]}.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def cli_import(env: dict[str, str], path: Path) -> tuple[int, float] | None:
    """``python -m ecosystem import`` of ``path``: the version made and the moment it said so (time.monotonic()), or
    None when refused because another commit landed first; RuntimeError for any other outcome."""
    command = [sys.executable, "-m", "ecosystem", "import", str(path), "--partner", PARTNER]
    with subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as done:
        assert done.stdout is not None and done.stderr is not None
        said: list[str] = []
        made: tuple[int, float] | None = None
        for line in done.stdout:
            if line.startswith("imported as version "):
                made = (int(line.split()[3]), time.monotonic())
            said.append(line)
        refused = done.stderr.read()
    if made is not None and done.returncode == 0:
        return made
    if done.returncode == 2 and STALE in refused:
        return None
    raise RuntimeError(f"import exited with {done.returncode}:\n{''.join(said)}{refused}")


@dataclass
class Writer:
    """One of the consistency test's writers: what it made, and how often it had to plan again."""

    name: str
    commit: Callable[[Path], tuple[int, float] | None]
    """a file of new rows → the version made and when (time.monotonic()), None when another commit landed first"""
    made: dict[int, str] = field(default_factory=dict)  # version → the row it added
    retries: int = 0
    last_at: float = 0.0

    def make(self, path: Path, row: str) -> None:
        while True:
            made = self.commit(path)
            if made is not None:
                self.made[made[0]] = row
                self.last_at = made[1]
                return
            self.retries += 1


def store_writer(name: str, url: str, inputs: Inputs) -> tuple[Writer, Callable[[], None]]:
    """A writer committing as an app server's Upload page does, through its own open store; and how to close it."""
    store = open_store(url, create=False)
    account = Account(username=name, role="partner", partner=PARTNER)

    def commit(path: Path) -> tuple[int, float] | None:
        plan = plan_import(path.read_bytes(), path.name, store=store, account=account, context=inputs.context)
        if not plan.importable:
            raise RuntimeError(f"{name}: {path.name} cannot be imported:\n{plan.problems.to_string()}")
        try:
            return commit_plan(plan, store, account, inputs.derivation), time.monotonic()
        except StaleVersionError:
            return None

    return Writer(name, commit), store.close


def cli_writer(env: dict[str, str]) -> Writer:
    return Writer("command line", lambda path: cli_import(env, path))


def alternating_commits(url: str, env: dict[str, str], folder: Path, commits: int) -> dict[str, object]:
    """``commits`` commits of one new row each made in turn by two store writers and the command line (each
    planned from the version the one before made); then what the store holds: versions and rows lost or doubled,
    checksums that do not match.

    The store writers read the data folder and boundaries of this process's environment (as a server does)."""
    inputs = load_inputs()
    with open_store(url, create=False) as store:
        first = store.current_version()
    stamp = datetime.datetime.now().strftime("%H%M%S%f")
    rows = [f"load-commit-{stamp}-{number:03d}" for number in range(commits)]
    files = {row: new_rows_file(folder, [row]) for row in rows}
    with ExitStack() as closing:
        writers = []
        for name in ("replica-a", "replica-b"):
            writer, close = store_writer(name, url, inputs)
            closing.callback(close)
            writers.append(writer)
        writers.append(cli_writer(env))
        started = time.monotonic()
        for number, row in enumerate(rows):
            writers[number % len(writers)].make(files[row], row)
        seconds = time.monotonic() - started
    return {"seconds": seconds, "first_version": first, "last_commit_at": max(writer.last_at for writer in writers),
            **consistency(url, first, writers, rows)}


def consistency(url: str, first: int, writers: list[Writer], rows: list[str]) -> dict[str, object]:
    """What the store holds after the writers' commits on top of version ``first``."""
    made: dict[int, list[str]] = {}
    for writer in writers:
        for version, row in writer.made.items():
            made.setdefault(version, []).append(row)
    with open_store(url, create=False) as store:
        versions = store.versions().set_index("version")
        recorded = versions["checksum"].to_dict()
        recomputed = store.recomputed_checksums()
        final = store.read()
    new_versions = [int(version) for version in versions.index if version > first]
    expected = list(range(first + 1, first + len(rows) + 1))
    counts = final["id"].value_counts()
    new = versions.loc[new_versions]
    not_one_added_row = new.index[(new["added"] != 1) | (new["changed"] != 0) | (new["removed"] != 0)]
    return {
        "commits": len(rows),
        "made_by": {writer.name: len(writer.made) for writer in writers},
        "planned_again": {writer.name: writer.retries for writer in writers},
        "versions_missing": sorted(set(expected) - set(new_versions)),
        "versions_unexpected": sorted(set(new_versions) - set(expected)),
        "versions_claimed_twice": sorted(version for version, claims in made.items() if len(claims) > 1),
        "versions_not_one_added_row": sorted(int(version) for version in not_one_added_row),
        "rows_lost": sorted(row for row in rows if row not in counts.index),
        "rows_doubled": sorted(row for row in rows if counts.get(row, 0) > 1),
        "checksums_wrong": sorted(int(v) for v, checksum in recorded.items() if recomputed.get(int(v)) != checksum),
        "final_version": max(new_versions, default=first),
    }


def consistent(figures: dict[str, object]) -> bool:
    """No version or row lost or doubled, every checksum right."""
    return not any(figures[key] for key in ("versions_missing", "versions_unexpected", "versions_claimed_twice",
                                            "versions_not_one_added_row", "rows_lost", "rows_doubled",
                                            "checksums_wrong"))


# --------------------------------------------------------------------------------------------------------- the run

def initiatives(run: Run) -> int | None:
    """The Overview's count of initiatives (its digits, whatever the grouping); None on a page without it."""
    shown = run.metrics.get("Initiatives")
    return None if shown is None else int("".join(character for character in shown if character.isdigit()))


def watch_until(sessions: list[Session], count: int) -> list[Run]:
    """Each session's first run that counts ``count`` initiatives (read in parallel)."""
    with ThreadPoolExecutor(len(sessions)) as pool:
        return list(pool.map(lambda session: session.run_where(f"the Overview counts {count} initiatives",
                                                               lambda run: initiatives(run) == count), sessions))


def commit_visibility(env: dict[str, str], folder: Path, watchers: list[Session], count: int, commits: int) -> dict:
    """``commits`` command-line imports of one initiative; seconds from each to every watcher's page counting it."""
    latencies: list[float] = []
    for number in range(commits):
        path = new_rows_file(folder, [f"load-visible-{datetime.datetime.now():%H%M%S%f}-{number}"])
        made = cli_import(env, path)
        if made is None:
            raise RuntimeError("nothing else commits during the visibility test, yet the import was refused as stale")
        count += 1
        latencies += [run.finished_at - made[1] for run in watch_until(watchers, count)]
    return {"commits": commits, "watchers": len(watchers), "seconds": latencies,
            "median_s": statistics.median(latencies), "max_s": max(latencies), "initiatives": count}


@contextmanager
def postgres_database() -> Iterator[str]:
    """A PostgreSQL server of this run's own with an empty database ``registry``; its URL. Stopped and removed
    afterwards. Its folder is a temporary folder of its own, which start() hands to the postgres user."""
    folder = Path(tempfile.mkdtemp(prefix="load-replicas-postgres-"))
    cluster = pg_cluster.start(folder)
    try:
        engine = sqlalchemy.create_engine(cluster.url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.exec_driver_sql("CREATE DATABASE registry")
        engine.dispose()
        yield sqlalchemy.make_url(cluster.url).set(database="registry").render_as_string(hide_password=False)
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


def warm(server: servers.Server) -> None:
    """Every page drawn once on ``server``, the filter changed once: its caches hold what the timed visitors read."""
    session = Session(server.base)
    try:
        problems = page_problems(session.next_run())
        for page in PAGES[1:]:
            session.open(page)
            problems += page_problems(session.next_run())
        session.choose(FILTER_KEY, [FILTER_LABEL])
        problems += page_problems(session.next_run())
    finally:
        session.close()
    if problems:
        raise RuntimeError(f"{server.name} shows problems before the test: {problems}\n{server.log_tail()}")


def run(args: argparse.Namespace) -> dict[str, object]:
    results: dict[str, object] = {"rows": args.rows, "rounds": args.rounds, "load": {}}
    work = Path(tempfile.mkdtemp(prefix="load-replicas-"))
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, work, ignore_errors=True)
        url = stack.enter_context(postgres_database())
        print(f"PostgreSQL at {url}", file=sys.stderr)
        folder = servers.our_data_folder(REPO, args.rows)
        stack.callback(shutil.rmtree, folder, ignore_errors=True)
        results["init_s"] = servers.run_init(REPO, folder, args.rows, timeout=1800, database_url=url)
        env = servers.our_environment(folder, args.rows, url)
        print(f"init of {args.rows} rows: {results['init_s']:.1f} s", file=sys.stderr)
        app = [servers.start_ours(REPO, folder, args.rows, url, name=f"server{n}") for n in (1, 2)]
        for server in app:
            stack.callback(server.stop, keep_folder=True)
            warm(server)
        upstreams = [server.base.removeprefix("http://") for server in app]
        proxies = {}
        for count in (1, 2):
            proxy = nginx_proxy.start(work / f"nginx-{count}", servers.free_port(), upstreams[:count])
            stack.callback(proxy.stop)
            proxies[count] = proxy
        for sessions in args.sessions:
            for count in (1, 2):
                base = proxies[count].base_url
                addresses = addresses_spread(base, upstreams[:count], sessions)
                figures = load_figures(drive(base, addresses, args.rounds))
                figures["sessions_per_server"] = dict(Counter(upstream_of(base, address) for address in addresses))
                results["load"][f"{count}x{sessions}"] = figures  # type: ignore[index]
                print(f"{count} server(s), {sessions} sessions: {figures['pages_per_s']:.2f} pages/s, median "
                      f"{figures['median_s']:.2f} s, p95 {figures['p95_s']:.2f} s", file=sys.stderr)

        base = proxies[2].base_url
        watchers = [stack.enter_context(_closing(Session(base, source_address=address)))
                    for address in addresses_spread(base, upstreams, WATCHERS_PER_SERVER * len(upstreams))]
        first = [watcher.next_run() for watcher in watchers]
        count = initiatives(first[0])
        assert count is not None, first[0]
        results["visibility"] = visibility = commit_visibility(env, work, watchers, count, args.visibility_commits)
        print(f"commit visible: median {visibility['median_s']:.2f} s, max {visibility['max_s']:.2f} s", file=sys.stderr)
        # the store writers read the data folder as the servers do; the variables are restored afterwards
        with mock.patch.dict(os.environ, {key: value for key, value in env.items() if key.startswith("ECOSYSTEM_")}):
            commits = alternating_commits(url, env, work, args.commits)
        final = watch_until(watchers, int(visibility["initiatives"]) + args.commits)
        commits["last_commit_to_every_watcher_s"] = max(run.finished_at for run in final) - float(commits.pop("last_commit_at"))
        results["consistency"] = commits
        results["server_logs_tail"] = {server.name: server.log_tail(10) for server in app}
    return results


@contextmanager
def _closing(session: Session) -> Iterator[Session]:
    try:
        yield session
    finally:
        session.close()


def table(results: dict) -> str:
    """The figures as a table: per sessions count, one server, two servers, their ratio, the target."""
    lines = ["| sessions | figure | 1 server | 2 servers | 2 / 1 | target |", "|---|---|---|---|---|---|"]
    for sessions in sorted({int(key.split("x")[1]) for key in results["load"]}):
        one, two = results["load"].get(f"1x{sessions}"), results["load"].get(f"2x{sessions}")
        if one is None or two is None:
            continue
        ratio = two["pages_per_s"] / one["pages_per_s"]
        lines.append(f"| {sessions} | pages/s | {one['pages_per_s']:.2f} | {two['pages_per_s']:.2f} | {ratio:.2f} | "
                     f"≥ {TARGETS['throughput_ratio']} {'yes' if ratio >= TARGETS['throughput_ratio'] else 'NO'} |")
        for name, key in (("median page", "median_s"), ("p95 page", "p95_s")):
            lines.append(f"| {sessions} | {name} (s) | {one[key]:.2f} | {two[key]:.2f} | {two[key] / one[key]:.2f} | |")
        lines.append(f"| {sessions} | pages with errors | {one['pages_with_problems']} | {two['pages_with_problems']} "
                     f"| | 0 |")
    visibility = results.get("visibility")
    if visibility:
        median, largest = visibility["median_s"], visibility["max_s"]
        ok = median <= TARGETS["visible_median_s"] and largest <= TARGETS["visible_max_s"]
        lines.append(f"\ncommit → page of every watcher ({visibility['watchers']} on 2 servers, {visibility['commits']} "
                     f"commits): median {median:.2f} s, max {largest:.2f} s (target ≤ 2, ≤ 5: {'yes' if ok else 'NO'})")
    commits = results.get("consistency")
    if commits:
        lost = len(commits["versions_missing"]) + len(commits["rows_lost"])
        doubled = len(commits["versions_claimed_twice"]) + len(commits["rows_doubled"]) + len(commits["versions_unexpected"])
        lines.append(f"{commits['commits']} commits in turn ({', '.join(f'{k} {v}' for k, v in commits['made_by'].items())}; "
                     f"planned again {sum(commits['planned_again'].values())}×) in {commits['seconds']:.1f} s: "
                     f"{lost} lost, {doubled} duplicated, {len(commits['checksums_wrong'])} wrong checksums "
                     f"(target 0: {'yes' if consistent(commits) else 'NO'})")
        if "last_commit_to_every_watcher_s" in commits:
            lines.append(f"last of them → page of every watcher: {commits['last_commit_to_every_watcher_s']:.2f} s")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="synthetic initiatives in the registry")
    parser.add_argument("--sessions", type=int, nargs="*", default=[10, 30], help="concurrent visitors per load test")
    parser.add_argument("--rounds", type=int, default=2, help="Overview → Map → Coverage → filter rounds per visitor")
    parser.add_argument("--visibility-commits", type=int, default=5, help="imports timed until every watcher sees them")
    parser.add_argument("--commits", type=int, default=50, help="commits of the consistency test")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder for the JSON (default benchmarks/out)")
    args = parser.parse_args(argv)
    if min(args.rows, args.rounds, args.visibility_commits, args.commits, *args.sessions) < 1:
        parser.error("--rows, --sessions, --rounds, --visibility-commits and --commits must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    missing = pg_cluster.missing_postgres() or nginx_proxy.missing_nginx()
    if missing:
        print(f"cannot run: {missing}", file=sys.stderr)
        return 2
    results = run(args)
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"load_replicas-{datetime.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    print(table(results))
    print(f"\nfigures: {out}")
    return 0 if results.get("consistency") is None or consistent(results["consistency"]) else 1


if __name__ == "__main__":
    sys.exit(main())
