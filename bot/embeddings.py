"""Text embeddings straight through the openai SDK.

LangChain's OpenAIEmbeddings tokenises with tiktoken, which downloads its encoding files on first
use; a Lambda or an offline laptop can't. The raw SDK sends text and needs nothing local.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openai import OpenAI

# text-embedding-3 models accept 8,191 tokens; a token is at least one character, so this keeps
# any single text safely under the limit without a tokenizer.
MAX_CHARS_PER_TEXT = 8_000


class OpenAIEmbedder:
    """Callable the LangGraph store accepts as its `embed` function: one API call per batch."""

    def __init__(self, client: OpenAI, model: str, dims: int) -> None:
        self._client = client
        self._model = model
        self._dims = dims

    def __call__(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        # The API rejects empty strings; a single space embeds to a harmless neutral vector.
        inputs = [(text or " ")[:MAX_CHARS_PER_TEXT] for text in texts]
        extra = {"dimensions": self._dims} if self._model.startswith("text-embedding-3") else {}
        response = self._client.embeddings.create(model=self._model, input=inputs, **extra)
        ordered = sorted(response.data, key=lambda item: item.index)
        return [list(item.embedding) for item in ordered]
