"""memory_quality: does the bot remember the right things about people, and use them?

Scripted people (benchmarks/data/memory_quality.json) talk to the bot's own conversation
(`bot.wiring.build_conversation`: recall, the Responses answer, LangMem extraction into the
PostgresStore, on an embedded PostgreSQL 16 + pgvector), message by message as a Slack turn
does: recall, answer (with the thread's earlier messages, others' included), learn from the
person's own words. Then each asks a probe question, answered but not learned from. What they
end with is scored against what the script says they should and should not hold:

* precision / recall by topic: a topic is *held* when a memory's topic names it and its
  interest is unknown or above LOW_INTEREST (a memory saying "no longer uses Java, 10/100"
  records the change truthfully and doesn't count as an interest);
* duplicates: topics held in two or more memories;
* others' topics: topics only other people's words carried (in the thread, or about a
  colleague), wrongly held by the asker;
* unscripted: memories naming no topic the script has for that person;
* probes right: the probe's Responses request (its instructions, as sent over HTTP) holds
  every expected memory and no unwanted one as an interest.

Models are whatever OPENAI_BASE_URL / OPENAI_API_KEY / CHAT_MODEL / MEMORY_MODEL /
EMBEDDING_MODEL say; `--fake` starts the test suite's loopback FakeOpenAI instead.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import re
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.harness import embedded_database, progress, session, table
from bot.conversation.prompt import ThreadMessage
from bot.memory.schema import ConversationKind, Memory, Source, may_use_private
from bot.settings import ConfigError, Settings, project_dir

if TYPE_CHECKING:
    import httpx

    from bot.conversation.core import Conversation

log = logging.getLogger(__name__)

SCRIPT = Path(__file__).with_name("data") / "memory_quality.json"
KINDS = ("stated", "changed", "denied", "joked", "others")
# At or below this, a memory says the person is not (or no longer) interested.
LOW_INTEREST = 30
SCOPE = "TQUALITY"
PUBLIC_CHANNEL = "CQUALITY"
_MEMORIES_RE = re.compile(r"<memories>\n(.*?)\n</memories>", re.S)
_LINE_INTEREST_RE = re.compile(r" interest (\d+)/100")


# --- the script ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Said:
    """One message of a thread the person's message follows: by a name, or by the bot."""

    by: str
    text: str


@dataclass(frozen=True)
class Message:
    text: str
    where: ConversationKind = ConversationKind.DM
    thread: tuple[Said, ...] = ()


@dataclass(frozen=True)
class Probe:
    text: str
    expect: tuple[str, ...]
    avoid: tuple[str, ...]


@dataclass(frozen=True)
class Person:
    name: str
    kind: str
    messages: tuple[Message, ...]
    want: tuple[str, ...]
    avoid: tuple[str, ...]
    probe: Probe

    @property
    def user_id(self) -> str:
        return user_id(self.name)


def user_id(name: str) -> str:
    return "U" + name.upper()


class Topics:
    """Which scripted topic a memory's topic names: the earliest alias in it wins, so
    "Svelte (moved from Angular)" is about Svelte."""

    def __init__(self, aliases: dict[str, list[str]]) -> None:
        self._patterns = [
            (name, re.compile(rf"\b(?:{'|'.join(rx)})\b", re.I)) for name, rx in aliases.items()
        ]
        self.names = frozenset(aliases)

    def of(self, text: str) -> str | None:
        hits = [(m.start(), name) for name, rx in self._patterns if (m := rx.search(text))]
        return min(hits)[1] if hits else None


@dataclass(frozen=True)
class Script:
    topics: Topics
    people: tuple[Person, ...]

    def sample(self, per_kind: int | None) -> tuple[Person, ...]:
        """The first `per_kind` people of each kind, in script order (all with None)."""
        if per_kind is None:
            return self.people
        counts = dict.fromkeys(KINDS, 0)
        kept = []
        for person in self.people:
            if counts[person.kind] < per_kind:
                counts[person.kind] += 1
                kept.append(person)
        return tuple(kept)


