"""Lambda SnapStart for the worker: what goes into the snapshot, what each restored copy renews.

The worker's published version is initialised once and snapshotted; every new container is a
copy of that snapshot. So the snapshot should hold what takes seconds and is the same for every
copy (the libraries a job uses, imported and warmed), and nothing that must be one of a kind:
no database connection (copies would share one server session), no open HTTP connection, no
secrets (a rotated token would live on in old copies), no random state (every copy would draw
the same numbers). bot.lambda_handler primes at init and drops its runtime before the snapshot;
after a restore the randomness is renewed and the runtime is built anew on the first job.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import random
import ssl
from collections.abc import Callable, Mapping
from typing import Any

log = logging.getLogger(__name__)

# What AWS_LAMBDA_INITIALIZATION_TYPE says during the init that ends in a snapshot.
SNAPSHOT_INIT = "snap-start"
# Libraries a job loads only when it first needs them (learning, the store, Secrets Manager),
# loaded here too.
LATE_LIBRARIES = ("langmem", "langgraph.store.postgres", "boto3")


def initialising_for_a_snapshot(environ: Mapping[str, str]) -> bool:
    return environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == SNAPSHOT_INIT


def prime() -> None:
    """Build (and let go of) a worker and a conversation as the first job would, against
    nothing: no secret is read, no connection opened. What the snapshot keeps is the imports
    and whatever the libraries cache on first use."""
    from psycopg_pool import ConnectionPool
    from slack_sdk import WebClient

    from bot.settings import Settings
    from bot.wiring import build_conversation, build_worker

    settings = Settings(openai_api_key="priming-only", slack_bot_token="priming-only")
    # Never opened: building the bot's objects reads no connection from it.
    pool = ConnectionPool("", open=False)
    build_worker(settings, slack=WebClient(token="priming-only"), pool=pool)
    # Learning's libraries load after a job's answer has started; in the snapshot, at once.
    build_conversation(settings, pool=pool).learner.prepare()
    for name in LATE_LIBRARIES:
        importlib.import_module(name)
    _prime_openai()


def _prime_openai() -> None:
    """The openai SDK builds the pydantic models of what it parses on first use: ~0.7 s for the
    first streamed Responses call of a process, before its first token. One call of each kind a
    job makes, answered by canned replies in-process (httpx's MockTransport), builds them here."""
    import httpx
    from openai import OpenAI

    with httpx.Client(transport=httpx.MockTransport(_canned_reply)) as http:
        client = OpenAI(
            api_key="priming-only", base_url="http://priming.invalid/v1", http_client=http
        )
        for _event in client.responses.create(model="priming", input="hi", stream=True):
            pass
        client.embeddings.create(model="priming", input=["hi"])
        client.chat.completions.create(
            model="priming", messages=[{"role": "user", "content": "hi"}]
        )


_USAGE = {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2}
_RESPONSE = {
    "id": "resp_priming",
    "object": "response",
    "created_at": 0,
    "model": "priming",
    "output": [],
    "parallel_tool_calls": True,
    "tool_choice": "auto",
    "tools": [],
}
_STREAM = [
    {"type": "response.created", "response": {**_RESPONSE, "status": "in_progress"}},
    {
        "type": "response.output_text.delta",
        "item_id": "msg_priming",
        "output_index": 0,
        "content_index": 0,
        "delta": "hi",
        "logprobs": [],
    },
    {
        "type": "response.completed",
        "response": {**_RESPONSE, "status": "completed", "usage": _USAGE},
    },
]
_REPLIES: dict[str, Any] = {
    "/v1/embeddings": {
        "object": "list",
        "data": [{"object": "embedding", "index": 0, "embedding": [0.0]}],
        "model": "priming",
        "usage": {"prompt_tokens": 1, "total_tokens": 1},
    },
    "/v1/chat/completions": {
        "id": "chatcmpl-priming",
        "object": "chat.completion",
        "created": 0,
        "model": "priming",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": "hi"},
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    },
}


def _canned_reply(request: Any) -> Any:
    import httpx

    if request.url.path == "/v1/responses":
        body = "".join(
            f"event: {event['type']}\ndata: {json.dumps({**event, 'sequence_number': n})}\n\n"
            for n, event in enumerate(_STREAM)
        )
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, text=body)
    return httpx.Response(200, json=_REPLIES[request.url.path])


def register(before_snapshot: Callable[[], None], after_restore: Callable[[], None]) -> bool:
    """Hand the hooks to the runtime's snapshot_restore_py (Lambda's Python 3.12+ runtimes ship
    it); False where there is none, as anywhere but Lambda."""
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:
        return False
    register_before_snapshot(before_snapshot)
    register_after_restore(after_restore)
    return True


def renew_randomness() -> None:
    """From here on this copy draws numbers no other copy of the snapshot draws."""
    # The module-level generator (the SDKs' retry jitter) reseeds from os.urandom; OpenSSL's
    # (TLS handshakes) gets fresh entropy mixed in. Generators the bot makes per worker, like
    # the ledger's, are made after the restore, with the worker.
    random.seed()
    ssl.RAND_add(os.urandom(64), 64.0)
