"""Memory people can trust: one memory per person per installation, used only where it belongs,
never duplicated, bounded, correctable and completely erasable."""

from __future__ import annotations

import dataclasses
import json
import time

from bot.cli.main import main as cli_main
from bot.db.storage import StoreBuilder
from bot.memory.adoption import register_and_adopt
from bot.memory.installation import Installation
from bot.memory.schema import MEMORY_ROOT
from bot.slack import memory_views
from tests.fakes.openai_fake import fake_embedding
from tests.support import slack_requests as sr
from tests.support.harness import wire_bot


def _instructions(bot) -> str:
    return bot.openai.bodies("responses")[-1]["instructions"]


def _prefixes(pool) -> dict[str, set[str]]:
    with pool.connection() as conn:
        rows = conn.execute("SELECT prefix, value FROM store").fetchall()
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row["prefix"], set()).add(row["value"]["content"]["topic"])
    return found


def _grid_body(event: dict, *, workspace: str | None) -> str:
    """An event of an org-wide install, shaped as in slack-bolt's test_events_org_apps."""
    body = {
        "token": "verification-token",
        "enterprise_id": "E1",
        "api_app_id": "A1",
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{time.monotonic_ns()}",
        "event_time": int(time.time()),
        "is_enterprise_install": True,
        "authorizations": [
            {
                "enterprise_id": "E1",
                "team_id": None,
                "user_id": "UBOT",
                "is_bot": True,
                "is_enterprise_install": True,
            }
        ],
    }
    if workspace:
        body["team_id"] = workspace
    return json.dumps(body)


def _grid_dm(user: str, text: str, *, workspace: str | None, channel: str) -> dict:
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": sr.new_ts(),
    }
    if workspace:
        event["team"] = workspace
    return event


def test_an_org_wide_install_keeps_one_memory_per_person_across_workspaces(bot, pool):
    bot.slack.installations["xoxb-test-token"] = {
        "team_id": "E1",
        "enterprise_id": "E1",
        "is_enterprise_install": True,
    }
    bot.send(
        _grid_body(_grid_dm("W1", "I love Rust", workspace="T111", channel="D1"), workspace="T111")
    )
    bot.send(
        _grid_body(
            _grid_dm("W1", "Kubernetes runs our stack", workspace="T222", channel="D2"),
            workspace="T222",
        )
    )
    # No team_id anywhere, only the enterprise: still answered, and still remembered.
    bot.send(
        _grid_body(
            _grid_dm("W1", "Python on weekends", workspace=None, channel="D3"), workspace=None
        )
    )
    bot.drain()
    assert _prefixes(pool) == {f"{MEMORY_ROOT}.E1.W1": {"Rust", "Kubernetes", "Python"}}
    assert len(bot.slack.messages("D3")) == 1

    # /interests from yet another workspace of the org lists all three.
    name = "grid-interests"
    body = sr.command_body(
        "/interests", "", user="W1", team_id="T333", response_url=bot.slack.response_url(name)
    ).replace("team_id=T333", "team_id=T333&enterprise_id=E1&is_enterprise_install=true")
    bot.send(body, form=True)
    bot.drain()
    listing = bot.last_response_text(name)
    assert "Rust" in listing and "Kubernetes" in listing and "Python" in listing

    # The Home switch works for a payload without team_id, and the same person sees it.
    bot.click("learning_toggle", user="W1", team="T444", selected_options=[], container="home")
    bot.send(
        _grid_body(
            _grid_dm("W1", "I also do Elixir", workspace="T111", channel="D1"), workspace="T111"
        )
    )
    bot.drain()
    assert "Elixir" not in _prefixes(pool)[f"{MEMORY_ROOT}.E1.W1"]


def test_slack_connect_messages_land_in_our_installation_not_the_partners(bot, pool):
    body = json.loads(
        sr.event_body(sr.mention_event("U1", "I use Go daily", team_id="T1"), team_id="TPARTNER")
    )
    body["authorizations"] = [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}]
    bot.send(json.dumps(body))
    bot.drain()
    assert _prefixes(pool) == {f"{MEMORY_ROOT}.T1.U1": {"Go"}}
    _, url = bot.command("/interests", user="U1", team="T1")
    assert "Go" in bot.last_response_text(url)


