"""The Lambda function's whole flow in one process, and the third-party and bot modules it loaded.

    python infra/tests/lambda_flow.py record CONFIG.json OUT.json
    python -I -S infra/tests/lambda_flow.py import TASK_ROOT MODULES.json OUT.json

`record` runs everything the deployed function does through `bot.lambda_handler`, as Lambda
calls it: signed Function URL requests after the deploy-time migration (a DM with a PDF and
an image, a mention, /interests, /interests export, /forget, a button, the Home tab, the daily
sweep, an uninstall), each acked and its job delivered back as the async self-invoke would
(captured by an HTTPS handler installed with urllib's own `install_opener`, answering 202).
Slack, OpenAI and the database run in the caller; their URLs come in the environment.

`import` imports those modules, in the order they were first loaded, from an unpacked package
with nothing else on the path (-I -S: no site-packages, no PYTHONPATH), as Lambda's /var/task.
"""

from __future__ import annotations

import io
import json
import sys
import urllib.error
import urllib.request
import urllib.response
from email.message import Message
from pathlib import Path


class _CapturedInvokes(urllib.request.HTTPSHandler):
    """Lambda's Invoke API, answered here: every payload is kept, every call accepted (202)."""

    payloads: list[dict] = []

    def https_open(self, request):
        if "/2015-03-31/functions/" not in request.full_url:
            raise urllib.error.URLError("only Lambda's Invoke API is answered here")
        self.payloads.append(json.loads(request.data))
        response = urllib.response.addinfourl(io.BytesIO(b""), Message(), request.full_url, 202)
        response.msg = "Accepted"
        return response


def record(config: dict) -> list[tuple[str, str]]:
    urllib.request.install_opener(urllib.request.build_opener(_CapturedInvokes))
    import bot.lambda_handler as lambda_handler
    from tests.support import slack_requests as sr
    from tests.support.lambda_events import LambdaContext, function_url_event

    context = LambdaContext()
    secret = config["signing_secret"]
    assert lambda_handler.migrate_handler({}, context)["ok"] is True  # at deploy time

    def request(body: str, *, form: bool = False) -> None:
        response = lambda_handler.handler(function_url_event(body, secret, form=form), context)
        assert response["statusCode"] == 200, response
        while _CapturedInvokes.payloads:
            job = _CapturedInvokes.payloads.pop(0)
            assert lambda_handler.handler(job, context)["ok"] is True, job

    def event(event: dict) -> None:
        request(sr.event_body(event, team_id="T1"))

    def command(name: str, text: str) -> None:
        url = config["response_url"]
        request(sr.command_body(name, text, user="U1", team_id="T1", response_url=url), form=True)

    event(
        sr.dm_event(
            "U1",
            "I'm learning Rust and I use PostgreSQL. What do these show?",
            team_id="T1",
            subtype="file_share",
            files=config["files"],
        )
    )
    event(sr.mention_event("U1", "<@UBOT> what's new in Kubernetes?", team_id="T1"))
    for name, text in (("/interests", ""), ("/interests", "export"), ("/forget", "rust")):
        command(name, text)
    request(
        sr.action_body(
            "forget_all_confirm",
            user="U1",
            team_id="T1",
            response_url=config["response_url"],
            value="all",
        ),
        form=True,
    )
    event({"type": "app_home_opened", "user": "U1", "tab": "home", "channel": "D1"})
    assert lambda_handler.handler({"memory_bot_task": "sweep"}, context)["ok"] is True
    event({"type": "app_uninstalled"})

    root = Path(lambda_handler.__file__).resolve().parents[1]
    loaded = []
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None) or ""
        shipped = "site-packages" in file or Path(file).resolve().is_relative_to(root / "bot")
        if shipped and not name.startswith("tests."):
            loaded.append((name, file))
    return loaded


def import_all(task_root: str, names: list[str]) -> dict[str, str]:
    """Every module that fails to import from `task_root`, with why; and where each came from."""
    import importlib

    sys.path.insert(0, task_root)
    failed, outside = {}, {}
    for name in names:
        try:
            module = importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - collected: the test names every one
            failed[name] = f"{type(exc).__name__}: {exc}"
            continue
        file = getattr(module, "__file__", None)
        if file and not file.startswith(task_root):
            outside[name] = file
    return {"failed": failed, "outside": outside}


if __name__ == "__main__":
    mode, *paths = sys.argv[1:]
    if mode == "record":
        config = json.loads(Path(paths[0]).read_text())
        Path(paths[1]).write_text(json.dumps(record(config)))
    else:
        task_root, modules, out = paths
        names = [name for name, _ in json.loads(Path(modules).read_text())]
        Path(out).write_text(json.dumps(import_all(task_root, names)))
    sys.stdout.flush()
