"""The benchmarks keep running: their shared harness, the Lambda invoke capture, and the cheap
scripts end to end at tiny sizes, as `python -m benchmarks.<name>` from the project root."""

from __future__ import annotations

import importlib
import json
import math
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import boto3
import pytest

from benchmarks import harness
from tests.support.invoke_capture import CAPTURED_PATH, InvokeCapture
from tests.support.lambda_events import FUNCTION_ARN

ROOT = Path(__file__).resolve().parents[2]


def test_percentiles_interpolate_between_samples_and_survive_tiny_samples():
    values = [float(n) for n in range(1, 102)]  # 1..101: the p-th percentile is p + 1

    assert harness.percentiles(values) == (51.0, 96.0, 100.0)
    assert harness.percentile([10.0, 20.0], 50) == 15.0
    assert harness.percentiles([7.0]) == (7.0, 7.0, 7.0)
    assert all(math.isnan(p) for p in harness.percentiles([]))


def test_table_is_markdown_with_the_measure_left_and_the_numbers_right():
    text = harness.table(["request", "median ms"], [["dm", "0.49"], ["/interests", "12.30"]])

    assert text.splitlines() == [
        "| request    | median ms |",
        "|------------|-----------|",
        "| dm         |      0.49 |",
        "| /interests |     12.30 |",
    ]


def test_one_failed_floor_fails_the_run(capsys):
    floors = harness.Floors()
    assert floors.check(True, "warm ack p99 0.9 ms < 50 ms") == "PASS"
    assert floors.exit_code == 0

    assert floors.check(False, "cold ack 320 ms < 300 ms") == "FAIL"
    floors.print()

    assert floors.exit_code == 1
    assert capsys.readouterr().out.splitlines() == [
        "PASS warm ack p99 0.9 ms < 50 ms",
        "FAIL cold ack 320 ms < 300 ms",
    ]


def test_the_capture_server_takes_an_async_invoke_as_lambda_does():
    with InvokeCapture() as capture:
        client = boto3.client(
            "lambda",
            region_name="us-east-1",
            endpoint_url=capture.endpoint,
            aws_access_key_id="AKIDTEST",
            aws_secret_access_key="secret",
        )

        answer = client.invoke(
            FunctionName=FUNCTION_ARN, InvocationType="Event", Payload=b'{"memory_bot_job": {}}'
        )

        assert answer["StatusCode"] == 202
        (invoke,) = capture.invokes
        assert (invoke.function, invoke.payload) == (FUNCTION_ARN, {"memory_bot_job": {}})
        assert invoke.signed
        with urllib.request.urlopen(capture.endpoint + CAPTURED_PATH) as response:
            assert json.load(response) == [{"memory_bot_job": {}}]


def test_a_dry_run_is_answered_and_not_captured():
    with InvokeCapture() as capture:
        request = urllib.request.Request(
            capture.invocations_url("memory-bot"),
            data=b"{}",
            headers={"X-Amz-Invocation-Type": "DryRun"},
        )
        with urllib.request.urlopen(request) as response:
            assert response.status == 204
        assert capture.invokes == []


@pytest.mark.parametrize(
    "module",
    [
        "benchmarks.lambda_perf",
        "benchmarks.lambda_drivers.ack",
        "benchmarks.lambda_drivers.job",
        "benchmarks.lambda_drivers.warm",
        "benchmarks.lambda_drivers.flow",
        "benchmarks.lambda_drivers.stream",
    ],
)
def test_the_lambda_benchmark_and_its_drivers_import(module):
    # Running them needs dist/lambda.zip or a minute; importing them catches a moved bot module.
    assert callable(importlib.import_module(module).main)


