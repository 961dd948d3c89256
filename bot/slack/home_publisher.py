"""Publishing a person's Home tab, and the Home tab's own jobs: opening it, paging it, and the
settings switches on it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.jobs.types import Job
from bot.memory.installation import Installation
from bot.memory.learning import recent_evictions
from bot.memory.preferences import PreferenceStore
from bot.memory.service import MemoryService
from bot.slack import home_tab, memory_views
from bot.slack.profiles import Profiles

log = logging.getLogger(__name__)


class HomePublisher:
    def __init__(
        self,
        *,
        slack: WebClient,
        memories: Callable[[], MemoryService],
        prefs: PreferenceStore,
        pool: Any,
        installation: Callable[[], Installation],
        cap: int,
        ttl_days: int,
        profiles: Profiles,
    ) -> None:
        self._slack = slack
        self._memories = memories
        self._prefs = prefs
        self._pool = pool
        self._installation = installation
        self._cap = cap
        self._ttl_days = ttl_days
        self._profiles = profiles

    def _person(self, job: Job) -> tuple[str, str]:
        return self._installation().scope_id, job["user_id"]

    def show(self, job: Job) -> None:
        """The tab was opened, or paged."""
        scope, user = self._person(job)
        self.publish(scope, user, job.get("cursor"))

    def set_learning(self, job: Job) -> None:
        scope, user = self._person(job)
        self._prefs.update(scope, user, learning_enabled=bool(job["enabled"]))
        self.publish(scope, user)

    def set_private_in_channels(self, job: Job) -> None:
        scope, user = self._person(job)
        self._prefs.update(scope, user, private_in_channels=bool(job["enabled"]))
        self.publish(scope, user)

    def publish(self, scope: str, user: str, cursor: str | None = None) -> None:
        page = self._memories().page(scope, user, limit=memory_views.HOME_PAGE_SIZE, cursor=cursor)
        evicted = recent_evictions(self._pool, scope, user) if page.total >= self._cap else []
        self._slack.views_publish(
            user_id=user,
            view=home_tab.view(
                page,
                self._prefs.get(scope, user),
                cap=self._cap,
                ttl_days=self._ttl_days,
                evicted=evicted,
                t=self._profiles.of(user).t,
            ),
        )

    def publish_quietly(self, scope: str, user: str) -> None:
        """After something changed the memories elsewhere (learning, a command)."""
        try:
            self.publish(scope, user)
        except Exception:  # noqa: BLE001 - the Home tab catches up when it is next opened
            log.warning("could not refresh the Home tab", exc_info=True)
