"""Folium pages → PNG through one headless Chromium (Playwright) per process, shot when the map is ready
(``render_map_png``: the ready rule reads only Leaflet's public API)."""

from __future__ import annotations

import contextlib
import queue
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd

from ecosystem.map_style import (
    located_points,
)
from ecosystem.outlines import country_outlines
from ecosystem.pictures.base import (
    CHROMIUM_ARGS,
    CLOSE_TIMEOUT,
    DEFAULT_SLIDE,
    INSTALL_HINT,
    PictureError,
    check_size,
    chromium_path,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright, Route

_T = TypeVar("_T")


_MAP_VARIABLE = re.compile(r"\bvar\s+(map_[0-9a-f]+)\s*=\s*L\.map\(")
_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)

# Injected first into the page: records each map's state from Leaflet's public events (an init hook on L.Map,
# installed the moment Leaflet sets window.L) and reports the page's state for the ready rule of render_map_png.
# It reads only public API: whenReady, the movestart/moveend and zoomstart/zoomend events, eachLayer, the documented
# animation classes, document.fonts, and the points our map script reports drawn (window.__ecoMap, web/eco_map.js).
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
    map.eachLayer(function (layer) { if (layer instanceof L.Path) { state.shapes += 1; } });
    var eco = window.__ecoMap;
    state.points = eco && eco.map === map && eco.drawn > 0 ? eco.visible : 0;
    state.shapes += state.points + (eco && eco.outlines ? eco.outlines : 0);
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


def map_shape_count(frame: pd.DataFrame, *, regions: Any = None, show_organisations: bool = True) -> int:
    """The shapes ``maps.map_layers`` draws for these arguments: one per located point, one per outline (a region
    of ``regions``, else a country of the shipped outlines)."""
    initiatives, organisations = located_points(frame)
    points = len(initiatives) + (len(organisations) if show_organisations else 0)
    return points + (len(regions) if regions is not None else len(country_outlines()))


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
        self.thread.join(CLOSE_TIMEOUT)

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
            raise PictureError(f"No browser is installed for map pictures: {INSTALL_HINT}; "
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
        check_size(width, height, scale)
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
                return future.result(load_timeout + timeout + self.launch_timeout + CLOSE_TIMEOUT)
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


_MAPS = MapRenderer()


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
    3. at least ``expected_shapes`` shapes are drawn: the points our map script reports drawn for the current view
       (``window.__ecoMap.visible`` once ``drawn``) plus the region outlines it reports drawn
       (``window.__ecoMap.outlines``) and any other vector shapes (``L.Path`` layers that ``map.eachLayer``
       visits) — see ``map_shape_count``;
    4. ``document.fonts`` has loaded, then two animation frames have passed (the canvas redraws on the next frame).

    Shots of the same HTML are byte-identical. The page has ``load_timeout`` seconds to load, then the map has
    ``timeout`` seconds to become ready and be shot; otherwise ``PictureError`` says which condition failed.
    """
    return _MAPS.render(html, width, height, scale, expected_shapes=expected_shapes, timeout=timeout,
                        load_timeout=load_timeout, hide_controls=hide_controls)


def shutdown() -> None:
    """Close this renderer's browser (it starts again when next needed)."""
    _MAPS.shutdown()
