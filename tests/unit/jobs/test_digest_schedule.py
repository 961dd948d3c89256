"""When a digest is due in the person's own time zone, and the claim that sends it once: against
the real database, with the clock given."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from bot.jobs.deadlines import Deadline
from bot.jobs.digest_schedule import DigestFanOut, DigestSchedule
from bot.memory.installation import Installation
from bot.memory.preferences import PreferenceStore

SCOPE = "T1"
INSTALLATION = Installation(
    scope_id=SCOPE, team_id=SCOPE, enterprise_id=None, bot_user_id="UBOT", bot_id="BBOT"
)


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in the week of Monday 2026-11-30 (day 30 is a Monday)."""
    base = datetime(2026, 11, 30, tzinfo=UTC)
    return base + timedelta(days=day - 30, hours=hour, minutes=minute)


def opt_in(pool, user: str, frequency: str = "daily", tz: str = "UTC") -> None:
    PreferenceStore(pool).set_digest(
        SCOPE, user, frequency, tz=tz, locale="en-US", channel="D" + user
    )


def due_users(schedule: DigestSchedule, now: datetime) -> list[str]:
    return [d.user_id for d in schedule.due(SCOPE, now)]


def send(schedule: DigestSchedule, user: str, now: datetime) -> None:
    """What the fan-out and a successful job do for one person."""
    (due,) = schedule.due(SCOPE, now, user_id=user)
    assert schedule.claim(SCOPE, due, f"tok-{user}-{now.isoformat()}")


@pytest.fixture
def schedule(pool) -> DigestSchedule:
    return DigestSchedule(pool)


def test_the_first_is_due_at_once_then_each_day_after_nine_local(schedule, pool):
    opt_in(pool, "U1", tz="Asia/Tokyo")  # 09:00 in Tokyo is 00:00 UTC
    assert due_users(schedule, utc(30, 5)) == ["U1"]  # 14:00 Tokyo: the first, at once
    send(schedule, "U1", utc(30, 5))
    assert due_users(schedule, utc(30, 14)) == []  # 23:00 Tokyo, same day
    assert due_users(schedule, utc(30, 23, 50)) == []  # 08:50 Tokyo next day
    assert due_users(schedule, utc(31, 0, 5)) == ["U1"]  # 09:05 Tokyo
    send(schedule, "U1", utc(31, 0, 5))
    assert due_users(schedule, utc(31, 0, 6)) == []


def test_the_same_utc_hour_is_a_different_day_in_other_time_zones(schedule, pool):
    opt_in(pool, "Utokyo", tz="Asia/Tokyo")
    opt_in(pool, "Unyc", tz="America/New_York")  # 09:00 in New York is 14:00 UTC
    for user, now in (("Utokyo", utc(30, 1)), ("Unyc", utc(30, 15))):
        send(schedule, user, now)
    # Tuesday 01:00 UTC: 10:00 in Tokyo (a new day there), 20:00 Monday in New York.
    assert due_users(schedule, utc(1 + 30, 1)) == ["Utokyo"]
    assert due_users(schedule, utc(31, 14, 30)) == ["Unyc", "Utokyo"]


def test_opting_in_shortly_before_nine_sends_one_not_two_within_the_hour(schedule, pool):
    opt_in(pool, "U1")
    send(schedule, "U1", utc(30, 8, 30))  # the first, right after opting in at 08:30
    assert due_users(schedule, utc(30, 9, 5)) == []  # it stands for today as well
    assert due_users(schedule, utc(31, 9, 5)) == ["U1"]


def test_weekly_is_due_once_a_week_from_monday_nine(schedule, pool):
    opt_in(pool, "U1", "weekly")
    send(schedule, "U1", utc(30, 12))  # Monday noon: the first
    for day in range(31, 37):  # Tuesday to Sunday
        assert due_users(schedule, utc(day, 12)) == []
    assert due_users(schedule, utc(37, 8)) == []  # the next Monday, 08:00
    assert due_users(schedule, utc(37, 9, 1)) == ["U1"]


def test_a_weekly_first_digest_on_sunday_stands_for_the_coming_week(schedule, pool):
    opt_in(pool, "U1", "weekly")
    send(schedule, "U1", utc(36, 12))  # Sunday noon
    assert due_users(schedule, utc(37, 9, 5)) == []
    assert due_users(schedule, utc(44, 9, 5)) == ["U1"]


def test_nobody_who_opted_out_or_never_in_is_due(schedule, pool):
    opt_in(pool, "U1")
    opt_in(pool, "U2")
    PreferenceStore(pool).set_digest(SCOPE, "U2", "off", tz="UTC", locale="en", channel=None)
    PreferenceStore(pool).update(SCOPE, "U3", learning_enabled=False)
    assert due_users(schedule, utc(30, 12)) == ["U1"]
    assert schedule.due("T2", utc(30, 12)) == []  # another installation's people stay theirs