def load_script(path: Path = SCRIPT) -> Script:
    raw = json.loads(path.read_text(encoding="utf-8"))
    topics = Topics(raw["topics"])
    people = []
    for p in raw["people"]:
        messages = tuple(
            Message(
                m["text"],
                ConversationKind(m.get("where", "dm")),
                tuple(Said(s["by"], s["text"]) for s in m.get("thread", ())),
            )
            for m in p["messages"]
        )
        probe = p["probe"]
        person = Person(
            p["name"],
            p["kind"],
            messages,
            tuple(p["want"]),
            tuple(p["avoid"]),
            Probe(probe["text"], tuple(probe["expect"]), tuple(probe["avoid"])),
        )
        named = {*person.want, *person.avoid, *person.probe.expect, *person.probe.avoid}
        if person.kind not in KINDS or not named <= topics.names:
            raise ValueError(f"{path}: {person.name} has an unknown kind or topic")
        people.append(person)
    return Script(topics, tuple(people))


# --- running it ---------------------------------------------------------------------------


class ResponsesRecorder:
    """The instructions of each thread's latest Responses request, as sent over HTTP."""

    def __init__(self) -> None:
        self._local = threading.local()

    def __call__(self, request: httpx.Request) -> None:
        if request.url.path.endswith("/responses"):
            self._local.instructions = json.loads(request.content).get("instructions") or ""

    def last(self) -> str:
        return getattr(self._local, "instructions", "")


@dataclass
class Outcome:
    """What one person ended with."""

    person: Person
    memories: list[Memory] = field(default_factory=list)
    probe_instructions: str = ""
    failures: int = 0  # turns whose answer or learning failed


def thread_message(said: Said, asker: str) -> ThreadMessage:
    """As the turn builds it from conversations.replies; its author too, where the type
    carries one (others' messages are labelled in the prompt)."""
    if said.by == "bot":
        return ThreadMessage(True, said.text)
    names = {f.name for f in dataclasses.fields(ThreadMessage)}
    author = user_id(said.by)
    if "by_other" in names and author != asker:
        return ThreadMessage(False, said.text, by_other=author)  # type: ignore[call-arg]
    return ThreadMessage(False, said.text)


def converse(conversation: Conversation, person: Person, recorder: ResponsesRecorder) -> Outcome:
    """The person's messages as turns (recall, answer, learn), then the probe (no learning)."""
    from bot.conversation.llm import ModelError

    outcome = Outcome(person)
    user = person.user_id
    for i, message in enumerate(person.messages):
        memories = conversation.recall(
            SCOPE, user, message.text, include_private=may_use_private(message.where, False)
        )
        thread = [thread_message(said, user) for said in message.thread]
        try:
            "".join(conversation.answer(message.text, memories, thread))
        except ModelError:
            outcome.failures += 1
            continue  # as in Slack: no answer, nothing learned
        channel = "D" + user[1:] if message.where is ConversationKind.DM else PUBLIC_CHANNEL
        source = Source(message.where, channel, f"1700000000.{i:06d}")
        try:
            conversation.learn(SCOPE, user, message.text, source, memories)
        except Exception:  # noqa: BLE001 - the turn logs it and carries on; so do we
            log.warning("learning failed for %s", person.name, exc_info=True)
            outcome.failures += 1
    memories = conversation.recall(SCOPE, user, person.probe.text, include_private=True)
    try:
        "".join(conversation.answer(person.probe.text, memories))
        outcome.probe_instructions = recorder.last()
    except ModelError:
        outcome.failures += 1
    outcome.memories = conversation.memories.list_all(SCOPE, user)
    return outcome


# --- scoring ------------------------------------------------------------------------------


def is_interest(interest_level: int | None) -> bool:
    return interest_level is None or interest_level > LOW_INTEREST


