"""Map page as a browser sees it: our dashboard side by side with the reference single-canvas app, in one run.

Both run as real Streamlit servers (ours: ``streamlit run app.py``, or ``dashboard.py`` where there is no app.py,
on a temporary data folder of N synthetic initiatives with its own database; the reference:
``../shared/bench/reference/app.py`` at ``/?v=d2&n=N&mode=map``) and are opened in headless Debian Chromium
(Playwright), the two interleaved run by run. Per size and app, medians of ``--runs``:

- open → drawn: navigation start → the map's points drawn (see "Drawn" below);
- filter change → redrawn: the input event in the sidebar → the points of the new filter drawn (ours: country LT
  on and off again; the reference: its category "education" off and on again), median over all changes;
- JS heap after GC (CDP ``HeapProfiler.collectGarbage`` then ``Runtime.getHeapUsage``, summed over the page and any
  out-of-process frame), after the open, and after 1 and after 1 + ``--changes`` filter changes (the leak ratio,
  same filter state both times); beside it, after the open, the typed arrays' backing stores, which that heap
  does not count (``backingStorageSize``);
- bytes per point: what the app server sent after navigation — websocket frames plus HTTP bodies other than
  Streamlit's own frontend, the st_folium component's bundle and the map libraries — divided by the points shown;
- zoom and pan: ``setView`` two levels in around Stockholm, then ``panBy(300, 200)``, no animation, each until
  the redraw signal;
- server RSS of the server's process tree (psutil), the largest seen.

Then ``--sessions`` N concurrent sessions at ``--session-rows`` (each its own browser context, navigations spread
over ``--session-window`` seconds): how many drew, median and p95 time to drawn, dropped websocket connections.

Drawn. Ours: in the st_folium frame ``window.__ecoMap = {drawn, visible, map}`` — ``drawn`` grows two animation
frames after each completed draw of the current filter and view, ``visible`` counts the points of the filter.
The reference: ``window.__stDrawn``, set two animation frames after its map script ran. A checkout without
``__ecoMap`` (the engine before issue 10) is timed by a fallback rule — its count of Leaflet markers changed and
stayed put — and its figures are marked "fallback". An init script polls both once per animation frame, so a
time is late by at most one frame for either app.

Map libraries come from this machine: ours from its installed assets (``python -m ecosystem assets install``); the
reference's CDN requests are answered from a local npm install (``--cdn-mirror``, installed there with npm when
missing), nothing leaves the machine. The store is prepared before timing with ``python -m ecosystem init`` when
the checkout has it, else by one page view; that first view is reported apart, never in the medians. A server
that readies a first view after starting (its log says so) gets its first visitor once it has.

Usage::

    python benchmarks/map_browser.py [--sizes 10000 100000 1000000] [--runs 3] [--sessions 10 30]
                                     [--commit HEAD | --source DIR] [--only ours|reference]

Prints a table (ours, reference, ours/reference, the issue's target) and writes every run to
``benchmarks/out/map_browser-<time>.json``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script: the helper beside it

import bench_servers as servers  # noqa: E402

OUT_DIR = REPO / "benchmarks" / "out"
DEFAULT_MIRROR = Path("/work/bench-cache/cdn-mirror")
# What the reference's folium page loads from CDNs (folium 0.20's defaults), as npm packages for the local mirror:
# folder in node_modules → what npm installs there. st_folium loads the scripts one after the other and gives up
# at the first that fails, so every script must be there (awesome-markers: the npm copy of the 2.0.2 release).
MIRROR_PACKAGES = {
    "leaflet": "leaflet@1.9.3", "jquery": "jquery@3.7.1", "bootstrap": "bootstrap@5.2.2",
    "@fortawesome/fontawesome-free": "@fortawesome/fontawesome-free@6.2.0",
    "leaflet.awesome-markers": "leaflet.awesome-markers@npm:drmonty-leaflet-awesome-markers@2.0.2",
}
OUR_COUNTRY = ("LT", "Lithuania")  # our filter change: this country on, then off
REFERENCE_CATEGORY = "education"  # the reference's filter change: this category off, then on
STOCKHOLM = (59.33, 18.07)

# --- in the page ------------------------------------------------------------------------------------------------

# Runs in the top document before its scripts (Playwright's init scripts do not reach st_folium's component
# document, so the top document looks into its iframes, which are of the same origin). The time of the last input
# event (capture phase, before the page's handlers); and once per animation frame, each new draw signal of each
# iframe's document, in one log of the top window.
PROBE_JS = r"""
(() => {
  if (window.top !== window || window.__benchLog) return;
  const now = () => performance.timeOrigin + performance.now();
  for (const type of ['pointerdown', 'keydown']) addEventListener(type, () => { window.__benchInput = now(); }, true);
  const log = window.__benchLog = [];
  const seen = new WeakMap();  // an iframe's document → what was last noted of it
  const fallback = (w, state) => {   // the engine before issue 10: markers counted once they stop changing
    if (++state.frames % 6 || !w.L) return;
    const key = Object.keys(w).find(k => k.startsWith('map_') && w[k] instanceof w.L.Map);
    if (!key) return;
    let count = 0;
    w[key].eachLayer(l => { if (l instanceof w.L.CircleMarker || l instanceof w.L.Marker) count++; });
    if (count !== state.count) { state.count = count; state.changed = now(); state.checks = 0; return; }
    if (++state.checks === 2 && count > 0 && state.emitted !== state.changed) {
      state.emitted = state.changed;
      log.push({kind: 'fallback', drawn: ++state.n, visible: count, t: state.changed});
    }
  };
  const look = (w) => {
    let state = seen.get(w.document);
    if (!state) { state = {eco: null, ref: null, frames: 0, count: -1, changed: 0, checks: 0, emitted: -1, n: 0};
                  seen.set(w.document, state); }
    const e = w.__ecoMap;
    if (e && typeof e.drawn === 'number') {
      if (e.drawn !== state.eco) { state.eco = e.drawn; log.push({kind: 'eco', drawn: e.drawn, visible: e.visible, t: now()}); }
    } else if (w.__stDrawn) {
      const r = w.__stDrawn;
      if (r !== state.ref) { state.ref = r; log.push({kind: 'ref', drawn: r.seq, visible: null, t: r.t}); }
    } else fallback(w, state);
  };
  const tick = () => {
    try {
      for (const iframe of document.querySelectorAll('iframe')) {
        try { if (iframe.contentWindow && iframe.contentWindow.document) look(iframe.contentWindow); }
        catch (error) { window.__benchError = String(error); }
      }
    } finally {
      requestAnimationFrame(tick);
    }
  };
  requestAnimationFrame(tick);
})();
"""

LOG_JS = "() => window.__benchLog ? window.__benchLog.slice() : null"

# What the map's frame holds (for the leak check: what grows between the first and the last filter change).
OBJECTS_JS = r"""() => {
  const eco = window.__ecoMap;
  let map = eco && eco.map;
  if (!map && window.L) {
    const key = Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map);
    map = key && window[key];
  }
  let layers = null;
  if (map) { layers = 0; map.eachLayer(() => { layers++; }); }
  return {leaflet_layers: layers, canvases: document.querySelectorAll('canvas').length,
          frame_dom_nodes: document.getElementsByTagName('*').length,
          top_dom_nodes: window.top.document.getElementsByTagName('*').length};
}"""

# Zoom in two levels around Stockholm, then pan; each step until the map's redraw signal (ours: __ecoMap.drawn
# grew, itself two frames after the draw; the reference and the fallback: two frames, their layers draw in the
# move/zoom events). Then back to the start view, so later filter changes draw what the open drew.
ZOOM_PAN_JS = r"""async ({lat, lon, timeout}) => {
  const frame = () => new Promise(r => requestAnimationFrame(r));
  const eco = window.__ecoMap && typeof window.__ecoMap.drawn === 'number' ? window.__ecoMap : null;
  let map = eco && eco.map;
  if (!map && window.L) {
    const key = Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map);
    map = key && window[key];
  }
  if (!map) return {error: 'no Leaflet map in this frame'};
  const settle = async (before) => {
    if (!eco) { await frame(); await frame(); return true; }
    const t0 = performance.now();
    while (eco.drawn <= before) { if (performance.now() - t0 > timeout) return false; await frame(); }
    return true;
  };
  const home = map.getCenter(), zoom = map.getZoom(), out = {zoom_from: zoom};
  let before = eco ? eco.drawn : 0, t = performance.now();
  map.setView([lat, lon], zoom + 2, {animate: false});
  out.zoom_ok = await settle(before); out.zoom_ms = performance.now() - t;
  before = eco ? eco.drawn : 0; t = performance.now();
  map.panBy([300, 200], {animate: false});
  out.pan_ok = await settle(before); out.pan_ms = performance.now() - t;
  before = eco ? eco.drawn : 0;
  map.setView(home, zoom, {animate: false});
  out.home_ok = await settle(before);
  return out;
}"""


# --- measuring a page ---------------------------------------------------------------------------------------------

class Traffic:
    """What a page received after navigation (CDP Network events), by kind: ``ws`` websocket frames, ``data``
    HTTP bodies of the app server's own routes, ``frontend`` Streamlit's page and files, ``component`` the
    st_folium bundle, ``libraries`` map libraries (ours: /_eco/assets/, the reference: CDN requests)."""

    def __init__(self, cdp: Any, base: str) -> None:
        self.base = urlparse(base)
        self.urls: dict[str, str] = {}
        self.bytes: dict[str, int] = {}
        self.last_event = time.perf_counter()
        self.sockets_created = 0
        self.sockets_closed = 0
        cdp.send("Network.enable", {"maxTotalBufferSize": 0, "maxResourceBufferSize": 0})
        cdp.on("Network.requestWillBeSent", self._request)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.webSocketFrameReceived", self._frame)
        cdp.on("Network.webSocketCreated", self._created)
        cdp.on("Network.webSocketClosed", self._closed)

    def kind(self, url: str) -> str | None:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https"):
            return None  # data: and blob: URIs travelled inside something already counted
        if parsed.netloc != self.base.netloc:
            return "libraries"
        path = parsed.path
        if path.startswith("/component/"):
            return "component"
        if path.startswith("/_eco/assets/"):
            return "libraries"
        if path.startswith(("/_eco/", "/app/static/")):
            return "data"
        return "frontend"

    def _add(self, kind: str | None, size: float) -> None:
        self.last_event = time.perf_counter()
        if kind is not None:
            self.bytes[kind] = self.bytes.get(kind, 0) + int(size)

    def _request(self, event: dict) -> None:
        self.urls[event["requestId"]] = event["request"]["url"]

    def _finished(self, event: dict) -> None:
        self._add(self.kind(self.urls.get(event["requestId"], "")), event.get("encodedDataLength", 0))

    def _frame(self, event: dict) -> None:
        response = event["response"]
        payload = response.get("payloadData", "")
        size = len(payload) * 3 // 4 - payload[-2:].count("=") if response.get("opcode") == 2 else len(payload.encode())
        self._add("ws", size)

    def _created(self, event: dict) -> None:
        self.sockets_created += 1

    def _closed(self, event: dict) -> None:
        self.sockets_closed += 1

    def snapshot(self) -> dict[str, int]:
        return dict(self.bytes)

    @staticmethod
    def served(counts: dict[str, int]) -> int:
        """The bytes that count per point: websocket frames and the app's own data routes."""
        return counts.get("ws", 0) + counts.get("data", 0)


