"""AWS Signature Version 4 for one request, from the standard library.

The canonical request follows the SigV4 specification as botocore's SigV4Auth builds it for
every service but S3: the path with dot segments and repeated slashes removed, then URI-encoded
once more; the query's names and values decoded and re-encoded with only RFC 3986's unreserved
characters left bare (a space as %20), sorted; every header given signed, values trimmed.
tests/unit/aws/test_sigv4.py compares the result with botocore's signer.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote, unquote_to_bytes, urlsplit

_UNRESERVED = "-_.~"


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str = field(repr=False)
    token: str | None = field(default=None, repr=False)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Credentials:
        """The role's credentials, as Lambda puts them in every function's environment."""
        env = os.environ if environ is None else environ
        try:
            return cls(
                env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env.get("AWS_SESSION_TOKEN")
            )
        except KeyError:
            raise RuntimeError("AWS credentials are not in the environment") from None


def sign(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    credentials: Credentials,
    region: str,
    service: str,
    now: datetime,
) -> dict[str, str]:
    """The headers to send: `headers` plus x-amz-date, the session token and Authorization.
    Every header given is signed, and the URL's host."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    parts = urlsplit(url)
    added = {"x-amz-date": stamp}
    if credentials.token:
        added["x-amz-security-token"] = credentials.token
    signed = {k.lower(): " ".join(str(v).split()) for k, v in {**headers, **added}.items()}
    # urllib sends Host itself, from the same URL.
    signed["host"] = parts.netloc
    names = sorted(signed)
    canonical = "\n".join(
        [
            method.upper(),
            canonical_path(parts.path),
            canonical_query(parts.query),
            "".join(f"{name}:{signed[name]}\n" for name in names),
            ";".join(names),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{stamp[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = f"AWS4{credentials.secret_key}".encode()
    for part in (stamp[:8], region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    authorization = (
        f"AWS4-HMAC-SHA256 Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return {**headers, **added, "Authorization": authorization}


def canonical_path(path: str) -> str:
    """RFC 3986's dot segments and repeated slashes removed, then each byte outside the
    unreserved set percent-encoded (so a path already encoded once is encoded twice, as every
    service but S3 expects)."""
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment and segment != ".":
            segments.append(segment)
    normalized = "/" + "/".join(segments)
    if segments and path.endswith("/"):
        normalized += "/"
    return quote(normalized, safe="/~")


def canonical_query(query: str) -> str:
    """Each name and value decoded ("+" as a space, as AWS reads a query and as botocore sends
    one), then encoded leaving only A-Z a-z 0-9 - _ . ~ bare; sorted by encoded name, then value;
    `name=` for a name without a value."""
    if not query:
        return ""
    pairs = []
    for pair in query.split("&"):
        name, _, value = pair.partition("=")
        pairs.append((_encode(name), _encode(value)))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def _encode(component: str) -> str:
    # To bytes, not text: "%FF" must stay %FF, not become the replacement character.
    return quote(unquote_to_bytes(component.replace("+", " ")), safe=_UNRESERVED)
