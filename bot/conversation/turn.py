"""What happens to a DM or a mention: show working → recall → read the thread → answer → learn.

Every step that can fail without spoiling the answer is allowed to: with the database down the
bot answers without memories; with Slack unable to say where the bot is installed, likewise.
Private memories (learned anywhere but a public channel) are only given to the model for answers
in the person's DMs and assistant threads, unless the person allowed them in channels.
A message handed over before the person's last erasure (a retry run after `/forget`) is still
answered, but neither recorded nor learned from.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.conversation.answer_stream import SEARCHING, AnswerStream
from bot.conversation.core import Conversation
from bot.conversation.prompt import MAX_THREAD_MESSAGES, ThreadMessage
from bot.db.answer_log import AnswerRecord
from bot.i18n.catalogue import ENGLISH, Translator
from bot.jobs import deadlines
from bot.jobs.deadlines import Deadline
from bot.jobs.freshness import issued_at
from bot.jobs.ledger import EventClaims
from bot.jobs.types import Job
from bot.logs import job_ids
from bot.memory.installation import Installation
from bot.memory.preferences import Preferences, PreferenceStore
from bot.memory.schema import ConversationKind, Memory, Source, may_use_private
from bot.memory.watermarks import Superseded, Watermarks
from bot.slack.attachments import Attachments
from bot.slack.delivery import MODEL_ERROR, Delivered, Destination, deliver, post_text
from bot.slack.profiles import Profile, Profiles
from bot.slack.receipts import receipt_for
from bot.text import clip

log = logging.getLogger(__name__)


# The English wording, by the name it had before the catalogue (tests compare against it).
EMPTY_MESSAGE = ENGLISH("answer.empty_message")
THINKING_REACTION = "eyes"
# Pages of 200: a thread longer than 1,000 messages is read only up to there.
MAX_THREAD_PAGES = 5


MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
# Message events name their conversation's kind; mentions don't, and are looked up.
_CHANNEL_TYPES = {
    "im": ConversationKind.DM,
    "mpim": ConversationKind.GROUP_DM,
    "group": ConversationKind.PRIVATE_CHANNEL,
    "channel": ConversationKind.PUBLIC_CHANNEL,
}


# A channel made private stops counting as public within this long: its kind decides whether
# what is learned there is private, so it can't be remembered for a warm container's life.
CHANNEL_KIND_TTL_S = 600.0


class ChannelKinds:
    """What kind of conversation a channel is, from conversations.info, remembered a while."""

    def __init__(
        self,
        slack: WebClient,
        *,
        ttl_s: float = CHANNEL_KIND_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._slack = slack
        self._ttl_s = ttl_s
        self._clock = clock
        self._known: dict[str, tuple[float, ConversationKind]] = {}
        self._lock = threading.Lock()

    def of(self, channel: str) -> ConversationKind:
        now = self._clock()
        with self._lock:
            cached = self._known.get(channel)
            if cached and now - cached[0] < self._ttl_s:
                return cached[1]
        try:
            info = self._slack.conversations_info(channel=channel)["channel"]
        except SlackApiError as exc:
            # Unknown counts as private: its memories stay out of other channels.
            log.warning("could not look up the channel: %s", exc.response.get("error"))
            return ConversationKind.PRIVATE_CHANNEL
        if info.get("is_im"):
            kind = ConversationKind.DM
        elif info.get("is_mpim"):
            kind = ConversationKind.GROUP_DM
        elif info.get("is_private") or info.get("is_group"):
            kind = ConversationKind.PRIVATE_CHANNEL
        else:
            kind = ConversationKind.PUBLIC_CHANNEL
        with self._lock:
            self._known[channel] = (now, kind)
        return kind


@dataclass(frozen=True)
class Recalled:
    """What the answer may use: where it is posted, whose memories, which of them."""

    where: ConversationKind
    scope: str | None  # None: no memories recalled or learned this time
    prefs: Preferences
    memories: list[Memory]


class Turn:
    def __init__(
        self,
        *,
        slack: WebClient,
        conversation: Callable[[], Conversation],
        claims: EventClaims,
        prefs: PreferenceStore,
        watermarks: Watermarks,
        installation: Callable[[], Installation],
        channel_kinds: ChannelKinds,
        on_learned: Callable[[str, str], None],
        on_answer: Callable[[AnswerRecord], None],
        read_files: Callable[[list[dict]], Attachments],
        profiles: Profiles,
    ) -> None:
        self._slack = slack
        self._conversation = conversation
        self._claims = claims
        self._prefs = prefs
        self._watermarks = watermarks
        self._installation = installation
        self._channel_kinds = channel_kinds
        self._on_learned = on_learned
        self._on_answer = on_answer
        self._read_files = read_files
        self._profiles = profiles

    def reply(self, job: Job) -> None:
        dest = Destination(
            job["channel"], job.get("reply_thread_ts"), job.get("team_id"), job["user_id"]
        )
        # The first request to leave shows the person the bot is working; nothing waits for it
        # but the steps that need to know whether this is an assistant thread.
        with ThreadPoolExecutor(max_workers=8, thread_name_prefix="turn") as steps:
            # Who is asking decides the language of everything the bot says besides the answer.
            profile = steps.submit(self._profiles.of, job["user_id"])
            shown = steps.submit(self._show_working, job, profile)
            try:
                self._reply(job, dest, steps, shown, profile)
            finally:
                if not shown.result():  # Slack clears a thread's status when the reply lands
                    self._remove_reaction(job)

    # --- the steps -----------------------------------------------------------------------

    def _reply(
        self,
        job: Job,
        dest: Destination,
        steps: ThreadPoolExecutor,
        shown: Future[bool],
        profile: Future[Profile],
    ) -> None:
        deadline = deadlines.current()
        started = time.monotonic()
        text = MENTION.sub("", job.get("text") or "").strip()
        # Everything the model request waits for runs at once, so the person waits for the
        # slowest step rather than their sum: the dedupe claim (database), what to remember
        # (installation, settings, conversation kind, one embedding + lookup), the thread and
        # any attached files (Slack).
        claim = steps.submit(self._claims.first_time, job)
        query = steps.submit(self._embed_query, text) if text else None
        context = steps.submit(self._context, job, text, shown, query)
        thread = steps.submit(self._thread, job)
        named = steps.submit(self._named_channel, job)
        files = steps.submit(self._read_files, job["files"]) if job.get("files") else None
        try:
            database_up = True
            if not claim.result():
                log.info("duplicate event ignored", extra=job_ids(job))
                return
        except Exception:  # noqa: BLE001 - answering without memory beats not answering
            log.exception("database unavailable; answering without memories", extra=job_ids(job))
            database_up = False
        recalled = context.result()
        earlier = named.result() + thread.result()
        attachments = files.result() if files else None
        t = profile.result().t
        try:
            self._answer(job, dest, text, recalled, earlier, attachments, started, deadline, t)
        finally:
            if database_up:
                self._claims.finish(job)

    def _embed_query(self, text: str) -> None:
        """Embed the message ahead of the lookup that needs it (the embedder keeps it)."""
        try:
            self._conversation().memories.prepare_query(text)
        except Exception:  # noqa: BLE001 - the lookup will try (and report) again
            log.debug("could not embed the message ahead", exc_info=True)

    def _context(self, job: Job, text: str, shown: Future[bool], query: Future | None) -> Recalled:
        # Only a DM thread can be an assistant thread, which the status call found out.
        in_assistant_thread = bool(job.get("in_dm") and job.get("thread_ts")) and shown.result()
        where = (
            ConversationKind.ASSISTANT
            if in_assistant_thread
            else _CHANNEL_TYPES.get(job.get("channel_type") or "")
            or self._channel_kinds.of(job["channel"])
        )
        if not text:
            return Recalled(where, None, Preferences(learning_enabled=False), [])
        scope = self._scope(job)
        if scope is None:
            return Recalled(where, None, Preferences(learning_enabled=False), [])
        prefs = self._preferences(scope, job["user_id"], job)
        if query is not None:
            query.result()
        memories = self._conversation().recall(
            scope,
            job["user_id"],
            text,
            include_private=may_use_private(where, prefs.private_in_channels),
            channel=job["channel"],
        )
        return Recalled(where, scope, prefs, memories)

    def _answer(
        self,
        job: Job,
        dest: Destination,
        text: str,
        recalled: Recalled,
        thread: list[ThreadMessage],
        files: Attachments | None,
        started: float,
        deadline: Deadline,
        t: Translator,
    ) -> None:
        note = files.note(t) if files else ""
        if not text and not (files and files.parts):
            post_text(self._slack, dest, note or t("answer.empty_message"))
            return
        if recalled.where is ConversationKind.ASSISTANT and not thread:
            self._title_thread(job, text or t("answer.files_title"))
        answer = self._conversation().answer(
            # Only files: asked in the person's language, so the model answers in it too.
            text or t("answer.files_prompt"),
            recalled.memories,
            thread,
            attachments=files.parts if files else (),
            deadline=deadline,
        )
        will_learn = bool(text and recalled.scope and recalled.prefs.learning_enabled)
        assistant = recalled.where is ConversationKind.ASSISTANT
        status = self._status_setter(job, t) if assistant else None
        receipt = receipt_for(
            recalled.memories,
            where=recalled.where,
            channel=job["channel"],
            asker=job["user_id"],
            t=t,
            files_note=note,
            recalled=recalled.scope is not None,
        )
        delivered = deliver(
            self._slack,
            dest,
            answer,
            deadline=deadline,
            on_status=status,
            # Learning's libraries take a cold worker over a second to load: they load while
            # the person reads, never before the model was asked.
            on_shown=self._conversation().learner.prepare_in_background if will_learn else None,
            t=t,
            receipt=receipt,
        )
        scope, user = recalled.scope, job["user_id"]
        if scope is None or self._erased_since(scope, job):
            return
        self._record(scope, job, answer, delivered, len(recalled.memories), started)
        if will_learn and delivered.outcome != MODEL_ERROR:
            if deadline.allow(deadlines.LEARN_S) >= deadlines.LEARN_MIN_S:
                self._learn(scope, user, text, job, recalled.where, recalled.memories)
            else:
                log.warning("no time left to learn from the message", extra=job_ids(job))

    def _status_setter(self, job: Job, t: Translator) -> Callable[[str], None]:
        def set_status(status: str) -> None:
            _best_effort(
                "set the status",
                self._slack.assistant_threads_setStatus,
                channel_id=job["channel"],
                thread_ts=job["thread_ts"],
                status=t("assistant.status_searching") if status == SEARCHING else status,
            )

        return set_status

    def _record(
        self,
        scope: str,
        job: Job,
        answer: AnswerStream,
        delivered: Delivered,
        memories_used: int,
        started: float,
    ) -> None:
        usage = answer.usage
        ttft = answer.first_token_s
        self._on_answer(
            AnswerRecord(
                team_id=scope,
                user_id=job["user_id"],
                channel=job["channel"],
                message_ts=job["message_ts"],
                answer_ts=delivered.ts,
                model=answer.model or "unknown",
                first_token_ms=round(ttft * 1000) if ttft is not None else None,
                total_ms=round((time.monotonic() - started) * 1000),
                input_tokens=usage.input_tokens if usage else None,
                output_tokens=usage.output_tokens if usage else None,
                cached_tokens=usage.cached_tokens if usage else None,
                memories_used=memories_used,
                web_searches=answer.web_searches,
                outcome=delivered.outcome,
            )
        )

    def _scope(self, job: Job) -> str | None:
        try:
            return self._installation().scope_id
        except Exception:  # noqa: BLE001 - without it nothing is recalled or learned; still answer
            log.exception("could not resolve the installation", extra=job_ids(job))
            return None

    def _erased_since(self, scope: str, job: Job) -> bool:
        try:
            erased = self._watermarks.erased_since(scope, job["user_id"], issued_at(job))
        except Exception as exc:  # noqa: BLE001 - unknown counts as erased: nothing kept
            log.warning(
                "could not read the erasure watermark",
                extra={**job_ids(job), "error": type(exc).__name__},
            )
            return True
        if erased:
            log.info("message predates the person's erasure; nothing kept", extra=job_ids(job))
        return erased

    def _preferences(self, scope: str, user: str, job: Job) -> Preferences:
        try:
            return self._prefs.get(scope, user)
        except Exception:  # noqa: BLE001 - the most private choice when unknown
            log.exception("could not read settings", extra=job_ids(job))
            return Preferences(learning_enabled=False)

    def _learn(
        self,
        scope: str,
        user: str,
        text: str,
        job: Job,
        where: ConversationKind,
        recalled: list[Memory],
    ) -> None:
        try:
            source = Source(
                where, job["channel"], job["message_ts"], self._permalink(job["channel"], job)
            )
            learned = self._conversation().learn(
                scope, user, text, source, recalled, issued_at=issued_at(job)
            )
            if learned.saved or learned.evicted:
                self._on_learned(scope, user)
        except Superseded:
            log.info("the person was erased meanwhile; nothing learned", extra=job_ids(job))
        except Exception:  # noqa: BLE001 - the answer is out; a missed memory is only logged
            log.exception("memory extraction failed", extra=job_ids(job))

    def _permalink(self, channel: str, job: Job) -> str | None:
        try:
            return self._slack.chat_getPermalink(channel=channel, message_ts=job["message_ts"])[
                "permalink"
            ]
        except SlackApiError:
            return None

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
            log.warning("could not read the thread", extra=job_ids(job))
        earlier = [m for m in messages if m.get("ts") != job.get("message_ts")]
        if len(earlier) > MAX_THREAD_MESSAGES:
            earlier = earlier[:1] + earlier[-(MAX_THREAD_MESSAGES - 1) :]
        return [_thread_message(m, job["user_id"], job.get("bot_user_id")) for m in earlier]

    def _named_channel(self, job: Job) -> list[ThreadMessage]:
        """A DM that names a public channel the asker is in ("Catch me up on #infra", as the
        suggested prompts put it): that channel's latest messages, each by its author, as
        context. Nothing for a channel that isn't public or that the asker isn't in, so no one
        learns through the bot what they couldn't read themselves."""
        found = _CHANNEL_REF.search(job.get("text") or "") if job.get("in_dm") else None
        if found is None:
            return []
        channel, asker = found.group(1), job["user_id"]
        try:
            if self._channel_kinds.of(channel) is not ConversationKind.PUBLIC_CHANNEL:
                return []
            members = self._slack.conversations_members(channel=channel, limit=1000)
            if asker not in (members.get("members") or []):
                return []
            history = self._slack.conversations_history(
                channel=channel, limit=NAMED_CHANNEL_MESSAGES
            )
        except SlackApiError as exc:
            log.info("could not read the named channel: %s", exc.response.get("error"))
            return []
        latest_first = history.get("messages") or []
        return [_thread_message(m, asker, job.get("bot_user_id")) for m in latest_first[::-1]]

    def _show_working(self, job: Job, profile: Future[Profile]) -> bool:
        """Let the person see at once that an answer is coming; True in an assistant thread."""
        if job.get("in_dm") and job.get("thread_ts"):
            try:
                self._slack.assistant_threads_setStatus(
                    channel_id=job["channel"],
                    thread_ts=job["thread_ts"],
                    status=profile.result().t("assistant.status_thinking"),
                )
                return True
            except SlackApiError:
                pass  # an ordinary DM thread: fall back to a reaction
        _best_effort(
            "show progress",
            self._slack.reactions_add,
            channel=job["channel"],
            timestamp=job["message_ts"],
            name=THINKING_REACTION,
        )
        return False

    def _title_thread(self, job: Job, text: str) -> None:
        """Name a new assistant thread after its first question, as its history shows it."""
        _best_effort(
            "title the thread",
            self._slack.assistant_threads_setTitle,
            channel_id=job["channel"],
            thread_ts=job["thread_ts"],
            title=clip(text, 60),
        )

    def _remove_reaction(self, job: Job) -> None:
        _best_effort(
            "clear progress",
            self._slack.reactions_remove,
            channel=job["channel"],
            timestamp=job["message_ts"],
            name=THINKING_REACTION,
        )


