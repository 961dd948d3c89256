"""The shape of a memory: LangMem's schema, where it was learned, where it may be used, and
the namespace it lives under (`("memories", scope_id, user_id)`, the scope being the Slack
installation, bot/memory/installation.py).

A memory's stored value is LangMem's shape, `{"kind": "UserTechInterest", "content": {...}}`,
plus `private` and `sources` (provenance). Reading and erasing is bot/memory/service.py;
learning is bot/memory/learning.py.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, conint

if TYPE_CHECKING:
    from langgraph.store.base import Item
    from psycopg import Connection

MEMORY_ROOT = "memories"
MEMORY_KIND = "UserTechInterest"
# A memory keeps the places it was learned or reinforced, newest last, up to this many.
MAX_SOURCES_PER_MEMORY = 5


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


class ConversationKind(StrEnum):
    DM = "dm"
    ASSISTANT = "assistant"
    PRIVATE_CHANNEL = "private_channel"
    GROUP_DM = "group_dm"
    PUBLIC_CHANNEL = "public_channel"
    HOME = "home"  # added or edited by the person in the Home tab
    UNKNOWN = "unknown"  # learned before provenance was kept

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]

    @property
    def is_private(self) -> bool:
        """Only what was said where anyone in the workspace could read it is public."""
        return self is not ConversationKind.PUBLIC_CHANNEL

    @property
    def is_personal(self) -> bool:
        """Surfaces only the person reads, where every memory of theirs may be used."""
        return self in (ConversationKind.DM, ConversationKind.ASSISTANT)


_KIND_LABELS = {
    ConversationKind.DM: "a DM",
    ConversationKind.ASSISTANT: "an assistant thread",
    ConversationKind.PRIVATE_CHANNEL: "a private channel",
    ConversationKind.GROUP_DM: "a group DM",
    ConversationKind.PUBLIC_CHANNEL: "a public channel",
    ConversationKind.HOME: "the Home tab",
    ConversationKind.UNKNOWN: "an earlier conversation",
}


def may_use_private(where: ConversationKind, private_in_channels: bool) -> bool:
    """Whether an answer posted in `where` may be given the person's private memories."""
    return where.is_personal or private_in_channels


@dataclass(frozen=True)
class Source:
    """Where and when a memory was learned."""

    kind: ConversationKind
    channel: str | None = None
    ts: str | None = None
    permalink: str | None = None
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "kind": self.kind.value}

    @classmethod
    def from_dict(cls, raw: Any) -> Source | None:
        if not isinstance(raw, dict):
            return None
        try:
            kind = ConversationKind(raw.get("kind"))
        except ValueError:
            kind = ConversationKind.UNKNOWN
        return cls(kind, raw.get("channel"), raw.get("ts"), raw.get("permalink"), raw.get("at", ""))


def normalise_topic(topic: str) -> str:
    """The form two topics are compared in: "  Kubernetes " and "kubernetes" are one memory."""
    return " ".join(topic.casefold().split())


def namespace(scope_id: str, user_id: str) -> tuple[str, str, str]:
    if not scope_id or not user_id:
        raise ValueError("scope_id and user_id are both required")
    return (MEMORY_ROOT, scope_id, user_id)


def prefix(scope_id: str, user_id: str) -> str:
    """The namespace as PostgresStore writes it in the `prefix` column."""
    return ".".join(namespace(scope_id, user_id))


@dataclass(frozen=True)
class Memory:
    key: str
    topic: str
    category: str | None
    interest_level: int | None
    description: str | None
    # Unknown provenance counts as private: it may have come from a DM.
    private: bool = True
    sources: tuple[Source, ...] = ()
    updated_at: datetime | None = None
    score: float | None = None

    @classmethod
    def from_value(
        cls, key: str, value: dict[str, Any] | None, updated_at: datetime | None = None
    ) -> Memory:
        value = value or {}
        content = value.get("content", value)
        if not isinstance(content, dict):
            content = {"topic": str(content)}
        level = content.get("interest_level")
        sources = tuple(s for s in map(Source.from_dict, value.get("sources") or []) if s)
        return cls(
            key=key,
            topic=str(content.get("topic") or "(untitled)"),
            category=content.get("category") or None,
            interest_level=level if isinstance(level, int) else None,
            description=content.get("description") or None,
            private=value.get("private") is not False,
            sources=sources,
            updated_at=updated_at,
        )

    @classmethod
    def from_item(cls, item: Item) -> Memory:
        memory = cls.from_value(item.key, item.value, getattr(item, "updated_at", None))
        score = getattr(item, "score", None)
        return memory if score is None else replace(memory, score=score)

    @property
    def content(self) -> UserTechInterest:
        return UserTechInterest(
            topic=self.topic,
            category=self.category,
            interest_level=self.interest_level,
            description=self.description,
        )

    @property
    def source(self) -> Source | None:
        """Where it was most recently learned."""
        return self.sources[-1] if self.sources else None

    def value(self) -> dict[str, Any]:
        return {
            "kind": MEMORY_KIND,
            "content": self.content.model_dump(),
            "private": self.private,
            "sources": [s.to_dict() for s in self.sources[-MAX_SOURCES_PER_MEMORY:]],
        }

    def names(self, words: str) -> bool:
        """The words, whole and in any case, are in the topic or the category: what a person
        means by `/forget <words>`."""
        return _contains(words, self.topic, self.category)

    def mentions(self, words: str) -> bool:
        """The words are only somewhere in the description."""
        return _contains(words, self.description)


def _contains(words: str, *texts: str | None) -> bool:
    pattern = re.compile(rf"(?<!\w){re.escape(words.strip())}(?!\w)", re.IGNORECASE)
    return any(text and pattern.search(text) for text in texts)


# Rows that have expired are invisible even before the sweep deletes them.
LIVE = "(expires_at IS NULL OR expires_at > now())"


def new_key() -> str:
    return str(uuid.uuid4())


def person_lock(conn: Connection, scope_id: str, user_id: str) -> None:
    """Serialise writes to one person's memories until the caller's transaction ends."""
    conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (prefix(scope_id, user_id),)
    )
