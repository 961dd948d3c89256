"""Block Kit builders for everything the bot shows besides answers: memory lists, confirmations
and the memory editor."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.slack.block_kit import Block, button, input_block, section
from bot.slack.mrkdwn import escape

if TYPE_CHECKING:
    from bot.memory.schema import Memory

# action_ids
FORGET_ALL_CONFIRM = "forget_all_confirm"
FORGET_ALL_CANCEL = "forget_all_cancel"
FORGET_ONE = "forget_one"
EDIT_MEMORY = "edit_memory"
ADD_MEMORY = "add_memory"
INTERESTS_PAGE = "interests_page"
HOME_PAGE = "home_page"
LEARNING_TOGGLE = "learning_toggle"
PRIVATE_IN_CHANNELS_TOGGLE = "private_in_channels_toggle"
# view callback_id and message shortcut callback_id (the latter also in manifest.yml)
MEMORY_EDITOR = "memory_editor"
FORGET_FROM_MESSAGE = "forget_from_message"

# Slack allows 50 blocks per message and 100 in the Home tab; a memory takes two.
MESSAGE_PAGE = 20
HOME_PAGE_SIZE = 40
MAX_TOPIC_CHARS = 100
MAX_CATEGORY_CHARS = 60
MAX_DESCRIPTION_CHARS = 500

INTERESTS_HELP = (
    "*What I can do with what I remember about you*\n"
    "• `/interests` — list everything I remember about you (only you can see it)\n"
    "• `/interests export` — send you all of it as a JSON file in a DM\n"
    "• `/forget` — erase everything I remember about you (asks first)\n"
    "• `/forget <words>` — erase only memories about those words, e.g. `/forget rust`\n"
    "• On any of your messages: *More actions → Forget what you learned from this*\n"
    "I learn what you care about in tech from the messages you send me. What I learn in DMs, "
    "private channels and group DMs is private :lock: and only used when I answer you in a DM, "
    "unless you allow it in the Home tab."
)


def memory_line(memory: Memory) -> str:
    meta = [memory.category] if memory.category else []
    if memory.interest_level is not None:
        meta.append(f"interest {memory.interest_level}/100")
    line = (":lock: " if memory.private else "") + f"*{escape(memory.topic)}*"
    if meta:
        line += "  ·  " + escape(" · ".join(meta))
    if memory.description:
        line += "\n" + escape(memory.description)
    return line


def provenance(memory: Memory) -> str:
    """Where it was learned, with a link to the message when there is one."""
    source = memory.source
    if source is None:
        where = "Learned in an earlier conversation"
    else:
        where = f"Learned in {source.kind.label}"
        if source.permalink:
            where = f"<{source.permalink}|{where}>"
        when = _date(source.at)
        if when:
            where += f" · {when}"
    privacy = "private: used only in your DMs with me" if memory.private else "public"
    return f"{where} · {privacy}"


def _date(iso: str) -> str:
    try:
        stamp = datetime.fromisoformat(iso)
    except ValueError:
        return ""
    return f"<!date^{int(stamp.timestamp())}^{{date_short}}|{stamp:%Y-%m-%d}>"


def memory_blocks(memories: Sequence[Memory]) -> list[Block]:
    """Two blocks per memory: what it says, where it came from and Forget beside it; then Edit."""
    blocks: list[Block] = []
    for memory in memories:
        block = section(f"{memory_line(memory)}\n_{provenance(memory)}_")
        block["accessory"] = button("Forget", FORGET_ONE, memory.key)
        blocks.append(block)
        blocks.append({"type": "actions", "elements": [button("Edit", EDIT_MEMORY, memory.key)]})
    return blocks


def page_nav(action_id: str, next_cursor: str | None) -> list[Block]:
    if not next_cursor:
        return []
    return [{"type": "actions", "elements": [button("Show more", action_id, next_cursor)]}]


def interests(
    memories: Sequence[Memory], total: int, next_cursor: str | None = None, *, first: bool = True
) -> tuple[str, list[Block]]:
    if not memories:
        text = (
            "I don't remember anything about you yet. Tell me what you work with or want to "
            "learn — in a DM or by mentioning me — and I'll keep it in mind."
        )
        return text, [section(text)]
    noun = "thing" if total == 1 else "things"
    header = f"Here's what I remember about you ({total} {noun}). Only you can see this."
    if not first:
        header = f"More of what I remember about you ({total} {noun} in all)."
    blocks = [section(header), *memory_blocks(memories), *page_nav(INTERESTS_PAGE, next_cursor)]
    blocks.append(forget_all_actions())
    return header, blocks


def forget_all_actions() -> Block:
    """A "Forget all" button guarded by Slack's own confirmation dialog."""
    forget = button("Forget all", FORGET_ALL_CONFIRM, "all", style="danger")
    forget["confirm"] = {
        "title": {"type": "plain_text", "text": "Forget everything?"},
        "text": {
            "type": "plain_text",
            "text": "I'll erase everything I remember about you. This can't be undone.",
        },
        "confirm": {"type": "plain_text", "text": "Forget everything"},
        "deny": {"type": "plain_text", "text": "Cancel"},
        "style": "danger",
    }
    return {"type": "actions", "elements": [forget]}


