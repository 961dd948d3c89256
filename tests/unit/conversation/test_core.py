"""The Slack-free conversation: recall what matters, answer with it, keep private things private."""

from __future__ import annotations

from bot.conversation.core import Conversation
from bot.memory.schema import UserTechInterest


def _instructions(fake_openai) -> str:
    [body] = fake_openai.bodies("responses")
    return body["instructions"]


def test_an_answer_is_given_what_the_person_cares_about(conversation: Conversation, fake_openai):
    conversation.memories.save(
        "T1", "U1", UserTechInterest(topic="Kubernetes", interest_level=90), private=False
    )
    recalled = conversation.recall("T1", "U1", "how do I scale k8s?", include_private=False)
    assert [m.topic for m in recalled] == ["Kubernetes"]
    answer = "".join(conversation.answer("how do I scale k8s?", recalled))
    assert answer
    assert "Kubernetes" in _instructions(fake_openai)


def test_private_memories_stay_out_of_a_channel_answer(conversation: Conversation):
    conversation.memories.save("T1", "U1", UserTechInterest(topic="Rust"), private=True)
    assert conversation.recall("T1", "U1", "rust", include_private=False) == []
    assert [m.topic for m in conversation.recall("T1", "U1", "rust", include_private=True)] == [
        "Rust"
    ]


def test_with_the_embeddings_api_down_the_answer_goes_ahead_without_memories(
    conversation: Conversation, fake_openai
):
    conversation.memories.save("T1", "U1", UserTechInterest(topic="Rust"), private=False)
    fake_openai.fail_next("embeddings", status=500, count=5)
    assert conversation.recall("T1", "U1", "rust?", include_private=True) == []


def test_someone_elses_memories_are_never_recalled(conversation: Conversation):
    conversation.memories.save("T1", "U2", UserTechInterest(topic="Rust"), private=False)
    assert conversation.recall("T1", "U1", "rust", include_private=True) == []