def test_two_installations_never_see_each_others_memories(
    bot, settings, pool, fake_slack, fake_openai
):
    fake_slack.installations["xoxb-other-org"] = {"team_id": "T9", "user_id": "UBOT9"}
    other = wire_bot(
        dataclasses.replace(settings, slack_bot_token="xoxb-other-org"),
        pool,
        fake_slack,
        fake_openai,
    )
    try:
        bot.dm("U1", "I love Rust")
        other.dm("U1", "I love Python", channel="D9")
        assert _prefixes(pool) == {
            f"{MEMORY_ROOT}.T1.U1": {"Rust"},
            f"{MEMORY_ROOT}.T9.U1": {"Python"},
        }
        other.dm("U1", "What should I learn next?", channel="D9")
        assert "Rust" not in _instructions(other) and "Python" in _instructions(other)
        _, url = other.command("/interests", user="U1")
        assert "Rust" not in other.last_response_text(url)
    finally:
        other.close()


def test_five_concurrent_messages_leave_one_row_per_topic(bot, pool):
    bot.openai.fail_next("chat", status=None, count=5, delay=0.5)
    for i in range(5):
        bot.dm("U1", f"Rust and Kubernetes, take {i}", wait=False, channel=f"D{i}")
    bot.drain()
    with pool.connection() as conn:
        counts = conn.execute(
            "SELECT value->'content'->>'topic' AS topic, count(*) AS n FROM store "
            "WHERE prefix = 'memories.T1.U1' GROUP BY 1"
        ).fetchall()
    assert {row["topic"]: row["n"] for row in counts} == {"Rust": 1, "Kubernetes": 1}


def test_private_memories_stay_out_of_channels_unless_the_person_allows_it(bot):
    bot.dm("U1", "I use Rust at home")
    bot.mention("U1", "Kubernetes is what our team runs", channel="C1")

    bot.mention("U1", "what should I read?", channel="C2")
    channel = _instructions(bot)
    assert "Rust" not in channel and "Kubernetes" in channel  # learned in public: usable

    bot.mention("U1", "what should I read?", channel="G1")
    assert "Rust" not in _instructions(bot)  # a private channel is not a DM either

    bot.dm("U1", "what should I read?")
    assert "Rust" in _instructions(bot) and "Kubernetes" in _instructions(bot)

    bot.click(
        "private_in_channels_toggle",
        user="U1",
        selected_options=[{"value": "on"}],
        container="home",
    )
    bot.mention("U1", "what should I read?", channel="C2")
    assert "Rust" in _instructions(bot)


def test_interests_show_where_each_memory_was_learned_and_lock_private_ones(bot):
    bot.dm("U1", "I use Rust", ts="1700000001.000100")
    bot.mention("U1", "we run Kubernetes", channel="C1", ts="1700000002.000200")
    _, url = bot.command("/interests", user="U1")
    text = bot.last_response_text(url)
    rust = next(line for line in text.split("\n\n") if "Rust" in line) if "\n\n" in text else text
    assert ":lock: *Rust*" in text
    assert "*Kubernetes*" in text and ":lock: *Kubernetes*" not in text
    assert "Learned in a DM" in text and "Learned in a public channel" in text
    assert "https://fake.slack.com/archives/D1/p1700000001000100" in text
    assert rust


def test_the_cap_lets_go_of_the_least_recently_reinforced_and_says_so(
    settings, pool, fake_slack, fake_openai
):
    capped = wire_bot(
        dataclasses.replace(settings, memory_max_per_person=3), pool, fake_slack, fake_openai
    )
    try:
        for text in (
            "I use Rust",
            "I use Python",
            "I use Kubernetes",
            "I use Rust again",
            "I use Elixir",
        ):
            capped.dm("U1", text)
        assert capped.topics("T1", "U1") == {"Rust", "Kubernetes", "Elixir"}
        home = fake_slack.calls_to("views.publish")[-1].json_param("view")
        shown = json.dumps(home)
        assert "full (3 of 3)" in shown and "Python" in shown
    finally:
        capped.close()


