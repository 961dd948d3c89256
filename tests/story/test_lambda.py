"""The Lambda deployment, run as Lambda runs it: Function URL events through
bot.lambda_handler.handler, async self-invokes captured from a real boto3 client and fed back,
secrets from (moto's) Secrets Manager, and a database that refuses connections while resuming.
Further down: the public function handing jobs to the worker through a loopback Lambda API
(tests/support/lambda_api.py), and a SnapStart snapshot taken and restored."""

from __future__ import annotations

import base64
import json
import logging
import os
import sys
import types
from pathlib import Path

import pytest

import bot.lambda_handler as lambda_handler
from tests.fakes import FakeSlack
from tests.fakes._http import LoopbackServer, Reply, Request, json_reply
from tests.support import slack_requests as sr
from tests.support.flaky_proxy import FlakyProxy
from tests.support.lambda_api import FakeLambdaApi
from tests.support.lambda_events import CapturedInvokes, LambdaContext, function_url_event

SECRET = "signing-secret-from-secrets-manager"
BOT_TOKEN = "xoxb-token-from-secrets-manager"
OPENAI_KEY = "sk-key-from-secrets-manager"


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


@pytest.fixture
def warm(deployment, caplog):
    """A warm container whose log records caplog sees (its cold start replaced root's handlers)."""
    lambda_handler._get_runtime()
    logging.getLogger().addHandler(caplog.handler)
    caplog.set_level(logging.INFO)
    return deployment


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


def test_a_command_waiting_for_a_resuming_database_hears_so_then_gets_its_answer(
    deployment, fake_slack
):
    from bot.jobs.worker import WAKING_UP

    deployment.dm("U1", "I'm learning Rust")
    deployment.run_async_invokes()
    lambda_handler._runtime.pool.close()  # a new container: nothing connected yet
    lambda_handler._runtime = None
    deployment.proxy.refusals_left = 6  # refused long enough to notice (over 1.5 s)
    url = fake_slack.response_url("waking")
    body = sr.command_body("/interests", "", user="U1", team_id="T1", response_url=url)
    deployment.request(body, form=True)
    deployment.run_async_invokes()
    notice, listing = [c.params for c in fake_slack.calls_to("response_url:waking")]
    assert notice["text"] == WAKING_UP and notice["response_type"] == "ephemeral"
    assert "Rust" in json.dumps(listing)


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


def test_logs_are_json_with_ids_and_never_message_text(deployment, capfd):
    deployment.dm("U1", "my secret project is called Bluebird")
    deployment.run_async_invokes()
    err = capfd.readouterr().err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert lines, "expected JSON log lines on stderr"
    assert any(line.get("event_id") and line.get("team_id") == "T1" for line in lines)
    assert "Bluebird" not in err
    assert BOT_TOKEN not in err and OPENAI_KEY not in err and SECRET not in err


_BOT_PACKAGES = {
    "bot.aws",
    "bot.cli",
    "bot.conversation",
    "bot.db",
    "bot.jobs",
    "bot.memory",
    "bot.slack",
}
# What a listener needs to ack and build its job; nothing that answers, reads files or
# publishes views (delivery, attachments, memory_commands, home_publisher, home_tab, feedback).
_ACK_PATH_SLACK_MODULES = {
    "bot.slack.listeners",
    "bot.slack.job_builders",
    "bot.slack.notices",
    "bot.slack.memory_views",
    "bot.slack.digest_views",
    "bot.slack.whoknows_views",  # the Home tab switch's action_id and the topic limit
    "bot.slack.answer_blocks",
    "bot.slack.block_kit",
    "bot.slack.mrkdwn",
    "bot.slack.urls",
}


