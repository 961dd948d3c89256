"""Per-answer CloudWatch metrics as embedded-metric-format (EMF) log lines on stdout.

On Lambda, CloudWatch Logs turns each such line into metric values: no PutMetricData call, no
network on the job path. The format is AWS's "Embedded metric format" specification: one JSON
object per line whose `_aws.CloudWatchMetrics` directives name the namespace, the dimension keys
and the metrics, each of which is a member of the same object.

Why not aws-lambda-powertools' Metrics: measured on this project's machines, importing it costs
50-60 ms and 129 modules (its package init loads the Logger, jmespath, pathlib, inspect) and adds
~7.6 MB to the Lambda zip; its `Metrics` keeps the metric set in state shared by every instance,
which mixes two answers' values when Socket Mode runs answers on several threads, and its
`single_metric` carries one metric per line. One answer's line is a dozen fields, written here
with the standard library only.

The outcome is carried as count metrics (`ModelErrors`, `CutOffs` beside `Answers`) rather than a
dimension, so an alarm or an error rate needs no extra metric series; it is also a plain member
for CloudWatch Logs Insights.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from bot.db.answer_log import AnswerRecord

log = logging.getLogger(__name__)

NAMESPACE = "MemoryBot"
SERVICE = "memory-bot"


def emit_answer(
    answer: AnswerRecord,
    *,
    out: TextIO | None = None,
    namespace: str = NAMESPACE,
    service: str = SERVICE,
    clock: Callable[[], float] = time.time,
) -> None:
    """Write one EMF line for one answer to `out` (stdout by default). Never raises."""
    try:
        line = json.dumps(answer_document(answer, namespace, service, clock()))
        stream = out if out is not None else sys.stdout
        # One write per line, so answers finishing on two threads never interleave.
        stream.write(line + "\n")
        stream.flush()
    except Exception as exc:  # noqa: BLE001 - a lost metric must never cost the answer
        log.warning("answer metrics not written", extra={"error": type(exc).__name__})


def answer_document(answer: AnswerRecord, namespace: str, service: str, now: float) -> dict:
    values: dict[str, tuple[str, float | int | None]] = {
        "TimeToFirstToken": ("Milliseconds", answer.first_token_ms),
        "AnswerTime": ("Milliseconds", answer.total_ms),
        "InputTokens": ("Count", answer.input_tokens),
        "OutputTokens": ("Count", answer.output_tokens),
        "CachedTokens": ("Count", answer.cached_tokens),
        "MemoriesUsed": ("Count", answer.memories_used),
        "WebSearches": ("Count", answer.web_searches),
        "Answers": ("Count", 1),
        "ModelErrors": ("Count", int(answer.outcome == "model_error")),
        "CutOffs": ("Count", int(answer.outcome == "cut_off")),
    }
    # EMF metric values must be numbers: what the answer never had (no first token after a
    # model error, no usage from a cut-off stream) is left out rather than sent as null.
    present = {name: unit_value for name, unit_value in values.items() if unit_value[1] is not None}
    return {
        "_aws": {
            "Timestamp": int(now * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": namespace,
                    "Dimensions": [["Service"]],
                    "Metrics": [
                        {"Name": name, "Unit": unit} for name, (unit, _) in present.items()
                    ],
                }
            ],
        },
        "Service": service,
        "Outcome": answer.outcome,
        "Model": answer.model,
        **{name: value for name, (_, value) in present.items()},
    }
