"""Which events were already handled, so Slack's retries and Lambda's re-deliveries do nothing."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import Any

from psycopg_pool import ConnectionPool

log = logging.getLogger(__name__)

# Slack retries for minutes and Lambda's async retries for hours; a day covers both.
DEDUPE_RETENTION = "1 day"
# A claim never finished after this long belongs to a worker that died (a Lambda timeout is
# 120 s), so a retry may take the job over instead of leaving the person without an answer.
STALE_CLAIM = "150 seconds"
# Pruning on a small share of claims keeps the table bounded without a scheduled job.
_PRUNE_PROBABILITY = 0.01


class Ledger:
    def __init__(self, pool: ConnectionPool, *, rng: random.Random | None = None) -> None:
        self._pool = pool
        self._rng = rng or random.Random()

    def claim(self, event_key: str) -> bool:
        """True the first time `event_key` is seen, False for every repeat (retries, replays),
        unless the first claimant died before finishing (see STALE_CLAIM)."""
        with self._pool.connection() as conn:
            if self._rng.random() < _PRUNE_PROBABILITY:
                conn.execute(
                    "DELETE FROM bot_processed_events WHERE created_at < now() - %s::interval",
                    (DEDUPE_RETENTION,),
                )
            row = conn.execute(
                "INSERT INTO bot_processed_events AS e (event_key) VALUES (%s) "
                "ON CONFLICT (event_key) DO UPDATE SET created_at = now() "
                "WHERE e.finished_at IS NULL AND e.created_at < now() - %s::interval "
                "RETURNING event_key",
                (event_key, STALE_CLAIM),
            ).fetchone()
        return row is not None

    def finish(self, event_key: str) -> None:
        with self._pool.connection() as conn:
            conn.execute(
                "UPDATE bot_processed_events SET finished_at = now() WHERE event_key = %s",
                (event_key,),
            )


# Waits for the database; `on_wait` (optional) hears once that it is not there yet.
DatabaseReady = Callable[..., bool]


class EventClaims:
    """Claiming a job's event once the database is up, and marking it done afterwards."""

    def __init__(self, ledger: Ledger, database_ready: DatabaseReady) -> None:
        self._ledger = ledger
        self._database_ready = database_ready

    def first_time(self, job: dict[str, Any], on_wait: Callable[[], None] | None = None) -> bool:
        """True the first time; raises if the database can't be reached."""
        if not self._database_ready(on_wait=on_wait):
            raise ConnectionError("database not reachable")
        return self._ledger.claim(job["event_key"])

    def finish(self, job: dict[str, Any]) -> None:
        """Mark the job's event done, so no retry takes it over as abandoned."""
        try:
            self._ledger.finish(job["event_key"])
        except Exception:  # noqa: BLE001 - worst case a late retry repeats a finished job
            log.warning("could not mark the job finished", extra={"job_kind": job.get("kind")})