def run_benchmark(name: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTHONPATH")}
    return subprocess.run(
        [sys.executable, "-m", f"benchmarks.{name}", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_message_cost_prints_its_table_and_passes_its_floors():
    run = run_benchmark("message_cost", "--memories", "0,20", "--thread", "3", "--dims", "32")

    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("# message_cost: one message per cell")
    assert "load average" in run.stdout
    assert "| place  | memories | Responses |" in run.stdout
    assert "PASS DM, 20 memories: exactly one Responses call (1)" in run.stdout
    assert "FAIL" not in run.stdout


def test_memory_scale_prints_both_tables_and_exits_by_its_floors():
    run = run_benchmark(
        "memory_scale",
        *("--memories", "300", "--users", "30", "--dims", "32", "--queries", "10"),
        *("--lists", "5", "--forgets", "3", "--people", "20,200"),
        *("--person-queries", "5", "--person-pages", "3"),
    )

    # Its floor at the cap is a timing, which a busy machine may break: the exit code says so.
    assert run.returncode == (1 if "\nFAIL " in run.stdout else 0), run.stdout + run.stderr
    assert "| memories | users | dims | index / search | lookup p50 ms |" in run.stdout
    assert "| 200 (cap)         |" in run.stdout
    assert re.search(r"^(PASS|FAIL) lookup at the cap \(200 memories\): p95 ", run.stdout, re.M)
    assert "EXPLAIN (ANALYZE, BUFFERS)" in run.stdout


def test_turn_latency_prints_its_tables_and_exits_by_its_floors():
    run = run_benchmark(
        "turn_latency",
        *("--turns", "2", "--warmup", "1", "--slack-ms", "20", "--embedding-ms", "40"),
        *("--dims", "32"),
    )

    # Its floors are timings, which a busy machine may break: the exit code says so.
    assert run.returncode == (1 if "\nFAIL " in run.stdout else 0), run.stdout + run.stderr
    dm = next(line for line in run.stdout.splitlines() if line.startswith("| DM "))
    assert dm.split("|")[2].strip() == "2"  # turns timed
    assert "Requests arriving, median ms after Slack's request reached the app" in run.stdout
    assert run.stdout.count("PASS ") + run.stdout.count("FAIL ") == 6


def test_write_guard_prints_its_table_and_exits_by_its_floor():
    run = run_benchmark("write_guard", "--rounds", "20", "--people", "100")

    # Its floor is a timing, which a busy machine may break: the exit code says so.
    assert run.returncode == (1 if "\nFAIL " in run.stdout else 0), run.stdout + run.stderr
    assert "| hold_for_write (now), 100 erased people " in run.stdout
    assert re.search(r"^(PASS|FAIL) hold_for_write p50 ", run.stdout, re.M)


def test_who_knows_prints_its_table_for_each_opt_in_count():
    run = run_benchmark(
        "who_knows", *("--memories", "300", "--users", "30", "--dims", "32", "--queries", "3")
    )

    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("# who_knows: 300 memories, 30 people in 10 installations")
    assert "| people in the installation | opted in | p50 ms | p95 ms |" in run.stdout
    # Three people in the first installation: one opted in, then all three.
    rows = [
        line.split("|")[2].strip() for line in run.stdout.splitlines() if line.startswith("| 3 ")
    ]
    assert rows == ["1", "3"]


def test_digest_fanout_prints_its_table_and_exits_by_its_floors():
    run = run_benchmark(
        "digest_fanout",
        *("--people", "4", "--workers", "2", "--model-ms", "20", "--slack-ms", "5"),
        *("--paced", "3", "--per-minute", "600", "--fanout-people", "20", "--target", "100"),
    )

    # The rate it keeps is a timing, which a busy machine may break: the exit code says so.
    assert run.returncode == (1 if "\nFAIL " in run.stdout else 0), run.stdout + run.stderr
    assert run.stdout.startswith("# digest_fanout: Slack 5 ms a call")
    assert "load average" in run.stdout
    assert "| measured            | people | wall s | digests/min |" in run.stdout
    assert "3. fan-out alone, 20 opted in: due query " in run.stdout
    assert "PASS sample: 4 DMs for 4 people" in run.stdout
    assert "PASS paced: 3 DMs for 3 people" in run.stdout
    assert run.stdout.count("PASS ") + run.stdout.count("FAIL ") == 4


def test_load_answers_every_message_once_over_socket_mode_and_lambda_containers():
    run = run_benchmark(
        "load",
        *("--messages", "6", "--people", "3", "--window", "1", "--model-s", "0.1"),
        *("--containers", "2", "--dims", "32"),
    )

    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("# load: 6 DMs from 3 people within 1 s")
    assert "| Socket Mode (bot serve) |           6/6 |" in run.stdout
    assert "| Lambda, 2 containers    |           6/6 |" in run.stdout
    assert "PASS Lambda: 2 containers within the budget of 43" in run.stdout
    assert "FAIL" not in run.stdout
