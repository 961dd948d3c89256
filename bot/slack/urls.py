"""Which URLs the bot may send a person's data to, or fetch files from, on Slack's behalf."""

from __future__ import annotations

from urllib.parse import urlsplit

SLACK_HOOKS_HOST = "hooks.slack.com"
_DEFAULT_PORTS = {"https": 443, "http": 80}


def origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port), or None for anything a plain Slack URL never looks like."""
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
    return scheme, parts.hostname, port or _DEFAULT_PORTS[scheme]


def is_slack_response_url(url: object, slack_api_url: str) -> bool:
    """True for `https://hooks.slack.com/…` and for URLs on SLACK_API_URL's scheme, host and port
    (a loopback Slack in tests, a proxy in front of Slack). A job's response_url is posted to with
    the person's memories, so anything else is refused."""
    if not isinstance(url, str):
        return False
    found = origin(url)
    if found is None:
        return False
    return found == ("https", SLACK_HOOKS_HOST, 443) or found == origin(slack_api_url)
