"""Clicks on an answer's receipt: "Forget this" and "Don't use this here" for one memory.

Addressed by who clicked, never by what the option carries: the memory is looked up in the
clicker's own namespace, so a forged option naming someone else's memory, or anyone but the
asker choosing from the asker's receipt, finds nothing and changes nothing. That person is
told so privately, in their own language.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.jobs.types import Job
from bot.memory.installation import Installation
from bot.memory.service import MemoryService
from bot.slack import receipts
from bot.slack.answer_blocks import FORGET
from bot.slack.home_publisher import HomePublisher
from bot.slack.mrkdwn import escape
from bot.slack.profiles import Profiles

log = logging.getLogger(__name__)


class ReceiptClicks:
    def __init__(
        self,
        *,
        slack: WebClient,
        memories: Callable[[], MemoryService],
        installation: Callable[[], Installation],
        profiles: Profiles,
        webhook: Callable[[str], WebhookClient],
        home: HomePublisher,
    ) -> None:
        self._slack = slack
        self._memories = memories
        self._installation = installation
        self._profiles = profiles
        self._webhook = webhook
        self._home = home

    def choose(self, job: Job) -> None:
        choice = receipts.parse_choice(job.get("choice"))
        if choice is None:
            return
        action, key = choice
        scope, user = self._installation().scope_id, job["user_id"]
        channel = job.get("channel")
        if action == FORGET:
            memory = self._memories().forget_one(scope, user, key)
        else:
            memory = self._memories().exclude(scope, user, key, channel) if channel else None
        t = self._profiles.of(user).t
        if memory is None:
            asked = receipts.asker_of(job.get("block_id")) == user
            log.info("receipt choice found nothing", extra={"user_id": user, "asker": asked})
            self._tell(job, t("receipt.gone") if asked else t("receipt.not_yours"))
            return
        log.info("receipt choice", extra={"user_id": user, "choice": action})
        if action == FORGET:
            self._tell(job, t("receipt.forgotten", topic=escape(memory.topic)))
            self._home.publish_quietly(scope, user)
        else:
            self._tell(job, t("receipt.set_aside", topic=escape(memory.topic)))

    def _tell(self, job: Job, text: str) -> None:
        """Only the clicker sees it: through the click's response_url, else an ephemeral."""
        url = job.get("response_url")
        if url:
            self._webhook(url).send(text=text, response_type="ephemeral", replace_original=False)
            return
        self._slack.chat_postEphemeral(
            channel=job["channel"], user=job["user_id"], text=text, thread_ts=job.get("thread_ts")
        )
