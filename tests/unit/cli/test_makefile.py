"""The Makefile a newcomer reads first: every target says what it does, and does what it says."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

MAKEFILE = Path(__file__).resolve().parents[3] / "Makefile"


def _make(*args: str) -> str:
    result = subprocess.run(
        ["make", "-s", "-f", str(MAKEFILE), *args],
        cwd=MAKEFILE.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_help_describes_every_target():
    text = MAKEFILE.read_text()
    (phony,) = re.findall(r"^\.PHONY: (.+)$", text, re.MULTILINE)
    described = dict(line.split(None, 1) for line in _make("help").splitlines())
    assert set(described) == set(phony.split())
    assert "schema" in described["migrate"]
    assert ".data" in described["clean"]  # it says that it deletes the local memories


def test_make_chat_talks_as_the_user_name_it_names():
    assert "USER_NAME" in _make("help").split("chat", 1)[1].splitlines()[0]
    assert "bot chat --user alice" in _make("-n", "chat", "USER_NAME=alice")
