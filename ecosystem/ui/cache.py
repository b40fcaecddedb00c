"""The pages' caches of ``ecosystem.view``'s plain loaders, and of what the pages compute from a view: each
part read or computed once per file, registry version or view, for every session of the server.

The small files (taxonomy, programmes, boundaries) live in ``st.cache_resource``, keyed by path and modification
time. The registry store and each registry version as served are ``_kept``: out of reach of Streamlit's
``clear_cache`` message, which any visitor's browser can send without signing in, so a clear only makes the
next visitor reload the small files (README, security notes; ``benchmarks/clear_cache_cost.py``).

So is what is computed from the registry as served: the run's ``Served`` (its filter options and region names)
per ``Served.key``, each ``View`` per (that key, filters, language) — its filtered rows shared by every language
— and what Overview and Coverage show of a view (headline figures, charts, gaps) per ``View.key``. Thirty
visitors looking at the same filters cost one computation. Shared results are never changed by a page:
``st.plotly_chart`` copies a figure before it sends it.
"""

from __future__ import annotations

import functools
import gc
import inspect
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ecosystem import server
from ecosystem.charts import coverage_figure
from ecosystem.coverage import Headline, headline, region_counts, unserved_targets
from ecosystem.filters import FilterState, apply_filters
from ecosystem.gaps import Gaps, gaps_of_view
from ecosystem.i18n import LANGUAGES, t
from ecosystem.population import PopulationError
from ecosystem.regions import RegionsError
from ecosystem.registry import Registry, RegistryError
from ecosystem.store import RegistryStore, StoreError, StoreGoneError, StoreUnavailableError, database_url
from ecosystem.taxonomy import Taxonomy, load_taxonomy
from ecosystem.ui.text import plain
from ecosystem.view import (
    Inputs,
    Loaders,
    Served,
    View,
    load_served,
    modified_time,
    open_served_store,
    read_file_registry,
    read_population,
    read_programmes,
    read_regions,
    read_registry_version,
    reopened_if_replaced,
    seed_file_problems,
)

__all__ = [
    "LOADERS", "chart", "gaps_of", "headline_of", "per_registry", "per_view", "region_counts_of",
    "registry_store_or_stop", "served", "store", "unserved_targets_of", "view", "warm_up",
]

_Function = TypeVar("_Function", bound=Callable[..., Any])
_Result = TypeVar("_Result")


def _kept(max_entries: int | None = None, *, weight: Callable[[Any], int] | None = None,
          max_weight: int | None = None) -> Callable[[_Function], _Function]:
    """Like ``st.cache_resource``, for what is built from versioned inputs, but out of reach of ``clear_cache``.

    Streamlit empties its caches for the whole server when any visitor's browser sends ``clear_cache`` — no
    sign-in needed — and rebuilding a large registry then costs the next visitors seconds
    (``benchmarks/clear_cache_cost.py``). Results are keyed like ``st.cache_resource`` (arguments named ``_…``
    are left out), kept for the life of the process, the least recently used dropped beyond ``max_entries`` or
    while the results' ``weight`` adds up to more than ``max_weight`` (the newest result is always kept);
    visitors asking for the same key at once wait for one build.
    """

    def decorate(function: _Function) -> _Function:
        signature = inspect.signature(function)
        results: OrderedDict[tuple, Any] = OrderedDict()
        weights: dict[tuple, int] = {}
        builds: dict[tuple, threading.Lock] = {}
        guard = threading.Lock()

        def too_many() -> bool:
            return len(results) > 1 and ((max_entries is not None and len(results) > max_entries)
                                         or (max_weight is not None and sum(weights.values()) > max_weight))

        @functools.wraps(function)
        def kept(*args: Any, **kwargs: Any) -> Any:
            arguments = signature.bind(*args, **kwargs).arguments
            key = tuple(value for name, value in arguments.items() if not name.startswith("_"))
            with guard:
                build = builds.setdefault(key, threading.Lock())
            with build:
                with guard:
                    if key in results:
                        results.move_to_end(key)
                        return results[key]
                result = function(*args, **kwargs)
                with guard:
                    results[key] = result
                    weights[key] = weight(result) if weight is not None else 0
                    while too_many():
                        dropped = results.popitem(last=False)[0]
                        weights.pop(dropped, None)
                        builds.pop(dropped, None)
                return result

        return kept  # type: ignore[return-value]

    return decorate


@st.cache_resource(show_spinner=False)
def _taxonomy(path: str, mtime: float) -> Taxonomy:
    return load_taxonomy(Path(path))


def taxonomy(path: Path) -> Taxonomy:
    """The taxonomy file, read once per modification."""
    return _taxonomy(str(path), modified_time(path))


