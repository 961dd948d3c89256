"""The receipt under an answer: the memories that shaped it, each linked to where it was learned
when the reader may see that place, what the asker can do about each, and the files the bot
could not read.

Who reads what. In the person's DM or assistant thread only they read the answer, so every
memory used is named there. Where others read it (a channel, a group DM) the message names only
memories learned in public, exactly as if no private memory existed; the private ones used there
(with the person's opt-in) are named to the asker alone, in an ephemeral message. A place is
linked only where its readers can open it: a public channel anywhere, any other conversation
only inside itself (a DM link only in that DM, a private channel's only in that channel).

Each named memory gets "Forget this" and "Don't use this here" in one menu per receipt; the
click is addressed by who clicked, never by the memory the option names
(bot/slack/receipt_clicks.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.i18n.catalogue import Translator
from bot.memory.schema import ConversationKind, Memory
from bot.slack.answer_blocks import FORGET, NOT_HERE, RECEIPT_ACTION
from bot.slack.block_kit import Block, context, plain_text
from bot.slack.mrkdwn import escape
from bot.text import clip

# More than this many memories are counted rather than named; the rest are in /interests.
MAX_NAMED = 10
# Slack's limits: an option group's label and an option's text hold 75 characters.
MAX_LABEL_CHARS = 75
MAX_TOPIC_CHARS = 60
SEPARATOR = " · "
_ASKER_PREFIX = "receipt_for:"


@dataclass(frozen=True)
class Receipt:
    """What one answer was made from, split by who may read it."""

    channel: str  # where the answer is posted
    asker: str
    t: Translator  # the asker's language
    named: tuple[Memory, ...] = ()  # named in the answer message, read by all there
    told_privately: tuple[Memory, ...] = ()  # named to the asker alone
    files_note: str = ""  # files the bot could not read, in a sentence
    recalled: bool = False  # whether memories were looked up for this answer at all

    def blocks(self) -> list[Block]:
        """For the end of the answer message: the memories used and their menu, the files
        note. Empty when there is nothing to say."""
        blocks: list[Block] = []
        if self.named:
            line = self.t("receipt.tailored_with", topics=self._topics(self.named))
            blocks += [context(f":brain: {line}"), self._menu(self.named)]
        if self.files_note:
            blocks.append(context(f":paperclip: {self.files_note}"))
        return blocks

    def private_message(self) -> tuple[str, list[Block]] | None:
        """(notification text, blocks) of the ephemeral for the asker, or None."""
        if not self.told_privately:
            return None
        text = self.t("receipt.private_used", topics=self._topics(self.told_privately))
        plain = self.t(
            "receipt.private_used",
            topics=SEPARATOR.join(m.topic for m in self.told_privately[:MAX_NAMED]),
        )
        return plain, [context(f":lock: {text}"), self._menu(self.told_privately)]

    def _topics(self, memories: Sequence[Memory]) -> str:
        shown = [self._topic(m) for m in memories[:MAX_NAMED]]
        if len(memories) > MAX_NAMED:
            shown.append(self.t("receipt.and_more", count=len(memories) - MAX_NAMED))
        return SEPARATOR.join(shown)

    def _topic(self, memory: Memory) -> str:
        topic = escape(clip(memory.topic, MAX_TOPIC_CHARS))
        link = place_link(memory, self.channel)
        return f"<{escape(link)}|{topic}>" if link else topic

    def _menu(self, memories: Sequence[Memory]) -> Block:
        groups = [
            {
                "label": plain_text(clip(m.topic, MAX_LABEL_CHARS)),
                "options": [
                    _option(self.t("receipt.forget"), FORGET, m.key),
                    _option(self.t("receipt.not_here"), NOT_HERE, m.key),
                ],
            }
            for m in memories[:MAX_NAMED]
        ]
        return {
            "type": "actions",
            # Who asked, so that anyone else who clicks is told only the asker can change it.
            "block_id": f"{_ASKER_PREFIX}{self.asker}",
            "elements": [
                {
                    "type": "static_select",
                    "action_id": RECEIPT_ACTION,
                    "placeholder": plain_text(self.t("receipt.menu")),
                    "option_groups": groups,
                }
            ],
        }


def receipt_for(
    memories: Sequence[Memory],
    *,
    where: ConversationKind,
    channel: str,
    asker: str,
    t: Translator,
    files_note: str = "",
    recalled: bool = True,
) -> Receipt:
    """The receipt of an answer posted in `channel` (a conversation of kind `where`) that used
    `memories`, most relevant first."""
    if where.is_personal:
        named, private = tuple(memories), ()
    else:
        named = tuple(m for m in memories if not m.private)
        private = tuple(m for m in memories if m.private)
    return Receipt(channel, asker, t, named, private, files_note, recalled)


def place_link(memory: Memory, channel: str) -> str | None:
    """The permalink of the latest place the memory was learned that a reader in `channel` can
    open: a public channel, or `channel` itself."""
    for source in reversed(memory.sources):
        if source.permalink and (
            source.kind is ConversationKind.PUBLIC_CHANNEL or source.channel == channel
        ):
            return source.permalink
    return None


def asker_of(block_id: object) -> str | None:
    """Who asked the answer whose receipt menu was clicked (from the menu's block_id)."""
    if isinstance(block_id, str) and block_id.startswith(_ASKER_PREFIX):
        return block_id.removeprefix(_ASKER_PREFIX) or None
    return None


def parse_choice(value: object) -> tuple[str, str] | None:
    """(FORGET or NOT_HERE, memory key) from a receipt option's value, or None."""
    if not isinstance(value, str):
        return None
    action, _, key = value.partition(":")
    return (action, key) if action in (FORGET, NOT_HERE) and key else None


def _option(text: str, action: str, key: str) -> Block:
    return {"text": plain_text(clip(text, MAX_LABEL_CHARS)), "value": f"{action}:{key}"}
