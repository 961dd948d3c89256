"""What the bot remembers about a person: the schema, where each memory came from, where it may
be used, and reading, correcting and erasing it. Learning new ones is bot/memory/learning.py.

A memory lives in LangGraph's PostgresStore under `("memories", scope_id, user_id)`, where the
scope is the Slack installation (bot/memory/installation.py). Its value is LangMem's shape,
`{"kind": "UserTechInterest", "content": {...}}`, plus `private` and `sources` (provenance).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, conint

if TYPE_CHECKING:
    from langgraph.store.base import Item
    from psycopg_pool import ConnectionPool

    from bot.db.storage import StoreBuilder

log = logging.getLogger(__name__)

MEMORY_ROOT = "memories"
MEMORY_KIND = "UserTechInterest"
# Cosine similarity above which `/forget <words>` also takes memories that don't contain the words
# but mean the same thing ("k8s" for Kubernetes). High on purpose: forgetting the wrong thing
# is worse than asking the person to be more specific.
SEMANTIC_FORGET_THRESHOLD = 0.6
# A memory keeps the places it was learned or reinforced, newest last, up to this many.
MAX_SOURCES = 5


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
            "sources": [s.to_dict() for s in self.sources[-MAX_SOURCES:]],
        }

    def matches_words(self, words: str) -> bool:
        pattern = re.compile(rf"(?<!\w){re.escape(words.strip())}(?!\w)", re.IGNORECASE)
        return any(
            text and pattern.search(text) for text in (self.topic, self.category, self.description)
        )


@dataclass(frozen=True)
class Page:
    memories: list[Memory]
    total: int
    next_cursor: str | None  # pass back to get the following page; None on the last


# Rows that have expired are invisible even before the sweep deletes them.
LIVE = "(expires_at IS NULL OR expires_at > now())"


class MemoryService:
    """Reads, corrects and erases one person's memories, always addressed by (scope, user).

    Similarity search goes through the LangGraph store; listings are plain SQL on its `store`
    table with keyset pagination, so a page costs the same however many memories exist.
    Store reads pass refresh_ttl=False: reading a memory does not reinforce it, learning does.
    """

    def __init__(
        self, stores: StoreBuilder, pool: ConnectionPool, *, ttl_minutes: float | None = None
    ) -> None:
        self._stores = stores
        self._store = stores.on(pool)
        self._pool = pool
        self._ttl_minutes = ttl_minutes

    # --- reading -------------------------------------------------------------------------

    def relevant(
        self, scope_id: str, user_id: str, query: str, limit: int, *, include_private: bool
    ) -> list[Memory]:
        """The `limit` memories closest to `query`; only public ones unless `include_private`."""
        items = self._store.search(
            namespace(scope_id, user_id),
            query=query or " ",
            filter=None if include_private else {"private": False},
            limit=limit,
            refresh_ttl=False,
        )
        return [Memory.from_item(item) for item in items]

    def prepare_query(self, query: str) -> None:
        """Embed a query ahead of `relevant`, which then finds it in the embedder's cache."""
        self._stores.embed([query or " "])

    def get(self, scope_id: str, user_id: str, key: str) -> Memory | None:
        with self._pool.connection() as conn:
            row = conn.execute(
                f"SELECT key, value, updated_at FROM store WHERE prefix = %s AND key = %s "
                f"AND {LIVE}",
                (prefix(scope_id, user_id), key),
            ).fetchone()
        return Memory.from_value(row["key"], row["value"], row["updated_at"]) if row else None

    def page(self, scope_id: str, user_id: str, *, limit: int, cursor: str | None = None) -> Page:
        """Most recently learned first; `cursor` continues after the previous page's last."""
        after = _decode_cursor(cursor)
        where = f"prefix = %s AND {LIVE}"
        params: list[Any] = [prefix(scope_id, user_id)]
        if after:
            where += " AND (updated_at, key) < (%s, %s)"
            params += list(after)
        with self._pool.connection() as conn:
            rows = conn.execute(
                f"SELECT key, value, updated_at FROM store WHERE {where} "
                "ORDER BY updated_at DESC, key DESC LIMIT %s",
                (*params, limit + 1),
            ).fetchall()
            total = conn.execute(
                f"SELECT count(*) AS n FROM store WHERE prefix = %s AND {LIVE}",
                (prefix(scope_id, user_id),),
            ).fetchone()["n"]
        memories = [Memory.from_value(r["key"], r["value"], r["updated_at"]) for r in rows]
        next_cursor = None
        if len(memories) > limit:
            memories = memories[:limit]
            last = rows[limit - 1]
            next_cursor = _encode_cursor(last["updated_at"], last["key"])
        return Page(memories, total, next_cursor)

    def list_all(self, scope_id: str, user_id: str) -> list[Memory]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                f"SELECT key, value, updated_at FROM store WHERE prefix = %s AND {LIVE} "
                "ORDER BY updated_at DESC, key DESC",
                (prefix(scope_id, user_id),),
            ).fetchall()
        return [Memory.from_value(r["key"], r["value"], r["updated_at"]) for r in rows]

    # --- correcting ----------------------------------------------------------------------

    def save(
        self,
        scope_id: str,
        user_id: str,
        content: UserTechInterest,
        *,
        private: bool,
        key: str | None = None,
    ) -> Memory:
        """Write what the person typed in the editor, re-embedded, in one transaction.

        One memory per topic: if the (new) topic names another of their memories, that one
        is replaced by this one.
        """
        from langgraph.store.base import PutOp

        from bot.memory.learning import person_lock

        ns = namespace(scope_id, user_id)
        with self._pool.connection() as conn, conn.transaction():
            person_lock(conn, scope_id, user_id)
            old = self.get(scope_id, user_id, key) if key else None
            sources = old.sources if old else (Source(ConversationKind.HOME),)
            memory = Memory(
                key=old.key if old else new_key(),
                topic=content.topic,
                category=content.category,
                interest_level=content.interest_level,
                description=content.description,
                private=private,
                sources=sources,
            )
            twins = conn.execute(
                "SELECT key FROM store WHERE prefix = %s AND key <> %s "
                "AND lower(regexp_replace(btrim(value->'content'->>'topic'), '\\s+', ' ', 'g')) "
                "= %s",
                (prefix(scope_id, user_id), memory.key, normalise_topic(memory.topic)),
            ).fetchall()
            ops = [PutOp(ns, row["key"], None) for row in twins]
            ops.append(PutOp(ns, memory.key, memory.value(), ttl=self._ttl_minutes))
            self._stores.on(conn).batch(ops)
        return memory

    # --- erasing -------------------------------------------------------------------------

    def forget_all(self, scope_id: str, user_id: str) -> int:
        with self._pool.connection() as conn:
            return conn.execute(
                "DELETE FROM store WHERE prefix = %s", (prefix(scope_id, user_id),)
            ).rowcount

    def forget_one(self, scope_id: str, user_id: str, key: str) -> Memory | None:
        """Delete one memory, looked up inside the caller's own namespace only."""
        gone = self._delete(scope_id, user_id, [key])
        return gone[0] if gone else None

    def forget_matching(self, scope_id: str, user_id: str, words: str) -> list[Memory]:
        """Delete memories that contain `words` (whole words, any case) or mean the same."""
        words = words.strip()
        if not words:
            return []
        doomed = {m.key for m in self.list_all(scope_id, user_id) if m.matches_words(words)}
        for item in self._store.search(
            namespace(scope_id, user_id), query=words, limit=50, refresh_ttl=False
        ):
            if item.score is not None and item.score >= SEMANTIC_FORGET_THRESHOLD:
                doomed.add(item.key)
        return self._delete(scope_id, user_id, sorted(doomed))

    def forget_from_message(
        self, scope_id: str, user_id: str, channel: str, ts: str
    ) -> list[Memory]:
        """Delete every memory that one message of the person's taught or reinforced."""
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT key FROM store WHERE prefix = %s AND value->'sources' @> %s::jsonb",
                (prefix(scope_id, user_id), json.dumps([{"channel": channel, "ts": ts}])),
            ).fetchall()
        return self._delete(scope_id, user_id, [r["key"] for r in rows])

    def sweep_expired(self) -> int:
        """Delete memories not reinforced within the TTL (vectors go by cascade)."""
        with self._pool.connection() as conn:
            return conn.execute(
                "DELETE FROM store WHERE prefix LIKE %s AND expires_at IS NOT NULL "
                "AND expires_at <= now()",
                (f"{MEMORY_ROOT}.%",),
            ).rowcount

    def _delete(self, scope_id: str, user_id: str, keys: Sequence[str]) -> list[Memory]:
        if not keys:
            return []
        with self._pool.connection() as conn:
            rows = conn.execute(
                "DELETE FROM store WHERE prefix = %s AND key = ANY(%s) "
                "RETURNING key, value, updated_at",
                (prefix(scope_id, user_id), list(keys)),
            ).fetchall()
        return [Memory.from_value(r["key"], r["value"], r["updated_at"]) for r in rows]


def new_key() -> str:
    return str(uuid.uuid4())


def _encode_cursor(updated_at: datetime, key: str) -> str:
    return f"{updated_at.isoformat()}|{key}"


def _decode_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    if not cursor:
        return None
    stamp, _, key = cursor.partition("|")
    try:
        return datetime.fromisoformat(stamp), key
    except ValueError:
        return None
