"""What the logs may say about a job: its identifiers, never the person's words."""

from bot.logs import job_ids, loggable


def test_a_jobs_log_fields_are_its_ids_and_never_its_text():
    job = {
        "kind": "reply",
        "event_key": "event:Ev1",
        "team_id": "T1",
        "user_id": "U1",
        "text": "my secret project uses Rust",
        "fields": {"description": "private"},
    }
    assert job_ids(job) == {
        "job_kind": "reply",
        "event_key": "event:Ev1",
        "team_id": "T1",
        "user_id": "U1",
    }


def test_a_forged_jobs_fields_are_cut_short_or_named_by_type():
    forged = {"kind": "x" * 500, "user_id": {"nested": "anything"}}
    assert job_ids(forged) == {"job_kind": "x" * 64, "user_id": "dict"}
    assert job_ids(["not", "a", "job"]) == {"job_type": "list"}
    assert loggable(12) == "int"
