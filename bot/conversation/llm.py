"""Model calls: the reply through the Responses API, and the chat model LangMem extracts with."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.conversation.answer_stream import AnswerStream, ModelError
from bot.jobs.deadlines import ANSWER_S, FINAL_WORD_S, Deadline

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from openai import OpenAI

    from bot.settings import Settings

MAX_OUTPUT_TOKENS = 2_000
DEFAULT_TIMEOUT_S = 60.0
# Retries wait like the openai SDK's (0.5 s doubling to 8 s), or as long as Retry-After says,
# and only while an attempt of at least MIN_ATTEMPT_S still fits before the deadline.
INITIAL_BACKOFF_S = 0.5
MAX_BACKOFF_S = 8.0
MIN_ATTEMPT_S = 2.0

__all__ = ["AnswerStream", "ModelError", "Responder", "extraction_model", "openai_client"]


def openai_client(settings: Settings) -> OpenAI:
    from openai import OpenAI

    return OpenAI(
        api_key=settings.openai_api_key,
        base_url=settings.openai_base_url,
        timeout=settings.openai_timeout,
        max_retries=settings.openai_max_retries,
    )


def extraction_model(settings: Settings) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    kwargs = {"api_key": settings.openai_api_key} if settings.openai_api_key else {}
    return ChatOpenAI(
        model=settings.memory_model,
        base_url=settings.openai_base_url,
        timeout=settings.openai_timeout,
        max_retries=settings.openai_max_retries,
        temperature=0,
        **kwargs,
    )


class Responder:
    """Streams one answer from the Responses API, within a job's deadline."""

    def __init__(
        self,
        client: OpenAI,
        model: str,
        *,
        web_search: bool = True,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """The per-attempt timeout and the number of retries are the client's own settings
        (OPENAI_TIMEOUT, OPENAI_MAX_RETRIES); the deadline can only shorten them."""
        self._client = client
        self._model = model
        self._tool = web_search_tool(model) if web_search else None
        timeout = client.timeout
        self._timeout = float(timeout) if isinstance(timeout, int | float) else DEFAULT_TIMEOUT_S
        self._max_retries = client.max_retries
        self._sleep = sleep

    def stream(
        self,
        instructions: str,
        input_items: list[dict[str, str]],
        *,
        deadline: Deadline | None = None,
    ) -> AnswerStream:
        """The answer, streamed. The request starts when the result is first iterated."""
        import openai

        deadline = deadline or Deadline.after(ANSWER_S + FINAL_WORD_S)
        request: dict[str, Any] = {
            "model": self._model,
            "instructions": instructions,
            "input": input_items,
            "max_output_tokens": MAX_OUTPUT_TOKENS,
            "stream": True,
        }
        if self._tool:
            request["tools"] = [self._tool]
        return AnswerStream(
            lambda: self._open(request, deadline),
            model=self._model,
            deadline=deadline,
            connection_errors=(openai.APIConnectionError,),
        )

    def _open(self, request: dict[str, Any], deadline: Deadline) -> Any:
        """Start the request, retrying what is worth retrying while the deadline allows.

        The retries are ours, not the SDK's (`max_retries=0`): the SDK honours a Retry-After
        of up to two minutes, which could outlive the job.
        """
        import openai

        for attempt in itertools.count():
            timeout = min(self._timeout, deadline.allow(ANSWER_S))
            if timeout <= 0:
                raise ModelError("no time left to ask the model")
            try:
                client = self._client.with_options(timeout=timeout, max_retries=0)
                # Events as the API's JSON, not the SDK's models: building the pydantic schemas
                # of the stream's event union costs a cold worker ~0.4 s before its first token.
                return client.post(
                    "/responses",
                    body=request,
                    cast_to=object,
                    stream=True,
                    stream_cls=openai.Stream[object],
                )
            except openai.OpenAIError as exc:
                wait = _retry_wait(exc, attempt)
                if (
                    wait is None
                    or attempt >= self._max_retries
                    or deadline.allow(ANSWER_S) < wait + MIN_ATTEMPT_S
                ):
                    raise ModelError(_describe(exc)) from exc
            self._sleep(wait)
        raise AssertionError("unreachable")  # itertools.count() never ends


def web_search_tool(model: str) -> dict[str, str] | None:
    """The Responses API web search tool `model` takes, by its name.

    `web_search` (the generally available tool) for the gpt-4o, gpt-4.1, gpt-5 and o3/o4
    families; gpt-4.1-nano has no web search; the `-chat` variants (gpt-5-chat-latest) and any
    other model get `web_search_preview`, the older tool that more models accept.
    """
    if model.startswith("gpt-4.1-nano"):
        return None
    if "-chat" not in model and model.startswith(("gpt-4o", "gpt-4.1", "gpt-5", "o3", "o4")):
        return {"type": "web_search"}
    return {"type": "web_search_preview"}


def _retry_wait(exc: Exception, attempt: int) -> float | None:
    """Seconds to wait before retrying, or None when retrying can't help (a 400, a 401...)."""
    import openai

    backoff = min(INITIAL_BACKOFF_S * 2**attempt, MAX_BACKOFF_S)
    if isinstance(exc, openai.APIConnectionError):  # includes timeouts
        return backoff
    if isinstance(exc, openai.APIStatusError) and (
        exc.status_code in (408, 409, 429) or exc.status_code >= 500
    ):
        try:
            retry_after = float(exc.response.headers.get("retry-after", ""))
        except ValueError:
            return backoff
        return retry_after if retry_after > 0 else backoff
    return None


def _describe(exc: Exception) -> str:
    """The error's kind and code, never its message (it may quote the person's input)."""
    code = getattr(exc, "code", None) or getattr(exc, "status_code", None)
    return f"{type(exc).__name__} ({code})" if code else type(exc).__name__
