"""Each person's settings: whether the bot learns from them, and where their private memories
may be used."""

from __future__ import annotations

from dataclasses import dataclass, replace

from psycopg_pool import ConnectionPool

from bot.memory.watermarks import hold_for_write, record_settings_change


@dataclass(frozen=True)
class Preferences:
    learning_enabled: bool = True
    # Off: memories learned anywhere but a public channel are used only in DMs with the bot.
    private_in_channels: bool = False

    @property
    def is_default(self) -> bool:
        return self == Preferences()


class PreferenceStore:
    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool

    def get(self, scope_id: str, user_id: str) -> Preferences:
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT learning_enabled, private_in_channels FROM bot_user_prefs "
                "WHERE team_id = %s AND user_id = %s",
                (scope_id, user_id),
            ).fetchone()
        return Preferences(**row) if row else Preferences()

    def update(
        self, scope_id: str, user_id: str, *, issued_at: float | None = None, **changes: bool
    ) -> Preferences:
        """Change some settings, as asked by a job issued at `issued_at` (None: now); a person
        back at the defaults keeps no row at all.

        Raises Superseded for a job issued before the person's last erasure or settings change:
        a replayed "learning on" must not undo a later "off".
        """
        with self._pool.connection() as conn, conn.transaction():
            hold_for_write(conn, scope_id, user_id, issued_at, settings=True)
            row = conn.execute(
                "SELECT learning_enabled, private_in_channels FROM bot_user_prefs "
                "WHERE team_id = %s AND user_id = %s FOR UPDATE",
                (scope_id, user_id),
            ).fetchone()
            prefs = replace(Preferences(**row) if row else Preferences(), **changes)
            if prefs.is_default:
                conn.execute(
                    "DELETE FROM bot_user_prefs WHERE team_id = %s AND user_id = %s",
                    (scope_id, user_id),
                )
            else:
                conn.execute(
                    "INSERT INTO bot_user_prefs (team_id, user_id, learning_enabled, "
                    "private_in_channels) VALUES (%s, %s, %s, %s) "
                    "ON CONFLICT (team_id, user_id) DO UPDATE SET "
                    "learning_enabled = EXCLUDED.learning_enabled, "
                    "private_in_channels = EXCLUDED.private_in_channels, updated_at = now()",
                    (scope_id, user_id, prefs.learning_enabled, prefs.private_in_channels),
                )
            record_settings_change(conn, scope_id, user_id, issued_at)
        return prefs
