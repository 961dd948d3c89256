"""The Slack app manifest a person pastes: everything the code relies on is declared."""

from pathlib import Path

import yaml

MANIFEST = yaml.safe_load((Path(__file__).parents[2] / "manifest.yml").read_text())


def test_scopes_cover_every_api_the_bot_calls():
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert {
        "app_mentions:read",
        "chat:write",
        "commands",
        "im:history",
        "im:read",
        "im:write",
        "reactions:write",
        "files:write",
        "files:read",
        "assistant:write",
    } <= scopes


def test_events_commands_interactivity_and_socket_mode():
    settings = MANIFEST["settings"]
    assert {"app_mention", "message.im", "app_home_opened"} <= set(
        settings["event_subscriptions"]["bot_events"]
    )
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    commands = {c["command"]: c for c in MANIFEST["features"]["slash_commands"]}
    assert set(commands) == {"/interests", "/forget", "/whoknows"}
    assert all(c["description"] and c["usage_hint"] for c in commands.values())


def test_the_home_tab_and_the_agent_experience_are_enabled():
    features = MANIFEST["features"]
    assert features["app_home"]["home_tab_enabled"] is True
    assert features["app_home"]["messages_tab_enabled"] is True
    assert "assistant_view" not in features
    agent = features["agent_view"]
    assert agent["agent_description"]
    assert 0 < len(agent["suggested_prompts"]) <= 4
    assert all(p["title"] and p["message"] for p in agent["suggested_prompts"])
    # The Messages tab opening sets the personal prompts; the context event tells which channel
    # the person is viewing (and makes Slack add it to app_home_opened).
    events = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_home_opened", "app_context_changed"} <= events


def test_edits_and_deletions_arrive_without_new_scopes():
    events = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    assert {"message.im", "message.channels", "message.groups", "message.mpim"} <= events
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    # What each message event needs; the bot already had them to read threads.
    assert {"im:history", "channels:history", "groups:history", "mpim:history"} <= scopes


def test_it_says_how_to_switch_to_the_lambda_url():
    text = (Path(__file__).parents[2] / "manifest.yml").read_text()
    assert "/slack/events" in text and "socket_mode_enabled to false" in text


def test_the_memory_controls_of_the_app_are_declared():
    from bot.slack import memory_views

    shortcuts = {s["callback_id"]: s for s in MANIFEST["features"]["shortcuts"]}
    forget = shortcuts[memory_views.FORGET_FROM_MESSAGE]
    assert forget["type"] == "message" and forget["name"] == "Forget what you learned from this"
    events = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_uninstalled", "tokens_revoked"} <= events
    # conversations.info tells public from private conversations, which decides visibility.
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert {"channels:read", "groups:read", "mpim:read"} <= scopes
    assert MANIFEST["settings"]["org_deploy_enabled"] is True


def test_the_digest_can_be_chosen_and_knows_each_persons_time_zone():
    commands = {c["command"]: c for c in MANIFEST["features"]["slash_commands"]}
    assert "digest daily|weekly|off" in commands["/interests"]["usage_hint"]
    # users.info gives the time zone a digest is due in; conversations.open its DM.
    assert {"users:read", "im:write", "chat:write"} <= set(
        MANIFEST["oauth_config"]["scopes"]["bot"]
    )


def test_catch_me_up_and_who_knows_are_declared():
    from bot.slack.listeners import CATCH_ME_UP

    shortcuts = {s["callback_id"]: s for s in MANIFEST["features"]["shortcuts"]}
    assert shortcuts[CATCH_ME_UP] == {
        "name": "Catch me up",
        "type": "message",
        "callback_id": "catch_me_up",
        "description": shortcuts[CATCH_ME_UP]["description"],
    }
    commands = {c["command"]: c for c in MANIFEST["features"]["slash_commands"]}
    assert "topic" in commands["/whoknows"]["usage_hint"]
    # Reading a thread or a channel's messages around one, wherever the shortcut is used.
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert {"channels:history", "groups:history", "mpim:history", "im:history"} <= scopes
