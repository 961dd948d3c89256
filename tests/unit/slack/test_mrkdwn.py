from bot.slack.mrkdwn import MAX_SECTION_CHARS, split_markdown, to_mrkdwn


def test_headings_bold_italic_strike_links_and_lists_become_mrkdwn():
    markdown = (
        "# Title\n"
        "Some **bold**, *italic*, ~~gone~~ and [a link](https://example.com/x).\n"
        "- one\n"
        "  * nested\n"
        "1. numbered stays"
    )
    assert to_mrkdwn(markdown) == (
        "*Title*\n"
        "Some *bold*, _italic_, ~gone~ and <https://example.com/x|a link>.\n"
        "• one\n"
        "  • nested\n"
        "1. numbered stays"
    )


def test_code_is_left_exactly_as_written_and_fence_languages_dropped():
    markdown = "Use `a **b** c`:\n```python\nx = a < b and **kw\n```"
    assert to_mrkdwn(markdown) == "Use `a **b** c`:\n```\nx = a < b and **kw\n```"


def test_slack_control_characters_are_escaped_outside_code():
    assert to_mrkdwn("a < b & c > d <!channel>") == "a &lt; b &amp; c &gt; d &lt;!channel&gt;"


def test_long_text_splits_on_paragraphs_within_the_limit():
    text = ("x" * 2000 + "\n\n") * 4
    parts = split_markdown(text)
    assert len(parts) > 1
    assert all(len(p) <= MAX_SECTION_CHARS for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")


def test_a_code_block_cut_in_two_is_closed_and_reopened():
    code = "```\n" + "\n".join(f"line {i}" for i in range(600)) + "\n```"
    parts = split_markdown(code)
    assert len(parts) > 1
    assert all(p.count("```") % 2 == 0 for p in parts)
    assert all(len(p) <= MAX_SECTION_CHARS for p in parts)


def test_links_whose_urls_hold_parentheses_stay_whole():
    text = "See [Rust](https://en.wikipedia.org/wiki/Rust_(programming_language))."
    assert (
        to_mrkdwn(text) == "See <https://en.wikipedia.org/wiki/Rust_(programming_language)|Rust>."
    )
