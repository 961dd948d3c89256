"""Which prompts a person is offered, from what the bot remembers about them."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.conversation.suggestions import MAX_PROMPTS, ViewedChannel, personal_prompts
from bot.i18n.catalogue import ENGLISH, translator
from bot.memory.schema import ConversationKind, Memory, Source


def _memory(topic: str, level: int | None, *, day: int = 1, channel: str = "D1") -> Memory:
    return Memory(
        key=topic,
        topic=topic,
        category=None,
        interest_level=level,
        description=None,
        sources=(Source(ConversationKind.DM, channel, "1.0"),),
        updated_at=datetime(2025, 1, day, tzinfo=UTC),
    )


def _titles(prompts) -> list[str]:
    return [p["title"] for p in prompts]


def test_the_strongest_interest_leads_whatever_order_the_memories_come_in():
    memories = [_memory("Go", 40), _memory("Rust", 95), _memory("Kafka", None)]
    titles = _titles(personal_prompts(memories, ENGLISH))
    assert titles == [
        "What's new in Rust?",
        "Rust with Go",
        "What should I learn next?",
        "What do you remember about me?",
    ]
    (learn_next,) = [p for p in personal_prompts(memories, ENGLISH) if "learn next" in p["title"]]
    assert learn_next["message"] == "I'm into Rust, Go, Kafka. What should I learn next, and why?"


def test_among_equal_interests_the_most_recently_learned_leads():
    memories = [_memory("Go", 80, day=1), _memory("Rust", 80, day=9)]
    assert _titles(personal_prompts(memories, ENGLISH))[0] == "What's new in Rust?"


def test_one_memory_still_makes_four_distinct_prompts_and_never_more():
    prompts = personal_prompts([_memory("Rust", 80)], ENGLISH)
    assert len(prompts) == len({p["title"] for p in prompts}) <= MAX_PROMPTS
    assert prompts[0]["title"] == "What's new in Rust?"
    many = [_memory(f"Topic {i}", i) for i in range(30)]
    assert len(personal_prompts(many, ENGLISH, ViewedChannel("C9", "infra"))) == MAX_PROMPTS


def test_a_long_topic_is_cut_in_the_title():
    prompts = personal_prompts([_memory("Very " * 30 + "long", 80)], ENGLISH)
    assert len(prompts[0]["title"]) < 70


def test_no_memories_no_channel_gives_the_generic_set_in_the_readers_language():
    japanese = translator("ja-JP")
    assert _titles(personal_prompts([], japanese))[0] == japanese("assistant.prompt_remember")
    assert "Rust" not in str(personal_prompts([], ENGLISH))


def test_a_viewed_channel_prefers_what_was_learned_there():
    memories = [_memory("Rust", 95), _memory("Terraform", 30, channel="C9")]
    prompts = personal_prompts(memories, ENGLISH, ViewedChannel("C9", "infra"))
    assert _titles(prompts)[:3] == [
        "Catch me up on #infra",
        "Terraform in #infra",
        "What's new in Rust?",
    ]
