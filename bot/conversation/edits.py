"""Memory that follows Slack: a person edits or deletes a message the bot learned from.

An edit re-learns from the new text: LangMem extracts what it says, then in one transaction
the old text's lessons are taken back (bot/memory/revisions.py) and the new ones written, with
the edited message as their source. So topics only the old text taught are gone, topics the new
text still says keep their memory (updated), and new ones are learned. No answer is posted: the
person already has one. A deletion takes back what only that message taught; memories other
messages taught too stay, without it among their sources.

Only the author's own memories change, addressed by who wrote the message (the listener reads
it from the event), never by anyone else. With learning switched off, an edit still takes
back, and learns nothing new.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.conversation.core import Conversation
from bot.conversation.turn import MENTION, ChannelKinds
from bot.jobs.limits import MAX_MESSAGE_CHARS
from bot.jobs.types import Job
from bot.logs import job_ids
from bot.memory import revisions
from bot.memory.installation import Installation
from bot.memory.learning import Change
from bot.memory.preferences import PreferenceStore
from bot.memory.revisions import TakenBack
from bot.memory.schema import (
    ConversationKind,
    Memory,
    Source,
    may_use_private,
    normalise_topic,
    person_lock,
)

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg_pool import ConnectionPool

log = logging.getLogger(__name__)


class MessageEdits:
    def __init__(
        self,
        *,
        slack: WebClient,
        pool: ConnectionPool,
        conversation: Callable[[], Conversation],
        prefs: PreferenceStore,
        installation: Callable[[], Installation],
        channel_kinds: ChannelKinds,
        on_changed: Callable[[str, str], None],
    ) -> None:
        self._slack = slack
        self._pool = pool
        self._conversation = conversation
        self._prefs = prefs
        self._installation = installation
        self._channel_kinds = channel_kinds
        self._on_changed = on_changed

    def edited(self, job: Job) -> None:
        scope, user = self._installation().scope_id, job["user_id"]
        channel, ts = job["channel"], job["message_ts"]
        conversation = self._conversation()
        text = MENTION.sub("", job.get("text") or "").strip()[:MAX_MESSAGE_CHARS]
        with self._pool.connection() as conn:
            taught = revisions.taught_by(conn, scope, user, channel, ts)
        where, permalink = self._where(job, taught)
        changes = self._extract(scope, user, text, where, taught, job)
        keep = {normalise_topic(content.topic) for _, content in changes}
        taken: list[TakenBack] = []

        def take_back_first(conn: Connection) -> None:
            taken.append(revisions.take_back(conn, scope, user, channel, ts, keep_topics=keep))

        learned = conversation.learner.write(
            scope, user, changes, Source(where, channel, ts, permalink), first=take_back_first
        )
        log.info(
            "followed an edit",
            extra={
                **job_ids(job),
                "forgotten": len(taken[0].forgotten),
                "kept": len(taken[0].kept),
                "learned": len(learned.saved),
            },
        )
        if taken[0].forgotten or taken[0].kept or learned.saved or learned.evicted:
            self._on_changed(scope, user)

    def deleted(self, job: Job) -> None:
        scope, user = self._installation().scope_id, job["user_id"]
        with self._pool.connection() as conn, conn.transaction():
            person_lock(conn, scope, user)
            taken = revisions.take_back(conn, scope, user, job["channel"], job["message_ts"])
        log.info(
            "followed a deletion",
            extra={**job_ids(job), "forgotten": len(taken.forgotten), "kept": len(taken.kept)},
        )
        if taken.forgotten or taken.kept:
            self._on_changed(scope, user)

    def _extract(
        self,
        scope: str,
        user: str,
        text: str,
        where: ConversationKind,
        taught: list[Memory],
        job: Job,
    ) -> list[Change]:
        """What the new text teaches. The memories the old text taught are left out of the
        existing ones LangMem is shown: it then says afresh whether the new text teaches them
        (LangMem returns existing memories it left alone, indistinguishable from re-taught)."""
        if not text:
            return []
        try:
            prefs = self._prefs.get(scope, user)
            if not prefs.learning_enabled:
                return []
            conversation = self._conversation()
            old = {m.key for m in taught}
            existing = [
                m
                for m in conversation.recall(
                    scope,
                    user,
                    text,
                    include_private=may_use_private(where, prefs.private_in_channels),
                )
                if m.key not in old
            ]
            return conversation.learner.extract(text, existing)
        except Exception:  # noqa: BLE001 - the old words are still taken back
            log.exception("could not learn from the edited message", extra=job_ids(job))
            return []

    def _where(self, job: Job, taught: list[Memory]) -> tuple[ConversationKind, str | None]:
        """Where the message was said, and its link, as recorded when it was learned from."""
        for memory in taught:
            for source in memory.sources:
                if (source.channel, source.ts) == (job["channel"], job["message_ts"]):
                    return source.kind, source.permalink
        if job.get("channel_type") == "im":
            kind = ConversationKind.DM
        else:
            kind = self._channel_kinds.of(job["channel"])
        return kind, self._permalink(job)

    def _permalink(self, job: Job) -> str | None:
        try:
            return self._slack.chat_getPermalink(
                channel=job["channel"], message_ts=job["message_ts"]
            )["permalink"]
        except SlackApiError:
            return None
