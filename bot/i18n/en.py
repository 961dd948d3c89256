"""English: every message the bot writes itself. The source of truth for every other language."""

MESSAGES: dict[str, str] = {
    "interests.empty": (
        "I don't remember anything about you yet. Tell me what you work with or want to "
        "learn, and I'll keep it in mind."
    ),
}
