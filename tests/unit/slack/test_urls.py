"""Where a job's response_url may point: Slack's webhooks, or the Slack API host in use."""

from __future__ import annotations

import pytest

from bot.slack.urls import is_slack_response_url

SLACK = "https://slack.com/api/"
LOOPBACK = "http://127.0.0.1:8123/api/"


@pytest.mark.parametrize(
    ("url", "api"),
    [
        ("https://hooks.slack.com/commands/T1/123/abc", SLACK),
        ("https://hooks.slack.com/actions/T1/123/abc", SLACK),
        ("https://HOOKS.slack.com:443/actions/T1/1/a", SLACK),
        ("https://hooks.slack.com/commands/T1/123/abc", LOOPBACK),
        ("http://127.0.0.1:8123/response/r1", LOOPBACK),
        ("https://slack.com/anything", SLACK),
    ],
)
def test_slacks_urls_are_accepted(url, api):
    assert is_slack_response_url(url, api)


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/hook",
        "http://hooks.slack.com/commands/T1/1/a",  # not https
        "https://hooks.slack.com:8443/commands/T1/1/a",
        "https://hooks.slack.com.evil.example/x",
        "https://hooks.slack.com@evil.example/x",
        "https://user:pw@hooks.slack.com/x",
        "https://evil.example\\@hooks.slack.com/x",
        "https://hooks.slack.com /x",
        "http://127.0.0.1:8124/response/r1",  # the loopback host, another port
        "http://localhost:8123/response/r1",
        "https://127.0.0.1:8123/response/r1",
        "file:///etc/passwd",
        "ftp://hooks.slack.com/x",
        "https://hooks.slack.com:notaport/x",
        # Slack's host, but not a response_url: incoming webhooks post into a channel.
        "https://hooks.slack.com/services/T1/B1/XXXX",
        "https://hooks.slack.com/triggers/T1/1/abc",
        "https://hooks.slack.com/",
        "https://hooks.slack.com/commands",
        "https://hooks.slack.com/commands/",
        "https://hooks.slack.com/commands/../services/T1/B1/X",
        "https://hooks.slack.com/commands/%2e%2e/services/T1/B1/X",
        "https://hooks.slack.com/actions//services/T1/B1/X",
        "https://hooks.slack.com/commands/T1/1/a?redirect=/services/T1/B1/X",
        "https://hooks.slack.com/Commands/T1/1/a",
        "",
        None,
        42,
        ["https://hooks.slack.com/x"],
    ],
)
def test_anything_else_is_refused(url):
    assert not is_slack_response_url(url, LOOPBACK)
