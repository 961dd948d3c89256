"""Erasing everything the bot keeps about a person, or about a whole installation.

Memories (and their vectors, by cascade), what the cap let go of, the answer log, digest
claims, and settings (the digest and being findable among them, even when the rest is kept);
then the failed jobs holding their words in the failure queue. Each erasure leaves a watermark
(bot/memory/watermarks.py) in the same transaction, so no job issued before it writes anything
of theirs again. Dedupe keys in bot_processed_events carry no user IDs and age out by themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.jobs.freshness import issued_at
from bot.jobs.types import Job
from bot.memory.schema import MEMORY_ROOT, person_lock, prefix
from bot.memory.watermarks import (
    EVERYONE,
    EVERYWHERE,
    everywhere_lock,
    installation_lock,
    record_erasure,
)

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

log = logging.getLogger(__name__)

# Tables keyed by (team_id = installation scope, user_id), besides the memories and settings.
PERSON_TABLES = ("bot_memory_evictions", "bot_answers", "bot_digest_claims")


@dataclass(frozen=True)
class Erased:
    memories: int
    other_rows: int
    settings_kept: bool
    user_id: str | None  # None: everyone in the installation
    at: float  # the watermark (epoch seconds): jobs issued until then write nothing of theirs

    def covers(self, job: Job) -> bool:
        """Whether a job (a failure-queue record's) holds words this erasure took back."""
        if self.user_id is not None and job.get("user_id") != self.user_id:
            return False
        issued = issued_at(job)
        return issued is None or issued <= self.at


def forget_person(
    pool: ConnectionPool,
    scope_id: str,
    user_id: str,
    *,
    keep_settings: bool,
    requested_at: float | None = None,
) -> Erased:
    """Everything about one person in one installation, in one transaction.

    `requested_at` is when they asked (the job's issue time; None: now): whatever they said
    before then is gone for good. With `keep_settings`, a person who switched learning off
    stays off; being findable by /whoknows does not survive, and a settings row at the defaults
    says nothing worth keeping and goes too.
    """
    with pool.connection() as conn, conn.transaction():
        person_lock(conn, scope_id, user_id)
        memories = conn.execute(
            "DELETE FROM store WHERE prefix = %s", (prefix(scope_id, user_id),)
        ).rowcount
        other = sum(
            conn.execute(
                f"DELETE FROM {table} WHERE team_id = %s AND user_id = %s", (scope_id, user_id)
            ).rowcount
            for table in PERSON_TABLES
        )
        settings = "DELETE FROM bot_user_prefs WHERE team_id = %s AND user_id = %s"
        if keep_settings:
            # A digest is made of the memories just erased, and being findable is consent to
            # show them: both stop with them.
            conn.execute(
                "UPDATE bot_user_prefs SET digest = 'off', digest_since = NULL, digest_tz = NULL, "
                "digest_locale = NULL, digest_channel = NULL, digest_profile_at = NULL, "
                "findable = false WHERE team_id = %s AND user_id = %s",
                (scope_id, user_id),
            )
            settings += " AND learning_enabled AND NOT private_in_channels"
        conn.execute(settings, (scope_id, user_id))
        kept = conn.execute(
            "SELECT 1 FROM bot_user_prefs WHERE team_id = %s AND user_id = %s",
            (scope_id, user_id),
        ).fetchone()
        at = record_erasure(conn, scope_id, user_id, requested_at)
    return Erased(memories, other, kept is not None, user_id, at)


def forget_user_everywhere(pool: ConnectionPool, user_id: str) -> Erased:
    """An admin erasing someone who left: their user ID under every scope, settings included."""
    with pool.connection() as conn, conn.transaction():
        everywhere_lock(conn, user_id)
        memories = conn.execute(
            "DELETE FROM store WHERE prefix LIKE %s AND split_part(prefix, '.', 3) = %s",
            (f"{MEMORY_ROOT}.%", user_id),
        ).rowcount
        other = sum(
            conn.execute(f"DELETE FROM {table} WHERE user_id = %s", (user_id,)).rowcount
            for table in (*PERSON_TABLES, "bot_user_prefs")
        )
        at = record_erasure(conn, EVERYWHERE, user_id, None)
    return Erased(memories, other, False, user_id, at)


def forget_installation(
    pool: ConnectionPool, scope_id: str, *, requested_at: float | None = None
) -> Erased:
    """Everything of every person in an installation: the app was uninstalled (or its token
    stayed revoked past the grace period)."""
    with pool.connection() as conn, conn.transaction():
        installation_lock(conn, scope_id)
        memories = conn.execute(
            "DELETE FROM store WHERE prefix LIKE %s", (f"{MEMORY_ROOT}.{scope_id}.%",)
        ).rowcount
        other = sum(
            conn.execute(f"DELETE FROM {table} WHERE team_id = %s", (scope_id,)).rowcount
            for table in (*PERSON_TABLES, "bot_user_prefs")
        )
        conn.execute("DELETE FROM bot_installations WHERE scope_id = %s", (scope_id,))
        at = record_erasure(conn, scope_id, EVERYONE, requested_at)
    return Erased(memories, other, False, None, at)


# Takes the failure queue's records a predicate names out of it; returns how many went.
PurgeFailedJobs = Callable[[Callable[[Job], bool]], int]


def purge_failed_jobs(purge: PurgeFailedJobs | None, erased: Erased) -> None:
    """Take the erased words out of the failure queue too (AWS only; None elsewhere).

    Best effort, after the person has their answer: a failure is logged, and the daily sweep
    purges whatever an erasure left there.
    """
    if purge is None:
        return
    try:
        removed = purge(erased.covers)
    except Exception as exc:  # noqa: BLE001 - the database erasure stands; the sweep retries
        log.warning("could not purge the failure queue", extra={"error": type(exc).__name__})
        return
    if removed:
        log.info("failed jobs of an erased person purged", extra={"removed": removed})
