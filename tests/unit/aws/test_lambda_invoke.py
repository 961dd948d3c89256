"""The ack path's hand-written SigV4 Invoke matches botocore's signer and talks Lambda's API."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import quote

import botocore.auth
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

from bot.aws.lambda_invoke import AsyncInvoker, Credentials, InvokeError, sign
from tests.fakes._http import LoopbackServer, Reply, Request

ARN = "arn:aws:lambda:eu-west-1:123456789012:function:memory-bot"
NOW = dt.datetime(2026, 11, 25, 10, 0, 0, tzinfo=dt.UTC)


def _botocore_headers(monkeypatch, url: str, headers: dict, body: bytes, creds: Credentials):
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: NOW.replace(tzinfo=None))
    request = AWSRequest(method="POST", url=url, data=body, headers=dict(headers))
    boto = BotoCredentials(creds.access_key, creds.secret_key, creds.token)
    botocore.auth.SigV4Auth(boto, "lambda", "eu-west-1").add_auth(request)
    return dict(request.headers)


@pytest.mark.parametrize("token", [None, "session-token/with+odd=chars"])
@pytest.mark.parametrize("qualifier", ["", ":live"])
def test_the_signature_matches_botocores(monkeypatch, token, qualifier):
    creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)

    url = (
        "https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/"
        f"{quote(ARN + qualifier, safe='')}/invocations"
    )
    headers = {"Content-Type": "application/json", "X-Amz-Invocation-Type": "Event"}
    body = json.dumps({"memory_bot_job": {"kind": "reply", "text": "héllo"}}).encode()

    ours = sign(
        "POST", url, headers, body, credentials=creds, region="eu-west-1", service="lambda", now=NOW
    )
    theirs = _botocore_headers(monkeypatch, url, headers, body, creds)
    assert ours["Authorization"] == theirs["Authorization"]
    assert ours["x-amz-date"] == theirs["X-Amz-Date"]


class _FakeLambda(LoopbackServer):
    def __init__(self, status: int = 202) -> None:
        super().__init__()
        self.status = status

    def handle(self, request: Request) -> Reply:
        self._record(request)
        return Reply(self.status, b"" if self.status == 202 else b'{"Message": "denied"}')


def test_an_async_invoke_reaches_lambdas_api_signed(monkeypatch):
    creds = Credentials("AKIDEXAMPLE", "secret", "token")
    payload = json.dumps({"memory_bot_job": {"kind": "home"}}).encode()
    with _FakeLambda() as fake:
        invoker = AsyncInvoker(lambda: creds, endpoint=fake.root, clock=lambda: NOW)
        assert invoker.invoke(FunctionName=ARN, InvocationType="Event", Payload=payload) == {
            "StatusCode": 202
        }
        (request,) = fake._snapshot()
        url = f"{fake.root}{request.path}"
    assert request.method == "POST"
    assert request.path == f"/2015-03-31/functions/{ARN.replace(':', '%3A')}/invocations"
    assert request.headers["x-amz-invocation-type"] == "Event"
    assert request.headers["x-amz-security-token"] == "token"
    assert request.body == payload
    # What arrived verifies with botocore's signer, as Lambda would check it.
    sent = {"Content-Type": "application/json", "X-Amz-Invocation-Type": "Event"}
    expected = _botocore_headers(monkeypatch, url, sent, payload, creds)
    assert request.headers["authorization"] == expected["Authorization"]


def test_a_refused_invoke_raises_without_echoing_the_body():
    with _FakeLambda(status=403) as fake:
        invoker = AsyncInvoker(lambda: Credentials("a", "b"), endpoint=fake.root)
        with pytest.raises(InvokeError) as refused:
            invoker.invoke(FunctionName=ARN, InvocationType="Event", Payload=b'{"secret": 1}')
    assert "403" in str(refused.value) and "secret" not in str(refused.value)


def test_credentials_come_from_lambdas_environment():
    env = {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_SESSION_TOKEN": "t"}
    assert Credentials.from_environment(env) == Credentials("a", "b", "t")
    with pytest.raises(RuntimeError):
        Credentials.from_environment({})
