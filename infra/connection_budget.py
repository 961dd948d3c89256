"""How many worker containers the database can hold connections for: the worker's reserved
concurrency.

Each worker container keeps its own connection pool, so N concurrent containers can hold
N x CONNECTIONS_PER_CONTAINER connections. Past the database's max_connections, new containers
fail with "remaining connection slots are reserved" instead of queueing; capping the worker's
concurrency turns that into Lambda throttles (alarmed, and retried for async jobs). The public
function holds no connection, so it has no part in this budget.
"""

from __future__ import annotations

# bot.db.storage.open_pool's max_size (infra/tests check the two agree).
CONNECTIONS_PER_CONTAINER = 4

# Aurora PostgreSQL Serverless v2 sets max_connections from the memory at the cluster's *maximum*
# capacity. AWS documents these values (Aurora User Guide, "Maximum connections for Aurora
# Serverless v2"); between two rows only the lower one is certain, so that is what counts.
MAX_CONNECTIONS_BY_MAX_ACU = {1: 189, 4: 823, 8: 1669, 16: 3360, 32: 5000}

# Slots PostgreSQL keeps for superusers (superuser_reserved_connections = 3) and Aurora for its
# rds_superuser role (rds.rds_superuser_reserved_connections = 2): ordinary logins can't use them.
RESERVED_BY_AURORA = 3 + 2
# The deploy-time migration function runs while the bot may be serving: one pool of its own.
MIGRATION_CONNECTIONS = CONNECTIONS_PER_CONTAINER
# An operator's psql sessions, a dump, the query editor: room to look in during an incident.
OPERATOR_CONNECTIONS = 5


def max_connections(max_acu: float) -> int:
    """Aurora's default max_connections for a cluster whose capacity ends at max_acu."""
    documented = [acu for acu in MAX_CONNECTIONS_BY_MAX_ACU if acu <= max_acu]
    if not documented:
        raise ValueError(f"max capacity {max_acu} ACU is below the smallest documented (1 ACU)")
    return MAX_CONNECTIONS_BY_MAX_ACU[max(documented)]


def bot_concurrency(max_acu: float) -> int:
    """Concurrent worker containers whose pools all fit, with the headroom above kept free."""
    available = (
        max_connections(max_acu) - RESERVED_BY_AURORA - MIGRATION_CONNECTIONS - OPERATOR_CONNECTIONS
    )
    return available // CONNECTIONS_PER_CONTAINER
