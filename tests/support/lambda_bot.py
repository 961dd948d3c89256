"""The bot as a Lambda container runs it, configured from the environment (no Secrets Manager):
Function URL events through bot.lambda_handler.handler, its async self-invokes fed back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

import bot.lambda_handler as lambda_handler
from tests.support import slack_requests as sr
from tests.support.lambda_events import CapturedInvokes, LambdaContext, function_url_event

SECRET = "lambda-bot-signing-secret"


class LambdaBot:
    def __init__(self, invokes: CapturedInvokes) -> None:
        self.invokes = invokes
        self.context = LambdaContext()

    def request(self, body: str, *, form: bool = False) -> dict:
        """One signed Slack request, then every async invoke it made, as Lambda would."""
        response = lambda_handler.handler(function_url_event(body, SECRET, form=form), self.context)
        for payload in self.invokes.take_payloads():
            assert lambda_handler.handler(payload, self.context)["ok"] is True
        return response

    def event(self, event: dict) -> dict:
        return self.request(sr.event_body(event, team_id="T1"))


@contextmanager
def lambda_bot(
    monkeypatch: pytest.MonkeyPatch, fake_slack, fake_openai, database_url: str
) -> Iterator[LambdaBot]:
    for name in ("BOT_SECRET_ID", "DATABASE_SECRET_ID"):
        monkeypatch.delenv(name, raising=False)
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SECRET,
        "OPENAI_API_KEY": "sk-test",
        "DATABASE_URL": database_url,
        "SLACK_API_URL": fake_slack.base_url,
        "OPENAI_BASE_URL": fake_openai.base_url,
        "OPENAI_MAX_RETRIES": "0",
        "EMBEDDING_DIMS": "256",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    invokes = CapturedInvokes()
    monkeypatch.setattr(lambda_handler, "_runtime", None)
    monkeypatch.setattr(lambda_handler, "_lambda_client", invokes.client)
    try:
        yield LambdaBot(invokes)
    finally:
        if lambda_handler._runtime is not None and lambda_handler._runtime.pool is not None:
            lambda_handler._runtime.pool.close()
