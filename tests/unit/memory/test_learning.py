"""Learning from a person's words: one memory per topic, with where it was said, within the cap."""

from __future__ import annotations

from dataclasses import replace

from bot.conversation.llm import openai_client
from bot.memory.learning import recent_evictions
from bot.memory.schema import ConversationKind, Source
from bot.wiring import build_conversation


def _topics(conversation, user="U1") -> list[str]:
    return sorted(m.topic for m in conversation.memories.list_all("T1", user))


def test_what_a_person_says_they_use_is_remembered_with_where_they_said_it(conversation):
    source = Source(ConversationKind.PUBLIC_CHANNEL, channel="C1", ts="1.000001")
    learned = conversation.learner.learn("T1", "U1", "I deploy with Kubernetes every day.", source)
    assert [m.topic for m in learned.saved] == ["Kubernetes"]
    [memory] = conversation.memories.list_all("T1", "U1")
    assert memory.private is False  # said in a public channel
    assert (memory.source.channel, memory.source.ts) == ("C1", "1.000001")


def test_mentioning_a_topic_again_updates_it_instead_of_adding_a_second(conversation):
    dm = Source(ConversationKind.DM, channel="D1", ts="1.000002")
    conversation.learner.learn("T1", "U1", "I use Rust at work.", dm)
    existing = conversation.memories.list_all("T1", "U1")
    conversation.learner.learn("T1", "U1", "Rust is my favourite language now.", dm, existing)
    assert _topics(conversation) == ["Rust"]
    assert conversation.memories.list_all("T1", "U1")[0].private is True


def test_an_empty_message_teaches_nothing_and_asks_no_model(conversation, fake_openai):
    learned = conversation.learner.learn("T1", "U1", "   ", Source(ConversationKind.DM))
    assert learned.saved == [] and learned.evicted == []
    assert fake_openai.requests == []


def test_past_the_cap_the_least_recently_reinforced_is_let_go_and_named(settings, pool):
    conversation = build_conversation(
        replace(settings, memory_max_per_person=2), pool=pool, openai=openai_client(settings)
    )
    dm = Source(ConversationKind.DM)
    for text in ("I write Go.", "I love Docker.", "I am learning Terraform."):
        conversation.learner.learn("T1", "U1", text, dm)
    assert _topics(conversation) == ["Docker", "Terraform"]
    assert [topic for topic, _ in recent_evictions(pool, "T1", "U1")] == ["Go"]
