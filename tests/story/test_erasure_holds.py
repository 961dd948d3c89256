"""Forgetting that holds, run as Lambda runs it: a job issued before an erasure (or before a later
settings change) writes nothing when it runs afterwards, through Lambda's retries, the failure
queue or `bot replay-failed`; the failure queue keeps none of an erased person's words; and a
revoked bot token erases nothing until it has stayed revoked for REVOKED_GRACE_DAYS.

Function URL events go through bot.lambda_handler.handler; async self-invokes are captured from
a real boto3 client and delivered later, as a retry or a replay would; SQS is moto's.
"""

from __future__ import annotations

import json
import logging
import time

import boto3
import pytest

import bot.lambda_handler as lambda_handler
from bot.aws.replay import replay_failed
from bot.cli.main import main as cli_main
from bot.jobs.dispatch import job_event
from bot.jobs.freshness import ASYNC_MAX_EVENT_AGE_S, stamped
from bot.jobs.signing import JobSigner
from bot.slack import memory_views
from tests.support import slack_requests as sr
from tests.support.lambda_events import (
    CapturedInvokes,
    LambdaContext,
    failure_record,
    function_url_event,
)

SECRET = "erasure-signing-secret"
DAY = 24 * 60 * 60


class Deployment:
    """The deployed function with its failure queue; async invokes wait until delivered."""

    def __init__(self, invokes: CapturedInvokes, sqs, queue_url: str) -> None:
        self.invokes = invokes
        self.sqs = sqs
        self.queue_url = queue_url
        self.context = LambdaContext()
        self.signer = JobSigner(SECRET)

    def request(self, body: str, *, form: bool = False) -> dict:
        return lambda_handler.handler(function_url_event(body, SECRET, form=form), self.context)

    def dm(self, user: str, text: str, channel: str = "D1") -> list[dict]:
        """A DM, acked; returns its captured async invoke(s), not yet run."""
        event = sr.dm_event(user, text, team_id="T1", channel=channel)
        assert self.request(sr.event_body(event, team_id="T1"))["statusCode"] == 200
        return self.invokes.take_payloads()

    def click(self, action_id: str, user: str, **fields) -> list[dict]:
        body = sr.action_body(action_id, user=user, team_id="T1", **fields)
        assert self.request(body, form=True)["statusCode"] == 200
        return self.invokes.take_payloads()

    def forget_everything(self, user: str, fake_slack) -> str:
        url = fake_slack.response_url(f"forget-{user}")
        self.run(self.click(memory_views.FORGET_ALL_CONFIRM, user, response_url=url))
        return url

    def run(self, payloads: list[dict]) -> None:
        """Deliver async invokes to the handler, as Lambda (or its retry) would."""
        for payload in payloads:
            assert lambda_handler.handler(payload, self.context)["ok"] is True

    def park(self, payload: dict) -> None:
        """Lambda's on-failure record of an async invocation that failed every retry."""
        self.sqs.send_message(
            QueueUrl=self.queue_url, MessageBody=failure_record(payload, error="Timeout")
        )

    def queued_bodies(self) -> list[str]:
        """Everything the queue holds, all of it visible now."""
        bodies, seen = [], set()
        while True:
            messages = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0
            ).get("Messages", [])
            fresh = [m for m in messages if m["MessageId"] not in seen]
            if not fresh:
                return bodies
            seen |= {m["MessageId"] for m in fresh}
            bodies += [m["Body"] for m in fresh]

    def replay_failed(self):
        return replay_failed(
            self.sqs,
            self.invokes.client(),
            queue_url=self.queue_url,
            function_name="memory-bot",
            signer=self.signer,
        )

    def issued_earlier(self, payload: dict, seconds: float) -> dict:
        """The same job as the ack path would have signed it `seconds` ago."""
        job = stamped(payload["memory_bot_job"], time.time() - seconds)
        return job_event(job, self.signer)


