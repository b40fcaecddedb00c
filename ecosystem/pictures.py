"""Static pictures for slides: charts through kaleido, maps through headless Chromium, and a map without a browser.

This is the one module that drives a headless browser. A process keeps at most two Chromiums: one kaleido
Chromium for charts (``ChartRenderer``) and one Playwright Chromium for maps (``MapRenderer``), each started on
first use, serialised by a lock, bounded by a timeout and closed by ``close_browsers()``. Without a browser,
``static_map_picture`` draws the same map with geopandas and matplotlib (PNG, or true vector SVG and PDF).

Sizes are CSS pixels; ``scale`` is the pixel density, so a W×H picture at scale 2 is 2W×2H pixels.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import importlib.util
import io
import os
import queue
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Coroutine, Iterable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import numpy as np
import pandas as pd

from ecosystem.map_style import (
    LEGEND_SWATCH,
    REGIONS,
    SEA_COLOUR,
    DrawnPoints,
    LegendEntry,
    class_colour,
    count_classes,
    initiative_points,
    legend_entries,
    located_points,
    organisation_points,
)
from ecosystem.maps import BALTIC_BOUNDS, EUROGEOGRAPHICS
from ecosystem.taxonomy import Taxonomy

if TYPE_CHECKING:
    import plotly.graph_objects as go
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from playwright.sync_api import Browser, Playwright, Route

__all__ = [
    "CHART_FORMATS",
    "CHROMIUM_ARGS",
    "DEFAULT_SLIDE",
    "SLIDE_SIZES",
    "STATIC_MAP_FORMATS",
    "ChartRenderer",
    "MapRenderer",
    "PictureError",
    "SlideSize",
    "browser_available",
    "chromium_path",
    "close_browsers",
    "figure_bytes",
    "find_map_variable",
    "map_shape_count",
    "render_chart",
    "render_map_png",
    "static_map_figure",
    "static_map_picture",
]

ChartFormat = Literal["png", "svg", "pdf"]
CHART_FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
STATIC_MAP_FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_INSTALL_HINT = "apt-get install chromium (or set BROWSER_PATH to a Chrome or Chromium executable)"
_CLOSE_TIMEOUT = 10.0  # seconds a browser gets to close before it is killed or abandoned
_T = TypeVar("_T")


class PictureError(RuntimeError):
    """A picture could not be made; the message says why in plain words."""


@dataclass(frozen=True)
class SlideSize:
    """A picture size in CSS pixels and its pixel density (``scale``)."""

    name: str
    width: int
    height: int
    scale: float = 2

    @property
    def pixels(self) -> tuple[int, int]:
        """The size of a PNG of this slide size, in pixels."""
        return round(self.width * self.scale), round(self.height * self.scale)


SLIDE_SIZES: dict[str, SlideSize] = {
    size.name: size
    for size in (SlideSize("16:9", 1600, 900), SlideSize("4:3", 1200, 900), SlideSize("square", 1000, 1000))
}
DEFAULT_SLIDE = SLIDE_SIZES["16:9"]


def _check_size(width: int, height: int, scale: float) -> None:
    """Raise ValueError for a size no picture can have."""
    if width <= 0 or height <= 0 or scale <= 0:
        raise ValueError(f"A picture needs a positive size and scale, not {width}×{height} at scale {scale}.")


def chromium_path() -> Path | None:
    """The Chromium to use: ``BROWSER_PATH`` when set (as kaleido reads it), else the first one installed."""
    configured = os.environ.get("BROWSER_PATH", "").strip()
    if configured:
        return Path(configured) if Path(configured).is_file() else None
    found = (shutil.which(name) for name in _CHROMIUM_NAMES)
    return next((Path(path) for path in found if path), None)


def browser_available() -> bool:
    """Whether chart and map pictures can be made here: a Chromium, kaleido and Playwright are installed."""
    return chromium_path() is not None and all(importlib.util.find_spec(name) for name in ("kaleido", "playwright"))


def _kill_process_group(process: subprocess.Popen[Any]) -> None:
    """End a browser we started in its own session, children included."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=_CLOSE_TIMEOUT)


# --- charts -------------------------------------------------------------------------------------------------------


