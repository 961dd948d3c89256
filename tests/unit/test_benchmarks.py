"""The benchmarks keep running: the load benchmark end to end at a tiny size, as
`python -m benchmarks.load` from the project root."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


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
