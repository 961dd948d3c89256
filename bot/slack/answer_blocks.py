"""Block Kit for the end of an answer: its sources, the AI note, feedback, the cut-off line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.i18n.catalogue import ENGLISH, Translator
from bot.slack.block_kit import Block, context, plain_text
from bot.slack.mrkdwn import escape

if TYPE_CHECKING:
    from bot.conversation.answer_stream import Citation

FEEDBACK_ACTION = "answer_feedback"
GOOD, BAD = "good", "bad"
# Every feedback click, whichever style was shown; the click's `value` is GOOD or BAD. The two
# fallback buttons need action_ids of their own: Slack refuses a block with a repeated one.
FEEDBACK_ACTIONS = re.compile(rf"^{FEEDBACK_ACTION}(?:_{GOOD}|_{BAD})?$")
MAX_CITED_PAGES = 5
# The English wording, by the name it had before the catalogue (tests compare against it).
CUT_OFF_NOTE = ENGLISH("answer.cut_off")


def sources(citations: Sequence[Citation]) -> list[tuple[str, str]]:
    """(url, title) of the pages cited, in order of first citation, one per URL, at most 5."""
    seen: dict[str, str] = {}
    for citation in citations:
        seen.setdefault(citation.url, citation.title)
    return list(seen.items())[:MAX_CITED_PAGES]


def sources_block(citations: Sequence[Citation], t: Translator = ENGLISH) -> Block | None:
    listed = sources(citations)
    if not listed:
        return None
    lines = [f"• <{escape(url)}|{escape(title)}>" for url, title in listed]
    text = "\n".join([t("answer.sources"), *lines])
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def cut_off_block(t: Translator = ENGLISH) -> Block:
    return context(t("answer.cut_off"))


def feedback_buttons(t: Translator = ENGLISH) -> Block:
    """Slack's own thumbs up/down for AI answers (a context_actions block)."""
    return {
        "type": "context_actions",
        "elements": [
            {
                "type": "feedback_buttons",
                "action_id": FEEDBACK_ACTION,
                "positive_button": {
                    "text": plain_text(t("answer.good")),
                    "value": GOOD,
                    "accessibility_label": t("answer.good_label"),
                },
                "negative_button": {
                    "text": plain_text(t("answer.bad")),
                    "value": BAD,
                    "accessibility_label": t("answer.bad_label"),
                },
            }
        ],
    }


def feedback_fallback(t: Translator = ENGLISH) -> Block:
    """Two small buttons, for surfaces that refuse feedback_buttons (invalid_blocks)."""
    return {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": f"{FEEDBACK_ACTION}_{GOOD}",
                "text": plain_text(f":+1: {t('answer.good')}"),
                "value": GOOD,
            },
            {
                "type": "button",
                "action_id": f"{FEEDBACK_ACTION}_{BAD}",
                "text": plain_text(f":-1: {t('answer.bad')}"),
                "value": BAD,
            },
        ],
    }


def closing(
    citations: Sequence[Citation],
    *,
    cut_off: bool,
    fallback: bool = False,
    t: Translator = ENGLISH,
) -> list[Block]:
    """What goes under an answer's text: the cut-off line, sources, the AI note, feedback."""
    blocks = [cut_off_block(t)] if cut_off else []
    if source_list := sources_block(citations, t):
        blocks.append(source_list)
    blocks.append(context(t("answer.ai_note")))
    blocks.append(feedback_fallback(t) if fallback else feedback_buttons(t))
    return blocks


def thanks(value: str, t: Translator = ENGLISH) -> tuple[str, list[Block]]:
    """The acknowledgement only the person who clicked sees (sent ephemerally)."""
    text = t("feedback.thanks_good" if value == GOOD else "feedback.thanks_bad")
    return text, [context(text)]