def test_expired_memories_are_never_shown_and_the_sweep_deletes_them(
    bot, pool, settings, monkeypatch, cli_logging
):
    bot.dm("U1", "I use Rust and Python")
    with pool.connection() as conn:
        conn.execute(
            "UPDATE store SET expires_at = now() - interval '1 minute' "
            "WHERE value->'content'->>'topic' = 'Rust'"
        )
        expiry = conn.execute("SELECT count(*) AS n FROM store WHERE expires_at IS NULL").fetchone()
    assert expiry["n"] == 0  # every learned memory carries its TTL
    _, url = bot.command("/interests", user="U1")
    assert "*Rust*" not in bot.last_response_text(url)
    assert "*Python*" in bot.last_response_text(url)
    bot.dm("U1", "what next?")
    assert "- Rust" not in _instructions(bot) and "- Python" in _instructions(bot)

    for name, value in {
        "DATABASE_URL": settings.database_url,
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": settings.openai_base_url,
        "EMBEDDING_DIMS": str(settings.embedding_dims),
    }.items():
        monkeypatch.setenv(name, value)
    assert cli_main(["sweep"]) == 0
    with pool.connection() as conn:
        left = conn.execute("SELECT count(*) AS n FROM store").fetchone()["n"]
    assert left == 1


def _editor_values(
    topic="Rust", category="language", level="90", description="daily", private=True
):
    values = {
        "topic": {"type": "plain_text_input", "value": topic},
        "category": {"type": "plain_text_input", "value": category},
        "interest_level": {"type": "number_input", "value": level},
        "description": {"type": "plain_text_input", "value": description},
        "privacy": {
            "type": "checkboxes",
            "selected_options": [{"value": "private"}] if private else [],
        },
    }
    return values


def _submit_editor(bot, *, user: str, key: str, values: dict):
    view = {"callback_id": memory_views.MEMORY_EDITOR, "private_metadata": json.dumps({"key": key})}
    response = bot.send(
        sr.view_submission_body(user=user, team_id="T1", view=view, values=values), form=True
    )
    bot.drain()
    return response


def test_a_memory_can_be_edited_in_a_modal_and_is_saved_re_embedded(bot, pool):
    bot.dm("U1", "I use Rust")
    (key,) = _keys(pool, "U1")
    bot.click(memory_views.EDIT_MEMORY, user="U1", value=key)
    opened = bot.slack.calls_to("views.open")[-1].json_param("view")
    assert opened["callback_id"] == memory_views.MEMORY_EDITOR
    assert opened["blocks"][0]["element"]["initial_value"] == "Rust"

    before = _vectors(pool, key)
    bad = _submit_editor(bot, user="U1", key=key, values=_editor_values(topic="", level="150"))
    assert json.loads(bad.body)["response_action"] == "errors"
    assert set(json.loads(bad.body)["errors"]) == {"topic", "interest_level"}
    assert bot.topics("T1", "U1") == {"Rust"}  # nothing half-saved

    ok = _submit_editor(
        bot, user="U1", key=key, values=_editor_values(topic="Rust (embedded)", private=False)
    )
    assert ok.status == 200 and not ok.body
    assert bot.topics("T1", "U1") == {"Rust (embedded)"}
    assert _vectors(pool, key) != before
    bot.mention("U1", "what should I read?", channel="C5")
    assert "Rust (embedded)" in _instructions(bot)  # marked public in the editor


def test_a_forged_edit_of_someone_elses_memory_changes_nothing(bot, pool):
    bot.dm("U2", "I use Rust", channel="D2")
    (victim,) = _keys(pool, "U2")
    _submit_editor(bot, user="U1", key=victim, values=_editor_values(topic="Hacked"))
    assert bot.topics("T1", "U2") == {"Rust"}
    assert "Hacked" not in json.dumps(_prefixes(pool), default=sorted)


