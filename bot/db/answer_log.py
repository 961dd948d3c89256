"""One row per answer: ids, model, timings, token counts, outcome and the person's feedback.

Never any message or answer text. Retention: the rows hold only Slack ids and numbers, and are
erased with the person (bot/memory/erasure.py: `/forget`, `bot forget-user`, uninstall); `bot stats`
summarises them for an operator.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Literal, TextIO

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg_pool import ConnectionPool

log = logging.getLogger(__name__)

Outcome = Literal["ok", "model_error", "cut_off"]
Kind = Literal["answer", "digest"]
OUTCOMES: tuple[Outcome, ...] = ("ok", "model_error", "cut_off")
FEEDBACK_VALUES = ("good", "bad")

# Idempotent, for storage.migrate to run beside the bot's other tables.
ANSWER_LOG_SCHEMA = """
CREATE TABLE IF NOT EXISTS bot_answers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id text NOT NULL,
    user_id text NOT NULL,
    channel text NOT NULL,
    message_ts text NOT NULL,
    answer_ts text,
    model text NOT NULL,
    first_token_ms integer,
    total_ms integer NOT NULL,
    input_tokens integer,
    output_tokens integer,
    cached_tokens integer,
    memories_used integer NOT NULL DEFAULT 0,
    web_searches integer NOT NULL DEFAULT 0,
    outcome text NOT NULL CHECK (outcome IN ('ok', 'model_error', 'cut_off')),
    feedback text CHECK (feedback IN ('good', 'bad')),
    feedback_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS bot_answers_created_idx ON bot_answers (created_at);
CREATE INDEX IF NOT EXISTS bot_answers_person_idx ON bot_answers (team_id, user_id);
CREATE INDEX IF NOT EXISTS bot_answers_answer_idx ON bot_answers (team_id, channel, answer_ts);
-- An answer to someone's message, or a tech digest the bot sent of its own accord.
ALTER TABLE bot_answers ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'answer'
    CHECK (kind IN ('answer', 'digest'));
"""


@dataclass(frozen=True)
class AnswerRecord:
    """What one answer cost and how it ended. Token counts are the API's `usage`, None when the
    stream ended without one; `first_token_ms` is None when no text arrived."""

    team_id: str
    user_id: str
    channel: str
    message_ts: str  # the message answered
    model: str
    total_ms: int
    outcome: Outcome
    answer_ts: str | None = None  # the answer's own message, once Slack has given it a ts
    first_token_ms: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_tokens: int | None = None
    memories_used: int = 0
    web_searches: int = 0
    kind: Kind = "answer"


def record(pool: ConnectionPool, answer: AnswerRecord) -> int | None:
    """Store one answer; its id, or None if the database refused (logged, never raised: the
    answer itself has already reached the person)."""
    try:
        with pool.connection() as conn:
            return insert(conn, answer)
    except Exception as exc:  # noqa: BLE001 - a lost log row must not become a lost answer
        log.warning("answer not logged", extra={"error": type(exc).__name__})
        return None


def insert(conn: Connection, answer: AnswerRecord) -> int:
    """Store one answer on `conn`, inside whatever transaction the caller holds; its id."""
    row = conn.execute(
        "INSERT INTO bot_answers (team_id, user_id, channel, message_ts, answer_ts, model, "
        "first_token_ms, total_ms, input_tokens, output_tokens, cached_tokens, "
        "memories_used, web_searches, outcome, kind) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (
            answer.team_id,
            answer.user_id,
            answer.channel,
            answer.message_ts,
            answer.answer_ts,
            answer.model,
            answer.first_token_ms,
            answer.total_ms,
            answer.input_tokens,
            answer.output_tokens,
            answer.cached_tokens,
            answer.memories_used,
            answer.web_searches,
            answer.outcome,
            answer.kind,
        ),
    ).fetchone()
    return int(row["id"])


def set_feedback(
    pool: ConnectionPool, team_id: str, user_id: str, channel: str, answer_ts: str, value: str
) -> bool:
    """Store a thumbs up ("good") or down ("bad") on an answer; True if it was stored.

    Only the person the answer was for can rate it: the row must match the clicker's own
    (team, user), so a forged click for someone else's answer changes nothing. A second
    click replaces the first.
    """
    if value not in FEEDBACK_VALUES:
        return False
    with pool.connection() as conn:
        cursor = conn.execute(
            "UPDATE bot_answers SET feedback = %s, feedback_at = now() "
            "WHERE team_id = %s AND user_id = %s AND channel = %s AND answer_ts = %s",
            (value, team_id, user_id, channel, answer_ts),
        )
        return cursor.rowcount > 0


@dataclass(frozen=True)
class Period:
    """Answers in a span of time (one UTC day, or the whole report)."""

    answers: int = 0
    first_token_p50_ms: float | None = None
    first_token_p95_ms: float | None = None
    total_p50_ms: float | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    good: int = 0
    bad: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def good_ratio(self) -> float | None:
        rated = self.good + self.bad
        return self.good / rated if rated else None


@dataclass(frozen=True)
class Summary:
    days: int
    per_day: list[tuple[date, Period]]  # oldest first, every day present
    total: Period
    digests: Period = field(default_factory=Period)  # tech digests sent, all days together


_PERIOD_COLUMNS = """
    count(a.id) AS answers,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY a.first_token_ms) AS first_token_p50_ms,
    percentile_cont(0.95) WITHIN GROUP (ORDER BY a.first_token_ms) AS first_token_p95_ms,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY a.total_ms) AS total_p50_ms,
    coalesce(sum(a.input_tokens), 0) AS input_tokens,
    coalesce(sum(a.output_tokens), 0) AS output_tokens,
    coalesce(sum(a.cached_tokens), 0) AS cached_tokens,
    count(*) FILTER (WHERE a.feedback = 'good') AS good,
    count(*) FILTER (WHERE a.feedback = 'bad') AS bad,
    count(*) FILTER (WHERE a.outcome = 'ok') AS ok,
    count(*) FILTER (WHERE a.outcome = 'model_error') AS model_error,
    count(*) FILTER (WHERE a.outcome = 'cut_off') AS cut_off