def test_the_ack_path_loads_only_listener_code_and_no_model_or_database(tmp_path, fake_slack):
    # A fresh interpreter, as on a cold start: serve one signed request, then look at what loaded.
    import subprocess
    import sys

    driver = """
import json, sys
from tests.support import slack_requests as sr
from tests.support.lambda_events import LambdaContext, function_url_event, CapturedInvokes
import bot.lambda_handler as lh
lh._lambda_client = CapturedInvokes().client
body = sr.event_body(sr.dm_event("U1", "hi", team_id="T1"), team_id="T1")
response = lh.handler(function_url_event(body, "s3cret"), LambdaContext())
heavy = ("langmem", "langchain_core", "langgraph", "openai", "psycopg", "psycopg_pool", "trustcall")
print(json.dumps({"status": response["statusCode"],
                  "loaded": sorted(m for m in heavy if m in sys.modules),
                  "bot": sorted(m for m in sys.modules if m.startswith("bot."))}))
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
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["status"] == 200
    assert outcome["loaded"] == []
    loaded = set(outcome["bot"])
    # Per package: the ack path is Slack listeners and their views, the hand-over, and AWS's
    # request guard. Conversation, memory and database code wait for the worker.
    packages = {m.rsplit(".", 1)[0] if m.count(".") > 1 else m for m in loaded}
    assert {p for p in packages if p in _BOT_PACKAGES} == {"bot.aws", "bot.jobs", "bot.slack"}
    assert {m for m in loaded if m.startswith("bot.slack.")} == _ACK_PATH_SLACK_MODULES
    assert not loaded & {"bot.jobs.worker", "bot.jobs.ledger"}


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
    assert "the bot cannot start" in err and "SLACK_SIGNING_SECRET" in err


def test_a_worker_without_its_tokens_says_which_and_raises_nothing(aws, monkeypatch, capfd):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(
        "SIGNING_SECRET_ID", _secret("memory-bot/signing", {"SLACK_SIGNING_SECRET": SECRET})
    )
    monkeypatch.setattr(lambda_handler, "_runtime", None)
    signer = lambda_handler.JobSigner(SECRET)
    job = {"kind": "interests", "user_id": "U1", "team_id": "T1", "event_key": "interests:1"}
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        result = lambda_handler.handler(
            {"memory_bot_job": job, "memory_bot_job_hmac": signer.sign(job)}, LambdaContext()
        )
    finally:
        root.handlers[:], root.level = handlers, level
    assert result["ok"] is True  # taken: a retry could not do better
    err = capfd.readouterr().err
    assert "job could not start" in err and "SLACK_BOT_TOKEN" in err and "OPENAI_API_KEY" in err
    assert "Traceback" not in err


# --- AWS's own sample events, and malformed ones: a short 4xx, one log line, no traceback ------

EVENTS = Path(__file__).parents[1] / "support" / "events"
SAMPLES = (
    "lambdaFunctionUrlEvent.json",
    "apiGatewayProxyV2Event.json",
    "apiGatewayProxyEvent.json",
    "albEvent.json",
)
TELLTALE = "Bluebird"  # in every body below; must never reach a log


def _sample(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def _slack_sample(name: str, body: str, *, content_type: str = "application/json") -> dict:
    """AWS's sample event carrying a signed Slack request: POST /slack/events, Slack's headers."""
    event = _sample(name)
    event["headers"].update({"content-type": content_type, **sr.signed_headers(body, SECRET)})
    event.update(body=body, isBase64Encoded=False)
    if event.get("version") == "2.0":
        event["rawPath"] = "/slack/events"
        event["requestContext"]["http"].update(method="POST", path="/slack/events")
    else:
        event.update(httpMethod="POST", path="/slack/events")
    return event


def _dm_body() -> str:
    return sr.event_body(sr.dm_event("U1", f"{TELLTALE} uses Rust", team_id="T1"), team_id="T1")


def _assert_one_quiet_warning(caplog, message: str) -> logging.LogRecord:
    loud = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert loud == []
    assert "Traceback" not in caplog.text
    (record,) = [r for r in caplog.records if r.getMessage() == message]
    assert record.levelno == logging.WARNING
    assert TELLTALE not in json.dumps([vars(r) for r in caplog.records], default=str)
    return record


@pytest.mark.parametrize("name", SAMPLES)
def test_aws_sample_events_carrying_a_signed_slack_request_are_answered(
    deployment, fake_slack, name
):
    response = lambda_handler.handler(_slack_sample(name, _dm_body()), deployment.context)
    assert response["statusCode"] == 200
    assert deployment.run_async_invokes() == 1
    assert len(fake_slack.messages("D1")) == 1


@pytest.mark.parametrize(
    ("name", "method", "status"),
    [
        ("lambdaFunctionUrlEvent.json", None, 405),  # a browser's GET
        ("apiGatewayProxyV2Event.json", None, 401),  # a POST without Slack's signature
        ("apiGatewayProxyEvent.json", None, 405),
        ("apiGatewayProxyEvent.json", "POST", 401),
        ("albEvent.json", None, 405),
        ("albEvent.json", "POST", 401),
    ],
)
def test_aws_sample_events_as_they_are_get_a_4xx_without_a_traceback(
    warm, caplog, name, method, status
):
    event = _sample(name)
    if method:
        event["httpMethod"] = method
    event["body"] = TELLTALE
    response = lambda_handler.handler(event, warm.context)
    assert response["statusCode"] == status
    record = _assert_one_quiet_warning(caplog, "request rejected")
    assert record.status == status
    assert warm.invokes.calls == []


def _signed(body: str, content_type: str = "application/json") -> dict:
    return _slack_sample("lambdaFunctionUrlEvent.json", body, content_type=content_type)


def _changed(**changes) -> dict:
    event = _signed(_dm_body())
    for key, value in changes.items():
        if value is _DROP:
            del event[key]
        else:
            event[key] = value
    return event


def _with_headers(**headers) -> dict:
    event = _signed(_dm_body())
    event["headers"].update({k.replace("_", "-"): v for k, v in headers.items()})
    return event


def _with_http(**http) -> dict:
    event = _signed(_dm_body())
    event["requestContext"]["http"].update(http)
    return event


def _without_signature() -> dict:
    event = _signed(_dm_body())
    del event["headers"]["x-slack-signature"]
    return event


def _base64_of(raw: bytes) -> dict:
    event = _signed("")
    event.update(body=base64.b64encode(raw).decode(), isBase64Encoded=True)
    event["headers"].update(sr.signed_headers(raw.decode("latin-1"), SECRET))
    return event


_DROP = object()
MALFORMED = {
    "event is a string": (lambda: TELLTALE, 400),
    "event is a list": (lambda: [TELLTALE], 400),
    "event is a number": (lambda: 42, 400),
    "event is null": (lambda: None, 400),
    "headers null": (lambda: _changed(headers=None), 400),
    "no headers": (lambda: _changed(headers=_DROP), 400),
    "header value not a string": (lambda: _with_headers(x_slack_retry_num=1), 400),
    "no requestContext": (lambda: _changed(requestContext=_DROP), 400),
    "requestContext null": (lambda: _changed(requestContext=None), 400),
    "requestContext without http": (lambda: _changed(requestContext={"stage": "$default"}), 400),
    "no version": (lambda: _changed(version=_DROP), 400),
    "unknown method": (lambda: _with_http(method="BREW"), 405),
    "GET": (lambda: _with_http(method="GET"), 405),
    "timestamp not a number": (lambda: _with_headers(x_slack_request_timestamp="soon"), 401),
    "timestamp with a sign": (lambda: _with_headers(x_slack_request_timestamp="+1"), 401),
    "timestamp stale": (lambda: _with_headers(x_slack_request_timestamp="1000000000"), 401),
    "no signature": (_without_signature, 401),
    "JSON body flagged base64": (lambda: _changed(isBase64Encoded=True), 400),
    "body not a string": (lambda: _changed(body={"text": TELLTALE}), 400),
    "signed body not JSON": (lambda: _signed(f"not json {TELLTALE}"), 400),
    "signed body a JSON list": (lambda: _signed(json.dumps([TELLTALE])), 400),
    "signed body looks like JSON": (lambda: _signed("{" + TELLTALE, "text/plain"), 400),
    "signed form, payload not JSON": (
        lambda: _signed(f"payload=%7B{TELLTALE}", "application/x-www-form-urlencoded"),
        400,
    ),
    "signed base64 body not UTF-8": (lambda: _base64_of(b"\xff\xfe" + TELLTALE.encode()), 400),
    "signed body nested 100,000 deep": (lambda: _signed('{"a":' * 100_000), 400),
    "body with a lone surrogate": (
        lambda: _changed(body=f"\udc80{TELLTALE}", isBase64Encoded=False),
        400,
    ),
    "header with a lone surrogate": (lambda: _with_headers(user_agent="\udc80"), 400),
    "host with a port that is not a number": (lambda: _with_headers(host="a:port"), 400),
    "host with two colons": (lambda: _with_headers(host="a:1:2"), 400),
    "x-forwarded-port not a number": (lambda: _with_headers(x_forwarded_port="eighty"), 400),
    "x-forwarded-port of 5,000 digits": (lambda: _with_headers(x_forwarded_port="8" * 5000), 400),
    "rawQueryString not a string": (lambda: _changed(rawQueryString=42), 400),
    "cookies not a list": (lambda: _changed(cookies="a=b"), 400),
    "ALB event with null multiValueHeaders": (
        lambda: {**_slack_sample("albEvent.json", _dm_body()), "multiValueHeaders": None},
        400,
    ),
    **{
        f"{header} {name}": (lambda h=header, v=value: _with_headers(**{h: v}), 401)
        for header, cases in (
            (
                "x_slack_signature",
                {
                    "not ASCII": "v0=" + "é" * 64,
                    "of 10,000 characters": "v0=" + "a" * 9997,
                    "in upper case": "v0=" + "A" * 64,
                    "without its version": "a" * 64,
                },
            ),
            (
                "x_slack_request_timestamp",
                {
                    "of 4,301 digits": "1" * 4301,
                    "of 10,000 characters": "9" * 10_000,
                    "in Arabic-Indic digits": "١٧٩٥٦٠٠٠٠٠",
                    "not ASCII": "é" * 10,
                    "empty": "",
                },
            ),
        )
        for name, value in cases.items()
    },
}


@pytest.mark.parametrize(("make", "status"), MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_requests_get_a_4xx_and_one_warning_without_a_traceback(
    warm, caplog, make, status
):
    response = lambda_handler.handler(make(), warm.context)
    assert response["statusCode"] == status
    assert TELLTALE not in json.dumps(response)
    record = _assert_one_quiet_warning(caplog, "request rejected")
    assert record.status == status
    assert warm.invokes.calls == []


@pytest.mark.parametrize(
    ("make", "status"),
    [
        (lambda: {**_signed(_dm_body()), "requestContext": None}, 400),
        (lambda: _with_headers(x_slack_signature="v0=" + "é" * 64), 401),
        (lambda: _with_headers(x_slack_request_timestamp="1" * 4301), 401),
    ],
    ids=["no requestContext", "non-ASCII signature", "4,301-digit timestamp"],
)
def test_junk_on_a_cold_container_is_refused_before_the_bot_starts(
    deployment, caplog, make, status
):
    caplog.set_level(logging.INFO)
    assert lambda_handler.handler(make(), deployment.context)["statusCode"] == status
    assert lambda_handler._runtime is None  # no secret read, no Bolt app built for it
    _assert_one_quiet_warning(caplog, "request rejected")
    assert deployment.invokes.calls == []


# Values of every type a JSON event can carry, and text no encoder takes.
_ODD_VALUES = (None, 42, 1.5, True, [], {}, "", "\udc80", "x" * 10_000, [None], {"": None})


def _mutations(event: dict):
    """The event with one field (at the top, in requestContext or its `http`, or a header)
    replaced by each odd value in turn."""
    places = [
        (path, key)
        for path, node in (
            ((), event),
            (("requestContext",), event.get("requestContext") or {}),
            (("requestContext", "http"), (event.get("requestContext") or {}).get("http") or {}),
            (("headers",), event.get("headers") or {}),
        )
        for key in node
    ]
    for path, key in places:
        for value in _ODD_VALUES:
            mutated = json.loads(json.dumps(event))
            node = mutated
            for step in path:
                node = node[step]
            node[key] = value
            yield f"{'.'.join((*path, key))}={value!r:.20}", mutated


@pytest.mark.parametrize("name", SAMPLES)
def test_no_field_of_any_type_makes_the_handler_raise_or_log_a_traceback(warm, caplog, name):
    """Signed requests with one field changed (as a replay of a captured request could be):
    answered or refused, never a raise, an error or a traceback in the logs."""
    outcomes = {}
    for label, event in _mutations(_slack_sample(name, _dm_body())):
        caplog.clear()
        warm.invokes.calls.clear()
        response = lambda_handler.handler(event, warm.context)
        outcomes[label] = response["statusCode"]
        loud = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
        assert loud == [], label
        # 404: Bolt's answer for a path other than /slack/events.
        assert response["statusCode"] in (200, 400, 401, 404, 405), label
        if response["statusCode"] != 200:
            assert warm.invokes.calls == [], label
    # The mutations did reach the checks: most fields matter.
    assert sum(status != 200 for status in outcomes.values()) > len(outcomes) // 4


@pytest.mark.parametrize("name", SAMPLES)
def test_an_unsigned_request_with_any_field_changed_is_refused_and_starts_nothing(
    warm, caplog, name
):
    event = _slack_sample(name, _dm_body())
    event["headers"]["x-slack-signature"] = "v0=" + "0" * 64
    for label, mutated in _mutations(event):
        if label.startswith("headers.x-slack-signature"):
            continue
        response = lambda_handler.handler(mutated, warm.context)
        assert response["statusCode"] in (400, 401, 405), label
    assert warm.invokes.calls == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


# --- jobs: only the bot's own, signed, with Slack's response_url ---------------------------------


def _forget_all_job_event(deployment, fake_slack) -> dict:
    """Rust remembered for U1, then the async invoke of U1's genuine "forget everything" click."""
    deployment.dm("U1", "I'm learning Rust")
    deployment.run_async_invokes()
    url = fake_slack.response_url("gone")
    body = sr.action_body("forget_all_confirm", user="U1", team_id="T1", response_url=url)
    assert deployment.request(body, form=True)["statusCode"] == 200
    (event,) = deployment.invokes.take_payloads()
    return event


