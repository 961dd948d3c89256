"""`forget_matching`: the words' topic or category matches are erased, everything else that
they touch is only offered."""

from __future__ import annotations

from bot.memory.schema import UserTechInterest


def test_only_topic_and_category_matches_are_erased_the_rest_offered(conversation):
    memories = conversation.memories
    for topic, category, description in [
        ("Docker", "infrastructure", "Builds every image"),
        ("Podman", "containers", "Prefers it to Docker"),
        ("Kafka", "docker things", None),
        ("Redis", "database", "Caches sessions"),
    ]:
        memories.save(
            "T1",
            "U1",
            UserTechInterest(topic=topic, category=category, description=description),
            private=True,
        )

    found = memories.forget_matching("T1", "U1", "DOCKER")

    assert sorted(m.topic for m in found.forgotten) == ["Docker", "Kafka"]
    assert [m.topic for m in found.offered] == ["Podman"]
    assert sorted(m.topic for m in memories.list_all("T1", "U1")) == ["Podman", "Redis"]


def test_blank_words_find_nothing(conversation):
    conversation.memories.save("T1", "U1", UserTechInterest(topic="Rust"), private=True)
    found = conversation.memories.forget_matching("T1", "U1", "   ")
    assert (found.forgotten, found.offered) == ([], [])
    assert len(conversation.memories.list_all("T1", "U1")) == 1
