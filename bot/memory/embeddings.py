"""Text embeddings straight through the openai SDK.

LangChain's OpenAIEmbeddings tokenises with tiktoken, which downloads its encoding files on first
use; a Lambda or an offline laptop can't. The raw SDK sends text and needs nothing local.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.db.vectors import Vector

if TYPE_CHECKING:
    from openai import OpenAI

# text-embedding-3 models accept 8,191 tokens; a token is at least one character, so this keeps
# any single text safely under the limit without a tokenizer.
MAX_CHARS_PER_TEXT = 8_000


# LangMem searches with the same query text twice per extraction (langmem 0.0.30); remembering
# the last few vectors saves that API call without holding more than a few KB per text.
CACHE_SIZE = 64


class OpenAIEmbedder:
    """Callable the LangGraph store accepts as its `embed` function: one API call per batch."""

    def __init__(self, client: OpenAI, model: str, dims: int) -> None:
        self._client = client
        self._model = model
        self._dims = dims
        self._cache: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, texts: Sequence[str]) -> list[list[float]]:
        # The API rejects empty strings; a single space embeds to a harmless neutral vector.
        inputs = [(text or " ")[:MAX_CHARS_PER_TEXT] for text in texts]
        with self._lock:
            known = {text: self._cache[text] for text in inputs if text in self._cache}
        missing = [text for text in dict.fromkeys(inputs) if text not in known]
        if missing:
            fresh = dict(zip(missing, self._embed(missing), strict=True))
            known.update(fresh)
            with self._lock:
                self._cache.update(fresh)
                for text in fresh:
                    self._cache.move_to_end(text)
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        return [known[text] for text in inputs]

    def _embed(self, inputs: list[str]) -> list[list[float]]:
        extra = {"dimensions": self._dims} if self._model.startswith("text-embedding-3") else {}
        response = self._client.embeddings.create(model=self._model, input=inputs, **extra)
        ordered = sorted(response.data, key=lambda item: item.index)
        return [Vector(item.embedding) for item in ordered]
