"""When each person's tech digest is due, the claim that sends it once, and the hourly fan-out.

A digest period begins at 09:00 in the person's time zone: a day for a daily digest, an ISO
week (from Monday) for a weekly one. Someone is due when the period they are in has no claim:
so the first digest goes out at the first run after opting in, and the next at the first run
after the next 09:00 (or Monday 09:00). A digest sent shortly before a period begins (within
LOOKAHEAD, e.g. the first one, right after opting in at 08:30) stands for that period too, so
no second one follows an hour later.

Exactly once per person and period, under retries and overlapping runs: the fan-out claims
(INSERT … ON CONFLICT DO NOTHING of scope, user and period, with a token) before it hands the
job over, and the job runs only if it can take the claim with its token. Erasing the person
deletes their claims, so a job issued before an erasure finds nothing and writes nothing.

Time zones are PostgreSQL's (its own tz database), not the Python runtime's.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.jobs.types import Job, JobHandler

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

    from bot.db.answer_log import AnswerRecord
    from bot.jobs.deadlines import Deadline
    from bot.memory.installation import Installation

log = logging.getLogger(__name__)

DELIVERY_HOUR = 9
# How far ahead a digest also stands for the next period (see the module docstring).
LOOKAHEAD = {"daily": "3 hours", "weekly": "1 day"}
# Claims older than this only record the past; "note:" claims are kept (one note per opt-in).
CLAIM_RETENTION = "35 days"
# A claim handed over or taken this recently counts as a digest in flight; one older belongs
# to a job that was lost, and stops counting.
IN_FLIGHT_WINDOW = "10 minutes"
# While the fan-out waits for a digest in flight to finish, it looks again this often.
IN_FLIGHT_POLL_S = 0.2
# A Lambda run stops handing jobs over this long before its deadline, and continues in a new one.
STOP_BEFORE_DEADLINE_S = 15.0


def _period(at: str) -> str:
    """SQL: the period key of the moment `at` for the person in row `p`."""
    local = f"(({at}) AT TIME ZONE coalesce(p.digest_tz, 'UTC')) - interval '{DELIVERY_HOUR} hours'"
    return (
        f"CASE p.digest WHEN 'daily' THEN 'day:' || to_char({local}, 'YYYY-MM-DD') "
        f"ELSE 'week:' || to_char({local}, 'IYYY-\"W\"IW') END"
    )


_LOOKAHEAD_SQL = (
    f"CASE p.digest WHEN 'daily' THEN interval '{LOOKAHEAD['daily']}' "
    f"ELSE interval '{LOOKAHEAD['weekly']}' END"
)
_NOW = "%(now)s::timestamptz"
_DUE = f"""
SELECT d.user_id, d.period, d.next_period FROM (
    SELECT p.user_id, {_period(_NOW)} AS period, {_period(f"{_NOW} + {_LOOKAHEAD_SQL}")} AS next_period
    FROM bot_user_prefs p
    WHERE p.team_id = %(scope)s AND p.digest <> 'off' {{only_user}}
) d
WHERE NOT EXISTS (
    SELECT 1 FROM bot_digest_claims c
    WHERE c.team_id = %(scope)s AND c.user_id = d.user_id AND c.period = d.period
)
ORDER BY d.user_id
"""  # noqa: E501 - SQL reads better unbroken
_OPTED_IN = """
SELECT p.user_id FROM bot_user_prefs p
WHERE p.team_id = %(scope)s AND p.digest <> 'off' {only_user}
ORDER BY p.user_id
"""


@dataclass(frozen=True)
class DueDigest:
    user_id: str
    period: str
    next_period: str | None = None  # also claimed when it begins within LOOKAHEAD


@dataclass(frozen=True)
class Subscription:
    """What a digest job knows of the person once it holds their claim."""

    frequency: str
    since: datetime | None
    tz: str
    locale: str | None
    channel: str | None
    profile_at: datetime | None
    learning_enabled: bool


def digest_job(user_id: str, period: str, token: str) -> Job:
    """The per-person job. It names the claim by its token: a forged or replayed job without
    the claim's current token finds nothing."""
    return {
        "kind": "digest",
        "user_id": user_id,
        "period": period,
        "claim": token,
        "event_key": f"digest:{token}",
    }