async def _cancel_other_tasks() -> None:
    """Cancel every task of the running loop but this one (e.g. a browser watchdog left after a crash)."""
    tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class _KaleidoServer:
    """One ``kaleido.Kaleido`` (one Chromium tab) on its own asyncio loop thread, like kaleido's sync server."""

    def __init__(self, path: Path, start_timeout: float) -> None:
        import kaleido  # noqa: PLC0415 - imported on first use: it starts nothing but costs ~0.3 s
        from kaleido.errors import JavascriptError, KaleidoError  # noqa: PLC0415

        self.figure_errors = (JavascriptError, KaleidoError)  # plotly.js failed on a figure; the browser is fine
        try:
            self.kaleido = kaleido.Kaleido(n=1, mathjax=False, timeout=None, path=str(path))
        except Exception as error:
            raise PictureError(f"The chart browser {path} cannot be used: {error}") from error
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="chart-pictures", daemon=True)
        self.thread.start()
        try:
            self.call(self.kaleido.open(), start_timeout)
        except Exception as error:
            self.stop(kill=True)
            raise PictureError(f"The chart browser {path} did not start: {error or type(error).__name__}.") from error

    def call(self, coroutine: Coroutine[Any, Any, _T], timeout: float) -> _T:
        """Run ``coroutine`` on the loop; ``concurrent.futures.TimeoutError`` after ``timeout`` seconds."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result(timeout)
        except FutureTimeout:
            future.cancel()
            raise

    def stop(self, *, kill: bool) -> None:
        """Close the browser (killing it first when it may hang) and end the loop thread."""
        process = getattr(self.kaleido, "subprocess", None)
        if kill and process is not None:
            _kill_process_group(process)
        with contextlib.suppress(Exception):  # a broken browser may fail to close: it is killed below
            self.call(self.kaleido.close(), _CLOSE_TIMEOUT)
        if process is not None and process.poll() is None:
            _kill_process_group(process)
        with contextlib.suppress(Exception):
            self.call(_cancel_other_tasks(), _CLOSE_TIMEOUT)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(_CLOSE_TIMEOUT)
        if not self.thread.is_alive():
            self.loop.close()


class ChartRenderer:
    """Plotly figures → PNG/SVG/PDF through one warm kaleido Chromium, one call at a time, each within ``timeout``.

    kaleido's own sync server is not thread-safe (parallel calls got each other's bytes), waits without a timeout
    and cannot be restarted once its Chromium hangs, so this class runs the same construction — one ``Kaleido`` on
    a private asyncio loop thread, ``mathjax=False`` — with a lock, a timeout per call and a handle on its Chromium:
    after a timeout or a browser failure the Chromium is killed, the call raises ``PictureError``, and the next
    call starts a fresh one.
    """

    def __init__(self, timeout: float = 30.0, start_timeout: float = 60.0) -> None:
        self.timeout = timeout
        self.start_timeout = start_timeout
        self._lock = threading.Lock()
        self._server: _KaleidoServer | None = None

    def render(self, fig: go.Figure, fmt: ChartFormat = "png", width: int = DEFAULT_SLIDE.width,
               height: int = DEFAULT_SLIDE.height, scale: float = DEFAULT_SLIDE.scale) -> bytes:
        """The figure drawn at ``width``×``height`` CSS px (times ``scale`` for PNG) in ``fmt``."""
        if fmt not in CHART_FORMATS:
            raise ValueError(f"Chart pictures are {', '.join(CHART_FORMATS)}, not {fmt!r}.")
        _check_size(width, height, scale)
        spec = fig.to_dict()
        options = {"format": fmt, "width": width, "height": height, "scale": scale}
        with self._lock:
            server = self._started()
            try:
                return server.call(server.kaleido.calc_fig(spec, opts=options), self.timeout)
            except FutureTimeout:
                self._stop(kill=True)
                raise PictureError(f"The chart picture took longer than {self.timeout:g} s; the chart browser was "
                                   "stopped and starts afresh on the next call.") from None
            except Exception as error:
                if isinstance(error, server.figure_errors):
                    raise PictureError(f"Plotly could not draw this chart: {error}") from error
                self._stop(kill=True)
                raise PictureError(f"The chart browser failed ({type(error).__name__}: {error}); it starts afresh "
                                   "on the next call.") from error

    def shutdown(self) -> None:
        """Close the chart browser (a later ``render`` starts it again)."""
        with self._lock:
            self._stop(kill=False)

    def _started(self) -> _KaleidoServer:
        """The running server, started first when there is none."""
        if self._server is None:
            path = chromium_path()
            if path is None:
                raise PictureError(f"No browser is installed for chart pictures: {_INSTALL_HINT}.")
            if importlib.util.find_spec("kaleido") is None:
                raise PictureError("kaleido is not installed for chart pictures: pip install 'kaleido>=1.5,<2'.")
            self._server = _KaleidoServer(path, self.start_timeout)
        return self._server

    def _stop(self, *, kill: bool) -> None:
        """Stop the server, if one runs."""
        server, self._server = self._server, None
        if server is not None:
            server.stop(kill=kill)


# --- maps in the browser ------------------------------------------------------------------------------------------

_MAP_VARIABLE = re.compile(r"\bvar\s+(map_[0-9a-f]+)\s*=\s*L\.map\(")
_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)

# Injected first into the page: records each map's state from Leaflet's public events (an init hook on L.Map,
# installed the moment Leaflet sets window.L) and reports the page's state for the ready rule of render_map_png.
# It reads only public API: whenReady, the movestart/moveend and zoomstart/zoomend events, eachLayer, options, the
# documented animation classes and document.fonts.
_TRACKER_JS = """
(function () {
  var leaflet, tracked = null, maps = new WeakMap();
  function track(L) {
    if (!L || !L.Map || !L.Map.addInitHook || tracked === L) { return; }
    tracked = L;
    L.Map.addInitHook(function () {
      var map = this, events = {ready: false, moving: false, zooming: false, moveEnds: 0};
      maps.set(map, events);
      map.on("movestart", function () { events.moving = true; });
      map.on("moveend", function () { events.moving = false; events.moveEnds += 1; });
      map.on("zoomstart", function () { events.zooming = true; });
      map.on("zoomend", function () { events.zooming = false; });
      map.whenReady(function () { events.ready = true; });
    });
  }
  Object.defineProperty(window, "L", {
    configurable: true, enumerable: true,
    get: function () { return leaflet; },
    set: function (value) { leaflet = value; track(value); }
  });
  window.__ecoPictureState = function (name) {
    var L = leaflet, map = window[name];
    var state = {leaflet: !!(L && L.Map), map: false, loaded: false, moving: false, zooming: false, moveEnds: 0,
                 animationClasses: document.querySelectorAll(".leaflet-zoom-anim, .leaflet-pan-anim").length,
                 shapes: 0, points: 0, fonts: document.fonts.status === "loaded"};
    if (!state.leaflet || !(map instanceof L.Map)) { return state; }
    var events = maps.get(map) || {ready: false, moving: false, zooming: false, moveEnds: 0};
    state.map = true;
    state.loaded = events.ready;
    state.moving = events.moving;
    state.zooming = events.zooming;
    state.moveEnds = events.moveEnds;
    map.eachLayer(function (layer) {
      if (layer instanceof L.Path) { state.shapes += 1; if (layer.options.ecoIndex !== undefined) { state.points += 1; } }
    });
    return state;
  };
})();
"""
_READY_JS = """([name, shapes, moveend]) => {
  const s = window.__ecoPictureState && window.__ecoPictureState(name);
  return !!s && s.leaflet && s.map && s.loaded && !s.moving && !s.zooming && s.animationClasses === 0
    && (!moveend || s.moveEnds > 0) && s.shapes >= shapes && s.fonts;
}"""
_STATE_JS = "(name) => window.__ecoPictureState ? window.__ecoPictureState(name) : {leaflet: false}"
_SETTLE_JS = """async () => {
  await document.fonts.ready;
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
}"""
_HIDDEN_CONTROLS_CSS = ".leaflet-control-zoom,.leaflet-control-layers{display:none!important}"


def find_map_variable(html: str) -> str:
    """The JavaScript name folium gave the page's one map (``map_<hash>``)."""
    names = list(dict.fromkeys(_MAP_VARIABLE.findall(html)))
    if len(names) != 1:
        found = "no folium map" if not names else f"{len(names)} folium maps ({', '.join(names)})"
        raise PictureError(f"A map picture needs the HTML of exactly one folium map; this page has {found}.")
    return names[0]


