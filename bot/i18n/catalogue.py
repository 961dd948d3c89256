"""Picking the catalogue for a Slack locale, and formatting a message from it.

A catalogue is a module of this package named by its language code with one `MESSAGES` dict;
adding a language is adding that one file (copy en.py to xx.py and translate the values). Keys
missing from it fall back to English, so a partial translation still reads, never breaks. A
translation may name in `SAME_AS_ENGLISH` the keys it means to leave as in English; the tests
flag any other value equal to the English one as untranslated.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import Any

DEFAULT_LANGUAGE = "en"
_LANGUAGE = re.compile(r"[a-z]{2}")


def language_of(locale: str | None) -> str:
    """`ja-JP` -> `ja`; anything without a catalogue -> English."""
    code = (locale or "").split("-")[0].split("_")[0].lower()
    if not _LANGUAGE.fullmatch(code) or not _messages(code):
        return DEFAULT_LANGUAGE
    return code


@cache
def _messages(code: str) -> MappingProxyType[str, str]:
    try:
        module = importlib.import_module(f"{__package__}.{code}")
    except ModuleNotFoundError:
        return MappingProxyType({})
    return MappingProxyType(getattr(module, "MESSAGES", {}))


@dataclass(frozen=True)
class Translator:
    """`t("interests.empty")` in one language; `t.locale` is what Slack said the person uses."""

    locale: str = DEFAULT_LANGUAGE
    language: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "language", language_of(self.locale))

    def __call__(self, key: str, /, **values: Any) -> str:
        text = _messages(self.language).get(key) or _messages(DEFAULT_LANGUAGE)[key]
        return text.format(**values) if values else text

    def plural(self, key: str, count: int, /, **values: Any) -> str:
        """`key.one` when `count` is 1, else `key.other`, with `{count}` filled in. Languages
        without plurals (Japanese) say the same in both."""
        return self(f"{key}.{'one' if count == 1 else 'other'}", count=count, **values)

    def quoted(self, text: str) -> str:
        """A name in the language's quotation marks: “Rust”, 「Rust」."""
        return self("list.quoted", text=text)

    def listing(self, items: Sequence[str]) -> str:
        """Names one after another: `a, b` in English, `a、b` in Japanese."""
        return self("list.separator").join(items)


ENGLISH = Translator()


def translator(locale: str | None) -> Translator:
    return Translator(locale or DEFAULT_LANGUAGE)
