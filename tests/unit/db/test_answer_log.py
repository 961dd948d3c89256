"""The answer log against real PostgreSQL: rows without text, feedback only from the asker,
erasure with the person, and the Monday-morning summary."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from bot.db import answer_log
from bot.db.answer_log import AnswerRecord
from bot.db.storage import open_pool


@pytest.fixture
def log_pool(pool):
    with pool.connection() as conn:
        conn.execute(answer_log.ANSWER_LOG_SCHEMA)
        conn.execute(answer_log.ANSWER_LOG_SCHEMA)  # idempotent, as `bot migrate` needs
        conn.execute("TRUNCATE bot_answers")
    return pool


@pytest.fixture(scope="module")
def unreachable_pool():
    pool = open_pool("postgresql://bot@127.0.0.1:1/none", connect_timeout=1, open_timeout=0.5)
    yield pool
    pool.close()


def answer(**overrides) -> AnswerRecord:
    fields = {
        "team_id": "T1",
        "user_id": "U1",
        "channel": "D1",
        "message_ts": "1700000000.000100",
        "answer_ts": "1700000000.000200",
        "model": "gpt-test-chat",
        "first_token_ms": 400,
        "total_ms": 2100,
        "outcome": "ok",
        "input_tokens": 900,
        "output_tokens": 120,
        "cached_tokens": 512,
        "memories_used": 3,
        "web_searches": 1,
    }
    return AnswerRecord(**{**fields, **overrides})


def rows(pool) -> list[dict]:
    with pool.connection() as conn:
        return conn.execute("SELECT * FROM bot_answers ORDER BY id").fetchall()


def test_a_normal_answer_is_one_row_of_ids_and_numbers(log_pool):
    answer_id = answer_log.record(log_pool, answer())

    (row,) = rows(log_pool)
    assert row["id"] == answer_id
    assert {k: row[k] for k in ("team_id", "user_id", "channel", "message_ts", "answer_ts")} == {
        "team_id": "T1",
        "user_id": "U1",
        "channel": "D1",
        "message_ts": "1700000000.000100",
        "answer_ts": "1700000000.000200",
    }
    assert (row["model"], row["outcome"], row["first_token_ms"], row["total_ms"]) == (
        "gpt-test-chat",
        "ok",
        400,
        2100,
    )
    assert (row["input_tokens"], row["output_tokens"], row["cached_tokens"]) == (900, 120, 512)
    assert (row["memories_used"], row["web_searches"], row["feedback"]) == (3, 1, None)
    # Nothing in the table could hold what was said.
    text_columns = {k for k, v in row.items() if isinstance(v, str)}
    assert text_columns == {
        "team_id",
        "user_id",
        "channel",
        "message_ts",
        "answer_ts",
        "model",
        "outcome",
        "kind",  # "answer" or "digest", held to those by a CHECK
    }


def test_a_model_error_and_a_cut_off_stream_are_logged_without_usage(log_pool):
    answer_log.record(
        log_pool,
        answer(
            outcome="model_error",
            first_token_ms=None,
            input_tokens=None,
            output_tokens=None,
            cached_tokens=None,
            answer_ts=None,
        ),
    )
    answer_log.record(log_pool, answer(outcome="cut_off", output_tokens=None))

    error, cut = rows(log_pool)
    assert (error["outcome"], error["first_token_ms"], error["input_tokens"]) == (
        "model_error",
        None,
        None,
    )
    assert error["answer_ts"] is None
    assert (cut["outcome"], cut["first_token_ms"], cut["output_tokens"]) == ("cut_off", 400, None)


def test_feedback_is_stored_against_the_answer_and_a_second_click_replaces_it(log_pool):
    answer_log.record(log_pool, answer())
    answer_log.record(log_pool, answer(answer_ts="1700000000.000300"))

    assert answer_log.set_feedback(log_pool, "T1", "U1", "D1", "1700000000.000200", "bad")
    assert answer_log.set_feedback(log_pool, "T1", "U1", "D1", "1700000000.000200", "good")

    first, second = rows(log_pool)
    assert first["feedback"] == "good" and first["feedback_at"] is not None
    assert second["feedback"] is None and second["feedback_at"] is None


def test_a_forged_click_for_another_persons_answer_changes_nothing(log_pool):
    answer_log.record(log_pool, answer())

    assert not answer_log.set_feedback(log_pool, "T1", "U2", "D1", "1700000000.000200", "bad")
    assert not answer_log.set_feedback(log_pool, "T2", "U1", "D1", "1700000000.000200", "bad")
    assert not answer_log.set_feedback(log_pool, "T1", "U1", "C9", "1700000000.000200", "bad")
    assert not answer_log.set_feedback(log_pool, "T1", "U1", "D1", "1700000000.000200", "meh")
    assert rows(log_pool)[0]["feedback"] is None


def test_a_database_outage_never_costs_the_answer(unreachable_pool):
    assert answer_log.record(unreachable_pool, answer()) is None


def _age(pool, answer_id: int, days: int) -> None:
    with pool.connection() as conn:
        conn.execute(
            "UPDATE bot_answers SET created_at = now() - make_interval(days => %s) WHERE id = %s",
            (days, answer_id),
        )


def _seed_week(pool) -> None:
    """Today: 4 answers (one error, one cut off); 2 days ago: 1; 10 days ago: 1 (outside)."""
    for i, first in enumerate([100, 200, 300, 400]):
        answer_log.record(
            pool,
            answer(
                answer_ts=f"1700000000.00{i}",
                first_token_ms=first,
                total_ms=first * 10,
                outcome=["ok", "ok", "model_error", "cut_off"][i],
            ),
        )
    answer_log.set_feedback(pool, "T1", "U1", "D1", "1700000000.000", "good")
    answer_log.set_feedback(pool, "T1", "U1", "D1", "1700000000.001", "good")
    answer_log.set_feedback(pool, "T1", "U1", "D1", "1700000000.002", "bad")
    _age(pool, answer_log.record(pool, answer(first_token_ms=1000, total_ms=5000)), 2)
    _age(pool, answer_log.record(pool, answer(first_token_ms=9999)), 10)


def test_stats_summarise_each_day_and_the_week(log_pool):
    _seed_week(log_pool)

    summary = answer_log.stats(log_pool, days=7)

    today = datetime.now(UTC).date()
    assert [day for day, _ in summary.per_day] == [
        today - timedelta(days=n) for n in range(6, -1, -1)
    ]
    by_day = dict(summary.per_day)
    assert by_day[today].answers == 4
    assert by_day[today - timedelta(days=2)].answers == 1
    assert by_day[today - timedelta(days=1)].answers == 0
    assert by_day[today].first_token_p50_ms == pytest.approx(250)

    total = summary.total
    assert total.answers == 5
    assert total.first_token_p50_ms == pytest.approx(300)
    assert total.first_token_p95_ms == pytest.approx(880)  # 400 + 0.8 * (1000 - 400)
    assert (total.input_tokens, total.output_tokens, total.cached_tokens) == (4500, 600, 2560)
    assert (total.good, total.bad) == (2, 1)
    assert total.good_ratio == pytest.approx(2 / 3)
    assert total.outcomes == {"ok": 3, "model_error": 1, "cut_off": 1}


def test_bot_stats_prints_the_table_an_operator_reads(log_pool):
    _seed_week(log_pool)
    out = io.StringIO()

    assert answer_log.run_stats(log_pool, 7, out) == 0

    text = out.getvalue()
    lines = text.splitlines()
    assert lines[0] == "Answers in the last 7 days (UTC), times in ms"
    assert lines[2].split() == [
        "day",
        "answers",
        "1st",
        "token",
        "p50",
        "p95",
        "total",
        "p50",
        "tokens",
        "in",
        "out",
        "cached",
        "up",
        "down",
        "errors",
        "cut",
        "off",
    ]
    today = datetime.now(UTC).date().isoformat()
    assert next(line for line in lines if line.startswith(today)).split() == [
        today,
        "4",
        "250",
        "385",
        "2,500",
        "3,600",
        "480",
        "2,048",
        "2",
        "1",
        "1",
        "1",
    ]
    total_line = next(line for line in lines if line.startswith("total"))
    assert total_line.split()[:4] == ["total", "5", "300", "880"]
    assert "Feedback: 2 up / 1 down (67% positive)" in lines
    assert "Outcomes: ok 3, model_error 1, cut_off 1" in lines


def test_an_empty_log_prints_dashes_not_errors(log_pool):
    out = io.StringIO()

    assert answer_log.run_stats(log_pool, 1, out) == 0

    lines = out.getvalue().splitlines()
    assert lines[0] == "Answers in the last 1 days (UTC), times in ms"
    assert "Feedback: no ratings yet" in lines
    total_line = next(line for line in lines if line.startswith("total"))
    assert total_line.split()[:5] == ["total", "0", "-", "-", "-"]


def test_bot_stats_without_a_database_says_so_in_one_line(unreachable_pool):
    out = io.StringIO()

    assert answer_log.run_stats(unreachable_pool, 7, out) == 1
    assert out.getvalue() == "Could not read the answer log (PoolTimeout).\n"
