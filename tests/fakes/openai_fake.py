"""Loopback fake of the OpenAI HTTP API: Responses, Chat Completions and Embeddings.

The real `openai` SDK, langchain-openai's ChatOpenAI and langmem/trustcall run unchanged
against it (point `base_url` / OPENAI_BASE_URL at `fake.base_url`). Answers are
deterministic so tests and benchmarks can assert on them:

* /v1/responses answers with `reply_text` (plain JSON or the real SSE event sequence); with
  the web search tool offered and `search_finds(...)` set, it searches and cites those pages;
  `cut_stream(...)` ends a stream early (tests.fakes.responses_stream).
* `usage` counts tokens the way the API does (tests.fakes.tokens).
* /v1/chat/completions with tools plays the memory-extraction model: it emits one
  `UserTechInterest`-style tool call per tech term the *user* mentioned (see TECH_TERMS),
  reading a few cues as a careful model would (see `stance`): sarcasm and other people's
  interests teach nothing; "moved from X", "don't use X anymore" lower an existing X.
* /v1/embeddings returns hashed bag-of-words vectors, so texts sharing words are close.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import math
import re
import struct
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import responses_stream, tokens
from ._http import ABORT, FaultPlan, LoopbackServer, Reply, Request, json_reply, sse_reply
from .responses_stream import StreamCut, WebResult, cite, search_item, wants_web_search

KINDS = {
    "/v1/responses": "responses",
    "/v1/chat/completions": "chat",
    "/v1/embeddings": "embeddings",
}
PATHS = {kind: path for path, kind in KINDS.items()}
# GET /v1/models/{id} (kind "models"): how the bot checks OPENAI_API_KEY at start-up.
MODELS_PREFIX = "/v1/models/"

# (canonical topic, category, regex). Matched case-insensitively on word boundaries, except
# bare "Go", which must be capitalised because lower-case "go" is an everyday English verb.
TECH_TERMS: list[tuple[str, str, str]] = [
    ("Rust", "programming language", r"rust"),
    ("Python", "programming language", r"python"),
    ("Go", "programming language", r"golang|(?-i:Go)"),
    ("TypeScript", "programming language", r"typescript"),
    ("JavaScript", "programming language", r"javascript"),
    ("Java", "programming language", r"java"),
    ("Kotlin", "programming language", r"kotlin"),
    ("Elixir", "programming language", r"elixir"),
    ("AWS", "cloud", r"aws|amazon web services"),
    ("Azure", "cloud", r"azure"),
    ("GCP", "cloud", r"gcp|google cloud"),
    ("React", "frontend", r"react(?:\.?js)?"),
    ("Vue", "frontend", r"vue(?:\.?js)?"),
    ("Next.js", "frontend", r"next\.?js"),
    ("PostgreSQL", "database", r"postgres(?:ql)?"),
    ("pgvector", "database", r"pgvector"),
    ("Redis", "database", r"redis"),
    ("MongoDB", "database", r"mongo(?:db)?"),
    ("Kubernetes", "infrastructure", r"kubernetes|k8s"),
    ("Docker", "infrastructure", r"docker"),
    ("Terraform", "infrastructure", r"terraform"),
    ("Kafka", "infrastructure", r"kafka"),
    ("Linux", "infrastructure", r"linux"),
    ("LangChain", "AI", r"langchain"),
    ("LangGraph", "AI", r"langgraph"),
    ("AI agents", "AI", r"ai agents?|agentic ai"),
    ("LLMs", "AI", r"llms?|large language models?"),
    ("WebAssembly", "web platform", r"webassembly|wasm"),
    ("GraphQL", "API", r"graphql"),
    ("Angular", "frontend", r"angular(?:\.?js)?"),
    ("Svelte", "frontend", r"svelte(?:kit)?"),
    ("Haskell", "programming language", r"haskell"),
    ("Scala", "programming language", r"scala"),
    ("Ruby", "programming language", r"ruby"),
    ("Swift", "programming language", r"swift"),
    ("Flutter", "mobile", r"flutter"),
    ("Django", "backend", r"django"),
    ("Clojure", "programming language", r"clojure"),
]
_TERM_RES = [(topic, cat, re.compile(rf"\b(?:{rx})\b", re.I)) for topic, cat, rx in TECH_TERMS]

# How langmem/trustcall lay out an extraction request (langmem.knowledge.extraction
# MemoryManager._prepare_messages and trustcall._base._ExtractUpdates._setup):
#   system: "You are a memory subroutine..." [+ "<existing><instance id=.. schema_type=..>
#           {python repr of the stored doc}</instance></existing>" when memories exist]
#   user:   "<instructions> ... <session_UUID>\n<pretty_repr of each message>\n</session_UUID>"
# Only Human turns inside the session count: the instructions and the existing memories
# also mention tech terms, and extracting from them would invent interests.
_SESSION_RE = re.compile(r"<session_[^>]*>(.*?)</session_[^>]*>", re.S)
_TITLE_RE = re.compile(r"^=+ (\w+) Message =+$", re.M)
_INSTANCE_RE = re.compile(r'<instance id=(\S+) schema_type="[^"]*">\n(.*?)\n</instance>', re.S)
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+|\n+")
_PATCH_TOOL = "PatchDoc"  # trustcall's tool for updating an existing doc by json_doc_id


@dataclass(frozen=True)
class Recorded:
    path: str
    headers: dict[str, str]
    json: Any
    time: float = field(default_factory=time.monotonic)


def _content_text(content: Any) -> str:
    """Text of a message `content`: a str or a list of parts ({"text": ...} or str)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p if isinstance(p, str) else str(p.get("text", "")) for p in content)
    return ""


