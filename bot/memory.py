"""What the bot remembers about a person: schema, LangMem extraction, list/search/forget."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, conint

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langgraph.store.base import BaseStore, Item

log = logging.getLogger(__name__)

MEMORY_ROOT = "memories"
EXTRACTION_INSTRUCTIONS = "Extract the user's interests and technical background in detail"
# Cosine similarity above which `/forget <words>` also takes memories that don't contain the words
# but mean the same thing ("k8s" for Kubernetes). High on purpose: forgetting the wrong thing
# is worse than asking the person to be more specific.
SEMANTIC_FORGET_THRESHOLD = 0.6
_PAGE = 200


class UserTechInterest(BaseModel):
    """User's technology-related interest information"""

    topic: str = Field(
        ..., description="Technology topic (e.g., programming languages, cloud services, etc.)"
    )
    category: str | None = Field(
        None, description="Field of technology (e.g., frontend, backend, network, etc.)"
    )
    interest_level: conint(ge=0, le=100) | None = Field(  # type: ignore[valid-type]
        None, description="Interest level (expressed as a score between 0 and 100)"
    )
    description: str | None = Field(
        None,
        description="Additional explanation (such as specific examples or detailed knowledge)",
    )


def namespace(team_id: str, user_id: str) -> tuple[str, str, str]:
    """Raw Slack IDs as separate elements: a person is only ever unique within a team."""
    if not team_id or not user_id:
        raise ValueError("team_id and user_id are both required")
    return (MEMORY_ROOT, team_id, user_id)


@dataclass(frozen=True)
class Memory:
    key: str
    topic: str
    category: str | None
    interest_level: int | None
    description: str | None
    updated_at: datetime | None = None
    score: float | None = None

    @classmethod
    def from_item(cls, item: Item) -> Memory:
        value: dict[str, Any] = item.value or {}
        content = value.get("content", value)
        if not isinstance(content, dict):
            content = {"topic": str(content)}
        level = content.get("interest_level")
        return cls(
            key=item.key,
            topic=str(content.get("topic") or "(untitled)"),
            category=content.get("category"),
            interest_level=level if isinstance(level, int) else None,
            description=content.get("description"),
            updated_at=getattr(item, "updated_at", None),
            score=getattr(item, "score", None),
        )

    def matches_words(self, words: str) -> bool:
        pattern = re.compile(rf"(?<!\w){re.escape(words.strip())}(?!\w)", re.IGNORECASE)
        return any(
            field and pattern.search(field)
            for field in (self.topic, self.category, self.description)
        )


class MemoryService:
    """One person's memories, always addressed by (team_id, user_id).

    Reads pass refresh_ttl=False: memories have no TTL, and the store would otherwise wrap every
    search in an UPDATE of the rows it found.
    """

    def __init__(
        self,
        store: BaseStore,
        chat_model: BaseChatModel | None = None,
        *,
        extraction_context: int = 20,
    ) -> None:
        self._store = store
        self._chat_model = chat_model
        # How many existing memories the extractor is shown: as many as a reply uses, so it
        # updates a topic it already knows rather than adding it again.
        self._extraction_context = extraction_context

    def relevant(self, team_id: str, user_id: str, query: str, limit: int) -> list[Memory]:
        """The `limit` memories closest to `query`, no similarity cut-off (fewer stored: all)."""
        items = self._store.search(
            namespace(team_id, user_id), query=query or " ", limit=limit, refresh_ttl=False
        )
        return [Memory.from_item(item) for item in items]

    def list_all(self, team_id: str, user_id: str) -> list[Memory]:
        return [Memory.from_item(item) for item in self._all_items(team_id, user_id)]

    def forget_all(self, team_id: str, user_id: str) -> int:
        items = self._all_items(team_id, user_id)
        self._delete(items)
        return len(items)

    def forget_one(self, team_id: str, user_id: str, key: str) -> Memory | None:
        """Delete one memory, looked up inside the caller's own namespace only."""
        ns = namespace(team_id, user_id)
        item = self._store.get(ns, key)
        if item is None:
            return None
        self._store.delete(ns, key)
        return Memory.from_item(item)

    def forget_matching(self, team_id: str, user_id: str, words: str) -> list[Memory]:
        """Delete memories that contain `words` (whole words, any case) or mean the same."""
        words = words.strip()
        if not words:
            return []
        ns = namespace(team_id, user_id)
        doomed = {
            item.key: item
            for item in self._all_items(team_id, user_id)
            if Memory.from_item(item).matches_words(words)
        }
        for item in self._store.search(ns, query=words, limit=50, refresh_ttl=False):
            if item.score is not None and item.score >= SEMANTIC_FORGET_THRESHOLD:
                doomed.setdefault(item.key, item)
        items = list(doomed.values())
        self._delete(items)
        return [Memory.from_item(item) for item in items]

    def extract(self, team_id: str, user_id: str, text: str) -> None:
        """Let LangMem turn the person's message into new or updated memories."""
        if not text.strip():
            return
        self._manager.invoke(
            {"messages": [{"role": "user", "content": text}]},
            config={"configurable": {"team_id": team_id, "user_id": user_id}},
        )

    @cached_property
    def _manager(self):
        # LangMem pulls in LangChain; importing it here keeps it off every path but extraction.
        from langmem import create_memory_store_manager

        if self._chat_model is None:
            raise RuntimeError("MemoryService needs a chat model to extract memories")
        return create_memory_store_manager(
            self._chat_model,
            schemas=[UserTechInterest],
            instructions=EXTRACTION_INSTRUCTIONS,
            enable_inserts=True,
            enable_deletes=False,
            namespace=(MEMORY_ROOT, "{team_id}", "{user_id}"),
            query_limit=self._extraction_context,
            store=self._store,
        )

    def _all_items(self, team_id: str, user_id: str) -> list[Item]:
        ns = namespace(team_id, user_id)
        items: list[Item] = []
        while True:
            page = self._store.search(ns, limit=_PAGE, offset=len(items), refresh_ttl=False)
            items.extend(page)
            if len(page) < _PAGE:
                return items

    def _delete(self, items: list[Item]) -> None:
        from langgraph.store.base import PutOp

        if items:
            # One batch: the store turns it into a DELETE per namespace; vectors go by cascade.
            self._store.batch([PutOp(item.namespace, item.key, None) for item in items])