@st.cache_resource(show_spinner=False)
def _programmes(path: str, mtime: float) -> pd.DataFrame | RegistryError:
    return read_programmes(Path(path))


def programmes(path: Path) -> pd.DataFrame | RegistryError:
    """The programmes file (or its problems), read once per modification."""
    return _programmes(str(path), modified_time(path))


@st.cache_resource(show_spinner=False)
def _regions(path: str, mtime: float) -> gpd.GeoDataFrame | RegionsError:
    return read_regions(Path(path))


def regions(path: Path) -> gpd.GeoDataFrame | RegionsError:
    """A boundary file (or why it cannot be used), read once per modification."""
    return _regions(str(path), modified_time(path))


@st.cache_resource(show_spinner=False)
def _population(path: str, mtime: float) -> pd.DataFrame | PopulationError:
    return read_population(Path(path))


def population(path: Path) -> pd.DataFrame | PopulationError:
    """The downloaded population table (or why it cannot be used), read once per modification."""
    return _population(str(path), modified_time(path))


@_kept()
def store(url: str) -> RegistryStore:
    """One store (one connection pool) per database URL and server process, opened as a page view opens it:
    without creating or writing anything (StoreNotInitialisedError, not kept, until ``init`` has run)."""
    return open_served_store(url)


@_kept(max_entries=4)
def _registry(store_key: str, version: int, inputs_key: tuple, _store: RegistryStore, _inputs: Inputs) -> Registry:
    registry_read = read_registry_version(_store, version, _inputs)
    _out_of_the_collectors_sight()
    return registry_read


def _out_of_the_collectors_sight() -> None:
    """Collect what is garbage now, then take every object still alive — a registry version just read, what was
    readied from it — out of the garbage collector's passes (``gc.freeze``). Streamlit collects every generation after
    each script run, and each such pass walked every object the server holds: ~0.25 s of every page view at 100,000
    rows (py-spy), while the browser waited for the page's scripts; ~0.08 s with them frozen. Frozen objects are
    still freed when nothing refers to them any more; only a reference cycle among them would stay. Only in a
    serving process (``app.py``): a test process keeps other things alive meanwhile."""
    if not server.serving():
        return
    gc.collect()
    gc.freeze()


def registry(registry_store: RegistryStore, version: int, inputs: Inputs) -> Registry:
    """One registry version as served, built once per version and kept.

    The key names the opened database (the store's ``key``), so a replaced one never gets the frames read from
    its predecessor, and the files the inputs were read from with their modification times."""
    return _registry(registry_store.key, version, inputs.key, registry_store, inputs)


@_kept(max_entries=4)
def _seed_problems(path: str, mtime: float, inputs_key: tuple, _inputs: Inputs) -> RegistryError | None:
    return seed_file_problems(Path(path), _inputs)


def seed_problems(path: Path, inputs: Inputs) -> RegistryError | None:
    """The seed file's blocking problems, checked once per modification of it or of what it is checked against."""
    return _seed_problems(str(path), modified_time(path), inputs.key, inputs)


@st.cache_resource(show_spinner=False)
def _file_registry(path: str, mtime: float, inputs_key: tuple, _inputs: Inputs) -> Registry:
    return read_file_registry(Path(path), _inputs)


def file_registry(path: Path, inputs: Inputs) -> Registry:
    """The seed file as a read-only registry (for when there is no database), read once per modification."""
    return _file_registry(str(path), modified_time(path), inputs.key, inputs)


LOADERS = Loaders(taxonomy=taxonomy, programmes=programmes, regions=regions, population=population, store=store,
                  registry=registry, seed_problems=seed_problems, file_registry=file_registry)
"""``ecosystem.view``'s loaders, cached as above."""


@_kept(max_entries=8)
def _served(key: tuple, _fresh: Served) -> Served:
    return _fresh


def served() -> Served:
    """The registry as served for this run, read through the caches: the first ``Served`` of its key, shared by
    every session, so its filter options and region names are computed once."""
    fresh = load_served(LOADERS)
    return _served(fresh.key, fresh)


MAX_FILTERED_ROWS = 1_000_000
"""How many filtered rows (copies of registry rows) the kept views may hold, and the kept selections apart."""


def _copied_rows(result: pd.DataFrame | View) -> int:
    """How many registry rows a filtered selection, or a view's, holds as a copy (0: the registry itself)."""
    if isinstance(result, View):
        return 0 if result.filtered is result.registry.initiatives else len(result.filtered)
    return len(result)


@_kept(max_entries=16, weight=_copied_rows, max_weight=MAX_FILTERED_ROWS)
def _filtered(served_key: tuple, state: FilterState, _served: Served) -> pd.DataFrame:
    return apply_filters(_served.registry.initiatives, state)