def draw_events(page: Any) -> list[dict]:
    """Every draw signal noted so far in the page's iframes."""
    try:
        return list(page.main_frame.evaluate(LOG_JS) or [])
    except Exception:  # noqa: BLE001 - between navigation and the new document there is no log
        return []


def map_frame(page: Any) -> Any:
    """The frame that holds the Leaflet map (st_folium's)."""
    for frame in page.frames[1:]:
        try:
            if frame.evaluate("() => !!(window.__ecoMap || window.__stDrawn || (window.L && Object.keys(window)"
                              ".some(k => k.startsWith('map_') && window[k] instanceof L.Map)))"):
                return frame
        except Exception:  # noqa: BLE001 - a frame being replaced
            continue
    raise RuntimeError("no frame with a Leaflet map")


def wait_draw(page: Any, after: float, accept: Callable[[dict], bool], timeout: float) -> dict | None:
    """The first draw signal later than ``after`` (epoch ms) that ``accept`` takes; None after ``timeout`` s."""
    deadline = time.perf_counter() + timeout
    while True:
        hits = [event for event in draw_events(page) if event["t"] > after and accept(event)]
        if hits:
            return min(hits, key=lambda event: event["t"])
        if time.perf_counter() > deadline:
            return None
        page.wait_for_timeout(100)  # not time.sleep: Playwright serves routes and events only inside its calls