def map_shape_count(frame: pd.DataFrame, *, regions: Any = None, region_counts: pd.Series | None = None,
                    show_organisations: bool = True) -> int:
    """The shapes ``maps.map_layers`` draws for these arguments: one per located point, one per region."""
    initiatives, organisations = located_points(frame)
    points = len(initiatives) + (len(organisations) if show_organisations else 0)
    return points + (len(regions) if regions is not None and region_counts is not None else 0)


def _picture_page(html: str, name: str, hide_controls: bool) -> str:
    """The map page with the move tracker first in its head and the map filling the viewport."""
    head = _HEAD.search(html)
    if head is None:
        raise PictureError("A map picture needs a whole HTML page (folium's map.get_root().render()); no <head> found.")
    css = (f"html,body{{margin:0;width:100%;height:100%;overflow:hidden}}#{name}{{position:absolute!important;"
           "left:0!important;top:0!important;width:100%!important;height:100%!important}")
    if hide_controls:
        css += _HIDDEN_CONTROLS_CSS
    injected = f"<script>{_TRACKER_JS}</script><style>{css}</style>"
    return html[: head.end()] + injected + html[head.end():]


def _not_ready(state: dict[str, Any], expected_shapes: int, needs_moveend: bool, blocked: list[str]) -> str:
    """What the ready rule was still waiting for, in words."""
    if not state.get("leaflet"):
        reason = "Leaflet did not load (pass the page through assets.inline_assets_html first)"
        return reason + (f"; blocked requests: {', '.join(blocked[:3])}" if blocked else "")
    if not state.get("map"):
        return "the map object was not created (a script on the page failed)"
    reasons = []
    if not state["loaded"]:
        reasons.append("the map has no view yet")
    if state["moving"] or state["zooming"] or state["animationClasses"]:
        reasons.append("a zoom or pan animation was still running")
    if needs_moveend and not state["moveEnds"]:
        reasons.append("fit_bounds never ended (no moveend)")
    if state["shapes"] < expected_shapes:
        reasons.append(f"{state['shapes']} of {expected_shapes} expected shapes drawn ({state['points']} points)")
    if not state["fonts"]:
        reasons.append("fonts were still loading")
    return "; ".join(reasons) or "the page settled only after the deadline"


