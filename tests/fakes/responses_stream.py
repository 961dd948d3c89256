"""The Responses API's server-sent event sequence, as the loopback OpenAI fake streams it.

Shapes follow openai-python's types (src/openai/types/responses/): a web search is a
`web_search_call` output item announced by `response.output_item.added`, then
`response.web_search_call.in_progress/searching/completed`, then `response.output_item.done`
with its `action`; the answer's citations are `url_citation` annotations, each streamed as
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
    the body simply ends, or with `reset` the connection is reset."""

    after_chars: int = 0
    reset: bool = False


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


def search_item(query: str, results: list[WebResult], status: str) -> dict:
    item: dict[str, Any] = {"type": "web_search_call", "id": new_id("ws"), "status": status}
    item["action"] = {
        "type": "search",
        "query": query,
        "sources": [{"type": "url", "url": r.url} for r in results],
    }
    return item


def events(done: dict, search: dict | None, cut: StreamCut | None) -> Iterator[dict | bytes]:
    """Every event of one streamed response (`done` is the final response object), or as
    many as `cut` lets through, then `ABORT` if the connection is to be reset."""
    running = {**done, "status": "in_progress", "output": [], "usage": None}
    yield {"type": "response.created", "response": running}
    yield {"type": "response.in_progress", "response": running}
    index = 0
    if search is not None:
        ids = {"item_id": search["id"], "output_index": 0}
        yield {"type": "response.output_item.added", "output_index": 0,
               "item": {**search, "status": "in_progress"}}  # fmt: skip
        for phase in ("in_progress", "searching", "completed"):
            yield {"type": f"response.web_search_call.{phase}", **ids}
        yield {"type": "response.output_item.done", "output_index": 0, "item": search}
        index = 1
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
        if cut.reset:
            yield ABORT
        return
    yield {"type": "response.output_text.done", **ids, "text": text, "logprobs": []}
    yield {"type": "response.content_part.done", **ids, "part": part}
    yield {"type": "response.output_item.done", "output_index": index, "item": item}
    yield {"type": "response.completed", "response": done}