def test_forged_jobs_do_nothing_and_the_genuine_one_still_works(deployment, fake_slack):
    genuine = _forget_all_job_event(deployment, fake_slack)
    job, signature = genuine["memory_bot_job"], genuine["memory_bot_job_hmac"]
    forged = [
        {"memory_bot_job": job},
        {"memory_bot_job": job, "memory_bot_job_hmac": None},
        {"memory_bot_job": job, "memory_bot_job_hmac": "0" * 64},
        {"memory_bot_job": job, "memory_bot_job_hmac": "é" * 64},
        {"memory_bot_job": job, "memory_bot_job_hmac": signature[:-1] + "é"},
        {"memory_bot_job": job, "memory_bot_job_hmac": signature * 100},
        {"memory_bot_job": job, "memory_bot_job_hmac": signature.upper()},
        {"memory_bot_job": job, "memory_bot_job_hmac": [signature]},
        {"memory_bot_job": {**job, "big": 10**5000}, "memory_bot_job_hmac": signature},
        {"memory_bot_job": {**job, "user_id": "U2"}, "memory_bot_job_hmac": signature},
        {"memory_bot_job": {**job, "kind": "interests"}, "memory_bot_job_hmac": signature},
    ]
    for event in forged:
        result = lambda_handler.handler(event, deployment.context)
        assert result == {"ok": False, "dropped": "missing or wrong signature"}
    assert fake_slack.calls_to("response_url:gone") == []

    # The memory was still there: the genuine job finds and erases it.
    assert lambda_handler.handler(genuine, deployment.context)["ok"] is True
    (done,) = fake_slack.calls_to("response_url:gone")
    assert "1 memory" in done.params["text"]