def _remaining_ms(deadline: float) -> float:
    """Milliseconds left until ``deadline`` (at least 1, Playwright reads 0 as no timeout)."""
    return max(1.0, (deadline - time.monotonic()) * 1000)


def _shoot(browser: Browser, page_html: str, name: str, width: int, height: int, scale: float,
           expected_shapes: int, needs_moveend: bool, timeout: float, load_timeout: float) -> bytes:
    """One map picture in a fresh, offline browser context (runs on the map browser's thread)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: PLC0415 - optional dependency

    blocked: list[str] = []

    def offline(route: Route) -> None:
        if route.request.url.startswith(("data:", "about:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("blockedbyclient")

    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=scale,
                                  service_workers="block", reduced_motion="reduce")
    try:
        context.route("**/*", offline)
        page = context.new_page()
        try:
            page.set_content(page_html, wait_until="load", timeout=load_timeout * 1000)
        except PlaywrightTimeout:
            raise PictureError(f"The map page did not finish loading within {load_timeout:g} s "
                               "(a script on it may be stuck).") from None
        deadline = time.monotonic() + timeout
        try:
            page.wait_for_function(_READY_JS, arg=[name, expected_shapes, needs_moveend], polling="raf",
                                   timeout=_remaining_ms(deadline))
        except PlaywrightTimeout:
            reason = _not_ready(page.evaluate(_STATE_JS, name), expected_shapes, needs_moveend, blocked)
            raise PictureError(f"The map picture was not ready after {timeout:g} s: {reason}.") from None
        page.evaluate(_SETTLE_JS)
        return page.locator(f"#{name}").screenshot(type="png", animations="disabled", caret="hide",
                                                   timeout=_remaining_ms(deadline))
    finally:
        with contextlib.suppress(Exception):  # the browser may be gone; the error above says why
            context.close()


class _BrowserThread:
    """A daemon thread owning one Playwright Chromium; submitted calls run on it one after another.

    Playwright's sync API must stay on the thread that started it, and a daemon thread never blocks the
    interpreter's exit even if a call hangs.
    """

    def __init__(self, launch_timeout: float) -> None:
        self.launch_timeout = launch_timeout
        self._calls: queue.SimpleQueue[tuple[Callable[[Browser], Any], Future[Any]] | None] = queue.SimpleQueue()
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self.thread = threading.Thread(target=self._run, name="map-pictures", daemon=True)
        self.thread.start()

    def submit(self, call: Callable[[Browser], _T]) -> Future[_T]:
        """Run ``call(browser)`` on the thread."""
        future: Future[_T] = Future()
        self._calls.put((call, future))
        return future

    def close(self) -> None:
        """Close the browser and end the thread (waiting at most a few seconds)."""
        self._calls.put(None)
        self.thread.join(_CLOSE_TIMEOUT)

    def _run(self) -> None:
        while (item := self._calls.get()) is not None:
            call, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(call(self._ready_browser()))
            except PictureError as error:
                future.set_exception(error)
            except Exception as error:  # noqa: BLE001 - a browser failure: report it, relaunch next time
                self._close_browser()
                failure = PictureError(f"The map browser failed ({type(error).__name__}: {error}); it starts afresh "
                                       "on the next call.")
                failure.__cause__ = error
                future.set_exception(failure)
        self._close_browser()

    def _ready_browser(self) -> Browser:
        """The connected browser, launched first when there is none."""
        if self._browser is not None and self._browser.is_connected():
            return self._browser
        self._close_browser()
        path = chromium_path()
        if path is None:
            raise PictureError(f"No browser is installed for map pictures: {_INSTALL_HINT}; "
                               "static_map_picture draws the map without one.")
        try:
            from playwright.sync_api import sync_playwright  # noqa: PLC0415 - optional dependency
        except ImportError as error:
            raise PictureError("Playwright is not installed for map pictures: pip install 'playwright>=1.65,<2'.") from error
        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(executable_path=str(path), args=CHROMIUM_ARGS,
                                                         headless=True, timeout=self.launch_timeout * 1000)
        return self._browser

    def _close_browser(self) -> None:
        """Close the browser and Playwright, whatever state they are in."""
        browser, playwright, self._browser, self._playwright = self._browser, self._playwright, None, None
        for close in (browser.close if browser else None, playwright.stop if playwright else None):
            if close is not None:
                with contextlib.suppress(Exception):  # closing what may already be broken
                    close()


class MapRenderer:
    """Folium pages → PNG through one headless Chromium owned by one worker thread, one shot at a time."""

    def __init__(self, launch_timeout: float = 30.0) -> None:
        self.launch_timeout = launch_timeout
        self._lock = threading.Lock()
        self._thread: _BrowserThread | None = None

    def render(self, html: str, width: int = DEFAULT_SLIDE.width, height: int = DEFAULT_SLIDE.height,
               scale: float = DEFAULT_SLIDE.scale, *, expected_shapes: int | None = None, timeout: float = 30.0,
               load_timeout: float = 30.0, hide_controls: bool = True) -> bytes:
        """See ``render_map_png``."""
        _check_size(width, height, scale)
        name = find_map_variable(html)
        page_html = _picture_page(html, name, hide_controls)
        needs_moveend = re.search(rf"\b{name}\.fitBounds\(", html) is not None
        shoot = partial(_shoot, page_html=page_html, name=name, width=width, height=height, scale=scale,
                        expected_shapes=expected_shapes or 0, needs_moveend=needs_moveend, timeout=timeout,
                        load_timeout=load_timeout)
        with self._lock:
            if self._thread is None:
                self._thread = _BrowserThread(self.launch_timeout)
            future = self._thread.submit(shoot)
            try:
                return future.result(load_timeout + timeout + self.launch_timeout + _CLOSE_TIMEOUT)
            except FutureTimeout:
                abandoned, self._thread = self._thread, None
                abandoned.close()
                raise PictureError(f"The map browser stopped answering within {load_timeout + timeout:g} s and was "
                                   "abandoned; the next call starts a fresh one.") from None

    def shutdown(self) -> None:
        """Close the map browser (a later ``render`` starts it again)."""
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is not None:
                thread.close()


_CHARTS = ChartRenderer()
_MAPS = MapRenderer()


def render_chart(fig: go.Figure, fmt: ChartFormat = "png", width: int = DEFAULT_SLIDE.width,
                 height: int = DEFAULT_SLIDE.height, scale: float = DEFAULT_SLIDE.scale) -> bytes:
    """A Plotly figure as PNG, SVG or PDF bytes, through the process's one chart browser."""
    return _CHARTS.render(fig, fmt, width, height, scale)


