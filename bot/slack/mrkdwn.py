"""Model Markdown -> Slack mrkdwn, and splitting long answers within Slack's limits."""

from __future__ import annotations

import re

# chat.startStream/appendStream and `markdown_text` accept 12,000 characters per message.
MAX_MARKDOWN_CHARS = 12_000
# A section block holds 3,000 characters and a message 50 blocks; splitting at the section
# limit keeps every part valid wherever it ends up.
MAX_SECTION_CHARS = 3_000
MAX_BLOCKS = 50

_CODE_FENCE = re.compile(r"```.*?```", re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]+`")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_ITALIC = re.compile(r"(?<![*\w])\*(?!\s)([^*\n]+?)\*(?![*\w])")
_STRIKE = re.compile(r"~~(.+?)~~")
# URLs may hold balanced parentheses (Wikipedia's "Rust_(programming_language)").
_LINK = re.compile(r"\[([^\]]+)\]\((https?://(?:[^()\s]|\([^()\s]*\))+)\)")
_BULLET = re.compile(r"^(\s*)[-*+]\s+", re.MULTILINE)


def escape(text: str) -> str:
    """Text shown as-is in mrkdwn: Slack reads only these three characters as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_mrkdwn(markdown: str) -> str:
    """Convert the common Markdown the model writes; code is left exactly as written."""
    protected: list[str] = []

    def protect(match: re.Match[str]) -> str:
        protected.append(_fence_without_language(match.group(0)))
        return f"\x00{len(protected) - 1}\x00"

    text = _CODE_FENCE.sub(protect, markdown)
    text = _INLINE_CODE.sub(protect, text)
    text = escape(text)
    text = _LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", text)
    text = _ITALIC.sub(r"_\1_", text)
    text = _HEADING.sub(lambda m: f"*{_strip_bold(m.group(1))}*", text)
    text = _BOLD.sub(lambda m: f"*{m.group(1) or m.group(2)}*", text)
    text = _STRIKE.sub(r"~\1~", text)
    text = _BULLET.sub(lambda m: f"{m.group(1)}• ", text)
    return re.sub("\x00(\\d+)\x00", lambda m: protected[int(m.group(1))], text)


def _strip_bold(text: str) -> str:
    return _BOLD.sub(lambda m: m.group(1) or m.group(2), text)


def _fence_without_language(block: str) -> str:
    # Slack shows a fence's language tag as the code's first line.
    if block.startswith("```"):
        return re.sub(r"^```[\w+-]*\n", "```\n", block, count=1)
    return block


def split_markdown(text: str, limit: int = MAX_SECTION_CHARS) -> list[str]:
    """Split on paragraph, then line, then hard boundaries; never inside the limit's reach."""
    if len(text) <= limit:
        return [text]
    limit -= len("```\n") + len("\n```")  # room to close and reopen a cut code block
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n\n", 0, limit)
        if cut <= 0:
            cut = rest.rfind("\n", 0, limit)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n")
    if rest.strip():
        parts.append(rest)
    return _rebalance_fences(parts)


def _rebalance_fences(parts: list[str]) -> list[str]:
    """A code block cut in two is closed at the end of one part and reopened in the next."""
    balanced: list[str] = []
    carry = False
    for part in parts:
        if carry:
            part = "```\n" + part
        carry = part.count("```") % 2 == 1
        balanced.append(part + "\n```" if carry else part)
    return balanced