@dataclass
class Tally:
    people: int = 0
    wanted: int = 0  # topics the script wants held
    wanted_held: int = 0
    unwanted: int = 0  # topics the script says must not be held
    unwanted_held: int = 0
    topics_held: int = 0  # distinct scripted topics with at least one memory
    duplicates: int = 0  # ... with two or more
    unscripted: int = 0  # memories naming no topic scripted for the person
    others: int = 0  # topics only others mentioned
    others_held: int = 0
    probes: int = 0
    probes_right: int = 0
    probe_expected: int = 0
    probe_expected_present: int = 0
    failures: int = 0

    def add(self, other: Tally) -> None:
        for f in dataclasses.fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def score(outcome: Outcome, topics: Topics) -> Tally:
    person = outcome.person
    tally = Tally(people=1, failures=outcome.failures)
    held: set[str] = set()
    memories_of: dict[str, int] = {}
    scripted = {*person.want, *person.avoid}
    for memory in outcome.memories:
        topic = topics.of(memory.topic)
        if topic not in scripted:
            tally.unscripted += 1
            continue
        memories_of[topic] = memories_of.get(topic, 0) + 1
        if is_interest(memory.interest_level):
            held.add(topic)
    tally.wanted, tally.wanted_held = len(person.want), len(held & set(person.want))
    tally.unwanted, tally.unwanted_held = len(person.avoid), len(held & set(person.avoid))
    tally.topics_held = len(memories_of)
    tally.duplicates = sum(1 for n in memories_of.values() if n > 1)
    if person.kind == "others":
        tally.others, tally.others_held = tally.unwanted, tally.unwanted_held
    in_request = request_topics(outcome.probe_instructions, topics)
    expected = set(person.probe.expect)
    tally.probes = 1
    tally.probe_expected = len(expected)
    tally.probe_expected_present = len(expected & set(in_request))
    leaked = any(in_request.get(t) for t in person.probe.avoid)
    tally.probes_right = int(expected <= set(in_request) and not leaked)
    return tally


def request_topics(instructions: str, topics: Topics) -> dict[str, bool]:
    """The scripted topics the request's memories name, each with whether it is an interest."""
    block = _MEMORIES_RE.search(instructions)
    found: dict[str, bool] = {}
    for line in block.group(1).splitlines() if block else ():
        # "- Topic (category) interest N/100: description", as bot.conversation.prompt writes it
        head = line.removeprefix("- ").split(":", 1)[0]
        topic = topics.of(head.split(" (", 1)[0].split(" interest ", 1)[0])
        if topic is None:
            continue
        level = _LINE_INTEREST_RE.search(head)
        found[topic] = found.get(topic, False) or is_interest(int(level[1]) if level else None)
    return found


def tallies(outcomes: Sequence[Outcome], topics: Topics) -> dict[str, Tally]:
    """One tally per scenario kind present, and "all"."""
    by_kind: dict[str, Tally] = {}
    total = Tally()
    for outcome in outcomes:
        tally = score(outcome, topics)
        by_kind.setdefault(outcome.person.kind, Tally()).add(tally)
        total.add(tally)
    rows = {kind: by_kind[kind] for kind in KINDS if kind in by_kind}
    rows["all"] = total
    return rows


def fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def quality_table(rows: dict[str, Tally]) -> str:
    headers = [
        "scenario", "people", "precision", "recall", "duplicates", "others' topics held",
        "unscripted", "probes right", "probe recall", "failed turns",
    ]  # fmt: skip
    body = [
        [
            kind,
            t.people,
            fmt(ratio(t.wanted_held, t.wanted_held + t.unwanted_held)),
            fmt(ratio(t.wanted_held, t.wanted)),
            fmt(ratio(t.duplicates, t.topics_held)),
            fmt(ratio(t.others_held, t.others)),
            t.unscripted,
            fmt(ratio(t.probes_right, t.probes)),
            fmt(ratio(t.probe_expected_present, t.probe_expected)),
            t.failures,
        ]
        for kind, t in rows.items()
    ]
    return table(headers, body)


# --- the run ------------------------------------------------------------------------------


