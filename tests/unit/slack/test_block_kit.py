"""Block Kit primitives stay inside Slack's limits, so a long memory never gets a view refused."""

from bot.slack import block_kit


def test_text_blocks_are_cut_to_what_slack_accepts():
    long = "x" * 5_000
    assert len(block_kit.section(long)["text"]["text"]) == block_kit.MAX_TEXT_CHARS
    assert len(block_kit.context(long)["elements"][0]["text"]) == block_kit.MAX_TEXT_CHARS
    assert len(block_kit.button("Forget", "forget_one", long)["value"]) == 2_000


def test_a_button_is_styled_only_when_asked():
    assert "style" not in block_kit.button("Edit", "edit_memory", "k")
    assert block_kit.button("Forget", "forget_one", "k", style="danger")["style"] == "danger"