@pytest.fixture
def deployment(aws, monkeypatch, fake_slack, fake_openai, database_url, pool):
    sqs = boto3.client("sqs", region_name="us-east-1")
    queue_url = sqs.create_queue(QueueName="FailedJobs")["QueueUrl"]
    env = {
        "SLACK_BOT_TOKEN": "xoxb-erasure",
        "SLACK_SIGNING_SECRET": SECRET,
        "OPENAI_API_KEY": "sk-erasure",
        "DATABASE_URL": database_url,
        "SLACK_API_URL": fake_slack.base_url,
        "OPENAI_BASE_URL": fake_openai.base_url,
        "OPENAI_MAX_RETRIES": "0",
        "EMBEDDING_DIMS": "256",
        "FAILURE_QUEUE_URL": queue_url,
    }
    for name in ("BOT_SECRET_ID", "DATABASE_SECRET_ID"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    invokes = CapturedInvokes()
    monkeypatch.setattr(lambda_handler, "_runtime", None)
    monkeypatch.setattr(lambda_handler, "_lambda_client", invokes.client)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield Deployment(invokes, sqs, queue_url)
    root.handlers[:], root.level = handlers, level
    if lambda_handler._runtime is not None and lambda_handler._runtime.pool is not None:
        lambda_handler._runtime.pool.close()


def _memories(pool, user: str) -> list[str]:
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT value->'content'->>'topic' AS topic FROM store "
            "WHERE split_part(prefix, '.', 3) = %s ORDER BY 1",
            (user,),
        ).fetchall()
    return [row["topic"] for row in rows]


def _answers(pool, user: str) -> int:
    with pool.connection() as conn:
        return conn.execute(
            "SELECT count(*) AS n FROM bot_answers WHERE user_id = %s", (user,)
        ).fetchone()["n"]


def _learning(pool, user: str) -> bool:
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT learning_enabled FROM bot_user_prefs WHERE user_id = %s", (user,)
        ).fetchone()
    return row["learning_enabled"] if row else True


def _extractions(fake_openai) -> int:
    return len([r for r in fake_openai.requests if r.path == "/v1/chat/completions"])


# --- nothing erased comes back -------------------------------------------------------------------


def test_a_dm_reply_job_captured_before_forget_and_run_after_leaves_no_memory_of_that_person(
    deployment, pool, fake_slack, fake_openai
):
    deployment.run(deployment.dm("U1", "I use Go at work"))
    assert _memories(pool, "U1") == ["Go"]
    late = deployment.dm("U1", "I'm learning Rust")  # handed over, not run yet

    deployment.forget_everything("U1", fake_slack)
    assert _memories(pool, "U1") == []
    extractions = _extractions(fake_openai)
    deployment.run(late)  # Lambda's retry, after the erasure

    # Answered (it is the person's message), but nothing of it kept: no memory, no extraction,
    # no answer record.
    assert len(fake_slack.messages("D1")) == 2
    assert _memories(pool, "U1") == []
    assert _extractions(fake_openai) == extractions
    assert _answers(pool, "U1") == 0

    # Erasure is a point in time, not a block: what they say afterwards is remembered.
    deployment.run(deployment.dm("U1", "I use Kotlin now"))
    assert _memories(pool, "U1") == ["Kotlin"]


def test_an_edit_captured_before_forget_and_run_after_learns_nothing(deployment, pool, fake_slack):
    said = sr.dm_event("U1", "I love Rust.", team_id="T1")
    assert deployment.request(sr.event_body(said, team_id="T1"))["statusCode"] == 200
    deployment.run(deployment.invokes.take_payloads())
    assert _memories(pool, "U1") == ["Rust"]
    edit = sr.message_changed_event("U1", "I love Rust.", "I love Go.", ts=said["ts"], team_id="T1")
    assert deployment.request(sr.event_body(edit, team_id="T1"))["statusCode"] == 200
    late = deployment.invokes.take_payloads()

    deployment.forget_everything("U1", fake_slack)
    deployment.run(late)  # Lambda's retry of the edit, after the erasure
    assert _memories(pool, "U1") == []


def test_an_uninstall_is_a_watermark_for_everyone_in_the_installation(deployment, pool, fake_slack):
    late = deployment.dm("U1", "I'm learning Rust") + deployment.dm("U2", "I use Go", "D2")
    body = sr.event_body({"type": "app_uninstalled"}, team_id="T1")
    assert deployment.request(body)["statusCode"] == 200
    deployment.run(deployment.invokes.take_payloads())
    deployment.run(late)
    assert _memories(pool, "U1") == [] and _memories(pool, "U2") == []


