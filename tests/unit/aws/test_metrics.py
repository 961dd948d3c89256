"""Per-answer metrics: one valid CloudWatch EMF line on stdout, carrying the answer's numbers."""

from __future__ import annotations

import io
import json
import subprocess
import sys

from bot.aws.metrics import emit_answer
from bot.db.answer_log import AnswerRecord

# Units CloudWatch accepts (MetricDatum.Unit).
CLOUDWATCH_UNITS = {
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
}


def answer(**overrides) -> AnswerRecord:
    fields = {
        "team_id": "T1",
        "user_id": "U1",
        "channel": "D1",
        "message_ts": "1700000000.000100",
        "model": "gpt-test-chat",
        "first_token_ms": 420,
        "total_ms": 2300,
        "outcome": "ok",
        "input_tokens": 1500,
        "output_tokens": 210,
        "cached_tokens": 1024,
        "memories_used": 4,
        "web_searches": 2,
    }
    return AnswerRecord(**{**fields, **overrides})


def assert_valid_emf(document: dict) -> dict[str, float]:
    """The EMF specification's rules; returns the metric values by name."""
    meta = document["_aws"]
    assert isinstance(meta["Timestamp"], int) and meta["Timestamp"] > 1_600_000_000_000
    values = {}
    for directive in meta["CloudWatchMetrics"]:
        assert isinstance(directive["Namespace"], str) and directive["Namespace"]
        for dimension_set in directive["Dimensions"]:
            assert 1 <= len(dimension_set) <= 30
            for key in dimension_set:
                assert isinstance(document[key], str) and document[key]
        assert 1 <= len(directive["Metrics"]) <= 100
        for metric in directive["Metrics"]:
            assert metric.get("Unit", "None") in CLOUDWATCH_UNITS
            value = document[metric["Name"]]
            assert isinstance(value, int | float) and not isinstance(value, bool)
            values[metric["Name"]] = value
    return values


def emitted(record: AnswerRecord) -> dict:
    out = io.StringIO()
    emit_answer(record, out=out, clock=lambda: 1_750_000_000.5)
    (line,) = out.getvalue().splitlines()
    return json.loads(line)


def test_an_answer_is_one_emf_line_carrying_its_timings_and_tokens():
    document = emitted(answer())

    values = assert_valid_emf(document)
    assert document["_aws"]["Timestamp"] == 1_750_000_000_500
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "MemoryBot"
    assert directive["Dimensions"] == [["Service"]]
    assert document["Service"] == "memory-bot"
    assert values == {
        "TimeToFirstToken": 420,
        "AnswerTime": 2300,
        "InputTokens": 1500,
        "OutputTokens": 210,
        "CachedTokens": 1024,
        "MemoriesUsed": 4,
        "WebSearches": 2,
        "Answers": 1,
        "ModelErrors": 0,
        "CutOffs": 0,
    }
    units = {m["Name"]: m["Unit"] for m in directive["Metrics"]}
    assert units["TimeToFirstToken"] == units["AnswerTime"] == "Milliseconds"
    assert units["InputTokens"] == "Count"
    assert (document["Outcome"], document["Model"]) == ("ok", "gpt-test-chat")


def test_a_model_error_counts_as_one_and_sends_no_missing_values():
    document = emitted(
        answer(
            outcome="model_error",
            first_token_ms=None,
            input_tokens=None,
            output_tokens=None,
            cached_tokens=None,
        )
    )

    values = assert_valid_emf(document)
    assert values["ModelErrors"] == 1 and values["CutOffs"] == 0 and values["Answers"] == 1
    assert not {"TimeToFirstToken", "InputTokens", "OutputTokens", "CachedTokens"} & set(document)
    assert document["Outcome"] == "model_error"


def test_a_cut_off_stream_counts_as_a_cut_off():
    values = assert_valid_emf(emitted(answer(outcome="cut_off", output_tokens=None)))

    assert (values["CutOffs"], values["ModelErrors"]) == (1, 0)
    assert "OutputTokens" not in values


def test_ids_stay_out_of_the_metrics_line():
    line = json.dumps(emitted(answer()))

    assert "T1" not in line and "U1" not in line and "D1" not in line


def test_by_default_the_line_goes_to_stdout(capsys):
    emit_answer(answer())

    out = capsys.readouterr().out
    assert out.endswith("\n") and out.count("\n") == 1
    assert_valid_emf(json.loads(out))


def test_a_broken_stream_never_raises(caplog):
    class Closed(io.StringIO):
        def write(self, text):
            raise ValueError("I/O operation on closed file")

    emit_answer(answer(), out=Closed())

    assert "answer metrics not written" in caplog.text


def test_importing_metrics_loads_nothing_heavy():
    code = (
        "import sys, bot.aws.metrics, bot.db.answer_log;"
        "heavy = {'psycopg', 'psycopg_pool', 'openai', 'boto3', 'aws_lambda_powertools'};"
        "print(sorted(heavy & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