def render_map_png(html: str, width: int = DEFAULT_SLIDE.width, height: int = DEFAULT_SLIDE.height,
                   scale: float = DEFAULT_SLIDE.scale, *, expected_shapes: int | None = None, timeout: float = 30.0,
                   load_timeout: float = 30.0, hide_controls: bool = True) -> bytes:
    """A folium page (assets inlined, ``inline_assets_html(m.get_root().render())``) as a PNG of its map.

    The page opens offline (every request but ``data:``/``about:`` is aborted) in a ``width``×``height`` viewport at
    device scale ``scale``, with the map filling it and, with ``hide_controls``, no zoom or layer buttons. The shot
    is taken when the map is *ready*, which means all of:

    1. Leaflet has loaded (``window.L``) and the map object ``map_<hash>`` exists and has a view (``whenReady``);
    2. no zoom or pan animation runs: every ``movestart`` and ``zoomstart`` has had its ``moveend`` and ``zoomend``,
       no element has the class ``leaflet-zoom-anim`` or ``leaflet-pan-anim``, and, when the page calls
       ``fitBounds``, a ``moveend`` has followed the map's creation;
    3. at least ``expected_shapes`` vector shapes (``L.Path`` layers that ``map.eachLayer`` visits: our canvas circle
       markers, which carry the option ``ecoIndex``, and region polygons) are on the map — see ``map_shape_count``;
    4. ``document.fonts`` has loaded, then two animation frames have passed (the canvas redraws on the next frame).

    Shots of the same HTML are byte-identical. The page has ``load_timeout`` seconds to load, then the map has
    ``timeout`` seconds to become ready and be shot; otherwise ``PictureError`` says which condition failed.
    """
    return _MAPS.render(html, width, height, scale, expected_shapes=expected_shapes, timeout=timeout,
                        load_timeout=load_timeout, hide_controls=hide_controls)