def test_a_replayed_learning_on_after_a_later_off_leaves_learning_off(
    deployment, pool, fake_slack, fake_openai
):
    on = deployment.click(
        memory_views.LEARNING_TOGGLE, "U1", response_url=None,
        selected_options=[{"value": "on"}], container="home",
    )  # fmt: skip
    off = deployment.click(
        memory_views.LEARNING_TOGGLE, "U1", response_url=None, selected_options=[], container="home"
    )
    deployment.run(off)
    assert _learning(pool, "U1") is False

    # The "on" failed every retry; an operator replays the failure queue after the fix.
    deployment.park(on[0])
    assert deployment.replay_failed().replayed == 1
    deployment.run(deployment.invokes.take_payloads())
    assert _learning(pool, "U1") is False
    # And the Home tab it republished says so.
    home = fake_slack.calls_to("views.publish")[-1].json_param("view")
    (switch,) = [
        element
        for block in home["blocks"]
        for element in block.get("elements", [])
        if element.get("action_id") == memory_views.LEARNING_TOGGLE
    ]
    assert "initial_options" not in switch
    deployment.run(deployment.dm("U1", "I'm learning Rust"))
    assert _memories(pool, "U1") == []


def test_an_add_memory_retried_or_replayed_after_forget_saves_nothing(deployment, pool, fake_slack):
    view = {"callback_id": memory_views.MEMORY_EDITOR, "private_metadata": json.dumps({"key": ""})}
    values = {
        "topic": {"value": "Bluebird"},
        "interest_level": {"value": "90"},
        "privacy": {"selected_options": [{"value": "private"}]},
    }
    body = sr.view_submission_body(user="U1", team_id="T1", view=view, values=values)
    assert deployment.request(body, form=True)["statusCode"] == 200
    (save,) = deployment.invokes.take_payloads()
    deployment.forget_everything("U1", fake_slack)
    deployment.run([save])  # Lambda's retry
    assert _memories(pool, "U1") == []
    deployment.park(save)  # it failed again, and landed in the queue after the erasure's purge
    deployment.replay_failed()
    deployment.run(deployment.invokes.take_payloads())
    assert _memories(pool, "U1") == []


def test_a_14_day_old_failure_queue_record_replayed_after_erasure_writes_nothing(
    deployment, pool, fake_slack, fake_openai, caplog
):
    (reply,) = deployment.dm("U1", "I'm learning Rust")
    old = deployment.issued_earlier(reply, 14 * DAY - 3600)
    deployment.forget_everything("U1", fake_slack)
    # Being replayed (so invisible to the erasure's purge) while the erasure ran, it failed again.
    deployment.park(old)
    caplog.set_level(logging.INFO)

    result = deployment.replay_failed()
    assert result.replayed == 1 and result.skipped == []
    logging.getLogger().addHandler(caplog.handler)
    deployment.run(deployment.invokes.take_payloads())

    # Skipped whole: not answered 14 days late, nothing learned, nothing recorded.
    assert fake_slack.messages("D1") == []
    assert not fake_openai.bodies("responses")
    assert _memories(pool, "U1") == [] and _answers(pool, "U1") == 0
    assert any("predates the person's erasure" in r.getMessage() for r in caplog.records)


def test_a_record_replayed_for_someone_never_erased_still_runs(deployment, pool, fake_slack):
    (reply,) = deployment.dm("U1", "I'm learning Rust")
    deployment.park(deployment.issued_earlier(reply, 3 * DAY))
    deployment.replay_failed()
    deployment.run(deployment.invokes.take_payloads())
    assert _memories(pool, "U1") == ["Rust"]
    assert len(fake_slack.messages("D1")) == 1


def test_only_a_replay_runs_a_job_older_than_lambdas_retry_window(
    deployment, pool, fake_slack, caplog
):
    (reply,) = deployment.dm("U1", "I'm learning Rust")
    stale = deployment.issued_earlier(reply, ASYNC_MAX_EVENT_AGE_S + 3600)
    job = stale["memory_bot_job"]
    tampered = [
        # Captured and sent again as it was: past the window.
        stale,
        # Made fresh, or marked as a replay, without the key: the signature breaks.
        {**stale, "memory_bot_job": {**job, "issued_at": time.time()}},
        {**stale, "memory_bot_job": {**job, "replayed_at": time.time()}},
        # A signed job from before jobs carried their issue time.
        job_event({k: v for k, v in job.items() if k != "issued_at"}, deployment.signer),
    ]
    caplog.set_level(logging.INFO)
    logging.getLogger().addHandler(caplog.handler)
    for event in tampered:
        lambda_handler.handler(event, deployment.context)
    assert fake_slack.messages("D1") == [] and _memories(pool, "U1") == []
    reasons = {getattr(r, "reason", None) for r in caplog.records}
    assert {"older than Lambda's retry window", "missing or wrong signature"} <= reasons
    assert "no issue time" in reasons

    # `bot replay-failed` may: it re-signs the job with its replay time.
    deployment.park(stale)
    deployment.replay_failed()
    deployment.run(deployment.invokes.take_payloads())
    assert _memories(pool, "U1") == ["Rust"]


