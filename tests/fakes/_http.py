"""Shared plumbing for the loopback fakes: a threaded stdlib HTTP server plus a call log.

Each fake subclasses `LoopbackServer` and implements `handle(request) -> Reply`. The real
client libraries then talk plain HTTP to 127.0.0.1, so their serialisation, retry and
streaming code paths run exactly as in production.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

log = logging.getLogger(__name__)

# Yielded by a Reply's stream: reset the connection there (TCP RST), as a dropped link does.
ABORT = b"<abort>"


@dataclass
class Request:
    method: str
    path: str  # without the query string
    query: dict[str, str]
    headers: dict[str, str]  # keys lower-cased: HTTP header names are case-insensitive
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # When set, the body is sent with chunked transfer encoding, one chunk per item, so
    # clients see server-sent events arrive incrementally like from the real service.
    stream: Iterable[bytes] | None = None
    delay: float = 0.0  # seconds to sleep before answering (slow-server / timeout tests)


def json_reply(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return Reply(
        status,
        json.dumps(obj).encode(),
        {"Content-Type": "application/json", **(headers or {})},
    )


def sse_reply(events: Iterable[tuple[str | None, Any] | bytes]) -> Reply:
    """Server-sent events from (event name or None, JSON payload or raw str) pairs; an
    `ABORT` among them resets the connection there."""

    def frames() -> Iterable[bytes]:
        for event in events:
            if event is ABORT:
                yield ABORT
                return
            name, data = event
            payload = data if isinstance(data, str) else json.dumps(data)
            head = f"event: {name}\n" if name else ""
            yield f"{head}data: {payload}\n\n".encode()

    return Reply(headers={"Content-Type": "text/event-stream"}, stream=frames())


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections alive, as httpx/urllib pools expect from real APIs.
    protocol_version = "HTTP/1.1"
    # As real servers do: with Nagle on, a reply written in two parts (headers, then body) waits
    # for the client's delayed ACK, adding 40 ms to some replies on a reused connection.
    disable_nagle_algorithm = True
    # Idle keep-alive sockets must not pin handler threads forever after a test ends.
    timeout = 30
    server: _Server

    def _dispatch(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        url = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=url.path,
            query=dict(parse_qsl(url.query)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        try:
            reply = self.server.owner.handle(request)
        except Exception as exc:  # a bug in a fake must surface, not hang the client
            log.exception("fake server %s failed on %s", type(self.server.owner).__name__, url)
            reply = json_reply({"error": {"message": repr(exc), "type": "fake_bug"}}, 500)
        owner = self.server.owner
        latency = owner.latency(request) if callable(owner.latency) else owner.latency
        if reply.delay or latency:
            time.sleep(reply.delay + latency)
        # A client that timed out has hung up; that is what delay tests provoke.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._send(reply)

    do_GET = do_POST = do_PUT = do_DELETE = _dispatch

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.stream is None:
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for chunk in reply.stream:
            if chunk is ABORT:
                self._reset()
                return
            if chunk:  # an empty chunk would terminate the chunked body early
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    def _reset(self) -> None:
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        self.close_connection = True
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep pytest output readable; requests are recorded by the fakes instead


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # never block interpreter exit on a hung client connection
    owner: LoopbackServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up (a process exiting with idle keep-alive connections) is no bug.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LoopbackServer:
    """Base class: start/stop/context-manager lifecycle and a thread-safe record log."""

    def __init__(self) -> None:
        # Seconds every reply waits before it is sent, as a real service's round trip would
        # (benchmarks/turn_latency.py): a number, or a function of the request for per-endpoint
        # delays. The request is recorded on arrival, before the wait.
        self.latency: float | Callable[[Request], float] = 0.0
        self._server: _Server | None = None
        self._cond = threading.Condition()
        self._log: list[Any] = []

    # -- subclass API -------------------------------------------------------------------
    def handle(self, request: Request) -> Reply:
        raise NotImplementedError

    def _record(self, item: Any) -> None:
        with self._cond:
            self._log.append(item)
            self._cond.notify_all()

    def _snapshot(self) -> list[Any]:
        with self._cond:
            return list(self._log)

    def _wait(self, matches: Callable[[list[Any]], bool], timeout: float) -> bool:
        """Block until `matches(log)` holds; the clients under test run in other threads."""
        with self._cond:
            return self._cond.wait_for(lambda: matches(self._log), timeout)

    def _clear(self) -> None:
        with self._cond:
            self._log.clear()

    # -- lifecycle ----------------------------------------------------------------------
    @property
    def root(self) -> str:
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> Self:
        if self._server is None:
            self._server = _Server(("127.0.0.1", 0), _Handler)  # port 0: pick a free port
            self._server.owner = self
            name = f"{type(self).__name__}-http"
            threading.Thread(target=self._server.serve_forever, name=name, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class FaultPlan:
    """Per-key queue of injected failures: `add("chat", 2, status=500)` then `take("chat")`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plans: dict[str, list[dict[str, Any]]] = {}

    def add(self, key: str, count: int, **spec: Any) -> None:
        with self._lock:
            self._plans.setdefault(key, []).extend(dict(spec) for _ in range(count))

    def take(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            queue = self._plans.get(key)
            return queue.pop(0) if queue else None

    def clear(self) -> None:
        with self._lock:
            self._plans.clear()
