"""Dates, times and reading time per locale from Babel/CLDR, never from the machine's locale."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time
from functools import lru_cache
from itertools import filterfalse

from babel.core import Locale, get_global
from babel.dates import format_date

WORDS_PER_MINUTE = 200
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=4096)
def long_date(day: date, lang: str) -> str:
    """The date as readers of `lang` write it: "12 במרץ 2024", "March 12, 2024" (many articles share a date)."""
    return format_date(day, "long", locale=lang)


def rfc3339(moment: date | datetime) -> str:
    """A machine date for feeds and sitemaps: a date is its midnight in UTC."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(0), tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def reading_minutes(text: str) -> int:
    """Minutes to read `text` at 200 words a minute, at least one."""
    return max(1, math.ceil(word_count(text) / WORDS_PER_MINUTE))


def word_count(text: str) -> int:
    """How many runs of word characters (\\w+) `text` has: a whitespace-separated token of letters and digits only is one."""
    tokens = text.split()  # whitespace is never a word character, so no run spans two tokens
    rest = list(filterfalse(str.isalnum, tokens))  # isalnum is exactly \w without "_"
    return len(tokens) - len(rest) + len(_WORD.findall(" ".join(rest)))


@lru_cache(maxsize=64)
def og_locale(lang: str) -> str:
    """The Open Graph form of a locale, language_TERRITORY from CLDR's likely subtags: he → he_IL, en → en_US."""
    likely = get_global("likely_subtags").get(lang, lang)
    parsed = Locale.parse(likely)
    return f"{parsed.language}_{parsed.territory}" if parsed.territory else parsed.language
