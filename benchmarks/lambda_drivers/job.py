"""A cold start running one job, as the async invoke the ack made delivers it."""

from __future__ import annotations

import time

from benchmarks.lambda_drivers import child


def main() -> None:
    cfg = child.config()
    handler, import_ms = child.import_handler()
    started = time.perf_counter()
    result = handler(cfg["job"], child.Context(cfg["function_arn"]))
    ended = time.perf_counter()
    child.finish(
        cfg,
        {
            "end_monotonic": time.monotonic(),
            "in_process_ms": (ended - child.STARTED) * 1000,
            "import_ms": import_ms,
            "handler_ms": (ended - started) * 1000,
            "result": result,
        },
    )


if __name__ == "__main__":
    main()
