"""What every benchmark shares: the run's frame, percentiles, tables, floors, the database.

A run opens with the machine it ran on and its load average, and closes with the load average
again and the time it took (`session`): the machines are shared, and a busy one inflates every
wall time. Floors are PASS/FAIL lines; any FAIL makes the script exit 1 (`Floors.exit_code`).
The database is the embedded PostgreSQL 16 + pgvector the bot uses locally, with its schema.
"""

from __future__ import annotations

import atexit
import logging
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bot.db.storage import embedded_database_url, migrate, open_pool


def percentiles(values: Sequence[float], ps: Sequence[int] = (50, 95, 99)) -> tuple[float, ...]:
    """The `ps` percentiles (each 1-99) of `values`, interpolated between the two closest
    samples; a single sample is all of them, none is NaN."""
    if not values:
        return tuple(math.nan for _ in ps)
    if len(values) == 1:
        return tuple(float(values[0]) for _ in ps)
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return tuple(cuts[p - 1] for p in ps)


def percentile(values: Sequence[float], p: int) -> float:
    return percentiles(values, (p,))[0]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table: the first column (what is measured) left-aligned, the rest (numbers)
    right-aligned, so the output can be pasted into the README as it is."""
    cells = [[str(c) for c in headers], *([str(c) for c in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        first, *rest = zip(row, widths, strict=True)
        return "| " + " | ".join([first[0].ljust(first[1])] + [c.rjust(w) for c, w in rest]) + " |"

    lines = [line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += [line(row) for row in cells[1:]]
    return "\n".join(lines)


@dataclass
class Floors:
    """What a run promises: each check is a PASS or a FAIL line; one FAIL fails the run."""

    results: list[tuple[bool, str]] = field(default_factory=list)

    def check(self, ok: bool, text: str) -> str:
        self.results.append((bool(ok), text))
        return _verdict(ok)

    def print(self) -> None:
        for ok, text in self.results:
            print(f"{_verdict(ok)} {text}")

    @property
    def exit_code(self) -> int:
        return 0 if all(ok for ok, _ in self.results) else 1


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def load_average() -> str:
    return "{:.1f}, {:.1f}, {:.1f}".format(*os.getloadavg())


@contextmanager
def session(title: str) -> Iterator[Floors]:
    """Frame one run: what it is and the machine's state first, the load and time at the end.

    The bot logs every request and job at INFO; here the tables are the output.
    """
    logging.basicConfig(level=logging.WARNING)
    started = time.monotonic()
    cores = os.cpu_count() or 1
    print(f"# {title}")
    print(f"python {sys.version.split()[0]}, {cores} cores, load average {load_average()}")
    if os.getloadavg()[0] > cores / 2:
        print("warning: the machine is busy; wall times will be inflated")
    yield Floors()
    print(f"\nload average now {load_average()}; {time.monotonic() - started:.1f} s in all")


def progress(text: str) -> None:
    """A step finished, on stderr, so a long run shows where it is without touching the tables."""
    print(f"  {text}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Database:
    url: str
    data_dir: Path  # the embedded server's files; the bot's BOT_DATA_DIR
    dims: int


def scratch_dir(prefix: str) -> Path:
    """A temporary directory, removed at exit after whatever was registered later: atexit runs
    the last registered first, so a server started in it stops before its directory goes."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def embedded_database(dims: int, data_dir: Path | None = None) -> Database:
    """The embedded PostgreSQL 16 + pgvector with the bot's schema, in `data_dir` (kept, and
    reused by the next run) or in a temporary directory removed at exit."""
    data_dir = data_dir or scratch_dir("bench_db_")
    url = embedded_database_url(data_dir)
    pool = open_pool(url)
    try:
        migrate(pool, dims)  # as `bot migrate` or the deploy-time trigger would
    finally:
        pool.close()
    return Database(url, data_dir, dims)
