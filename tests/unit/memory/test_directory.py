"""Who knows: only findable people, only what they said in public, ranked by interest."""

from __future__ import annotations

import json

from bot.memory.directory import Directory
from bot.memory.embeddings import OpenAIEmbedder
from bot.memory.preferences import PreferenceStore
from bot.memory.schema import ConversationKind, Source, UserTechInterest


def _directory(settings, pool) -> Directory:
    from bot.conversation.llm import openai_client

    embed = OpenAIEmbedder(openai_client(settings), settings.embedding_model, 256)
    return Directory(pool, embed)


def _remember(conversation, pool, user, topic, *, kinds, level=50, scope="T1"):
    """A public memory whose sources say where it was learned."""
    memory = conversation.memories.save(
        scope, user, UserTechInterest(topic=topic, interest_level=level), private=False
    )
    sources = [Source(k, "C1", f"17.{i}", f"https://x/{user}/{i}") for i, k in enumerate(kinds)]
    with pool.connection() as conn:
        conn.execute(
            "UPDATE store SET value = jsonb_set(value, '{sources}', %s::jsonb) "
            "WHERE prefix = %s AND key = %s",
            (
                json.dumps([s.to_dict() for s in sources]),
                f"memories.{scope}.{user}",
                memory.key,
            ),
        )


def test_only_findable_people_and_only_memories_said_in_public(settings, pool, conversation):
    prefs = PreferenceStore(pool)
    public = [ConversationKind.PUBLIC_CHANNEL]
    _remember(conversation, pool, "U1", "Rust", kinds=public, level=30)
    _remember(conversation, pool, "U2", "Rust", kinds=public, level=90)
    # Typed into the Home tab (never said anywhere), and shaped in a DM as well:
    _remember(conversation, pool, "U3", "Rust", kinds=[ConversationKind.HOME])
    _remember(conversation, pool, "U4", "Rust", kinds=[*public, ConversationKind.DM])
    _remember(conversation, pool, "U5", "Rust", kinds=public)  # never opted in
    _remember(conversation, pool, "U6", "Rust", kinds=public, scope="T2")  # another installation
    for user in ("U1", "U2", "U3", "U4"):
        prefs.update("T1", user, findable=True)
    prefs.update("T2", "U6", findable=True)

    found = _directory(settings, pool).who_knows("T1", "  RUST ", asker="U9")
    assert [c.user_id for c in found] == ["U2", "U1"]  # most interested first
    assert found[0].permalink == "https://x/U2/0"

    assert [c.user_id for c in _directory(settings, pool).who_knows("T1", "rust", asker="U2")] == [
        "U1"
    ]


def test_an_expired_memory_is_not_found(settings, pool, conversation):
    _remember(conversation, pool, "U1", "Go", kinds=[ConversationKind.PUBLIC_CHANNEL])
    PreferenceStore(pool).update("T1", "U1", findable=True)
    with pool.connection() as conn:
        conn.execute("UPDATE store SET expires_at = now() - interval '1 minute'")
    assert _directory(settings, pool).who_knows("T1", "go", asker="U9") == []


def test_nothing_to_search_for_finds_nobody_and_asks_nothing(settings, pool, fake_openai):
    assert _directory(settings, pool).who_knows("T1", "   ", asker="U9") == []
    assert fake_openai.bodies("embeddings") == []