def _items(body: dict) -> list[dict]:
    """Conversation items of a chat ("messages") or Responses ("input") request."""
    items = body.get("messages") or body.get("input") or []
    if isinstance(items, str):
        return [{"role": "user", "content": items}]
    return [i for i in items if isinstance(i, dict)]


def last_user_text(body: dict) -> str:
    users = [i for i in _items(body) if i.get("role") == "user"]
    return _content_text(users[-1].get("content")) if users else ""


def default_reply(body: dict) -> str:
    return "Answer: " + last_user_text(body)[:60]


def estimate_tokens(body: dict) -> int:
    """Deterministic prompt-size estimate: instructions + all input text, 4 chars per token."""
    chars = len(body.get("instructions") or "")
    for item in _items(body):
        chars += len(_content_text(item.get("content")))
        chars += len(str(item.get("output") or "")) + len(str(item.get("arguments") or ""))
    return chars // 4


def fake_embedding(text: str | list[int], dims: int = 1536) -> list[float]:
    """Hashed bag of words, L2-normalised: shared words => high cosine similarity.

    Token-id input (langchain's OpenAIEmbeddings sends tiktoken ids) hashes the ids instead.
    """
    words = re.findall(r"\w+", text.lower()) if isinstance(text, str) else [str(t) for t in text]
    vec = [0.0] * dims
    for word in words or [""]:  # empty text still gets a valid unit vector
        digest = hashlib.blake2b(word.encode(), digest_size=16).digest()
        # Three signed buckets per word, so a collision between two words rarely cancels.
        for i in range(3):
            bucket = int.from_bytes(digest[4 * i : 4 * i + 4], "little") % dims
            vec[bucket] += 1.0 if digest[12] >> i & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    return [v / norm for v in vec]


# -- memory extraction (chat completions with tools) -------------------------------------
def _human_text(messages: list[dict]) -> str:
    texts = [_content_text(m.get("content")) for m in messages]
    sessions = [s for t in texts for s in _SESSION_RE.findall(t)]
    if not sessions:  # not langmem: a plain extractor call, the user turns are the conversation
        return "\n".join(t for m, t in zip(messages, texts, strict=True) if m.get("role") == "user")
    turns = []
    for session in sessions:
        parts = _TITLE_RE.split(session)  # [preamble, title1, body1, title2, body2, ...]
        if len(parts) == 1:
            turns.append(session)
        titles, bodies = parts[1::2], parts[2::2]
        turns += [body for title, body in zip(titles, bodies, strict=True) if title == "Human"]
    return "\n".join(turns)


def _canonical(text: str) -> str | None:
    return next((topic for topic, _, rx in _TERM_RES if rx.search(text)), None)


def _parse_doc(raw: str) -> dict:
    # trustcall formats existing docs with str(dict), i.e. a Python literal, not JSON.
    for parse in (ast.literal_eval, json.loads):
        try:
            doc = parse(raw.strip())
        except (ValueError, SyntaxError):
            continue
        return doc if isinstance(doc, dict) else {}
    return {}


def _existing_by_topic(messages: list[dict]) -> dict[str, tuple[str, dict]]:
    found = {}
    for message in messages:
        for doc_id, raw in _INSTANCE_RE.findall(_content_text(message.get("content"))):
            doc = _parse_doc(raw)
            if topic := _canonical(str(doc.get("topic", ""))):
                found[topic] = (doc_id, doc)
    return found