def test_a_memory_can_be_added_from_the_home_tab(bot):
    bot.click(memory_views.ADD_MEMORY, user="U1", value="add", container="home")
    opened = bot.slack.calls_to("views.open")[-1].json_param("view")
    assert opened["title"]["text"] == "Add a memory"
    _submit_editor(bot, user="U1", key="", values=_editor_values(topic="Zig", level="70"))
    assert bot.topics("T1", "U1") == {"Zig"}


def test_the_message_shortcut_forgets_what_one_message_taught(bot, pool):
    bot.dm("U1", "I use Rust", ts="1700000010.000100")
    bot.dm("U1", "I use Python", ts="1700000011.000100")
    name = "shortcut"
    body = sr.message_shortcut_body(
        memory_views.FORGET_FROM_MESSAGE,
        user="U1",
        team_id="T1",
        message={"user": "U1", "ts": "1700000010.000100", "text": "I use Rust"},
        channel="D1",
        response_url=bot.slack.response_url(name),
    )
    assert bot.send(body, form=True).status == 200
    bot.drain()
    assert bot.topics("T1", "U1") == {"Python"}
    reply = bot.responses(name)[-1]
    assert reply["response_type"] == "ephemeral" and "Rust" in reply["text"]

    other = sr.message_shortcut_body(
        memory_views.FORGET_FROM_MESSAGE,
        user="U2",
        team_id="T1",
        message={"user": "U1", "ts": "1700000011.000100", "text": "I use Python"},
        channel="D1",
        response_url=bot.slack.response_url("other"),
    )
    bot.send(other, form=True)
    bot.drain()
    assert bot.topics("T1", "U1") == {"Python"}
    assert "your own messages" in bot.last_response_text("other")


def test_forget_erases_everything_but_settings_that_differ_from_the_defaults(bot, pool):
    bot.dm("U1", "I use Rust")
    bot.click(
        "private_in_channels_toggle",
        user="U1",
        selected_options=[{"value": "on"}],
        container="home",
    )
    bot.click("private_in_channels_toggle", user="U1", selected_options=[], container="home")
    _, url = bot.click("forget_all_confirm", user="U1", value="all")
    assert _person_rows(pool, "U1") == 0

    bot.click("learning_toggle", user="U2", selected_options=[], container="home")
    bot.dm("U2", "I use Rust", channel="D2")
    _, url = bot.click("forget_all_confirm", user="U2", value="all")
    assert "settings stay" in bot.last_response_text(url)
    with pool.connection() as conn:
        prefs = conn.execute("SELECT user_id, learning_enabled FROM bot_user_prefs").fetchall()
    assert prefs == [{"user_id": "U2", "learning_enabled": False}]


def test_an_admin_can_erase_someone_who_left(bot, pool, settings, monkeypatch, capsys, cli_logging):
    bot.dm("U1", "I use Rust")
    bot.click("learning_toggle", user="U1", selected_options=[], container="home")
    bot.dm("U2", "I use Python", channel="D2")
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("EMBEDDING_DIMS", str(settings.embedding_dims))
    assert cli_main(["forget-user", "U1"]) == 0
    assert "Erased everything about U1" in capsys.readouterr().out
    assert _person_rows(pool, "U1") == 0
    assert bot.topics("T1", "U2") == {"Python"}


def test_uninstalling_the_app_erases_every_memory_of_the_installation(bot, pool):
    bot.dm("U1", "I use Rust")
    bot.dm("U2", "I use Python", channel="D2")
    with pool.connection() as conn:  # someone else's installation sharing the database
        conn.execute(
            "INSERT INTO store (prefix, key, value) "
            """VALUES ('memories.T9.U1', 'k', '{"content": {"topic": "Go"}}'::jsonb)"""
        )
    bot.slack.fail_next("auth.test", status=200, error="invalid_auth", count=10)  # token is dead
    bot.event({"type": "app_uninstalled"})
    assert set(_prefixes(pool)) == {"memories.T9.U1"}
    with pool.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM bot_user_prefs").fetchone()["n"] == 0


