"""Plotly figures → PNG, SVG or PDF through one warm kaleido Chromium per process (``render_chart``)."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import threading
from collections.abc import Coroutine
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from ecosystem.pictures.base import (
    CLOSE_TIMEOUT,
    DEFAULT_SLIDE,
    INSTALL_HINT,
    PictureError,
    check_size,
    chromium_path,
    kill_process_group,
)

if TYPE_CHECKING:
    import plotly.graph_objects as go

ChartFormat = Literal["png", "svg", "pdf"]
CHART_FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
_T = TypeVar("_T")


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
            kill_process_group(process)
        with contextlib.suppress(Exception):  # a broken browser may fail to close: it is killed below
            self.call(self.kaleido.close(), CLOSE_TIMEOUT)
        if process is not None and process.poll() is None:
            kill_process_group(process)
        with contextlib.suppress(Exception):
            self.call(_cancel_other_tasks(), CLOSE_TIMEOUT)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(CLOSE_TIMEOUT)
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
        check_size(width, height, scale)
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
                raise PictureError(f"No browser is installed for chart pictures: {INSTALL_HINT}.")
            if importlib.util.find_spec("kaleido") is None:
                raise PictureError("kaleido is not installed for chart pictures: pip install 'kaleido>=1.5,<2'.")
            self._server = _KaleidoServer(path, self.start_timeout)
        return self._server

    def _stop(self, *, kill: bool) -> None:
        """Stop the server, if one runs."""
        server, self._server = self._server, None
        if server is not None:
            server.stop(kill=kill)


_CHARTS = ChartRenderer()


def render_chart(fig: go.Figure, fmt: ChartFormat = "png", width: int = DEFAULT_SLIDE.width,
                 height: int = DEFAULT_SLIDE.height, scale: float = DEFAULT_SLIDE.scale) -> bytes:
    """A Plotly figure as PNG, SVG or PDF bytes, through the process's one chart browser."""
    return _CHARTS.render(fig, fmt, width, height, scale)


def shutdown() -> None:
    """Close this renderer's browser (it starts again when next needed)."""
    _CHARTS.shutdown()
