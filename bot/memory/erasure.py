"""Erasing everything the bot keeps about a person, or about a whole installation.

Memories (and their vectors, by cascade), what the cap let go of, the answer log, digest
claims, and settings (the digest among them, even when the rest is kept).
Dedupe keys in bot_processed_events carry no user IDs and age out by themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg_pool import ConnectionPool

from bot.memory.schema import MEMORY_ROOT, prefix

# Tables keyed by (team_id = installation scope, user_id), besides the memories and settings.
PERSON_TABLES = ("bot_memory_evictions", "bot_answers", "bot_digest_claims")


@dataclass(frozen=True)
class Erased:
    memories: int
    other_rows: int
    settings_kept: bool


def forget_person(
    pool: ConnectionPool, scope_id: str, user_id: str, *, keep_settings: bool
) -> Erased:
    """Everything about one person in one installation, in one transaction.

    With `keep_settings`, a person who switched learning off stays off; being findable by
    /whoknows does not survive, and a settings row at the defaults says nothing worth keeping
    and goes too.
    """
    with pool.connection() as conn, conn.transaction():
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
    return Erased(memories, other, kept is not None)


def forget_user_everywhere(pool: ConnectionPool, user_id: str) -> Erased:
    """An admin erasing someone who left: their user ID under every scope, settings included."""
    with pool.connection() as conn, conn.transaction():
        memories = conn.execute(
            "DELETE FROM store WHERE prefix LIKE %s AND split_part(prefix, '.', 3) = %s",
            (f"{MEMORY_ROOT}.%", user_id),
        ).rowcount
        other = sum(
            conn.execute(f"DELETE FROM {table} WHERE user_id = %s", (user_id,)).rowcount
            for table in (*PERSON_TABLES, "bot_user_prefs")
        )
    return Erased(memories, other, False)


def forget_installation(pool: ConnectionPool, scope_id: str) -> Erased:
    """Everything of every person in an installation: the app was uninstalled."""
    with pool.connection() as conn, conn.transaction():
        memories = conn.execute(
            "DELETE FROM store WHERE prefix LIKE %s", (f"{MEMORY_ROOT}.{scope_id}.%",)
        ).rowcount
        other = sum(
            conn.execute(f"DELETE FROM {table} WHERE team_id = %s", (scope_id,)).rowcount
            for table in (*PERSON_TABLES, "bot_user_prefs")
        )
        conn.execute("DELETE FROM bot_installations WHERE scope_id = %s", (scope_id,))
    return Erased(memories, other, False)