def test_a_signed_job_with_a_foreign_response_url_sends_nothing_there(deployment, fake_slack):
    deployment.dm("U1", "I'm learning Rust")
    deployment.run_async_invokes()
    with FakeSlack() as elsewhere:  # a loopback server on another port: not Slack's
        url = elsewhere.response_url("steal")
        body = sr.command_body("/interests", "", user="U1", team_id="T1", response_url=url)
        assert deployment.request(body, form=True)["statusCode"] == 200
        (event,) = deployment.invokes.take_payloads()
        result = lambda_handler.handler(event, deployment.context)
        assert elsewhere.calls == []
    assert result == {"ok": False, "dropped": "response_url is not Slack's"}


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.slack.com/services/T1/B1/XXXX",  # an incoming webhook: posts in a channel
        "https://hooks.slack.com/commands/../services/T1/B1/XXXX",
    ],
)
def test_a_response_url_on_slacks_host_but_not_a_response_path_gets_nothing(deployment, url):
    deployment.dm("U1", "I'm learning Rust")
    deployment.run_async_invokes()
    body = sr.command_body("/interests", "", user="U1", team_id="T1", response_url=url)
    assert deployment.request(body, form=True)["statusCode"] == 200
    (event,) = deployment.invokes.take_payloads()
    result = lambda_handler.handler(event, deployment.context)
    assert result == {"ok": False, "dropped": "response_url is not Slack's"}


