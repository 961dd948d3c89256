"""Keeping the memory store tidy: erasing an uninstalled installation, sweeping expired memories.

Slack-free: the uninstall job carries the scope itself (the token is already dead).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bot.jobs.types import Job
from bot.memory.erasure import forget_installation
from bot.memory.service import MemoryService

log = logging.getLogger(__name__)


class Maintenance:
    def __init__(
        self,
        *,
        pool: Any,
        memories: Callable[[], MemoryService],
        forget_installation_cache: Callable[[], None],
    ) -> None:
        self._pool = pool
        self._memories = memories
        self._forget_installation_cache = forget_installation_cache

    def uninstalled(self, job: Job) -> None:
        """The app was uninstalled or its bot token revoked: erase the whole installation."""
        scope = job.get("scope_id")
        if not scope:
            log.error("uninstall event without an installation scope")
            return
        erased = forget_installation(self._pool, scope)
        self._forget_installation_cache()
        log.info("installation erased", extra={"scope_id": scope, "memories": erased.memories})

    def sweep(self) -> int:
        """Delete memories past their TTL; run on a schedule."""
        swept = self._memories().sweep_expired()
        log.info("expired memories swept", extra={"deleted": swept})
        return swept