def settle_network(page: Any, traffic: Traffic, quiet_s: float = 1.0, limit_s: float = 30.0) -> None:
    """Wait until nothing arrived for ``quiet_s`` (at most ``limit_s``)."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit_s and time.perf_counter() - traffic.last_event < quiet_s:
        page.wait_for_timeout(200)


def js_memory_bytes(context: Any, page: Any, cdp: Any) -> tuple[int, int]:
    """JS heap in use after two garbage collections, and the array buffers' backing stores (typed arrays: outside
    that heap), each the page's plus any frame's in a process of its own."""
    sessions = [cdp]
    for frame in page.frames[1:]:
        try:
            sessions.append(context.new_cdp_session(frame))
        except Exception:  # noqa: BLE001 - a frame in the page's process has no session of its own (the usual case)
            continue
    used = backing = 0
    for session in sessions:
        session.send("HeapProfiler.collectGarbage")
        session.send("HeapProfiler.collectGarbage")
        usage = session.send("Runtime.getHeapUsage")
        used += int(usage["usedSize"])
        backing += int(usage.get("backingStorageSize", 0))
    return used, backing


# --- the two apps ---------------------------------------------------------------------------------------------------

@dataclass
class App:
    """One app under test: its server, the Map page's address, and how to change its filter."""

    name: str
    server: servers.Server
    path: str
    rows: int
    filter_label: str
    """the sidebar multiselect's label"""
    option: str
    """the option toggled by a filter change"""
    first_change_adds: bool
    """whether the first change selects ``option`` (ours) or removes it (the reference)"""
    expected_visible: dict[bool, int | None] = field(default_factory=dict)
    """points expected after an odd (True) and even (False) number of filter changes, when known"""

    @property
    def url(self) -> str:
        return self.server.base + self.path

    def change_filter(self, page: Any, count: int) -> float:
        """Change the filter for the ``count``-th time (1, 2, …); the input event's time (epoch ms)."""
        adding = self.first_change_adds == (count % 2 == 1)
        sidebar = page.locator('[data-testid="stSidebar"]')
        if adding:
            box = sidebar.get_by_role("combobox", name=self.filter_label)
            box.click(timeout=120_000)
            page.keyboard.type(self.option)
            page.get_by_role("option", name=self.option, exact=True).first.wait_for(timeout=120_000)
            page.keyboard.press("Enter")
            pressed = float(page.evaluate("window.__benchInput"))
            page.keyboard.press("Escape")
            return pressed
        sidebar.locator(f'button[aria-label="Remove {self.option}"]').first.click(timeout=120_000)
        return float(page.evaluate("window.__benchInput"))


def _new_points(old: int | None) -> Callable[[dict], bool]:
    """A redraw after a filter change: its count of points differs from before (the reference has no count)."""
    return lambda event: event["visible"] is None or event["visible"] != old


def accept_open(event: dict) -> bool:
    return event["drawn"] >= 1 and (event["visible"] is None or event["visible"] > 0)


@dataclass
class Browser:
    playwright: Any
    browser: Any
    mirror: Path

    def context(self) -> Any:
        context = self.browser.new_context(viewport={"width": 1600, "height": 1000})
        context.route(_EXTERNAL, self._route)
        context.add_init_script(PROBE_JS)
        return context

    def _route(self, route: Any) -> None:
        """CDN requests answered from the local npm mirror; everything else off this machine refused."""
        path = _mirror_path(route.request.url, self.mirror / "node_modules")
        if path is not None and path.is_file():
            route.fulfill(status=200, path=str(path), headers={
                "content-type": _CONTENT_TYPES.get(path.suffix, "application/octet-stream"),
                "access-control-allow-origin": "*"})
        else:
            route.fulfill(status=404, body="", headers={"access-control-allow-origin": "*"})


_EXTERNAL = __import__("re").compile(r"^https?://(?!127\.0\.0\.1[:/]|localhost[:/])")
_CONTENT_TYPES = {".js": "application/javascript", ".css": "text/css", ".png": "image/png", ".woff2": "font/woff2",
                  ".woff": "font/woff", ".ttf": "font/ttf", ".svg": "image/svg+xml", ".map": "application/json"}