def close_browsers() -> None:
    """Close the chart and the map browser of this process (they start again when next needed)."""
    _CHARTS.shutdown()
    _MAPS.shutdown()


atexit.register(close_browsers)


# --- maps without a browser ---------------------------------------------------------------------------------------

_SLIDE_CRS = "EPSG:3035"  # ETRS89 Lambert equal-area: the Baltic Sea without Mercator's stretch
_PX = 0.72  # typographic points per CSS pixel in a figure of 100 CSS px per inch
_MPL_LOCK = threading.Lock()  # rcParams are global: one figure at a time changes them
_MPL_STYLE = {"font.family": "DejaVu Sans", "svg.hashsalt": "ecosystem", "pdf.fonttype": 42}


def _as_written(text: str) -> str:
    """Text for matplotlib drawn as written: every ``$`` escaped, so nothing between two is typeset as mathtext
    (``text.parse_math`` alone is not enough: wrapped text is measured as mathtext all the same)."""
    return text.replace("$", "\\$")


def _slide_extent(bounds: list[list[float]], aspect: float) -> tuple[float, float, float, float]:
    """``[[south, west], [north, east]]`` in EPSG:3035, widened to ``aspect`` (width / height) around its centre."""
    import geopandas as gpd  # noqa: PLC0415 - heavy import kept off the app's start-up
    from shapely.geometry import box  # noqa: PLC0415

    (south, west), (north, east) = bounds
    outline = gpd.GeoSeries([box(west, south, east, north).segmentize(0.25)], crs="EPSG:4326").to_crs(_SLIDE_CRS)
    x0, y0, x1, y1 = outline.total_bounds
    cx, cy, half_w, half_h = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
    if half_w / half_h < aspect:
        half_w = half_h * aspect
    else:
        half_h = half_w / aspect
    return cx - half_w, cx + half_w, cy - half_h, cy + half_h


