"""The one view every consumer shows: the registry as served, checked once, seen through one set of filters.

``load_view(query, lang)`` reads what rows are drawn with and checked against (``load_inputs``: taxonomy,
programmes, region boundaries), the registry store's current version with what was derived from it when it was
written (``load_served``: regions and warnings, ``ecosystem.derived``), and filters it by a URL query string.
The pages take the same steps through their caches (``ecosystem.ui.cache`` passes cached ``Loaders``) with their
sidebar's filters; ``export-figures``, ``validate`` / ``import`` and the benchmarks call these functions as they are.

Loading only reads: the store is set up and seeded by ``python -m ecosystem init`` or the server's start-up
(``ecosystem.initialise``). Until then the data folder's ``initiatives.csv`` is served, read-only, with a notice
naming that command; results derived from older boundaries are derived again in memory, with a hint in the log.

What a person must be told — a broken file, missing boundaries, a database that cannot be read — comes back
as ``Notice``s, and the last good data keeps being served.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs

import geopandas as gpd
import pandas as pd

from ecosystem import config
from ecosystem.checks import validation_context
from ecosystem.derived import Derivation, Derived, derivation_source
from ecosystem.filters import FilterOptions, FilterState, apply_filters, describe_filters, filter_options
from ecosystem.i18n import catalogue_path, t
from ecosystem.outlines import OUTLINES_FILE
from ecosystem.population import PopulationError, find_population_file, load_population
from ecosystem.regions import RegionsError, find_regions_file, load_regions, region_names
from ecosystem.registry import (
    PROGRAMME_COLUMNS,
    Registry,
    RegistryError,
    file_version,
    load_programmes,
    read_raw_csv,
    typed_registry,
)
from ecosystem.schema import PROBLEM_COLUMNS, REGISTRY_COLUMNS, ValidationContext, has_errors, validate_registry
from ecosystem.sources import load_source_names
from ecosystem.store import (
    RegistryStore,
    StoreError,
    StoreGoneError,
    StoreNotInitialisedError,
    StoreReplacedError,
    StoreUnavailableError,
    database_url,
    open_store,
)
from ecosystem.taxonomy import Taxonomy, load_taxonomy

__all__ = [
    "Inputs", "Loaders", "Message", "Notice", "Served", "View", "empty_registry", "load_inputs", "load_served",
    "load_view", "modified_time", "open_served_store", "read_file_registry", "read_population", "read_programmes",
    "read_regions",
    "read_registry_version", "reopened_if_replaced", "seed_file_problems",
]

_log = logging.getLogger(__name__)
_INIT_HINT = "run `python -m ecosystem init` to derive and store them once"


@dataclass(frozen=True)
class Message:
    """A sentence for people: its i18n key and values, said in a language by ``text``."""

    key: str
    values: Mapping[str, object] = field(default_factory=dict)

    def text(self, lang: str, escape: Callable[[str], str] = str) -> str:
        """The sentence in ``lang``; its text values pass through ``escape`` (the pages escape them for markdown)."""
        return t(self.key, lang, **{name: _said(value, lang, escape) for name, value in self.values.items()})

    def __hash__(self) -> int:  # equal messages (equal values, in any order) hash alike: notices key shared caches
        return hash((self.key, frozenset(self.values.items())))


def _said(value: object, lang: str, escape: Callable[[str], str]) -> object:
    """A message's value as the sentence says it: a nested message in full, text escaped, numbers as they are."""
    if isinstance(value, Message):
        return value.text(lang, escape)
    return escape(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class Notice:
    """Something said about the data shown: how serious it is, and what."""

    level: Literal["error", "warning", "info"]
    message: Message


def _notice(level: Literal["error", "warning", "info"], key: str, **values: object) -> Notice:
    return Notice(level, Message(key, values))


def modified_time(path: Path | None) -> float:
    """A file's modification time (0 when there is no file): what caches of things read from it are keyed by."""
    return path.stat().st_mtime if path is not None and path.exists() else 0.0


@dataclass(frozen=True)
class Inputs:
    """What registry rows are drawn with and checked against: the data folder's taxonomy and programmes, and
    the region boundaries when there are usable ones."""

    data_dir: Path
    taxonomy: Taxonomy
    programmes: pd.DataFrame
    programmes_problem: RegistryError | None
    """why the programmes file cannot be used (``programmes`` is then empty)"""
    regions: gpd.GeoDataFrame | None
    regions_path: Path | None
    regions_problem: str | None
    """why the boundary file at ``regions_path`` cannot be used"""
    key: tuple
    """the programmes, taxonomy, boundary and population files with their modification times: what is built from
    these inputs is cached under this key"""
    population: pd.DataFrame | None = None
    """residents per NUTS-3 region and broad age group (``ecosystem.population``), when downloaded and usable"""
    population_problem: str | None = None
    """why the downloaded population table cannot be used"""
    source_names: Mapping[str, str] = field(default_factory=dict)
    """what rows cite → its title and publisher (``ecosystem.sources``)"""
    sources_problem: str | None = None
    """why the data folder's sources file cannot be used (sources are then named as cited)"""

    @property
    def seed_path(self) -> Path:
        """The data folder's initiatives.csv, which seeds an empty store."""
        return self.data_dir / "initiatives.csv"

    @cached_property
    def context(self) -> ValidationContext:
        """What rows are checked against, where they lie included (RegistryError when the programmes are unusable)."""
        if self.programmes_problem is not None:
            raise self.programmes_problem
        return validation_context(self.taxonomy, self.programmes["id"], self.regions)

    @cached_property
    def derivation(self) -> Derivation:
        """How regions and warnings are derived from registry rows with these inputs, and the digest of the files
        they come from (RegistryError when the programmes are unusable)."""
        geography = self.regions_path if self.regions is not None else OUTLINES_FILE  # where rows are judged to lie
        source = derivation_source(self.data_dir / "taxonomy.csv", self.data_dir / "programmes.csv", geography,
                                   catalogue_path("en"))
        return Derivation(self.context, self.regions, source)

    @property
    def notices(self) -> tuple[Notice, ...]:
        """What the pages say about the boundaries (that there are none, or that they cannot be used) and about a
        sources file that cannot be used."""
        if self.regions_path is None:
            return (_notice("info", "app.no_regions"), *self._sources_notice)
        if self.regions_problem is not None:
            return (_notice("warning", "app.regions_error", file=self.regions_path.name, reason=self.regions_problem),
                    *self._sources_notice)
        return self._sources_notice

    @property
    def _sources_notice(self) -> tuple[Notice, ...]:
        """That the sources file cannot be used, when it cannot."""
        return () if self.sources_problem is None else (_notice("warning", "app.sources_error",
                                                                reason=self.sources_problem),)


def read_programmes(path: Path) -> pd.DataFrame | RegistryError:
    """The programmes file, or the problems that make it unusable."""
    try:
        return load_programmes(path)
    except RegistryError as error:
        return error


def read_regions(path: Path) -> gpd.GeoDataFrame | RegionsError:
    """A boundary file, or why it cannot be used."""
    try:
        return load_regions(path)
    except RegionsError as error:
        return error


def read_population(path: Path) -> pd.DataFrame | PopulationError:
    """The downloaded population table, or why it cannot be used."""
    try:
        return load_population(path)
    except PopulationError as error:
        return error


def empty_registry(programmes: pd.DataFrame) -> Registry:
    """What is served when no good registry exists yet: nothing, honestly."""
    frame = typed_registry(pd.DataFrame(columns=REGISTRY_COLUMNS))
    return Registry(frame, programmes, "—", "", pd.DataFrame(columns=PROBLEM_COLUMNS))


def _stored_derived(store: RegistryStore, version: int, derivation: Derivation) -> Derived | None:
    """What the store keeps beside ``version`` when it was derived from these inputs; else None, said in the log."""
    stored = store.derived(version)
    if stored is not None and stored.source == derivation.source:
        return Derived.from_parts(stored)
    said = "were derived from other files (boundaries, taxonomy or programmes)" if stored else "are not in the store"
    _log.warning("The regions and warnings of registry version %s %s: deriving them in memory; %s.", version, said,
                 _INIT_HINT)
    return None


def read_registry_version(store: RegistryStore, version: int, inputs: Inputs) -> Registry:
    """One stored version as served: typed, placed in its regions, with its warnings (where rows lie included) —
    as derived when the version was written, or derived here when the store has none for these inputs."""
    raw = store.read(version)
    initiatives = typed_registry(raw)
    derivation = inputs.derivation
    derived = _stored_derived(store, version, derivation)
    try:
        placed = derived.placed(initiatives) if derived is not None else None
    except ValueError:
        _log.warning("The stored regions of registry version %s do not fit its rows: deriving them in memory; %s.",
                     version, _INIT_HINT)
        placed = None
    if derived is None or placed is None:
        derived = derivation.derive(raw)
        placed = derived.placed(initiatives)
    history = store.versions()
    created = history.loc[history["version"] == version, "created_at"]
    updated = created.iloc[0][:10] if len(created) else ""
    return Registry(placed, inputs.programmes, str(version), updated, derived.warnings)


def seed_file_problems(path: Path, inputs: Inputs) -> RegistryError | None:
    """The problems that keep the seed file (the data folder's initiatives.csv) from being used, if any."""
    try:
        raw = read_raw_csv(path)
    except RegistryError as error:
        return error
    problems = validate_registry(raw, inputs.context)
    return RegistryError(path.name, problems) if has_errors(problems) else None


def read_file_registry(path: Path, inputs: Inputs) -> Registry:
    """The seed file itself as a read-only registry, placed in its regions with its warnings, for when the store
    holds no registry or cannot be opened (empty when the file is broken)."""
    try:
        raw = read_raw_csv(path)
    except RegistryError:
        return empty_registry(inputs.programmes)
    derivation = inputs.derivation
    checked = derivation.check(raw)
    if has_errors(checked):
        return empty_registry(inputs.programmes)
    derived = derivation.derive(raw, checked=checked)
    initiatives = derived.placed(typed_registry(raw))
    dates = initiatives["last_updated"][initiatives["last_updated"] != ""]
    return Registry(initiatives, inputs.programmes, file_version(path), dates.max() if not dates.empty else "",
                    derived.warnings)


def open_served_store(url: str) -> RegistryStore:
    """The store at ``url`` as a page view opens it: nothing is created or written (StoreNotInitialisedError when
    no registry database is there yet)."""
    return open_store(url, create=False)


def reopened_if_replaced(store: RegistryStore) -> RegistryStore:
    """``store``, reopened when its database was replaced by another (its ``key`` then changes);
    StoreGoneError when its file is gone, StoreError when it cannot be read."""
    try:
        store.current_version()
    except StoreReplacedError:
        store.reopen()
    return store


@dataclass(frozen=True)
class Loaders:
    """How the parts of a view are read: by these plain functions (the command line, the benchmarks), or by the
    pages' cached wrappers of them (``ecosystem.ui.cache``)."""

    taxonomy: Callable[[Path], Taxonomy] = load_taxonomy
    programmes: Callable[[Path], pd.DataFrame | RegistryError] = read_programmes
    regions: Callable[[Path], gpd.GeoDataFrame | RegionsError] = read_regions
    population: Callable[[Path], pd.DataFrame | PopulationError] = read_population
    store: Callable[[str], RegistryStore] = open_served_store
    registry: Callable[[RegistryStore, int, Inputs], Registry] = read_registry_version
    seed_problems: Callable[[Path, Inputs], RegistryError | None] = seed_file_problems
    file_registry: Callable[[Path, Inputs], Registry] = read_file_registry


def load_inputs(loaders: Loaders = Loaders()) -> Inputs:
    """The data folder's taxonomy and programmes, the region boundaries and the population, each read by
    ``loaders``."""
    folder = config.data_dir()
    taxonomy_path, programmes_path = folder / "taxonomy.csv", folder / "programmes.csv"
    regions_path = find_regions_file()
    population_path = find_population_file()
    programmes = loaders.programmes(programmes_path)
    sources_path = folder / "sources.csv"
    try:
        source_names, sources_problem = load_source_names(sources_path), None
    except RegistryError as error:
        source_names, sources_problem = {}, str(error)
    regions = loaders.regions(regions_path) if regions_path is not None else None
    population = loaders.population(population_path) if population_path is not None else None
    programmes_problem = programmes if isinstance(programmes, RegistryError) else None
    regions_problem = str(regions) if isinstance(regions, RegionsError) else None
    usable_regions = None if isinstance(regions, RegionsError) else regions
    key = (str(programmes_path), modified_time(programmes_path), modified_time(taxonomy_path), str(regions_path),
           modified_time(regions_path) if usable_regions is not None else 0.0, str(population_path),
           modified_time(population_path), modified_time(sources_path))
    return Inputs(
        data_dir=folder, taxonomy=loaders.taxonomy(taxonomy_path),
        programmes=pd.DataFrame(columns=PROGRAMME_COLUMNS) if programmes_problem is not None else programmes,
        programmes_problem=programmes_problem, regions=usable_regions, regions_path=regions_path,
        regions_problem=regions_problem, key=key,
        population=None if isinstance(population, PopulationError) else population,
        population_problem=str(population) if isinstance(population, PopulationError) else None,
        source_names=source_names, sources_problem=sources_problem,
    )


@dataclass(frozen=True)
class Served:
    """The registry as served, what it is drawn with, and what is said about it."""

    inputs: Inputs
    registry: Registry
    notices: tuple[Notice, ...] = ()
    """said on the pages that show the data: a broken file, missing boundaries, no database"""
    alerts: tuple[Notice, ...] = ()
    """said above every page: the database gone, or read-only here"""
    problems: RegistryError | None = None
    """the problems of the file that could not be used, row by row"""
    store_key: str | None = None
    """the opened database (None when nothing was read from one): a page tells a replaced one by its key"""
    store_location: str = ""
    store_version: int | None = None
    """the version the database said is current in this run (None when it could not be read): what a server
    following the database compares with the version it learns of (``ecosystem.ui.live``)"""

    @property
    def key(self) -> tuple:
        """What this registry as served is read from — the database, the version, the input files and the seed file
        with their modification times — and what is said about it: results computed from it are kept under it."""
        return (self.store_key, self.store_location, self.registry.version, self.inputs.key,
                modified_time(self.inputs.seed_path), self.notices, self.alerts)

    @cached_property
    def region_names(self) -> dict[str, str]:
        """NUTS code → region name, when boundaries are loaded."""
        return region_names(self.inputs.regions) if self.inputs.regions is not None else {}

    @cached_property
    def options(self) -> FilterOptions:
        """What each filter can offer for this registry."""
        regions = self.inputs.regions
        return filter_options(self.registry.initiatives, self.inputs.taxonomy, self.registry.programmes["id"].tolist(),
                              regions["nuts_id"].tolist() if regions is not None else [])

    def view(self, state: FilterState, lang: str) -> View:
        """This registry seen through ``state`` in ``lang``: its rows filtered once (all of them, not a copy, when
        nothing is filtered)."""
        filtered = self.registry.initiatives if state.is_empty else apply_filters(self.registry.initiatives, state)
        return self.view_of(state, lang, filtered)

    def view_of(self, state: FilterState, lang: str, filtered: pd.DataFrame) -> View:
        """The view of ``state`` in ``lang`` whose rows ``filtered`` were already selected by ``state``."""
        return View(self.inputs.taxonomy, self.registry, self.inputs.regions, self.region_names, state, filtered,
                    lang, self.notices, self.problems, (self.key, state, lang), self.inputs.derivation.source,
                    self.inputs.population, self.inputs.population_problem, self.inputs.source_names)


def load_served(loaders: Loaders = Loaders()) -> Served:
    """The store's current version as derived when it was written, read by ``loaders``, and what to say about it.

    Nothing is written. A store that holds no registry yet serves the data folder's initiatives.csv, read-only,
    and says which command sets it up; a broken programmes file is reported row by row; a database that is gone
    serves the last version read from it (while ``loaders`` still hold it), one that cannot be opened the data
    folder's file, read-only."""
    inputs = load_inputs(loaders)
    if inputs.programmes_problem is not None:
        broken = inputs.programmes_problem
        return Served(inputs, empty_registry(inputs.programmes), (_registry_error(broken, 0), *inputs.notices),
                      problems=broken)
    try:
        store = loaders.store(database_url())
    except StoreNotInitialisedError as missing:
        return _served_before_init(inputs, loaders, missing.location)
    except StoreError as error:
        return _served_from_file(inputs, loaders, error)
    alerts: list[Notice] = []
    try:
        reopened_if_replaced(store)
        if store.read_only:
            alerts.append(_notice("warning", "store.read_only", path=store.location))
        store_key = store.key
        version = store.current_version()
    except StoreUnavailableError as gone:  # deleted, or not answering: the last version read, while it is at hand
        return _served_from_last_read(inputs, loaders, store, gone, alerts)
    except StoreError as error:
        return _served_from_file(inputs, loaders, error, tuple(alerts))
    if not version:
        served = _served_before_init(inputs, loaders, store.location, tuple(alerts))
        return replace(served, store_version=0)
    registry = loaders.registry(store, version, inputs)
    return Served(inputs, registry, inputs.notices, tuple(alerts), None, store_key, store.location, version)


def _registry_error(problem: RegistryError, version: int) -> Notice:
    """A registry file was not loaded: which, and what is shown instead (the last good version, or nothing)."""
    served = Message("app.serving_previous", {"version": version}) if version else Message("app.nothing_to_serve")
    return _notice("error", "app.registry_error", file=problem.file, served=served)


def _served_before_init(inputs: Inputs, loaders: Loaders, location: str, alerts: tuple[Notice, ...] = ()) -> Served:
    """No registry in the database yet: the data folder's file, read-only (its problems row by row when it is
    broken), and a notice naming the command that sets the database up."""
    said = _notice("warning", "app.store_not_initialised", path=location)
    problem = loaders.seed_problems(inputs.seed_path, inputs)
    if problem is not None:
        return Served(inputs, empty_registry(inputs.programmes), (said, _registry_error(problem, 0), *inputs.notices),
                      alerts, problem)
    return Served(inputs, loaders.file_registry(inputs.seed_path, inputs), (said, *inputs.notices), alerts)


def _served_from_file(inputs: Inputs, loaders: Loaders, error: StoreError, alerts: tuple[Notice, ...] = ()) -> Served:
    """No usable database: the data folder's file, read-only, and a notice that says so."""
    notices = (_notice("error", "app.store_unavailable", reason=str(error)), *inputs.notices)
    return Served(inputs, loaders.file_registry(inputs.seed_path, inputs), notices, alerts)


def _served_from_last_read(inputs: Inputs, loaders: Loaders, store: RegistryStore, gone: StoreUnavailableError,
                           alerts: list[Notice]) -> Served:
    """The database file is gone, or the database does not answer: the last version read from it, said on every
    page to be that (else the data folder's file, read-only). Nothing can be written meanwhile; the next read that
    works serves the database again."""
    last_read = store.last_read
    try:
        if not last_read.version:
            raise gone
        registry = loaders.registry(store, last_read.version, inputs)  # the pages' loader still holds it
    except StoreError:  # that version is no longer at hand (or nothing was read): the data folder's file
        said = _notice("error", "app.store_unavailable", reason=str(gone))
        return Served(inputs, loaders.file_registry(inputs.seed_path, inputs), inputs.notices, (*alerts, said))
    when = f"{last_read.at:%Y-%m-%d %H:%M} UTC"
    if isinstance(gone, StoreGoneError):
        said = _notice("error", "app.store_gone", path=gone.path, version=last_read.version, time=when)
    else:
        _log.warning("The registry database does not answer; serving version %s as last read: %s", last_read.version,
                     gone)
        said = _notice("error", "app.store_unreachable", path=store.location, version=last_read.version, time=when)
    return Served(inputs, registry, inputs.notices, (*alerts, said))


@dataclass(frozen=True)
class View:
    """What every page shows and every export draws: the registry, the filters, the rows they select, the
    language, and what is said about the data."""

    taxonomy: Taxonomy
    registry: Registry
    regions: gpd.GeoDataFrame | None
    region_names: Mapping[str, str]
    state: FilterState
    filtered: pd.DataFrame
    lang: str
    notices: tuple[Notice, ...] = ()
    problems: RegistryError | None = None
    key: tuple = ()
    """what the view is built from — the registry as served (``Served.key``), the filters, the language — under
    which what is computed from it is shared (``ecosystem.ui.cache``); empty for a view built by hand"""
    derivation_source: str = ""
    """the digest of the files the registry's regions and warnings are derived from here (``Derivation.source``)"""
    population: pd.DataFrame | None = None
    """residents per NUTS-3 region and broad age group, when downloaded (``ecosystem.population``)"""
    population_problem: str | None = None
    """why the downloaded population table cannot be used"""
    source_names: Mapping[str, str] = field(default_factory=dict)
    """what rows cite → its title and publisher (``ecosystem.sources``)"""

    @cached_property
    def programme_names(self) -> dict[str, str]:
        """Programme id → name."""
        return self.registry.programme_names

    @cached_property
    def context(self) -> ValidationContext:
        """What rows uploaded into this registry are checked against, where they lie included."""
        return validation_context(self.taxonomy, self.registry.programmes["id"], self.regions)

    @cached_property
    def derivation(self) -> Derivation:
        """How a version written from this view (an upload, a rollback) gets its regions and warnings."""
        return Derivation(self.context, self.regions, self.derivation_source)

    @property
    def footnote(self) -> str:
        """The source line every chart and export carries."""
        return t("app.source_footnote", self.lang, version=self.registry.version, date=self.registry.updated)

    @property
    def filters_in_words(self) -> str:
        """The active filters as a sentence in the view's language."""
        return describe_filters(self.state, self.taxonomy, self.lang, self.programme_names, self.region_names)


def load_view(query: str | Mapping[str, str | list[str]], lang: str, loaders: Loaders = Loaders()) -> View:
    """The view a URL query string describes (``country=LT&service=transport_mobility``, as the dashboard's
    address carries it), in ``lang``."""
    served = load_served(loaders)
    params = parse_qs(query.lstrip("?")) if isinstance(query, str) else query
    return served.view(FilterState.from_query(params, served.options), lang)
