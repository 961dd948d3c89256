"""The conversation: what happens to a DM or a mention (the turn), the Slack-free core that
recalls, answers and learns (also behind `bot chat`), the prompt the model is given, the model
calls through the Responses API, the streamed answer that comes back, and a person's tech
digest (their top interests, searched on the web)."""