def _mirror_path(url: str, modules: Path) -> Path | None:
    """The local file for a CDN address (the reference's pwcommon.local_path, whose module reads its folder from
    the environment at import), or None."""
    reference = _reference_module("pwcommon")
    reference.NM = str(modules)
    found = reference.local_path(url)
    if found and not os.path.isfile(found) and "/leaflet.awesome-markers/dist/" in found:
        # the npm copy of awesome-markers keeps its files in js/ and css/, not dist/
        name = Path(found).name
        found = str(modules / "leaflet.awesome-markers" / ("js" if name.endswith(".js") else "css") / name)
    return Path(found) if found else None


def _reference_module(name: str) -> Any:
    """A module of ../shared/bench/reference, imported from there (not copied)."""
    if str(servers.REFERENCE_DIR) not in sys.path:
        sys.path.append(str(servers.REFERENCE_DIR))
    return __import__(name)


# --- one run: open, bytes, heap, zoom/pan, filter changes ------------------------------------------------------------

def one_run(browser: Browser, app: App, changes: int, timeout: float, leak: bool) -> dict:
    """One fresh browser context opening the app's Map page and doing everything that is measured."""
    context = browser.context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)[:300]))
    cdp = context.new_cdp_session(page)
    traffic = Traffic(cdp, app.server.base)
    result: dict[str, Any] = {"app": app.name, "rows": app.rows, "errors": errors, "loadavg": os.getloadavg()[0]}
    rss = [app.server.rss_bytes()]
    cpu, browser_cpu = app.server.cpu_seconds(), browser_cpu_seconds()
    try:
        page.goto(app.url, wait_until="commit", timeout=timeout * 1000)
        origin = float(page.evaluate("performance.timeOrigin"))
        drawn = wait_draw(page, 0, accept_open, timeout)
        if drawn is None:
            result["timeout"] = "open"
            return result
        result["signal"] = drawn["kind"]
        result["open_s"] = (drawn["t"] - origin) / 1000
        settle_network(page, traffic)
        opened = traffic.snapshot()
        result["server_cpu_open_s"] = app.server.cpu_seconds() - cpu
        result["browser_cpu_open_s"] = browser_cpu_seconds() - browser_cpu
        visible = drawn["visible"] if drawn["visible"] is not None else app.expected_visible.get(False) or app.rows
        result.update(visible=visible, bytes_open=opened, bytes_per_point=Traffic.served(opened) / max(visible, 1))
        heap, buffers = js_memory_bytes(context, page, cdp)
        result["heap_open_mb"], result["buffers_open_mb"] = heap / 2**20, buffers / 2**20
        rss.append(app.server.rss_bytes())

        zoom = map_frame(page).evaluate(ZOOM_PAN_JS, {"lat": STOCKHOLM[0], "lon": STOCKHOLM[1], "timeout": timeout * 1000})
        result["zoom"] = zoom
        if zoom.get("zoom_ok"):
            result["zoom_s"] = zoom["zoom_ms"] / 1000
        if zoom.get("pan_ok"):
            result["pan_s"] = zoom["pan_ms"] / 1000

        result["changes"] = []
        total = 1 + changes if leak else 2
        last_visible = visible
        for count in range(1, total + 1):
            before = traffic.snapshot()
            cpu = app.server.cpu_seconds()
            pressed = app.change_filter(page, count)
            redrawn = wait_draw(page, pressed, _new_points(last_visible), timeout)
            if redrawn is None:
                result["timeout"] = f"filter change {count}"
                break
            settle_network(page, traffic, quiet_s=0.5)
            after = traffic.snapshot()
            last_visible = redrawn["visible"] if redrawn["visible"] is not None else last_visible
            change = {"s": (redrawn["t"] - pressed) / 1000, "visible": redrawn["visible"],
                      "bytes": Traffic.served(after) - Traffic.served(before), "server_cpu_s": app.server.cpu_seconds() - cpu}
            expected = app.expected_visible.get(count % 2 == 1)
            if redrawn["visible"] is not None and expected is not None and redrawn["visible"] != expected:
                change["expected_visible"] = expected
            result["changes"].append(change)
            if count == 1:
                result["heap_after_1_change_mb"] = js_memory_bytes(context, page, cdp)[0] / 2**20
                result["objects_after_1_change"] = map_frame(page).evaluate(OBJECTS_JS)
            if count == total and leak:
                result[f"heap_after_{total}_changes_mb"] = js_memory_bytes(context, page, cdp)[0] / 2**20
                result[f"objects_after_{total}_changes"] = map_frame(page).evaluate(OBJECTS_JS)
                result["heap_leak_ratio"] = result[f"heap_after_{total}_changes_mb"] / result["heap_after_1_change_mb"]
                result["heap_growth_mb"] = result[f"heap_after_{total}_changes_mb"] - result["heap_after_1_change_mb"]
            rss.append(app.server.rss_bytes())
        times = [change["s"] for change in result["changes"]]
        if times:
            result["filter_change_s"] = statistics.median(times)
            result["filter_change_bytes"] = statistics.median(change["bytes"] for change in result["changes"])
        result["sockets"] = {"created": traffic.sockets_created, "closed": traffic.sockets_closed}
        return result
    finally:
        result["server_rss_mb"] = max(rss) / 2**20
        context.close()


def first_view(browser: Browser, app: App, timeout: float) -> dict:
    """The first page view of a fresh server (seeding, caches): open → drawn, apart from the medians."""
    context = browser.context()
    page = context.new_page()
    try:
        started = time.perf_counter()
        page.goto(app.url, wait_until="commit", timeout=timeout * 1000)
        origin = float(page.evaluate("performance.timeOrigin"))
        drawn = wait_draw(page, 0, accept_open, timeout)
        if drawn is None:
            return {"timeout": True, "wall_s": time.perf_counter() - started}
        return {"open_s": (drawn["t"] - origin) / 1000, "signal": drawn["kind"], "visible": drawn["visible"]}
    finally:
        context.close()


