"""The one Streamlit-aware module: cached loaders, the shared sidebar, and URL ↔ filter glue.

Everything here is thin: it decides *when* to call the plain functions of ``ecosystem`` (once per file
version, once per filter change) and shows their results or their problems to the person.
"""

from __future__ import annotations

import datetime
import functools
import inspect
import json
import re
import secrets as secrets_module
import socket
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit_folium import st_folium

from ecosystem import config
from ecosystem.assets import assets_installed, localise_map_assets
from ecosystem.auth import Account, AuthConfigError, Authenticator, LoginError, account_from_oidc, load_accounts
from ecosystem.charts import chart_spec
from ecosystem.checks import region_warnings, validation_context
from ecosystem.coverage import region_counts
from ecosystem.exports import ExportFile, ExportOptions, chart_file, deck_file, html_file, map_file, view_stamp
from ecosystem.filters import QUERY_KEYS, FilterOptions, FilterState, apply_filters, describe_filters, filter_options
from ecosystem.i18n import LANGUAGE_NAMES, t
from ecosystem.imports import seed_store
from ecosystem.lockout import StoreAttemptLog
from ecosystem.maps import MapLayers, map_layers, view_bounds
from ecosystem.pictures import DEFAULT_SLIDE, SLIDE_SIZES, PictureError, SlideSize
from ecosystem.regions import RegionsError, assign_regions, find_regions_file, load_regions, region_names
from ecosystem.registry import (
    PROGRAMME_COLUMNS, Registry, RegistryError, file_version, load_programmes, read_raw_csv, registry_from_raw,
    typed_registry,
)
from ecosystem.schema import (
    PROBLEM_COLUMNS, REGISTRY_COLUMNS, ValidationContext, has_errors, join_labels, validate_registry,
)
from ecosystem.stamp import export_file_name, toImageButtonOptions
from ecosystem.store import (
    RegistryStore, StoreError, StoreGoneError, StoreReplacedError, database_url, open_store,
)
from ecosystem.tables import problems_table
from ecosystem.taxonomy import LANGUAGES, Taxonomy, load_taxonomy
from ecosystem.view import View as ExportedView