def test_the_failure_queue_holds_none_of_the_persons_text_after_forget(
    deployment, pool, fake_slack
):
    (mine,) = deployment.dm("U1", "my secret project is called Bluebird")
    (theirs,) = deployment.dm("U2", "I use Go", "D2")
    for payload in (deployment.issued_earlier(mine, 3 * DAY), mine, theirs):
        deployment.park(payload)
    deployment.park({"memory_bot_task": "sweep"})

    deployment.forget_everything("U1", fake_slack)

    left = deployment.queued_bodies()  # and visible again at once, not after a timeout
    assert not [body for body in left if "Bluebird" in body or '"U1"' in body]
    assert len(left) == 2 and any('"U2"' in body for body in left)


def test_bot_forget_user_purges_the_failure_queue_too(
    deployment, pool, fake_slack, monkeypatch, capsys, cli_logging
):
    (mine,) = deployment.dm("U1", "my secret project is called Bluebird")
    (theirs,) = deployment.dm("U2", "I use Go", "D2")
    deployment.park(mine)
    deployment.park(theirs)
    assert cli_main(["forget-user", "U1"]) == 0
    assert "Removed 1 of their failed jobs" in capsys.readouterr().out
    left = deployment.queued_bodies()
    assert len(left) == 1 and "Bluebird" not in left[0]
    deployment.run([mine])  # had it been running meanwhile: nothing of it is kept
    assert _memories(pool, "U1") == []


# --- revocation is not uninstall -----------------------------------------------------------------


def _revoked_at(pool):
    with pool.connection() as conn:
        return [r["revoked_at"] for r in conn.execute("SELECT revoked_at FROM bot_installations")]


def _revoke(deployment) -> None:
    event = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}
    assert deployment.request(sr.event_body(event, team_id="T1"))["statusCode"] == 200
    deployment.run(deployment.invokes.take_payloads())


def _sweep(deployment) -> None:
    assert lambda_handler.handler({"memory_bot_task": "sweep"}, deployment.context)["ok"] is True


def _revoked_days_ago(pool, days: int) -> None:
    with pool.connection() as conn:
        conn.execute("UPDATE bot_installations SET revoked_at = now() - make_interval(days => %s)",
                     (days,))  # fmt: skip


def test_tokens_revoked_alone_is_acked_and_keeps_every_memory(deployment, pool):
    deployment.run(deployment.dm("U1", "I'm learning Rust"))
    _revoke(deployment)
    assert _memories(pool, "U1") == ["Rust"]
    (revoked,) = _revoked_at(pool)
    assert revoked is not None
    _sweep(deployment)  # within the grace period
    assert _memories(pool, "U1") == ["Rust"]


def test_an_installation_revoked_past_the_grace_period_is_erased_by_the_sweep(
    deployment, pool, fake_slack
):
    deployment.run(deployment.dm("U1", "I'm learning Rust"))
    _revoke(deployment)
    _revoked_days_ago(pool, 31)
    fake_slack.fail_next("auth.test", status=200, error="token_revoked", count=5)
    _sweep(deployment)
    assert _memories(pool, "U1") == [] and _revoked_at(pool) == []


def test_a_token_that_works_again_clears_the_mark_and_nothing_is_erased(
    deployment, pool, fake_slack
):
    deployment.run(deployment.dm("U1", "I'm learning Rust"))
    _revoke(deployment)
    _revoked_days_ago(pool, 31)
    # Reinstalled with a new token: the sweep's auth.test names this installation again.
    _sweep(deployment)
    assert _memories(pool, "U1") == ["Rust"] and _revoked_at(pool) == [None]


def test_the_next_job_with_a_working_token_clears_the_mark(deployment, pool):
    deployment.run(deployment.dm("U1", "I'm learning Rust"))
    _revoke(deployment)
    deployment.run(deployment.dm("U1", "I use Go too"))
    assert _revoked_at(pool) == [None]
    assert _memories(pool, "U1") == ["Go", "Rust"]


def test_a_sweep_that_cannot_ask_slack_erases_nothing(deployment, pool, fake_slack):
    deployment.run(deployment.dm("U1", "I'm learning Rust"))
    _revoke(deployment)
    _revoked_days_ago(pool, 31)
    fake_slack.fail_next("auth.test", status=500, count=10)
    _sweep(deployment)
    assert _memories(pool, "U1") == ["Rust"]
