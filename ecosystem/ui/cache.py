"""The pages' caches of ``ecosystem.view``'s plain loaders: each part read once per file or registry version.

The small files (taxonomy, programmes, boundaries) live in ``st.cache_resource``, keyed by path and modification
time. The registry store and each registry version as served are ``_kept``: out of reach of Streamlit's
``clear_cache`` message, which any visitor's browser can send without signing in, so a clear only makes the
next visitor reload the small files (README, security notes; ``benchmarks/clear_cache_cost.py``).
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import pandas as pd
import streamlit as st

from ecosystem.i18n import t
from ecosystem.regions import RegionsError
from ecosystem.registry import Registry, RegistryError
from ecosystem.store import RegistryStore, StoreError, StoreGoneError, database_url
from ecosystem.taxonomy import Taxonomy, load_taxonomy
from ecosystem.ui.text import plain
from ecosystem.view import (
    Inputs,
    Loaders,
    Served,
    load_served,
    modified_time,
    open_served_store,
    read_file_registry,
    read_programmes,
    read_regions,
    read_registry_version,
    reopened_if_replaced,
    seed_file_problems,
)

__all__ = ["LOADERS", "registry_store_or_stop", "served", "store"]

_Function = TypeVar("_Function", bound=Callable[..., Any])


def _kept(max_entries: int | None = None) -> Callable[[_Function], _Function]:
    """Like ``st.cache_resource``, for what is built from versioned inputs, but out of reach of ``clear_cache``.

    Streamlit empties its caches for the whole server when any visitor's browser sends ``clear_cache`` — no
    sign-in needed — and rebuilding a large registry then costs the next visitors seconds
    (``benchmarks/clear_cache_cost.py``). Results are keyed like ``st.cache_resource`` (arguments named ``_…``
    are left out), kept for the life of the process, the least recently used dropped beyond ``max_entries``;
    visitors asking for the same key at once wait for one build.
    """

    def decorate(function: _Function) -> _Function:
        signature = inspect.signature(function)
        results: OrderedDict[tuple, Any] = OrderedDict()
        builds: dict[tuple, threading.Lock] = {}
        guard = threading.Lock()

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
                    if max_entries is not None and len(results) > max_entries:
                        builds.pop(results.popitem(last=False)[0], None)
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


@_kept()
def store(url: str) -> RegistryStore:
    """One store (one connection pool) per database URL and server process, opened as a page view opens it:
    without creating or writing anything (StoreNotInitialisedError, not kept, until ``init`` has run)."""
    return open_served_store(url)


@_kept(max_entries=4)
def _registry(store_key: str, version: int, inputs_key: tuple, _store: RegistryStore, _inputs: Inputs) -> Registry:
    return read_registry_version(_store, version, _inputs)


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


LOADERS = Loaders(taxonomy=taxonomy, programmes=programmes, regions=regions, store=store, registry=registry,
                  seed_problems=seed_problems, file_registry=file_registry)
"""``ecosystem.view``'s loaders, cached as above."""


def served() -> Served:
    """The registry as served for this run, read through the caches."""
    return load_served(LOADERS)


def registry_store_or_stop(lang: str) -> RegistryStore:
    """The configured store for pages that write or list versions; a clear error and a stop when unreachable."""
    try:
        return reopened_if_replaced(store(database_url()))
    except StoreGoneError:
        st.stop()  # the alert above every page says that the file is gone and what to do
    except StoreError as error:
        st.error(t("app.store_unavailable", lang, reason=plain(str(error))))
        st.stop()
