"""A TCP proxy to the embedded PostgreSQL that refuses its first N connections.

It stands in for Aurora Serverless resuming from auto-pause: the database is there, but the
first attempts to reach it fail.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse


class FlakyProxy:
    def __init__(self, database_url: str, refuse_first: int) -> None:
        parsed = urlparse(database_url)
        socket_dir = parse_qs(parsed.query)["host"][0]
        self._target = str(Path(socket_dir) / f".s.PGSQL.{parsed.port or 5432}")
        self.refusals_left = refuse_first
        self.refused = 0
        self.first_forwarded_at: float | None = None
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()

    def __enter__(self) -> FlakyProxy:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.refusals_left > 0:
                self.refusals_left -= 1
                self.refused += 1
                client.close()
                continue
            if self.first_forwarded_at is None:
                self.first_forwarded_at = time.monotonic()
            upstream = socket.socket(socket.AF_UNIX)
            upstream.connect(self._target)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(a, b), daemon=True).start()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for s in (source, sink):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
