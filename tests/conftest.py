"""Shared fixtures: the real taxonomy and seed registry, and small hand-made frames."""

from __future__ import annotations

import importlib.util
import multiprocessing
import os
import sys
import types
import uuid
from collections.abc import Iterator
from multiprocessing.context import SpawnContext
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy

from ecosystem.assets import assets_installed, install_assets
from ecosystem.initialise import InitReport, ensure_initialised
from ecosystem.pictures import close_browsers
from ecosystem.registry import Registry, load_registry, read_raw_csv, typed_registry
from ecosystem.schema import REGISTRY_COLUMNS, ValidationContext
from ecosystem.taxonomy import Taxonomy, load_taxonomy

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
SHARED = REPO.parent / "shared"
NUTS_2024_L3 = SHARED / "reference" / "nuts" / "nuts2024_20m_levl3_baltic.geojson"
POPULATION = SHARED / "reference" / "population"
PROGRAMME_IDS = frozenset({"sempre", "sempre_accelerators", "socifaction", "local_y_mpact"})


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    return load_taxonomy(DATA / "taxonomy.csv")


@pytest.fixture(scope="session")
def seed_registry(taxonomy: Taxonomy) -> Registry:
    return load_registry(DATA, taxonomy)


@pytest.fixture()
def seed_raw() -> pd.DataFrame:
    return read_raw_csv(DATA / "initiatives.csv")


@pytest.fixture()
def context(taxonomy: Taxonomy) -> ValidationContext:
    return ValidationContext(taxonomy=taxonomy, programme_ids=PROGRAMME_IDS)


@pytest.fixture(scope="session")
def eurostat_population_csv() -> str:
    """Eurostat's answer to the app's query of demo_r_pjanaggr3 as SDMX-CSV, rebuilt from the copy of that table in
    ../shared/reference/population (years 2016–2025, the Baltic Sea countries; skipped when the copy is absent)."""
    totals = POPULATION / "population_nuts3_baltic_2016_2025.csv"
    by_age = POPULATION / "population_by_age_nuts3_baltic_2016_2025.csv"
    if not totals.is_file() or not by_age.is_file():
        pytest.skip("the population copy in ../shared/reference/population is absent")
    rows = pd.concat([pd.read_csv(totals, keep_default_na=False).assign(age="TOTAL"),
                      pd.read_csv(by_age, keep_default_na=False)], ignore_index=True)
    answer = pd.DataFrame({
        "DATAFLOW": "ESTAT:DEMO_R_PJANAGGR3(1.0)", "LAST UPDATE": "25/03/26 23:00:00", "freq": "A", "unit": "NR",
        "sex": "T", "age": rows["age"], "geo": rows["NUTS_ID"], "TIME_PERIOD": rows["year"],
        "OBS_VALUE": rows["population"], "OBS_FLAG": rows["flag"],
    })
    return answer.to_csv(index=False)


SEED_FILES = ("initiatives.csv", "programmes.csv", "sources.csv", "taxonomy.csv")


@pytest.fixture(autouse=True)
def _own_state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test (and every server or command it starts) has its own state folder, where the registry database
    lives unless ``ECOSYSTEM_DATABASE_URL`` says otherwise: nothing is written into ~/.local/share or the
    repository. The folder is not created: ``init`` creates it. And ``init`` downloads no reference data."""
    monkeypatch.setenv("ECOSYSTEM_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("ECOSYSTEM_REFERENCE_DOWNLOAD", "off")  # `init` fetches nothing: tests never need the internet


def initialise_store() -> InitReport:
    """The configured store set up as the server's start-up sets it up (``python -m ecosystem init``)."""
    report = ensure_initialised(progress=lambda line: None)
    assert report.problem is None, report.problem
    return report


def copy_seed_data(folder: Path) -> Path:
    """The data folder's seed files copied into ``folder`` (created when missing): a test's own registry folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in SEED_FILES:
        (folder / name).write_bytes((DATA / name).read_bytes())
    return folder


@pytest.fixture()
def app_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A test's own data folder and registry database for the app, initialised as the server's start-up does: no
    tiles, CDN map links, no boundaries."""
    copy_seed_data(tmp_path)
    monkeypatch.setenv("ECOSYSTEM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ECOSYSTEM_DATABASE_URL", f"sqlite:///{tmp_path / 'registry.sqlite'}")
    monkeypatch.setenv("ECOSYSTEM_TILES", "none")
    monkeypatch.setenv("ECOSYSTEM_MAP_ASSETS", "cdn")  # the same map links whatever this machine has installed
    monkeypatch.setenv("ECOSYSTEM_REFERENCE_DIR", str(tmp_path / "none"))
    initialise_store()
    return tmp_path