@pytest.mark.parametrize(
    "job",
    [None, "x", [], 42, {}, {"kind": None}, {"kind": ["reply"]}, {"team_id": "T1"}],
    ids=repr,
)
def test_malformed_job_events_are_logged_and_dropped_never_raised(warm, caplog, job):
    result = lambda_handler.handler({"memory_bot_job": job}, warm.context)
    assert result == {"ok": False, "dropped": "malformed job"}
    _assert_one_quiet_warning(caplog, "job dropped")


@pytest.mark.parametrize("task", ["vacuum", "", None, ["sweep"], {"name": "sweep"}], ids=repr)
def test_unknown_scheduled_tasks_are_logged_and_dropped(warm, caplog, task):
    result = lambda_handler.handler({"memory_bot_task": task}, warm.context)
    assert result["ok"] is False
    _assert_one_quiet_warning(caplog, "unknown task dropped")


# --- the ack path calls nothing but the async invoke ---------------------------------------------


class _SlackDown(LoopbackServer):
    """Slack's Web API in an outage: every call answers HTTP 500."""

    def handle(self, request: Request) -> Reply:
        self._record(request.path)
        return json_reply({"ok": False, "error": "internal_error"}, 500)


def test_cold_ack_makes_no_slack_call(deployment, monkeypatch):
    """auth.test is off the ack path: a Slack outage never turns an ack into a 500."""
    with _SlackDown() as slack:
        monkeypatch.setenv("SLACK_API_URL", f"{slack.root}/api/")
        response = deployment.dm("U1", "I'm learning Rust")
        assert slack._snapshot() == []
    assert response["statusCode"] == 200
    assert len(deployment.invokes.calls) == 1


# --- memory controls through the Lambda handler ---------------------------------------------------


def test_memory_controls_work_through_the_lambda_handler(deployment, fake_slack, pool):
    from bot.slack import memory_views

    deployment.dm("U1", "I'm learning Rust")
    deployment.run_async_invokes()
    with pool.connection() as conn:
        (key,) = [r["key"] for r in conn.execute("SELECT key FROM store").fetchall()]

    # The editor: opened by the worker, validated on the ack, saved by the worker.
    deployment.request(
        sr.action_body(
            memory_views.EDIT_MEMORY, user="U1", team_id="T1", response_url=None, value=key
        ),
        form=True,
    )
    deployment.run_async_invokes()
    assert fake_slack.calls_to("views.open")
    view = {"callback_id": memory_views.MEMORY_EDITOR, "private_metadata": json.dumps({"key": key})}
    values = {
        "topic": {"value": "Rust (embedded)"},
        "interest_level": {"value": "101"},
        "privacy": {"selected_options": []},
    }
    refused = deployment.request(
        sr.view_submission_body(user="U1", team_id="T1", view=view, values=values), form=True
    )
    assert json.loads(refused["body"])["response_action"] == "errors"
    values["interest_level"] = {"value": "95"}
    saved = deployment.request(
        sr.view_submission_body(user="U1", team_id="T1", view=view, values=values), form=True
    )
    assert saved["statusCode"] == 200
    deployment.run_async_invokes()
    with pool.connection() as conn:
        (value,) = [r["value"] for r in conn.execute("SELECT value FROM store").fetchall()]
    assert value["content"]["topic"] == "Rust (embedded)" and value["private"] is False

    # The message shortcut takes back what that message taught.
    (message,) = [c for c in fake_slack.calls_to("reactions.add")]
    url = fake_slack.response_url("taken-back")
    body = sr.message_shortcut_body(
        memory_views.FORGET_FROM_MESSAGE,
        user="U1",
        team_id="T1",
        message={"user": "U1", "ts": message.params["timestamp"], "text": "I'm learning Rust"},
        channel="D1",
        response_url=url,
    )
    assert deployment.request(body, form=True)["statusCode"] == 200
    deployment.run_async_invokes()
    with pool.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM store").fetchone()["n"] == 0


