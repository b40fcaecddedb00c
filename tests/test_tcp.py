"""``ecosystem.tcp``: connections accepted by a listening socket bound as Streamlit binds it (protocol number 0,
which asyncio leaves with Nagle's algorithm on) send without delay once ``send_without_delay`` has run."""

from __future__ import annotations

import socket
import sys

import pytest

from ecosystem.tcp import send_without_delay

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux copies TCP_NODELAY on accept")


def _accepted(listener: socket.socket) -> tuple[socket.socket, socket.socket]:
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    return client, accepted


def _no_delay(sock: socket.socket) -> int:
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_connections_accepted_afterwards_send_without_delay() -> None:
    with socket.socket(socket.AF_INET) as listener, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as datagrams:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        datagrams.bind(("127.0.0.1", 0))
        assert listener.proto == 0
        before_client, before = _accepted(listener)
        assert _no_delay(before) == 0  # what asyncio leaves such a connection with

        assert send_without_delay() >= 1
        after_client, after = _accepted(listener)
        assert _no_delay(after) != 0
        assert _no_delay(before) == 0 and _no_delay(before_client) == 0  # open connections are left as they were

        after.sendall(b"ok")  # the server's socket and the connection still work: only copies were closed
        assert after_client.recv(2) == b"ok"
        for sock in (before_client, before, after_client, after):
            sock.close()
