"""How a catch-up reads in Slack: the summary, its citations linked to the messages they cite,
and a note when only part of the conversation was read."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.i18n.catalogue import Translator
from bot.slack.block_kit import Block, context, section
from bot.slack.mrkdwn import split_markdown, to_mrkdwn

# The summary names people as <@U…>, which to_mrkdwn escapes like any other "<".
_ESCAPED_MENTION = re.compile(r"&lt;@([UW][A-Z0-9]+)&gt;")
_CITATION = re.compile(r"\[(\d{1,4})\]")
MAX_SUMMARY_BLOCKS = 10


def summary(
    markdown: str,
    links: Mapping[int, str],
    *,
    total: int,
    kept: int,
    surroundings: bool,
    t: Translator,
) -> tuple[str, list[Block]]:
    """(fallback text, blocks). `links` maps a cited message number to its permalink."""
    text = _ESCAPED_MENTION.sub(r"<@\1>", to_mrkdwn(markdown))
    text = _CITATION.sub(
        lambda m: f"<{links[int(m.group(1))]}|[{m.group(1)}]>" if int(m.group(1)) in links else "",
        text,
    )
    blocks: list[Block] = [section(t("catchup.header"))]
    blocks += [section(part) for part in split_markdown(text)][:MAX_SUMMARY_BLOCKS]
    notes = []
    if surroundings:
        notes.append(t("catchup.surroundings"))
    if kept < total:
        notes.append(t("catchup.read_part", total=total, kept=kept - 1))
    if notes:
        blocks.append(context(" ".join(notes)))
    return f"{t('catchup.header')}\n{text}", blocks
