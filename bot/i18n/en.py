"""English: every message the bot writes itself. The source of truth for every other language."""

MESSAGES: dict[str, str] = {
    "interests.empty": (
        "I don't remember anything about you yet. Tell me what you work with or want to "
        "learn, and I'll keep it in mind."
    ),
    # --- the tech digest (bot/slack/digest_views.py) ---
    "digest.header.daily": "Your daily tech digest",
    "digest.header.weekly": "Your weekly tech digest",
    "digest.about": "About {topics}, from what you've told me. Only you get this.",
    "digest.fallback": "Your tech digest: {topics}",
    "digest.list_separator": ", ",
    "digest.source": "Source: {links}",
    "digest.less": "Less of this",
    "digest.stop": "Stop digests",
    "digest.cut_off": ":warning: This digest was cut off before the end.",
    "digest.ai_note": "Found with web search and written by AI: check important details at the "
    "source.",
    "digest.why": "You get this because you asked for it. *Less of this* lowers that interest; "
    "*Stop digests* or `/interests digest off` ends them.",
    "digest.write_in": "English",
    "digest.on.daily": "Done. Every day after 09:00 your time ({tz}), I'll send you a DM with a "
    "few items about {topics}, each with its source link.",
    "digest.on.weekly": "Done. Every Monday after 09:00 your time ({tz}), I'll send you a DM with "
    "a few items about {topics}, each with its source link.",
    "digest.topics_unknown": "what you care about in tech",
    "digest.first_soon": "The first one arrives within the hour.",
    "digest.next.daily": "You've had today's already, so the next one comes tomorrow.",
    "digest.next.weekly": "You've had this week's already, so the next one comes next Monday.",
    "digest.warn.nothing": "I don't know your interests yet: tell me what you work with or want "
    "to learn. Until I do, you'll get one short note instead of an empty digest.",
    "digest.warn.learning_off": "Learning is off, so I'm not keeping up with what you care "
    "about: until you switch it on in my Home tab, you'll get one short note instead of digests.",
    "digest.stop_hint": "`/interests digest off` stops them.",
    "digest.off": "Okay, no more digests. `/interests digest daily` or `/interests digest weekly` "
    "starts them again.",
    "digest.usage": "*/interests digest* — a DM with what's new in the tech you care about\n"
    "• `/interests digest daily` — every day after 09:00 your time\n"
    "• `/interests digest weekly` — every Monday after 09:00 your time\n"
    "• `/interests digest off` — no more digests",
    "digest.unavailable": "Digests need web search, which is switched off for this bot.",
    "digest.note.nothing": "Your tech digest is on, but I don't know what you care about yet, so "
    "there's nothing to send. Tell me what you work with or want to learn, and your next digest "
    "will be about it. I won't send empty digests, and I won't remind you again.",
    "digest.note.learning_off": "Your tech digest is on, but learning is off, so I'm not keeping "
    "up with what you care about and won't send digests. Switch *Learn from my messages* on in "
    "my Home tab to get them, or stop them with `/interests digest off`. I won't remind you "
    "again.",
    "digest.less.done": "Okay, less about *{topic}* from now on (interest {before} → {after} of "
    "100).",
    "digest.less.out": "Okay, no more *{topic}* in your digests (its interest is now 0; raise it "
    "again with *Edit* in `/interests`).",
    "digest.less.gone": "That interest isn't in my memory of you any more, so nothing changed.",
    "digest.home.title": "*Tech digest*: a DM with what's new in the tech you care about",
    "digest.home.off": "Off",
    "digest.home.daily": "Daily",
    "digest.home.weekly": "Weekly",
    "digest.home.status.off": "No digests. Choose daily or weekly to get a few items about your "
    "top interests, each with its source link.",
    "digest.home.status.daily": "Every day after 09:00 your time: a DM with a few items about "
    "your top interests, each with its source link.",
    "digest.home.status.weekly": "Every Monday after 09:00 your time: a DM with a few items "
    "about your top interests, each with its source link.",
}
