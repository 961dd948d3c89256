"""Plain-text helpers with no Slack or model knowledge (light enough for the ack path)."""


def clip(text: str, limit: int, note: str = "…") -> str:
    """`text` cut to at most `limit` characters, `note` marking the cut."""
    return text if len(text) <= limit else text[: max(0, limit - len(note))] + note
