"""The ack path on its own: what each Slack request turns into, with the worker left out."""

from __future__ import annotations

import pytest

from bot.i18n.catalogue import translator
from bot.slack.notices import APOLOGY
from bot.wiring import build_app, slack_client
from tests.support import slack_requests as sr
from tests.support.harness import Bot


class _Listening:
    """The real Bolt app with a hand-over that only collects the jobs."""

    def __init__(self, settings, fake_slack, *, refuse: bool = False) -> None:
        self.jobs: list[dict] = []

        def submit(job: dict) -> None:
            if refuse:
                raise RuntimeError("Lambda refused the async invoke")
            self.jobs.append(job)

        app = build_app(settings, client=slack_client(settings), submit=submit)
        self._bot = Bot(app=app, dispatcher=None, slack=fake_slack, openai=None, pool=None)
        self.slack = fake_slack

    def send(self, body: str, *, form: bool = False):
        return self._bot.send(body, form=form)

    def command(self, command: str, text: str = ""):
        body = sr.command_body(
            command, text, user="U1", team_id="T1", response_url=self.slack.response_url("r1")
        )
        return self.send(body, form=True)


@pytest.fixture
def listening(settings, fake_slack) -> _Listening:
    return _Listening(settings, fake_slack)


def test_a_dm_is_acked_and_handed_over_as_one_reply_job(listening):
    response = listening.send(
        sr.event_body(sr.dm_event("U1", "hi there", team_id="T1"), team_id="T1")
    )
    assert response.status == 200
    [job] = listening.jobs
    assert (job["kind"], job["user_id"], job["channel"], job["text"]) == (
        "reply",
        "U1",
        "D1",
        "hi there",
    )
    assert job["in_dm"] is True


def test_the_bots_own_messages_and_edits_start_nothing(listening):
    listening.send(sr.event_body(sr.dm_event("UBOT", "my own answer", team_id="T1"), team_id="T1"))
    edited = sr.dm_event("U1", "edited", team_id="T1", subtype="message_changed")
    listening.send(sr.event_body(edited, team_id="T1"))
    assert listening.jobs == []


def test_a_mention_is_answered_in_a_thread_under_it(listening):
    event = sr.mention_event("U1", "what is k8s?", team_id="T1")
    listening.send(sr.event_body(event, team_id="T1"))
    [job] = listening.jobs
    assert job["reply_thread_ts"] == event["ts"]
    assert job["in_dm"] is False


def test_an_unknown_interests_argument_is_acked_empty_and_answered_by_the_worker(listening):
    response = listening.command("/interests", "bananas")
    assert response.status == 200
    # The ack can't know the person's language (only users.info says it): the worker answers.
    assert response.body == ""
    [job] = listening.jobs
    assert (job["kind"], job["topic"], job["asked"]) == ("help", "interests_unknown", "bananas")
    assert job["response_url"] and job["user_id"] == "U1"


def test_forget_with_no_words_hands_over_the_question_and_erases_nothing(listening):
    response = listening.command("/forget")
    assert response.body == ""
    [job] = listening.jobs
    assert job["kind"] == "confirm_forget_all"


def test_help_and_too_many_words_become_help_jobs(listening):
    listening.command("/forget", "help")
    listening.command("/interests", "HELP")
    listening.command("/forget", "word " * 60)
    assert [(j["kind"], j["topic"]) for j in listening.jobs] == [
        ("help", "forget"),
        ("help", "interests"),
        ("help", "forget_too_long"),
    ]


def test_requests_the_bot_does_not_use_are_acknowledged_not_refused(listening):
    unknown_action = sr.action_body(
        "someone_elses_button", user="U1", team_id="T1", response_url=None
    )
    assert listening.send(unknown_action, form=True).status == 200
    assert listening.jobs == []
    response = listening.command("/weather")
    assert response.status == 200
    [job] = listening.jobs
    assert (job["kind"], job["topic"], job["asked"]) == ("help", "command_unknown", "/weather")


def test_a_refused_hand_over_still_tells_the_person(settings, fake_slack):
    listening = _Listening(settings, fake_slack, refuse=True)
    response = listening.send(sr.event_body(sr.dm_event("U1", "hi", team_id="T1"), team_id="T1"))
    assert response.status == 200
    [posted] = fake_slack.calls_to("chat.postMessage")
    assert posted.params["channel"] == "D1"
    assert posted.params["text"] == APOLOGY


def test_a_refused_hand_over_apologises_in_the_persons_language(settings, fake_slack):
    fake_slack.profiles["U1"] = {"locale": "ja-JP"}
    listening = _Listening(settings, fake_slack, refuse=True)
    listening.send(sr.event_body(sr.dm_event("U1", "hi", team_id="T1"), team_id="T1"))
    [posted] = fake_slack.calls_to("chat.postMessage")
    assert posted.params["text"] == translator("ja-JP")("notice.apology")
