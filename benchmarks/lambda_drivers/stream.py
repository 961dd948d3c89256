"""The reply's streamed Responses call, three times in one fresh process: the openai SDK builds
the pydantic models of the stream's events on first use, which every cold worker pays."""

from __future__ import annotations

import time

from benchmarks.lambda_drivers import child


def main() -> None:
    cfg = child.config()
    from bot.conversation.llm import Responder, openai_client
    from bot.settings import Settings

    responder = Responder(openai_client(Settings.from_env()), "gpt-4.1-mini")
    calls = []
    for _ in range(3):
        started = time.perf_counter()
        "".join(responder.stream("Be brief.", [{"role": "user", "content": "Hello"}]))
        calls.append((time.perf_counter() - started) * 1000)
    child.finish(cfg, {"stream_ms": calls})


if __name__ == "__main__":
    main()