def test_a_time_zone_postgresql_doesnt_know_counts_as_utc(schedule, pool):
    opt_in(pool, "U1", tz="Mars/Olympus_Mons")
    assert due_users(schedule, utc(30, 9, 5)) == ["U1"]
    with pool.connection() as conn:
        assert conn.execute("SELECT digest_tz FROM bot_user_prefs").fetchone()["digest_tz"] == "UTC"


def test_overlapping_runs_claim_each_person_once(schedule, pool):
    for n in range(20):
        opt_in(pool, f"U{n:02d}")
    now = utc(30, 12)
    due = schedule.due(SCOPE, now)
    won: list[str] = []
    lock = threading.Lock()

    def run(run_id: int) -> None:
        for person in due:
            if schedule.claim(SCOPE, person, f"run{run_id}-{person.user_id}"):
                with lock:
                    won.append(person.user_id)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won) == sorted(d.user_id for d in due)  # each exactly once
    assert schedule.due(SCOPE, now) == []


def test_a_claim_is_taken_once_and_only_with_its_token_for_its_person(schedule, pool):
    opt_in(pool, "U1")
    (due,) = schedule.due(SCOPE, utc(30, 12))
    assert schedule.claim(SCOPE, due, "tok")
    assert schedule.take(SCOPE, "U2", "tok") is None  # someone else's claim
    assert schedule.take(SCOPE, "U1", "other") is None  # not this claim's token
    taken = schedule.take(SCOPE, "U1", "tok")
    assert taken is not None and (taken.frequency, taken.channel) == ("daily", "DU1")
    assert schedule.take(SCOPE, "U1", "tok") is None  # a replay


def test_a_failed_digest_keeps_its_period_but_gives_back_the_one_it_claimed_ahead(schedule, pool):
    opt_in(pool, "U1")
    (due,) = schedule.due(SCOPE, utc(30, 8, 30))
    assert due.next_period and due.next_period != due.period
    schedule.claim(SCOPE, due, "tok")
    schedule.take(SCOPE, "U1", "tok")
    assert schedule.finish(SCOPE, "U1", "tok", "failed", period=due.period)
    assert due_users(schedule, utc(30, 9, 5)) == ["U1"]  # today's can still come


def test_the_fan_out_keeps_to_its_rate_and_its_concurrency(schedule, pool):
    for n in range(6):
        opt_in(pool, f"U{n}")
    clock = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock[0] += seconds

    fan_out = DigestFanOut(
        schedule,
        lambda: INSTALLATION,
        per_minute=60,
        concurrency=10,
        clock=lambda: clock[0],
        sleep=sleep,
    )
    submitted: list[dict] = []
    run = fan_out.run(submitted.append, now=utc(30, 12))
    assert (run.due, len(run.submitted), run.more) == (6, 6, False)
    assert sum(sleeps) == pytest.approx(5.0)  # one a second: the sixth at 5 s
    # Six queued, none finished: a run allowed 6 in flight hands out no more.
    opt_in(pool, "U9")
    limited = fan_out.run(
        submitted.append,
        now=utc(30, 12),
        concurrency=6,
        until=Deadline.after(20.0, lambda: clock[0]),
    )
    assert (limited.due, limited.submitted, limited.more) == (1, [], True)


def test_a_fan_out_that_cannot_hand_a_job_over_gives_the_claim_back(schedule, pool):
    opt_in(pool, "U1")
    fan_out = DigestFanOut(schedule, lambda: INSTALLATION, per_minute=6000, concurrency=5)

    def refuse(job: dict) -> None:
        raise RuntimeError("Lambda refused the invoke")

    assert fan_out.run(refuse, now=utc(30, 12)).submitted == []
    assert due_users(schedule, utc(30, 12)) == ["U1"]


def test_an_idle_bot_does_not_even_look_up_its_installation(schedule):
    def installation() -> Installation:
        raise AssertionError("looked up")

    fan_out = DigestFanOut(schedule, installation, per_minute=60, concurrency=5)
    assert fan_out.run(lambda job: None).due == 0


def test_old_claims_are_pruned_but_the_once_per_opt_in_note_is_kept(schedule, pool):
    with pool.connection() as conn:
        conn.execute(
            "INSERT INTO bot_digest_claims (team_id, user_id, period, token, status, claimed_at) "
            "VALUES ('T1', 'U1', 'day:2026-01-01', 'a', 'sent', now() - interval '40 days'), "
            "('T1', 'U1', 'note:2026-01-01T00:00:00+00:00', 'b', 'note', "
            "now() - interval '40 days'), "
            "('T1', 'U1', 'day:2026-11-30', 'c', 'sent', now())"
        )
    assert schedule.prune() == 1
    with pool.connection() as conn:
        periods = {r["period"] for r in conn.execute("SELECT period FROM bot_digest_claims")}
    assert periods == {"note:2026-01-01T00:00:00+00:00", "day:2026-11-30"}
