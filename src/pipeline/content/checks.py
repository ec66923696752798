"""Checks of one article against the site: its tags, links, images, raw HTML and URLs."""

from __future__ import annotations

import difflib
import html
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from pipeline.config.site import SiteConfig
from pipeline.config.yamldoc import YamlDoc
from pipeline.content.aliases import alias_key
from pipeline.content.markdown import Body, Ref, render_trusted
from pipeline.diagnostics import Diagnostic

UNSAFE_SCHEMES = frozenset({"javascript", "vbscript", "data", "file"})
_TAG_IN_BLOCK = re.compile(r"<[A-Za-z][^>]*>?")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]")
_UNSAFE_HTML = re.compile(
    # possessive quantifiers (`*+`): no backtracking between the runs of white space, so an attribute padded with
    # 60,000 spaces is scanned once (it took 93 s with `\s*=\s*["']?\s*`)
    r"<(script|iframe|object|embed|frame|base|form|meta|link)\b|\son[a-z]++\s*+=|\s(href|src|action|formaction|xlink:href)\s*+=\s*+[\"']?\s*+(javascript|vbscript|data):",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class SiteIndex:
    """The files a link may point at, relative to the root: content files and static files."""

    content: frozenset[str]
    articles: frozenset[str]  # "<lang>/<id>" of every article file
    static: frozenset[str]  # relative to static/
    locales: tuple[str, ...]
    source_locale: str
    aliases: frozenset[str] = frozenset()  # the articles' old URL paths (alias_key), each a page of the site


def check_body(path: str, lang: str, body: Body, index: SiteIndex, config: SiteConfig) -> list[Diagnostic]:
    """Every problem with the links, images and raw HTML of one body."""
    found: list[Diagnostic] = []
    for ref in body.refs:
        if ref.kind == "html":
            found += _check_html(path, ref, config.allow_raw_html)
        else:
            found += _check_target(path, lang, ref, index)
    return found


def check_trusted(path: str, markdown: str, first_line: int) -> list[Diagnostic]:
    """Where raw HTML is allowed: what the page would really contain, parsed as a browser would, must run nothing."""
    found = []
    lines = markdown.lower().split("\n")
    at = (0, 0)  # parts come in source order: each is searched for from where the last was found, so the search is linear
    for part in executable_parts(render_trusted(markdown)):
        place = find_from(lines, part, at) or find_from(lines, part, (0, 0)) or (0, -1)
        at = (place[0], place[1] + 1)
        found.append(
            Diagnostic.make("html-unsafe", path, first_line + place[0], place[1] + 1, f"raw HTML with {part} can run code; remove it")
        )
    return found


def find_from(lines: list[str], part: str, start: tuple[int, int]) -> tuple[int, int] | None:
    number, column = start
    while number < len(lines):
        column = lines[number].find(part, column)
        if column >= 0:
            return number, column
        number, column = number + 1, 0
    return None


def executable_parts(markup: str) -> list[str]:
    """Script-like elements, event handlers and script URLs in `markup`, as a browser's HTML5 parser sees them.

    Lexbor (selectolax) parses in linear time whatever it is given; Python's html.parser took quadratic time on
    unclosed tags in an HTML block, and raised AssertionError on `<![<![`."""
    from selectolax.lexbor import LexborHTMLParser  # ~6 ms to import, and most builds after an edit meet no raw HTML

    parts = []
    for node in LexborHTMLParser(markup).root.traverse():  # type: ignore[union-attr]
        tag = node.tag or ""
        if _UNSAFE_HTML.match(f"<{tag}>") or tag in _RAW_TEXT_TRAPS:
            parts.append(f"<{tag}")
        for name, value in node.attributes.items():
            url = _INVISIBLE.sub("", value or "").lower()
            if name.startswith("on"):
                parts.append(f"{name}=")
            elif (
                name in ("href", "src", "action", "formaction", "xlink:href") and _SCHEME.match(url) and url.split(":")[0] in UNSAFE_SCHEMES
            ):
                parts.append(name.split(":")[-1])
    return parts


# Parsed differently with scripting on (browsers) and off (this parser): markup hidden in them may run; never allowed.
_RAW_TEXT_TRAPS = frozenset({"noscript", "noembed", "noframes", "xmp", "plaintext"})


def check_front_matter(path: str, lang: str, front: YamlDoc, index: SiteIndex, config: SiteConfig) -> list[Diagnostic]:
    """Tags that site.yaml does not declare; a cover image that is missing or unsafe.

    Runs on the loaded front matter even when it broke the schema, so these are reported too.
    """
    data = front.data if isinstance(front.data, dict) else {}
    found = []
    tags = data.get("tags")
    for position, tag in enumerate(tags if isinstance(tags, list) else []):
        if isinstance(tag, str) and tag not in config.tags:
            line, col = front.where_value(("tags", position))
            hint = _tag_named(tag, config) or _did_you_mean(tag, config.tags) or f"declared: {', '.join(sorted(config.tags)) or 'none yet'}"
            found.append(Diagnostic.make("tag-unknown", path, line, col, f"tag '{tag}' is not declared under `tags:` in site.yaml; {hint}"))
    image = data.get("image")
    if isinstance(image, dict) and isinstance(image.get("src"), str):
        line, col = front.where_value(("image", "src"))
        found += _check_target(path, lang, Ref("image", image["src"], "", line, col), index, check_alt=False)
    return found


def _tag_named(tag: str, config: SiteConfig) -> str:
    """What to write for a tag given by its display name (`התנדבות`, `Mental health`): its id, or ''."""
    wanted = tag.strip().casefold()
    for tag_id, names in config.tags.items():
        for code, name in names.items():
            if name.strip().casefold() == wanted:
                language = config.locales[code].english_name if code in config.locales else code
                return (
                    f"'{tag}' is the {language} name of the tag '{tag_id}': write {tag_id} (pages show a tag by its name in their language)"
                )
    return ""


def _check_html(path: str, ref: Ref, allowed: bool) -> list[Diagnostic]:
    if ref.target.startswith("</"):
        return []
    tag = ref.target if len(ref.target) <= 60 else ref.target[:57] + "...>"
    if _UNSAFE_HTML.search(ref.target) or any(_UNSAFE_HTML.search(tag) for tag in _TAG_IN_BLOCK.findall(ref.text)):
        return [Diagnostic.make("html-unsafe", path, ref.line, ref.column, f"raw HTML {tag} can run code; remove it")]
    if allowed:
        return []
    return [
        Diagnostic.make(
            "html-raw",
            path,
            ref.line,
            ref.column,
            f"raw HTML {tag} will be shown as text; use Markdown, or set markdown.allow_raw_html in site.yaml",
        )
    ]


def _check_target(path: str, lang: str, ref: Ref, index: SiteIndex, check_alt: bool = True) -> list[Diagnostic]:
    what = "image" if ref.kind == "image" else "link"
    target = _INVISIBLE.sub("", html.unescape(ref.target))
    scheme = _SCHEME.match(target)
    found = []
    if scheme and scheme.group(1).lower() in UNSAFE_SCHEMES:
        found.append(
            Diagnostic.make("url-unsafe", path, ref.line, ref.column, f"{what} to a {scheme.group(1).lower()}: URL is not allowed")
        )
    elif not scheme and not target.startswith(("//", "#", "?")) and target:
        problem = _resolve(path, lang, target, index)
        if problem:
            code = "image-missing" if ref.kind == "image" else "link-broken"
            found.append(Diagnostic.make(code, path, ref.line, ref.column, f"{what} target '{ref.target}' {problem}"))
    if ref.kind == "image" and check_alt and not ref.alt.strip():
        found.append(Diagnostic.make("image-alt-missing", path, ref.line, ref.column, "image has no alt text; describe what it shows"))
    return found


def _resolve(path: str, lang: str, target: str, index: SiteIndex) -> str | None:
    """Why an internal target does not resolve, or None when it does."""
    target_path = unquote(re.split(r"[#?]", target, maxsplit=1)[0])
    if not target_path:
        return None
    if target_path.startswith("/"):
        return _resolve_site_path(target_path, index)
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), target_path))
    if joined.startswith("../") or joined == "..":
        return "points outside the site"
    if joined.endswith((".md", ".markdown")):
        return _resolve_article(joined, lang, index)
    if joined in index.content or joined.startswith("static/") and joined[len("static/") :] in index.static:
        return None
    return "does not exist"


