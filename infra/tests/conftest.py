"""jsii starts node on the first aws_cdk call: it must find the packaged one, and stay quiet."""

from __future__ import annotations

import os
import sys
from pathlib import Path

INFRA_DIR = Path(__file__).resolve().parents[1]
# infra/ is a CDK project, not an installed package. Appended, not prepended, so its app.py
# can never shadow a module of the same name elsewhere in the test run.
if str(INFRA_DIR) not in sys.path:
    sys.path.append(str(INFRA_DIR))

from node_env import use_packaged_node  # noqa: E402

use_packaged_node(os.environ)
