"""The conversation: what happens to a DM or a mention (the turn), the Slack-free core that
recalls, answers and learns (also behind `bot chat`), the prompt the model is given, the model
calls through the Responses API, and the streamed answer that comes back."""
