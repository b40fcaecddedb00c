"""Tests for ecosystem.reference_download against a local HTTP server (never the internet)."""

from __future__ import annotations

import argparse
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import copy_seed_data
from ecosystem import cli, reference_download
from ecosystem.population import POPULATION_FILE_NAME, load_population
from ecosystem.reference_download import (
    BALTIC_SEA_COUNTRIES,
    ReferenceDownloadError,
    add_reference_commands,
    download_population,
    download_reference,
    fetch_missing_reference,
    gisco_file_name,
    reference_file_name,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "regions"
LEVEL_0 = (FIXTURES / "NUTS_RG_20M_2024_4326_LEVL_0.geojson").read_bytes()
LEVEL_3 = (FIXTURES / "NUTS_RG_20M_2024_4326_LEVL_3.geojson").read_bytes()


@dataclass
class Reply:
    """What the test server sends for one path."""

    body: bytes
    status: int = 200
    declared_length: int | None = None
    silent: bool = False  # send nothing at all until the test is over


@dataclass
class FakeGisco:
    """A local server that answers from ``replies``; unknown paths get 404."""

    url: str
    replies: dict[str, Reply] = field(default_factory=dict)
    test_over: threading.Event = field(default_factory=threading.Event)

    def publish(self, path: str, reply: Reply) -> str:
        """Answer ``path`` (``/…``) with ``reply``; return its URL."""
        self.replies[path] = reply
        return f"{self.url}{path.lstrip('/')}"

    def serve(self, folder: str, level_0: Reply | None = None, level_3: Reply | None = None) -> str:
        """Publish the two GISCO files under ``/folder/``; return that base URL."""
        for level, reply in ((0, level_0), (3, level_3)):
            if reply is not None:
                self.replies[f"/{folder}/{gisco_file_name(2024, '20M', level)}"] = reply
        return f"{self.url}{folder}/"


@pytest.fixture
def gisco() -> Iterator[FakeGisco]:
    """A threaded HTTP server on 127.0.0.1 at a random port."""
    fake = FakeGisco(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            reply = fake.replies.get(self.path)
            if reply is None:
                self.send_error(404, "Not Found")
                return
            if reply.silent:
                fake.test_over.wait()
                return
            self.send_response(reply.status)
            length = reply.declared_length if reply.declared_length is not None else len(reply.body)
            self.send_header("Content-Length", str(length))
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_port}/"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield fake
    fake.test_over.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    """A reference folder that already holds an earlier download of both levels."""
    folder = tmp_path / "reference"
    folder.mkdir()
    for level in (0, 3):
        (folder / reference_file_name(2024, "20M", level)).write_bytes(f"previous level {level}\n".encode())
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in ``folder`` (hidden temporaries included) with its bytes."""
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_file_names_follow_gisco_and_cache_conventions() -> None:
    assert gisco_file_name(2024, "20M", 3) == "NUTS_RG_20M_2024_4326_LEVL_3.geojson"
    assert reference_file_name(2024, "20M", 3) == "nuts2024_20m_levl3_baltic.geojson"


def test_download_keeps_baltic_countries_and_reports_progress(gisco: FakeGisco, tmp_path: Path) -> None:
    base = gisco.serve("ok", Reply(LEVEL_0), Reply(LEVEL_3))
    calls: list[tuple[str, int, int | None]] = []
    written = download_reference(tmp_path / "new", base_url=base, progress=lambda *call: calls.append(call))

    assert [path.name for path in written] == ["nuts2024_20m_levl0_baltic.geojson", "nuts2024_20m_levl3_baltic.geojson"]
    assert sorted(path.name for path in (tmp_path / "new").iterdir()) == [path.name for path in written]
    level_0 = json.loads(written[0].read_text(encoding="utf-8"))
    level_3 = json.loads(written[1].read_text(encoding="utf-8"))
    assert level_0["type"] == "FeatureCollection"
    assert [feature["properties"]["NUTS_ID"] for feature in level_0["features"]] == ["DE", "SE"]
    assert [feature["properties"]["NUTS_ID"] for feature in level_3["features"]] == ["DEF01", "LV00B"]
    assert level_3["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::4326"

    for name, body in ((gisco_file_name(2024, "20M", 0), LEVEL_0), (gisco_file_name(2024, "20M", 3), LEVEL_3)):
        own = [call for call in calls if call[0] == name]
        assert own[0] == (name, 0, len(body))
        assert own[-1] == (name, len(body), len(body))
        assert [done for _, done, _ in own] == sorted(done for _, done, _ in own)


def test_http_404_raises_plain_error_and_keeps_cache(gisco: FakeGisco, cache: Path) -> None:
    before = snapshot(cache)
    base = gisco.serve("missing")
    with pytest.raises(ReferenceDownloadError) as caught:
        download_reference(cache, base_url=base)
    message = str(caught.value)
    assert f"{base}NUTS_RG_20M_2024_4326_LEVL_0.geojson" in message
    assert "HTTP 404" in message
    assert "ECOSYSTEM_REFERENCE_DIR" in message and "data/regions.geojson" in message
    assert snapshot(cache) == before


def test_truncated_body_leaves_previous_cache_byte_identical(gisco: FakeGisco, cache: Path) -> None:
    before = snapshot(cache)
    base = gisco.serve("cut", Reply(LEVEL_0), Reply(LEVEL_3[:200], declared_length=len(LEVEL_3)))
    with pytest.raises(ReferenceDownloadError, match=f"stopped after 200 of {len(LEVEL_3):,} bytes"):
        download_reference(cache, base_url=base)
    assert snapshot(cache) == before


def test_invalid_json_is_refused(gisco: FakeGisco, cache: Path) -> None:
    before = snapshot(cache)
    base = gisco.serve("html", Reply(b"<html>maintenance</html>"))
    with pytest.raises(ReferenceDownloadError, match="not valid JSON"):
        download_reference(cache, base_url=base, levels=(0,))
    assert snapshot(cache) == before


def test_json_that_is_not_a_feature_collection_is_refused(gisco: FakeGisco, tmp_path: Path) -> None:
    base = gisco.serve("list", Reply(b"[1, 2, 3]"))
    with pytest.raises(ReferenceDownloadError, match="not a GeoJSON FeatureCollection"):
        download_reference(tmp_path, base_url=base, levels=(0,))
    assert list(tmp_path.iterdir()) == []


def test_file_without_the_requested_countries_is_refused(gisco: FakeGisco, tmp_path: Path) -> None:
    base = gisco.serve("ok", Reply(LEVEL_0))
    with pytest.raises(ReferenceDownloadError, match="no regions of EE, LT"):
        download_reference(tmp_path, base_url=base, levels=(0,), countries=("LT", "EE"))
    assert list(tmp_path.iterdir()) == []


def test_failure_on_a_later_level_writes_no_level(gisco: FakeGisco, cache: Path) -> None:
    before = snapshot(cache)
    base = gisco.serve("half", level_0=Reply(LEVEL_0))
    with pytest.raises(ReferenceDownloadError, match="LEVL_3.geojson: the server answered HTTP 404"):
        download_reference(cache, base_url=base)
    assert snapshot(cache) == before


def test_unreachable_server_gives_a_plain_message(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ReferenceDownloadError, match="could not be reached") as caught:
        download_reference(tmp_path, base_url=f"http://127.0.0.1:{port}/", timeout=5)
    assert "Traceback" not in str(caught.value)


def test_silent_server_times_out(gisco: FakeGisco, tmp_path: Path) -> None:
    base = gisco.serve("slow", Reply(LEVEL_0, silent=True))
    with pytest.raises(ReferenceDownloadError, match="did not answer within 0.2 seconds"):
        download_reference(tmp_path, base_url=base, levels=(0,), timeout=0.2)


def test_default_countries_are_the_baltic_sea_countries() -> None:
    assert set(BALTIC_SEA_COUNTRIES) == {"DE", "DK", "SE", "FI", "EE", "LV", "LT", "PL", "NO", "IS"}


def parse(argv: list[str]) -> argparse.Namespace:
    """Parse ``argv`` with the reference commands registered the way the lead wires them."""
    parser = argparse.ArgumentParser(prog="ecosystem")
    add_reference_commands(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_population_download_keeps_what_the_app_uses(gisco: FakeGisco, tmp_path: Path,
                                                     eurostat_population_csv: str) -> None:
    url = gisco.publish("/eurostat/demo_r_pjanaggr3", Reply(eurostat_population_csv.encode("utf-8")))
    calls: list[tuple[str, int, int | None]] = []
    written = download_population(tmp_path / "new", url=url, progress=lambda *call: calls.append(call))

    assert written == tmp_path / "new" / POPULATION_FILE_NAME
    assert sorted(path.name for path in (tmp_path / "new").iterdir()) == [POPULATION_FILE_NAME]
    table = load_population(written)
    assert set(table["age"]) == {"TOTAL", "Y_LT15", "Y15-64", "Y_GE65"} and table["year"].min() == 2021
    assert table["nuts_id"].str.len().eq(5).all()
    assert calls[-1][1] == calls[-1][2] == len(eurostat_population_csv.encode("utf-8"))


@pytest.mark.parametrize(("reply", "said"), [
    (Reply(b"", status=500), "HTTP 500"),
    (Reply(b"<html>maintenance</html>"), "is not Eurostat SDMX-CSV"),
    (Reply(b"geo,age,TIME_PERIOD,OBS_VALUE\nLT011,TOTAL,2024,1\n" * 3, declared_length=500), "stopped after"),
])
def test_a_failed_population_download_leaves_the_previous_table(gisco: FakeGisco, cache: Path, reply: Reply,
                                                                said: str) -> None:
    (cache / POPULATION_FILE_NAME).write_text("previous table\n", encoding="utf-8")
    before = snapshot(cache)
    url = gisco.publish("/eurostat/broken", reply)
    with pytest.raises(ReferenceDownloadError, match=said) as caught:
        download_population(cache, url=url)
    assert f"Could not download {url}" in str(caught.value) and "left unchanged" in str(caught.value)
    assert snapshot(cache) == before


def test_cli_download_draws_a_progress_bar_and_prints_saved_paths(
    gisco: FakeGisco, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    eurostat_population_csv: str,
) -> None:
    monkeypatch.setenv("ECOSYSTEM_REFERENCE_DIR", str(tmp_path / "configured"))
    population = gisco.publish("/eurostat/population", Reply(eurostat_population_csv.encode("utf-8")))
    args = parse(["reference", "download", "--base-url", gisco.serve("ok", Reply(LEVEL_0), Reply(LEVEL_3)),
                  "--population-url", population])
    assert args.handler(args) == 0
    out, err = capsys.readouterr()
    assert "NUTS_RG_20M_2024_4326_LEVL_3.geojson [" + "#" * 30 + "] 100%" in err
    assert f"{POPULATION_FILE_NAME} (Eurostat) [" + "#" * 30 + "] 100%" in err
    assert str(tmp_path / "configured" / "nuts2024_20m_levl3_baltic.geojson") in out
    assert str(tmp_path / "configured" / POPULATION_FILE_NAME) in out


def test_cli_download_failure_exits_1_with_a_message_not_a_traceback(
    gisco: FakeGisco, tmp_path: Path, capsys: pytest.CaptureFixture[str], eurostat_population_csv: str
) -> None:
    population = gisco.publish("/eurostat/population", Reply(eurostat_population_csv.encode("utf-8")))
    args = parse(["reference", "download", "--dest", str(tmp_path), "--base-url", gisco.serve("none"), "--year", "2021",
                  "--population-url", population])
    assert args.year == 2021
    assert args.handler(args) == 1
    out, err = capsys.readouterr()
    assert "error: Could not download" in err and "NUTS_RG_20M_2021_4326_LEVL_0.geojson" in err
    assert "Traceback" not in err
    assert [path.name for path in tmp_path.iterdir()] == [POPULATION_FILE_NAME]  # the population came all the same
    assert out.strip() == f"saved {tmp_path / POPULATION_FILE_NAME}"


def test_reference_without_subcommand_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as caught:
        parse(["reference"])
    assert caught.value.code == 2


def test_init_fetches_what_is_missing_and_nothing_twice(gisco: FakeGisco, tmp_path: Path,
                                                        eurostat_population_csv: str) -> None:
    base = gisco.serve("ok", Reply(LEVEL_0), Reply(LEVEL_3))
    population = gisco.publish("/eurostat/population", Reply(eurostat_population_csv.encode("utf-8")))
    said: list[str] = []
    saved = fetch_missing_reference(tmp_path, said.append, base_url=base, population_url=population)
    assert [path.name for path in saved] == ["nuts2024_20m_levl0_baltic.geojson", "nuts2024_20m_levl3_baltic.geojson",
                                             POPULATION_FILE_NAME]
    assert said == []
    gisco.replies.clear()  # a second run asks for nothing (every request would now be answered 404)
    assert fetch_missing_reference(tmp_path, said.append, base_url=base, population_url=population) == []
    assert said == []


def test_init_offline_says_so_in_one_line_and_writes_nothing(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    said: list[str] = []
    saved = fetch_missing_reference(tmp_path, said.append, base_url=f"http://127.0.0.1:{port}/",
                                    population_url=f"http://127.0.0.1:{port}/population", timeout=5)
    assert saved == [] and list(tmp_path.iterdir()) == []
    assert len(said) == 1
    assert said[0].startswith("the NUTS boundaries and the population table not downloaded: the server could not be "
                              "reached")
    assert "python -m ecosystem reference download" in said[0]


def test_init_says_which_download_failed_and_keeps_the_other(gisco: FakeGisco, tmp_path: Path) -> None:
    base = gisco.serve("ok", Reply(LEVEL_0), Reply(LEVEL_3))
    said: list[str] = []
    saved = fetch_missing_reference(tmp_path, said.append, base_url=base, population_url=gisco.url + "missing")
    assert [path.name for path in saved] == ["nuts2024_20m_levl0_baltic.geojson", "nuts2024_20m_levl3_baltic.geojson"]
    assert len(said) == 1 and said[0].startswith("the population table not downloaded: Could not download")
    assert "HTTP 404" in said[0]


def test_the_init_command_carries_on_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    copy_seed_data(tmp_path / "data")
    monkeypatch.setenv("ECOSYSTEM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ECOSYSTEM_REFERENCE_DIR", str(tmp_path / "reference"))
    monkeypatch.setenv("ECOSYSTEM_REFERENCE_DOWNLOAD", "on")
    monkeypatch.setattr(reference_download, "GISCO_BASE_URL", f"http://127.0.0.1:{port}/")
    monkeypatch.setattr(reference_download, "EUROSTAT_POPULATION_URL", f"http://127.0.0.1:{port}/population")
    assert cli.main(["init"]) == 0
    out, err = capsys.readouterr()
    assert [line for line in err.splitlines() if "not downloaded" in line] == [
        line for line in err.splitlines() if line.startswith("init: the NUTS boundaries and the population table "
                                                             "not downloaded: the server could not be reached")]
    assert len([line for line in err.splitlines() if "not downloaded" in line]) == 1
    assert out.startswith("registry ready: version 1")
