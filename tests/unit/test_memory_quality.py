"""The memory-quality benchmark keeps running against the fakes, and its scores catch the
mistakes they are named for: a sarcasm-blind, attribution-blind extractor scores lower."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from benchmarks import memory_quality as mq
from bot.memory.schema import Memory
from bot.wiring import build_conversation
from tests.fakes import openai_fake

ROOT = Path(__file__).resolve().parents[2]

RATIO_COLUMNS = ("precision", "recall", "duplicates", "others' topics held", "probes right",
                 "probe recall")  # fmt: skip


def run_benchmark(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTHONPATH")}
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.memory_quality", *args],
        cwd=ROOT,
        env={**environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def rows_of(stdout: str) -> dict[str, dict[str, str]]:
    lines = [line for line in stdout.splitlines() if line.startswith("| ")]
    headers = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = {}
    for line in lines[1:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0]] = dict(zip(headers, cells, strict=True))
    return rows


def test_the_benchmark_prints_its_table_with_every_ratio_between_0_and_1():
    run = run_benchmark("--fake", "--per-kind", "1", "--dims", "32")

    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("# memory_quality:")
    assert "5 people, 9 messages" in run.stdout
    rows = rows_of(run.stdout)
    assert list(rows) == [*mq.KINDS, "all"]
    assert rows["all"]["people"] == "5"
    for kind, row in rows.items():
        for column in RATIO_COLUMNS:
            if row[column] != "n/a":
                assert 0.0 <= float(row[column]) <= 1.0, (kind, column, row[column])
    assert rows["all"]["others' topics held"] != "n/a"
    assert re.search(r"^PASS precision \d\.\d\d ≥ 0\.8$", run.stdout, re.M)


def test_without_a_key_or_fake_it_says_what_is_missing():
    run = run_benchmark("--per-kind", "1", env={"OPENAI_API_KEY": ""})

    assert run.returncode == 2
    assert "OPENAI_API_KEY" in run.stdout
    assert "Traceback" not in run.stderr


def test_an_extractor_blind_to_jokes_and_other_people_is_scored_down(settings, pool, monkeypatch):
    # The fake extraction model taking every mention at face value, as a weak model might.
    monkeypatch.setattr(openai_fake, "stance", lambda *_: openai_fake.SINCERE)
    script = mq.load_script()
    people = [p for p in script.people if p.name in ("wataru", "gus", "carl", "ichiro")]
    recorder = mq.ResponsesRecorder()
    conversation = build_conversation(
        settings, pool=pool, openai=mq.recording_client(settings, recorder)
    )

    outcomes = [mq.converse(conversation, person, recorder) for person in people]
    rows = mq.tallies(outcomes, script.topics)

    joked, others, changed = rows["joked"], rows["others"], rows["changed"]
    # "oh great ... I *love* Angular" became an interest in Angular.
    assert (joked.unwanted_held, joked.probes_right) == (1, 0)
    # Gus's teammate's Scala became Gus's; Carl's thread (others' words) taught Carl nothing.
    assert (others.others, others.others_held) == (3, 1)
    # "moved from Angular to Svelte" raised Angular instead of lowering it.
    assert changed.unwanted_held == 1
    table = mq.quality_table(rows)
    assert "| joked    |      1 |      0.50 |   1.00 |" in table


def test_scores_count_duplicates_low_interest_and_the_probe_request():
    script = mq.load_script()
    ichiro = next(p for p in script.people if p.name == "ichiro")

    def memory(topic: str, level: int | None) -> Memory:
        return Memory(key=topic + str(level), topic=topic, category=None, interest_level=level,
                      description=None)  # fmt: skip

    instructions = (
        "...\n\n## Memories\n<memories>\n- Svelte (frontend) interest 90/100: loves it\n"
        "- Angular (frontend) interest 10/100: No longer: moved away\n</memories>"
    )
    outcome = mq.Outcome(
        ichiro,
        [memory("Svelte", 90), memory("SvelteKit", None), memory("Angular", 10), memory("Zig", 50)],
        instructions,
    )

    tally = mq.score(outcome, script.topics)

    assert (tally.wanted_held, tally.unwanted_held) == (1, 0)  # Angular at 10 is not held
    assert (tally.topics_held, tally.duplicates, tally.unscripted) == (2, 1, 1)
    assert (tally.probes_right, tally.probe_expected_present) == (1, 1)
    leaky = mq.Outcome(ichiro, [], instructions.replace("interest 10/100", "interest 70/100"))
    assert mq.score(leaky, script.topics).probes_right == 0
