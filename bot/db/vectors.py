"""Embedding vectors sent to PostgreSQL in binary.

psycopg sends a Python list of floats as the text of an array, which for 1,536 dimensions
costs about 3 ms of CPU per vector, and the store's search sends its query vector twice.
Marking vectors with a list subclass lets them go as a binary `real[]` instead (~0.2 ms),
which pgvector casts to `vector` exactly as it casts the text form.
"""

from __future__ import annotations

import struct

from psycopg import Connection
from psycopg.adapt import Dumper
from psycopg.pq import Format

_FLOAT4_ARRAY_OID = 1021
_FLOAT4_OID = 700


class Vector(list):
    """A list of floats that psycopg sends as a binary real[]."""


class VectorDumper(Dumper):
    format = Format.BINARY
    oid = _FLOAT4_ARRAY_OID

    def dump(self, obj: Vector) -> bytes:
        # PostgreSQL's binary array layout: ndim, has-nulls flag, element type, then per
        # dimension (length, lower bound), then each element as (byte length, value).
        n = len(obj)
        header = struct.pack(">iiiii", 1, 0, _FLOAT4_OID, n, 1)
        return header + struct.pack(">" + "if" * n, *(x for f in obj for x in (4, f)))


def register(conn: Connection) -> None:
    conn.adapters.register_dumper(Vector, VectorDumper)