# --- concurrent sessions --------------------------------------------------------------------------------------------

def sessions_run(browser: Browser, app: App, count: int, window_s: float, timeout: float) -> dict:
    """``count`` browser contexts navigating to the Map page, spread over ``window_s``; each one's time to drawn,
    websocket closes and "Connection error" seen."""
    contexts: list[Any] = []
    pages: list[Any] = []
    closed = [0] * count
    sockets = [0] * count
    finished = False
    rss = [app.server.rss_bytes()]
    cpu, browser_cpu = app.server.cpu_seconds(), browser_cpu_seconds()

    def watch(index: int, socket: Any) -> None:
        if "_stcore/stream" not in socket.url:
            return
        sockets[index] += 1
        socket.on("close", lambda _socket: None if finished else closed.__setitem__(index, closed[index] + 1))

    try:
        for index in range(count):
            context = browser.context()
            page = context.new_page()
            page.on("websocket", lambda socket, index=index: watch(index, socket))
            contexts.append(context)
            pages.append(page)
        started = time.perf_counter()
        for index, page in enumerate(pages):
            delay = started + index * window_s / count - time.perf_counter()
            if delay > 0:
                pages[0].wait_for_timeout(delay * 1000)
            try:
                page.evaluate("url => { location.href = url; }", app.url)  # starts the navigation, does not wait
            except Exception:  # noqa: BLE001 - the navigation may replace the context before the answer comes
                pass
        drawn_at: list[float | None] = [None] * count
        origins: list[float | None] = [None] * count
        deadline = started + timeout
        while time.perf_counter() < deadline and any(value is None for value in drawn_at):
            for index, page in enumerate(pages):
                if drawn_at[index] is not None:
                    continue
                if origins[index] is None and page.url.startswith(app.server.base):
                    try:
                        origins[index] = float(page.evaluate("performance.timeOrigin"))
                    except Exception:  # noqa: BLE001 - the new document is not ready yet
                        continue
                origin = origins[index]
                hits = [event for event in draw_events(page) if accept_open(event)] if origin is not None else []
                if origin is not None and hits:
                    drawn_at[index] = (min(event["t"] for event in hits) - origin) / 1000
            rss.append(app.server.rss_bytes())
            pages[0].wait_for_timeout(250)
        connection_errors = 0
        for page in pages:
            try:
                connection_errors += page.get_by_text("Connection error").count() > 0
            except Exception:  # noqa: BLE001 - a page that crashed counts as not drawn already
                continue
        finished = True
        times = [value if value is not None else math.inf for value in drawn_at]
        return {
            "sessions": count, "window_s": window_s, "timeout_s": timeout, "times_s": drawn_at,
            "drawn": sum(value is not None for value in drawn_at),
            "median_s": _finite(statistics.median(times)), "p95_s": _finite(nearest_rank(times, 0.95)),
            "dropped": sum(1 for value in closed if value), "websocket_closes": sum(closed),
            "reconnects": sum(max(0, value - 1) for value in sockets), "connection_error_pages": connection_errors,
            "server_rss_mb": max(rss) / 2**20, "server_cpu_s": app.server.cpu_seconds() - cpu,
            "browser_cpu_s": browser_cpu_seconds() - browser_cpu, "wall_s": time.perf_counter() - started,
            "loadavg": os.getloadavg()[0],
        }
    finally:
        finished = True
        for context in contexts:
            try:
                context.close()
            except Exception:  # noqa: BLE001 - closing the rest matters more than one that failed
                continue


def browser_cpu_seconds() -> float:
    """CPU time used so far by the Chromium processes this benchmark started (all its browsers)."""
    import psutil  # noqa: PLC0415 - a benchmark requirement (requirements-bench.txt), only when measuring

    total = 0.0
    for process in psutil.Process().children(recursive=True):
        try:
            if "chrom" in process.name():
                times = process.cpu_times()
                total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def nearest_rank(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _finite(value: float) -> float | None:
    return None if math.isinf(value) else value


# --- setting up ------------------------------------------------------------------------------------------------------

def ensure_mirror(folder: Path) -> None:
    """The reference's CDN files as npm packages in ``folder`` (installed with npm when missing)."""
    modules = folder / "node_modules"
    if all((modules / name).is_dir() for name in MIRROR_PACKAGES):
        return
    npm = shutil.which("npm")
    if npm is None:
        print(f"no npm: the reference's map libraries are not in {modules}; its map will stay blank", file=sys.stderr)
        return
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "package.json").exists():
        (folder / "package.json").write_text('{"name": "map-browser-cdn-mirror", "private": true}\n')
    print(f"installing the reference's map libraries into {modules} (npm)", flush=True)
    subprocess.run([npm, "install", "--no-audit", "--no-fund", "--ignore-scripts", *MIRROR_PACKAGES.values()], cwd=folder,
                   check=True, timeout=600, stdout=subprocess.DEVNULL)


def install_our_assets(source: Path) -> None:
    """``python -m ecosystem assets install`` (a set-up step of the dashboard: its map libraries in the cache)."""
    answer = subprocess.run([sys.executable, "-m", "ecosystem", "assets", "install"], cwd=source, capture_output=True,
                            text=True, timeout=900, check=False)
    if answer.returncode != 0:
        print(f"`python -m ecosystem assets install` failed:\n{answer.stdout}{answer.stderr}", file=sys.stderr)


def count_rows(folder: Path, column: str, value: str) -> int:
    """Located rows of the synthetic initiatives.csv whose ``column`` is ``value``."""
    import csv  # noqa: PLC0415 - only here

    with open(folder / "data" / "initiatives.csv", newline="") as handle:
        return sum(1 for row in csv.DictReader(handle) if row[column] == value and row["latitude"] and row["longitude"])


