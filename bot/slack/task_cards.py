"""The thinking steps of a streamed answer, as Slack task cards (`task_update` chunks).

One card for recall ("Remembered 3 things about you", with the topics the message may name),
and one per web search: "Searching the web" while it is queued and running, its query once the
model names it, and at the end the pages the answer cited as its `url` sources. A card is
updated in place by its id and always ends complete or error: a card left in progress when the
stream stops reads as a failure.

Timeline mode, not plan: the steps are not known up front (the model decides as it goes
whether and how often to search), and a timeline shows each one as it happens, in order with
the text, where a plan would present a checklist of steps that were never planned.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from slack_sdk.models.blocks.block_elements import UrlSourceElement
from slack_sdk.models.messages.chunk import TaskUpdateChunk

from bot.slack import answer_blocks
from bot.slack.receipts import SEPARATOR, Receipt
from bot.text import clip

if TYPE_CHECKING:
    from bot.conversation.answer_stream import Citation, WebSearch

DISPLAY_MODE = "timeline"
RECALL_ID = "recall"
# A card's title, details and a source's text stay short; Slack cuts details at 256 characters.
MAX_TITLE_CHARS = 150
MAX_DETAILS_CHARS = 256
# The API's web_search_call status -> the card's.
_STATUSES = {
    "in_progress": "pending",  # the call exists; the search has not started
    "searching": "in_progress",
    "completed": "complete",
    "failed": "error",
}


class TaskCards:
    """The cards of one answer, worded for its asker and showing only what every reader of the
    message may see (the receipt's named memories)."""

    def __init__(self, receipt: Receipt) -> None:
        self._receipt = receipt

    def opening(self) -> list[TaskUpdateChunk]:
        """What is done before the model is asked: recall, when memories were looked up."""
        if not self._receipt.recalled:
            return []
        t, named = self._receipt.t, self._receipt.named
        title = t.plural("tasks.recalled", len(named)) if named else t("tasks.recalled_none")
        details = clip(SEPARATOR.join(m.topic for m in named), MAX_DETAILS_CHARS) or None
        return [TaskUpdateChunk(id=RECALL_ID, title=title, status="complete", details=details)]

    def search(self, search: WebSearch) -> TaskUpdateChunk:
        return self._card(search, _STATUSES.get(search.status, "in_progress"))

    def closing(
        self, searches: Sequence[WebSearch], citations: Sequence[Citation]
    ) -> list[TaskUpdateChunk]:
        """Every search card's last word: complete, with the cited pages on the last search that
        finished, or error for a search the answer never saw finish."""
        finished = [s for s in searches if s.status == "completed"]
        pages = [
            UrlSourceElement(url=url, text=clip(title, MAX_TITLE_CHARS))
            for url, title in answer_blocks.sources(citations)
        ]
        return [
            self._card(
                search,
                "complete" if search in finished else "error",
                sources=pages if finished and search is finished[-1] and pages else None,
            )
            for search in searches
        ]

    def _card(
        self, search: WebSearch, status: str, sources: list[UrlSourceElement] | None = None
    ) -> TaskUpdateChunk:
        t = self._receipt.t
        title = t("tasks.searched", query=search.query) if search.query else t("tasks.searching")
        return TaskUpdateChunk(
            id=search.id, title=clip(title, MAX_TITLE_CHARS), status=status, sources=sources
        )
