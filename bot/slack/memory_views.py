"""Block Kit builders for everything the bot shows besides answers: memory lists, confirmations
and the memory editor."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.i18n.catalogue import ENGLISH, Translator, translator
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


def memory_line(memory: Memory, t: Translator = ENGLISH) -> str:
    meta = [memory.category] if memory.category else []
    if memory.interest_level is not None:
        meta.append(t("memory.interest", level=memory.interest_level))
    line = (":lock: " if memory.private else "") + f"*{escape(memory.topic)}*"
    if meta:
        line += "  ·  " + escape(" · ".join(meta))
    if memory.description:
        line += "\n" + escape(memory.description)
    return line


def provenance(memory: Memory, t: Translator = ENGLISH) -> str:
    """Where it was learned, with a link to the message when there is one."""
    source = memory.source
    if source is None:
        where = t("memory.learned_earlier")
    else:
        where = t("memory.learned_in", where=t(f"memory.where.{source.kind.value}"))
        if source.permalink:
            where = f"<{source.permalink}|{where}>"
        when = _date(source.at)
        if when:
            where += f" · {when}"
    privacy = t("memory.private") if memory.private else t("memory.public")
    return f"{where} · {privacy}"


def _date(iso: str) -> str:
    try:
        stamp = datetime.fromisoformat(iso)
    except ValueError:
        return ""
    return f"<!date^{int(stamp.timestamp())}^{{date_short}}|{stamp:%Y-%m-%d}>"


def memory_blocks(memories: Sequence[Memory], t: Translator = ENGLISH) -> list[Block]:
    """Two blocks per memory: what it says, where it came from and Forget beside it; then Edit."""
    blocks: list[Block] = []
    for memory in memories:
        block = section(f"{memory_line(memory, t)}\n_{provenance(memory, t)}_")
        block["accessory"] = button(t("memory.forget"), FORGET_ONE, memory.key)
        blocks.append(block)
        edit = button(t("memory.edit"), EDIT_MEMORY, memory.key)
        blocks.append({"type": "actions", "elements": [edit]})
    return blocks


def page_nav(action_id: str, next_cursor: str | None, t: Translator = ENGLISH) -> list[Block]:
    if not next_cursor:
        return []
    more = button(t("interests.show_more"), action_id, next_cursor)
    return [{"type": "actions", "elements": [more]}]


def interests(
    memories: Sequence[Memory],
    total: int,
    next_cursor: str | None = None,
    *,
    first: bool = True,
    t: Translator = ENGLISH,
) -> tuple[str, list[Block]]:
    if not memories:
        text = t("interests.empty")
        return text, [section(text)]
    header = t.plural("interests.header" if first else "interests.more", total)
    blocks = [
        section(header),
        *memory_blocks(memories, t),
        *page_nav(INTERESTS_PAGE, next_cursor, t),
        forget_all_actions(t),
    ]
    return header, blocks


def forget_all_actions(t: Translator = ENGLISH) -> Block:
    """A "Forget all" button guarded by Slack's own confirmation dialog."""
    forget = button(t("forget.all_button"), FORGET_ALL_CONFIRM, "all", style="danger")
    forget["confirm"] = {
        "title": {"type": "plain_text", "text": t("forget.dialog_title")},
        "text": {"type": "plain_text", "text": t("forget.dialog_text")},
        "confirm": {"type": "plain_text", "text": t("forget.everything")},
        "deny": {"type": "plain_text", "text": t("forget.cancel")},
        "style": "danger",
    }
    return {"type": "actions", "elements": [forget]}


def forget_all_confirmation(t: Translator = ENGLISH) -> tuple[str, list[Block]]:
    text = t("forget.confirm")
    return text, [
        section(f":warning: {text} {t('forget.confirm_settings')}"),
        {
            "type": "actions",
            "elements": [
                button(t("forget.everything"), FORGET_ALL_CONFIRM, "all", style="danger"),
                button(t("forget.cancel"), FORGET_ALL_CANCEL, "cancel"),
            ],
        },
    ]


def forgot_all(count: int, settings_kept: bool, t: Translator = ENGLISH) -> str:
    text = t.plural("forget.all_done", count) if count else t("forget.all_nothing")
    if settings_kept:
        text += " " + t("forget.settings_kept")
    return text


