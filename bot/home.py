"""The App Home tab: what the bot remembers, the learning switch, and how data is kept."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.blocks import LEARNING_TOGGLE, context, forget_all_actions, memory_blocks

if TYPE_CHECKING:
    from bot.memory import Memory

PRIVACY_NOTE = (
    "*Privacy.* I keep short notes about the tech you mention to me (topic, category, how "
    "interested you seem, a one-line description), stored in this app's own PostgreSQL database "
    "with their text embeddings, under your Slack team and user ID. Nobody else can see them "
    "through me. Erase one with its *Forget* button, everything with *Forget all* or `/forget`, "
    "and stop me learning with the switch above."
)


def view(memories: Sequence[Memory], learning_enabled: bool) -> dict[str, Any]:
    on = {"text": {"type": "plain_text", "text": "Learn from my messages"}, "value": "on"}
    toggle = {
        "type": "checkboxes",
        "action_id": LEARNING_TOGGLE,
        "options": [on],
    }
    if learning_enabled:
        toggle["initial_options"] = [on]
    body: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "What I remember about you"}},
        {"type": "actions", "elements": [toggle]},
        context(
            "Learning is *on*: I note the tech you mention."
            if learning_enabled
            else "Learning is *off*: I won't note anything new from your messages."
        ),
        {"type": "divider"},
    ]
    if memories:
        body.extend(memory_blocks(memories))
        body.append(forget_all_actions())
    else:
        body.append(context("Nothing yet. Tell me what you work with or want to learn."))
    body.extend(
        [{"type": "divider"}, {"type": "section", "text": {"type": "mrkdwn", "text": PRIVACY_NOTE}}]
    )
    return {"type": "home", "blocks": body}
