"""The Responses API's server-sent event sequence, as the loopback OpenAI fake streams it.

Shapes follow openai-python's types (src/openai/types/responses/): a web search is a
`web_search_call` output item announced by `response.output_item.added` (status in_progress,
its action's query not yet known), then `response.web_search_call.in_progress/searching/
completed`, then `response.output_item.done` with its `action` (`{"type": "search", "query"}`,
plus `sources` only when the request's `include` asks for "web_search_call.action.sources");
the answer's citations are `url_citation` annotations, each streamed as
`response.output_text.annotation.added` right after the text it covers and repeated in the
final `output_text` part. A `StreamCut` ends the stream early the ways a real one can end.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ._http import ABORT

TEXT_CHUNK_CHARS = 8


@dataclass(frozen=True)
class WebResult:
    url: str
    title: str


@dataclass(frozen=True)
class StreamCut:
    """Stop after `after_chars` characters of answer text, without `response.completed`:
    the body simply ends, or with `reset` the connection is reset, or with `failed` the
    API says `response.failed`. `during_search` stops in the first web search instead,
    while it is searching."""

    after_chars: int = 0
    reset: bool = False
    failed: bool = False
    during_search: bool = False


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


def wants_web_search(body: dict) -> bool:
    return any(str(t.get("type", "")).startswith("web_search") for t in body.get("tools") or [])


def cite(text: str, results: list[WebResult]) -> tuple[str, list[dict]]:
    """The answer with a Markdown link per result appended, as the API writes citations
    ("… ([example.com](https://example.com/…))"), and the url_citation annotations."""
    annotations = []
    for result in results:
        link = f"[{urlsplit(result.url).hostname}]({result.url})"
        text += " (" if not annotations else " "
        start = len(text)
        text += link
        annotations.append(
            {
                "type": "url_citation",
                "start_index": start,
                "end_index": start + len(link),
                "url": result.url,
                "title": result.title,
            }
        )
    return text + (")" if annotations else ""), annotations


def wants_search_sources(body: dict) -> bool:
    return "web_search_call.action.sources" in (body.get("include") or [])


def search_item(query: str, results: list[WebResult], *, with_sources: bool) -> dict:
    """A finished `web_search_call`: its action names the query (and, when the request asked
    for them, every page the search consulted)."""
    action: dict[str, Any] = {"type": "search", "query": query}
    if with_sources:
        action["sources"] = [{"type": "url", "url": r.url} for r in results]
    return {"type": "web_search_call", "id": new_id("ws"), "status": "completed", "action": action}


def _failed(done: dict) -> dict:
    error = {"code": "server_error", "message": "The model failed to finish the response."}
    return {"type": "response.failed",
            "response": {**done, "status": "failed", "error": error, "usage": None}}  # fmt: skip


def events(done: dict, searches: list[dict], cut: StreamCut | None) -> Iterator[dict | bytes]:
    """Every event of one streamed response (`done` is the final response object, its first
    outputs the `searches`), or as many as `cut` lets through, then `ABORT` if the connection
    is to be reset or `response.failed` if the response is to fail."""
    running = {**done, "status": "in_progress", "output": [], "usage": None}
    yield {"type": "response.created", "response": running}
    yield {"type": "response.in_progress", "response": running}
    for index, search in enumerate(searches):
        ids = {"item_id": search["id"], "output_index": index}
        # While it runs, the item says only what kind of action it is; the query comes with done.
        started = {**search, "status": "in_progress", "action": {"type": "search"}}
        yield {"type": "response.output_item.added", "output_index": index, "item": started}
        for phase in ("in_progress", "searching", "completed"):
            yield {"type": f"response.web_search_call.{phase}", **ids}
            if phase == "searching" and cut is not None and cut.during_search:
                yield from _cut_short(done, cut)
                return
        yield {"type": "response.output_item.done", "output_index": index, "item": search}
    index = len(searches)
    item = done["output"][index]
    part = item["content"][0]
    text, annotations = part["text"], part["annotations"]
    ids = {"item_id": item["id"], "output_index": index, "content_index": 0}
    yield {"type": "response.output_item.added", "output_index": index,
           "item": {**item, "status": "in_progress", "content": []}}  # fmt: skip
    yield {"type": "response.content_part.added", **ids,
           "part": {**part, "text": "", "annotations": []}}  # fmt: skip
    limit = len(text) if cut is None else min(cut.after_chars, len(text))
    sent = announced = 0
    while sent < limit:
        piece = text[sent : min(sent + TEXT_CHUNK_CHARS, limit)]
        sent += len(piece)
        yield {"type": "response.output_text.delta", **ids, "delta": piece, "logprobs": []}
        while announced < len(annotations) and annotations[announced]["end_index"] <= sent:
            yield {"type": "response.output_text.annotation.added", **ids,
                   "annotation_index": announced, "annotation": annotations[announced]}  # fmt: skip
            announced += 1
    if cut is not None:
        yield from _cut_short(done, cut)
        return
    yield {"type": "response.output_text.done", **ids, "text": text, "logprobs": []}
    yield {"type": "response.content_part.done", **ids, "part": part}
    yield {"type": "response.output_item.done", "output_index": index, "item": item}
    yield {"type": "response.completed", "response": done}


def _cut_short(done: dict, cut: StreamCut) -> Iterator[dict | bytes]:
    if cut.reset:
        yield ABORT
    elif cut.failed:
        yield _failed(done)
