"""Block Kit for the end of an answer: its sources, the AI note, feedback, the cut-off line; and
the action_id of the receipt's menu (the receipt itself is bot/slack/receipts.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.slack.block_kit import Block, context, plain_text
from bot.slack.mrkdwn import escape

if TYPE_CHECKING:
    from bot.conversation.answer_stream import Citation

FEEDBACK_ACTION = "answer_feedback"
GOOD, BAD = "good", "bad"
# Every feedback click, whichever style was shown; the click's `value` is GOOD or BAD. The two
# fallback buttons need action_ids of their own: Slack refuses a block with a repeated one.
FEEDBACK_ACTIONS = re.compile(rf"^{FEEDBACK_ACTION}(?:_{GOOD}|_{BAD})?$")
# The receipt's menu; an option's value is "<FORGET or NOT_HERE>:<memory key>".
RECEIPT_ACTION = "receipt_memory"
FORGET, NOT_HERE = "forget", "not_here"
MAX_CITED_PAGES = 5
AI_NOTE = "AI-generated answer. Check important details."
CUT_OFF_NOTE = ":warning: My answer was cut off here. Ask me again if you need the rest."
SOURCES_HEADING = "*Sources*"


def sources(citations: Sequence[Citation]) -> list[tuple[str, str]]:
    """(url, title) of the pages cited, in order of first citation, one per URL, at most 5."""
    seen: dict[str, str] = {}
    for citation in citations:
        seen.setdefault(citation.url, citation.title)
    return list(seen.items())[:MAX_CITED_PAGES]


def sources_block(citations: Sequence[Citation]) -> Block | None:
    listed = sources(citations)
    if not listed:
        return None
    lines = [f"• <{escape(url)}|{escape(title)}>" for url, title in listed]
    text = "\n".join([SOURCES_HEADING, *lines])
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def cut_off_block() -> Block:
    return context(CUT_OFF_NOTE)


def feedback_buttons() -> Block:
    """Slack's own thumbs up/down for AI answers (a context_actions block)."""
    return {
        "type": "context_actions",
        "elements": [
            {
                "type": "feedback_buttons",
                "action_id": FEEDBACK_ACTION,
                "positive_button": {
                    "text": plain_text("Good answer"),
                    "value": GOOD,
                    "accessibility_label": "Mark this answer as good",
                },
                "negative_button": {
                    "text": plain_text("Bad answer"),
                    "value": BAD,
                    "accessibility_label": "Mark this answer as bad",
                },
            }
        ],
    }


def feedback_fallback() -> Block:
    """Two small buttons, for surfaces that refuse feedback_buttons (invalid_blocks)."""
    return {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": f"{FEEDBACK_ACTION}_{GOOD}",
                "text": plain_text(":+1: Good answer"),
                "value": GOOD,
            },
            {
                "type": "button",
                "action_id": f"{FEEDBACK_ACTION}_{BAD}",
                "text": plain_text(":-1: Bad answer"),
                "value": BAD,
            },
        ],
    }


def closing(
    citations: Sequence[Citation],
    *,
    cut_off: bool,
    fallback: bool = False,
    receipt: Sequence[Block] = (),
) -> list[Block]:
    """What goes under an answer's text: the cut-off line, sources, the receipt (what the answer
    was made from), the AI note, feedback."""
    blocks = [cut_off_block()] if cut_off else []
    if source_list := sources_block(citations):
        blocks.append(source_list)
    blocks += receipt
    blocks.append(context(AI_NOTE))
    blocks.append(feedback_fallback() if fallback else feedback_buttons())
    return blocks


def thanks(value: str) -> tuple[str, list[Block]]:
    """The acknowledgement only the person who clicked sees (sent ephemerally)."""
    if value == GOOD:
        text = "Thanks for the feedback! Glad it helped."
    else:
        text = "Thanks for the feedback. Ask again with more detail and I'll try to do better."
    return text, [context(text)]
