"""CDK entry point: `cd infra && npx aws-cdk@2 deploy` (after `make package`).

Optional context: -c stack_name=... -c chat_model=... -c memory_model=...
-c deletion_protection=false (only to delete the stack) -c backup_retention_days=N (1-35)
-c snap_start=false (a region without Lambda SnapStart).
Deploy parameter: --parameters AlarmEmail=you@example.com
"""

from __future__ import annotations

import sys
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_

# Run as a script (cdk.json: `python3 app.py`), so this directory is already on sys.path.
from memory_bot_stack import (
    DEFAULT_BACKUP_RETENTION_DAYS,
    DEFAULT_CHAT_MODEL,
    DEFAULT_MEMORY_MODEL,
    MemoryBotStack,
)

LAMBDA_ZIP = Path(__file__).resolve().parent.parent / "dist" / "lambda.zip"


def main() -> None:
    if not LAMBDA_ZIP.is_file():
        sys.exit(
            f"error: {LAMBDA_ZIP} does not exist. Build it first with `make package` "
            "(python scripts/package_lambda.py) from the repository root."
        )

    app = cdk.App()
    MemoryBotStack(
        app,
        app.node.try_get_context("stack_name") or "SlackMemoryBot",
        code=lambda_.Code.from_asset(str(LAMBDA_ZIP)),
        chat_model=app.node.try_get_context("chat_model") or DEFAULT_CHAT_MODEL,
        memory_model=app.node.try_get_context("memory_model") or DEFAULT_MEMORY_MODEL,
        # Context values given with -c arrive as strings.
        deletion_protection=str(app.node.try_get_context("deletion_protection")).lower() != "false",
        backup_retention_days=int(
            app.node.try_get_context("backup_retention_days") or DEFAULT_BACKUP_RETENTION_DAYS
        ),
        snap_start=str(app.node.try_get_context("snap_start")).lower() != "false",
        # No env: the template stays account/region agnostic, so synth (and the tests) need no
        # AWS credentials or lookups; `cdk deploy` targets the CLI's account and region.
    )
    app.synth()


if __name__ == "__main__":
    main()
