"""Loopback fake of the Slack Web API, file upload/download URLs and interaction response_urls.

Point `slack_sdk.WebClient(base_url=slack.base_url)` (or bolt's App(client=...)) at it.
Every request is recorded as a `Call`; the handful of methods the bot relies on answer
with realistic payloads and keep a tiny message store so conversations.replies/history
reflect what the bot posted. Anything else answers {"ok": true}.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl, quote

from ._http import FaultPlan, LoopbackServer, Reply, Request, json_reply


@dataclass(frozen=True)
class Call:
    method: str  # "chat.postMessage", "upload", "response_url:<name>", ...
    params: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    time: float = field(default_factory=time.monotonic)

    def json_param(self, name: str) -> Any:
        """A JSON-valued param (blocks, files, ...): form posts carry it as a JSON string."""
        return _as_json(self.params.get(name))


def _parse_params(request: Request) -> dict[str, Any]:
    """Merge query, form, JSON or multipart fields: slack_sdk uses all of these."""
    params: dict[str, Any] = dict(request.query)
    ctype = request.headers.get("content-type", "")
    if "application/json" in ctype:
        params.update(request.json() or {})
    elif "multipart/form-data" in ctype:
        head = f"Content-Type: {ctype}\r\n\r\n".encode()
        for part in BytesParser(policy=HTTP).parsebytes(head + request.body).iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True)
            params[name] = data if part.get_filename() else data.decode()
    elif request.body:
        params.update(parse_qsl(request.body.decode()))
    return params


def _as_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _invalid_blocks(blocks: list[dict], refused: set[str]) -> bool:
    """What Slack checks of the blocks the bot sends: refused types, an action_id repeated
    within a block, and the shape of context_actions / feedback_buttons."""
    for block in blocks:
        if block.get("type") in refused:
            return True
        elements = block.get("elements") or []
        ids = [e["action_id"] for e in elements if isinstance(e, dict) and "action_id" in e]
        if len(ids) != len(set(ids)):
            return True
        if block.get("type") == "context_actions" and not (
            0 < len(elements) <= 5 and all(_valid_context_action(e) for e in elements)
        ):
            return True
    return False


def _valid_context_action(element: dict) -> bool:
    if element.get("type") == "icon_button":
        return "icon" in element and "text" in element
    if element.get("type") != "feedback_buttons":
        return False
    buttons = [element.get("positive_button"), element.get("negative_button")]
    return all(
        isinstance(b, dict) and (b.get("text") or {}).get("type") == "plain_text" and b.get("value")
        for b in buttons
    )


def _stream_text(params: dict) -> str:
    """Text a chat.*Stream call adds: `markdown_text` and/or markdown_text `chunks`."""
    chunks = _as_json(params.get("chunks")) or []
    texts = [c.get("text", "") for c in chunks if c.get("type") == "markdown_text"]
    return params.get("markdown_text", "") + "".join(texts)


TASK_STATUSES = {"pending", "in_progress", "complete", "error"}
TASK_DISPLAY_MODES = {"timeline", "plan"}


def _invalid_chunks(chunks: Any) -> bool:
    """What Slack checks of streaming chunks: a known type and that type's required fields; a
    task's status one of four; its sources `url` elements with a URL and a text."""
    if not isinstance(chunks, list):
        return True
    for chunk in chunks:
        kind = chunk.get("type") if isinstance(chunk, dict) else None
        if kind == "markdown_text":
            ok = isinstance(chunk.get("text"), str)
        elif kind == "plan_update":
            ok = isinstance(chunk.get("title"), str) and bool(chunk["title"])
        elif kind == "task_update":
            ok = (
                all(isinstance(chunk.get(f), str) and chunk[f] for f in ("id", "title"))
                and chunk.get("status") in TASK_STATUSES
                and all(_valid_source(s) for s in chunk.get("sources") or [])
            )
        elif kind == "blocks":
            ok = isinstance(chunk.get("blocks"), list)
        else:
            ok = False
        if not ok:
            return True
    return False


def _valid_source(source: Any) -> bool:
    return (
        isinstance(source, dict)
        and source.get("type") == "url"
        and str(source.get("url", "")).startswith(("https://", "http://"))
        and bool(source.get("text"))
    )


