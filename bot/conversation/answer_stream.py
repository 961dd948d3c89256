"""One streamed answer from the Responses API: its text as it arrives, then how it went.

Events arrive as the API's JSON objects (the shapes of openai.types.responses): text comes in
`response.output_text.delta`, citations in `response.output_text.annotation.added`
(`url_citation`), web searches as `web_search_call` output items (added, then
`response.web_search_call.in_progress/searching/completed`, then done with the action that
names the query), and a finished answer ends with `response.completed`, whose `usage` has the
token counts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from bot.jobs.deadlines import Deadline

log = logging.getLogger(__name__)

SEARCHING = "is searching the web…"


class ModelError(Exception):
    """The model could not answer (after retries), or it or one of its tools failed."""


@dataclass(frozen=True)
class Citation:
    url: str
    title: str
    start: int  # the cited span, as character offsets into AnswerStream.text
    end: int


@dataclass(frozen=True)
class WebSearch:
    """One web search of the model's, as far as the stream has told: `status` is the API's
    (in_progress, searching, completed, failed), `query` what it searched for, once known."""

    id: str
    status: str
    query: str | None = None


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0


Events = AbstractContextManager[Iterable[dict[str, Any]]]


class AnswerStream:
    """Iterate it (once) for the answer's text deltas; once the iteration ends, the attributes
    say what happened. Iterating raises ModelError if the model or a tool fails.

    `completed` is True only when `response.completed` arrived. Otherwise the answer was cut
    off and `cut_off` says why: the stream just ended, the connection was lost, the deadline
    came, or the response was incomplete (e.g. max_output_tokens).
    """

    def __init__(
        self,
        open_events: Callable[[], Events],
        *,
        model: str,
        deadline: Deadline,
        connection_errors: tuple[type[BaseException], ...] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`open_events` starts the request (raising ModelError if it can't); it is called on
        first iteration, so the caller can show a placeholder before the model is asked."""
        self._open = open_events
        self._deadline = deadline
        self._connection_errors = connection_errors
        self._clock = clock
        self._listeners: list[Callable[[str], None]] = []
        self._search_listeners: list[Callable[[WebSearch], None]] = []
        self._status: str | None = None
        self._part_offsets: dict[tuple[Any, Any], int] = {}
        self._searches: dict[str, WebSearch] = {}
        self.model = model
        self.text = ""
        self.citations: list[Citation] = []
        self.usage: Usage | None = None
        self.completed = False
        self.cut_off: str | None = None
        self.first_token_s: float | None = None
        self.total_s: float | None = None

    @property
    def web_searches(self) -> int:
        return len(self._searches)

    @property
    def searches(self) -> list[WebSearch]:
        """Each web search as it last stood, in the order the model started them."""
        return list(self._searches.values())

    def on_status(self, callback: Callable[[str], None]) -> None:
        """Call `callback(status)` when the model starts something worth telling the person
        about while no text has come yet (today: SEARCHING)."""
        self._listeners.append(callback)

    def on_search(self, callback: Callable[[WebSearch], None]) -> None:
        """Call `callback(search)` whenever a web search starts, runs, ends or names its query.
        It runs on the iterating thread, between the text deltas."""
        self._search_listeners.append(callback)

    def __iter__(self) -> Iterator[str]:
        started = self._clock()
        try:
            with self._open() as events:
                for event in events:
                    delta = self._take(event)
                    if delta:
                        if self.first_token_s is None:
                            self.first_token_s = self._clock() - started
                        yield delta
                    if self.completed or self.cut_off:
                        break
                    if self._deadline.expired():
                        self.cut_off = "deadline"
                        break
                else:
                    self.cut_off = "stream ended"
        except self._connection_errors as exc:
            # Once the stream is open, a dropped connection cuts the answer off; it is not
            # retried, as the person has already seen part of it.
            log.warning("answer stream lost its connection: %s", type(exc).__name__)
            self.cut_off = "connection lost"
        finally:
            self.total_s = self._clock() - started

    # --- one event at a time ------------------------------------------------------------

    def _take(self, event: dict[str, Any]) -> str:
        kind = event.get("type") or ""
        if kind == "response.output_text.delta":
            part = (event.get("item_id"), event.get("content_index"))
            self._part_offsets.setdefault(part, len(self.text))
            delta = event.get("delta") or ""
            self.text += delta
            return delta
        if kind == "response.output_text.annotation.added":
            self._cite(event)
        elif kind in _ITEM_EVENTS and (event.get("item") or {}).get("type") == "web_search_call":
            item = event["item"]
            self._searching(item.get("id"), item.get("status"), _query(item))
        elif kind == "response.web_search_call.searching":
            self._searching(event.get("item_id"), "searching")
        elif kind.startswith("response.web_search_call."):
            # in_progress repeats what the added item said; completed comes again, with the
            # query, in the item's done event.
            self._searching(event.get("item_id"), None)
        elif kind == "response.created":
            self.model = (event.get("response") or {}).get("model") or self.model
        elif kind == "response.completed":
            self._finish(event.get("response") or {})
            self.completed = True
        elif kind == "response.incomplete":
            response = event.get("response") or {}
            self._finish(response)
            self.cut_off = (response.get("incomplete_details") or {}).get("reason") or "incomplete"
        elif kind == "response.failed":
            error = (event.get("response") or {}).get("error") or {}
            raise ModelError(f"response failed: {error.get('code') or 'unknown'}")
        elif kind == "error":
            raise ModelError(f"error event: {event.get('code')}")
        return ""

    def _cite(self, event: dict[str, Any]) -> None:
        annotation = event.get("annotation") or {}
        if annotation.get("type") != "url_citation" or not annotation.get("url"):
            return
        # Offsets are within one content part; the text here runs all parts together.
        base = self._part_offsets.get((event.get("item_id"), event.get("content_index")), 0)
        self.citations.append(
            Citation(
                url=annotation["url"],
                title=annotation.get("title") or annotation["url"],
                start=base + int(annotation.get("start_index") or 0),
                end=base + int(annotation.get("end_index") or 0),
            )
        )

    def _searching(self, item_id: Any, status: Any, query: str | None = None) -> None:
        item_id = str(item_id or "")
        status = status if isinstance(status, str) else None
        before = self._searches.get(item_id)
        search = WebSearch(
            item_id,
            status or (before.status if before else "in_progress"),
            query or (before.query if before else None),
        )
        self._searches[item_id] = search
        if search != before:
            _tell(self._search_listeners, search)
        if not self.text:
            self._notify(SEARCHING)

    def _notify(self, status: str) -> None:
        if status == self._status:
            return
        self._status = status
        _tell(self._listeners, status)

    def _finish(self, response: dict[str, Any]) -> None:
        self.model = response.get("model") or self.model
        usage = response.get("usage")
        if usage:
            details = usage.get("input_tokens_details") or {}
            self.usage = Usage(
                input_tokens=usage.get("input_tokens") or 0,
                output_tokens=usage.get("output_tokens") or 0,
                cached_tokens=details.get("cached_tokens") or 0,
            )


_ITEM_EVENTS = ("response.output_item.added", "response.output_item.done")


def _query(item: dict[str, Any]) -> str | None:
    """What a web_search_call searched for: its action's query (or first of its queries), which
    the API fills in once the search is done; an open_page or find_in_page action has none."""
    action = item.get("action")
    if not isinstance(action, dict) or action.get("type") != "search":
        return None
    queries = action.get("queries")
    first = queries[0] if isinstance(queries, list) and queries else ""
    query = action.get("query") or first
    return (query.strip() or None) if isinstance(query, str) else None


def _tell(listeners: list[Callable[[Any], None]], news: Any) -> None:
    for listener in listeners:
        try:
            listener(news)
        except Exception:  # noqa: BLE001 - showing progress is a nicety; the answer goes on
            log.warning("progress listener failed", exc_info=True)
