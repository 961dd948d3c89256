"""The Home tab's view: what it says for each state of the person's memory and settings."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.memory.preferences import Preferences
from bot.memory.schema import Memory
from bot.memory.service import Page
from bot.slack import home_tab, memory_views, whoknows_views


def _text(view: dict) -> str:
    return json.dumps(view, ensure_ascii=False)


def test_an_empty_memory_invites_the_person_to_talk():
    view = home_tab.view(Page([], 0, None), Preferences(), cap=200, ttl_days=365)
    assert view["type"] == "home"
    assert "Nothing yet" in _text(view)
    assert "haven't mentioned again for 365 days expire" in _text(view)


def test_private_memories_are_marked_and_the_switches_show_the_settings():
    memory = Memory(key="k1", topic="Rust <3", category=None, interest_level=None, description=None)
    view = home_tab.view(
        Page([memory], 1, None),
        Preferences(learning_enabled=False, private_in_channels=True),
        cap=200,
        ttl_days=0,
    )
    text = _text(view)
    assert ":lock: *Rust &lt;3*" in text
    assert "Learning is *off*" in text and "used in channels too" in text
    assert "Notes don't expire." in text
    switches = {
        element["action_id"]: bool(element.get("initial_options"))
        for block in view["blocks"]
        for element in block.get("elements", [])
        if element.get("type") == "checkboxes"
    }
    assert switches == {
        memory_views.LEARNING_TOGGLE: False,
        memory_views.PRIVATE_IN_CHANNELS_TOGGLE: True,
        whoknows_views.FINDABLE_TOGGLE: False,
    }
    assert "You're not findable" in text


def test_the_findable_switch_says_what_others_see():
    view = home_tab.view(Page([], 0, None), Preferences(findable=True), cap=200, ttl_days=0)
    (switch,) = [
        element
        for block in view["blocks"]
        for element in block.get("elements", [])
        if element.get("action_id") == whoknows_views.FINDABLE_TOGGLE
    ]
    assert switch["initial_options"]
    assert (
        "your name, the topics you've talked about in public channels, and links to those "
        "messages" in _text(view)
    )


def test_a_full_memory_names_what_was_let_go():
    memory = Memory(key="k", topic="Go", category=None, interest_level=None, description=None)
    view = home_tab.view(
        Page([memory], 1, None),
        Preferences(),
        cap=1,
        ttl_days=365,
        evicted=[("Perl", datetime.now(UTC))],
    )
    assert "let go of the least recently mentioned: “Perl”" in _text(view)
