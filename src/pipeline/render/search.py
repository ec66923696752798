"""The search index of one locale: each published article's words, normalized exactly as the theme's search.js normalizes a query.

Normalizing (both sides): marks dropped (Hebrew niqqud and cantillation, Latin accents), lower case, Hebrew final
letters folded (ך→כ, ם→מ, ן→נ, ף→פ, ץ→צ), the quote of an acronym joined (צה"ל→צהל), English words lightly stemmed
(volunteers, volunteering → volunteer). Hebrew's one-letter prefixes (ו ה ב ל מ ש כ) are left on the indexed word:
search.js matches a query word against every indexed word that is the query, or a prefixed form of it, so "שלום"
finds "ושלום" and "בשלום", and "בשלום" finds "שלום".
"""

from __future__ import annotations

import bisect
import functools
import re
import sys
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from pipeline.content.articles import Article
from pipeline.content.sources import text_digest
from pipeline.render import marks
from pipeline.render.bidi import isolate_text
from pipeline.render.siteplan import Entry, PackedWords, SitePlan

VERSION = 1
FINALS = tuple(zip("ךםןףץ", "כמנפצ"))
SUMMARY_CHARS = 240
WEIGHTS = {"title": 8, "heading": 4, "summary": 2, "body": 1}
# A quote between two Hebrew letters; the quote comes first so the search skips to the next quote character.
_ACRONYM = re.compile(r"[\"'\u05f3\u05f4](?<=[\u05d0-\u05ea].)(?=[\u05d0-\u05ea])")
_WORD = re.compile(r"[^\W_]+")
_SEPARATORS = re.compile("[\u05be\u05c0\u05c3\u05c6]")  # maqaf, paseq, sof pasuq, nun hafukha: between words
_LATIN = re.compile(r"[a-z]+")
_MARKDOWN_NOISE = re.compile(r"\]\([^()\s]*\)|<[^<>\n]*>|https?://\S+")  # link targets, tags and bare URLs are not words
_HEADING = re.compile(r"^#{1,6}[ \t]+([^\n]*)", re.MULTILINE)  # linear: the closing #s are stripped after
Weights = tuple[tuple[str, ...], tuple[int, ...]]  # an article's words and, in the same order, their weights
Postings = tuple[list[str], list[list[int]]]  # the index's words, sorted, and for each its documents' numbers and weights, in turn


def normalize(text: str) -> list[str]:
    """The words of `text` as the index knows them."""
    return list(map(stem, _WORD.findall(_folded(text))))


def counts(text: str) -> Counter[str]:
    """How often each word of `text` occurs, as the index knows them (each distinct token stemmed once)."""
    found: Counter[str] = Counter()
    _add(found, text, 1)
    return found


def _add(found: dict[str, int], text: str, weight: int) -> None:
    """Add each word of `text` to `found`, `weight` times for each time it occurs (first occurrences first)."""
    for token, times in Counter(_folded(text).split()).items():  # whitespace is never in a word: no word spans two tokens
        if token.isalnum():  # isalnum is exactly [^\W_]: the token is one word
            word = stem(token)
            found[word] = found.get(word, 0) + times * weight
        else:
            for part in _WORD.findall(token):
                word = stem(part)
                found[word] = found.get(word, 0) + times * weight


def _folded(text: str) -> str:
    """`text` with marks dropped, in lower case, final letters and acronym quotes folded: ready to be split into words."""
    if not text.isascii():
        if not unicodedata.is_normalized("NFD", text):  # most Hebrew is, unless pointed; é and presentation forms are not
            text = unicodedata.normalize("NFD", text)
        text = _marks().sub("", _SEPARATORS.sub(" ", text))
    text = _ACRONYM.sub("", text.lower())
    for final, plain in FINALS:
        if final in text:
            text = text.replace(final, plain)
    return text


@functools.cache
def _marks() -> re.Pattern[str]:
    """Combining marks (niqqud, cantillation, accents), as one character class of ranges (str.translate is slow on Hebrew)."""
    return marks.pattern()


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A light English stemmer (the same rules as search.js): plurals, -ing and -ed; other words as they are."""
    if len(word) < 4 or not _LATIN.fullmatch(word):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("ing") and len(word) > 5:
        return word[:-3]
    if word.endswith("ed") and len(word) > 4:
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def index_document(site: SitePlan, lang: str, counted: Sequence[Weights] | None = None) -> dict[str, Any]:
    """The locale's index: its documents, its words (sorted) and, for each word, the documents with their weights.

    `counted` has each article's weights (`weights`), in the order of the locale's entries; without it they are counted here.
    """
    return document(site, lang, postings_of(counted if counted is not None else [weights(e) for e in site.entries[lang]]))


def document(site: SitePlan, lang: str, posted: Postings) -> dict[str, Any]:
    """The locale's index from its words and postings (`postings_of`, `reposted`), its documents made from the plan."""
    docs = [_doc(site, entry, lang) for entry in site.entries[lang]]
    return {"version": VERSION, "lang": lang, "docs": docs, "terms": posted[0], "postings": posted[1]}