class DigestSchedule:
    """The digest columns of bot_user_prefs and the claims in bot_digest_claims."""

    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool

    # --- who is due ------------------------------------------------------------------------

    def due(
        self,
        scope_id: str,
        now: datetime,
        *,
        user_id: str | None = None,
        ignore_due: bool = False,
    ) -> list[DueDigest]:
        """Everyone opted in whose current period has no claim yet (one person with
        `user_id`). `ignore_due`: everyone opted in, under a period of its own that claims no
        scheduled one (`bot digest --now`)."""
        params: dict[str, Any] = {"scope": scope_id, "now": now, "user": user_id}
        only_user = "AND p.user_id = %(user)s" if user_id else ""
        with self._pool.connection() as conn:
            if ignore_due:
                rows = conn.execute(_OPTED_IN.format(only_user=only_user), params).fetchall()
                manual = "now:" + now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
                return [DueDigest(r["user_id"], manual) for r in rows]
            rows = conn.execute(_DUE.format(only_user=only_user), params).fetchall()
        return [
            DueDigest(r["user_id"], r["period"], r["next_period"] or None)
            for r in rows
            if r["period"]
        ]

    def anyone_opted_in(self) -> bool:
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT EXISTS (SELECT 1 FROM bot_user_prefs WHERE digest <> 'off') AS any"
            ).fetchone()
        return bool(row["any"])

    def is_claimed(self, scope_id: str, user_id: str, now: datetime) -> bool:
        """Whether the person's current period already has its digest (or one on the way)."""
        return not self.due(scope_id, now, user_id=user_id)

    def in_flight(self) -> int:
        """Digests handed over or being written right now, across every worker."""
        with self._pool.connection() as conn:
            row = conn.execute(
                # A digest claiming a period ahead holds two rows under one token.
                "SELECT count(DISTINCT token) AS n FROM bot_digest_claims "
                "WHERE status IN ('queued', 'taken') "
                "AND claimed_at > now() - %s::interval",
                (IN_FLIGHT_WINDOW,),
            ).fetchone()
        return int(row["n"])

    # --- claiming ----------------------------------------------------------------------------

    def claim(self, scope_id: str, due: DueDigest, token: str) -> bool:
        """Claim the person's period (and the next one, when it is close) for one job; False
        when another run got there first."""
        insert = (
            "INSERT INTO bot_digest_claims (team_id, user_id, period, token) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING period"
        )
        with self._pool.connection() as conn, conn.transaction():
            if not conn.execute(insert, (scope_id, due.user_id, due.period, token)).fetchone():
                return False
            if due.next_period and due.next_period != due.period:
                conn.execute(insert, (scope_id, due.user_id, due.next_period, token))
        return True

    def release(self, scope_id: str, user_id: str, token: str) -> None:
        """Give a claim back (its job could not be handed over): the next run tries again."""
        with self._pool.connection() as conn:
            conn.execute(
                "DELETE FROM bot_digest_claims WHERE team_id = %s AND user_id = %s AND token = %s",
                (scope_id, user_id, token),
            )

    def take(self, scope_id: str, user_id: str, token: str) -> Subscription | None:
        """The job's claim, taken once, if the person is still opted in; None otherwise (taken
        already, erased meanwhile, opted out, or never theirs)."""
        with self._pool.connection() as conn:
            row = conn.execute(
                "UPDATE bot_digest_claims c SET status = 'taken' FROM bot_user_prefs p "
                "WHERE c.team_id = %(scope)s AND c.user_id = %(user)s AND c.token = %(token)s "
                "AND c.status = 'queued' AND p.team_id = c.team_id AND p.user_id = c.user_id "
                "AND p.digest <> 'off' "
                "RETURNING p.digest, p.digest_since, coalesce(p.digest_tz, 'UTC') AS tz, "
                "p.digest_locale, p.digest_channel, p.digest_profile_at, p.learning_enabled",
                {"scope": scope_id, "user": user_id, "token": token},
            ).fetchone()
        if row is None:
            return None
        return Subscription(
            frequency=row["digest"],
            since=row["digest_since"],
            tz=row["tz"],
            locale=row["digest_locale"],
            channel=row["digest_channel"],
            profile_at=row["digest_profile_at"],
            learning_enabled=row["learning_enabled"],
        )

    def held(self, scope_id: str, user_id: str, token: str) -> bool:
        """Whether the job still holds its claim (an erasure deletes it)."""
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT 1 FROM bot_digest_claims WHERE team_id = %s AND user_id = %s "
                "AND token = %s AND status = 'taken' LIMIT 1",
                (scope_id, user_id, token),
            ).fetchone()
        return row is not None

    def finish(
        self,
        scope_id: str,
        user_id: str,
        token: str,
        status: str,
        *,
        period: str,
        answer: AnswerRecord | None = None,
    ) -> bool:
        """Close the claim with how it ended, and log the digest's cost, in one transaction
        that first locks the claim: an erasure running meanwhile either waits and then takes
        the row, or has already taken the claim and nothing is written. A failed digest gives
        back the next period it had claimed ahead."""
        from bot.db import answer_log

        with self._pool.connection() as conn, conn.transaction():
            held = conn.execute(
                "SELECT period FROM bot_digest_claims WHERE team_id = %s AND user_id = %s "
                "AND token = %s AND status = 'taken' FOR UPDATE",
                (scope_id, user_id, token),
            ).fetchall()
            if not held:
                return False
            if answer is not None:
                answer_log.insert(conn, answer)
            if status == "failed":
                conn.execute(
                    "DELETE FROM bot_digest_claims WHERE team_id = %s AND user_id = %s "
                    "AND token = %s AND period <> %s",
                    (scope_id, user_id, token, period),
                )
            conn.execute(
                "UPDATE bot_digest_claims SET status = %s "
                "WHERE team_id = %s AND user_id = %s AND token = %s",
                (status, scope_id, user_id, token),
            )
        return True

    def note_once(self, scope_id: str, user_id: str, since: datetime | None, token: str) -> bool:
        """True the first time a note is due for this opt-in (nothing to write a digest from),
        for a job that still holds its claim."""
        stamp = (since or datetime.fromtimestamp(0, UTC)).astimezone(UTC)
        with self._pool.connection() as conn:
            row = conn.execute(
                "INSERT INTO bot_digest_claims (team_id, user_id, period, token, status) "
                "SELECT %(scope)s, %(user)s, %(note)s, %(token)s, 'note' WHERE EXISTS ("
                "SELECT 1 FROM bot_digest_claims WHERE team_id = %(scope)s "
                "AND user_id = %(user)s AND token = %(token)s AND status = 'taken') "
                "ON CONFLICT DO NOTHING RETURNING period",
                {
                    "scope": scope_id,
                    "user": user_id,
                    "note": f"note:{stamp.isoformat()}",
                    "token": token,
                },
            ).fetchone()
        return row is not None

    def refresh_profile(self, scope_id: str, user_id: str, *, tz: str, locale: str) -> None:
        with self._pool.connection() as conn:
            conn.execute(
                "UPDATE bot_user_prefs SET digest_tz = coalesce("
                "(SELECT name FROM pg_timezone_names WHERE name = %s), digest_tz), "
                "digest_locale = %s, digest_profile_at = now() "
                "WHERE team_id = %s AND user_id = %s",
                (tz, locale, scope_id, user_id),
            )

    def remember_channel(self, scope_id: str, user_id: str, channel: str) -> None:
        with self._pool.connection() as conn:
            conn.execute(
                "UPDATE bot_user_prefs SET digest_channel = %s WHERE team_id = %s AND user_id = %s",
                (channel, scope_id, user_id),
            )

    def outcomes(self, tokens: list[str]) -> dict[str, int]:
        """How the digests of these claims ended, by status (for `bot digest`)."""
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT status, count(DISTINCT token) AS n FROM bot_digest_claims "
                "WHERE token = ANY(%s) AND period NOT LIKE 'note:%%' GROUP BY status",
                (tokens,),
            ).fetchall()
        return {row["status"]: int(row["n"]) for row in rows}

    def prune(self) -> int:
        with self._pool.connection() as conn:
            return conn.execute(
                "DELETE FROM bot_digest_claims WHERE claimed_at < now() - %s::interval "
                "AND period NOT LIKE 'note:%%'",
                (CLAIM_RETENTION,),
            ).rowcount


