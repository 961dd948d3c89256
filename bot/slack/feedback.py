"""Thumbs up/down on an answer, stored against the answer in the answer log."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.db import answer_log
from bot.jobs.types import Job
from bot.memory.installation import Installation
from bot.slack import answer_blocks
from bot.slack.profiles import Profiles

log = logging.getLogger(__name__)


class AnswerFeedback:
    def __init__(
        self,
        *,
        slack: WebClient,
        pool: Any,
        installation: Callable[[], Installation],
        profiles: Profiles,
    ) -> None:
        self._slack = slack
        self._pool = pool
        self._installation = installation
        self._profiles = profiles

    def record(self, job: Job) -> None:
        """Stored only if the answer was for the person who clicked, who is then thanked."""
        value = job.get("value")
        if value not in (answer_blocks.GOOD, answer_blocks.BAD):
            return
        scope, user = self._installation().scope_id, job["user_id"]
        stored = answer_log.set_feedback(
            self._pool, scope, user, job.get("channel"), job.get("answer_ts"), value
        )
        if not stored:
            log.info("feedback for someone else's answer ignored", extra={"user_id": user})
            return
        text, body = answer_blocks.thanks(value, self._profiles.of(user).t)
        self._slack.chat_postEphemeral(
            channel=job["channel"],
            user=user,
            text=text,
            blocks=body,
            thread_ts=job.get("thread_ts"),
        )
