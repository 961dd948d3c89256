"""Signed jobs: only a job made by this bot's own ack path, unchanged, passes."""

from __future__ import annotations

import hashlib
import hmac
import json

from bot.jobs.signing import JobSigner, _canonical

JOB = {"kind": "forget_all", "team_id": "T1", "user_id": "U1", "response_url": "https://x/1"}


def test_a_signed_job_survives_the_json_round_trip_of_an_async_invoke():
    signer = JobSigner("signing-secret")
    signature = signer.sign(JOB)
    # Key order and spacing change on the way; the signature still holds.
    arrived = json.loads(json.dumps(dict(reversed(JOB.items())), indent=2))
    assert signer.verify(arrived, signature)


def test_a_changed_job_or_another_secret_fails():
    signature = JobSigner("signing-secret").sign(JOB)
    assert not JobSigner("signing-secret").verify({**JOB, "user_id": "U2"}, signature)
    assert not JobSigner("another-secret").verify(JOB, signature)
    for forged in (None, "", 42, signature.upper(), signature[:-1]):
        assert not JobSigner("signing-secret").verify(JOB, forged)


def test_the_raw_signing_secret_is_not_the_key():
    # Someone who signs with the secret itself (e.g. copying Slack's scheme) gets nowhere.
    raw = hmac.new(b"signing-secret", _canonical(JOB), hashlib.sha256).hexdigest()
    assert not JobSigner("signing-secret").verify(JOB, raw)


def test_a_job_that_is_not_json_never_verifies():
    assert not JobSigner("s").verify({"kind": "reply", "x": {1, 2}}, "00")


def test_a_signature_of_any_shape_is_refused_without_raising():
    signer = JobSigner("signing-secret")
    signature = signer.sign(JOB)
    for forged in ("é" * 64, signature[:-1] + "é", signature * 2, "\udc80" * 64, "x" * 10_000):
        assert not signer.verify(JOB, forged)
    assert not signer.verify({**JOB, "n": 10**5000}, signature)  # past str()'s digit limit
