"""The product, end to end: learn from a DM, show, use, isolate and forget memories."""

from __future__ import annotations

from bot.slack.notices import APOLOGY


def _instructions(bot) -> list[str]:
    return [body["instructions"] for body in bot.openai.bodies("responses")]


def test_a_person_tells_the_bot_an_interest_and_it_remembers_uses_and_forgets_it(bot):
    # 1. A DM gets exactly one answer, carrying the model's text.
    bot.openai.reply_text = "Rust and Kubernetes pair well: try kube-rs."
    response = bot.dm("U1", "I'm learning Rust. I run everything on Kubernetes.")
    assert response.status == 200
    answers = bot.slack.messages("D1")
    assert [m["text"] for m in answers] == ["Rust and Kubernetes pair well: try kube-rs."]
    assert bot.topics("T1", "U1") == {"Rust", "Kubernetes"}

    # 2. /interests lists them, only to the caller.
    ack, url = bot.command("/interests", user="U1")
    assert ack.status == 200
    listing = bot.responses(url)[-1]
    assert listing["response_type"] == "ephemeral"
    shown = bot.last_response_text(url)
    assert "Rust" in shown and "Kubernetes" in shown and "interest 80/100" in shown

    # 3. A later question carries the memories to the model.
    bot.openai.reset()
    bot.dm("U1", "What should I read this weekend?")
    (instructions,) = _instructions(bot)
    assert "Rust" in instructions and "Kubernetes" in instructions

    # 4. Another person gets none of it.
    bot.openai.reset()
    bot.dm("U2", "What should I read this weekend?", channel="D2")
    for other in _instructions(bot):
        assert "Rust" not in other and "Kubernetes" not in other
        assert "Nothing is remembered about this person yet" in other

    # 5. /forget rust removes only Rust, and says so.
    _, url = bot.command("/forget", "rust", user="U1")
    assert "Rust" in bot.last_response_text(url)
    assert bot.topics("T1", "U1") == {"Kubernetes"}

    # 6. /forget asks first; nothing goes before the click; the click erases everything.
    _, url = bot.command("/forget", user="U1")
    [confirmation] = bot.responses(url)
    assert confirmation["response_type"] == "ephemeral"
    buttons = [e for b in confirmation["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert any(b["action_id"] == "forget_all_confirm" and b["style"] == "danger" for b in buttons)
    assert bot.topics("T1", "U1") == {"Kubernetes"}

    _, url = bot.click("forget_all_confirm", user="U1", value="all")
    assert "1 memory" in bot.last_response_text(url)
    assert bot.responses(url)[-1]["replace_original"] is True
    assert bot.rows("T1", "U1") == (0, 0)


def test_forget_leaves_other_people_alone(bot):
    bot.dm("U1", "I love Rust")
    bot.dm("U2", "I love Rust too", channel="D2")

    bot.click("forget_all_confirm", user="U1")
    bot.command("/forget", "rust", user="U1")

    assert bot.rows("T1", "U1") == (0, 0)
    assert bot.topics("T1", "U2") == {"Rust"}


def test_forget_words_that_match_nothing_says_so(bot):
    bot.dm("U1", "I love Rust")
    _, url = bot.command("/forget", "cobol", user="U1")
    assert "don't remember anything about" in bot.last_response_text(url)
    assert bot.topics("T1", "U1") == {"Rust"}


def test_interests_with_nothing_remembered_says_so_plainly(bot):
    _, url = bot.command("/interests", user="U9")
    assert "don't remember anything about you yet" in bot.last_response_text(url)


def test_forget_matching_is_case_insensitive_on_topic_category_and_description(bot):
    bot.dm("U1", "I use AWS at work")
    bot.dm("U1", "Kubernetes is my hobby")
    # "cloud" is the category of AWS only.
    _, url = bot.command("/forget", "CLOUD", user="U1")
    assert "AWS" in bot.last_response_text(url)
    assert bot.topics("T1", "U1") == {"Kubernetes"}


def test_a_channel_mention_is_answered_in_its_thread_with_the_thread_as_context(bot):
    bot.slack.set_replies(
        "C1",
        "1700000000.000001",
        [
            {"ts": "1700000000.000001", "user": "U5", "text": "Which queue should we use?"},
            {"ts": "1700000000.000002", "user": "U6", "text": "Kafka has worked for us."},
        ],
    )
    bot.mention("U1", "what do you think?", thread_ts="1700000000.000001")

    (message,) = bot.slack.messages("C1")
    assert message["thread_ts"] == "1700000000.000001"
    (request,) = bot.openai.bodies("responses")
    contents = [item["content"] for item in request["input"]]
    assert contents[0].endswith("\nU5: Which queue should we use?")
    assert contents[1].endswith("\nU6: Kafka has worked for us.")
    assert contents[2] == "what do you think?"


def test_a_top_level_mention_starts_a_thread_under_it(bot):
    bot.mention("U1", "hello there", ts="1700000100.000001")
    (message,) = bot.slack.messages("C1")
    assert message["thread_ts"] == "1700000100.000001"


def test_memories_given_to_the_model_are_bounded_and_most_relevant_first(bot, pool):
    from bot.db.storage import StoreBuilder
    from bot.memory.schema import namespace
    from tests.fakes.openai_fake import fake_embedding

    store = StoreBuilder(lambda texts: [fake_embedding(t, 256) for t in texts], 256).on(pool)
    for i in range(60):
        store.put(
            namespace("T1", "U1"),
            f"k{i}",
            {
                "kind": "UserTechInterest",
                "content": {"topic": f"Topic{i}", "description": "x" * 250},
            },
        )
    store.put(
        namespace("T1", "U1"),
        "graphql",
        {"kind": "UserTechInterest", "content": {"topic": "GraphQL", "description": "schemas"}},
    )
    bot.dm("U1", "Tell me about GraphQL")
    (request,) = bot.openai.bodies("responses")
    memory_lines = [line for line in request["instructions"].splitlines() if line.startswith("- ")]
    assert memory_lines[0].startswith("- GraphQL")
    assert len(memory_lines) <= 20
    assert len(request["instructions"]) < 6_000


def test_a_model_failure_gets_an_apology_in_the_thread_never_silence(bot):
    bot.openai.fail_next("responses", status=500, count=5)
    bot.mention("U1", "are you there?", ts="1700000200.000001")
    (message,) = bot.slack.messages("C1")
    assert message["text"] == APOLOGY
    assert message["thread_ts"] == "1700000200.000001"
    assert "try again" in APOLOGY and "went wrong" in APOLOGY


def test_one_message_costs_one_answer_call_one_extraction_call_and_few_embedding_calls(bot):
    bot.dm("U1", "I love Rust.")
    bot.openai.reset()
    bot.dm("U1", "Kubernetes is what I run at work.")
    assert len(bot.openai.bodies("responses")) == 1
    assert len(bot.openai.bodies("chat")) == 1
    # The reply's recall, whose memories LangMem reuses as the existing ones, and one batched
    # write of everything learned.
    assert len(bot.openai.bodies("embeddings")) == 2


def test_a_long_thread_gives_the_model_its_first_and_latest_messages(bot):
    thread = [
        {"ts": f"1700001000.{i:06d}", "user": "U5", "text": f"message {i}"} for i in range(31)
    ]
    bot.slack.set_replies("C1", thread[0]["ts"], thread)
    bot.mention("U1", "summarise please", thread_ts=thread[0]["ts"])
    (request,) = bot.openai.bodies("responses")
    texts = [item["content"].rpartition("U5: ")[2] for item in request["input"]]
    assert texts[0] == "message 0"
    assert texts[1:-1] == [f"message {i}" for i in range(12, 31)]
    assert texts[-1] == "summarise please"


def test_forget_words_offers_close_semantic_matches_and_takes_none_unasked(bot, pool):
    from bot.db.storage import StoreBuilder
    from bot.memory.schema import namespace
    from tests.fakes.openai_fake import fake_embedding

    store = StoreBuilder(lambda texts: [fake_embedding(t, 256) for t in texts], 256).on(pool)
    content = {"topic": "PostgreSQL", "category": "database", "description": "at work"}
    store.put(namespace("T1", "U1"), "pg", {"kind": "UserTechInterest", "content": content})
    other = {"topic": "Rust", "category": "programming language", "description": "hobby"}
    store.put(namespace("T1", "U1"), "rs", {"kind": "UserTechInterest", "content": other})

    # No field contains the phrase "postgresql tuning", but it means PostgreSQL: offered.
    _, url = bot.command("/forget", "postgresql tuning", user="U1")
    assert "*PostgreSQL*" in bot.last_response_text(url)
    assert "Rust" not in bot.last_response_text(url)
    assert bot.topics("T1", "U1") == {"PostgreSQL", "Rust"}
