"""Loopback fake of Slack's Socket Mode WebSocket: hands envelopes to the app, collects acks.

FakeSlack's apps.connections.open points the client here (ws://, no TLS, which slack_sdk's
built-in client uses for any port but 443).
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import uuid
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.protocol import State
from websockets.sync.server import ServerConnection, serve


class FakeSocketMode:
    def __init__(self) -> None:
        self._outbox: queue.Queue[dict] = queue.Queue()
        self._acks: dict[str, dict] = {}
        self._acked = threading.Condition()
        self.connections = 0
        self._server = serve(self._handle, "127.0.0.1", 0, compression=None)
        self.url = f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/link"

    def __enter__(self) -> FakeSocketMode:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()

    def send(self, kind: str, payload: dict) -> str:
        """Queue an envelope ("events_api", "slash_commands", "interactive"); returns its id."""
        envelope_id = str(uuid.uuid4())
        self._outbox.put(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
        return envelope_id

    def ack(self, envelope_id: str, timeout: float = 15) -> dict:
        """The client's acknowledgement of an envelope (with its payload, if any)."""
        with self._acked:
            if not self._acked.wait_for(lambda: envelope_id in self._acks, timeout):
                raise AssertionError(f"no ack for envelope {envelope_id} within {timeout}s")
            return self._acks[envelope_id]

    def _handle(self, connection: ServerConnection) -> None:
        self.connections += 1
        # The client going away (the bot process stopping) ends the session, not the test.
        with contextlib.suppress(ConnectionClosed):
            connection.send(json.dumps({"type": "hello", "num_connections": 1}))
            threading.Thread(target=self._read, args=(connection,), daemon=True).start()
            while connection.state is not State.CLOSED:
                try:
                    envelope = self._outbox.get(timeout=0.1)
                except queue.Empty:
                    continue
                connection.send(json.dumps(envelope))

    def _read(self, connection: ServerConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            for message in connection:
                data = json.loads(message)
                if "envelope_id" in data:
                    with self._acked:
                        self._acks[data["envelope_id"]] = data
                        self._acked.notify_all()
