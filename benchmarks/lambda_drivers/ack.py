"""A cold start acking Slack: import the handler, serve the first signed request, then the rest.

The first ack carries the one-off builds (Bolt app, Mangum, the async invoker); the second,
in the same process, is what remains without them.
"""

from __future__ import annotations

import time

from benchmarks.lambda_drivers import child


def main() -> None:
    cfg = child.config()
    handler, import_ms = child.import_handler()
    context = child.Context(cfg["function_arn"])
    acks_ms, statuses = [], []
    for n, event in enumerate(cfg["events"]):
        started = time.perf_counter()
        statuses.append(handler(event, context)["statusCode"])
        ended = time.perf_counter()
        acks_ms.append((ended - started) * 1000)
        if n == 0:
            first = {
                **child.usage(),
                "end_monotonic": time.monotonic(),
                "in_process_ms": (ended - child.STARTED) * 1000,
            }
    child.finish(cfg, {**first, "import_ms": import_ms, "acks_ms": acks_ms, "statuses": statuses})


if __name__ == "__main__":
    main()
