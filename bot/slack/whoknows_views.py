"""What `/whoknows` shows, and the words around being findable (light: the ack path imports
the switch's action_id)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.i18n.catalogue import Translator
from bot.slack.block_kit import context, section
from bot.slack.mrkdwn import escape

if TYPE_CHECKING:
    from bot.memory.directory import Colleague

# action_id of the Home tab switch
FINDABLE_TOGGLE = "findable_toggle"
MAX_TOPIC_CHARS = 100


def colleague_line(colleague: Colleague, t: Translator) -> str:
    memory = colleague.memory
    line = f"• <@{colleague.user_id}> — *{escape(memory.topic)}*"
    if memory.interest_level is not None:
        line += "  ·  " + t("memory.interest", level=memory.interest_level)
    if colleague.permalink:
        line += f"  ·  <{colleague.permalink}|{t('whoknows.where_said')}>"
    elif colleague.channel:
        line += "  ·  " + t("whoknows.in_channel", channel=colleague.channel)
    return line


def listing(topic: str, colleagues: Sequence[Colleague], t: Translator) -> tuple[str, list]:
    """(fallback text, blocks) of the people found, or of nobody found."""
    shown = t.quoted(escape(topic))
    if not colleagues:
        text = t("whoknows.nobody", topic=shown)
        return text, [section(text)]
    header = t("whoknows.header", topic=shown)
    lines = "\n".join(colleague_line(c, t) for c in colleagues)
    blocks: list[dict[str, Any]] = [
        section(header),
        section(lines),
        context(t("whoknows.footer")),
    ]
    return f"{header}\n{lines}", blocks


def help_text(t: Translator) -> str:
    return t("whoknows.help", what=t("whoknows.what_others_see"))


def sharing_answer(findable: bool, *, changed: bool, t: Translator) -> str:
    what = t("whoknows.what_others_see")
    if changed:
        return t("whoknows.share_on", what=what) if findable else t("whoknows.share_off")
    key = "whoknows.share_status_on" if findable else "whoknows.share_status_off"
    return t(key, what=what)


def home_note(findable: bool, t: Translator) -> str:
    key = "whoknows.home_on" if findable else "whoknows.home_off"
    return t(key, what=t("whoknows.what_others_see"))
