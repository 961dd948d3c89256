"""One person's tech digest, from their claim to one DM (the `digest` job).

The job takes its claim (bot/jobs/digest_schedule.py) or does nothing: a replayed job, a
forged one naming someone else, one for a person who opted out or was erased meanwhile, all
find no claim. Then: the person's top interests (private ones too: it is their DM), one
Responses request with web search (bot/conversation/digest.py), and one DM with the items, their
sources, "Less of this", "Stop digests" and feedback. Someone with learning off or nothing
remembered gets one note instead, once per opt-in. The digest's cost goes to the answer log
(no text) in the transaction that closes the claim.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.conversation.digest import Digest, DigestWriter, top_interests
from bot.db.answer_log import AnswerRecord
from bot.i18n.catalogue import Translator, translator
from bot.jobs import deadlines
from bot.jobs.digest_schedule import DigestSchedule, Subscription
from bot.jobs.types import Job
from bot.memory.installation import Installation
from bot.memory.service import MemoryService
from bot.slack import digest_views
from bot.slack.deadline_client import DeadlineWebClient
from bot.slack.profiles import UNKNOWN, Profiles

log = logging.getLogger(__name__)

# Time zone and language are asked of Slack again when the ones kept are older than this:
# users.info for every digest would not fit Slack's rate limit at thousands an hour.
PROFILE_REFRESH = timedelta(days=7)


class DigestDelivery:
    def __init__(
        self,
        *,
        slack: WebClient,
        schedule: DigestSchedule,
        memories: Callable[[], MemoryService],
        writer: Callable[[], DigestWriter],
        profiles: Profiles,
        installation: Callable[[], Installation],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._slack = slack
        self._schedule = schedule
        self._memories = memories
        self._writer = writer
        self._profiles = profiles
        self._installation = installation
        self._clock = clock

    def send(self, job: Job) -> None:
        token, period = job.get("claim"), job.get("period")
        if not isinstance(token, str) or not isinstance(period, str):
            log.warning("digest job without its claim dropped")
            return
        scope, user = self._installation().scope_id, job["user_id"]
        subscription = self._schedule.take(scope, user, token)
        if subscription is None:
            log.info("digest job found no claim to take", extra={"user_id": user})
            return
        try:
            status, answer = self._deliver(scope, user, token, subscription)
        except Exception:
            self._schedule.finish(scope, user, token, "failed", period=period)
            raise
        if not self._schedule.finish(scope, user, token, status, period=period, answer=answer):
            log.info("digest claim erased meanwhile; nothing recorded", extra={"user_id": user})
            return
        log.info("digest done", extra={"user_id": user, "status": status})

    def _deliver(
        self, scope: str, user: str, token: str, subscription: Subscription
    ) -> tuple[str, AnswerRecord | None]:
        subscription = self._fresh(scope, user, subscription)
        t = translator(subscription.locale)
        interests = []
        if subscription.learning_enabled:
            interests = top_interests(self._memories().list_all(scope, user))
        if not interests:
            reason = "nothing" if subscription.learning_enabled else "learning_off"
            if not self._schedule.note_once(scope, user, subscription.since, token):
                return "skipped", None
            text, blocks = digest_views.note(reason, t)
            self._post(scope, user, subscription, text, blocks)
            return "note", None
        digest = self._writer().write(
            interests,
            frequency=subscription.frequency,
            language=t("digest.write_in"),
            today=self._clock().date(),
            deadline=deadlines.current(),
        )
        if not self._schedule.held(scope, user, token):
            return "skipped", None  # erased while the model wrote
        channel, ts = self._post_digest(scope, user, subscription, digest, t)
        return "sent", _record(scope, user, channel, ts, digest)

    def _fresh(self, scope: str, user: str, subscription: Subscription) -> Subscription:
        """The kept time zone and language, asked of Slack again once they are old."""
        checked = subscription.profile_at
        if checked is not None and self._clock() - checked < PROFILE_REFRESH:
            return subscription
        profile = self._profiles.of(user)
        if profile is UNKNOWN:
            return subscription
        self._schedule.refresh_profile(scope, user, tz=profile.tz, locale=profile.locale)
        return replace(subscription, tz=profile.tz, locale=profile.locale)

    def _post_digest(
        self, scope: str, user: str, subscription: Subscription, digest: Digest, t: Translator
    ) -> tuple[str, str]:
        text, blocks = digest_views.message(digest, subscription.frequency, t)
        try:
            return self._post(scope, user, subscription, text, blocks)
        except SlackApiError as exc:
            if exc.response.get("error") != "invalid_blocks":
                raise
        # A surface without Slack's AI-app features refuses feedback_buttons.
        text, blocks = digest_views.message_with_fallback_feedback(
            digest, subscription.frequency, t
        )
        return self._post(scope, user, subscription, text, blocks)

    def _post(
        self, scope: str, user: str, subscription: Subscription, text: str, blocks: list
    ) -> tuple[str, str]:
        """One message in the person's DM with the bot: (channel, ts)."""
        slack = DeadlineWebClient(self._slack, deadlines.current())
        channel = subscription.channel or self._open(scope, user, slack)
        try:
            posted = _post_message(slack, channel, text, blocks)
        except SlackApiError as exc:
            if exc.response.get("error") != "channel_not_found":
                raise
            channel = self._open(scope, user, slack)  # the DM kept is gone: open it again
            posted = _post_message(slack, channel, text, blocks)
        return channel, posted["ts"]

    def _open(self, scope: str, user: str, slack: WebClient) -> str:
        channel = slack.conversations_open(users=user)["channel"]["id"]
        self._schedule.remember_channel(scope, user, channel)
        return channel


def _post_message(slack: WebClient, channel: str, text: str, blocks: list) -> Any:
    # Unfurls off: a page the search found is linked, not previewed three times over.
    return slack.chat_postMessage(
        channel=channel, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
    )


def _record(scope: str, user: str, channel: str, ts: str, digest: Digest) -> AnswerRecord:
    usage = digest.usage
    return AnswerRecord(
        team_id=scope,
        user_id=user,
        channel=channel,
        message_ts=ts,
        answer_ts=ts,
        model=digest.model,
        total_ms=digest.total_ms,
        outcome="cut_off" if digest.cut_off else "ok",
        input_tokens=usage.input_tokens if usage else None,
        output_tokens=usage.output_tokens if usage else None,
        cached_tokens=usage.cached_tokens if usage else None,
        memories_used=len(digest.interests),
        web_searches=digest.web_searches,
        kind="digest",
    )
