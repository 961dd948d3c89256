"""`bot chat`: the terminal conversation through the same memory and reply code."""

from __future__ import annotations

import os
import subprocess
import sys


def test_a_terminal_conversation_forms_memories_uses_them_and_forgets(
    fake_openai, database_url, pool, tmp_path
):
    fake_openai.reply_text = "Happy to help."
    script = "I am learning Rust.\nWhat next?\n/interests\n/forget rust\n/interests\n/quit\n"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--user", "alice"],
        input=script,
        env={
            "PATH": os.environ["PATH"],
            "HOME": str(tmp_path),
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": fake_openai.base_url,
            "DATABASE_URL": database_url,
            "EMBEDDING_DIMS": "256",
        },
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "bot> Happy to help." in out
    assert "(learned: Rust" in out
    assert "(remembering: Rust)" in out  # the second question used the memory
    assert "- Rust [programming language] 80/100" in out
    assert "Forgot 1: Rust" in out
    assert (
        out.rstrip().endswith("Nothing remembered yet.\nalice>") or "Nothing remembered yet." in out
    )
    instructions = [body["instructions"] for body in fake_openai.bodies("responses")]
    assert "Rust" in instructions[1]
