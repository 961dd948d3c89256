"""The whole bot wired against real PostgreSQL and the loopback Slack/OpenAI fakes."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path

from slack_bolt import App, BoltRequest, BoltResponse

from bot.conversation.llm import openai_client
from bot.jobs.dispatch import ThreadDispatcher
from bot.jobs.worker import Worker
from bot.settings import Settings
from bot.wiring import build_app, build_worker, slack_client
from tests.support import slack_requests as sr

SIGNING_SECRET = "test-signing-secret"
_names = itertools.count(1)


def bot_settings(fake_openai, fake_slack, database_url: str, data_dir: Path, dims: int) -> Settings:
    """The environment a test (or benchmark) bot runs with: every outside service on loopback."""
    return Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake_slack.base_url,
            "OPENAI_API_KEY": "sk-test-key",
            "OPENAI_BASE_URL": fake_openai.base_url,
            "OPENAI_MAX_RETRIES": "1",
            "OPENAI_TIMEOUT": "5",
            "DATABASE_URL": database_url,
            "BOT_DATA_DIR": str(data_dir),
            "CHAT_MODEL": "gpt-test-chat",
            "MEMORY_MODEL": "gpt-test-memory",
            "EMBEDDING_DIMS": str(dims),
        }
    )


def wire_bot(settings: Settings, pool, fake_slack, fake_openai) -> Bot:
    """The real app and worker, jobs run on threads in this process (as Socket Mode does)."""
    slack = slack_client(settings)
    worker = build_worker(settings, slack=slack, pool=pool, openai=openai_client(settings))
    dispatcher = ThreadDispatcher(worker.run)
    app = build_app(settings, client=slack, submit=dispatcher.submit)
    return Bot(
        app=app,
        dispatcher=dispatcher,
        slack=fake_slack,
        openai=fake_openai,
        pool=pool,
        worker=worker,
    )


@dataclass
class Bot:
    app: App
    dispatcher: ThreadDispatcher
    slack: object  # FakeSlack
    openai: object  # FakeOpenAI
    pool: object
    worker: Worker | None = None  # for tasks the schedule would start (bot.jobs.worker.Worker)

    # --- sending what Slack sends ----------------------------------------------------------

    def send(self, body: str, *, form: bool = False, headers: dict | None = None) -> BoltResponse:
        content_type = "application/x-www-form-urlencoded" if form else "application/json"
        request = BoltRequest(
            body=body,
            headers={
                "content-type": content_type,
                **sr.signed_headers(body, SIGNING_SECRET),
                **(headers or {}),
            },
        )
        return self.app.dispatch(request)

    def event(
        self,
        event: dict,
        *,
        team: str = "T1",
        event_id: str | None = None,
        wait=True,
        headers: dict | None = None,
    ) -> BoltResponse:
        response = self.send(sr.event_body(event, team_id=team, event_id=event_id), headers=headers)
        if wait:
            self.drain()
        return response

    def dm(
        self, user: str, text: str, *, team: str = "T1", wait: bool = True, **extra
    ) -> BoltResponse:
        return self.event(sr.dm_event(user, text, team_id=team, **extra), team=team, wait=wait)

    def mention(self, user: str, text: str, *, team: str = "T1", **extra) -> BoltResponse:
        return self.event(sr.mention_event(user, text, team_id=team, **extra), team=team)

    def command(self, command: str, text: str = "", *, user: str, team: str = "T1"):
        """Returns (ack response, name of the response_url the bot was given)."""
        name = f"cmd{next(_names)}"
        body = sr.command_body(
            command, text, user=user, team_id=team, response_url=self.slack.response_url(name)
        )
        response = self.send(body, form=True)
        self.drain()
        return response, name

    def click(
        self,
        action_id: str,
        *,
        user: str,
        team: str = "T1",
        value: str | None = None,
        selected_options: list | None = None,
        container: str = "message",
    ):
        name = f"act{next(_names)}"
        url = None if container == "home" else self.slack.response_url(name)
        body = sr.action_body(
            action_id,
            user=user,
            team_id=team,
            response_url=url,
            value=value,
            selected_options=selected_options,
            container=container,
        )
        response = self.send(body, form=True)
        self.drain()
        return response, name

    def drain(self) -> None:
        self.dispatcher.drain(timeout=60)

    def close(self) -> None:
        self.dispatcher.drain(timeout=60)
        self.dispatcher.shutdown()

    # --- what the person sees --------------------------------------------------------------

    def responses(self, name: str) -> list[dict]:
        return [call.params for call in self.slack.calls_to(f"response_url:{name}")]

    def last_response_text(self, name: str) -> str:
        payloads = self.responses(name)
        assert payloads, f"nothing was posted to response_url {name}"
        return _all_text(payloads[-1])

    # --- what the database holds -----------------------------------------------------------

    def rows(self, team: str, user: str) -> tuple[int, int]:
        """(store rows, store_vectors rows) whose namespace holds both the team and the user."""
        with self.pool.connection() as conn:
            store = conn.execute(
                "SELECT count(*) AS n FROM store WHERE %s = ANY(string_to_array(prefix, '.')) "
                "AND %s = ANY(string_to_array(prefix, '.'))",
                (team, user),
            ).fetchone()["n"]
            vectors = conn.execute(
                "SELECT count(*) AS n FROM store_vectors "
                "WHERE %s = ANY(string_to_array(prefix, '.')) "
                "AND %s = ANY(string_to_array(prefix, '.'))",
                (team, user),
            ).fetchone()["n"]
        return store, vectors

    def topics(self, team: str, user: str) -> set[str]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT value FROM store WHERE prefix = %s", (f"memories.{team}.{user}",)
            ).fetchall()
        return {row["value"]["content"]["topic"] for row in rows}


def ack_text(response: BoltResponse) -> str:
    """What the person sees from an ack: Bolt sends plain text, or JSON when there are blocks."""
    try:
        return _all_text(json.loads(response.body))
    except ValueError:
        return response.body


def _all_text(payload: dict) -> str:
    parts = [payload.get("text") or ""]
    parts.extend(_block_texts(payload.get("blocks") or []))
    return "\n".join(p for p in parts if p)


def _block_texts(blocks) -> list[str]:
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    out = []
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict):
            out.append(text.get("text", ""))
        for element in block.get("elements", []) or []:
            if isinstance(element, dict) and isinstance(element.get("text"), (dict, str)):
                t = element["text"]
                out.append(t.get("text", "") if isinstance(t, dict) else t)
    return out
