"""What travels from the ack path to the worker: enough to do the job, never more."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from slack_bolt import BoltContext

from bot.jobs.limits import MAX_JOB_TEXT_CHARS
from bot.jobs.types import Job
from bot.slack.job_builders import (
    MAX_JOB_FILES,
    memory_job,
    reply_job,
    scope_from_payload,
)
from tests.support import slack_requests as sr


def _reply(event: dict) -> Job:
    body = json.loads(sr.event_body(event, team_id="T1"))
    return reply_job(body, event, BoltContext(), reply_thread_ts=None)


def test_a_very_long_message_travels_cut_to_what_the_worker_can_use():
    job = _reply(sr.dm_event("U1", "x" * (MAX_JOB_TEXT_CHARS * 3), team_id="T1"))
    assert len(job["text"]) == MAX_JOB_TEXT_CHARS


def test_only_the_fields_needed_to_download_a_file_travel_with_the_job():
    files = [
        {"id": f"F{i}", "name": "a.png", "mimetype": "image/png", "preview": "x" * 10_000}
        for i in range(MAX_JOB_FILES + 5)
    ]
    job = _reply(sr.dm_event("U1", "look", team_id="T1", files=files))
    assert len(job["files"]) == MAX_JOB_FILES
    assert job["files"][0] == {"id": "F0", "name": "a.png", "mimetype": "image/png"}


def test_the_bot_knows_itself_from_the_events_authorizations():
    job = _reply(sr.dm_event("U1", "hi", team_id="T1"))
    assert job["bot_user_id"] == "UBOT"


def test_a_click_in_the_home_tab_is_marked_as_from_home():
    form = sr.action_body("x", user="U1", team_id="T1", response_url=None, container="home")
    job = memory_job("home", json.loads(parse_qs(form)["payload"][0]))
    assert (job["user_id"], job["team_id"], job["from_home"]) == ("U1", "T1", True)


def test_an_org_wide_uninstall_erases_the_org_not_the_workspace_it_came_through():
    body = {
        "team_id": "T1",
        "enterprise_id": "E1",
        "authorizations": [{"team_id": "T1", "enterprise_id": "E1", "is_enterprise_install": True}],
    }
    assert scope_from_payload(body) == "E1"
    assert scope_from_payload({"team_id": "T1", "authorizations": [{"team_id": "T1"}]}) == "T1"
