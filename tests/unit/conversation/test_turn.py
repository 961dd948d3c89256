"""Where a conversation happens decides which memories an answer may use."""

from __future__ import annotations

from bot.conversation.turn import ChannelKinds
from bot.memory.schema import ConversationKind
from bot.wiring import slack_client


def test_each_kind_of_channel_is_told_apart_and_asked_once(settings, fake_slack):
    fake_slack.channels["C9"] = {"is_mpim": True}
    kinds = ChannelKinds(slack_client(settings))
    assert kinds.of("D1") is ConversationKind.DM
    assert kinds.of("G1") is ConversationKind.PRIVATE_CHANNEL
    assert kinds.of("C1") is ConversationKind.PUBLIC_CHANNEL
    assert kinds.of("C9") is ConversationKind.GROUP_DM
    assert kinds.of("C1") is ConversationKind.PUBLIC_CHANNEL
    assert len(fake_slack.calls_to("conversations.info")) == 4


def test_a_channel_slack_cannot_describe_counts_as_private(settings, fake_slack):
    fake_slack.fail_next("conversations.info", status=200, error="channel_not_found")
    kinds = ChannelKinds(slack_client(settings))
    assert kinds.of("C404") is ConversationKind.PRIVATE_CHANNEL
    # Not remembered: once Slack answers, the real kind is used.
    assert kinds.of("C404") is ConversationKind.PUBLIC_CHANNEL


def test_a_channel_made_private_stops_counting_as_public_within_ten_minutes(settings, fake_slack):
    now = [0.0]
    kinds = ChannelKinds(slack_client(settings), clock=lambda: now[0])
    assert kinds.of("C7") is ConversationKind.PUBLIC_CHANNEL
    fake_slack.channels["C7"] = {"is_channel": True, "is_private": True}
    now[0] = 9 * 60
    assert kinds.of("C7") is ConversationKind.PUBLIC_CHANNEL  # still remembered
    now[0] = 10 * 60
    assert kinds.of("C7") is ConversationKind.PRIVATE_CHANNEL
    assert len(fake_slack.calls_to("conversations.info")) == 2
