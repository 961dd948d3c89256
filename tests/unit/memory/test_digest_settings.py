"""The digest setting lives with the person's other settings and goes with every erasure."""

from __future__ import annotations

from bot.memory.erasure import forget_installation, forget_person, forget_user_everywhere
from bot.memory.preferences import Preferences, PreferenceStore


def _claim(pool, scope: str, user: str, period: str = "day:2026-12-01") -> None:
    with pool.connection() as conn:
        conn.execute(
            "INSERT INTO bot_digest_claims (team_id, user_id, period, token) "
            "VALUES (%s, %s, %s, 'tok')",
            (scope, user, period),
        )


def _claims(pool) -> set[tuple[str, str]]:
    with pool.connection() as conn:
        rows = conn.execute("SELECT team_id, user_id FROM bot_digest_claims").fetchall()
    return {(r["team_id"], r["user_id"]) for r in rows}


def _opt_in(prefs: PreferenceStore, scope: str, user: str, frequency: str = "daily") -> None:
    prefs.set_digest(scope, user, frequency, tz="Asia/Tokyo", locale="ja-JP", channel="D1")


def test_the_digest_is_a_setting_that_keeps_the_others_and_leaves_no_row_when_off(pool):
    prefs = PreferenceStore(pool)
    prefs.update("T1", "U1", private_in_channels=True)
    _opt_in(prefs, "T1", "U1")
    assert prefs.get("T1", "U1") == Preferences(private_in_channels=True, digest="daily")
    prefs.update("T1", "U1", private_in_channels=False)  # the digest stays on
    assert prefs.get("T1", "U1").digest == "daily"
    prefs.set_digest("T1", "U1", "off", tz="UTC", locale="en", channel=None)
    with pool.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM bot_user_prefs").fetchone()["n"] == 0


def test_switching_daily_to_weekly_keeps_when_it_was_switched_on(pool):
    prefs = PreferenceStore(pool)
    _opt_in(prefs, "T1", "U1", "daily")
    with pool.connection() as conn:
        first = conn.execute("SELECT digest_since FROM bot_user_prefs").fetchone()["digest_since"]
    _opt_in(prefs, "T1", "U1", "weekly")
    with pool.connection() as conn:
        row = conn.execute("SELECT digest, digest_since FROM bot_user_prefs").fetchone()
    assert (row["digest"], row["digest_since"]) == ("weekly", first)


def test_forget_turns_the_digest_off_and_takes_its_claims_even_when_settings_stay(pool):
    prefs = PreferenceStore(pool)
    prefs.update("T1", "U1", learning_enabled=False)  # a setting /forget keeps
    _opt_in(prefs, "T1", "U1")
    _opt_in(prefs, "T1", "U2")
    _claim(pool, "T1", "U1")
    _claim(pool, "T1", "U2")
    forget_person(pool, "T1", "U1", keep_settings=True)
    assert prefs.get("T1", "U1") == Preferences(learning_enabled=False, digest="off")
    assert prefs.get("T1", "U2").digest == "daily"
    assert _claims(pool) == {("T1", "U2")}
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT digest_tz, digest_channel FROM bot_user_prefs WHERE user_id = 'U1'"
        ).fetchone()
    assert (row["digest_tz"], row["digest_channel"]) == (None, None)


def test_an_admin_erasure_and_an_uninstall_take_digest_settings_and_claims(pool):
    prefs = PreferenceStore(pool)
    for scope, user in (("T1", "U1"), ("T2", "U1"), ("T1", "U2"), ("T3", "U3")):
        _opt_in(prefs, scope, user)
        _claim(pool, scope, user)
    forget_user_everywhere(pool, "U1")
    assert _claims(pool) == {("T1", "U2"), ("T3", "U3")}
    assert prefs.get("T2", "U1").digest == "off"
    forget_installation(pool, "T1")
    assert _claims(pool) == {("T3", "U3")}
    assert (prefs.get("T1", "U2").digest, prefs.get("T3", "U3").digest) == ("off", "daily")