def test_uninstall_erases_the_installation_through_the_lambda_handler(deployment, pool):
    deployment.dm("U1", "I'm learning Rust")
    deployment.run_async_invokes()
    body = sr.event_body({"type": "app_uninstalled"}, team_id="T1")
    assert deployment.request(body)["statusCode"] == 200
    deployment.run_async_invokes()
    with pool.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM store").fetchone()["n"] == 0


def test_the_scheduled_sweep_expires_old_memories(deployment, pool):
    deployment.dm("U1", "I'm learning Rust and Python")
    deployment.run_async_invokes()
    with pool.connection() as conn:
        conn.execute(
            "UPDATE store SET expires_at = now() - interval '1 day' "
            "WHERE value->'content'->>'topic' = 'Rust'"
        )
    assert lambda_handler.handler({"memory_bot_task": "sweep"}, deployment.context)["ok"] is True
    with pool.connection() as conn:
        topics = [r["t"] for r in conn.execute("SELECT value->'content'->>'topic' AS t FROM store")]
    assert topics == ["Python"]


class _ShortLived(LambdaContext):
    """A function with little time left, as after a slow cold start."""

    def get_remaining_time_in_millis(self) -> int:
        return 9_000


def test_a_model_slower_than_the_time_left_gets_the_apology_before_the_deadline(
    deployment, fake_slack, fake_openai
):
    import time

    fake_openai.fail_next("responses", status=None, delay=30, count=3)
    deployment.dm("U1", "hello?")
    (payload,) = deployment.invokes.take_payloads()
    started = time.monotonic()
    lambda_handler.handler(payload, _ShortLived())
    took = time.monotonic() - started
    (message,) = fake_slack.messages("D1")
    assert "Sorry" in message["text"]
    assert took < 9


# --- two functions: the public one hands jobs to the worker through Lambda's API ----------------

PUBLIC_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:memory-bot-slack"
WORKER_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:memory-bot-worker:live"
AWS_KEYS = {"access_key": "AKIDLOOPBACK", "secret_key": "loopback-secret"}


@pytest.fixture
def two_functions(monkeypatch, fake_slack, fake_openai, database_url, pool):
    """The environment both functions run with, secrets set directly: Secrets Manager would
    follow AWS_ENDPOINT_URL to the loopback Lambda API too. Yields a function that sets the
    variables for a role."""
    for name in list(os.environ):
        if name.startswith("AWS_") or name.endswith("_SECRET_ID"):
            monkeypatch.delenv(name)
    common = {
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake_slack.base_url,
        "BOT_WORKER_FUNCTION": WORKER_ARN,
        "AWS_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": AWS_KEYS["access_key"],
        "AWS_SECRET_ACCESS_KEY": AWS_KEYS["secret_key"],
        "AWS_SESSION_TOKEN": "loopback-session",
    }
    worker = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "OPENAI_API_KEY": OPENAI_KEY,
        "OPENAI_BASE_URL": fake_openai.base_url,
        "OPENAI_MAX_RETRIES": "0",
        "DATABASE_URL": database_url,
        "EMBEDDING_DIMS": "256",
    }

    def role(*, with_worker_secrets: bool = True, **extra: str) -> None:
        for name in worker:
            monkeypatch.delenv(name, raising=False)
        env = {**common, **(worker if with_worker_secrets else {}), **extra}
        for name, value in env.items():
            monkeypatch.setenv(name, value)

    monkeypatch.setattr(lambda_handler, "_runtime", None)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield role
    root.handlers[:], root.level = handlers, level
    if lambda_handler._runtime is not None:
        lambda_handler._runtime.close()


