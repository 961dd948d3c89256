"""Block Kit for the tech digest: the digest DM itself, the one-time note, the Home tab's
choice, and reading `/interests digest …` and the digest's buttons.

Light enough for the ack path: the listeners parse the command and the clicks with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.slack.answer_blocks import feedback_buttons, feedback_fallback
from bot.slack.block_kit import Block, button, context, plain_text, section
from bot.slack.mrkdwn import escape, to_mrkdwn

if TYPE_CHECKING:
    from bot.conversation.answer_stream import Citation
    from bot.conversation.digest import Digest
    from bot.i18n.catalogue import Translator
    from bot.memory.schema import Memory

# action_ids
DIGEST_CHOICE = "digest_frequency"  # the Home tab's off / daily / weekly
DIGEST_LESS = "digest_less"  # "Less of this" on an item; its value is the interest's key
DIGEST_STOP = "digest_stop"

FREQUENCIES = ("off", "daily", "weekly")
# Items shown at most, whatever the model wrote: each takes two blocks of the 50 allowed.
MAX_ITEMS = 8
MAX_LINKS_PER_ITEM = 3


def parse_command(arg: str) -> str | None:
    """`digest daily` -> "daily"; None when the frequency is missing or unknown."""
    words = arg.split()
    if len(words) == 2 and words[0] == "digest" and words[1] in FREQUENCIES:
        return words[1]
    return None


def is_digest_command(arg: str) -> bool:
    return arg.split()[:1] == ["digest"]


def chosen_frequency(action: dict[str, Any]) -> str | None:
    """The frequency a Home tab choice or a "Stop digests" click names, if it is one."""
    selected = action.get("selected_option") or {}
    value = selected.get("value") if isinstance(selected, dict) else None
    value = value or action.get("value")
    return value if value in FREQUENCIES else None


def _topic_list(topics: Sequence[str], t: Translator) -> str:
    return t("digest.list_separator").join(escape(topic) for topic in topics)


# --- the digest ----------------------------------------------------------------------------


def message(digest: Digest, frequency: str, t: Translator) -> tuple[str, list[Block]]:
    """The digest DM: notification text, and its blocks with Slack's feedback buttons."""
    text, body = _digest_body(digest, frequency, t)
    return text, [*body, feedback_buttons()]


def message_with_fallback_feedback(
    digest: Digest, frequency: str, t: Translator
) -> tuple[str, list[Block]]:
    """The same, with plain buttons for surfaces that refuse feedback_buttons."""
    text, body = _digest_body(digest, frequency, t)
    return text, [*body, feedback_fallback()]


def _digest_body(digest: Digest, frequency: str, t: Translator) -> tuple[str, list[Block]]:
    topics = _topic_list([m.topic for m in digest.interests], t)
    blocks: list[Block] = [
        {"type": "header", "text": plain_text(t(f"digest.header.{frequency}"))},
        context(t("digest.about", topics=topics)),
    ]
    for item in digest.items[:MAX_ITEMS]:
        block = section(to_mrkdwn(item.text))
        if item.interest is not None:
            block["accessory"] = _less_button(item.interest, t)
        blocks.append(block)
        links = _links(item.citations)
        if links:
            blocks.append(context(t("digest.source", links=links)))
    if digest.cut_off:
        blocks.append(context(t("digest.cut_off")))
    blocks += [
        {"type": "divider"},
        context(f"{t('digest.ai_note')} {t('digest.why')}"),
        {"type": "actions", "elements": [button(t("digest.stop"), DIGEST_STOP, "off")]},
    ]
    return t("digest.fallback", topics=topics), blocks


def _less_button(interest: Memory, t: Translator) -> Block:
    return button(t("digest.less"), DIGEST_LESS, interest.key)


def _links(citations: Sequence[Citation]) -> str:
    seen: dict[str, str] = {}
    for citation in citations:
        seen.setdefault(citation.url, citation.title)
    shown = list(seen.items())[:MAX_LINKS_PER_ITEM]
    return " · ".join(f"<{escape(url)}|{escape(title)}>" for url, title in shown)


def note(reason: str, t: Translator) -> tuple[str, list[Block]]:
    """The one note someone gets instead of empty digests; `reason` is "learning_off" or
    "nothing"."""
    text = t(f"digest.note.{reason}")
    stop = {"type": "actions", "elements": [button(t("digest.stop"), DIGEST_STOP, "off")]}
    return text, [section(text), stop]


# --- the answer to a choice ----------------------------------------------------------------


def chosen(
    frequency: str,
    t: Translator,
    *,
    tz: str,
    topics: Sequence[str],
    first_soon: bool,
    learning_enabled: bool,
) -> str:
    """What they will get and when, in their language."""
    if frequency == "off":
        return t("digest.off")
    about = _topic_list(topics, t) if topics else t("digest.topics_unknown")
    parts = [t(f"digest.on.{frequency}", tz=escape(tz), topics=about)]
    parts.append(t("digest.first_soon") if first_soon else t(f"digest.next.{frequency}"))
    if not learning_enabled:
        parts.append(t("digest.warn.learning_off"))
    elif not topics:
        parts.append(t("digest.warn.nothing"))
    parts.append(t("digest.stop_hint"))
    return " ".join(parts)


# --- the Home tab --------------------------------------------------------------------------


def home_blocks(frequency: str, t: Translator) -> list[Block]:
    options = {f: {"text": plain_text(t(f"digest.home.{f}")), "value": f} for f in FREQUENCIES}
    choice: Block = {
        "type": "radio_buttons",
        "action_id": DIGEST_CHOICE,
        "options": list(options.values()),
        "initial_option": options.get(frequency, options["off"]),
    }
    return [
        section(t("digest.home.title")),
        {"type": "actions", "elements": [choice]},
        context(t(f"digest.home.status.{frequency if frequency in FREQUENCIES else 'off'}")),
    ]
