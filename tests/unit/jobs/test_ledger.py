import random

from bot.jobs.ledger import Ledger
from bot.memory.preferences import Preferences, PreferenceStore


def test_an_event_is_claimed_once(pool):
    ledger = Ledger(pool)
    assert ledger.claim("event:Ev1") is True
    assert ledger.claim("event:Ev1") is False
    assert ledger.claim("event:Ev2") is True


def test_old_claims_are_pruned_so_the_table_stays_bounded(pool):
    with pool.connection() as conn:
        conn.execute(
            "INSERT INTO bot_processed_events (event_key, created_at) "
            "VALUES ('event:old', now() - interval '2 days'), ('event:recent', now())"
        )

    class AlwaysPrune(random.Random):
        def random(self):
            return 0.0

    Ledger(pool, rng=AlwaysPrune()).claim("event:new")
    with pool.connection() as conn:
        keys = {r["event_key"] for r in conn.execute("SELECT event_key FROM bot_processed_events")}
    assert keys == {"event:recent", "event:new"}


def test_learning_is_on_by_default_and_switchable_per_person(pool):
    prefs = PreferenceStore(pool)
    assert prefs.get("T1", "U1").learning_enabled is True
    prefs.update("T1", "U1", learning_enabled=False)
    assert prefs.get("T1", "U1").learning_enabled is False
    assert prefs.get("T1", "U2").learning_enabled is True
    assert prefs.get("T2", "U1").learning_enabled is True


def test_settings_back_at_their_defaults_leave_no_row(pool):
    prefs = PreferenceStore(pool)
    prefs.update("T1", "U1", private_in_channels=True)
    assert prefs.get("T1", "U1") == Preferences(private_in_channels=True)
    prefs.update("T1", "U1", private_in_channels=False)
    with pool.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM bot_user_prefs").fetchone()["n"] == 0


def test_an_abandoned_claim_can_be_taken_over_but_a_finished_one_cannot(pool):
    ledger = Ledger(pool)
    assert ledger.claim("event:crashed") is True
    assert ledger.claim("event:done") is True
    ledger.finish("event:done")
    assert ledger.claim("event:crashed") is False  # its worker may still be running

    with pool.connection() as conn:  # ...three minutes later, it evidently died
        conn.execute("UPDATE bot_processed_events SET created_at = now() - interval '3 minutes'")
    assert ledger.claim("event:crashed") is True
    assert ledger.claim("event:done") is False
    assert ledger.claim("event:crashed") is False
