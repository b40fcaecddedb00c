"""Real-browser fixtures: a Streamlit server per test and a headless Chromium page that cannot leave this machine.

The package is skipped when Chromium or Playwright is missing, except under ``CI=true``, where it fails.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import pytest

from ecosystem.assets import assets_installed, install_assets
from ecosystem.config import PROJECT_DIR, assets_dir
from ecosystem.pictures import CHROMIUM_ARGS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Route

CHROMIUM = Path("/usr/bin/chromium")
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
SERVER_START_TIMEOUT = 120.0
PAGE_TIMEOUT_MS = 120_000  # for every page action without a timeout of its own; only a hung page uses it up

StreamlitServer = Callable[..., str]


def _missing_requirement() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not importable (pip install -r requirements-dev.txt)"
    return None


@pytest.fixture(scope="session", autouse=True)
def _browser_requirements() -> None:
    """Skip the browser tests when Chromium or Playwright is missing; fail instead under ``CI=true``."""
    reason = _missing_requirement()
    if reason is None:
        return
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"CI=true but the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


@pytest.fixture(scope="session")
def local_assets() -> Path:
    """The installed map assets (``config.assets_dir()``, outside the repository), installed first when missing."""
    if not assets_installed():
        install_assets()
    return assets_dir()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_idle(page: Page) -> None:
    """Return once the app's script run has ended (Streamlit marks its root ``data-test-script-state``): a
    widget opened during a run may be drawn again by that run, and a menu opened then closes under the pointer."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=PAGE_TIMEOUT_MS)


def _wait_until_healthy(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    """Return once ``/_stcore/health`` answers ``ok``; fail with the server's output otherwise."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"streamlit did not answer within {SERVER_START_TIMEOUT:.0f} s:\n{log.read_text(errors='replace')}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End the server's whole process group."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture
def streamlit_server(tmp_path: Path) -> Iterator[StreamlitServer]:
    """Factory ``(script_path, env=None, args=None) -> base_url`` starting ``streamlit run`` (free port)."""
    started: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(script_path: Path, env: dict[str, str] | None = None, args: list[str] | None = None) -> str:
        script = Path(script_path).resolve()
        port = free_port()
        command = [
            sys.executable, "-m", "streamlit", "run", str(script),
            "--server.headless", "true",
            "--server.port", str(port),
            "--server.address", "127.0.0.1",
            "--browser.gatherUsageStats", "false",
            *(args or []),
        ]  # fmt: skip
        python_path = os.pathsep.join(filter(None, [str(PROJECT_DIR), os.environ.get("PYTHONPATH")]))
        environment = {**os.environ, "PYTHONPATH": python_path, **(env or {})}
        log = tmp_path / f"server{len(started)}.log"
        if script.parent == PROJECT_DIR:  # the dashboard: its registry database set up first, as the README does
            subprocess.run([sys.executable, "-m", "ecosystem", "init"], cwd=PROJECT_DIR, env=environment, check=True,
                           capture_output=True, timeout=SERVER_START_TIMEOUT)  # a safety net for a hung process only
        with log.open("wb") as output:
            process = subprocess.Popen(
                command,
                cwd=script.parent,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append((process, log))
        base_url = f"http://127.0.0.1:{port}"
        _wait_until_healthy(process, base_url, log)
        return base_url

    yield start
    for process, log in started:
        _stop(process)
        print(f"--- {log.name} ---\n{log.read_text(errors='replace')}")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Headless Debian Chromium driven by Playwright, shared by the session."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - imported when a browser test runs, not at collection

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@dataclass
class RecordedPage:
    """A page and what went wrong on it: console errors, uncaught exceptions, failed and blocked requests."""

    page: Page
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)


@pytest.fixture
def browser_page(chromium: Browser) -> Iterator[RecordedPage]:
    """A 1400x900 page whose requests to anything but 127.0.0.1/localhost are aborted and recorded."""
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    recorded = RecordedPage(page=context.new_page())

    def only_local(route: Route) -> None:
        if urlparse(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            recorded.blocked_requests.append(route.request.url)
            route.abort("blockedbyclient")

    def request_failed(request: Request) -> None:
        recorded.failed_requests.append(f"{request.url} ({request.failure})")

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            recorded.console_errors.append(message.text)

    context.route("**/*", only_local)
    recorded.page.on("console", console)
    recorded.page.on("pageerror", lambda error: recorded.console_errors.append(f"uncaught: {error}"))
    recorded.page.on("requestfailed", request_failed)
    yield recorded
    context.close()
