"""The Lambda deployment, run as Lambda runs it: Function URL events through
bot.lambda_handler.handler, async self-invokes captured from a real boto3 client and fed back,
secrets from (moto's) Secrets Manager, and a database that refuses connections while resuming."""

from __future__ import annotations

import json
import logging
import os

import pytest
from moto import mock_aws

import bot.lambda_handler as lambda_handler
from tests import slack_requests as sr
from tests.flaky_proxy import FlakyProxy
from tests.lambda_events import CapturedInvokes, LambdaContext, function_url_event

SECRET = "signing-secret-from-secrets-manager"
BOT_TOKEN = "xoxb-token-from-secrets-manager"
OPENAI_KEY = "sk-key-from-secrets-manager"


@pytest.fixture
def aws(monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield


def _secret(name: str, value: dict) -> str:
    import boto3

    client = boto3.client("secretsmanager", region_name="us-east-1")
    return client.create_secret(Name=name, SecretString=json.dumps(value))["ARN"]


class Deployment:
    """One deployed function: its environment, its captured self-invokes, its database path."""

    def __init__(self, proxy: FlakyProxy, invokes: CapturedInvokes) -> None:
        self.proxy = proxy
        self.invokes = invokes
        self.context = LambdaContext()

    def request(self, body: str, *, form: bool = False, headers=None) -> dict:
        event = function_url_event(body, SECRET, form=form, headers=headers)
        return lambda_handler.handler(event, self.context)

    def dm(self, user: str, text: str, *, event_id=None, headers=None) -> dict:
        body = sr.event_body(sr.dm_event(user, text, team_id="T1"), team_id="T1", event_id=event_id)
        return self.request(body, headers=headers)

    def run_async_invokes(self) -> int:
        """Deliver every captured async invoke to the handler, as Lambda would."""
        payloads = self.invokes.take_payloads()
        for payload in payloads:
            assert lambda_handler.handler(payload, self.context)["ok"] is True
        return len(payloads)


@pytest.fixture
def deployment(aws, monkeypatch, fake_slack, fake_openai, database_url, pool):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "OPENAI_API_KEY", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with FlakyProxy(database_url, refuse_first=0) as proxy:
        bot_secret = _secret(
            "memory-bot/app",
            {
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SECRET,
                "OPENAI_API_KEY": OPENAI_KEY,
            },
        )
        db_secret = _secret(
            "memory-bot/db",
            {
                "username": "postgres",
                "password": "",
                "host": "127.0.0.1",
                "port": proxy.port,
                "dbname": "postgres",
                "engine": "postgres",
                # The embedded test database has no TLS; RDS secrets name no sslmode.
                "sslmode": "disable",
            },
        )
        env = {
            "BOT_SECRET_ID": bot_secret,
            "DATABASE_SECRET_ID": db_secret,
            "SLACK_API_URL": fake_slack.base_url,
            "OPENAI_BASE_URL": fake_openai.base_url,
            "OPENAI_MAX_RETRIES": "0",
            "EMBEDDING_DIMS": "256",
            "LOG_LEVEL": "INFO",
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        invokes = CapturedInvokes()
        monkeypatch.setattr(lambda_handler, "_runtime", None)
        monkeypatch.setattr(lambda_handler, "_lambda_client", invokes.client)
        root = logging.getLogger()
        handlers, level = root.handlers[:], root.level
        yield Deployment(proxy, invokes)
        # The runtime configures logging and opens a pool as a cold start would; undo both.
        root.handlers[:], root.level = handlers, level
        if lambda_handler._runtime is not None and lambda_handler._runtime.pool is not None:
            lambda_handler._runtime.pool.close()


def test_a_dm_is_acked_then_answered_by_the_async_invocation(deployment, fake_slack, fake_openai):
    response = deployment.dm("U1", "I'm learning Rust")
    assert response["statusCode"] == 200
    # The ack did no model work and posted nothing: the work waits in the async invoke.
    assert fake_openai.requests == []
    assert fake_slack.calls_to("chat.postMessage") == []
    (call,) = deployment.invokes.calls
    assert call["FunctionName"] == LambdaContext.invoked_function_arn
    assert call["InvocationType"] == "Event"
    # The ack read the app secret only; the database secret waits for the job.
    assert lambda_handler._runtime.settings.database_url is None
    assert lambda_handler._runtime.pool is None

    assert deployment.run_async_invokes() == 1
    assert len(fake_slack.messages("D1")) == 1


def test_keys_from_secrets_manager_reach_every_client(deployment, fake_slack, fake_openai):
    deployment.dm("U1", "I'm learning Rust")
    deployment.run_async_invokes()
    slack_auth = {c.headers.get("authorization") for c in fake_slack.calls if c.method != "upload"}
    assert slack_auth == {f"Bearer {BOT_TOKEN}"}
    kinds = {r.path for r in fake_openai.requests}
    assert kinds == {"/v1/responses", "/v1/chat/completions", "/v1/embeddings"}
    assert {r.headers.get("authorization") for r in fake_openai.requests} == {
        f"Bearer {OPENAI_KEY}"
    }


def test_a_request_with_a_bad_signature_is_rejected(deployment):
    body = sr.event_body(sr.dm_event("U1", "hi", team_id="T1"), team_id="T1")
    event = function_url_event(body, "wrong-secret")
    assert lambda_handler.handler(event, deployment.context)["statusCode"] == 401
    assert deployment.invokes.calls == []


def test_commands_and_buttons_arrive_base64_form_encoded_and_work(deployment, fake_slack):
    deployment.dm("U1", "I'm learning Rust")
    deployment.run_async_invokes()

    url = fake_slack.response_url("list")
    body = sr.command_body("/interests", "", user="U1", team_id="T1", response_url=url)
    assert deployment.request(body, form=True)["statusCode"] == 200
    deployment.run_async_invokes()
    (listing,) = fake_slack.calls_to("response_url:list")
    assert "Rust" in json.dumps(listing.params)

    url = fake_slack.response_url("gone")
    body = sr.action_body("forget_all_confirm", user="U1", team_id="T1", response_url=url)
    assert deployment.request(body, form=True)["statusCode"] == 200
    deployment.run_async_invokes()
    (done,) = fake_slack.calls_to("response_url:gone")
    assert "1 memory" in done.params["text"]


def test_a_retry_storm_and_duplicated_async_invokes_produce_one_reply(deployment, fake_slack):
    for retry in range(4):
        headers = {"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"}
        response = deployment.dm(
            "U1", "hello", event_id="Ev-storm", headers=headers if retry else None
        )
        assert response["statusCode"] == 200
    payloads = deployment.invokes.take_payloads()
    # Lambda may also deliver an async invocation twice.
    for payload in payloads + payloads[:1]:
        lambda_handler.handler(payload, deployment.context)
    assert len(fake_slack.messages("D1")) == 1


def test_a_resuming_database_still_gets_the_reply_out_once(deployment, fake_slack, fake_openai):
    deployment.proxy.refusals_left = 3
    fake_openai.reply_text = "Answered after the resume."
    deployment.dm("U1", "I'm learning Rust", event_id="Ev-resume")
    payloads = deployment.invokes.take_payloads()
    for payload in payloads + payloads:  # and a duplicate, once the database is back
        lambda_handler.handler(payload, deployment.context)
    assert deployment.proxy.refused == 3
    assert [m["text"] for m in fake_slack.messages("D1")] == ["Answered after the resume."]
    # The person saw the bot working before the database was back.
    (reaction, *_) = fake_slack.calls_to("reactions.add")
    assert reaction.time < deployment.proxy.first_forwarded_at


def test_an_unexpected_event_shape_is_answered_not_raised(deployment, caplog):
    # Not an HTTP event and not a job: Mangum can't route it; the handler must not crash Lambda.
    with caplog.at_level(logging.ERROR):
        result = lambda_handler.handler(
            {"memory_bot_job": {"kind": "nonsense"}}, deployment.context
        )
    assert result["ok"] is True


def test_logs_are_json_with_ids_and_never_message_text(deployment, capfd):
    deployment.dm("U1", "my secret project is called Bluebird")
    deployment.run_async_invokes()
    err = capfd.readouterr().err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert lines, "expected JSON log lines on stderr"
    assert any(line.get("event_id") and line.get("team_id") == "T1" for line in lines)
    assert "Bluebird" not in err
    assert BOT_TOKEN not in err and OPENAI_KEY not in err and SECRET not in err


def test_the_ack_path_imports_no_model_or_database_library(tmp_path, fake_slack):
    # A fresh interpreter, as on a cold start: serve one signed request, then look at what loaded.
    import subprocess
    import sys

    driver = """
import json, sys
from tests import slack_requests as sr
from tests.lambda_events import LambdaContext, function_url_event, CapturedInvokes
import bot.lambda_handler as lh
lh._lambda_client = CapturedInvokes().client
body = sr.event_body(sr.dm_event("U1", "hi", team_id="T1"), team_id="T1")
response = lh.handler(function_url_event(body, "s3cret"), LambdaContext())
heavy = ("langmem", "langchain_core", "langgraph", "openai", "psycopg", "psycopg_pool", "trustcall")
print(json.dumps({"status": response["statusCode"],
                  "loaded": sorted(m for m in heavy if m in sys.modules)}))
"""
    env = {
        "PATH": os.environ["PATH"],
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s3cret",
        "SLACK_API_URL": fake_slack.base_url,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    result = subprocess.run(
        [sys.executable, "-c", driver],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=os.path.dirname(os.path.dirname(__file__)),
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome == {"status": 200, "loaded": []}


def test_slacks_url_verification_challenge_is_answered(deployment):
    body = json.dumps({"token": "t", "challenge": "abc123", "type": "url_verification"})
    response = deployment.request(body)
    assert response["statusCode"] == 200
    assert "abc123" in response["body"]
    assert deployment.invokes.calls == []


def test_an_unfilled_app_secret_is_logged_clearly_and_not_raised(aws, monkeypatch, capfd):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    empty = {"SLACK_BOT_TOKEN": "", "SLACK_SIGNING_SECRET": "", "OPENAI_API_KEY": ""}
    monkeypatch.setenv("BOT_SECRET_ID", _secret("memory-bot/empty", {**empty, "UNUSED": "x"}))
    monkeypatch.setattr(lambda_handler, "_runtime", None)
    body = sr.event_body(sr.dm_event("U1", "hi", team_id="T1"), team_id="T1")
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        response = lambda_handler.handler(function_url_event(body, SECRET), LambdaContext())
        job = lambda_handler.handler({"memory_bot_job": {"kind": "reply"}}, LambdaContext())
    finally:
        root.handlers[:], root.level = handlers, level
    assert response["statusCode"] == 500
    assert job == {"ok": False}
    err = capfd.readouterr().err
    assert "the bot cannot start" in err and "SLACK_BOT_TOKEN" in err