def _projected_points(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """x, y in EPSG:3035 of rows with latitude and longitude."""
    import geopandas as gpd  # noqa: PLC0415

    points = gpd.GeoSeries(gpd.points_from_xy(rows["longitude"], rows["latitude"]), crs="EPSG:4326").to_crs(_SLIDE_CRS)
    return points.x.to_numpy(), points.y.to_numpy()


def _region_paths(geometries: Iterable[Any]) -> list[Any]:
    """Matplotlib paths of (multi)polygons, rings oriented so that holes stay empty."""
    from matplotlib.path import Path as MplPath  # noqa: PLC0415
    from shapely.geometry.polygon import orient  # noqa: PLC0415

    paths = []
    for geometry in geometries:
        polygons = [orient(polygon) for polygon in getattr(geometry, "geoms", [geometry]) if not polygon.is_empty]
        rings = [ring for polygon in polygons for ring in (polygon.exterior, *polygon.interiors)]
        paths.append(MplPath.make_compound_path(*(MplPath(np.asarray(ring.coords), closed=True) for ring in rings)))
    return paths


def _draw_regions(ax: Axes, regions: Any, counts: pd.Series) -> list[tuple[int, int]]:
    """The coverage choropleth; returns its count classes."""
    from matplotlib.collections import PathCollection  # noqa: PLC0415
    from matplotlib.colors import to_rgba  # noqa: PLC0415

    classes = count_classes(counts)
    drawn = regions[regions.geometry.notna() & ~regions.geometry.is_empty].to_crs(_SLIDE_CRS)
    fills = [to_rgba(class_colour(int(counts.get(code, 0)), classes), REGIONS.opacity) for code in drawn["nuts_id"]]
    ax.add_collection(PathCollection(_region_paths(drawn.geometry), facecolors=fills, edgecolors=REGIONS.edge,
                                     linewidths=REGIONS.weight * _PX, zorder=1), autolim=False)
    return classes


def _draw_points(ax: Axes, points: DrawnPoints, zorder: int) -> None:
    """Circles like the map page's canvas markers, in the same colours and style."""
    if points.rows.empty:
        return
    x, y = _projected_points(points.rows)
    style = points.style
    ax.scatter(x, y, s=(2 * style.radius * _PX) ** 2, c=points.colours(), alpha=style.opacity, edgecolors=style.stroke,
               linewidths=style.weight * _PX, zorder=zorder)


def _legend_handles(entries: list[LegendEntry]) -> tuple[list[Any], list[str], set[int]]:
    """Matplotlib handles and labels of ``map_style.legend_entries`` (as ``maps.map_legend`` shows them), and the
    positions of the section headings."""
    from matplotlib.lines import Line2D  # noqa: PLC0415

    handles: list[Any] = []
    for entry in entries:
        if entry.kind == "heading":
            handles.append(Line2D([], [], linestyle="none"))
        else:
            handles.append(Line2D([], [], linestyle="none", marker="o" if entry.kind == "point" else "s",
                                  markersize=LEGEND_SWATCH.size * _PX, markerfacecolor=entry.colour,
                                  markeredgecolor=LEGEND_SWATCH.edge, markeredgewidth=LEGEND_SWATCH.edge_width * _PX))
    headings = {position for position, entry in enumerate(entries) if entry.kind == "heading"}
    return handles, [entry.label for entry in entries], headings


def _add_legend(fig: Figure, ax: Axes, handles: list[Any], labels: list[str], headings: set[int]) -> None:
    """The legend in the lower-left corner, in as many columns as it needs to stay inside the picture."""
    if not handles:
        return
    renderer = fig.canvas.get_renderer()
    for columns in range(1, 5):
        legend = ax.legend(handles, [_as_written(label) for label in labels], loc="lower left", ncols=columns, fontsize=13 * _PX, frameon=True,
                           framealpha=0.94, facecolor="white", edgecolor="none", borderaxespad=0.8,
                           handletextpad=0.4, labelspacing=0.45, borderpad=0.7)
        for position, text in enumerate(legend.get_texts()):
            if position in headings:
                text.set_fontweight("bold")
        legend.set_zorder(5)
        box = legend.get_window_extent(renderer)
        if box.x0 >= 0 and box.y0 >= 0 and box.x1 <= fig.bbox.x1 and box.y1 <= fig.bbox.y1:
            return
    raise PictureError(f"The map legend does not fit a {fig.bbox.width:.0f}×{fig.bbox.height:.0f} px picture.")


def _check_format(fmt: str) -> None:
    """Raise ValueError for a format the static map is not drawn in."""
    if fmt not in STATIC_MAP_FORMATS:
        raise ValueError(f"Static map pictures are {', '.join(STATIC_MAP_FORMATS)}, not {fmt!r}.")


def _draw_heading(ax: Axes, title: str | None, subtitle: str | None) -> None:
    """Title (bold) and subtitle in white boxes at the top left, like ``maps.add_stamp``'s heading."""
    box = {"facecolor": "white", "alpha": 0.94, "edgecolor": "none", "pad": 5}
    lines = [(text, size, weight) for text, size, weight in ((title, 22, "bold"), (subtitle, 13, "normal")) if text]
    above: Any = None
    for text, size, weight in lines:
        text = _as_written(text)
        style = {"ha": "left", "va": "top", "fontsize": size * _PX, "fontweight": weight, "color": "#222222",
                 "zorder": 5, "bbox": box, "wrap": True}
        if above is None:
            above = ax.text(0.012, 0.985, text, transform=ax.transAxes, **style)
        else:
            above = ax.annotate(text, xy=(0, 0), xycoords=above, xytext=(0, -8), textcoords="offset points", **style)


def _draw_footer(ax: Axes, lines: list[str]) -> None:
    """Source lines (and the boundaries' attribution) in a white box at the bottom right."""
    if lines:
        ax.text(0.996, 0.006, _as_written("\n".join(lines)), transform=ax.transAxes, ha="right", va="bottom", ma="right",
                fontsize=11 * _PX, color="#333333", zorder=5, wrap=True,
                bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 2})


