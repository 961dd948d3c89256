"""Block Kit primitives every view is built from, cut to Slack's field limits."""

from __future__ import annotations

from typing import Any

Block = dict[str, Any]

# A section's or context element's text holds at most 3,000 characters; a button value 2,000.
MAX_TEXT_CHARS = 3_000
MAX_VALUE_CHARS = 2_000


def plain_text(text: str) -> Block:
    return {"type": "plain_text", "text": text, "emoji": True}


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:MAX_TEXT_CHARS]}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:MAX_TEXT_CHARS]}]}


def button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text},
        "value": value[:MAX_VALUE_CHARS],
    }
    if style:
        element["style"] = style
    return element


def input_block(block_id: str, label: str, element: Block, *, optional: bool = True) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": element,
        "optional": optional,
    }