def _dm_event(user: str = "U1", text: str = "I'm learning Rust") -> dict:
    body = sr.event_body(sr.dm_event(user, text, team_id="T1"), team_id="T1")
    return function_url_event(body, SECRET)


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL_LAMBDA", "AWS_ENDPOINT_URL"])
def test_a_dm_reaches_the_worker_through_the_configured_lambda_endpoint_and_is_answered(
    two_functions, fake_slack, variable
):
    delivered = []

    def run_as_lambda(payload, context):
        delivered.append((context.invoked_function_arn, lambda_handler.handler(payload, context)))

    with FakeLambdaApi(region="eu-west-1", deliver=run_as_lambda, **AWS_KEYS) as api:
        two_functions(**{variable: api.root})
        response = lambda_handler.handler(
            _dm_event(), LambdaContext(invoked_function_arn=PUBLIC_ARN)
        )
        assert response["statusCode"] == 200
        api.drain()
    # Signed as Lambda checks it (botocore's signer, in the fake), for the worker's alias.
    assert api.refusals == []
    (invocation,) = api.invocations
    assert invocation.function == WORKER_ARN
    assert invocation.payload["memory_bot_job"]["kind"] == "reply"
    assert [(arn, result["ok"]) for arn, result in delivered] == [(WORKER_ARN, True)]
    (answer,) = fake_slack.messages("D1")
    assert answer["text"]


def test_the_public_function_acks_and_hands_over_with_the_signing_secret_alone(
    two_functions, fake_slack, fake_openai
):
    with FakeLambdaApi(region="eu-west-1", **AWS_KEYS) as api:
        two_functions(with_worker_secrets=False, AWS_ENDPOINT_URL_LAMBDA=api.root)
        context = LambdaContext(invoked_function_arn=PUBLIC_ARN)
        assert lambda_handler.handler(_dm_event(), context)["statusCode"] == 200
        url = fake_slack.response_url("list")
        body = sr.command_body("/interests", "", user="U1", team_id="T1", response_url=url)
        assert (
            lambda_handler.handler(function_url_event(body, SECRET, form=True), context)[
                "statusCode"
            ]
            == 200
        )
    assert [i.payload["memory_bot_job"]["kind"] for i in api.invocations] == ["reply", "interests"]
    runtime = lambda_handler._runtime
    assert runtime.settings.slack_bot_token is None and runtime.settings.openai_api_key is None
    assert runtime.pool is None
    assert fake_slack.calls == [] and fake_openai.requests == []


def test_a_refused_hand_over_tells_a_command_through_its_response_url_and_raises_nothing(
    two_functions, fake_slack, capfd
):
    with FakeLambdaApi(region="eu-west-1", status=500, **AWS_KEYS) as api:
        two_functions(with_worker_secrets=False, AWS_ENDPOINT_URL_LAMBDA=api.root)
        context = LambdaContext(invoked_function_arn=PUBLIC_ARN)
        url = fake_slack.response_url("down")
        body = sr.command_body("/interests", "", user="U1", team_id="T1", response_url=url)
        command = lambda_handler.handler(function_url_event(body, SECRET, form=True), context)
        dm = lambda_handler.handler(_dm_event(), context)
    assert command["statusCode"] == 200 and dm["statusCode"] == 200
    (told,) = fake_slack.calls_to("response_url:down")
    assert "can't reach my memory" in told.params["text"]
    assert told.params["response_type"] == "ephemeral"
    # No token to post a DM apology with: logged, and nothing else tried.
    assert fake_slack.calls_to("chat.postMessage") == []
    logged = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line[:1] == "{"]
    failures = [line for line in logged if line["msg"] == "could not hand the job over"]
    assert [line["job_kind"] for line in failures] == ["interests", "reply"]
    assert [line["msg"] for line in logged if line["level"] == "ERROR"] == [
        "could not hand the job over"
    ] * 2


@pytest.mark.parametrize(
    ("setting", "named"),
    [
        ({"AWS_REGION": "xx-nowhere-1"}, "AWS_REGION"),
        ({"AWS_USE_FIPS_ENDPOINT": "yes"}, "AWS_USE_FIPS_ENDPOINT"),
        (
            {"AWS_ENDPOINT_URL_LAMBDA": "http://127.0.0.1:9", "AWS_USE_DUALSTACK_ENDPOINT": "true"},
            "AWS_USE_DUALSTACK_ENDPOINT",
        ),
    ],
)
def test_an_endpoint_setting_no_sdk_accepts_stops_the_start_clearly(
    two_functions, capfd, setting, named
):
    two_functions(with_worker_secrets=False, **setting)
    response = lambda_handler.handler(_dm_event(), LambdaContext(invoked_function_arn=PUBLIC_ARN))
    assert response["statusCode"] == 500
    err = capfd.readouterr().err
    assert "the bot cannot start" in err and named in err and "Traceback" not in err


# --- SnapStart: a restored copy of the worker's snapshot ------------------------------------------


def _fake_snapshot_restore_py() -> types.ModuleType:
    """The runtime's snapshot_restore_py, recording what is registered."""
    module = types.ModuleType("snapshot_restore_py")
    module.before, module.after = [], []
    module.register_before_snapshot = module.before.append
    module.register_after_restore = module.after.append
    return module


