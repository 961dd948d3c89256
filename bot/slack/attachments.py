"""Images and PDFs attached to a Slack message, as Responses API input content parts.

Files are downloaded from Slack's `url_private_download` with the bot token, which Slack requires
(and which needs the `files:read` scope). The token is sent only to Slack's own file host or to the
host of SLACK_API_URL (the loopback fake in tests); redirects are followed by hand for the same
reason, since urllib would carry the Authorization header to wherever a redirect points.

What can't be read (another type, over the limits, a failed download) becomes a short sentence
for the person instead. File contents and names never reach the logs: only file ids and reasons.
"""

from __future__ import annotations

import base64
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from bot.i18n.catalogue import ENGLISH, Translator
from bot.slack.mrkdwn import escape
from bot.slack.urls import origin

log = logging.getLogger(__name__)

# OpenAI documents, for image inputs: PNG, JPEG, WEBP and non-animated GIF, up to 50 MB of image
# bytes and 500 images per request ("Images and vision" guide, image input requirements; it said
# 20 MB per image before); for PDF file inputs: up to 100 pages and 32 MB of content per request
# across all files ("File inputs" guide). Each file travels base64-encoded (4/3 larger) in one JSON
# body, and on Lambda all of it sits in memory at once, so the limits here stay well below:
# 20 MB of files is ~27 MB of base64, under the 32 MB documented for PDFs.
MAX_FILES = 5
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_TOTAL_BYTES = 20 * 1024 * 1024
# Seconds for any one socket operation; the whole read is bounded by the caller's budget too.
DOWNLOAD_TIMEOUT_S = 10.0
# Slack may redirect a download within its own hosts; more hops than this is a loop.
MAX_REDIRECTS = 3
SLACK_FILES_HOST = "files.slack.com"

_READ_CHUNK = 64 * 1024
_REDIRECT_CODES = {301, 302, 303, 307, 308}
_MAX_NAMES = 5
# Reasons that mean "couldn't download", as opposed to "won't read this kind of file".
_FAILURES = {"no_download_url", "not_slack", "not_the_declared_type", "too_many_redirects"}
_MAX_NAME_CHARS = 60


@dataclass(frozen=True)
class _Kind:
    mime: str
    image: bool
    # The first bytes of the format: Slack answers a refused download with its sign-in page
    # (HTML), which must never reach the model labelled as an image.
    signatures: tuple[bytes, ...]

    def matches(self, data: bytes) -> bool:
        if self.mime == "image/webp":
            return data[:4] == b"RIFF" and data[8:12] == b"WEBP"
        return data.startswith(self.signatures)


_KINDS = {
    "png": _Kind("image/png", True, (b"\x89PNG\r\n\x1a\n",)),
    "jpeg": _Kind("image/jpeg", True, (b"\xff\xd8\xff",)),
    "gif": _Kind("image/gif", True, (b"GIF87a", b"GIF89a")),
    "webp": _Kind("image/webp", True, ()),
    "pdf": _Kind("application/pdf", False, (b"%PDF-",)),
}
_BY_MIMETYPE = {
    "image/png": "png",
    "image/jpeg": "jpeg",
    "image/jpg": "jpeg",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/pdf": "pdf",
}
# Slack's `filetype` ids, used when the mimetype is missing or generic.
_BY_FILETYPE = {
    "png": "png",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "gif": "gif",
    "webp": "webp",
    "pdf": "pdf",
}


