"""Each person's settings: whether the bot learns from them, where their private memories may
be used, whether they get a tech digest, and whether colleagues can find them with /whoknows."""

from __future__ import annotations

from dataclasses import astuple, dataclass, fields, replace

from psycopg_pool import ConnectionPool

DIGEST_FREQUENCIES = ("off", "daily", "weekly")


@dataclass(frozen=True)
class Preferences:
    learning_enabled: bool = True
    # Off: memories learned anywhere but a public channel are used only in DMs with the bot.
    private_in_channels: bool = False
    # One of DIGEST_FREQUENCIES: the personal tech digest (bot/jobs/digest_schedule.py).
    digest: str = "off"
    # On: /whoknows lists them for topics they talked about in public channels.
    findable: bool = False

    @property
    def is_default(self) -> bool:
        return self == Preferences()


# Every setting is a column of bot_user_prefs named as its field.
_COLUMNS = [f.name for f in fields(Preferences)]
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM bot_user_prefs WHERE team_id = %s AND user_id = %s"
_UPSERT = (
    f"INSERT INTO bot_user_prefs (team_id, user_id, {', '.join(_COLUMNS)}) "
    f"VALUES (%s, %s, {', '.join(['%s'] * len(_COLUMNS))}) "
    "ON CONFLICT (team_id, user_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS)
    + ", updated_at = now()"
)


class PreferenceStore:
    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool

    def get(self, scope_id: str, user_id: str) -> Preferences:
        with self._pool.connection() as conn:
            row = conn.execute(_SELECT, (scope_id, user_id)).fetchone()
        return Preferences(**row) if row else Preferences()

    def update(self, scope_id: str, user_id: str, **changes: bool) -> Preferences:
        """Change some settings; a person back at the defaults keeps no row at all."""
        with self._pool.connection() as conn, conn.transaction():
            row = conn.execute(_SELECT + " FOR UPDATE", (scope_id, user_id)).fetchone()
            prefs = replace(Preferences(**row) if row else Preferences(), **changes)
            if prefs.is_default:
                conn.execute(
                    "DELETE FROM bot_user_prefs WHERE team_id = %s AND user_id = %s",
                    (scope_id, user_id),
                )
            else:
                conn.execute(_UPSERT, (scope_id, user_id, *astuple(prefs)))
        return prefs

    def set_digest(
        self,
        scope_id: str,
        user_id: str,
        frequency: str,
        *,
        tz: str,
        locale: str,
        channel: str | None,
    ) -> Preferences:
        """Switch the digest to `frequency`, with the time zone, language and DM it is written
        for. `digest_since` marks when it was switched on (it stays through daily <-> weekly)."""
        if frequency not in DIGEST_FREQUENCIES:
            raise ValueError(f"unknown digest frequency {frequency!r}")
        with self._pool.connection() as conn, conn.transaction():
            row = conn.execute(_SELECT + " FOR UPDATE", (scope_id, user_id)).fetchone()
            prefs = replace(Preferences(**row) if row else Preferences(), digest=frequency)
            if prefs.is_default:
                conn.execute(
                    "DELETE FROM bot_user_prefs WHERE team_id = %s AND user_id = %s",
                    (scope_id, user_id),
                )
                return prefs
            on = frequency != "off"
            conn.execute(
                "INSERT INTO bot_user_prefs AS p (team_id, user_id, digest, digest_since, "
                "digest_tz, digest_locale, digest_channel, digest_profile_at) "
                "VALUES (%(scope)s, %(user)s, %(digest)s, CASE WHEN %(on)s THEN now() END, "
                # A name PostgreSQL doesn't know would fail every later due check: UTC instead.
                "coalesce((SELECT name FROM pg_timezone_names WHERE name = %(tz)s), 'UTC'), "
                "%(locale)s, %(channel)s, now()) "
                "ON CONFLICT (team_id, user_id) DO UPDATE SET digest = EXCLUDED.digest, "
                "digest_since = CASE WHEN NOT %(on)s THEN NULL "
                "WHEN p.digest = 'off' OR p.digest_since IS NULL THEN now() "
                "ELSE p.digest_since END, "
                "digest_tz = EXCLUDED.digest_tz, digest_locale = EXCLUDED.digest_locale, "
                "digest_channel = EXCLUDED.digest_channel, digest_profile_at = now(), "
                "updated_at = now()",
                {
                    "scope": scope_id,
                    "user": user_id,
                    "digest": frequency,
                    "on": on,
                    "tz": tz,
                    "locale": locale,
                    "channel": channel,
                },
            )
        return prefs