@dataclass
class FanOut:
    """What one run handed over."""

    due: int = 0
    submitted: list[Job] = field(default_factory=list)
    # True when the run stopped at its deadline with people still due: continue in a new run.
    more: bool = False


class DigestFanOut:
    """Hands one digest job per due person to the worker, no faster than `per_minute` (Slack's
    and OpenAI's rate limits) and with at most `concurrency` digests in flight (the workers'
    share: replies must still find a free one)."""

    def __init__(
        self,
        schedule: DigestSchedule,
        installation: Callable[[], Installation],
        *,
        per_minute: int,
        concurrency: int,
        enabled: bool = True,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._schedule = schedule
        self._installation = installation
        self._interval = 60.0 / max(1, per_minute)
        self._concurrency = max(1, concurrency)
        self._enabled = enabled
        self._clock = clock
        self._sleep = sleep

    def run(
        self,
        submit: JobHandler,
        *,
        now: datetime | None = None,
        user_id: str | None = None,
        ignore_due: bool = False,
        until: Deadline | None = None,
        concurrency: int | None = None,
    ) -> FanOut:
        # An idle bot's hourly run costs one query: not even the installation is looked up.
        if not self._enabled or not self._schedule.anyone_opted_in():
            return FanOut()
        scope = self._installation().scope_id
        now = now or datetime.now(UTC)
        limit = max(1, min(concurrency or self._concurrency, self._concurrency))
        self._schedule.prune()
        due = self._schedule.due(scope, now, user_id=user_id, ignore_due=ignore_due)
        result = FanOut(due=len(due))
        next_at = self._clock()
        for person in due:
            if not self._wait_for_room(limit, until):
                result.more = True
                break
            wait = next_at - self._clock()
            if wait > 0:
                self._sleep(wait)
            next_at = max(next_at, self._clock() - self._interval) + self._interval
            token = uuid.uuid4().hex
            if not self._schedule.claim(scope, person, token):
                continue  # an overlapping run has it
            job = digest_job(person.user_id, person.period, token)
            try:
                submit(job)
            except Exception:  # noqa: BLE001 - the next run tries this person again
                log.exception("could not hand a digest over", extra={"user_id": person.user_id})
                self._schedule.release(scope, person.user_id, token)
                continue
            result.submitted.append(job)
        if result.submitted or result.more:
            log.info(
                "digests handed over",
                extra={"due": result.due, "submitted": len(result.submitted), "more": result.more},
            )
        return result

    def _wait_for_room(self, limit: int, until: Deadline | None) -> bool:
        """Wait until fewer than `limit` digests are in flight; False if the deadline comes."""
        while True:
            if until is not None and until.remaining() < STOP_BEFORE_DEADLINE_S:
                return False
            if self._schedule.in_flight() < limit:
                return True
            self._sleep(IN_FLIGHT_POLL_S)
