"""One container acking many Slack requests in a row: the warm ack latency; then bare round
trips to the capture server, the part of each ack that is the loopback hand-over."""

from __future__ import annotations

import time

from benchmarks.lambda_drivers import child


def main() -> None:
    cfg = child.config()
    handler, _ = child.import_handler()
    context = child.Context(cfg["function_arn"])
    latencies, statuses = [], []
    for event in cfg["events"]:
        started = time.perf_counter()
        response = handler(event, context)
        latencies.append((time.perf_counter() - started) * 1000)
        statuses.append(response["statusCode"])
    round_trips = child.round_trips_ms(cfg, cfg["round_trips"])
    child.finish(
        cfg, {"latencies_ms": latencies, "statuses": statuses, "round_trips_ms": round_trips}
    )


if __name__ == "__main__":
    main()
