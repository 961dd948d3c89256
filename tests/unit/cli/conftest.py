"""Running `bot` as a person does: a fresh process, only the environment the test gives it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def run_bot(*args: str, env: dict[str, str], stdin: str = "", cwd=None, timeout: float = 120):
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", "/tmp"),
            # A developer's own .env must not fill in what a test leaves out.
            "PYTHON_DOTENV_DISABLED": "1",
            **env,
        },
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )


@pytest.fixture
def bot_command():
    return run_bot
