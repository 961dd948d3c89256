"""Slack calls made for a job never outlast the job's deadline."""

from __future__ import annotations

from bot.jobs.deadlines import SLACK_CALL_S, Deadline
from bot.slack.deadline_client import LAST_CALL_S, DeadlineWebClient


def test_each_call_waits_no_longer_than_the_deadline_leaves(slack, fake_slack):
    client = DeadlineWebClient(slack, Deadline.after(SLACK_CALL_S / 2))
    client.chat_postMessage(channel="D1", text="hello")
    assert client.timeout <= SLACK_CALL_S / 2
    [posted] = fake_slack.calls_to("chat.postMessage")
    assert posted.params["text"] == "hello"
    # The same token and URL as the shared client: the call reached the same Slack.
    assert client.token == slack.token and client.base_url == slack.base_url


def test_past_the_deadline_a_last_word_still_gets_its_second(slack, fake_slack):
    client = DeadlineWebClient(slack, Deadline.after(-5))
    client.chat_postMessage(channel="D1", text="Sorry, that took too long.")
    assert client.timeout == LAST_CALL_S
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_the_shared_clients_timeout_is_left_alone(slack):
    before = slack.timeout
    DeadlineWebClient(slack, Deadline.after(0.1)).auth_test()
    assert slack.timeout == before
