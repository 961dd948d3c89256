"""English: every message the bot writes itself. The source of truth for every other language."""

MESSAGES: dict[str, str] = {
    "interests.empty": (
        "I don't remember anything about you yet. Tell me what you work with or want to "
        "learn, and I'll keep it in mind."
    ),
    # The receipt under an answer (bot/slack/receipts.py) and the clicks on it.
    "receipt.tailored_with": "Tailored with: {topics}",
    "receipt.and_more": "and {count} more",
    "receipt.private_used": (
        "Only you can see this: I also used your private memories here: {topics}"
    ),
    "receipt.menu": "Change what I used…",
    "receipt.forget": "Forget this",
    "receipt.not_here": "Don't use this here",
    "receipt.forgotten": "Forgotten: {topic}. I won't use it again anywhere.",
    "receipt.set_aside": (
        "I won't use {topic} in this conversation again. It stays in `/interests` for "
        "everywhere else."
    ),
    "receipt.not_yours": "Only the person who asked can change the memories this answer used.",
    "receipt.gone": "That memory is already gone.",
    # Thinking steps of a streamed answer (bot/slack/task_cards.py).
    "tasks.recalled.one": "Remembered {count} thing about you",
    "tasks.recalled.other": "Remembered {count} things about you",
    "tasks.recalled_none": "Nothing remembered yet",
    "tasks.searching": "Searching the web",
    "tasks.searched": "Web search: {query}",
}
