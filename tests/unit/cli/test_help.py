"""`bot --help` and each command's arguments: every command named, bad values refused by name."""

from __future__ import annotations

import pytest

from bot.cli.main import COMMANDS, main, parser


def _help(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--help"])
    assert exit_.value.code == 0
    return capsys.readouterr().out


def test_help_lists_every_command_on_one_plain_line(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    out = _help(capsys)
    lines = out.splitlines()
    for command in COMMANDS:
        (line,) = [line for line in lines if line.split()[:1] == [command.name]]
        assert line.split(None, 1)[1] == command.summary  # the whole summary, not wrapped
        assert len(line) <= 80
    assert "`" not in out  # terminal text, not Markdown


def _refusal(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_:
        parser().parse_args(list(argv))
    assert exit_.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize("days", ["0", "-3", "100000000", "seven"])
def test_stats_days_outside_1_to_3650_are_refused_saying_the_range(capsys, days):
    assert f"'{days}' is not a whole number from 1 to 3650" in _refusal(
        capsys, "stats", "--days", days
    )


def test_stats_days_within_the_range_are_taken():
    assert parser().parse_args(["stats", "--days", "3650"]).days == 3650
    assert parser().parse_args(["stats"]).days == 7


@pytest.mark.parametrize("user", ["hello world", "u012ab3cd", "U012AB3CD%", "X1", "U"])
def test_forget_user_takes_only_slack_user_ids(capsys, user):
    assert "is not a Slack user ID" in _refusal(capsys, "forget-user", user)


@pytest.mark.parametrize("user", ["U012AB3CD", "W0123456789"])
def test_forget_user_takes_user_and_grid_ids(user):
    assert parser().parse_args(["forget-user", user]).user_id == user


@pytest.mark.parametrize("name", ["a.b", "hello world", "", "_alice", "x" * 33, "ålice"])
def test_chat_refuses_names_outside_the_stated_rule(capsys, name):
    assert "can't be a name here: use 1 to 32 letters" in _refusal(capsys, "chat", "--user", name)


def test_chat_states_its_name_rule_in_help_and_takes_such_names(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    assert "A name is 1 to 32 letters, digits, '-' or '_'" in _help(capsys, "chat")
    for name in ("alice", "Bob_2", "j-doe", "U012AB3CD"):
        assert parser().parse_args(["chat", "--user", name]).user == name
