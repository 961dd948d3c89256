"""Where the Lambda API is, decided as the AWS SDKs decide it, without importing them.

The SDKs' conventions, in their order (botocore's ConfiguredEndpointProvider and Lambda's
endpoint rule set):

1. `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` skips the next two.
2. `AWS_ENDPOINT_URL_LAMBDA`, else `AWS_ENDPOINT_URL`: that URL, as given (LocalStack, a VPC
   endpoint). FIPS or dual-stack asked for as well is a configuration error, as in the SDKs.
3. Else `https://lambda[-fips].{region}.{dnsSuffix | dualStackDnsSuffix}` of the region's
   partition (`AWS_USE_FIPS_ENDPOINT`, `AWS_USE_DUALSTACK_ENDPOINT`).

Partitions (aws, aws-cn, aws-us-gov, aws-iso*, aws-eusc, and whatever AWS adds) come from
botocore's own data file, found without importing botocore: it is in the Lambda zip anyway, and
updated with it. A region no partition lists or matches is refused: the SDKs would quietly send
it to the aws partition's domain. The shared config file is not read: Lambda has none.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.settings import ConfigError

SERVICE_ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_LAMBDA"
GLOBAL_ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL"
_HOST_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


@dataclass(frozen=True)
class Partition:
    name: str
    dns_suffix: str
    dual_stack_dns_suffix: str
    supports_fips: bool
    supports_dual_stack: bool


def region_from(environ: Mapping[str, str]) -> str | None:
    """The region a client in this environment uses (Lambda sets both variables)."""
    return environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or None


def lambda_endpoint(region: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The Lambda API's base URL for `region` under the environment's SDK settings. Raises
    ConfigError, saying what to change, for settings no SDK would accept."""
    env = os.environ if environ is None else environ
    fips = _flag(env, "AWS_USE_FIPS_ENDPOINT")
    dual_stack = _flag(env, "AWS_USE_DUALSTACK_ENDPOINT")
    configured = _configured_endpoint(env)
    if configured:
        variable, url = configured
        chosen = [
            name
            for asked, name in (
                (fips, "AWS_USE_FIPS_ENDPOINT"),
                (dual_stack, "AWS_USE_DUALSTACK_ENDPOINT"),
            )
            if asked
        ]
        if chosen:
            raise ConfigError(
                f"{variable} names the endpoint, so {chosen[0]} can't also choose one: "
                "unset one of them."
            )
        return url
    if not region:
        raise ConfigError("Set AWS_REGION: the Lambda API to hand jobs to is regional.")
    partition = partition_of(region)
    if fips and not partition.supports_fips:
        raise ConfigError(f"AWS_USE_FIPS_ENDPOINT: the {partition.name} partition has no FIPS.")
    if dual_stack and not partition.supports_dual_stack:
        raise ConfigError(
            f"AWS_USE_DUALSTACK_ENDPOINT: the {partition.name} partition has no dual-stack."
        )
    host = "lambda-fips" if fips else "lambda"
    suffix = partition.dual_stack_dns_suffix if dual_stack else partition.dns_suffix
    return f"https://{host}.{region}.{suffix}"


def partition_of(region: str) -> Partition:
    """The partition that lists the region, else the first whose pattern it matches."""
    partitions = _partitions()
    if _HOST_LABEL.fullmatch(region):
        listed = [p for p in partitions if region in p.get("regions", {})]
        matched = [p for p in partitions if re.match(p["regionRegex"], region)]
        for found in listed + matched:
            outputs = found["outputs"]
            return Partition(
                name=found["id"],
                dns_suffix=outputs["dnsSuffix"],
                dual_stack_dns_suffix=outputs["dualStackDnsSuffix"],
                supports_fips=bool(outputs["supportsFIPS"]),
                supports_dual_stack=bool(outputs["supportsDualStack"]),
            )
    known = ", ".join(p["id"] for p in partitions)
    raise ConfigError(
        f"AWS_REGION {region[:40]!r} is not a region of any AWS partition botocore knows "
        f"({known}). Check the name, or update botocore if the region is new."
    )


def _partitions() -> list[dict[str, Any]]:
    spec = importlib.util.find_spec("botocore")
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not (spec and spec.loader and locations):
        raise ConfigError(
            "botocore is not installed, and its partition data says where each region's "
            f"Lambda API is. Install it, or set {SERVICE_ENDPOINT_VARIABLE}."
        )
    # get_data reads from a directory or from inside a zip alike.
    raw = spec.loader.get_data(os.path.join(locations[0], "data", "partitions.json"))  # type: ignore[attr-defined]
    return json.loads(raw)["partitions"]


def _configured_endpoint(environ: Mapping[str, str]) -> tuple[str, str] | None:
    if _flag(environ, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"):
        return None
    for variable in (SERVICE_ENDPOINT_VARIABLE, GLOBAL_ENDPOINT_VARIABLE):
        url = environ.get(variable, "").strip()
        if url:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ConfigError(f"{variable} must be an http(s)://host[:port][/path] URL.")
            return variable, url.rstrip("/")
    return None


def _flag(environ: Mapping[str, str], name: str) -> bool:
    # The SDKs read "true" in any case as on and anything else as off; anything but true/false
    # is refused here instead, so a typo can't silently send FIPS traffic to a non-FIPS host.
    value = environ.get(name, "").strip().lower()
    if value not in ("", "true", "false"):
        raise ConfigError(f"{name} must be true or false.")
    return value == "true"
