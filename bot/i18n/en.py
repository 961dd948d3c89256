"""English: every message the bot writes itself. The source of truth for every other language."""

MESSAGES: dict[str, str] = {
    "interests.empty": (
        "I don't remember anything about you yet. Tell me what you work with or want to "
        "learn, and I'll keep it in mind."
    ),
    "forget_words.forgot_one": "I forgot 1 memory about “{words}”:",
    "forget_words.forgot_many": "I forgot {count} memories about “{words}”:",
    "forget_words.nothing": "I don't remember anything about “{words}”, so nothing was deleted.",
    "forget_words.nothing_named": (
        "Nothing was deleted: none of my memories is about “{words}” by its topic or category."
    ),
    "forget_words.offer": (
        "These may be what you meant by “{words}” too. Forget any of them? Only you can see this."
    ),
    "forget_words.button": "Forget {topic}",
}
