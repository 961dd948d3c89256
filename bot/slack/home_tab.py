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
from bot.slack.whoknows_views import FINDABLE_TOGGLE, home_note


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
        {"type": "header", "text": {"type": "plain_text", "text": t("home.header")}},
        {
            "type": "actions",
            "elements": [
                _switch(LEARNING_TOGGLE, t("home.learning_switch"), prefs.learning_enabled),
                _switch(
                    PRIVATE_IN_CHANNELS_TOGGLE,
                    t("home.private_switch"),
                    prefs.private_in_channels,
                ),
                _switch(FINDABLE_TOGGLE, t("whoknows.home_switch"), prefs.findable),
            ],
        },
        context(
            (t("home.learning_on") if prefs.learning_enabled else t("home.learning_off"))
            + " "
            + (
                t("home.private_in_channels")
                if prefs.private_in_channels
                else t("home.private_in_dms")
            )
        ),
        context(home_note(prefs.findable, t)),
        {"type": "actions", "elements": [button(t("home.add"), ADD_MEMORY, "add")]},
        *digest_views.home_blocks(prefs.digest, t),
        {"type": "divider"},
    ]
    if page.total >= cap:
        note = t("home.full", total=page.total, cap=cap)
        if evicted:
            gone = t.listing([t.quoted(escape(topic)) for topic, _ in evicted[:5]])
            note += " " + t("home.evicted", topics=gone)
        body.append(context(note))
    if page.memories:
        body.append(section(t.plural("home.count", page.total)))
        body.extend(memory_blocks(page.memories, t))
        body.extend(page_nav(HOME_PAGE, page.next_cursor, t))
        body.append(forget_all_actions(t))
    else:
        body.append(context(t("home.nothing_yet")))
    expiry = t("home.expiry", days=ttl_days) if ttl_days else t("home.no_expiry")
    body.extend([{"type": "divider"}, section(t("home.privacy", expiry=expiry))])
    return {"type": "home", "blocks": body}