PRESENTATION_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header {display: none !important;}
html, body, [data-testid="stAppViewContainer"] {font-size: 20px; color: #000; background: #fff;}
h1 {font-size: 3rem !important;} h3 {font-size: 1.6rem !important; color: #000 !important;}
[data-testid="stCaptionContainer"] {font-size: 1rem; color: #222;}
</style>"""
CDN_PROBE = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:@&])")  # what markdown could interpret
_FILTER_WIDGETS = ("countries", "regions", "services", "targets", "programmes", "actor_types", "statuses")


@dataclass
class View:
    """What every page renders: the data, the filters, the language, and notices to show."""

    taxonomy: Taxonomy
    registry: Registry
    regions: gpd.GeoDataFrame | None
    state: FilterState
    options: FilterOptions
    filtered: pd.DataFrame
    lang: str
    region_names: dict[str, str]
    notices: list[tuple[str, str]] = field(default_factory=list)
    problems: tuple[str, pd.DataFrame] | None = None

    @property
    def programme_names(self) -> dict[str, str]:
        """Programme id → name."""
        return dict(zip(self.registry.programmes["id"], self.registry.programmes["name"]))

    @property
    def footnote(self) -> str:
        """The source line every chart and export carries."""
        return t("app.source_footnote", self.lang, version=self.registry.version, date=self.registry.updated)

    @property
    def filters_in_words(self) -> str:
        """The active filters as a sentence in the view's language."""
        return describe_filters(self.state, self.taxonomy, self.lang, self.programme_names, self.region_names)


def _mtime(path: Path) -> float:
    return path.stat().st_mtime if path.exists() else 0.0


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


@st.cache_resource(show_spinner=False)
def _regions(path: str, mtime: float) -> gpd.GeoDataFrame | str:
    try:
        return load_regions(Path(path))
    except RegionsError as exc:
        return str(exc)


@_kept()
def store(url: str) -> RegistryStore:
    """One store (one connection pool) per database URL and server process."""
    return open_store(url)


def _live_store(url: str) -> RegistryStore:
    """The store of ``url``, reopened when its database was replaced by another (its ``key`` then changes);
    StoreGoneError when its file is gone."""
    registry_store = store(url)
    try:
        registry_store.current_version()
    except StoreReplacedError:
        registry_store.reopen()
    return registry_store


def registry_store_or_stop(lang: str) -> RegistryStore:
    """The configured store for pages that write or list versions; a clear error and a stop when unreachable."""
    try:
        return _live_store(database_url())
    except StoreGoneError:
        st.stop()  # the notice above every page says that the file is gone and what to do
    except StoreError as error:
        st.error(t("app.store_unavailable", lang, reason=plain(str(error))))
        st.stop()


@st.cache_resource(show_spinner=False)
def _programmes(path: str, mtime: float) -> pd.DataFrame | RegistryError:
    try:
        return load_programmes(Path(path))
    except RegistryError as exc:
        return exc


@_kept(max_entries=4)
def _registry(url: str, store_key: str, version: int, inputs_key: tuple, _programmes_frame: pd.DataFrame,
              _context: ValidationContext, _regions_frame: gpd.GeoDataFrame | None) -> Registry:
    """One registry version, typed, placed in its regions and with its warnings — once per version.

    ``store_key`` (the store's ``key``) names the opened database, so a replaced one never gets the frames read
    from its predecessor. ``inputs_key`` (programmes, taxonomy and boundary files with their modification
    times) stands for the hidden arguments, which are built from exactly those files."""
    registry_store = store(url)
    raw = registry_store.read(version)
    initiatives = typed_registry(raw)
    warnings = validate_registry(raw, _context)
    if _regions_frame is not None:
        initiatives = assign_regions(initiatives, _regions_frame)
        warnings = pd.concat([warnings, region_warnings(raw, _regions_frame)], ignore_index=True)
    history = registry_store.versions()
    created = history.loc[history["version"] == version, "created_at"]
    return Registry(initiatives, _programmes_frame, str(version), created.iloc[0][:10] if len(created) else "", warnings)


@_kept(max_entries=4)
def _seed_file_problems(path: str, mtime: float, inputs_key: tuple, _context: ValidationContext) -> RegistryError | None:
    """Problems of the data folder's initiatives.csv (the seed), checked once per modification of it or of
    what it is checked against (``inputs_key``)."""
    try:
        raw = read_raw_csv(Path(path))
    except RegistryError as exc:
        return exc
    problems = validate_registry(raw, _context)
    return RegistryError(Path(path).name, problems) if has_errors(problems) else None


@st.cache_data(ttl=600, show_spinner=False)
def _reachable(url: str) -> bool:
    """Whether the host of a tile URL answers a TCP connection within 1.5 s."""
    host = urlparse(url.replace("{s}", "a")).hostname or ""
    try:
        with socket.create_connection((host, 443), timeout=1.5):
            return True
    except OSError:
        return False


def tiles_setting(lang: str, notices: list[tuple[str, str]]) -> str | None:
    """The tiles to draw (``osm``, a URL or None); None with a notice when the tile host is unreachable."""
    tiles = config.tile_url()
    probe = "https://tile.openstreetmap.org/0/0/0.png" if tiles == "osm" else tiles
    if tiles and not _reachable(probe):
        notices.append(("info", t("app.no_tiles", lang, host=plain(urlparse(probe.replace("{s}", "a")).hostname or ""))))
        return None
    return tiles


def _query_lists() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def language() -> str:
    """The interface language: the sidebar's choice, first taken from the URL's ``lang``."""
    if "lang" not in st.session_state:
        wanted = st.query_params.get("lang", "en")
        st.session_state["lang"] = wanted if wanted in LANGUAGES else "en"
    return st.sidebar.selectbox(t("app.language", st.session_state["lang"]), LANGUAGES, key="lang",
                                format_func=LANGUAGE_NAMES.__getitem__)


def _restore_filters(options: FilterOptions) -> None:
    """On a session's first run, put the URL's filters into the sidebar widgets."""
    if st.session_state.get("_filters_restored"):
        return
    state = FilterState.from_query(_query_lists(), options)
    for name in _FILTER_WIDGETS:
        st.session_state[f"f_{name}"] = list(getattr(state, name))
    st.session_state["f_years"] = state.years or options.years
    st.session_state["f_text"] = state.text
    st.session_state["_filters_restored"] = True


def _clear_filters(options: FilterOptions) -> None:
    for name in _FILTER_WIDGETS:
        st.session_state[f"f_{name}"] = []
    st.session_state["f_years"] = options.years
    st.session_state["f_text"] = ""


def _filter_sidebar(view_options: FilterOptions, taxonomy: Taxonomy, lang: str,
                    programme_names: dict[str, str], names: dict[str, str]) -> FilterState:
    """The shared sidebar: one widget per filter, labels in the chosen language."""
    sidebar = st.sidebar
    sidebar.subheader(t("app.filters", lang))
    labels = {
        "countries": taxonomy.labels("country", lang),
        "regions": {code: f"{names[code]} ({code})" if code in names else code for code in view_options.regions},
        "services": taxonomy.labels("service_type", lang),
        "targets": taxonomy.labels("target_group", lang),
        "programmes": programme_names,
        "actor_types": taxonomy.labels("actor_type", lang),
        "statuses": taxonomy.labels("status", lang),
    }
    chosen: dict[str, object] = {}
    for name in _FILTER_WIDGETS:
        offered = getattr(view_options, name)
        st.session_state[f"f_{name}"] = [value for value in st.session_state.get(f"f_{name}", []) if value in offered]
        chosen[name] = tuple(sidebar.multiselect(
            t(f"filter.{name}", lang), offered, key=f"f_{name}", placeholder=t("filter.all", lang),
            format_func=lambda code, mapping=labels[name]: mapping.get(code, code)))
    low, high = view_options.years
    if low < high:
        years = sidebar.slider(t("filter.years", lang), low, high, key="f_years", help=t("filter.years_help", lang))
        chosen["years"] = None if tuple(years) == (low, high) else tuple(years)
    chosen["text"] = sidebar.text_input(t("filter.text", lang), key="f_text", help=t("filter.text_help", lang),
                                        max_chars=200).strip()
    sidebar.button(t("app.reset", lang), on_click=_clear_filters, args=(view_options,), width="stretch")
    return FilterState(**chosen)


def _sync_url(state: FilterState, lang: str) -> None:
    """Write the filters and language into the URL, so the address bar is the permalink; the page's own
    parameters (``embed``, ``chart`` …) stay."""
    current = {key: st.query_params.get_all(key) for key in st.query_params}
    kept = {key: values for key, values in current.items() if key not in QUERY_KEYS | {"lang"}}
    wanted = {**kept, **state.to_query(), **({"lang": lang} if lang != "en" else {})}
    if {key: (values[0] if len(values) == 1 else values) for key, values in current.items()} != wanted:
        st.query_params.from_dict(wanted)


def build_view(lang: str) -> View:
    """Load what is needed (cached), draw the shared filters, and return the view for the current page."""
    data_dir = config.data_dir()
    taxonomy_path = data_dir / "taxonomy.csv"
    taxonomy = _taxonomy(str(taxonomy_path), _mtime(taxonomy_path))
    notices: list[tuple[str, str]] = []

    regions_path = find_regions_file()
    regions = None
    if regions_path is None:
        notices.append(("info", t("app.no_regions", lang)))
    else:
        loaded = _regions(str(regions_path), _mtime(regions_path))
        if isinstance(loaded, str):
            notices.append(("warning", t("app.regions_error", lang, file=plain(regions_path.name), reason=plain(loaded))))
        else:
            regions = loaded

    registry, problems = _load_registry(data_dir, taxonomy, regions, regions_path, lang, notices)
    names = region_names(regions) if regions is not None else {}
    programme_names = dict(zip(registry.programmes["id"], registry.programmes["name"]))
    region_codes = regions["nuts_id"].tolist() if regions is not None else []
    options = filter_options(registry.initiatives, taxonomy, registry.programmes["id"].tolist(), region_codes)
    _restore_filters(options)
    state = _filter_sidebar(options, taxonomy, lang, programme_names, names)
    _sync_url(state, lang)
    filtered = apply_filters(registry.initiatives, state)
    return View(taxonomy, registry, regions, state, options, filtered, lang, names, notices, problems)


def _load_registry(data_dir: Path, taxonomy: Taxonomy, regions: gpd.GeoDataFrame | None, regions_path: Path | None,
                   lang: str, notices: list[tuple[str, str]]) -> tuple[Registry, tuple[str, pd.DataFrame] | None]:
    """The current registry version from the store (seeded from initiatives.csv on first start).

    A broken programmes file or seed file is reported row by row; the last good version keeps being served.
    """
    programmes_path, seed_path = data_dir / "programmes.csv", data_dir / "initiatives.csv"
    programmes = _programmes(str(programmes_path), _mtime(programmes_path))
    if isinstance(programmes, RegistryError):
        notices.insert(0, ("error", t("app.registry_error", lang, file=plain(programmes.file), served=t("app.nothing_to_serve", lang))))
        return _empty_registry(), (programmes.file, programmes.problems)
    context = validation_context(taxonomy, programmes["id"], regions)
    inputs_key = (str(programmes_path), _mtime(programmes_path), _mtime(data_dir / "taxonomy.csv"),
                  str(regions_path), _mtime(regions_path) if regions is not None and regions_path else 0.0)
    url = database_url()
    problem = None
    try:
        registry_store = _live_store(url)
        _say_store_state(registry_store, lang)
        try:
            seed_store(registry_store, seed_path, context)
            problem = _seed_file_problems(str(seed_path), _mtime(seed_path), inputs_key, context)
        except RegistryError as exc:
            problem = exc
        version = registry_store.current_version()
    except StoreGoneError as gone:  # the last data read, said to be that on every page
        try:
            registry = _registry(url, store(url).key, gone.last_read.version, inputs_key, programmes, context, regions)
        except StoreError:  # that version is no longer cached (or nothing was read): the data folder's file
            st.error(t("app.store_unavailable", lang, reason=plain(str(gone))))
            return _file_registry(str(seed_path), _mtime(seed_path), inputs_key, programmes, context), None
        st.error(t("app.store_gone", lang, path=plain(gone.path), version=gone.last_read.version,
                   time=f"{gone.last_read.at:%Y-%m-%d %H:%M} UTC"))
        return registry, None
    except StoreError as error:  # no database: serve the data folder's file read-only, and say so
        notices.insert(0, ("error", t("app.store_unavailable", lang, reason=plain(str(error)))))
        return _file_registry(str(seed_path), _mtime(seed_path), inputs_key, programmes, context), None
    if problem is not None:
        served = t("app.serving_previous", lang, version=version) if version else t("app.nothing_to_serve", lang)
        notices.insert(0, ("error", t("app.registry_error", lang, file=plain(problem.file), served=served)))
    if not version:
        return _empty_registry(programmes), (problem.file, problem.problems) if problem else None
    registry = _registry(url, registry_store.key, version, inputs_key, programmes, context, regions)
    return registry, (problem.file, problem.problems) if problem else None


def _say_store_state(registry_store: RegistryStore, lang: str) -> None:
    """Above every page: a database that can only be read here, and one replaced since this session's last run."""
    if registry_store.read_only:
        st.warning(t("store.read_only", lang, path=plain(registry_store.location)))
    if st.session_state.get("_store_key", registry_store.key) != registry_store.key:
        st.warning(t("app.store_replaced", lang, path=plain(registry_store.location)))
    st.session_state["_store_key"] = registry_store.key


@st.cache_resource(show_spinner=False)
def _file_registry(path: str, mtime: float, inputs_key: tuple, _programmes_frame: pd.DataFrame,
                   _context: ValidationContext) -> Registry:
    """The seed file itself as a read-only registry, for when the store cannot be opened (nothing if broken)."""
    try:
        return registry_from_raw(read_raw_csv(Path(path)), _programmes_frame, _context, Path(path).name,
                                 file_version(Path(path)))
    except RegistryError:
        return _empty_registry(_programmes_frame)


def _empty_registry(programmes: pd.DataFrame | None = None) -> Registry:
    """What is served when no good registry exists yet: nothing, honestly."""
    frame = typed_registry(pd.DataFrame(columns=REGISTRY_COLUMNS))
    programmes = programmes if programmes is not None else pd.DataFrame(columns=PROGRAMME_COLUMNS)
    return Registry(frame, programmes, "—", "", pd.DataFrame(columns=PROBLEM_COLUMNS))


def current_view() -> View:
    """The view the entry script built for this run; a page run on its own (tests) builds its own."""
    view = st.session_state.pop("_view", None)
    if view is not None:
        return view
    if PagesManager.uses_pages_directory:
        # A server whose first visitor opens a page URL (e.g. /map) starts in Streamlit's legacy mode for
        # apps with a pages/ folder and runs the page without the router. Leave that mode once and rerun:
        # the router then runs and resolves the same URL to the same page.
        PagesManager.uses_pages_directory = False
        st.rerun()
    return build_view(language())


def leave_presentation_link(lang: str) -> None:
    """A way back from presentation mode (which hides the sidebar) to the overview."""
    pages = st.session_state.get("_pages", [])
    if pages:
        st.page_link(pages[0], label=t("present.leave", lang), icon=":material/close:")


def page_links(lang: str) -> None:
    """Links into the other pages (when run under the router, which registers them)."""
    for page in st.session_state.get("_pages", [])[1:4]:
        st.page_link(page, label=t(f"overview.go_{page.url_path}", lang), icon=page.icon)


def plain(text: str) -> str:
    """Text safe to pass to Streamlit markdown: every markdown character shown as itself.

    That includes ``:``, ``@`` and ``&``: unescaped, the parser takes ``http://…`` or ``a@b.lt`` as an autolink
    before resolving escapes (and shows the backslashes), ``&lt;`` as an entity and ``:red[…]`` as a colour.
    Escaped, the text is shown as written; a web or e-mail address still becomes a link to exactly that
    address, ``javascript:`` never does."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def show_notices(view: View) -> None:
    """Notices of this run (missing boundaries, unreachable tiles, a broken file), each said once."""
    for level, text in view.notices:
        getattr(st, level)(text)
    if view.problems is not None:
        file, problems = view.problems
        with st.expander(t("app.problems_title", view.lang), expanded=True):
            st.dataframe(problems_table(problems, view.lang), hide_index=True,
                         width="stretch")


def view_map_layers(view: View, tiles: str | None, *, show_organisations: bool, coverage: bool = True,
                    cluster: bool = False) -> MapLayers:
    """The map of the view's filtered rows, with the coverage choropleth when boundaries are there and wanted."""
    counts = region_counts(view.filtered, view.regions["nuts_id"]) if view.regions is not None and coverage else None
    bounds = view_bounds(view.filtered, view.regions, view.state.countries, view.state.regions)
    return map_layers(view.filtered, view.taxonomy, view.lang, view.programme_names, tiles=tiles,
                      regions=view.regions if counts is not None else None, region_counts=counts,
                      show_organisations=show_organisations, cluster=cluster, colour_services=view.state.services,
                      bounds=bounds)


def render_map(layers: MapLayers, key: str, height: int, returned_objects: list[str]) -> dict:
    """Show a map with st_folium: the base stays put, overlays swap on filter changes, no rerun on pan/zoom.

    The map's JavaScript comes with the page from the installed copies when there are any (or required), else
    from public CDNs — and when neither is possible the page says which command installs them instead of showing
    a blank map. A page view never installs anything."""
    lang = st.session_state.get("lang", "en")
    mode = config.map_assets_mode()
    if mode != "cdn" and assets_installed():
        for element in (layers.base, *layers.overlays):
            localise_map_assets(element)
    elif mode == "local":
        st.warning(t("app.assets_missing", lang))
    elif not _reachable(CDN_PROBE):
        st.warning(t("app.assets_unreachable", lang))
    return st_folium(layers.base, key=key, height=height, use_container_width=True,
                     feature_group_to_add=layers.overlays, layer_control=folium.LayerControl(collapsed=False),
                     returned_objects=returned_objects) or {}


def detail_card(row: object, view: View) -> None:
    """A bordered card with everything the registry knows of one row, all of it as plain text."""
    taxonomy, lang = view.taxonomy, view.lang

    def codes(cell: str, vocabulary: str) -> str:
        return join_labels(pd.Series([cell]), taxonomy.labels(vocabulary, lang)).iloc[0]

    with st.container(border=True):
        st.markdown(f"**{plain(row.name)}**")
        facts = [
            (t("column.actor_type", lang), taxonomy.label("actor_type", row.actor_type, lang)),
            (t("column.status", lang), taxonomy.label("status", row.status, lang) if row.status else ""),
            (t("column.municipality", lang), ", ".join(part for part in (row.municipality, taxonomy.label("country", row.country, lang)) if part)),
            (t("column.region_code", lang), f"{view.region_names.get(row.region_code, '')} ({row.region_code})" if row.region_code else ""),
            (t("column.service_types", lang), codes(row.service_types, "service_type")),
            (t("column.target_groups", lang), codes(row.target_groups, "target_group")),
            (t("column.programmes", lang), ", ".join(view.programme_names.get(code, code) for code in row.programmes.split(";") if code)),
            (t("filter.years", lang), "–".join(str(year) for year in (row.start_year, row.end_year) if pd.notna(year))),
            (t("column.location_precision", lang), taxonomy.label("location_precision", row.location_precision, lang) if row.location_precision else ""),
            (t("column.partner", lang), row.partner),
            (t("column.source", lang), row.source.replace(";", ", ")),
        ]
        st.text("\n".join(f"{label}: {value}" for label, value in facts if value))
        if row.description:
            st.text(row.description)
        if re.match(r"^https?://", row.website, re.IGNORECASE):
            st.link_button(t("column.website", lang), row.website)


# --- accounts --------------------------------------------------------------------------------------

def _secrets() -> dict:
    """The server's secrets as a plain dict ({} when there is no secrets.toml)."""
    try:
        return st.secrets.to_dict()
    except FileNotFoundError:
        return {}


@st.cache_resource(show_spinner=False)
def _authenticator(fingerprint: str, url: str, _secrets_dict: dict) -> Authenticator | AuthConfigError:
    """The accounts of the secrets, checked once per account set and database; StoreError when it is unreachable.

    Only the accounts are cached: failed sign-ins and locks are rows of the registry database, which no cache
    clear (Streamlit's ``clear_cache`` message, which any visitor can send) can reset."""
    try:
        return Authenticator(load_accounts(_secrets_dict), attempts=StoreAttemptLog(store(url)))
    except AuthConfigError as exc:
        return exc


def signed_in_account(lang: str, prompt: str = "upload.sign_in_first") -> Account | None:
    """The signed-in account, after a sign-in form (introduced by the ``prompt`` string) if nobody is yet."""
    account = st.session_state.get("account")
    if account is not None:
        st.sidebar.caption(t("auth.signed_in_as", lang, name=plain(account.display_name)))
        if st.sidebar.button(t("auth.sign_out", lang), key="sign_out"):
            del st.session_state["account"]
            st.rerun()
        return account
    secrets = _secrets()
    if secrets.get("auth"):  # Streamlit's OpenID Connect login, configured in [auth] of secrets.toml
        return _oidc_account(secrets, lang)
    if not secrets.get("accounts"):
        st.info(t("upload.no_accounts", lang))
        return None
    try:
        authenticator = _authenticator(json.dumps(secrets.get("accounts"), sort_keys=True, default=str), database_url(),
                                       secrets)
    except StoreError as error:
        st.error(t("auth.store_unavailable", lang, reason=plain(str(error))))
        return None
    if isinstance(authenticator, AuthConfigError):
        st.error(t("upload.accounts_broken", lang, reason=plain("; ".join(authenticator.problems))))
        return None
    st.info(t(prompt, lang))
    with st.form("sign_in"):
        username = st.text_input(t("auth.username", lang), key="sign_in_user")
        password = st.text_input(t("auth.password", lang), type="password", key="sign_in_password")
        submitted = st.form_submit_button(t("auth.sign_in", lang))
    if submitted:
        try:
            st.session_state["account"] = authenticator.login(username, password, client=_client_key())
        except LoginError as error:
            st.error(error.message(lang))
            return None
        except StoreError as error:
            st.error(t("auth.store_unavailable", lang, reason=plain(str(error))))
            return None
        st.rerun()
    return None


def _oidc_account(secrets: dict, lang: str) -> Account | None:
    """The account of a user signed in through the identity provider, mapped by e-mail in [oidc_accounts]."""
    if not st.user.get("is_logged_in", False):
        st.info(t("upload.sign_in_first", lang))
        st.button(t("auth.sign_in", lang), on_click=st.login, key="oidc_sign_in")
        return None
    account = account_from_oidc(st.user.to_dict(), secrets)
    st.sidebar.button(t("auth.sign_out", lang), on_click=st.logout, key="oidc_sign_out")
    if account is None:
        st.error(t("auth.no_account", lang, email=plain(str(st.user.get("email", "")))))
        return None
    st.sidebar.caption(t("auth.signed_in_as", lang, name=plain(account.display_name)))
    return account


def _client_key() -> str:
    """Identifies the browser session for lockout counting."""
    if "client_key" not in st.session_state:
        st.session_state["client_key"] = secrets_module.token_hex(8)
    return st.session_state["client_key"]


# --- exports ---------------------------------------------------------------------------------------

def export_view(view: View, *, bounds: list[list[float]] | None = None, show_organisations: bool = True,
                show_coverage: bool = True) -> tuple[ExportedView, ExportOptions]:
    """What the export functions need to reproduce exactly this view: the view, and the map as shown."""
    url = st.context.url or ""
    base_url = url.split("?", 1)[0].rsplit("/", 1)[0] if url else ""
    shown = ExportedView(view.taxonomy, view.registry, view.regions, view.region_names, view.state, view.filtered,
                         view.lang)
    return shown, ExportOptions(base_url=base_url, tiles=tiles_setting(view.lang, []), bounds=bounds,
                                show_organisations=show_organisations, show_coverage=show_coverage)


def export_panel(view: View, page: str, charts: list[str], *, include_map: bool,
                 bounds: list[list[float]] | None = None, show_organisations: bool = True,
                 show_coverage: bool = True) -> None:
    """The shared export panel: pick what and how big, prepare it on click, download it."""
    lang = view.lang
    with st.expander(t("export.panel", lang), icon=":material/download:"):
        kinds: dict[str, str] = {}
        if include_map:
            kinds |= {f"map.{fmt}": t(f"export.kind.map.{fmt}", lang) for fmt in ("png", "svg", "pdf")}
            kinds["html"] = t("export.kind.html", lang)
        for chart in charts:
            label = t(chart_spec(chart).label_key, lang)
            for fmt in ("png", "svg", "pdf"):
                kinds[f"chart.{chart}.{fmt}"] = t("export.kind.chart", lang, chart=label, fmt=fmt.upper())
        kinds["deck"] = t("export.kind.deck", lang)
        what = st.selectbox(t("export.what", lang), list(kinds), format_func=kinds.__getitem__, key=f"export_what_{page}")
        size = st.radio(t("export.size", lang), list(SLIDE_SIZES), horizontal=True, key=f"export_size_{page}")
        title = st.text_input(t("export.title_label", lang), key=f"export_title_{page}", max_chars=160,
                              placeholder=_default_title(what, view, lang))
        qr = st.checkbox(t("export.qr", lang), key=f"export_qr_{page}", disabled=what.endswith((".svg", ".pdf")) or what == "deck")
        if st.button(t("export.prepare", lang), key=f"export_go_{page}", type="primary"):
            shown, options = export_view(view, bounds=bounds, show_organisations=show_organisations,
                                         show_coverage=show_coverage)
            with st.status(t("export.preparing", lang, name=kinds[what]), expanded=False) as status:
                try:
                    st.session_state[f"export_file_{page}"] = _export(shown, options, what, SLIDE_SIZES[size],
                                                                      title or None, qr)
                except (PictureError, OSError, ValueError) as error:
                    status.update(label=t("export.failed", lang, reason=plain(str(error))), state="error")
                    st.session_state.pop(f"export_file_{page}", None)
                else:
                    status.update(label=t("export.ready", lang, name=st.session_state[f"export_file_{page}"].name),
                                  state="complete")
        file = st.session_state.get(f"export_file_{page}")
        if file is not None:
            st.download_button(t("export.download", lang, name=file.name), file.data, file_name=file.name,
                               mime=file.mime, key=f"export_download_{page}")


def _default_title(what: str, view: View, lang: str) -> str:
    if what == "deck":
        kind = "deck"
    elif what.startswith(("map", "html")):
        kind = "map"
    else:
        kind = chart_spec(what.split(".")[1]).kind
    return view_stamp(export_view(view)[0], kind, "").title


def _export(view: ExportedView, options: ExportOptions, what: str, size: SlideSize, title: str | None,
            qr: bool) -> ExportFile:
    """One export by its panel key (``map.png``, ``chart.heatmap.svg``, ``deck``, ``html``)."""
    if what == "deck":
        return deck_file(view, title, options=options)  # its title slide always carries the QR code
    if what == "html":
        return html_file(view, title, qr=qr, options=options)
    parts = what.split(".")
    if parts[0] == "map":
        return map_file(view, parts[1], size, title, qr=qr, options=options)
    return chart_file(view, parts[1], parts[2], size, title, qr=qr, options=options)


def plotly_config(view: View, chart: str) -> dict:
    """The chart's modebar: its own PNG download named and sized like the export panel's (16:9, 2×)."""
    name = export_file_name(chart_spec(chart).kind, view.state, datetime.date.today(), view.registry.version, "png")
    return {"displaylogo": False, **toImageButtonOptions(name, DEFAULT_SLIDE.width, DEFAULT_SLIDE.height, 2)}


def bounds_of(result: dict) -> list[list[float]] | None:
    """The map extent st_folium reported, as [[south, west], [north, east]] (None before it reports one)."""
    bounds = result.get("bounds") or {}
    south_west, north_east = bounds.get("_southWest") or {}, bounds.get("_northEast") or {}
    if None in (south_west.get("lat"), south_west.get("lng"), north_east.get("lat"), north_east.get("lng")):
        return None
    return [[south_west["lat"], south_west["lng"]], [north_east["lat"], north_east["lng"]]]