def our_app(server: servers.Server, rows: int, folder: Path) -> App:
    return App("ours", server, "/map", rows, filter_label=_our_countries_label(), option=OUR_COUNTRY[1],
               first_change_adds=True, expected_visible={True: count_rows(folder, "country", OUR_COUNTRY[0]), False: rows})


def _our_countries_label() -> str:
    # the dashboard's own catalogue (English): the sidebar multiselect's label
    from ecosystem.i18n import t  # noqa: PLC0415 - the checkout's package, only when our app is measured

    return t("filter.countries", "en")


def reference_app(server: servers.Server, rows: int) -> App:
    return App("reference", server, f"/?v=d2&n={rows}&mode=map", rows, filter_label="Category", option=REFERENCE_CATEGORY,
               first_change_adds=False)


@contextmanager
def launched(mirror: Path) -> Iterator[Browser]:
    # Playwright only when measuring (the test of --help needs no browser)
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    chromium = os.environ.get("BROWSER_PATH") or shutil.which("chromium")
    if chromium is None:
        sys.exit("no chromium on the PATH (apt-get install chromium) and no BROWSER_PATH")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                             args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            yield Browser(playwright, browser, mirror)
        finally:
            browser.close()


@contextmanager
def our_server(source: Path, rows: int, init: bool, timeout: float) -> Iterator[tuple[servers.Server, Path, dict]]:
    """A data folder of ``rows``, the store prepared by ``init`` when there is one, our server on it."""
    started = time.perf_counter()
    folder = servers.our_data_folder(source, rows)
    prepared: dict[str, Any] = {"data_s": time.perf_counter() - started}
    server = None
    try:
        if init:
            prepared["init_s"] = servers.run_init(source, folder, rows, timeout=max(timeout, 3600))
        server = servers.start_ours(source, folder, rows)
        prepared["server_start_s"] = server.started_s
        if servers.readies_first_view(source):  # a visitor comes after start-up: time the first view after it
            prepared["ready_s"] = server.started_s + server.wait_for_log(servers.READY_LINE, max(timeout, 600))
        yield server, folder, prepared
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def reference_server() -> Iterator[servers.Server]:
    server = servers.start_reference()
    try:
        yield server
    finally:
        server.stop()


# --- figures ---------------------------------------------------------------------------------------------------------

# measure → (label, per-size targets: rows → (text, check on ours' value or None))
def _at_most(limit: float) -> Callable[[float], bool]:
    return lambda value: value <= limit


def _at_least(limit: float) -> Callable[[float], bool]:
    return lambda value: value >= limit


TARGETS: dict[str, tuple[str, dict[int, tuple[str, Callable[[float], bool] | None]]]] = {
    "open_s": ("open → drawn, s", {100_000: ("≤ 2.5", _at_most(2.5)), 1_000_000: ("≤ 8", _at_most(8))}),
    "filter_change_s": ("filter change → redrawn, s", {10_000: ("≤ 0.3", _at_most(0.3)), 100_000: ("≤ 1", _at_most(1))}),
    "heap_open_mb": ("JS heap after GC, MB", {100_000: ("≤ 20", _at_most(20)), 1_000_000: ("≤ 120", _at_most(120))}),
    "buffers_open_mb": ("typed arrays outside the JS heap, MB", {}),
    "bytes_per_point": ("bytes per point", {100_000: ("≤ 12", _at_most(12))}),
    "zoom_s": ("zoom, s", {100_000: ("≤ 0.2", _at_most(0.2)), 1_000_000: ("≤ 0.5", _at_most(0.5))}),
    "pan_s": ("pan, s", {100_000: ("≤ 0.2", _at_most(0.2)), 1_000_000: ("≤ 0.5", _at_most(0.5))}),
    "heap_leak_ratio": ("heap after 1+N changes / after 1", {0: ("≤ 1.10", _at_most(1.10))}),
    "heap_growth_mb": ("heap growth over those N changes, MB", {}),
    "server_rss_mb": ("server RSS, MB", {1_000_000: ("≤ 2048", _at_most(2048))}),
    "filter_change_kb": ("sent for a new filter, KB", {}),
    "server_cpu_open_s": ("server CPU per open, s", {}),
    "browser_cpu_open_s": ("Chromium CPU per open, s", {}),
    "server_cpu_change_s": ("server CPU per filter change, s", {}),
}
FASTER_THAN_REFERENCE = {"open_s", "filter_change_s", "heap_open_mb", "bytes_per_point", "zoom_s", "pan_s"}


def summarise(runs: list[dict]) -> dict[str, Any]:
    """Medians over runs of each measure (leak ratio: over the runs that did the long loop)."""
    def median(key: str) -> float | None:
        values = [run[key] for run in runs if run.get(key) is not None]
        return statistics.median(values) if values else None

    changes = [change["s"] for run in runs for change in run.get("changes", [])]
    # Streamlit sends a message the browser already holds as a reference to it, so a filter state seen before costs
    # almost nothing: what a new filter costs is the first change of each run
    sent = [run["changes"][0]["bytes"] for run in runs if run.get("changes")]
    spent = [change["server_cpu_s"] for run in runs for change in run.get("changes", [])]
    return {
        "open_s": median("open_s"), "filter_change_s": statistics.median(changes) if changes else None,
        "heap_open_mb": median("heap_open_mb"), "buffers_open_mb": median("buffers_open_mb"),
        "bytes_per_point": median("bytes_per_point"),
        "zoom_s": median("zoom_s"), "pan_s": median("pan_s"), "heap_leak_ratio": median("heap_leak_ratio"),
        "heap_growth_mb": median("heap_growth_mb"),
        "server_rss_mb": max((run["server_rss_mb"] for run in runs if run.get("server_rss_mb")), default=None),
        "filter_change_kb": statistics.median(sent) / 1000 if sent else None,
        "server_cpu_open_s": median("server_cpu_open_s"), "browser_cpu_open_s": median("browser_cpu_open_s"),
        "server_cpu_change_s": statistics.median(spent) if spent else None,
        "signal": sorted({run["signal"] for run in runs if run.get("signal")}),
        "timeouts": [run["timeout"] for run in runs if run.get("timeout")],
        "visible": median("visible"),
    }