def find_tech_terms(text: str) -> list[tuple[str, str, str]]:
    """(topic, category, sentence) for each term in `text`, in order of first mention."""
    return [(topic, cat, sentence) for topic, cat, sentence, _ in find_stances(text)]


# How a sentence holds a term beyond naming it. Cues in the clause before the term (up to the
# previous term or a clause break) decide; none means the person is interested.
SINCERE, NEGATED, JOKED, OTHERS = "sincere", "negated", "joked", "others"
_SARCASM_RE = re.compile(r"\boh,? (?:great|joy|wonderful|sure)\b|\byeah,? right\b|\*\w+\*", re.I)
_CLAUSE_BREAK_RE = re.compile(r"[,;:\u2014]|\bbut\b|\bnow\b", re.I)
_NEGATION_RE = re.compile(
    r"\b(?:from|don't|do not|doesn't|no longer|never|not|used to|stopped|quit|gave up|dropped|hate|"
    r"instead of|rather than)\b",
    re.I,
)
_NEGATION_AFTER_RE = re.compile(r"^[^,;.]*?\b(?:any ?more|no more)\b", re.I)
_OTHERS_RE = re.compile(
    r"\b(?:[Hh]e|[Ss]he|[Tt]hey|[Hh]is|[Hh]er|[Tt]heir|[Mm]y (?:colleague|teammate|coworker|boss|"
    r"manager|friend|partner)s?)\b|\b[A-Z][a-z]+ (?:loves|likes|uses|prefers|swears by|is into|"
    r"is obsessed with|keeps)\b"
)


def stance(sentence: str, start: int, end: int, previous_end: int = 0) -> str:
    """How the sentence holds the term at [start, end)."""
    if _SARCASM_RE.search(sentence):
        return JOKED
    before = sentence[previous_end:start]
    breaks = list(_CLAUSE_BREAK_RE.finditer(before))
    clause = before[breaks[-1].end() :] if breaks else before
    if _OTHERS_RE.search(clause):
        return OTHERS
    if _NEGATION_RE.search(clause) or _NEGATION_AFTER_RE.search(sentence[end:]):
        return NEGATED
    return SINCERE


def find_stances(text: str) -> list[tuple[str, str, str, str]]:
    """(topic, category, sentence, stance) for each term in `text`, in order of first mention;
    a term mentioned more than once takes its first sincere stance, else its first one."""
    found: dict[str, tuple[str, str, str, str]] = {}
    for sentence in _SENTENCE_RE.split(text):
        hits = sorted(
            (m.start(), m.end(), topic, cat)
            for topic, cat, rx in _TERM_RES
            if (m := rx.search(sentence))
        )
        previous_end = 0
        for start, end, topic, cat in hits:
            held = stance(sentence, start, end, previous_end)
            previous_end = end
            if topic not in found or (found[topic][3] != SINCERE and held == SINCERE):
                found[topic] = (topic, cat, sentence.strip()[:200], held)
    return list(found.values())


def extract_tool_calls(messages: list[dict], tools: list[dict]) -> list[tuple[str, dict]]:
    """(tool name, arguments) pairs a good extraction model would return for this request."""
    functions = {t["function"]["name"]: t["function"] for t in tools if t.get("type") == "function"}
    # The schema tool is whichever one has a `topic` field (UserTechInterest in the bot).
    target = next(
        (f for f in functions.values() if "topic" in f.get("parameters", {}).get("properties", {})),
        None,
    )
    fields = set(target["parameters"]["properties"]) if target else set()
    existing = _existing_by_topic(messages)
    calls = []
    for topic, category, sentence, held in find_stances(_human_text(messages)):
        if held in (JOKED, OTHERS) or (held == NEGATED and topic not in existing):
            continue  # nothing the person holds: a joke, someone else's, or a "not" to nothing
        description = f"Mentioned: {sentence}"
        if held == NEGATED:
            doc_id, doc = existing[topic]
            if _PATCH_TOOL in functions:
                patches = [
                    {"op": "add", "path": "/description", "value": f"No longer: {sentence}"},
                    {"op": "add", "path": "/interest_level", "value": 10},
                ]
                plan = "The person has moved away from it: lower interest_level to 10."
                calls.append(
                    (
                        _PATCH_TOOL,
                        {"json_doc_id": doc_id, "planned_edits": plan, "patches": patches},
                    )
                )
        elif topic in existing:
            # Already remembered: patch it (refresh the evidence, bump interest) rather than
            # duplicate it; without trustcall's PatchDoc tool on offer, just skip it.
            doc_id, doc = existing[topic]
            if _PATCH_TOOL in functions:
                level = min(100, int(doc.get("interest_level") or 80) + 10)
                patches = [{"op": "add", "path": "/description", "value": description}]
                if "interest_level" in doc or "interest_level" in fields:
                    patches.append({"op": "add", "path": "/interest_level", "value": level})
                plan = f"Refresh description and raise interest_level to {level}."
                calls.append(
                    (
                        _PATCH_TOOL,
                        {"json_doc_id": doc_id, "planned_edits": plan, "patches": patches},
                    )
                )
        elif target:
            args = {
                "topic": topic,
                "category": category,
                "interest_level": 80,
                "description": description,
            }
            calls.append((target["name"], {k: v for k, v in args.items() if k in fields}))
    return calls


