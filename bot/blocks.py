"""Block Kit builders for everything the bot shows besides answers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.memory import Memory

FORGET_ALL_CONFIRM = "forget_all_confirm"
FORGET_ALL_CANCEL = "forget_all_cancel"
FORGET_ONE = "forget_one"
LEARNING_TOGGLE = "learning_toggle"

# Slack allows 50 blocks per message and 100 in the Home tab; a header, a footer and a divider
# per memory leave room for this many memories in one view.
MAX_LISTED = 45

Block = dict[str, Any]

INTERESTS_HELP = (
    "*What I can do with what I remember about you*\n"
    "• `/interests` — list everything I remember about you (only you can see it)\n"
    "• `/interests export` — send you all of it as a JSON file in a DM\n"
    "• `/forget` — erase everything I remember about you (asks first)\n"
    "• `/forget <words>` — erase only memories about those words, e.g. `/forget rust`\n"
    "I learn what you care about in tech from the messages you send me."
)


def _mrkdwn_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def memory_line(memory: Memory) -> str:
    meta = [memory.category] if memory.category else []
    if memory.interest_level is not None:
        meta.append(f"interest {memory.interest_level}/100")
    line = f"*{_mrkdwn_escape(memory.topic)}*"
    if meta:
        line += "  ·  " + _mrkdwn_escape(" · ".join(meta))
    if memory.description:
        line += "\n" + _mrkdwn_escape(memory.description)
    return line


def memory_blocks(memories: Sequence[Memory], *, with_buttons: bool = True) -> list[Block]:
    blocks: list[Block] = []
    for memory in memories[:MAX_LISTED]:
        block = _section(memory_line(memory))
        if with_buttons:
            block["accessory"] = {
                "type": "button",
                "action_id": FORGET_ONE,
                "text": {"type": "plain_text", "text": "Forget"},
                "value": memory.key,
            }
        blocks.append(block)
    if len(memories) > MAX_LISTED:
        blocks.append(
            context(
                f"…and {len(memories) - MAX_LISTED} more. "
                "Use `/interests export` to get all of them."
            )
        )
    return blocks


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def interests(memories: Sequence[Memory]) -> tuple[str, list[Block]]:
    if not memories:
        text = (
            "I don't remember anything about you yet. Tell me what you work with or want to "
            "learn — in a DM or by mentioning me — and I'll keep it in mind."
        )
        return text, [_section(text)]
    noun = "thing" if len(memories) == 1 else "things"
    header = f"Here's what I remember about you ({len(memories)} {noun}). Only you can see this."
    blocks = [_section(header), *memory_blocks(memories)]
    blocks.append(forget_all_actions())
    return header, blocks


def forget_all_actions() -> Block:
    """A "Forget all" button guarded by Slack's own confirmation dialog."""
    return {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": FORGET_ALL_CONFIRM,
                "text": {"type": "plain_text", "text": "Forget all"},
                "style": "danger",
                "value": "all",
                "confirm": {
                    "title": {"type": "plain_text", "text": "Forget everything?"},
                    "text": {
                        "type": "plain_text",
                        "text": "I'll erase everything I remember about you. This can't be undone.",
                    },
                    "confirm": {"type": "plain_text", "text": "Forget everything"},
                    "deny": {"type": "plain_text", "text": "Cancel"},
                    "style": "danger",
                },
            }
        ],
    }


def forget_all_confirmation() -> tuple[str, list[Block]]:
    text = "Forget everything I remember about you? This can't be undone."
    return text, [
        _section(f":warning: {text}"),
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": FORGET_ALL_CONFIRM,
                    "text": {"type": "plain_text", "text": "Forget everything"},
                    "style": "danger",
                    "value": "all",
                },
                {
                    "type": "button",
                    "action_id": FORGET_ALL_CANCEL,
                    "text": {"type": "plain_text", "text": "Cancel"},
                    "value": "cancel",
                },
            ],
        },
    ]


def forgot_all(count: int) -> str:
    if count == 0:
        return "There was nothing to forget: I didn't remember anything about you."
    noun = "memory" if count == 1 else "memories"
    return f"Done. I forgot everything I remembered about you ({count} {noun})."


def forgot_matching(words: str, forgotten: Sequence[Memory]) -> tuple[str, list[Block]]:
    shown = _mrkdwn_escape(words)
    if not forgotten:
        text = f"I don't remember anything about “{shown}”, so nothing was deleted."
        return text, [_section(text)]
    noun = "memory" if len(forgotten) == 1 else "memories"
    text = f"I forgot {len(forgotten)} {noun} about “{shown}”:"
    lines = "\n".join(f"• {memory_line(m)}" for m in forgotten)
    return text + "\n" + lines, [_section(text), _section(lines)]


def forgot_one(memory: Memory | None) -> str:
    if memory is None:
        return "That memory was already gone."
    return f"Forgot “{_mrkdwn_escape(memory.topic)}”."