@contextmanager
def configured(fake: bool, dims: int | None) -> Iterator[Settings]:
    """The environment's settings (and .env's, as `bot` reads them), or the loopback
    FakeOpenAI's with `fake`. No web search: answers' text isn't scored, and searching only
    adds cost and time."""
    if not fake:
        from dotenv import load_dotenv

        load_dotenv(project_dir() / ".env", override=False)
    settings = dataclasses.replace(Settings.from_env(), web_search=False)
    if not fake:
        settings.require("OPENAI_API_KEY")
        yield dataclasses.replace(settings, embedding_dims=dims or settings.embedding_dims)
        return
    from tests.fakes import FakeOpenAI

    with FakeOpenAI() as openai:
        yield dataclasses.replace(
            settings,
            openai_base_url=openai.base_url,
            openai_api_key="sk-fake",
            embedding_dims=dims or settings.embedding_dims,
        )


def recording_client(settings: Settings, recorder: ResponsesRecorder):
    """The bot's OpenAI client, its HTTP requests seen by `recorder` on their way out."""
    from openai import DefaultHttpxClient, OpenAI

    return OpenAI(
        api_key=settings.openai_api_key,
        base_url=settings.openai_base_url,
        timeout=settings.openai_timeout,
        max_retries=settings.openai_max_retries,
        http_client=DefaultHttpxClient(event_hooks={"request": [recorder]}),
    )


def run(settings: Settings, people: Sequence[Person], workers: int) -> list[Outcome]:
    from bot.db.storage import open_pool
    from bot.wiring import build_conversation

    db = embedded_database(settings.embedding_dims)
    pool = open_pool(db.url)
    recorder = ResponsesRecorder()
    try:
        conversation = build_conversation(
            settings, pool=pool, openai=recording_client(settings, recorder)
        )

        def one(person: Person) -> Outcome:
            outcome = converse(conversation, person, recorder)
            progress(f"{person.name}: {len(outcome.memories)} memories")
            return outcome

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="person") as pool_:
            return list(pool_.map(one, people))
    finally:
        pool.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.memory_quality", description=__doc__
    )
    parser.add_argument("--fake", action="store_true", help="use the loopback FakeOpenAI")
    parser.add_argument("--script", type=Path, default=SCRIPT, help="the scripted people")
    parser.add_argument("--per-kind", type=int, help="only the first N people of each kind")
    parser.add_argument("--workers", type=int, default=4, help="people talking at once")
    parser.add_argument("--dims", type=int, help="embedding size (default EMBEDDING_DIMS)")
    parser.add_argument("--min-precision", type=float, default=0.8)
    parser.add_argument("--min-recall", type=float, default=0.8)
    parser.add_argument("--max-others", type=float, default=0.1, help="others' topics held")
    args = parser.parse_args(argv)
    script = load_script(args.script)
    people = script.sample(args.per_kind)
    title = "memory_quality: what scripted people end up remembered for"
    try:
        with configured(args.fake, args.dims) as settings, session(title) as floors:
            where = "the loopback FakeOpenAI" if args.fake else settings.openai_base_url
            print(
                f"chat {settings.chat_model}, memory {settings.memory_model}, embeddings "
                f"{settings.embedding_model} ({settings.embedding_dims} dims), "
                f"at {where or 'api.openai.com'}; {len(people)} people, "
                f"{sum(len(p.messages) for p in people)} messages\n"
            )
            outcomes = run(settings, people, args.workers)
            rows = tallies(outcomes, script.topics)
            print(quality_table(rows) + "\n")
            _floors(floors, rows["all"], args)
            floors.print()
    except ConfigError as exc:
        print(exc)
        return 2
    return floors.exit_code


def _floors(floors, total: Tally, args: argparse.Namespace) -> None:
    precision = ratio(total.wanted_held, total.wanted_held + total.unwanted_held) or 0.0
    recall = ratio(total.wanted_held, total.wanted) or 0.0
    others = ratio(total.others_held, total.others) or 0.0
    floors.check(total.failures == 0, f"every turn answered and learned ({total.failures} failed)")
    floors.check(
        precision >= args.min_precision, f"precision {precision:.2f} ≥ {args.min_precision}"
    )
    floors.check(recall >= args.min_recall, f"recall {recall:.2f} ≥ {args.min_recall}")
    floors.check(others <= args.max_others, f"others' topics held {others:.2f} ≤ {args.max_others}")


if __name__ == "__main__":
    raise SystemExit(main())