def _take_snapshot(hooks: types.ModuleType) -> None:
    for hook in reversed(hooks.before):  # the runtime runs them in reverse order
        hook()


def _restore(hooks: types.ModuleType) -> None:
    for hook in hooks.after:
        hook()


def _backend_pids(pool) -> set[int]:
    """The server process behind each connection the pool holds (all idle between jobs)."""
    connections = [pool.getconn() for _ in range(pool.get_stats()["pool_size"])]
    try:
        return {c.execute("SELECT pg_backend_pid() AS pid").fetchone()["pid"] for c in connections}
    finally:
        for connection in connections:
            pool.putconn(connection)


def _still_running(pool, pids: set[int], timeout: float = 5.0) -> set[int]:
    """Which of these server processes are still there, once closed ones have had time to go."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        with pool.connection() as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE pid = ANY(%s)", (list(pids),)
            ).fetchall()
        running = {row["pid"] for row in rows}
        if not running or time.monotonic() > deadline:
            return running
        time.sleep(0.05)


def test_a_restored_snapshot_has_its_own_connections_clients_and_randomness_and_answers(
    deployment, fake_slack, pool, monkeypatch
):
    import random

    hooks = _fake_snapshot_restore_py()
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", hooks)
    lambda_handler._prepare_snapshot()
    assert (len(hooks.before), len(hooks.after)) == (1, 1)

    # A worker that has run a job, with connections open, as a runtime built before the
    # snapshot would be.
    deployment.dm("U1", "I'm learning Rust")
    deployment.run_async_invokes()
    old = lambda_handler._runtime
    old_pids = _backend_pids(old.pool)
    assert old_pids

    _take_snapshot(hooks)
    # Nothing connected goes into the snapshot, and no client or secret either.
    assert lambda_handler._runtime is None and old.pool.closed
    assert _still_running(pool, old_pids) == set()
    snapshot = random.getstate()

    # Two copies restored from the one snapshot draw different numbers...
    _restore(hooks)
    first_copy = [random.random() for _ in range(3)]
    random.setstate(snapshot)
    _restore(hooks)
    second_copy = [random.random() for _ in range(3)]
    assert first_copy != second_copy
    # ...which without the hook they would not.
    random.setstate(snapshot)
    unrenewed = [random.random() for _ in range(3)]
    random.setstate(snapshot)
    assert unrenewed == [random.random() for _ in range(3)]

    # The copy's first job builds everything anew, and is answered.
    deployment.dm("U1", "What should I learn next?")
    assert deployment.run_async_invokes() == 1
    new = lambda_handler._runtime
    assert new is not old and new.slack() is not old.slack()
    assert new.worker() is not old._worker
    new_pids = _backend_pids(new.pool)
    assert new_pids and not new_pids & old_pids
    assert len(fake_slack.messages("D1")) == 2


def test_only_a_snapstart_init_primes_the_worker_and_registers_the_hooks(tmp_path):
    """A fresh interpreter importing the handler as Lambda's init does: under SnapStart the
    worker's libraries load and the hooks register, without a single connection; otherwise
    (the public function's init) neither."""
    import subprocess

    (tmp_path / "snapshot_restore_py.py").write_text(
        "before, after = [], []\n"
        "register_before_snapshot = before.append\n"
        "register_after_restore = after.append\n"
    )
    driver = """
import json, socket, sys
connects = []
real_connect = socket.socket.connect
def connect(self, address):
    connects.append(str(address))
    return real_connect(self, address)
socket.socket.connect = connect
import bot.lambda_handler
import snapshot_restore_py as hooks
heavy = ("openai", "langchain_openai", "langmem", "langgraph.store.postgres", "psycopg_pool",
         "boto3")
print(json.dumps({"loaded": sorted(m for m in heavy if m in sys.modules),
                  "hooks": [len(hooks.before), len(hooks.after)], "connects": connects}))
"""
    outcomes = {}
    for init in ("snap-start", "on-demand"):
        result = subprocess.run(
            [sys.executable, "-c", driver],
            env={
                "PATH": os.environ["PATH"],
                "PYTHONPATH": str(tmp_path),
                "AWS_LAMBDA_INITIALIZATION_TYPE": init,
            },
            capture_output=True,
            text=True,
            timeout=120,
            cwd=Path(__file__).resolve().parents[2],
        )
        assert result.returncode == 0, result.stderr
        outcomes[init] = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcomes["snap-start"] == {
        "loaded": sorted(
            [
                "openai",
                "langchain_openai",
                "langmem",
                "langgraph.store.postgres",
                "psycopg_pool",
                "boto3",
            ]
        ),
        "hooks": [1, 1],
        "connects": [],
    }
    assert outcomes["on-demand"] == {"loaded": [], "hooks": [0, 0], "connects": []}
