"""The words the bot writes itself, in the reader's language: one catalogue module per
language (`en.py`, `ja.py`, named by the language's ISO 639-1 code), English the source of
truth and the fallback, and the lookup that picks a catalogue from a Slack locale."""
