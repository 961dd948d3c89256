"""Keeping the memory store tidy: erasing an uninstalled installation, marking a revoked one,
and the daily sweep (expired memories, installations revoked too long, watermarks no job can
predate any more, failed jobs of people erased since).

Slack-free but for one question: the uninstall and revocation jobs carry the scope themselves
(the token is already dead), and the sweep asks auth.test whether a revoked token works again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.jobs.freshness import issued_at
from bot.jobs.types import Job
from bot.memory.erasure import PurgeFailedJobs, forget_installation, purge_failed_jobs
from bot.memory.installation import Installation
from bot.memory.revocation import clear_revoked, mark_revoked, revoked_longer_than
from bot.memory.service import MemoryService
from bot.memory.watermarks import Watermarks

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Swept:
    expired: int  # memories past their TTL
    installations: int  # erased after staying revoked for the grace period


class Maintenance:
    def __init__(
        self,
        *,
        pool: Any,
        memories: Callable[[], MemoryService],
        forget_installation_cache: Callable[[], None],
        installation: Callable[[], Installation],
        working_scope: Callable[[], str | None],
        revoked_grace_days: int,
        purge_failed: PurgeFailedJobs | None = None,
    ) -> None:
        self._pool = pool
        self._memories = memories
        self._forget_installation_cache = forget_installation_cache
        self._installation = installation
        self._working_scope = working_scope
        self._grace_days = revoked_grace_days
        self._purge_failed = purge_failed
        self._watermarks = Watermarks(pool)

    def uninstalled(self, job: Job) -> None:
        """The app was uninstalled: erase the whole installation at once."""
        scope = job.get("scope_id")
        if not scope:
            log.error("uninstall event without an installation scope")
            return
        erased = forget_installation(self._pool, scope, requested_at=issued_at(job))
        self._forget_installation_cache()
        log.info("installation erased", extra={"scope_id": scope, "memories": erased.memories})
        purge_failed_jobs(self._purge_failed, erased)

    def revoked(self, job: Job) -> None:
        """The bot token was revoked: mark the installation, erase nothing (yet)."""
        scope = job.get("scope_id")
        if not scope:
            log.error("revocation event without an installation scope")
            return
        marked = mark_revoked(self._pool, scope, issued_at(job))
        # A reinstall may come with a new token, even another identity: ask afresh.
        self._forget_installation_cache()
        log.info("installation revoked", extra={"scope_id": scope, "known": marked})

    def sweep(self) -> Swept:
        """Run on a schedule."""
        swept = Swept(self._memories().sweep_expired(), self._erase_long_revoked())
        pruned = self._watermarks.prune()
        self._purge_erased_failed_jobs()
        log.info(
            "swept",
            extra={
                "deleted": swept.expired,
                "installations": swept.installations,
                "watermarks": pruned,
            },
        )
        return swept

    def _erase_long_revoked(self) -> int:
        due = revoked_longer_than(self._pool, self._grace_days)
        if not due:
            return 0
        try:
            working = self._working_scope()
        except Exception as exc:  # noqa: BLE001 - erasing is final: not on a guess
            log.warning(
                "could not ask Slack whether a revoked token works again; tomorrow's sweep will",
                extra={"error": type(exc).__name__},
            )
            return 0
        erased = 0
        for scope in due:
            if scope == working:
                with self._pool.connection() as conn:
                    clear_revoked(conn, scope)
                log.info("revoked installation works again; kept", extra={"scope_id": scope})
                continue
            gone = forget_installation(self._pool, scope)
            self._forget_installation_cache()
            log.info(
                "installation erased after staying revoked",
                extra={"scope_id": scope, "memories": gone.memories, "days": self._grace_days},
            )
            purge_failed_jobs(self._purge_failed, gone)
            erased += 1
        return erased

    def _purge_erased_failed_jobs(self) -> None:
        """Whatever an erasure's own purge missed (it failed, or a record landed later)."""
        if self._purge_failed is None:
            return
        try:
            scope = self._installation().scope_id
            removed = self._purge_failed(lambda job: self._watermarks.predate(scope, job))
        except Exception as exc:  # noqa: BLE001 - tomorrow's sweep tries again
            log.warning("could not purge the failure queue", extra={"error": type(exc).__name__})
            return
        if removed:
            log.info("failed jobs of erased people purged", extra={"removed": removed})