def _resolve_article(joined: str, lang: str, index: SiteIndex) -> str | None:
    if joined in index.content:
        return None
    parts = joined.split("/")
    if len(parts) >= 3 and parts[0] == "content" and parts[1] == lang and lang != index.source_locale:
        source = "/".join(["content", index.source_locale, *parts[2:]])
        if source in index.content:
            return None  # not translated yet: readers get the policy's fallback for it
    folder = posixpath.dirname(joined) + "/"
    siblings = [posixpath.basename(c) for c in index.content if c.startswith(folder)]
    hint = _did_you_mean(posixpath.basename(joined), siblings)
    return f"is not an article ({joined} does not exist)" + (f"; {hint}" if hint else "")


def _did_you_mean(word: str, options: Iterable[str]) -> str:
    guess = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"did you mean '{guess[0]}'?" if guess else ""


def _resolve_site_path(target_path: str, index: SiteIndex) -> str | None:
    """A site-absolute path: a static file, or a page the site builds (/<lang>/, /<lang>/<id>/)."""
    rel = posixpath.normpath(target_path).lstrip("/")
    if rel in index.static or rel in ("", ".") or alias_key(target_path) in index.aliases:
        return None
    parts = rel.split("/")
    if parts[0] in index.locales:
        if len(parts) == 1 or parts[1] == "tags":
            return None
        if len(parts) == 2 and f"{parts[0]}/{parts[1]}" in index.articles:
            return None
    return "is neither a file under static/ nor a page of the site"


def linked_page(path: str, lang: str, target: str, index: SiteIndex) -> tuple[str, str] | None:
    """The article page, as (locale, id), a link from the file at `path` leads to: its own for `#x`, the article of a
    `.md` file or a `/<lang>/<id>/` path; None for anything else (other pages, files, URLs)."""
    target_path = unquote(target.partition("#")[0].partition("?")[0])
    if not target_path:
        return lang, posixpath.basename(path)[:-3]
    if _SCHEME.match(target_path) or target_path.startswith("//"):
        return None
    if target_path.startswith("/"):
        parts = posixpath.normpath(target_path).strip("/").split("/")
        return (parts[0], parts[1]) if len(parts) == 2 and parts[0] in index.locales else None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), target_path))
    parts = joined.split("/")
    if len(parts) >= 3 and parts[0] == "content" and parts[1] in index.locales and joined.endswith(".md"):
        return parts[1], parts[-1][:-3]
    return None


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """`did you mean 'x'?` for the closest of `options`, or ''."""
    return _did_you_mean(word, options)
