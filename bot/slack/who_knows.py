"""`/whoknows <topic>` and being findable (`/interests share on|off`, the Home tab switch).

The list is the same whoever asks (but never names the asker): who is in it depends only on
each colleague's own choice and on what they said in public channels (bot/memory/directory.py).
The setting is addressed by whoever typed or clicked, like every other setting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.webhook import WebhookClient

from bot.jobs.types import Job
from bot.memory.directory import Directory
from bot.memory.installation import Installation
from bot.memory.preferences import PreferenceStore
from bot.slack import whoknows_views
from bot.slack.home_publisher import HomePublisher
from bot.slack.profiles import Profiles

log = logging.getLogger(__name__)


class WhoKnows:
    def __init__(
        self,
        *,
        directory: Callable[[], Directory],
        prefs: PreferenceStore,
        installation: Callable[[], Installation],
        webhook: Callable[[str], WebhookClient],
        home: HomePublisher,
        profiles: Profiles,
    ) -> None:
        self._directory = directory
        self._prefs = prefs
        self._installation = installation
        self._webhook = webhook
        self._home = home
        self._profiles = profiles

    def find(self, job: Job) -> None:
        t = self._profiles.of(job["user_id"]).t
        topic = str(job.get("topic") or "")
        if not topic or topic.lower() == "help":
            self._respond(job, text=whoknows_views.help_text(t))
            return
        if len(topic) > whoknows_views.MAX_TOPIC_CHARS:
            limit = whoknows_views.MAX_TOPIC_CHARS
            self._respond(job, text=t("whoknows.too_long", limit=limit))
            return
        scope = self._installation().scope_id
        found = self._directory().who_knows(scope, topic, asker=job["user_id"])
        log.info("who knows", extra={"user_id": job["user_id"], "found": len(found)})
        text, blocks = whoknows_views.listing(topic, found, t)
        self._respond(job, text=text, blocks=blocks)

    def set_findable(self, job: Job) -> None:
        """`enabled` True/False changes the setting; None only says how it stands."""
        scope, user = self._installation().scope_id, job["user_id"]
        enabled = job.get("enabled")
        if enabled is None:
            findable = self._prefs.get(scope, user).findable
        else:
            findable = self._prefs.update(scope, user, findable=bool(enabled)).findable
        t = self._profiles.of(user).t
        answer = whoknows_views.sharing_answer(findable, changed=enabled is not None, t=t)
        self._respond(job, text=answer)
        if enabled is not None:
            self._home.publish_quietly(scope, user)

    def _respond(self, job: Job, **payload: Any) -> None:
        url = job.get("response_url")
        if not url:  # the Home tab switch: the tab itself shows the new state
            return
        response = self._webhook(url).send(response_type="ephemeral", **payload)
        if response.status_code != 200:
            log.warning("response_url answered %s", response.status_code)
