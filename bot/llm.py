"""Model calls: the reply through the Responses API, and the chat model LangMem extracts with."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from openai import OpenAI

    from bot.settings import Settings

MAX_OUTPUT_TOKENS = 2_000


class ModelError(Exception):
    """The model could not answer (after the SDK's own retries)."""


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
    """Streams one answer from the Responses API."""

    def __init__(self, client: OpenAI, model: str) -> None:
        self._client = client
        self._model = model

    def stream(self, instructions: str, input_items: list[dict[str, str]]) -> Iterator[str]:
        """Yield the answer's text as it arrives. Raises ModelError if the model fails."""
        import openai

        try:
            events = self._client.responses.create(
                model=self._model,
                instructions=instructions,
                input=input_items,
                max_output_tokens=MAX_OUTPUT_TOKENS,
                stream=True,
            )
            with events:
                for event in events:
                    if event.type == "response.output_text.delta":
                        yield event.delta
                    elif event.type in ("response.failed", "error"):
                        raise ModelError(f"model stream ended with {event.type}")
        except openai.OpenAIError as exc:
            raise ModelError(type(exc).__name__) from exc