def _show_tasks(message: dict, params: dict) -> None:
    """A task card per id, in order of first appearance, as its latest update left it (an
    update replaces the card: what it leaves out is gone)."""
    for chunk in _as_json(params.get("chunks")) or []:
        if chunk.get("type") == "task_update":
            message.setdefault("tasks", {})[chunk["id"]] = chunk


# What Slack serves to a file download that lacks a valid token: its sign-in page.
SIGN_IN_PAGE = b"<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in</body></html>"


@dataclass(frozen=True)
class _HostedFile:
    content: bytes
    redirect_to: str | None  # answer downloads with a redirect there instead


class FakeSlack(LoopbackServer):
    def __init__(
        self,
        team_id: str = "T1",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        bot_token: str = "xoxb-test-token",
    ):
        super().__init__()
        self.team_id, self.bot_user_id, self.bot_id = team_id, bot_user_id, bot_id
        self.bot_token = bot_token  # the only token file downloads accept
        self.socket_mode_url = ""
        self._faults = FaultPlan()
        self._state_lock = threading.Lock()
        self._reset_state()

    def _reset_state(self) -> None:
        # What auth.test answers per bot token (the default: a workspace install of team_id).
        self.installations: dict[str, dict] = {}
        # conversations.info per channel; unknown IDs answer by prefix (D: DM, G: private).
        self.channels: dict[str, dict] = {}
        # users.info fields per user (locale, tz, tz_offset...) over the defaults below.
        self.profiles: dict[str, dict] = {}
        # conversations.members per channel; a channel not named here has no members.
        self.members: dict[str, list[str]] = {}
        self._token = ""
        self._counter = itertools.count(1)
        self._messages: dict[str, list[dict]] = {}  # channel -> messages, oldest first
        self._replies: dict[tuple[str, str], list[dict]] = {}
        self._history: dict[str, list[dict]] = {}
        self._hosted: dict[str, _HostedFile] = {}
        self._file_objects: dict[str, dict] = {}
        # Block types this "surface" refuses with invalid_blocks (see refuse_blocks).
        self._refused_blocks: set[str] = set()
        # Chunk types this "surface" refuses (see refuse_chunks).
        self._refused_chunks: set[str] = set()
        self._task_modes: dict[tuple[str, str], str] = {}  # streamed message -> display mode

    # -- test API -----------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"{self.root}/api/"

    @property
    def calls(self) -> list[Call]:
        return self._snapshot()

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def response_url(self, name: str = "r1") -> str:
        return f"{self.root}/response/{name}"

    def messages(self, channel: str) -> list[dict]:
        """The bot's messages in `channel` as they stand now (after updates and streams)."""
        with self._state_lock:
            return [dict(m) for m in self._messages.get(channel, [])]

    def set_replies(self, channel: str, thread_ts: str, messages: list[dict]) -> None:
        self._replies[(channel, thread_ts)] = messages

    def set_history(self, channel: str, messages: list[dict]) -> None:
        """A channel's messages (oldest first) as conversations.history serves them."""
        self._history[channel] = messages

    def host_file(
        self,
        name: str,
        content: bytes,
        mimetype: str,
        *,
        filetype: str | None = None,
        size: int | None = None,
        redirect_to: str | None = None,
    ) -> dict:
        """Host `content` as Slack does; returns the file object a message event carries.

        Downloads need `Authorization: Bearer <bot_token>`, else they are redirected to the
        sign-in page. `size` overrides the declared size; `redirect_to` makes every download
        answer with a redirect there.
        """
        with self._state_lock:
            file_id = f"F{next(self._counter):08d}"
            path = f"/files-pri/{self.team_id}-{file_id}"
            file = {
                "id": file_id,
                "name": name,
                "title": name,
                "mimetype": mimetype,
                "filetype": filetype or name.rpartition(".")[2].lower(),
                "size": len(content) if size is None else size,
                "mode": "hosted",
                "url_private": f"{self.root}{path}/{quote(name)}",
                "url_private_download": f"{self.root}{path}/download/{quote(name)}",
            }
            self._hosted[file_id] = _HostedFile(content, redirect_to)
            self._file_objects[file_id] = file
        return dict(file)

    def fail_next(
        self,
        method: str,
        status: int = 429,
        count: int = 1,
        retry_after: int = 1,
        error: str | None = None,
    ) -> None:
        """429 -> HTTP 429 + Retry-After; 200 + error -> {"ok": false}; 5xx -> that status."""
        self._faults.add(method, count, status=status, retry_after=retry_after, error=error)

    def refuse_blocks(self, *block_types: str) -> None:
        """Answer invalid_blocks to any call whose blocks include these types, as surfaces
        without AI-app features do with `context_actions`."""
        self._refused_blocks.update(block_types)

    def refuse_chunks(self, *chunk_types: str) -> None:
        """Answer invalid_chunks to any chat.*Stream call carrying chunks of these types, as a
        workspace without thinking steps would (only markdown text streams there)."""
        self._refused_chunks.update(chunk_types)

    def wait_for(self, method: str, count: int = 1, timeout: float = 10) -> list[Call]:
        """Block until `count` calls to `method` arrived (the bot answers from worker threads)."""

        def enough(log: list[Call]) -> bool:
            return sum(c.method == method for c in log) >= count

        if not self._wait(enough, timeout):
            seen = [c.method for c in self.calls]
            raise AssertionError(f"expected {count} x {method} within {timeout}s; saw {seen}")
        return self.calls_to(method)

    def reset(self) -> None:
        self._clear()
        self._faults.clear()
        self._reset_state()

    # -- HTTP ---------------------------------------------------------------------------
    def handle(self, request: Request) -> Reply:
        kind, _, name = request.path.strip("/").partition("/")
        if kind == "upload":  # files.getUploadURLExternal hands out these URLs; raw bytes
            self._record(
                Call("upload", {"file_id": name, "content": request.body}, request.headers)
            )
            return Reply(200, f"OK - {len(request.body)}".encode(), {"Content-Type": "text/plain"})
        if kind == "files-pri":  # url_private(_download): bytes for the bot token only
            return self._serve_file(request, name.partition("/")[0])
        if kind == "":  # where Slack sends a browser (or a request without a token) to sign in
            return Reply(200, SIGN_IN_PAGE, {"Content-Type": "text/html; charset=utf-8"})
        if kind == "response":  # interaction response_url: a JSON webhook answering "ok"
            self._record(Call(f"response_url:{name}", request.json() or {}, request.headers))
            return Reply(200, b"ok", {"Content-Type": "text/plain"})
        if kind != "api":
            return Reply(404, b"not found")

        params = _parse_params(request)
        self._record(Call(name, params, request.headers))
        auth = request.headers.get("authorization", "")
        if not (auth.startswith(("Bearer ", "Basic ")) or params.get("token")):
            return json_reply({"ok": False, "error": "not_authed"})
        if fault := self._faults.take(name):
            status, error = fault["status"], fault["error"]
            if status == 429:
                headers = {"Retry-After": str(fault["retry_after"])}
                return json_reply({"ok": False, "error": error or "ratelimited"}, 429, headers)
            return json_reply({"ok": False, "error": error or "internal_error"}, status)
        if _invalid_blocks(_as_json(params.get("blocks")) or [], self._refused_blocks):
            return json_reply({"ok": False, "error": "invalid_blocks"})
        if name.endswith("Stream") and (error := self._stream_error(name, params)):
            return json_reply({"ok": False, "error": error})
        method = getattr(self, "_" + name.replace(".", "_"), None)
        with self._state_lock:  # the bot calls Slack from several worker threads at once
            self._token = auth.removeprefix("Bearer ") or str(params.get("token") or "")
            payload = method(params) if method else {}
        if isinstance(payload, str):  # a method that fails the way Slack does
            return json_reply({"ok": False, "error": payload})
        return json_reply({"ok": True, **payload})

    def _serve_file(self, request: Request, key: str) -> Reply:
        file_id = key.partition("-")[2]
        self._record(Call(f"file_download:{file_id}", {}, request.headers))
        with self._state_lock:
            hosted = self._hosted.get(file_id)
        if hosted is None:
            return Reply(404, b"not found")
        if hosted.redirect_to:
            return Reply(302, b"", {"Location": hosted.redirect_to})
        if request.headers.get("authorization") != f"Bearer {self.bot_token}":
            return Reply(302, b"", {"Location": f"/?redirect={quote(request.path)}"})
        return Reply(200, hosted.content, {"Content-Type": "application/octet-stream"})

    # -- message store helpers ----------------------------------------------------------
    def _next_ts(self) -> str:
        # Unique and increasing, shaped like real Slack timestamps.
        return f"1700000000.{100 + next(self._counter):06d}"

    def _post(self, params: dict, text: str) -> dict:
        message = {
            "type": "message",
            "text": text,
            "ts": self._next_ts(),
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "team": self.team_id,
        }
        if params.get("thread_ts"):
            message["thread_ts"] = params["thread_ts"]
        if params.get("blocks"):
            message["blocks"] = _as_json(params["blocks"])
        self._messages.setdefault(params.get("channel", ""), []).append(message)
        return message

    def _stream_error(self, name: str, params: dict) -> str | None:
        chunks = _as_json(params.get("chunks"))
        if chunks is not None and _invalid_chunks(chunks):
            return "invalid_chunks"
        if any(c.get("type") in self._refused_chunks for c in chunks or []):
            return "invalid_chunks"
        mode = params.get("task_display_mode")
        if name == "chat.startStream":
            if mode is not None and mode not in TASK_DISPLAY_MODES:
                return "invalid_arguments"
            return None
        # A stream started with a task display mode takes its text as chunks only.
        with self._state_lock:
            locked = (params.get("channel", ""), params.get("ts", "")) in self._task_modes
        if locked and params.get("markdown_text"):
            return "streaming_mode_mismatch"
        return None

    def _find(self, params: dict) -> dict:
        channel_messages = self._messages.get(params.get("channel", ""), [])
        return next((m for m in channel_messages if m["ts"] == params.get("ts")), {})

    # -- Web API methods (return the payload besides "ok") ------------------------------
    def _auth_test(self, params: dict) -> dict:
        return {
            "url": "https://fake.slack.com/",
            "team": "Fake Team",
            "team_id": self.team_id,
            "user": "bot",
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
            **self.installations.get(self._token, {}),
        }

    def _conversations_info(self, params: dict) -> dict | str:
        channel = str(params.get("channel", ""))
        if channel in self.channels:
            return {"channel": {"id": channel, **self.channels[channel]}}
        if not channel:
            return "channel_not_found"
        kinds = {
            "D": {"is_im": True},
            "G": {"is_private": True, "is_channel": True},
            "C": {"is_channel": True, "is_private": False},
        }
        return {"channel": {"id": channel, **kinds.get(channel[0], {"is_channel": True})}}

    def _chat_getPermalink(self, params: dict) -> dict:
        channel, ts = params.get("channel", ""), str(params.get("message_ts", ""))
        return {
            "channel": channel,
            "permalink": f"https://fake.slack.com/archives/{channel}/p{ts.replace('.', '')}",
        }

    def _views_open(self, params: dict) -> dict:
        view = _as_json(params.get("view")) or {}
        return {"view": {**view, "id": f"V{next(self._counter):08d}"}}

    def _chat_postMessage(self, params: dict) -> dict:
        message = self._post(params, params.get("text", ""))
        return {"channel": params.get("channel"), "ts": message["ts"], "message": message}

    def _chat_postEphemeral(self, params: dict) -> dict:
        return {"message_ts": self._next_ts()}

    def _chat_update(self, params: dict) -> dict:
        message = self._find(params)
        if "text" in params:
            message["text"] = params["text"]
        if params.get("blocks"):
            message["blocks"] = _as_json(params["blocks"])
        return {
            "channel": params.get("channel"),
            "ts": params.get("ts"),
            "text": params.get("text"),
        }

    def _chat_delete(self, params: dict) -> dict:
        messages = self._messages.get(params.get("channel", ""), [])
        messages[:] = [m for m in messages if m["ts"] != params.get("ts")]
        return {"channel": params.get("channel"), "ts": params.get("ts")}

    def _chat_startStream(self, params: dict) -> dict:
        message = self._post(params, _stream_text(params))
        if params.get("task_display_mode"):
            self._task_modes[(params.get("channel", ""), message["ts"])] = params[
                "task_display_mode"
            ]
        _show_tasks(message, params)
        return {"channel": params.get("channel"), "ts": message["ts"]}

    def _chat_appendStream(self, params: dict) -> dict:
        message = self._find(params)
        message["text"] = message.get("text", "") + _stream_text(params)
        _show_tasks(message, params)
        return {"channel": params.get("channel"), "ts": params.get("ts")}

    def _chat_stopStream(self, params: dict) -> dict:
        self._chat_appendStream(params)  # stopStream flushes the client's remaining buffer
        message = self._find(params)
        if params.get("blocks"):  # shown under the streamed text
            message["blocks"] = _as_json(params["blocks"])
        return {"channel": params.get("channel"), "ts": params.get("ts"), "message": message}

    def _conversations_replies(self, params: dict) -> dict:
        channel, thread_ts = params.get("channel", ""), params.get("ts", "")
        messages = self._replies.get((channel, thread_ts))
        if messages is None:
            messages = [
                m
                for m in self._messages.get(channel, [])
                if thread_ts in (m["ts"], m.get("thread_ts"))
            ]
        return {"messages": messages, "has_more": False}

    def _apps_connections_open(self, params: dict) -> dict:
        # Set by a test that runs Socket Mode against tests.fakes.socket_mode_fake.
        return {"url": self.socket_mode_url}

    def _conversations_open(self, params: dict) -> dict:
        users = str(params.get("users", ""))
        return {"channel": {"id": "D" + users.split(",")[0].removeprefix("U"), "is_im": True}}

    def _conversations_history(self, params: dict) -> dict:
        channel = params.get("channel", "")
        channel_messages = self._history.get(channel) or self._messages.get(channel, [])
        top_level = [m for m in channel_messages if m.get("thread_ts") in (None, m["ts"])]
        # As Slack does: between oldest and latest (inclusive only if asked), newest first,
        # the newest `limit` of them.
        inclusive = str(params.get("inclusive", "")).lower() in ("true", "1")
        latest, oldest = params.get("latest"), params.get("oldest")
        inside = [
            m
            for m in top_level
            if (
                latest is None
                or float(m["ts"]) < float(latest)
                or (inclusive and m["ts"] == latest)
            )
            and (
                oldest is None
                or float(m["ts"]) > float(oldest)
                or (inclusive and m["ts"] == oldest)
            )
        ][::-1]
        limit = int(params.get("limit") or 100)
        return {"messages": inside[:limit], "has_more": len(inside) > limit}

    def _conversations_members(self, params: dict) -> dict:
        members = self.members.get(str(params.get("channel", "")), [])
        limit = int(params.get("limit") or 100)
        return {"members": members[:limit], "response_metadata": {"next_cursor": ""}}

    def _views_publish(self, params: dict) -> dict:
        view = _as_json(params.get("view")) or {}
        return {"view": {**view, "id": f"V{next(self._counter):08d}"}}

    def _users_info(self, params: dict) -> dict:
        user = params.get("user", "")
        name = f"user-{user.lower()}"
        info = {
            "id": user,
            "team_id": self.team_id,
            "name": name,
            "real_name": name.title(),
            "tz": "UTC",
            "tz_offset": 0,
            "locale": "en-US",
            "is_bot": user == self.bot_user_id,
            "profile": {"display_name": name, "real_name": name.title()},
            **self.profiles.get(user, {}),
        }
        # As Slack does: the locale only when asked for.
        if str(params.get("include_locale", "")).lower() not in ("true", "1"):
            info.pop("locale")
        return {"user": info}

    def _files_info(self, params: dict) -> dict:
        return {"file": dict(self._file_objects.get(params.get("file", ""), {}))}

    def _files_getUploadURLExternal(self, params: dict) -> dict:
        file_id = f"F{next(self._counter):08d}"
        return {"file_id": file_id, "upload_url": f"{self.root}/upload/{file_id}"}

    def _files_completeUploadExternal(self, params: dict) -> dict:
        files = _as_json(params.get("files")) or []
        return {
            "files": [
                {"id": f["id"], "title": f.get("title"), "name": f.get("title")} for f in files
            ]
        }
