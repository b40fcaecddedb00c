"""A visitor of a running Streamlit server without a browser: Streamlit's own websocket protocol, read as a page.

``Session(base_url, page)`` opens ``/_stcore/stream`` and asks for a page as a browser's first visit does;
``next_run()`` returns what one script run drew (metrics, alerts, an exception, the multiselects) once it finished.
The session stays open, so a run the server starts by itself — because the registry changed — arrives there too.
``open(page)`` goes to another page of the same session as the navigation's links do, and ``choose(key, labels)``
picks options of a multiselect as a visitor does. Like the frontend, every rerun the session asks for carries the
value of every widget the last run drew (those a page keeps in ``st.session_state`` would otherwise fall back to
their defaults): multiselects, select boxes, radios, sliders, text inputs, checkboxes and toggles — the kinds these
pages' sidebars and panels use. Used by tests/test_replicas.py and benchmarks/load_replicas.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.Common_pb2 import DoubleArray, StringArray
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from websockets.sync.client import ClientConnection, connect

SAFETY_NET_SECONDS = 300.0  # only a hung server waits this long: every wait ends at its event


@dataclass
class Run:
    """What one finished script run drew."""

    metrics: dict[str, str] = field(default_factory=dict)
    alerts: list[tuple[str, str]] = field(default_factory=list)  # (ERROR / WARNING / INFO / SUCCESS, text)
    exceptions: list[str] = field(default_factory=list)
    widgets: dict[str, WidgetState] = field(default_factory=dict)  # widget id ($$ID-…-<key> if keyed) → value
    finished_at: float = 0.0  # time.monotonic()

    def errors(self) -> list[str]:
        """The error alerts' texts."""
        return [text for kind, text in self.alerts if kind == "ERROR"]


class Session:
    """One visitor's open session on ``page`` of the server at ``base_url``."""

    def __init__(self, base_url: str, page: str = "overview", query: str = "", source_address: str | None = None) -> None:
        """``source_address``: the loopback address the visitor comes from (e.g. ``127.0.3.1``), for a proxy that
        keeps each address on one app server."""
        stream = base_url.replace("http://", "ws://", 1) + "/_stcore/stream"
        self._opened = ExitStack()
        source = {"source_address": (source_address, 0)} if source_address else {}
        # what the server sends while nobody reads (runs it starts by itself) is queued without limit, so the
        # connection keeps answering the server's pings; like a browser, the session sends no pings of its own
        self._socket: ClientConnection = self._opened.enter_context(
            connect(stream, subprotocols=["streamlit"], max_size=None, max_queue=None, ping_interval=None,
                    open_timeout=SAFETY_NET_SECONDS, **source))
        self._page, self._query = page, query
        self._widgets: dict[str, WidgetState] = {}
        self._rerun()

    def _rerun(self) -> None:
        state = ClientState(page_name=self._page, query_string=self._query,
                            widget_states=WidgetStates(widgets=self._widgets.values()))
        self._socket.send(BackMsg(rerun_script=state).SerializeToString())

    def open(self, page: str, query: str | None = None) -> None:
        """Go to ``page`` (with ``query``, else the current query string) as the navigation's links do; the
        widgets keep their values."""
        self._page = page
        self._query = self._query if query is None else query
        self._rerun()

    def choose(self, key: str, labels: list[str]) -> None:
        """Select ``labels`` (as shown) in the multiselect with the widget key ``key``, drawn by the last run."""
        ids = [widget for widget, state in self._widgets.items()
               if widget.endswith(f"-{key}") and state.WhichOneof("value") == "string_array_value"]
        if len(ids) != 1:
            raise LookupError(f"the last run drew no one multiselect with the key {key!r}: {list(self._widgets)}")
        self._widgets[ids[0]] = WidgetState(id=ids[0], string_array_value=StringArray(data=labels))
        self._rerun()

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
                else:
                    widget = _widget_state(element)
                    if widget is not None:
                        run.widgets[widget.id] = widget
            elif kind == "page_info_changed":
                self._query = message.page_info_changed.query_string  # the app wrote the URL (its filters)
            elif kind == "script_finished" and message.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                run.finished_at = time.monotonic()
                self._widgets = run.widgets
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


def _widget_state(element: Element) -> WidgetState | None:
    """The value the frontend reports for a drawn widget, as it first shows it: the value the script set
    (``set_value``), else its default; None for other elements and for a widget with no value (a select box
    without a default)."""
    kind = element.WhichOneof("type")
    widget = getattr(element, kind) if kind else None
    if kind == "multiselect":
        labels = list(widget.raw_values) if widget.set_value else [widget.options[index] for index in widget.default]
        return WidgetState(id=widget.id, string_array_value=StringArray(data=labels))
    if kind in ("selectbox", "radio"):
        if widget.set_value:
            return WidgetState(id=widget.id, string_value=widget.raw_value)
        if widget.HasField("default") and widget.default < len(widget.options):
            return WidgetState(id=widget.id, string_value=widget.options[widget.default])
        return None
    if kind == "slider":
        values = list(widget.value) if widget.set_value else list(widget.default)
        return WidgetState(id=widget.id, double_array_value=DoubleArray(data=values))
    if kind == "text_input":
        value = widget.value if widget.set_value else widget.default
        return WidgetState(id=widget.id, string_value=value)
    if kind == "checkbox":
        return WidgetState(id=widget.id, bool_value=widget.value if widget.set_value else widget.default)
    return None