@dataclass(frozen=True)
class Attachments:
    """Input parts for the model's user message, and the files it could not be given."""

    parts: list[dict[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # another type, too big, too many
    failed: list[str] = field(default_factory=list)  # could not be downloaded

    def notes(self, t: Translator = ENGLISH) -> list[str]:
        """A sentence for the person per kind of file left out, in their language."""
        notes = []
        if self.skipped:
            notes.append(
                t(
                    "files.skipped",
                    max_files=MAX_FILES,
                    max_file_mb=_mb(MAX_FILE_BYTES),
                    max_total_mb=_mb(MAX_TOTAL_BYTES),
                    names=_names(self.skipped, t),
                )
            )
        if self.failed:
            notes.append(t.plural("files.failed", len(self.failed), names=_names(self.failed, t)))
        return notes

    def note(self, t: Translator = ENGLISH) -> str:
        return " ".join(self.notes(t))


class _Skip(Exception):
    """A file the bot won't read: `reason` is logged, and decides which sentence names it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_attachments(
    files: Iterable[Mapping[str, Any]] | None,
    *,
    token: str,
    slack_api_url: str,
    budget_s: float = 20.0,
    file_info: Callable[[str], Mapping[str, Any]] | None = None,
) -> Attachments:
    """Download what the model can read from a message's `files`, within the limits above.

    `file_info(file_id)` resolves the file objects Slack sends incomplete in events
    (`"file_access": "check_file_info"`), e.g. `lambda f: slack.files_info(file=f)["file"]`.
    Never raises.
    """
    deadline = time.monotonic() + max(0.0, budget_s)
    allowed = _allowed_origins(slack_api_url)
    parts: list[dict[str, str]] = []
    skipped: list[str] = []
    failed: list[str] = []
    total = 0
    for file in files or []:
        if not isinstance(file, Mapping):
            continue
        name = _display_name(file)
        try:
            file = _complete(file, file_info)
            name = _display_name(file)
            kind = _kind_of(file)
            if len(parts) >= MAX_FILES:
                raise _Skip("too_many")
            room = min(MAX_FILE_BYTES, MAX_TOTAL_BYTES - total)
            declared = file.get("size")
            if isinstance(declared, int) and declared > room:
                raise _Skip("too_big")
            data = _download(file, token, allowed, room, deadline)
            if not kind.matches(data):
                raise _Skip("not_the_declared_type")
        except _Skip as skip:
            _log_skip(file, skip.reason)
            (failed if skip.reason in _FAILURES else skipped).append(name)
            continue
        except Exception as exc:  # noqa: BLE001 - one unreadable file must not cost the answer
            _log_skip(file, f"error:{type(exc).__name__}")
            failed.append(name)
            continue
        total += len(data)
        parts.append(_part(kind, name, data))
    if parts or skipped or failed:
        log.info(
            "attachments read",
            extra={"read": len(parts), "skipped": len(skipped), "failed": len(failed)},
        )
    return Attachments(parts, skipped, failed)


def _complete(
    file: Mapping[str, Any], file_info: Callable[[str], Mapping[str, Any]] | None
) -> Mapping[str, Any]:
    if file.get("file_access") == "check_file_info" and file_info and file.get("id"):
        return file_info(str(file["id"]))
    return file


def _kind_of(file: Mapping[str, Any]) -> _Kind:
    key = _BY_MIMETYPE.get(str(file.get("mimetype", "")).lower()) or _BY_FILETYPE.get(
        str(file.get("filetype", "")).lower()
    )
    if key is None:
        raise _Skip("unsupported_type")
    return _KINDS[key]


def _download(
    file: Mapping[str, Any],
    token: str,
    allowed: set[tuple[str, str, int]],
    limit: int,
    deadline: float,
) -> bytes:
    url = file.get("url_private_download") or file.get("url_private")
    if not isinstance(url, str) or not url:
        raise _Skip("no_download_url")
    opener = urllib.request.build_opener(_NoRedirects)
    for _ in range(MAX_REDIRECTS + 1):
        if origin(url) not in allowed:
            raise _Skip("not_slack")
        if time.monotonic() >= deadline:
            raise TimeoutError("download budget spent")
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        timeout = max(0.1, min(DOWNLOAD_TIMEOUT_S, deadline - time.monotonic()))
        try:
            with opener.open(request, timeout=timeout) as response:
                return _read_bounded(response, limit, deadline)
        except urllib.error.HTTPError as exc:
            location = exc.headers.get("Location") if exc.code in _REDIRECT_CODES else None
            exc.close()
            if not location:
                raise
            url = urljoin(url, location)
    raise _Skip("too_many_redirects")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        # Returning None makes urllib raise the 3xx as an HTTPError; _download follows it only
        # to an allowed host, so the bot token never leaves Slack.
        return None


def _read_bounded(response: Any, limit: int, deadline: float) -> bytes:
    length = response.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > limit:
        raise _Skip("too_big")
    chunks, size = [], 0
    while chunk := response.read(_READ_CHUNK):
        size += len(chunk)
        if size > limit:
            raise _Skip("too_big")
        if time.monotonic() > deadline:
            raise TimeoutError("download budget spent")
        chunks.append(chunk)
    return b"".join(chunks)


def _allowed_origins(slack_api_url: str) -> set[tuple[str, str, int]]:
    api = origin(slack_api_url)
    return {("https", SLACK_FILES_HOST, 443), *([api] if api else [])}


def _part(kind: _Kind, name: str, data: bytes) -> dict[str, str]:
    data_url = f"data:{kind.mime};base64,{base64.b64encode(data).decode('ascii')}"
    if kind.image:
        return {"type": "input_image", "image_url": data_url}
    # The API tells file types by their extension.
    filename = name if name.lower().endswith(".pdf") else f"{name}.pdf"
    return {"type": "input_file", "filename": filename, "file_data": data_url}


def _display_name(file: Mapping[str, Any]) -> str:
    """The file's name, or "" for one without (said as "a file" in the reader's language)."""
    name = file.get("name") or file.get("title") or ""
    return str(name)[:_MAX_NAME_CHARS]


def _names(names: list[str], t: Translator) -> str:
    """`a.docx`, `b.zip` and 2 more — escaped for Slack, names in code spans."""
    shown = [f"`{_escape(n)}`" if n else t("files.unnamed") for n in names[:_MAX_NAMES]]
    if len(names) > _MAX_NAMES:
        shown.append(t("files.more", count=len(names) - _MAX_NAMES))
    if len(shown) == 1:
        return shown[0]
    return t("files.and", first=t.listing(shown[:-1]), last=shown[-1])


def _escape(name: str) -> str:
    name = name.replace("`", "'").replace("\n", " ")
    return escape(name)


def _mb(size: int) -> int:
    return size // (1024 * 1024)


def _log_skip(file: Any, reason: str) -> None:
    if not isinstance(file, Mapping):  # what a broken files.info lookup returned
        file = {}
    log.warning(
        "attachment not read",
        extra={"file_id": file.get("id"), "mimetype": file.get("mimetype"), "reason": reason},
    )
