"""Size limits shared by the ack path and the worker (kept import-free for cold starts)."""

# What the model sees of one message, in characters.
MAX_MESSAGE_CHARS = 8_000
# A job carries a little more than the model will see, so the worker can tell it was cut.
MAX_JOB_TEXT_CHARS = MAX_MESSAGE_CHARS + 1
