"""The App Home tab: what the bot remembers, the person's settings, and how data is kept."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.i18n.catalogue import ENGLISH, Translator
from bot.memory.preferences import Preferences
from bot.memory.service import Page
from bot.slack import digest_views
from bot.slack.block_kit import button, context, section
from bot.slack.memory_views import (
    ADD_MEMORY,
    HOME_PAGE,
    LEARNING_TOGGLE,
    PRIVATE_IN_CHANNELS_TOGGLE,
    forget_all_actions,
    memory_blocks,
    page_nav,
)
from bot.slack.mrkdwn import escape

PRIVACY_NOTE = (
    "*Privacy.* I keep short notes about the tech you mention to me (topic, category, how "
    "interested you seem, a one-line description, and where you said it), stored in this app's "
    "own PostgreSQL database with their text embeddings, under your Slack user ID in this "
    "organisation. Nobody else can see them through me. What you tell me in DMs, private "
    "channels or group DMs is private :lock:: I only use it when I answer you in a DM, unless "
    "you allow it above. {expiry} Erase one with its "
    "*Forget* button, everything with *Forget all* or `/forget`, and stop me learning with the "
    "switch above. If the app is uninstalled, everything it remembers is erased."
)


def _switch(action_id: str, label: str, on: bool) -> dict[str, Any]:
    option = {"text": {"type": "plain_text", "text": label}, "value": "on"}
    element: dict[str, Any] = {"type": "checkboxes", "action_id": action_id, "options": [option]}
    if on:
        element["initial_options"] = [option]
    return element


def view(
    page: Page,
    prefs: Preferences,
    *,
    cap: int,
    ttl_days: int,
    evicted: Sequence[tuple[str, datetime]] = (),
    t: Translator = ENGLISH,
) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "What I remember about you"}},
        {
            "type": "actions",
            "elements": [
                _switch(LEARNING_TOGGLE, "Learn from my messages", prefs.learning_enabled),
                _switch(
                    PRIVATE_IN_CHANNELS_TOGGLE,
                    "Use my private memories in channels",
                    prefs.private_in_channels,
                ),
            ],
        },
        context(
            (
                "Learning is *on*: I note the tech you mention."
                if prefs.learning_enabled
                else "Learning is *off*: I won't note anything new from your messages."
            )
            + (
                " Private memories are used in channels too."
                if prefs.private_in_channels
                else " Private memories :lock: are used only in your DMs with me."
            )
        ),
        {"type": "actions", "elements": [button("Add a memory", ADD_MEMORY, "add")]},
        *digest_views.home_blocks(prefs.digest, t),
        {"type": "divider"},
    ]
    if page.total >= cap:
        note = f":warning: My memory of you is full ({page.total} of {cap})."
        if evicted:
            gone = ", ".join(f"“{escape(topic)}”" for topic, _ in evicted[:5])
            note += f" To make room I let go of the least recently mentioned: {gone}."
        body.append(context(note))
    if page.memories:
        body.append(section(f"{page.total} {'memory' if page.total == 1 else 'memories'}:"))
        body.extend(memory_blocks(page.memories))
        body.extend(page_nav(HOME_PAGE, page.next_cursor))
        body.append(forget_all_actions())
    else:
        body.append(context("Nothing yet. Tell me what you work with or want to learn."))
    expiry = (
        f"Notes you haven't mentioned again for {ttl_days} days expire."
        if ttl_days
        else "Notes don't expire."
    )
    body.extend([{"type": "divider"}, section(PRIVACY_NOTE.format(expiry=expiry))])
    return {"type": "home", "blocks": body}
