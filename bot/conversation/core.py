"""The conversation itself, independent of Slack: recall, answer, learn.

Slack's turn and the terminal `bot chat` both talk through this, so what a person sees in the
terminal is exactly what the bot does in Slack.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.conversation.answer_stream import AnswerStream
from bot.conversation.llm import Responder
from bot.conversation.prompt import ThreadMessage, build_input, build_instructions
from bot.jobs.deadlines import Deadline
from bot.memory.learning import Learned, Learner
from bot.memory.schema import Memory, Source
from bot.memory.service import MemoryService

log = logging.getLogger(__name__)


class Conversation:
    def __init__(
        self,
        memories: MemoryService,
        learner: Learner,
        responder: Responder,
        memory_limit: int,
    ) -> None:
        self.memories = memories
        self.learner = learner
        self._responder = responder
        self._memory_limit = memory_limit

    def recall(
        self,
        scope_id: str,
        user_id: str,
        text: str,
        *,
        include_private: bool,
        channel: str | None = None,
    ) -> list[Memory]:
        """The most relevant memories the answer may use (none the person set aside for
        `channel`), or none if the store can't be reached."""
        try:
            return self.memories.relevant(
                scope_id,
                user_id,
                text,
                self._memory_limit,
                include_private=include_private,
                channel=channel,
            )
        except Exception:  # noqa: BLE001 - an answer without memories beats no answer
            log.exception("memory lookup failed; answering without memories")
            return []

    def answer(
        self,
        text: str,
        memories: Sequence[Memory],
        thread: Sequence[ThreadMessage] = (),
        *,
        attachments: Sequence[dict] = (),
        deadline: Deadline | None = None,
    ) -> AnswerStream:
        """The model's answer, streamed when iterated; raises llm.ModelError if it fails."""
        items = build_input(thread, text)
        if attachments:
            # Images and PDFs travel with the person's own message, as content parts.
            items[-1] = {
                "role": "user",
                "content": [{"type": "input_text", "text": items[-1]["content"]}, *attachments],
            }
        return self._responder.stream(build_instructions(memories), items, deadline=deadline)

    def learn(
        self,
        scope_id: str,
        user_id: str,
        text: str,
        source: Source,
        existing: Sequence[Memory] = (),
        *,
        issued_at: float | None = None,
    ) -> Learned:
        return self.learner.learn(scope_id, user_id, text, source, existing, issued_at=issued_at)