def forgot_from_message(forgotten: Sequence[Memory], t: Translator = ENGLISH) -> str:
    if not forgotten:
        return t("forget.message_none")
    topics = t.listing([t.quoted(escape(m.topic)) for m in forgotten])
    return t.plural("forget.message_done", len(forgotten), topics=topics)


def forgot_one(memory: Memory | None, t: Translator = ENGLISH) -> str:
    if memory is None:
        return t("forget.one_gone")
    return t("forget.one_done", topic=t.quoted(escape(memory.topic)))


# --- the memory editor (a modal) ---------------------------------------------------------------


def editor(memory: Memory | None, *, from_home: bool = False, t: Translator = ENGLISH) -> Block:
    """Edit one memory, or add one when `memory` is None.

    The modal keeps the reader's locale in its metadata: Slack's view_submission says nothing
    about the language, and its errors are answered in the ack, before anything can ask."""

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
        "text": {"type": "plain_text", "text": t("editor.private_option")},
        "value": "private",
    }
    privacy: Block = {"type": "checkboxes", "action_id": "value", "options": [private_option]}
    if memory is None or memory.private:
        privacy["initial_options"] = [private_option]
    return {
        "type": "modal",
        "callback_id": MEMORY_EDITOR,
        "private_metadata": json.dumps(
            {"key": memory.key if memory else "", "from_home": from_home, "locale": t.locale}
        ),
        "title": {
            "type": "plain_text",
            "text": t("editor.title_edit") if memory else t("editor.title_add"),
        },
        "submit": {"type": "plain_text", "text": t("editor.save")},
        "close": {"type": "plain_text", "text": t("editor.cancel")},
        "blocks": [
            text_input(
                "topic", t("editor.topic"), memory and memory.topic, max_length=MAX_TOPIC_CHARS
            ),
            text_input(
                "category",
                t("editor.category"),
                memory and memory.category,
                max_length=MAX_CATEGORY_CHARS,
            ),
            input_block("interest_level", t("editor.interest_level"), level),
            text_input(
                "description",
                t("editor.description"),
                memory and memory.description,
                multiline=True,
                max_length=MAX_DESCRIPTION_CHARS,
            ),
            input_block("privacy", t("editor.privacy"), privacy),
        ],
    }


def saved(memory: Memory, added: bool, t: Translator = ENGLISH) -> str:
    return t("editor.added" if added else "editor.saved", topic=t.quoted(escape(memory.topic)))


def read_editor(view: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The editor's fields, and errors by block_id for Slack to show in the modal.

    Slack's own limits are checked again here: a submission can be forged.
    """
    values = (view.get("state") or {}).get("values") or {}
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
        key = str(metadata.get("key") or "")
        from_home = bool(metadata.get("from_home"))
        locale = str(metadata.get("locale") or "")
    except (ValueError, AttributeError):
        key, from_home, locale = "", False, ""
    t = translator(locale)

    def text(block_id: str) -> str:
        raw = ((values.get(block_id) or {}).get("value") or {}).get("value")
        return " ".join(str(raw or "").split()) if block_id != "description" else str(raw or "")

    errors: dict[str, str] = {}
    topic = text("topic")
    if not topic:
        errors["topic"] = t("editor.error_topic_missing")
    elif len(topic) > MAX_TOPIC_CHARS:
        errors["topic"] = t("editor.error_topic_long", limit=MAX_TOPIC_CHARS)
    category = text("category")
    if len(category) > MAX_CATEGORY_CHARS:
        errors["category"] = t("editor.error_category_long", limit=MAX_CATEGORY_CHARS)
    description = text("description").strip()
    if len(description) > MAX_DESCRIPTION_CHARS:
        errors["description"] = t("editor.error_description_long", limit=MAX_DESCRIPTION_CHARS)
    level: int | None = None
    raw_level = text("interest_level")
    if raw_level:
        try:
            level = int(raw_level)
        except ValueError:
            errors["interest_level"] = t("editor.error_level")
        else:
            if not 0 <= level <= 100:
                errors["interest_level"] = t("editor.error_level")
    chosen = ((values.get("privacy") or {}).get("value") or {}).get("selected_options") or []
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
