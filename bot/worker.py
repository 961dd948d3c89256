"""The work that runs after Slack has its ack: answers, memory extraction, list/forget/export.

A job is a JSON-able dict so it can cross into another Lambda invocation unchanged. Every job
ends with something the person can see, even when the database or the model fails; nothing
is raised to the caller (a raise in a Lambda async invocation would be retried and repeat work).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from functools import cached_property
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot import blocks, home
from bot.assistant import Assistant
from bot.ledger import Ledger
from bot.memory import Memory, MemoryService
from bot.notices import apologise
from bot.prompt import MAX_THREAD_MESSAGES, ThreadMessage, clip
from bot.slack_reply import MODEL_ERROR, Destination, deliver, post_text

log = logging.getLogger(__name__)

Job = dict[str, Any]

EMPTY_MESSAGE = (
    "Hi! Ask me anything about tech. I'll remember what you tell me you care about, and you "
    "can see or erase it any time with `/interests` and `/forget`."
)
FILES_ONLY = "I can only read text for now, not files. Tell me in words what you'd like to know."
THINKING_REACTION = "eyes"
# Pages of 200: a thread longer than 1,000 messages is read only up to there.
MAX_THREAD_PAGES = 5
SUGGESTED_PROMPTS = [
    {"title": "What do you remember about me?", "message": "What do you remember about me?"},
    {
        "title": "Recommend three topics for me",
        "message": "Please recommend three technology topics for me and summarise each briefly.",
    },
    {"title": "What's new in my stack?", "message": "What's new lately in the tech I care about?"},
]
_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")


class Worker:
    def __init__(
        self,
        *,
        slack: WebClient,
        assistant: Callable[[], Assistant],
        ledger: Ledger,
        database_ready: Callable[[], bool] = lambda: True,
        webhook: Callable[[str], WebhookClient] = WebhookClient,
    ) -> None:
        """`assistant` is built on first use and `database_ready` may wait for a resume, so the
        person sees the bot working before either of those slow steps (a cold Lambda worker)."""
        self._slack = slack
        self._make_assistant = assistant
        self._ledger = ledger
        self._database_ready = database_ready
        self._webhook = webhook

    @cached_property
    def _assistant(self) -> Assistant:
        return self._make_assistant()

    @property
    def _memories(self) -> MemoryService:
        return self._assistant.memories

    def run(self, job: Job) -> None:
        kind = job.get("kind")
        handler = getattr(self, f"_job_{kind}", None)
        started = time.perf_counter()
        if handler is None:
            log.error("unknown job kind", extra={"job_kind": kind})
            return
        try:
            # Replies claim their event themselves, so they can still answer without a database.
            if kind != "reply" and not self._first_time(job):
                log.info("duplicate job ignored", extra=_log_fields(job))
                return
            try:
                handler(job)
            finally:
                if kind != "reply":
                    self._finish(job)
        except Exception:  # noqa: BLE001 - the last line of defence: log, tell the person
            log.exception("job failed", extra=_log_fields(job))
            self._tell_failure(job)
        finally:
            log.info(
                "job done",
                extra={**_log_fields(job), "ms": round((time.perf_counter() - started) * 1000)},
            )

    # --- answers -------------------------------------------------------------------------

    def _job_reply(self, job: Job) -> None:
        team, user = job["team_id"], job["user_id"]
        dest = Destination(job["channel"], job.get("reply_thread_ts"), team, user)
        in_assistant_thread = self._show_working(job)
        try:
            database_up = True
            if not self._first_time(job):
                log.info("duplicate event ignored", extra=_log_fields(job))
                return
        except Exception:  # noqa: BLE001 - answering without memory beats not answering
            log.exception(
                "database unavailable; answering without memories", extra=_log_fields(job)
            )
            database_up = False
        try:
            self._answer(job, dest, database_up, in_assistant_thread)
        finally:
            if not in_assistant_thread:  # Slack clears a thread's status when the reply lands
                self._remove_reaction(job)
            if database_up:
                self._finish(job)

    def _first_time(self, job: Job) -> bool:
        """Claim the job's event; raises if the database can't be reached."""
        if not self._database_ready():
            raise ConnectionError("database not reachable")
        return self._ledger.claim(job["event_key"])

    def _finish(self, job: Job) -> None:
        """Mark the job's event done, so no retry takes it over as abandoned."""
        try:
            self._ledger.finish(job["event_key"])
        except Exception:  # noqa: BLE001 - worst case a late retry repeats a finished job
            log.warning("could not mark the job finished", extra=_log_fields(job))

    def _answer(
        self, job: Job, dest: Destination, database_up: bool, in_assistant_thread: bool
    ) -> None:
        team, user = job["team_id"], job["user_id"]
        text = _MENTION.sub("", job.get("text") or "").strip()
        if not text:
            post_text(self._slack, dest, FILES_ONLY if job.get("has_files") else EMPTY_MESSAGE)
            return
        memories = self._assistant.recall(team, user, text) if database_up else []
        thread = self._thread(job)
        if in_assistant_thread and not thread:
            self._title_thread(job, text)
        delivered = deliver(self._slack, dest, self._assistant.answer(text, memories, thread))
        if database_up and delivered.outcome != MODEL_ERROR:
            self._learn(team, user, text, job)

    def _learn(self, team: str, user: str, text: str, job: Job) -> None:
        try:
            if self._ledger.learning_enabled(team, user):
                self._assistant.learn(team, user, text)
                self._publish_home_quietly(team, user)
        except Exception:  # noqa: BLE001 - the answer is out; a missed memory is only logged
            log.exception("memory extraction failed", extra=_log_fields(job))

    def _thread(self, job: Job) -> list[ThreadMessage]:
        """The thread's first message and its latest ones, oldest first.

        conversations.replies pages forward from the parent, so the latest messages of a long
        thread are on its last page; the parent stays because it usually says what it's about.
        """
        thread_ts = job.get("thread_ts")
        if not thread_ts:
            return []
        messages: list[dict] = []
        cursor = None
        try:
            for _ in range(MAX_THREAD_PAGES):
                response = self._slack.conversations_replies(
                    channel=job["channel"], ts=thread_ts, limit=200, cursor=cursor
                )
                messages.extend(response.get("messages", []))
                cursor = (response.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
        except SlackApiError:
            log.warning("could not read the thread", extra=_log_fields(job))
        earlier = [m for m in messages if m.get("ts") != job.get("message_ts")]
        if len(earlier) > MAX_THREAD_MESSAGES:
            earlier = earlier[:1] + earlier[-(MAX_THREAD_MESSAGES - 1) :]
        bot_user = job.get("bot_user_id")
        return [
            ThreadMessage(
                from_bot=bool(m.get("bot_id"))
                or (bot_user is not None and m.get("user") == bot_user),
                text=_MENTION.sub("", m.get("text") or "").strip(),
            )
            for m in earlier
        ]

    def _show_working(self, job: Job) -> bool:
        """Let the person see at once that an answer is coming; True in an assistant thread."""
        if job.get("in_dm") and job.get("thread_ts"):
            try:
                self._slack.assistant_threads_setStatus(
                    channel_id=job["channel"], thread_ts=job["thread_ts"], status="is thinking…"
                )
                return True
            except SlackApiError:
                pass  # an ordinary DM thread: fall back to a reaction
        try:
            self._slack.reactions_add(
                channel=job["channel"], timestamp=job["message_ts"], name=THINKING_REACTION
            )
        except SlackApiError as exc:
            log.debug("could not show progress: %s", exc.response.get("error"))
        return False

    def _title_thread(self, job: Job, text: str) -> None:
        """Name a new assistant thread after its first question, as its history shows it."""
        try:
            self._slack.assistant_threads_setTitle(
                channel_id=job["channel"], thread_ts=job["thread_ts"], title=clip(text, 60)
            )
        except SlackApiError as exc:
            log.debug("could not title the thread: %s", exc.response.get("error"))

    def _remove_reaction(self, job: Job) -> None:
        try:
            self._slack.reactions_remove(
                channel=job["channel"], timestamp=job["message_ts"], name=THINKING_REACTION
            )
        except SlackApiError as exc:
            log.debug("could not clear progress: %s", exc.response.get("error"))

    # --- memory management ---------------------------------------------------------------

    def _job_interests(self, job: Job) -> None:
        memories = self._memories.list_all(job["team_id"], job["user_id"])
        text, body = blocks.interests(memories)
        self._respond(job, text=text, blocks=body)

    def _job_export(self, job: Job) -> None:
        team, user = job["team_id"], job["user_id"]
        memories = self._memories.list_all(team, user)
        if not memories:
            self._respond(job, text=blocks.interests([])[0])
            return
        channel = self._slack.conversations_open(users=user)["channel"]["id"]
        self._slack.files_upload_v2(
            channel=channel,
            filename="memories.json",
            title="What I remember about you",
            content=json.dumps(
                {"team_id": team, "user_id": user, "memories": [_export(m) for m in memories]},
                indent=2,
                ensure_ascii=False,
            ),
            initial_comment="Here is everything I remember about you.",
        )
        self._respond(job, text=f"I sent you a DM with {len(memories)} memories as a JSON file.")

    def _job_forget_all(self, job: Job) -> None:
        team, user = job["team_id"], job["user_id"]
        count = self._memories.forget_all(team, user)
        self._respond(job, text=blocks.forgot_all(count), replace_original=True)
        self._publish_home_quietly(team, user)

    def _job_forget_words(self, job: Job) -> None:
        team, user = job["team_id"], job["user_id"]
        forgotten = self._memories.forget_matching(team, user, job["words"])
        text, body = blocks.forgot_matching(job["words"], forgotten)
        self._respond(job, text=text, blocks=body)
        if forgotten:
            self._publish_home_quietly(team, user)

    def _job_forget_one(self, job: Job) -> None:
        team, user = job["team_id"], job["user_id"]
        # The key comes from the click, the namespace from who clicked: a forged key for
        # somebody else's memory simply isn't found in the clicker's own namespace.
        gone = self._memories.forget_one(team, user, job["key"])
        if job.get("response_url"):
            remaining = self._memories.list_all(team, user)
            text, body = blocks.interests(remaining)
            note = blocks.forgot_one(gone)
            self._respond(
                job,
                text=f"{note} {text}",
                blocks=[blocks.context(note), *body],
                replace_original=True,
            )
        self._publish_home_quietly(team, user)

    def _job_cancel_forget(self, job: Job) -> None:
        self._respond(job, text="Okay, I didn't forget anything.", replace_original=True)

    def _job_assistant_started(self, job: Job) -> None:
        self._slack.assistant_threads_setSuggestedPrompts(
            channel_id=job["channel"],
            thread_ts=job["thread_ts"],
            title="Ask me anything about tech. I remember what you care about.",
            prompts=SUGGESTED_PROMPTS,
        )

    def _job_home(self, job: Job) -> None:
        self._publish_home(job["team_id"], job["user_id"])

    def _job_set_learning(self, job: Job) -> None:
        self._ledger.set_learning(job["team_id"], job["user_id"], bool(job["enabled"]))
        self._publish_home(job["team_id"], job["user_id"])

    def _publish_home(self, team: str, user: str) -> None:
        self._slack.views_publish(
            user_id=user,
            view=home.view(
                self._memories.list_all(team, user), self._ledger.learning_enabled(team, user)
            ),
        )

    def _publish_home_quietly(self, team: str, user: str) -> None:
        try:
            self._publish_home(team, user)
        except Exception:  # noqa: BLE001 - the Home tab catches up when it is next opened
            log.warning("could not refresh the Home tab", exc_info=True)

    # --- talking back --------------------------------------------------------------------

    def _respond(self, job: Job, **payload: Any) -> None:
        url = job.get("response_url")
        if not url:
            return
        payload.setdefault("response_type", "ephemeral")
        response = self._webhook(url).send(**payload)
        if response.status_code != 200:
            log.warning("response_url answered %s", response.status_code, extra=_log_fields(job))

    def _tell_failure(self, job: Job) -> None:
        apologise(self._slack, job, self._webhook)


def _export(memory: Memory) -> dict[str, Any]:
    return {
        "key": memory.key,
        "topic": memory.topic,
        "category": memory.category,
        "interest_level": memory.interest_level,
        "description": memory.description,
        "updated_at": memory.updated_at.isoformat() if memory.updated_at else None,
    }


def _log_fields(job: Job) -> dict[str, Any]:
    """What may be logged about a job: identifiers only, never text or memory content."""
    return {
        "job_kind": job.get("kind"),
        "event_key": job.get("event_key"),
        "team_id": job.get("team_id"),
        "user_id": job.get("user_id"),
    }
