"""A visitor of a running Streamlit server without a browser: Streamlit's own websocket protocol, read as a page.

``Session(base_url, page)`` opens ``/_stcore/stream`` and asks for a page as a browser's first visit does;
``next_run()`` returns what one script run drew (metrics, alerts, an exception) once it finished. The session
stays open, so a run the server starts by itself — because the registry changed — arrives there too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import ClientConnection, connect

SAFETY_NET_SECONDS = 300.0  # only a hung server waits this long: every wait ends at its event


@dataclass
class Run:
    """What one finished script run drew."""

    metrics: dict[str, str] = field(default_factory=dict)
    alerts: list[tuple[str, str]] = field(default_factory=list)  # (ERROR / WARNING / INFO / SUCCESS, text)
    exceptions: list[str] = field(default_factory=list)
    finished_at: float = 0.0  # time.monotonic()

    def errors(self) -> list[str]:
        """The error alerts' texts."""
        return [text for kind, text in self.alerts if kind == "ERROR"]


class Session:
    """One visitor's open session on ``page`` of the server at ``base_url``."""

    def __init__(self, base_url: str, page: str = "overview", query: str = "") -> None:
        stream = base_url.replace("http://", "ws://", 1) + "/_stcore/stream"
        self._opened = ExitStack()
        self._socket: ClientConnection = self._opened.enter_context(
            connect(stream, subprotocols=["streamlit"], max_size=None, open_timeout=SAFETY_NET_SECONDS))
        self._socket.send(BackMsg(rerun_script=ClientState(page_name=page, query_string=query)).SerializeToString())

    def next_run(self, timeout: float = SAFETY_NET_SECONDS) -> Run:
        """The next script run that finished (one interrupted by a newer run is skipped)."""
        deadline = time.monotonic() + timeout
        run = Run()
        while True:
            message = ForwardMsg.FromString(self._socket.recv(timeout=max(deadline - time.monotonic(), 0.01)))
            kind = message.WhichOneof("type")
            if kind == "new_session":
                run = Run()
            elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                element = message.delta.new_element
                drawn = element.WhichOneof("type")
                if drawn == "metric":
                    run.metrics[element.metric.label] = element.metric.body
                elif drawn == "alert":
                    run.alerts.append((Alert.Format.Name(element.alert.format), element.alert.body))
                elif drawn == "exception":
                    run.exceptions.append(f"{element.exception.type}: {element.exception.message}")
            elif kind == "script_finished" and message.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                run.finished_at = time.monotonic()
                return run

    def run_where(self, condition: str, check: Callable[[Run], bool], timeout: float = SAFETY_NET_SECONDS) -> Run:
        """The first finished run for which ``check(run)`` holds (``condition`` says what, for the failure)."""
        deadline = time.monotonic() + timeout
        seen: list[Run] = []
        try:
            while True:
                run = self.next_run(deadline - time.monotonic())
                if check(run):
                    return run
                seen.append(run)
        except TimeoutError:
            raise AssertionError(f"no run where {condition} within {timeout:.0f} s; runs seen: {seen}") from None

    def close(self) -> None:
        self._opened.close()