"""
# The last `days` UTC days, today included; days without answers still get a row.
_PER_DAY = f"""
WITH days AS (
    SELECT generate_series(
        (now() AT TIME ZONE 'UTC')::date - (%(days)s::int - 1), (now() AT TIME ZONE 'UTC')::date,
        interval '1 day')::date AS day
)
SELECT d.day, {_PERIOD_COLUMNS}
FROM days d
LEFT JOIN bot_answers a ON (a.created_at AT TIME ZONE 'UTC')::date = d.day AND a.kind = 'answer'
GROUP BY d.day ORDER BY d.day
"""
_TOTAL = f"""
SELECT {_PERIOD_COLUMNS}
FROM bot_answers a
WHERE a.kind = %(kind)s AND a.created_at
    >= ((now() AT TIME ZONE 'UTC')::date - (%(days)s::int - 1))::timestamp AT TIME ZONE 'UTC'
"""


def stats(pool: ConnectionPool, days: int = 7) -> Summary:
    """The last `days` UTC days (today included) of the answer log, per day and in total."""
    days = max(1, days)
    with pool.connection() as conn:
        per_day = [
            (row["day"], _period(row)) for row in conn.execute(_PER_DAY, {"days": days}).fetchall()
        ]
        total = _period(conn.execute(_TOTAL, {"days": days, "kind": "answer"}).fetchone())
        digests = _period(conn.execute(_TOTAL, {"days": days, "kind": "digest"}).fetchone())
    return Summary(days, per_day, total, digests)


def _period(row: dict) -> Period:
    return Period(
        answers=row["answers"],
        first_token_p50_ms=row["first_token_p50_ms"],
        first_token_p95_ms=row["first_token_p95_ms"],
        total_p50_ms=row["total_p50_ms"],
        input_tokens=int(row["input_tokens"]),
        output_tokens=int(row["output_tokens"]),
        cached_tokens=int(row["cached_tokens"]),
        good=row["good"],
        bad=row["bad"],
        outcomes={name: row[name] for name in OUTCOMES},
    )


_HEADER = (
    "day",
    "answers",
    "1st token p50",
    "p95",
    "total p50",
    "tokens in",
    "out",
    "cached",
    "up",
    "down",
    "errors",
    "cut off",
)


def format_stats(summary: Summary) -> str:
    """A plain-text table: one line per day, a total line, then feedback and outcomes."""
    rows = [_row(day.isoformat(), period) for day, period in summary.per_day]
    rows.append(_row("total", summary.total))
    widths = [max(len(r[i]) for r in [_HEADER, *rows]) for i in range(len(_HEADER))]

    def line(cells: tuple[str, ...]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest]).rstrip()

    total = summary.total
    ratio = total.good_ratio
    feedback = (
        f"{total.good} up / {total.bad} down ({ratio:.0%} positive)"
        if ratio is not None
        else "no ratings yet"
    )
    outcomes = ", ".join(f"{name} {total.outcomes.get(name, 0)}" for name in OUTCOMES)
    return "\n".join(
        [
            f"Answers in the last {summary.days} days (UTC), times in ms",
            "",
            line(_HEADER),
            *(line(r) for r in rows[:-1]),
            "-" * len(line(_HEADER)),
            line(rows[-1]),
            "",
            f"Feedback: {feedback}",
            f"Outcomes: {outcomes}",
            _digest_line(summary.digests),
        ]
    )


def _digest_line(d: Period) -> str:
    if not d.answers:
        return "Digests: none sent"
    failed = d.answers - d.outcomes.get("ok", 0)
    return (
        f"Digests: {d.answers:,} sent, tokens {d.input_tokens:,} in ({d.cached_tokens:,} cached)"
        f" / {d.output_tokens:,} out, {d.good:,} up / {d.bad:,} down, {failed:,} cut off"
    )


def _row(label: str, p: Period) -> tuple[str, ...]:
    return (
        label,
        f"{p.answers:,}",
        _ms(p.first_token_p50_ms),
        _ms(p.first_token_p95_ms),
        _ms(p.total_p50_ms),
        f"{p.input_tokens:,}",
        f"{p.output_tokens:,}",
        f"{p.cached_tokens:,}",
        f"{p.good:,}",
        f"{p.bad:,}",
        f"{p.outcomes.get('model_error', 0):,}",
        f"{p.outcomes.get('cut_off', 0):,}",
    )


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{round(value):,}"


def run_stats(pool: ConnectionPool, days: int, out: TextIO) -> int:
    """`bot stats`: print the summary; exit status 0, or 1 with a one-line reason."""
    try:
        summary = stats(pool, days)
    except Exception as exc:  # noqa: BLE001 - an operator gets a sentence, not a traceback
        print(f"Could not read the answer log ({type(exc).__name__}).", file=out)
        return 1
    print(format_stats(summary), file=out)
    return 0
