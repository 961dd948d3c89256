"""Which URLs the bot may send a person's data to, or fetch files from, on Slack's behalf."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

SLACK_HOOKS_HOST = "hooks.slack.com"
_DEFAULT_PORTS = {"https": 443, "http": 80}
# Where Slack's response_urls live: /commands/T…/…/… for slash commands, /actions/T…/…/… for
# interactivity. Incoming webhooks (/services/…) and workflow triggers are on the same host and
# post into channels, so they are refused; plain segments only, so no "..", "%2e" or "//" can
# make the server resolve the path somewhere else.
_RESPONSE_PATH = re.compile(r"/(?:commands|actions)(?:/[A-Za-z0-9_-]+)+")
# With every message the bot posts: a link the model wrote (say, from an injected web page) is
# never fetched by Slack's unfurler. chat.update and chat.*Stream take no such arguments.
NO_UNFURLS = {"unfurl_links": False, "unfurl_media": False}


def _parts(url: str) -> tuple[tuple[str, str, int], str, str] | None:
    """((scheme, host, port), path, query and fragment), or None for anything a plain Slack URL
    never looks like."""
    # Whitespace, backslashes and user info are how URL parsers are made to disagree about the
    # host; Slack's URLs have none of them.
    if any(ch.isspace() or ch == "\\" for ch in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.username is not None or parts.password is not None or not parts.hostname:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return None
    found = (scheme, parts.hostname, port or _DEFAULT_PORTS[scheme])
    return found, parts.path, parts.query + parts.fragment


def origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port), or None for anything a plain Slack URL never looks like."""
    parts = _parts(url)
    return parts[0] if parts else None


def is_slack_response_url(url: object, slack_api_url: str) -> bool:
    """True for `https://hooks.slack.com/commands/…` and `…/actions/…`, and for URLs on
    SLACK_API_URL's scheme, host and port (a loopback Slack in tests, a proxy in front of Slack).
    A job's response_url is posted to with the person's memories, so anything else is refused."""
    if not isinstance(url, str):
        return False
    parts = _parts(url)
    if parts is None:
        return False
    found, path, rest = parts
    if found == ("https", SLACK_HOOKS_HOST, 443):
        return not rest and _RESPONSE_PATH.fullmatch(path) is not None
    return found == origin(slack_api_url)