@_kept(max_entries=128, weight=_copied_rows, max_weight=MAX_FILTERED_ROWS)
def _view(served_key: tuple, state: FilterState, lang: str, _served: Served) -> View:
    filtered = _served.registry.initiatives if state.is_empty else _filtered(served_key, state, _served)
    return _served.view_of(state, lang, filtered)


def view(served_view: Served, state: FilterState, lang: str) -> View:
    """The registry as served seen through ``state`` in ``lang``: built once per (database, version, input files,
    filters, language) and shared by every session; its filtered rows are shared by every language."""
    return _view(served_view.key, state, lang, served_view)


def per_view(build: Callable[[View], _Result]) -> Callable[[View], _Result]:
    """Decorate a function of a view: its result is built once per ``View.key`` (registry as served, filters,
    language) for every session, and kept out of reach of ``clear_cache`` (a view built by hand, without a key, is
    computed every time). The result is shared: nobody may change it."""

    def keyed(key: tuple, _view: View) -> _Result:
        return build(_view)

    kept = _kept(max_entries=128)(keyed)

    @functools.wraps(build)
    def shared(view: View) -> _Result:
        return kept(view.key, view) if view.key else build(view)

    return shared


def per_registry(build: Callable[[View], _Result]) -> Callable[[View], _Result]:
    """Decorate a function of a view that depends on its registry as served only (not on the filters or the
    language): built once per ``Served.key`` for every session, like ``per_view``."""

    def keyed(key: tuple, _view: View) -> _Result:
        return build(_view)

    kept = _kept(max_entries=4)(keyed)

    @functools.wraps(build)
    def shared(view: View) -> _Result:
        return kept(view.key[0], view) if view.key else build(view)

    return shared


@per_view
def headline_of(view: View) -> Headline:
    """The view's headline figures (Overview)."""
    return headline(view.filtered)


@per_view
def unserved_targets_of(view: View) -> list[str]:
    """The target groups no initiative of the view serves (Overview)."""
    return unserved_targets(view.filtered, view.taxonomy.codes("target_group"))


@per_view
def gaps_of(view: View) -> Gaps | None:
    """The view's gap answer (Gaps page, the map's gap outlines): regions without an initiative, residents
    concerned, distances; None without boundaries."""
    return gaps_of_view(view)


@per_view
def region_counts_of(view: View) -> pd.Series | None:
    """Initiatives of the view per NUTS-3 region of the boundaries, zeros included (the map's choropleth); None
    without boundaries."""
    return region_counts(view.filtered, view.regions["nuts_id"]) if view.regions is not None else None


def _chart_of(view: View, chart_id: str) -> go.Figure:
    return coverage_figure(chart_id, view.filtered, view.taxonomy, view.lang, view.footnote, view.programme_names,
                           view.region_names)


@_kept(max_entries=256)
def _chart(view_key: tuple, chart_id: str, _view: View) -> go.Figure:
    return _chart_of(_view, chart_id)


def chart(view: View, chart_id: str) -> go.Figure:
    """One coverage chart of the view (``charts.CHARTS``), built once per view and chart for every session: shown
    as it is (``st.plotly_chart`` copies it), never changed."""
    return _chart(view.key, chart_id, view) if view.key else _chart_of(view, chart_id)


def warm_up() -> str:
    """Read the current registry version and build what a first visitor's page needs from it — the sidebar's
    filter options, the unfiltered view in the default language, its coverage counts, the map's point table and
    outlines — so the first visitor finds them made (a visitor arriving meanwhile waits for the same builds, never
    repeats them). What was readied, for the server's log."""
    from ecosystem.maps import map_outlines, point_table  # noqa: PLC0415 - folium is imported with the first map

    served_now, lang = served(), LANGUAGES[0]  # the language a first visit opens in
    options = served_now.options
    first = view(served_now, FilterState(), lang)
    region_counts_of(first)
    point_table(served_now.registry.initiatives)
    map_outlines(first.regions, lang)
    _out_of_the_collectors_sight()
    return (f"{len(served_now.registry.initiatives):,} initiatives in {len(options.countries)} countries, version "
            f"{served_now.store_version}, ready to serve")


def registry_store_or_stop(lang: str) -> RegistryStore:
    """The configured store for pages that write or list versions; a clear error and a stop when unreachable."""
    try:
        opened = store(database_url())
    except StoreError as error:
        st.error(t("app.store_unavailable", lang, reason=plain(str(error))))
        st.stop()
    try:
        return reopened_if_replaced(opened)
    except (StoreGoneError, StoreUnavailableError):
        st.stop()  # the alert above every page says that the database is gone or does not answer, and what is shown
    except StoreError as error:
        st.error(t("app.store_unavailable", lang, reason=plain(str(error))))
        st.stop()
