"""The answer to `/forget <words>`: the memories it erased, listed, and a "Forget <topic>"
button for each memory that only mentions the words, so nothing is erased unasked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.i18n.catalogue import Translator
from bot.slack.block_kit import Block, button, section
from bot.slack.memory_views import FORGET_ONE, memory_line
from bot.slack.mrkdwn import escape
from bot.text import clip

if TYPE_CHECKING:
    from bot.memory.schema import Memory

# A button's text holds 75 characters; "Forget " and the topic must fit.
MAX_BUTTON_TOPIC_CHARS = 60


def answer(
    t: Translator, words: str, forgotten: Sequence[Memory], offered: Sequence[Memory]
) -> tuple[str, list[Block]]:
    """(notification text, blocks)."""
    shown = t.quoted(escape(words))
    blocks: list[Block] = []
    if forgotten:
        text = t.plural("forget.words_done", len(forgotten), words=shown)
        lines = "\n".join(f"• {memory_line(m, t)}" for m in forgotten)
        blocks += [section(text), section(lines)]
    elif offered:
        text = t("forget.words_not_named", words=shown)
        blocks.append(section(text))
    else:
        text = t("forget.words_none", words=shown)
        return text, [section(text)]
    if offered:
        blocks.append(section(t("forget.words_offer", words=shown)))
        blocks += [_choice(t, memory) for memory in offered]
    return text, blocks


def _choice(t: Translator, memory: Memory) -> Block:
    block = section(memory_line(memory, t))
    topic = clip(memory.topic, MAX_BUTTON_TOPIC_CHARS)
    block["accessory"] = button(t("forget.words_button", topic=topic), FORGET_ONE, memory.key)
    return block