# <#C0123ABCD> or <#C0123ABCD|name>: a channel named in a message.
_CHANNEL_REF = re.compile(r"<#(C[A-Z0-9]+)(?:\|[^>]*)?>")
NAMED_CHANNEL_MESSAGES = 30


def _thread_message(message: dict, asker: str, bot_user: str | None) -> ThreadMessage:
    """One earlier message, told apart by who wrote it: the bot itself, the person asking, or
    anyone else (another person, another app), whose words must never pass for the asker's."""
    text = MENTION.sub("", message.get("text") or "").strip()
    author = message.get("user")
    # Without the bot's own user ID (an event lacking authorizations) any app's message counts
    # as the bot's, as the model would otherwise see its own answers as someone else's.
    if (author == bot_user) if bot_user else bool(message.get("bot_id")):
        return ThreadMessage(from_bot=True, text=text)
    if author == asker:
        return ThreadMessage(from_bot=False, text=text)
    return ThreadMessage(
        from_bot=False, text=text, by_other=str(author or message.get("bot_id") or "unknown")
    )


def _best_effort(what: str, call: Callable[..., Any], **arguments: Any) -> None:
    """A Slack call whose failure the person can do without (a status, a reaction, a title)."""
    try:
        call(**arguments)
    except SlackApiError as exc:
        log.debug("could not %s: %s", what, exc.response.get("error"))
