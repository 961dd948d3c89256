"""Catch me up: a private summary of a thread (or of the messages around a channel message) for
whoever clicked the message shortcut, with what matters to them first.

It goes back through the shortcut's response_url as an ephemeral message in that conversation,
so only memories learned in public channels shape it (others never see it, but it sits in a
channel, and a private memory is only ever used in the person's DMs). Nothing is posted
publicly and nothing is learned: the words summarised are other people's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.conversation import catch_up_prompt as prompt
from bot.conversation.answer_stream import ModelError
from bot.conversation.catch_up_prompt import Said
from bot.conversation.llm import Responder
from bot.i18n.catalogue import Translator
from bot.jobs import deadlines
from bot.jobs.types import Job
from bot.logs import job_ids
from bot.memory.installation import Installation
from bot.memory.service import MemoryService
from bot.slack import catch_up_views
from bot.slack.profiles import Profiles

log = logging.getLogger(__name__)

# Pages of 200: a thread longer than 1,000 messages is read up to there (its first page keeps
# the parent; the budget then keeps the latest of what was read).
MAX_THREAD_PAGES = 5
# A channel message outside a thread: the messages leading up to it (it included), and those
# after it when they fit one page of the same size (conversations.history pages from the newest).
SURROUNDING = 15
MAX_LINKED_MESSAGES = 8
MEMORY_LIMIT = 10
# What Slack answers when the bot can't read a conversation, each with its own explanation.
_UNREADABLE = {"not_in_channel", "channel_not_found", "missing_scope"}


class CatchUp:
    def __init__(
        self,
        *,
        slack: WebClient,
        memories: Callable[[], MemoryService],
        responder: Callable[[], Responder],
        installation: Callable[[], Installation],
        webhook: Callable[[str], WebhookClient],
        profiles: Profiles,
    ) -> None:
        self._slack = slack
        self._memories = memories
        self._responder = responder
        self._installation = installation
        self._webhook = webhook
        self._profiles = profiles

    def run(self, job: Job) -> None:
        t = self._profiles.of(job["user_id"]).t
        surroundings = not job.get("thread_ts")
        try:
            thread = self._read(job)
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error not in _UNREADABLE:
                raise
            log.info("cannot read the conversation: %s", error, extra=job_ids(job))
            self._respond(job, text=self._unreadable(job, error, t))
            return
        kept = prompt.keep_within_budget(thread)
        if not kept.messages:
            self._respond(job, text=t("catchup.empty"))
            return
        answer = self._responder().stream(
            prompt.instructions(job["user_id"], self._recall(job, kept), t.language),
            prompt.input_items(kept),
            deadline=deadlines.current(),
        )
        try:
            for _ in answer:
                pass
        except ModelError:
            log.warning("the model could not summarise", extra=job_ids(job))
            self._respond(job, text=t("catchup.failed"))
            return
        if not answer.text.strip():
            self._respond(job, text=t("catchup.failed"))
            return
        shown = {m.number: m for m in kept.messages}
        cited = [n for n in prompt.cited_numbers(answer.text) if n in shown]
        links = self._permalinks(job["channel"], [shown[n] for n in cited[:MAX_LINKED_MESSAGES]])
        text, blocks = catch_up_views.summary(
            answer.text,
            links,
            total=kept.total,
            kept=len(kept.messages),
            surroundings=surroundings,
            t=t,
        )
        self._respond(job, text=text, blocks=blocks)
        log.info(
            "caught up",
            extra={**job_ids(job), "messages": kept.total, "kept": len(kept.messages)},
        )

    # --- reading -------------------------------------------------------------------------

    def _read(self, job: Job) -> list[Said]:
        channel, thread_ts = job["channel"], job.get("thread_ts")
        if thread_ts:
            messages = self._thread(channel, thread_ts)
        else:
            messages = self._around(channel, job["message_ts"])
        bot_user = job.get("bot_user_id")
        return [
            Said(
                number=number,
                author=m.get("user"),
                ts=str(m.get("ts")),
                text=m.get("text") or "",
                from_bot=bool(m.get("bot_id")) or bool(bot_user and m.get("user") == bot_user),
            )
            for number, m in enumerate(messages, start=1)
        ]

    def _thread(self, channel: str, thread_ts: str) -> list[dict]:
        messages: list[dict] = []
        cursor = None
        for _ in range(MAX_THREAD_PAGES):
            response = self._slack.conversations_replies(
                channel=channel, ts=thread_ts, limit=200, cursor=cursor
            )
            messages.extend(response.get("messages") or [])
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return messages

    def _around(self, channel: str, ts: str) -> list[dict]:
        before = self._slack.conversations_history(
            channel=channel, latest=ts, inclusive=True, limit=SURROUNDING
        )
        after = self._slack.conversations_history(channel=channel, oldest=ts, limit=SURROUNDING)
        # More than a page after it: that page is the channel's newest, not what followed.
        later = [] if after.get("has_more") else after.get("messages") or []
        by_ts = {m["ts"]: m for m in [*(before.get("messages") or []), *later] if m.get("ts")}
        return [by_ts[k] for k in sorted(by_ts, key=float)]

    def _recall(self, job: Job, kept: prompt.Kept) -> list[Any]:
        """The person's public memories nearest the conversation; none if that fails."""
        try:
            scope = self._installation().scope_id
            return self._memories().relevant(
                scope,
                job["user_id"],
                prompt.memory_query(kept),
                MEMORY_LIMIT,
                include_private=False,
            )
        except Exception:  # noqa: BLE001 - a summary without memories beats none
            log.exception("memory lookup failed; summarising without memories")
            return []

    def _permalinks(self, channel: str, messages: list[Said]) -> dict[int, str]:
        def link(message: Said) -> tuple[int, str | None]:
            try:
                response = self._slack.chat_getPermalink(channel=channel, message_ts=message.ts)
                return message.number, response.get("permalink")
            except SlackApiError:
                return message.number, None

        if not messages:
            return {}
        with ThreadPoolExecutor(max_workers=4, thread_name_prefix="permalink") as pool:
            found = list(pool.map(link, messages))
        return {number: url for number, url in found if url}

    # --- answering -----------------------------------------------------------------------

    def _unreadable(self, job: Job, error: str, t: Translator) -> str:
        bot = job.get("bot_user_id")
        if not bot:
            try:
                bot = self._installation().bot_user_id
            except Exception:  # noqa: BLE001 - the explanation still helps without the name
                bot = None
        return t(f"catchup.{error}", channel=job["channel"], bot=bot or "")

    def _respond(self, job: Job, **payload: Any) -> None:
        url = job.get("response_url")
        if url:
            response = self._webhook(url).send(response_type="ephemeral", **payload)
            if response.status_code != 200:
                log.warning("response_url answered %s", response.status_code)
            return
        # No response_url (not from a shortcut): only they see it, in the same conversation.
        self._slack.chat_postEphemeral(
            channel=job["channel"], user=job["user_id"], thread_ts=job.get("thread_ts"), **payload
        )