def test_bot_tokens_revoked_erases_but_user_tokens_revoked_does_not(bot, pool):
    bot.dm("U1", "I use Rust")
    bot.event({"type": "tokens_revoked", "tokens": {"oauth": ["U1"], "bot": []}})
    assert bot.topics("T1", "U1") == {"Rust"}
    bot.event({"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}})
    assert bot.topics("T1", "U1") == set()


def test_migration_moves_per_workspace_memories_into_the_installation_without_loss(pool):
    stores = StoreBuilder(lambda texts: [fake_embedding(t, 256) for t in texts], 256)
    store = stores.on(pool)
    old = {
        ("memories", "T1", "U1"): [("a", "Rust", "hobby"), ("b", "Python", "work")],
        ("memories", "T2", "U1"): [("c", "Kubernetes", "clusters"), ("d", "rust", "newer")],
        ("memories", "TPARTNER", "U2"): [("e", "Go", "services")],
    }
    for ns, memories in old.items():
        for key, topic, description in memories:
            content = {"topic": topic, "description": description}
            store.put(ns, key, {"kind": "UserTechInterest", "content": content})
    with pool.connection() as conn:
        conn.execute(
            "INSERT INTO bot_user_prefs (team_id, user_id, learning_enabled) "
            "VALUES ('T2', 'U1', false)"
        )

    installation = Installation("E1", None, "E1", "UBOT", "BBOT")
    moved = register_and_adopt(pool, installation, ttl_minutes=None)
    assert moved == 5
    assert register_and_adopt(pool, installation, ttl_minutes=None) == 0  # idempotent
    found = _prefixes(pool)
    assert found == {
        "memories.E1.U1": {"Python", "Kubernetes", "rust"},  # the two Rusts merged, newest kept
        "memories.E1.U2": {"Go"},
    }
    with pool.connection() as conn:
        vectors = conn.execute(
            "SELECT DISTINCT prefix FROM store_vectors ORDER BY prefix"
        ).fetchall()
        prefs = conn.execute(
            "SELECT team_id, user_id, learning_enabled FROM bot_user_prefs"
        ).fetchall()
    assert [v["prefix"] for v in vectors] == ["memories.E1.U1", "memories.E1.U2"]
    assert prefs == [{"team_id": "E1", "user_id": "U1", "learning_enabled": False}]
    hits = store.search(("memories", "E1", "U1"), query="clusters", limit=1)
    assert hits[0].value["content"]["topic"] == "Kubernetes"  # vectors still searchable


def test_the_worker_finds_the_installation_once_and_never_on_the_ack_path(bot):
    response = bot.dm("U1", "hello", wait=False)
    assert response.status == 200
    bot.drain()
    bot.dm("U1", "I use Rust")
    bot.command("/interests", user="U1")
    assert len(bot.slack.calls_to("auth.test")) == 1


def _keys(pool, user: str) -> list[str]:
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT key FROM store WHERE prefix = %s", (f"memories.T1.{user}",)
        ).fetchall()
    return [row["key"] for row in rows]


def _vectors(pool, key: str) -> list[str]:
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT embedding::text AS e FROM store_vectors WHERE key = %s ORDER BY field_name",
            (key,),
        ).fetchall()
    return [row["e"] for row in rows]


def _person_rows(pool, user: str) -> int:
    with pool.connection() as conn:
        return conn.execute(
            "SELECT (SELECT count(*) FROM store WHERE prefix LIKE %s)"
            " + (SELECT count(*) FROM bot_user_prefs WHERE user_id = %s)"
            " + (SELECT count(*) FROM bot_memory_evictions WHERE user_id = %s) AS n",
            (f"memories.%.{user}", user, user),
        ).fetchone()["n"]


def test_the_help_names_the_message_shortcut(bot):
    _, url = bot.command("/interests", "help", user="U1")
    assert "Forget what you learned from this" in bot.last_response_text(url)