def make_raw(rows: list[dict[str, str]]) -> pd.DataFrame:
    """A raw registry table from partial rows (every other column empty, sensible required values)."""
    defaults = {"actor_type": "initiative", "partner": "seed", "source": "test", "country": "LT",
                "service_types": "social_support", "target_groups": "older_people"}
    full = [{column: "" for column in REGISTRY_COLUMNS} | defaults | {"id": f"row-{n}", "name": f"Row {n}"} | row
            for n, row in enumerate(rows)]
    return pd.DataFrame(full, columns=REGISTRY_COLUMNS)


def make_frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    """A typed registry frame from partial rows."""
    return typed_registry(make_raw(rows))


CHROMIUM = Path("/usr/bin/chromium")
BROWSER_TESTS = REPO / "tests" / "browser"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``browser`` every test that starts Chromium or a server: all of tests/browser/ and every user of the
    ``browsers`` fixture (LibreOffice's test is marked where it is written)."""
    for item in items:
        if item.path.is_relative_to(BROWSER_TESTS) or "browsers" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


def missing_browser_requirement(modules: tuple[str, ...] = ("playwright", "kaleido")) -> str | None:
    """Why tests that need a headless browser cannot run here, or None when they can."""
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    for module in modules:
        if importlib.util.find_spec(module) is None:
            return f"{module} is not importable (pip install -r requirements-dev.txt)"
    return None


def skip_or_fail(reason: str) -> None:
    """Skip a test that cannot run here — but fail under ``CI=true``, where everything must run."""
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"CI=true but this test cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browsers() -> Iterator[None]:
    """Chromium for pictures (kaleido, Playwright) and the map assets; the browsers are closed afterwards."""

    reason = missing_browser_requirement()
    if reason is not None:
        skip_or_fail(f"picture tests skipped: {reason}")
    if not assets_installed():
        install_assets()
    yield
    close_browsers()


POSTGRES_URL_VARIABLE = "ECOSYSTEM_TEST_POSTGRES_URL"  # a server the tests may make databases on (.ci/run starts one)
DATABASE_KINDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The URL of the test run's PostgreSQL server (``ECOSYSTEM_TEST_POSTGRES_URL``, as a superuser): skipped when
    none is given — failed under ``CI=true``, where ``.ci/run`` starts one (``tests/pg_cluster.py``)."""
    url = os.environ.get(POSTGRES_URL_VARIABLE, "").strip()
    if not url:
        skip_or_fail(f"no PostgreSQL server for the tests: set {POSTGRES_URL_VARIABLE} "
                     "(`python tests/pg_cluster.py start FOLDER` starts one and prints its URL)")
    return url


def new_postgres_database(server_url: str, template: str = "template0") -> str:
    """A new database on the server of ``server_url`` (``CREATE DATABASE``): empty, or a copy of the database
    named ``template`` (which nothing may have open); its URL."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    server = sqlalchemy.make_url(server_url).set(database="postgres")
    engine = sqlalchemy.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE {template} ENCODING 'UTF8'")
    engine.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    """Drop a database made by ``new_postgres_database``, ending whatever connections are left on it."""
    parsed = sqlalchemy.make_url(url)
    engine = sqlalchemy.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {parsed.database} WITH (FORCE)")
    engine.dispose()


@pytest.fixture(params=DATABASE_KINDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database, once of each kind: a SQLite file in tmp_path, and a new database on the
    test run's PostgreSQL server (dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'registry.sqlite'}"
        return
    url = new_postgres_database(request.getfixturevalue("postgres_server"))
    yield url
    drop_postgres_database(url)


@pytest.fixture()
def spawn(monkeypatch: pytest.MonkeyPatch) -> SpawnContext:
    """Starts processes afresh (``spawn``) that import only what their target needs. A spawned child imports the
    parent's ``__main__`` again, and after an AppTest in this process that is the dashboard's entry script: the
    child would run the whole dashboard, outside Streamlit, before its target (and die there, leaving the test to
    wait for results that never come). An empty ``__main__`` while the test starts its processes prevents that."""
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    return multiprocessing.get_context("spawn")
