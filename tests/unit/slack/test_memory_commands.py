"""/interests, /forget and the editor, run as the worker runs them, on the real database."""

from __future__ import annotations

import json

import pytest

from bot.memory.preferences import PreferenceStore
from bot.memory.schema import UserTechInterest
from bot.slack.home_publisher import HomePublisher
from bot.slack.memory_commands import MemoryCommands
from tests.unit.slack.conftest import INSTALLATION


@pytest.fixture
def commands(slack, memories, pool, webhook, profiles):
    home = HomePublisher(
        slack=slack,
        memories=lambda: memories,
        prefs=PreferenceStore(pool),
        pool=pool,
        installation=lambda: INSTALLATION,
        cap=200,
        ttl_days=365,
        profiles=profiles,
    )
    return MemoryCommands(
        slack=slack,
        memories=lambda: memories,
        pool=pool,
        installation=lambda: INSTALLATION,
        webhook=webhook,
        home=home,
        profiles=profiles,
    )


def _job(fake_slack, kind: str, user: str = "U1", **fields) -> dict:
    return {"kind": kind, "user_id": user, "response_url": fake_slack.response_url("r1"), **fields}


def _said(fake_slack) -> str:
    [*_, last] = fake_slack.calls_to("response_url:r1")
    return json.dumps(last.params, ensure_ascii=False)


def test_interests_lists_the_persons_memories_and_only_theirs(commands, memories, fake_slack):
    memories.save("T1", "U1", UserTechInterest(topic="Rust"), private=True)
    memories.save("T1", "U2", UserTechInterest(topic="Haskell"), private=False)
    commands.interests(_job(fake_slack, "interests"))
    said = _said(fake_slack)
    assert "Rust" in said
    assert "Haskell" not in said


def test_forget_words_erases_the_matching_memory_and_refreshes_the_home_tab(
    commands, memories, fake_slack
):
    memories.save("T1", "U1", UserTechInterest(topic="Rust"), private=True)
    memories.save("T1", "U1", UserTechInterest(topic="Terraform"), private=True)
    commands.forget_words(_job(fake_slack, "forget_words", words="rust"))
    assert [m.topic for m in memories.list_all("T1", "U1")] == ["Terraform"]
    assert "Rust" in _said(fake_slack)
    [published] = fake_slack.calls_to("views.publish")
    assert published.params["user_id"] == "U1"


def test_a_forged_forget_button_for_someone_elses_memory_erases_nothing(
    commands, memories, fake_slack
):
    theirs = memories.save("T1", "U2", UserTechInterest(topic="Go"), private=True)
    commands.forget_one(_job(fake_slack, "forget_one", user="U1", key=theirs.key))
    assert [m.topic for m in memories.list_all("T1", "U2")] == ["Go"]


def test_the_message_shortcut_refuses_someone_elses_message(commands, memories, fake_slack):
    commands.forget_message(
        _job(
            fake_slack,
            "forget_message",
            author_id="U2",
            message_channel="C1",
            message_ts="1.000001",
        )
    )
    assert "your own" in _said(fake_slack).lower()


def test_saving_from_the_editor_adds_a_memory_and_says_so_by_dm(commands, memories, fake_slack):
    fields = {"key": "", "topic": "Kubernetes", "private": False, "from_home": False}
    commands.save_memory({"kind": "save_memory", "user_id": "U1", "fields": fields})
    [memory] = memories.list_all("T1", "U1")
    assert (memory.topic, memory.private) == ("Kubernetes", False)
    [dm] = fake_slack.calls_to("chat.postMessage")
    assert dm.params["channel"] == "U1"
    assert "Kubernetes" in dm.params["text"]
