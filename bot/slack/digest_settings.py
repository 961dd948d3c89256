"""The person's say over their digest: `/interests digest daily|weekly|off`, the Home tab's
choice, "Stop digests", and "Less of this" on an item.

Addressed by whoever typed or clicked, never by what a button carries: "Less of this" with
someone else's memory key finds nothing in the clicker's own memories.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.conversation.digest import UNRATED_INTEREST, top_interests
from bot.jobs.digest_schedule import DigestSchedule
from bot.jobs.types import Job
from bot.memory.installation import Installation
from bot.memory.preferences import PreferenceStore
from bot.memory.service import MemoryService
from bot.slack import digest_views
from bot.slack.home_publisher import HomePublisher
from bot.slack.mrkdwn import escape
from bot.slack.profiles import Profiles

log = logging.getLogger(__name__)

# How much one "Less of this" lowers an interest (0-100): five clicks take any interest out.
LESS_STEP = 20


class DigestSettings:
    def __init__(
        self,
        *,
        slack: WebClient,
        prefs: PreferenceStore,
        schedule: DigestSchedule,
        memories: Callable[[], MemoryService],
        profiles: Profiles,
        installation: Callable[[], Installation],
        webhook: Callable[[str], WebhookClient],
        home: HomePublisher,
        available: bool,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._slack = slack
        self._prefs = prefs
        self._schedule = schedule
        self._memories = memories
        self._profiles = profiles
        self._installation = installation
        self._webhook = webhook
        self._home = home
        self._available = available
        self._clock = clock

    def choose(self, job: Job) -> None:
        """Opt in, switch, or opt out; the answer says what they will get and when."""
        scope, user = self._installation().scope_id, job["user_id"]
        profile = self._profiles.of(user)
        t = profile.t
        frequency = job.get("frequency")
        if frequency not in digest_views.FREQUENCIES:
            self._respond(job, t("digest.usage"))
            return
        if frequency != "off" and not self._available:
            if job.get("from_home"):
                self._slack.chat_postMessage(channel=user, text=t("digest.unavailable"))
                self._home.publish_quietly(scope, user)  # the choice springs back to off
            self._respond(job, t("digest.unavailable"))
            return
        # The DM is opened now, once, rather than by each digest (conversations.open is Tier 3).
        channel = None
        if frequency != "off":
            channel = self._slack.conversations_open(users=user)["channel"]["id"]
        prefs = self._prefs.set_digest(
            scope, user, frequency, tz=profile.tz, locale=profile.locale, channel=channel
        )
        log.info("digest chosen", extra={"user_id": user, "frequency": frequency})
        self._home.publish_quietly(scope, user)
        if job.get("from_home"):
            return  # the Home tab now shows the choice and what it means
        topics = [m.topic for m in top_interests(self._memories().list_all(scope, user))]
        text = digest_views.chosen(
            frequency,
            t,
            tz=profile.tz,
            topics=topics,
            first_soon=not self._schedule.is_claimed(scope, user, self._clock()),
            learning_enabled=prefs.learning_enabled,
        )
        self._respond(job, text)

    def less_of_this(self, job: Job) -> None:
        scope, user = self._installation().scope_id, job["user_id"]
        t = self._profiles.of(user).t
        key = job.get("key")
        lowered = None
        if isinstance(key, str) and key:
            lowered = self._memories().lower_interest(
                scope, user, key, by=LESS_STEP, unrated=UNRATED_INTEREST
            )
        if lowered is None:
            log.info("'less of this' for no memory of the clicker's", extra={"user_id": user})
            self._respond(job, t("digest.less.gone"))
            return
        before, memory = lowered
        topic = escape(memory.topic)
        if memory.interest_level == 0:
            text = t("digest.less.out", topic=topic)
        else:
            text = t("digest.less.done", topic=topic, before=before, after=memory.interest_level)
        self._respond(job, text)
        self._home.publish_quietly(scope, user)

    def _respond(self, job: Job, text: str) -> None:
        """Ephemerally where Slack gave a response_url (a command, a button in the DM); the
        Home tab has none, and shows the change itself."""
        url = job.get("response_url")
        if not url:
            return
        response = self._webhook(url).send(text=text, response_type="ephemeral")
        if response.status_code != 200:
            log.warning("response_url answered %s", response.status_code)