LABEL = 42  # width of the measure column


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if value >= 1 else f"{value:.3f}"


def _target(measure: str, rows: int) -> tuple[str, Callable[[float], bool] | None]:
    targets = TARGETS[measure][1]
    return targets.get(rows) or targets.get(0) or ("—", None)


def table(results: dict) -> str:
    lines = [f"{'rows':>9} | {'measure':<{LABEL}} | {'ours':>9} | {'reference':>9} | {'ours/ref':>8} | {'target':<14} | met",
             "-" * 108]
    for rows_text, size in results["sizes"].items():
        rows = int(rows_text)
        ours, reference = size.get("ours", {}), size.get("reference", {})
        signal_note = "" if ours.get("signal") in ([], ["eco"]) else f"   (ours timed by {ours.get('signal')} signal)"
        for measure, (name, _) in TARGETS.items():
            label = name.replace("1+N", f"1+{results['changes']}").replace("those N", f"those {results['changes']}")
            mine, theirs = ours.get(measure), reference.get(measure)
            ratio = mine / theirs if mine is not None and theirs else None
            text, check = _target(measure, rows)
            if measure in FASTER_THAN_REFERENCE and rows >= 100_000 and text != "—":
                text += ", ≤ ref"
            met = "—"
            if check is not None and mine is not None:
                met = "yes" if check(mine) and (ratio is None or "ref" not in text or ratio <= 1) else "NO"
            lines.append(f"{rows:>9,} | {label:<{LABEL}} | {_number(mine):>9} | {_number(theirs):>9} | "
                         f"{_number(ratio):>8} | {text:<14} | {met}")
        first = size.get("first_view", {})
        prepared = size.get("prepared", {})
        first_ours, first_reference = first.get("ours", {}).get("open_s"), first.get("reference", {}).get("open_s")
        met = "—" if rows != 100_000 or first_ours is None else "yes" if first_ours <= 5 else "NO"
        lines.append(f"{rows:>9,} | {'first view of a fresh server, s':<{LABEL}} | {_number(first_ours):>9} | "
                     f"{_number(first_reference):>9} | {'':>8} | {'≤ 5' if rows == 100_000 else '—':<14} | {met}")
        if prepared.get("ready_s") is not None:
            lines.append(f"{rows:>9,} | {'server start → first view readied, s':<{LABEL}} | {_number(prepared['ready_s']):>9} | "
                         f"{'':>9} | {'':>8} | {'—':<14} | —")
        if prepared.get("init_s") is not None:
            met = "yes" if prepared["init_s"] <= 60 else "NO"
            lines.append(f"{rows:>9,} | {'python -m ecosystem init, s':<{LABEL}} | {_number(prepared['init_s']):>9} | {'':>9} | "
                         f"{'':>8} | {'≤ 60' if rows == 100_000 else '—':<14} | {met if rows == 100_000 else '—'}")
        if signal_note or ours.get("timeouts") or reference.get("timeouts"):
            lines.append(f"{'':>9}   {signal_note.strip()} timeouts: ours {ours.get('timeouts')}, "
                         f"reference {reference.get('timeouts')}")
    for count_text, by_app in results["sessions"].items():
        ours, reference = by_app.get("ours", {}), by_app.get("reference", {})
        rows, count = results["session_rows"], int(count_text)
        checks: tuple[tuple[str, str, str, Callable[[float], bool] | None], ...] = (
            ("drawn", "drawn", f"{count} of {count}", _at_least(count)),
            ("median_s", "median time to drawn, s", "—", None),
            ("p95_s", "p95 time to drawn, s", "≤ 15" if count == 30 else "—", _at_most(15) if count == 30 else None),
            ("dropped", "dropped websocket connections", "0", _at_most(0)),
            ("server_cpu_s", "server CPU in all, s", "—", None),
            ("browser_cpu_s", "Chromium CPU in all, s", "—", None))
        for key, label, target, check in checks:
            mine, theirs = ours.get(key), reference.get(key)
            ratio = mine / theirs if key.endswith("_s") and mine is not None and theirs else None
            met = "—" if check is None or mine is None else "yes" if check(mine) else "NO"
            if key == "p95_s" and ours and mine is None:
                met = "NO"  # not even 95 % drew
            lines.append(f"{rows:>9,} | {f'{count} sessions: {label}':<{LABEL}} | {_number(mine):>9} | "
                         f"{_number(theirs):>9} | {_number(ratio):>8} | {target:<14} | {met}")
    return "\n".join(lines)


