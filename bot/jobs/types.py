"""Type aliases shared by everything that builds, hands over or runs jobs."""

from collections.abc import Callable
from typing import Any

# A JSON-able dict, so it can cross into another Lambda invocation unchanged.
Job = dict[str, Any]
# Runs or hands over one job: a worker's handler, or the ack path's `submit`.
JobHandler = Callable[[Job], None]
