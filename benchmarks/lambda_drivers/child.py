"""What every measured process shares: its configuration, a Lambda context, and its report.

Drivers import this module first and import the bot only after, through `import_handler`, so
`STARTED`, read as this module loads, comes before every import the bot triggers.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections.abc import Callable
from typing import Any, NoReturn

STARTED = time.perf_counter()


def config() -> dict[str, Any]:
    with open(sys.argv[1]) as f:
        return json.load(f)


class Context:
    """The Lambda context the handler reads. (tests.support.lambda_events has the tests' own,
    but importing it loads slack_sdk, the very import a cold ack is timed on.)"""

    def __init__(self, function_arn: str) -> None:
        self.invoked_function_arn = function_arn
        self.function_name = function_arn.rsplit(":", 1)[-1]
        self.aws_request_id = "00000000-0000-4000-8000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 120_000


def import_handler() -> tuple[Callable[[Any, Any], dict[str, Any]], float]:
    """`bot.lambda_handler.handler`, and the milliseconds its import took."""
    started = time.perf_counter()
    from bot.lambda_handler import handler

    return handler, (time.perf_counter() - started) * 1000


def captured_jobs(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """The payloads the capture server received so far, oldest first."""
    import urllib.request  # not before the bot: it would lend the ack path its imports

    with urllib.request.urlopen(cfg["captured_url"], timeout=10) as response:
        return json.load(response)


def round_trips_ms(cfg: dict[str, Any], count: int) -> list[float]:
    """`count` bare POSTs to the capture server (DryRun invokes: answered, not recorded): what
    an ack's hand-over costs on loopback, apart from the bot's own work."""
    import urllib.request

    request = urllib.request.Request(
        cfg["dry_run_url"], data=b"{}", headers={"X-Amz-Invocation-Type": "DryRun"}
    )
    times = []
    for _ in range(count):
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=10):
            pass
        times.append((time.perf_counter() - started) * 1000)
    return times


def usage() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    # CPU time barely moves when other processes compete for the cores; wall time does.
    return {"peak_rss_kb": peak_rss_kb(own), "cpu_ms": (own.ru_utime + own.ru_stime) * 1000}


def peak_rss_kb(own: resource.struct_rusage) -> int:
    """This process's peak resident memory. Linux keeps ru_maxrss across fork and exec, so
    there it is at least the benchmark's own (the parent's) size; VmHWM starts afresh at exec."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return own.ru_maxrss


def finish(cfg: dict[str, Any], result: dict[str, Any]) -> NoReturn:
    """Write the report and exit at once: interpreter teardown (pool threads, atexit hooks)
    is part of no measure."""
    tops = {name.partition(".")[0] for name in sys.modules}
    task_root = cfg["task_root"]
    report = {
        **usage(),
        **result,
        "heavy": sorted(m for m in cfg["heavy"] if m in sys.modules),
        # Modules loaded from the unpacked zip, each True if it came with a .pyc.
        "shipped_modules": [
            os.path.exists(m.__cached__)
            for m in list(sys.modules.values())
            if task_root
            and (getattr(m, "__file__", None) or "").startswith(task_root)
            and getattr(m, "__cached__", None)
        ],
        "third_party": sorted(tops - set(sys.stdlib_module_names) - {"__main__", "benchmarks"}),
        "module_count": len(sys.modules),
    }
    with open(cfg["out"], "w") as f:
        json.dump(report, f)
    sys.stderr.flush()
    os._exit(0)
