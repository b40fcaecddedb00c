"""Answers that leave at once: ``TCP_NODELAY`` on this process's listening TCP sockets.

Streamlit 1.67 binds its listening socket itself (``socket.socket(family)``, protocol number 0), and asyncio turns
Nagle's algorithm off only for connections whose protocol number is ``IPPROTO_TCP``. Every connection the server
accepts therefore keeps Nagle on: the second write of an answer (its body after its headers, the next websocket
message) waits for the browser to acknowledge the first, which a browser delays by 40 ms on a kept-alive
connection. Measured from Chromium against this server: ~50 ms per request for a 2 KB file or ``/_stcore/health``
(curl, on a fresh connection each time: 2 ms), so the map's five scripts, loaded one after another, cost a quarter
of a second before its data was even asked for.

Linux copies a listening socket's ``TCP_NODELAY`` into every connection it accepts, so setting it once on the
listening sockets (found through ``/proc/self/fd``) fixes every later connection. Elsewhere nothing is changed.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

__all__ = ["send_without_delay"]

_DESCRIPTORS = Path("/proc/self/fd")


def send_without_delay() -> int:
    """Turn Nagle's algorithm off on every listening TCP socket of this process; how many there were (0 where
    there is no ``/proc``)."""
    if not _DESCRIPTORS.is_dir():
        return 0
    changed = 0
    for entry in list(_DESCRIPTORS.iterdir()):
        sock = _socket_at(entry)
        if sock is None:
            continue
        with sock:  # a copy of the descriptor: closing it leaves the server's socket open
            if _listening_tcp(sock):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                changed += 1
    return changed


def _socket_at(entry: Path) -> socket.socket | None:
    """A socket object on a copy of the descriptor ``entry`` names, or None when it names no socket (any more)."""
    try:
        if not os.readlink(entry).startswith("socket:"):
            return None
        copy = os.dup(int(entry.name))
    except OSError:  # closed meanwhile
        return None
    try:
        return socket.socket(fileno=copy)
    except OSError:  # a kind of socket Python does not open
        os.close(copy)
        return None


def _listening_tcp(sock: socket.socket) -> bool:
    try:
        return (sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM
                and sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 1)
    except OSError:
        return False