# --- main ------------------------------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000],
                        help="rows (default 10000 100000; none: --sizes, e.g. for the sessions test alone)")
    parser.add_argument("--runs", type=int, default=3, help="runs per size and app; medians are reported (default 3)")
    parser.add_argument("--changes", type=int, default=20,
                        help="filter changes after the first for the leak check, in the first --leak-runs runs (default 20)")
    parser.add_argument("--leak-runs", type=int, default=1, help="runs that do the long filter loop (others do 2)")
    parser.add_argument("--sessions", type=int, nargs="*", default=[10, 30],
                        help="concurrent sessions to test (default 10 30; none: --sessions)")
    parser.add_argument("--session-rows", type=int, default=10_000, help="rows for the sessions test (default 10000)")
    parser.add_argument("--session-window", type=float, default=10.0, help="seconds over which sessions start")
    parser.add_argument("--session-timeout", type=float, default=300.0, help="seconds for all sessions to draw")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for one draw (first view: 4×)")
    parser.add_argument("--only", choices=["ours", "reference"], help="measure one app only")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--commit", help="measure this revision of the repository (git archive into a temporary "
                                         "folder; the work tree is not touched)")
    source.add_argument("--source", type=Path, help="measure the dashboard in this folder (default: this checkout)")
    parser.add_argument("--cdn-mirror", type=Path, default=Path(os.environ.get("CDN_MIRROR_DIR", DEFAULT_MIRROR)),
                        help=f"folder with node_modules/ of the reference's CDN packages (default {DEFAULT_MIRROR})")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder for the JSON (default benchmarks/out)")
    args = parser.parse_args(argv)
    if args.runs < 1 or any(size < 1 for size in args.sizes) or any(count < 1 for count in args.sessions):
        parser.error("--runs, --sizes and --sessions must be positive")
    return args


def _stop_on_signal(number: int, _frame: Any) -> None:
    raise SystemExit(128 + number)  # so every `finally` stops its servers and removes its folders


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, _stop_on_signal)
    apps = ["ours", "reference"] if args.only is None else [args.only]
    exported = servers.export_commit(args.commit) if args.commit else None
    source = exported or (args.source.resolve() if args.source else REPO)
    sys.path.insert(0, str(source))  # the checkout's catalogue (filter labels)
    try:
        results = measure(args, apps, source)
    finally:
        if exported is not None:
            shutil.rmtree(exported, ignore_errors=True)
    print(table(results))


def measure(args: argparse.Namespace, apps: list[str], source: Path) -> dict:
    if "reference" in apps:
        ensure_mirror(args.cdn_mirror)
    init = "ours" in apps and servers.has_init_command(source)
    if "ours" in apps:
        install_our_assets(source)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"map_browser-{stamp}.json"
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", args.commit or "HEAD"], capture_output=True, text=True,
                            check=False).stdout.strip()
    results: dict[str, Any] = {
        "started": stamp, "source": str(source), "commit": commit, "work_tree": args.commit is None and args.source is None,
        "entry_point": servers.our_entry_point(source).name, "init_command": init, "runs": args.runs,
        "changes": args.changes, "cpus": os.cpu_count(), "sizes": {}, "sessions": {}, "session_rows": args.session_rows,
        "raw": {},
    }
    print(f"ours: {results['entry_point']} of {source} ({'init' if init else 'seeded by a first view'}); "
          f"writing {out}", flush=True)

    def save() -> None:
        out.write_text(json.dumps(results, indent=1, default=str))

    for rows in args.sizes:
        with launched(args.cdn_mirror) as browser, _servers_for(apps, source, rows, init, args.timeout) as running:
            size: dict[str, Any] = {"first_view": {}, "prepared": running.get("prepared", {})}
            results["sizes"][str(rows)] = size
            for name in apps:
                size["first_view"][name] = first_view(browser, running[name], args.timeout * 4)
                print(f"{rows:>9,} {name:<9} first view {size['first_view'][name]}", flush=True)
            runs: dict[str, list[dict]] = {name: [] for name in apps}
            for rep in range(args.runs):
                for name in (apps if rep % 2 == 0 else apps[::-1]):  # interleaved, order alternating
                    run = one_run(browser, running[name], args.changes, args.timeout, leak=rep < args.leak_runs)
                    runs[name].append(run)
                    print(f"{rows:>9,} {name:<9} run {rep + 1}: " + json.dumps(
                        {key: run.get(key) for key in ("open_s", "filter_change_s", "heap_open_mb", "bytes_per_point",
                                                       "zoom_s", "pan_s", "heap_leak_ratio", "server_rss_mb", "signal",
                                                       "timeout", "visible")}, default=str), flush=True)
            for name in apps:
                size[name] = summarise(runs[name])
            results["raw"][str(rows)] = runs
            save()
    for count in args.sessions:
        results["sessions"][str(count)] = {}
        for name in apps if count % 2 == 0 else apps[::-1]:
            with launched(args.cdn_mirror) as browser, \
                    _servers_for([name], source, args.session_rows, init, args.timeout) as running:
                warm = first_view(browser, running[name], args.timeout * 4)
                measured = sessions_run(browser, running[name], count, args.session_window, args.session_timeout)
                measured["first_view"] = warm
                results["sessions"][str(count)][name] = measured
                print(f"{count} sessions {name}: " + json.dumps(
                    {key: measured[key] for key in ("drawn", "median_s", "p95_s", "dropped", "reconnects",
                                                    "connection_error_pages", "server_rss_mb")}), flush=True)
            save()
    save()
    print(f"wrote {out}", flush=True)
    return results


@contextmanager
def _servers_for(apps: list[str], source: Path, rows: int, init: bool, timeout: float) -> Iterator[dict[str, Any]]:
    """The servers of ``apps`` at ``rows``, as App objects by name (and ``prepared``: how ours was set up)."""
    running: dict[str, Any] = {}
    with _maybe(lambda: our_server(source, rows, init, timeout), "ours" in apps) as ours, \
            _maybe(reference_server, "reference" in apps) as reference:
        if ours is not None:
            server, folder, prepared = ours
            running["ours"], running["prepared"] = our_app(server, rows, folder), prepared
        if reference is not None:
            running["reference"] = reference_app(reference, rows)
        yield running


@contextmanager
def _maybe(make: Callable[[], Any], wanted: bool) -> Iterator[Any]:
    if not wanted:
        yield None
        return
    with make() as value:
        yield value


if __name__ == "__main__":
    main()
