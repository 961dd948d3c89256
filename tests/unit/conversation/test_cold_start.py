"""A cold worker asks the model first: in a fresh interpreter running one reply job through the
Lambda handler, the Responses request leaves before learning's libraries (LangMem, LangChain's
OpenAI model, trustcall) are imported; they load afterwards, and learning still happens."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bot.jobs.dispatch import job_event
from bot.jobs.freshness import stamped
from bot.jobs.signing import JobSigner

ROOT = Path(__file__).resolve().parents[3]
SECRET = "cold-start-signing-secret"
LEARNING_LIBRARIES = ("langmem", "langchain_openai", "trustcall")

# Runs in the fresh interpreter. Every SDK call goes through OpenAI.post, and every Slack call
# through WebClient.api_call: they record what was imported when the Responses request is made
# and when the answer's first words go to Slack.
_DRIVER = """
import json, os, sys
import openai

WATCHED = json.loads(sys.argv[2])
AT_REQUEST = {}
_post = openai.OpenAI.post

def post(self, path, *args, **kwargs):
    if path.endswith("/responses") and not AT_REQUEST:
        AT_REQUEST.update({name: name in sys.modules for name in WATCHED})
    return _post(self, path, *args, **kwargs)

openai.OpenAI.post = post

from slack_sdk import WebClient

AT_FIRST_WORDS = {}
_api_call = WebClient.api_call

def api_call(self, api_method, *args, **kwargs):
    if "Answer:" in json.dumps(kwargs, default=str) and not AT_FIRST_WORDS:
        AT_FIRST_WORDS.update({name: name in sys.modules for name in WATCHED})
    return _api_call(self, api_method, *args, **kwargs)

WebClient.api_call = api_call

import bot.lambda_handler as lambda_handler

class Context:
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:memory-bot"
    function_name = "memory-bot"
    aws_request_id = "cold-start"

    def get_remaining_time_in_millis(self):
        return 120_000

result = lambda_handler.handler(json.loads(sys.argv[1]), Context())
print(json.dumps({
    "result": result,
    "at_request": AT_REQUEST,
    "at_first_words": AT_FIRST_WORDS,
    "at_end": {name: name in sys.modules for name in WATCHED},
}))
sys.stdout.flush()
os._exit(0)
"""


def test_the_model_is_asked_before_learnings_libraries_load(
    fake_slack, fake_openai, database_url, pool
):
    job = {
        "kind": "reply",
        "event_key": "event:cold-start",
        "team_id": "T1",
        "user_id": "U1",
        "channel": "D1",
        "channel_type": "im",
        "message_ts": "1700007000.000001",
        "thread_ts": None,
        "reply_thread_ts": None,
        "in_dm": True,
        "text": "I run Kubernetes on AWS, any tips?",
        "files": [],
        "bot_user_id": "UBOT",
    }
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake_slack.base_url,
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": fake_openai.base_url,
        "DATABASE_URL": database_url,
        "EMBEDDING_DIMS": "256",
    }
    finished = subprocess.run(
        [
            sys.executable,
            "-c",
            _DRIVER,
            json.dumps(job_event(stamped(job, time.time()), JobSigner(SECRET))),
            json.dumps(LEARNING_LIBRARIES),
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    report = json.loads(finished.stdout.strip().splitlines()[-1])

    assert report["result"]["ok"] is True
    assert report["at_request"] == dict.fromkeys(LEARNING_LIBRARIES, False)
    assert report["at_first_words"] == dict.fromkeys(LEARNING_LIBRARIES, False)
    # They did load, after the answer, and learning worked.
    assert report["at_end"]["langmem"] and report["at_end"]["langchain_openai"]
    with pool.connection() as conn:
        topics = {
            row["value"]["content"]["topic"]
            for row in conn.execute("SELECT value FROM store WHERE prefix = 'memories.T1.U1'")
        }
    assert {"Kubernetes", "AWS"} <= topics
    assert [m["text"] for m in fake_slack.messages("D1")] == [
        "Answer: I run Kubernetes on AWS, any tips?"
    ]