# -- the server ---------------------------------------------------------------------------
def _new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


def _chunks(text: str, size: int = 8) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _error(status: int) -> dict:
    kind = "rate_limit_exceeded" if status == 429 else "server_error"
    return {
        "error": {"message": f"Injected HTTP {status}", "type": kind, "param": None, "code": kind}
    }


class FakeOpenAI(LoopbackServer):
    def __init__(self, reply_text: str | Callable[[dict], str] = default_reply) -> None:
        super().__init__()
        # Answer for /v1/responses and for tool-less chat completions; a callable gets the
        # request body (Responses "input" or chat "messages" shape).
        self.reply_text = reply_text
        # Pages a streamed answer "finds" when the request offers the web search tool.
        self.web_results: list[WebResult] = []
        self._faults = FaultPlan()
        self._stream_cuts = FaultPlan()
        self._prompt_cache = tokens.PromptCache()

    @property
    def base_url(self) -> str:
        return f"{self.root}/v1"

    @property
    def requests(self) -> list[Recorded]:
        return self._snapshot()

    def bodies(self, kind: str) -> list[Any]:
        return [r.json for r in self.requests if r.path == PATHS[kind]]

    def fail_next(
        self,
        kind: str,
        status: int | None = 500,
        count: int = 1,
        delay: float = 0.0,
        retry_after: float | None = None,
    ) -> None:
        """Fail (or, with status=None, merely delay) the next `count` calls to `kind`."""
        if kind not in PATHS and kind != "models":
            raise ValueError(f"kind must be one of {sorted(PATHS)} or 'models'")
        self._faults.add(kind, count, status=status, delay=delay, retry_after=retry_after)

    def search_finds(self, *results: tuple[str, str]) -> None:
        """(url, title) pages the next answers cite after searching the web."""
        self.web_results = [WebResult(url, title) for url, title in results]

    def cut_stream(self, after_chars: int = 0, *, reset: bool = False, count: int = 1) -> None:
        """The next `count` streamed answers stop after `after_chars` characters of text,
        without response.completed: the body just ends, or with `reset` the connection resets."""
        self._stream_cuts.add("responses", count, cut=StreamCut(after_chars, reset))

    def reset(self) -> None:
        self._clear()
        self._faults.clear()
        self._stream_cuts.clear()
        self._prompt_cache.clear()
        self.web_results = []

    def handle(self, request: Request) -> Reply:
        body = request.json() if request.body else {}
        self._record(Recorded(request.path, request.headers, body))
        kind = KINDS.get(request.path)
        if kind is None and request.path.startswith(MODELS_PREFIX):
            kind = "models"
        if kind is None:
            return json_reply(_error(404), 404)
        fault = self._faults.take(kind) or {}
        if fault.get("status"):
            retry_after = fault["retry_after"]
            headers = {} if retry_after is None else {"retry-after": str(retry_after)}
            reply = json_reply(_error(fault["status"]), fault["status"], headers)
        elif kind == "models":
            model = request.path.removeprefix(MODELS_PREFIX)
            reply = json_reply({"id": model, "object": "model", "created": 0, "owned_by": "fake"})
        else:
            handler = {"responses": self._responses, "chat": self._chat, "embeddings": self._embed}
            reply = handler[kind](body)
        reply.delay = fault.get("delay", 0.0)
        return reply

    def _answer(self, body: dict) -> str:
        return self.reply_text(body) if callable(self.reply_text) else self.reply_text

    # -- POST /v1/responses ------------------------------------------------------------
    def _responses(self, body: dict) -> Reply:
        text, annotations = self._answer(body), []
        output: list[dict] = []
        search = None
        if self.web_results and wants_web_search(body):
            text, annotations = cite(text, self.web_results)
            search = search_item(last_user_text(body)[:100], self.web_results, "completed")
            output.append(search)
        part = {"type": "output_text", "text": text, "annotations": annotations, "logprobs": []}
        output.append(
            {
                "type": "message",
                "id": _new_id("msg"),
                "role": "assistant",
                "status": "completed",
                "content": [part],
            }
        )
        model = body.get("model", "gpt-fake")
        input_tokens = tokens.input_tokens(body)
        output_tokens = tokens.output_tokens(text, model)
        usage = {
            "input_tokens": input_tokens,
            "input_tokens_details": {
                "cached_tokens": self._prompt_cache.cached(tokens.prompt_tokens(body))
            },
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": input_tokens + output_tokens,
        }
        done = {
            "id": _new_id("resp"),
            "object": "response",
            "created_at": int(time.time()),
            "status": "completed",
            "model": model,
            "instructions": body.get("instructions"),
            "previous_response_id": body.get("previous_response_id"),
            "output": output,
            "parallel_tool_calls": True,
            "tool_choice": body.get("tool_choice", "auto"),
            "tools": body.get("tools", []),
            "text": {"format": {"type": "text"}},
            "metadata": body.get("metadata") or {},
            "error": None,
            "incomplete_details": None,
            "usage": usage,
        }
        if not body.get("stream"):
            return json_reply(done)
        cut = (self._stream_cuts.take("responses") or {}).get("cut")
        sequence = responses_stream.events(done, search, cut)
        return sse_reply(
            event if event is ABORT else (event["type"], {**event, "sequence_number": n})
            for n, event in enumerate(sequence)
        )

    # -- POST /v1/chat/completions -----------------------------------------------------
    def _chat(self, body: dict) -> Reply:
        tools = body.get("tools") or []
        calls = extract_tool_calls(body.get("messages", []), tools) if tools else []
        tool_calls = [
            {
                "id": _new_id("call"),
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
            for name, args in calls
        ]
        if tool_calls:
            content = None  # like the real API: tool-call turns carry no text
        elif tools:
            content = "No new tech interests found."
        else:
            content = self._answer(body)
        prompt_tokens = tokens.input_tokens(body)
        out_text = (content or "") + "".join(
            c["function"]["name"] + c["function"]["arguments"] for c in tool_calls
        )
        completion_tokens = tokens.output_tokens(out_text, body.get("model", ""))
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        finish = "tool_calls" if tool_calls else "stop"
        base = {
            "id": _new_id("chatcmpl"),
            "created": int(time.time()),
            "model": body.get("model", "gpt-fake"),
            "system_fingerprint": None,
        }
        if not body.get("stream"):
            message = {"role": "assistant", "content": content, "refusal": None}
            if tool_calls:
                message["tool_calls"] = tool_calls
            choice = {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
            return json_reply(
                {**base, "object": "chat.completion", "choices": [choice], "usage": usage}
            )

        with_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        def chunk(delta: dict, finish_reason: str | None = None) -> dict:
            choice = {"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}
            extra = {"usage": None} if with_usage else {}
            return {**base, "object": "chat.completion.chunk", "choices": [choice], **extra}

        deltas = [{"role": "assistant", "content": ""}]
        deltas += [{"content": piece} for piece in _chunks(content)] if content else []
        deltas += [{"tool_calls": [{"index": i, **call}]} for i, call in enumerate(tool_calls)]
        frames = [chunk(d) for d in deltas] + [chunk({}, finish)]
        if with_usage:  # the final usage-only chunk has no choices
            frames.append(
                {**base, "object": "chat.completion.chunk", "choices": [], "usage": usage}
            )
        return sse_reply([*((None, f) for f in frames), (None, "[DONE]")])

    # -- POST /v1/embeddings -----------------------------------------------------------
    def _embed(self, body: dict) -> Reply:
        inputs = body["input"]
        # A single input is a str or one token-id list; otherwise a list of those.
        if isinstance(inputs, str) or (inputs and isinstance(inputs[0], int)):
            inputs = [inputs]
        dims = int(body.get("dimensions") or 1536)
        data = []
        for index, text in enumerate(inputs):
            vector: Any = fake_embedding(text, dims)
            if body.get("encoding_format") == "base64":  # the openai SDK's default request
                vector = base64.b64encode(struct.pack(f"<{dims}f", *vector)).decode()
            data.append({"object": "embedding", "index": index, "embedding": vector})
        used = tokens.embedding_tokens(inputs, body.get("model", "text-embedding-3-small"))
        return json_reply(
            {
                "object": "list",
                "data": data,
                "model": body.get("model", "text-embedding-fake"),
                "usage": {"prompt_tokens": used, "total_tokens": used},
            }
        )
