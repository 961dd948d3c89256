"""Taking back one message: what only it taught goes, the rest keeps its other sources."""

from __future__ import annotations

from bot.memory import revisions
from bot.memory.schema import ConversationKind, Source


def _learn(conversation, text: str, ts: str, user: str = "U1") -> None:
    conversation.learn("T1", user, text, Source(ConversationKind.DM, "D1", ts))


def _sources(conversation, user: str = "U1") -> dict[str, list[str]]:
    return {m.topic: [s.ts for s in m.sources] for m in conversation.memories.list_all("T1", user)}


def test_only_what_that_message_alone_taught_is_deleted(conversation, pool):
    _learn(conversation, "I love Rust and Go.", "1.1")
    _learn(conversation, "Go at work.", "2.2")
    before = {m.topic: m for m in conversation.memories.list_all("T1", "U1")}
    with pool.connection() as conn, conn.transaction():
        taken = revisions.take_back(conn, "T1", "U1", "D1", "1.1")
    assert [m.topic for m in taken.forgotten] == ["Rust"]
    assert [m.topic for m in taken.kept] == ["Go"]
    assert _sources(conversation) == {"Go": ["2.2"]}
    # Only provenance changed: not counted as reinforcement by the cap.
    (go,) = conversation.memories.list_all("T1", "U1")
    assert go.updated_at == before["Go"].updated_at


def test_a_topic_about_to_be_retaught_is_kept_without_the_source(conversation, pool):
    _learn(conversation, "I love Rust.", "1.1")
    with pool.connection() as conn, conn.transaction():
        taken = revisions.take_back(conn, "T1", "U1", "D1", "1.1", keep_topics={"rust"})
    assert taken.forgotten == []
    assert _sources(conversation) == {"Rust": []}


def test_another_persons_memories_from_the_same_message_id_are_untouched(conversation, pool):
    _learn(conversation, "I love Rust.", "1.1", user="U1")
    _learn(conversation, "I love Rust.", "1.1", user="U2")
    with pool.connection() as conn, conn.transaction():
        revisions.take_back(conn, "T1", "U1", "D1", "1.1")
    assert _sources(conversation, "U1") == {}
    assert _sources(conversation, "U2") == {"Rust": ["1.1"]}
