"""What every picture renderer shares: slide sizes, the error a person reads, finding and ending Chromium."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

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
INSTALL_HINT = "apt-get install chromium (or set BROWSER_PATH to a Chrome or Chromium executable)"
CLOSE_TIMEOUT = 10.0  # seconds a browser gets to close before it is killed or abandoned


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


def check_size(width: int, height: int, scale: float) -> None:
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


def kill_process_group(process: subprocess.Popen[Any]) -> None:
    """End a browser we started in its own session, children included."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=CLOSE_TIMEOUT)
