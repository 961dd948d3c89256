"""The database for a command: DATABASE_URL, or the embedded PostgreSQL in the data folder;
checked once, failing at once with a sentence, then migrated."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.settings import ConfigError, Settings

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

# A command is someone waiting at a terminal: one try, not the job path's resume backoff.
CONNECT_TIMEOUT_S = 10
_FIX = "Check DATABASE_URL, or unset it to use the embedded PostgreSQL."


def where(settings: Settings) -> str:
    """Where the memories are, for a start-up line (never the URL: it may hold a password)."""
    if settings.database_url:
        return "the database DATABASE_URL names"
    return f"{settings.data_dir} (embedded PostgreSQL)"


def open_database(settings: Settings, *, concurrent_jobs: int = 1) -> ConnectionPool:
    """A pool for up to `concurrent_jobs` jobs at once (bot.db.storage.pool_size)."""
    from bot.db.storage import embedded_database_url, migrate, open_pool, pool_size

    url = settings.database_url or embedded_database_url(settings.data_dir)
    _connect_once(url)
    pool = open_pool(url, max_size=pool_size(concurrent_jobs), connect_timeout=CONNECT_TIMEOUT_S)
    migrate(pool, settings.embedding_dims)
    return pool


def _connect_once(url: str) -> None:
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        params = conninfo_to_dict(url)
    except psycopg.Error:
        # psycopg's message quotes the string, which may hold a password.
        raise ConfigError(
            "DATABASE_URL is not a PostgreSQL connection URL "
            f"(postgresql://user:password@host:5432/dbname). {_FIX}"
        ) from None
    try:
        psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S).close()
    except psycopg.Error as exc:
        host = params.get("host") or "localhost"
        at = f"{host}:{params['port']}" if params.get("port") else host
        raise ConfigError(
            f"Could not connect to the database at {at} ({_reason(exc)}). {_FIX}"
        ) from None


def _reason(exc: Exception) -> str:
    """libpq's own reason ("Connection refused", "password authentication failed for user
    ..."): its last clause on the first line, which names no password."""
    first = (str(exc).strip().splitlines() or [""])[0]
    return first.rsplit("failed: ", 1)[-1].strip() or type(exc).__name__
