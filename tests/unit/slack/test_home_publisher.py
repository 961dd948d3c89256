"""The Home tab as the person sees it after opening it or flipping its switches."""

from __future__ import annotations

import json

import pytest

from bot.memory.preferences import PreferenceStore
from bot.memory.schema import UserTechInterest
from bot.slack.home_publisher import HomePublisher
from tests.unit.slack.conftest import INSTALLATION


@pytest.fixture
def home(slack, memories, pool, profiles):
    return HomePublisher(
        slack=slack,
        memories=lambda: memories,
        prefs=PreferenceStore(pool),
        pool=pool,
        installation=lambda: INSTALLATION,
        cap=2,
        ttl_days=365,
        profiles=profiles,
    )


def _published(fake_slack) -> str:
    [*_, last] = fake_slack.calls_to("views.publish")
    assert last.params["user_id"] == "U1"
    return json.dumps(last.json_param("view"), ensure_ascii=False)


def test_opening_the_tab_shows_the_persons_memories(home, memories, fake_slack):
    memories.save("T1", "U1", UserTechInterest(topic="Rust"), private=True)
    home.show({"kind": "home", "user_id": "U1"})
    view = _published(fake_slack)
    assert "Rust" in view
    assert "Learning is *on*" in view


def test_switching_learning_off_is_kept_and_shown(home, pool, fake_slack):
    home.set_learning({"kind": "set_learning", "user_id": "U1", "enabled": False})
    assert PreferenceStore(pool).get("T1", "U1").learning_enabled is False
    assert "Learning is *off*" in _published(fake_slack)


def test_a_full_memory_says_so(home, memories, fake_slack):
    for topic in ("Rust", "Go"):
        memories.save("T1", "U1", UserTechInterest(topic=topic), private=True)
    home.show({"kind": "home", "user_id": "U1"})
    assert "My memory of you is full (2 of 2)" in _published(fake_slack)


def test_a_failed_refresh_is_only_logged(home, fake_slack):
    fake_slack.fail_next("views.publish", status=200, error="not_enabled")
    home.publish_quietly("T1", "U1")  # no exception: the tab catches up when next opened