def forget_all_confirmation() -> tuple[str, list[Block]]:
    text = "Forget everything I remember about you? This can't be undone."
    return text, [
        section(f":warning: {text} Your settings (like whether I learn from you) stay as set."),
        {
            "type": "actions",
            "elements": [
                button("Forget everything", FORGET_ALL_CONFIRM, "all", style="danger"),
                button("Cancel", FORGET_ALL_CANCEL, "cancel"),
            ],
        },
    ]


def forgot_all(count: int, settings_kept: bool) -> str:
    if count == 0:
        text = "There was nothing to forget: I didn't remember anything about you."
    else:
        noun = "memory" if count == 1 else "memories"
        text = f"Done. I forgot everything I remembered about you ({count} {noun})."
    if settings_kept:
        text += " Your settings stay as you set them."
    return text


def forgot_from_message(forgotten: Sequence[Memory]) -> str:
    if not forgotten:
        return "I didn't learn anything from that message, so there was nothing to forget."
    topics = ", ".join(f"“{escape(m.topic)}”" for m in forgotten)
    noun = "memory" if len(forgotten) == 1 else "memories"
    return f"Done. I forgot {len(forgotten)} {noun} I learned from that message: {topics}."


NOT_YOUR_MESSAGE = (
    "I can only forget what I learned from your own messages. That one was written by someone else."
)


def forgot_one(memory: Memory | None) -> str:
    if memory is None:
        return "That memory was already gone."
    return f"Forgot “{escape(memory.topic)}”."


# --- the memory editor (a modal) ---------------------------------------------------------------


def editor(memory: Memory | None, *, from_home: bool = False) -> Block:
    """Edit one memory, or add one when `memory` is None."""

    def text_input(block_id: str, label: str, initial: str | None, **extra: Any) -> Block:
        element: Block = {"type": "plain_text_input", "action_id": "value", **extra}
        if initial:
            element["initial_value"] = initial
        return input_block(block_id, label, element, optional=block_id != "topic")

    level: Block = {
        "type": "number_input",
        "action_id": "value",
        "is_decimal_allowed": False,
        "min_value": "0",
        "max_value": "100",
    }
    if memory and memory.interest_level is not None:
        level["initial_value"] = str(memory.interest_level)
    private_option = {
        "text": {"type": "plain_text", "text": "Private: use only in my DMs with the bot"},
        "value": "private",
    }
    privacy: Block = {"type": "checkboxes", "action_id": "value", "options": [private_option]}
    if memory is None or memory.private:
        privacy["initial_options"] = [private_option]
    return {
        "type": "modal",
        "callback_id": MEMORY_EDITOR,
        "private_metadata": json.dumps(
            {"key": memory.key if memory else "", "from_home": from_home}
        ),
        "title": {"type": "plain_text", "text": "Edit memory" if memory else "Add a memory"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            text_input("topic", "Topic", memory and memory.topic, max_length=MAX_TOPIC_CHARS),
            text_input(
                "category",
                "Category (e.g. backend, cloud)",
                memory and memory.category,
                max_length=MAX_CATEGORY_CHARS,
            ),
            input_block("interest_level", "Interest level (0–100)", level),
            text_input(
                "description",
                "Description",
                memory and memory.description,
                multiline=True,
                max_length=MAX_DESCRIPTION_CHARS,
            ),
            input_block("privacy", "Where I may use it", privacy),
        ],
    }


def saved(memory: Memory, added: bool) -> str:
    return f"{'Added' if added else 'Saved'} “{escape(memory.topic)}”."


def read_editor(view: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The editor's fields, and errors by block_id for Slack to show in the modal.

    Slack's own limits are checked again here: a submission can be forged.
    """
    values = (view.get("state") or {}).get("values") or {}

    def text(block_id: str) -> str:
        raw = ((values.get(block_id) or {}).get("value") or {}).get("value")
        return " ".join(str(raw or "").split()) if block_id != "description" else str(raw or "")

    errors: dict[str, str] = {}
    topic = text("topic")
    if not topic:
        errors["topic"] = "Give the memory a topic, like “Rust” or “Kubernetes”."
    elif len(topic) > MAX_TOPIC_CHARS:
        errors["topic"] = f"Keep the topic under {MAX_TOPIC_CHARS} characters."
    category = text("category")
    if len(category) > MAX_CATEGORY_CHARS:
        errors["category"] = f"Keep the category under {MAX_CATEGORY_CHARS} characters."
    description = text("description").strip()
    if len(description) > MAX_DESCRIPTION_CHARS:
        errors["description"] = f"Keep the description under {MAX_DESCRIPTION_CHARS} characters."
    level: int | None = None
    raw_level = text("interest_level")
    if raw_level:
        try:
            level = int(raw_level)
        except ValueError:
            errors["interest_level"] = "The interest level is a whole number from 0 to 100."
        else:
            if not 0 <= level <= 100:
                errors["interest_level"] = "The interest level is a whole number from 0 to 100."
    chosen = ((values.get("privacy") or {}).get("value") or {}).get("selected_options") or []
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
        key = str(metadata.get("key") or "")
        from_home = bool(metadata.get("from_home"))
    except (ValueError, AttributeError):
        key, from_home = "", False
    fields = {
        "key": key,
        "topic": topic,
        "category": category or None,
        "interest_level": level,
        "description": description or None,
        "private": any(o.get("value") == "private" for o in chosen),
        "from_home": from_home,
    }
    return fields, errors
