""" "Don't use this here": a memory set aside for one conversation is not recalled there, is
still recalled everywhere else, survives being learned again, and goes with the memory."""

from __future__ import annotations

from bot.memory.erasure import forget_person, forget_user_everywhere
from bot.memory.schema import ConversationKind, Source, UserTechInterest


def _remember(conversation, user: str, topic: str, scope: str = "T1"):
    return conversation.memories.save(scope, user, UserTechInterest(topic=topic), private=False)


def _recalled(conversation, channel: str | None, user: str = "U1") -> list[str]:
    memories = conversation.recall("T1", user, "rust", include_private=True, channel=channel)
    return sorted(m.topic for m in memories)


def _exclusions(pool) -> int:
    with pool.connection() as conn:
        return conn.execute("SELECT count(*) AS n FROM bot_memory_exclusions").fetchone()["n"]


def test_a_memory_set_aside_in_one_channel_is_recalled_everywhere_else(conversation):
    rust = _remember(conversation, "U1", "Rust")
    _remember(conversation, "U1", "Go")
    assert conversation.memories.exclude("T1", "U1", rust.key, "C1").topic == "Rust"
    assert conversation.memories.exclude("T1", "U1", rust.key, "C1").topic == "Rust"  # twice: ok
    assert _recalled(conversation, "C1") == ["Go"]
    assert _recalled(conversation, "C2") == ["Go", "Rust"]
    assert _recalled(conversation, None) == ["Go", "Rust"]  # `bot chat`: no channel


def test_set_aside_memories_do_not_cost_the_channel_its_other_memories(conversation, settings):
    others = {_remember(conversation, "U1", f"Other {i}").key for i in range(settings.memory_limit)}
    for topic in ("Rust", "Rust async", "Rust macros"):  # the closest to the question
        conversation.memories.exclude("T1", "U1", _remember(conversation, "U1", topic).key, "C1")
    recalled = conversation.recall("T1", "U1", "rust", include_private=True, channel="C1")
    assert {m.key for m in recalled} == others


def test_only_the_persons_own_memory_can_be_set_aside(conversation, pool):
    rust = _remember(conversation, "U1", "Rust")
    assert conversation.memories.exclude("T1", "U2", rust.key, "C1") is None
    assert conversation.memories.exclude("T2", "U1", rust.key, "C1") is None
    assert conversation.memories.exclude("T1", "U1", "no-such-key", "C1") is None
    assert _exclusions(pool) == 0
    assert _recalled(conversation, "C1") == ["Rust"]


def test_learning_the_memory_again_keeps_it_set_aside(conversation, pool):
    conversation.learn("T1", "U1", "I love Rust", Source(ConversationKind.PUBLIC_CHANNEL, "C1"))
    (rust,) = conversation.memories.list_all("T1", "U1")
    conversation.memories.exclude("T1", "U1", rust.key, "C1")
    conversation.learn(
        "T1",
        "U1",
        "Rust again, with more Rust",
        Source(ConversationKind.PUBLIC_CHANNEL, "C2"),
        [rust],
    )
    assert [m.key for m in conversation.memories.list_all("T1", "U1")] == [rust.key]
    assert _recalled(conversation, "C1") == []
    assert _exclusions(pool) == 1


def test_it_is_erased_with_the_memory_however_the_memory_goes(conversation, pool):
    def set_aside(user: str, topic: str) -> str:
        memory = _remember(conversation, user, topic)
        conversation.memories.exclude("T1", user, memory.key, "C1")
        return memory.key

    conversation.memories.forget_one("T1", "U1", set_aside("U1", "Rust"))
    assert _exclusions(pool) == 0
    set_aside("U1", "Go")
    conversation.memories.forget_matching("T1", "U1", "go")
    assert _exclusions(pool) == 0
    set_aside("U1", "Elixir")
    forget_person(pool, "T1", "U1", keep_settings=True)
    assert _exclusions(pool) == 0
    set_aside("U3", "Kafka")
    forget_user_everywhere(pool, "U3")
    assert _exclusions(pool) == 0
    set_aside("U4", "Redis")
    with pool.connection() as conn:
        conn.execute("UPDATE store SET expires_at = now() - interval '1 day'")
    conversation.memories.sweep_expired()
    assert _exclusions(pool) == 0