def postings_of(counted: Sequence[Weights]) -> Postings:
    """The words (sorted) of documents with these weights, in document order, and for each word its documents' numbers and weights."""
    postings: dict[str, list[int]] = {}
    for number, (words, amounts) in enumerate(counted):
        for word, weight in zip(words, amounts):
            postings.setdefault(word, []).extend((number, weight))  # numbers rise: each list is in document order
    terms = sorted(postings)
    return terms, [postings[term] for term in terms]


def reposted(posted: Postings, changes: Iterable[tuple[int, Weights, Weights]]) -> Postings:
    """What `postings_of` gives once the documents numbered in `changes` (number, old weights, new weights) have their new
    weights, worked out from `posted` (left as it is) in time proportional to the changed documents' words.

    Raises ValueError when a document's old word is not where `posted` should have it (it was not made from those weights)."""
    terms, postings = list(posted[0]), list(posted[1])
    copied: set[str] = set()  # words whose list is this call's own copy

    def own(at: int) -> list[int]:
        if terms[at] not in copied:
            postings[at] = list(postings[at])
            copied.add(terms[at])
        return postings[at]

    for number, old, new in changes:
        for word in old[0]:
            at = bisect.bisect_left(terms, word)
            if at == len(terms) or terms[at] != word:
                raise ValueError(f"{word!r} is not among the words")
            listed = own(at)
            place = _place(listed, number)
            if place == len(listed) or listed[place] != number:
                raise ValueError(f"document {number} is not among {word!r}'s")
            del listed[place : place + 2]
            if not listed:
                del terms[at], postings[at]
        for word, weight in zip(*new):
            at = bisect.bisect_left(terms, word)
            if at == len(terms) or terms[at] != word:
                terms.insert(at, word)
                postings.insert(at, [number, weight])
                copied.add(word)
            else:
                listed = own(at)
                place = _place(listed, number)
                listed[place:place] = (number, weight)
    return terms, postings


def _place(listed: list[int], number: int) -> int:
    """Where in a posting list (numbers and weights, numbers rising) document `number` is, or would go."""
    return 2 * bisect.bisect_left(range(len(listed) // 2), number, key=lambda pair: listed[2 * pair])


def weights(entry: Entry) -> Weights:
    """The words of an entry's article, each with its weight in the index (its count in each part times the part's
    weight): as counted when its body was prepared (`packed`), else counted now from its text."""
    return unpacked(entry.words) if entry.words is not None else article_weights(entry.article)


def article_weights(article: Article) -> Weights:
    """`weights` of an article, counted from its text."""
    found: dict[str, int] = {}
    for part, weight in _parts(article):
        _add(found, part, weight)
    return tuple(found), tuple(found.values())


def packed(article: Article) -> PackedWords:
    """An article's weights (`article_weights`) in two objects: its words joined by spaces (no word holds one) and their
    weights as an array's bytes. A build counts them while it prepares the bodies (in its workers), so that its source
    texts can be let go before the outputs are made; packed, they take a fraction of the text's bytes."""
    words, amounts = article_weights(article)
    return " ".join(words), array("I", amounts).tobytes()


def unpacked(words: PackedWords) -> Weights:
    """The weights `packed` packed, each word one object for the whole process (as the index holds them)."""
    text, amounts = words
    return (tuple(map(sys.intern, text.split(" "))) if text else ()), tuple(array("I", amounts))


def weights_key(entry: Entry) -> str:
    """What an article's weights are made from (its title, summary and body), as a digest: equal keys, equal weights."""
    article = entry.article
    return text_digest(f"{article.title}\0{article.summary or ''}\0{article.body}")


def encode(document: dict[str, Any]) -> bytes:
    """The index as compact JSON, UTF-8 as is (orjson: the bytes of `json.dumps(separators=(",", ":"), ensure_ascii=False)`)."""
    return orjson.dumps(document)


def _doc(site: SitePlan, entry: Entry, lang: str) -> dict[str, str]:
    """A result as search.js shows it: its title and summary as text, runs of the other direction in Unicode isolates (the
    text goes into an element whose direction is its own, `dir="auto"`, so `.NET 8` or `C#` read as on the article's page)."""
    article = entry.article
    summary = (article.summary or "").strip()
    if len(summary) > SUMMARY_CHARS:
        summary = summary[: SUMMARY_CHARS - 1].rstrip() + "…"
    direction = site.config.locales[article.lang].direction
    doc = {"u": site.link(entry.url), "t": isolate_text(article.title, direction), "s": isolate_text(summary, direction)}
    if article.lang != lang:
        doc["l"] = article.lang  # a fallback: shown in its own language
    return doc


def _parts(article: Article) -> list[tuple[str, int]]:
    """The texts of an article with the weight a word found in each carries."""
    body = _MARKDOWN_NOISE.sub(" ", article.body)
    parts = [(article.title, WEIGHTS["title"]), (article.summary or "", WEIGHTS["summary"])]
    parts += [(heading.rstrip(" \t#"), WEIGHTS["heading"]) for heading in _HEADING.findall(body)]
    parts.append((body, WEIGHTS["body"]))
    return parts