def static_map_figure(frame: pd.DataFrame, taxonomy: Taxonomy, lang: str, *, regions: Any = None,
                      region_counts: pd.Series | None = None, show_organisations: bool = True,
                      legend_services: Iterable[str] = (), bounds: list[list[float]] | None = None,
                      width: int = DEFAULT_SLIDE.width, height: int = DEFAULT_SLIDE.height,
                      scale: float = DEFAULT_SLIDE.scale, title: str | None = None, subtitle: str | None = None,
                      footer_lines: Iterable[str] = ()) -> Figure:
    """The map of ``maps.map_layers`` as a matplotlib figure in EPSG:3035, ``width``×``height`` CSS px at ``scale``.

    Same colours as the map page: regions in the choropleth classes, initiatives in the colour of the first of
    ``legend_services`` they offer (else their first service), organisations in their actor-type colour; the view
    is ``bounds`` (default ``maps.BALTIC_BOUNDS``) widened to the picture's shape. Everything stays inside the
    frame: the legend at the lower left (in more columns when one would not fit), ``title`` and ``subtitle`` at the
    top left, ``footer_lines`` and the boundaries' attribution at the lower right.
    """
    _check_size(width, height, scale)
    import matplotlib  # noqa: PLC0415 - heavy import kept off the app's start-up
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    initiatives = initiative_points(frame, taxonomy, legend_services)
    organisations = organisation_points(frame, taxonomy) if show_organisations else None
    with _MPL_LOCK, matplotlib.rc_context(_MPL_STYLE):
        fig = Figure(figsize=(width / 100, height / 100), dpi=100 * scale, facecolor=SEA_COLOUR)
        FigureCanvasAgg(fig)  # a canvas that can measure text (the legend's fit) and draw PNG
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        x0, x1, y0, y1 = _slide_extent(bounds or BALTIC_BOUNDS, width / height)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal", adjustable="box")
        classes, footer = None, [line for line in footer_lines if line]
        if regions is not None and region_counts is not None:
            classes = _draw_regions(ax, regions, region_counts)
            footer.append(EUROGEOGRAPHICS)
        if organisations is not None:
            _draw_points(ax, organisations, zorder=3)
        _draw_points(ax, initiatives, zorder=4)
        _add_legend(fig, ax, *_legend_handles(legend_entries(taxonomy, lang, initiatives, organisations, classes)))
        _draw_heading(ax, title, subtitle)
        _draw_footer(ax, footer)
    return fig


def figure_bytes(fig: Figure, fmt: str = "png") -> bytes:
    """A matplotlib figure as PNG at its own dpi (its exact pixel size), or vector SVG or PDF, without timestamps."""
    _check_format(fmt)
    import matplotlib  # noqa: PLC0415

    output = io.BytesIO()
    metadata = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}[fmt]
    with _MPL_LOCK, matplotlib.rc_context(_MPL_STYLE):
        fig.savefig(output, format=fmt, dpi=fig.dpi, facecolor=fig.get_facecolor(), metadata=metadata)
    return output.getvalue()


def static_map_picture(frame: pd.DataFrame, taxonomy: Taxonomy, lang: str, *, regions: Any = None,
                       region_counts: pd.Series | None = None, show_organisations: bool = True,
                       legend_services: Iterable[str] = (), bounds: list[list[float]] | None = None,
                       fmt: str = "png", width: int = DEFAULT_SLIDE.width, height: int = DEFAULT_SLIDE.height,
                       scale: float = DEFAULT_SLIDE.scale, title: str | None = None, subtitle: str | None = None,
                       footer_lines: Iterable[str] = ()) -> bytes:
    """``static_map_figure`` as PNG (``scale``× pixels), or true vector SVG or PDF bytes, with no browser."""
    _check_format(fmt)
    fig = static_map_figure(frame, taxonomy, lang, regions=regions, region_counts=region_counts,
                            show_organisations=show_organisations, legend_services=legend_services, bounds=bounds,
                            width=width, height=height, scale=scale, title=title, subtitle=subtitle,
                            footer_lines=footer_lines)
    return figure_bytes(fig, fmt)
