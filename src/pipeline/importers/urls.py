"""Where Hugo served each page (its permalink), and site links, refs and bundle resources turned into the new site's links."""

from __future__ import annotations

import posixpath
import re
import unicodedata
from dataclasses import dataclass, field

from pipeline.importers.frontmatter import get, page_date
from pipeline.importers.hugoconfig import HugoConfig
from pipeline.importers.hugopages import Page

_LINK = re.compile(r"(\]\(\s*<?|^\s{0,3}\[[^\]\n]+\]:\s*<?)([^\s)>]+)", re.MULTILINE)
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})", re.MULTILINE)


def slugify(text: str) -> str:
    """Lowercase ASCII letters, digits and single hyphens (an article id), or '' when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def permalink(page: Page, config: HugoConfig) -> str:
    """The URL path Hugo served `page` at: its `url`, its section's permalink pattern, or its path (Hugo lowercases it)."""
    prefix = "" if page.lang == config.default_language and not config.default_in_subdir else f"/{page.lang}"
    own = get(page.front, "url")
    if isinstance(own, str) and own.strip():
        url = own.strip()
        return normalize(url if url.startswith(f"/{page.lang}/") or not prefix else prefix + "/" + url.lstrip("/"))
    folder, _, name = page.rel.rpartition("/")
    slug = get(page.front, "slug")
    leaf = str(slug).strip() if isinstance(slug, str | int) and str(slug).strip() else name
    section = page.rel.split("/", 1)[0] if "/" in page.rel else ""
    pattern = config.permalinks.get(section)
    if pattern:
        day = page_date(page) or "0000-00-00"
        title = get(page.front, "title")
        values = {
            ":year": day[:4],
            ":month": day[5:7],
            ":day": day[8:10],
            ":slug": leaf,
            ":title": slugify(str(title)) if isinstance(title, str) else leaf,
            ":filename": name,
            ":contentbasename": name,
            ":sections": folder,
            ":section": section,
        }
        path = re.sub(r":[a-z]+", lambda m: values.get(m[0], m[0]), pattern)
        return normalize(prefix + "/" + path.lstrip("/"))
    return normalize(f"{prefix}/{folder + '/' if folder else ''}{leaf}/")


def normalize(url: str) -> str:
    """A site path as an index key: leading slash, lowercase, a trailing slash unless it names a file."""
    raw = url.split("#", 1)[0].split("?", 1)[0].strip()
    segments = [part for part in raw.lower().split("/") if part and not part.startswith(".")]  # no '..', no hidden files
    path = "/" + "/".join(segments) + ("/" if raw.endswith("/") else "")
    path = path if path != "//" else "/"
    last = path.rsplit("/", 1)[-1]
    return path if path.endswith("/") or "." in last else path + "/"


@dataclass
class Index:
    """Every imported page by its Hugo URL and its paths, and each page's new file."""

    base_url: str
    source: str
    files: dict[tuple[str, str], str] = field(default_factory=dict)  # (group, lang) -> content/<lang>/<dirs>/<id>.md
    by_url: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # old URL -> (group, lang it named, or None)
    by_ref: dict[str, str] = field(default_factory=dict)  # a path refs may use -> group
    resources: dict[str, str] = field(default_factory=dict)  # a bundle's resource (path in the Hugo site) -> its URL now

    def add_page(self, group: str, page: Page, new_path: str, old_url: str, default: str, prefixed: bool) -> None:
        self.files[(group, page.lang)] = new_path
        self.by_url.setdefault(old_url, (group, page.lang if prefixed else None))
        for alias in _ref_forms(page.rel, page.bundle):
            self.by_ref.setdefault(alias, group)
        if page.lang == default:
            name = page.rel.rsplit("/", 1)[-1]
            self.by_ref.setdefault(f"base:{name}", group)

    def file_for(self, group: str, lang: str) -> str:
        """The group's file in `lang`: its translation's path, or where one would be (a link to it falls back to the source)."""
        if (group, lang) in self.files:
            return self.files[(group, lang)]
        source = self.files[(group, self.source)]
        return "/".join(["content", lang, *source.split("/")[2:]])

    def ref(self, page_path: str, lang: str, target: str, named_lang: str | None) -> str | None:
        path, _, anchor = target.partition("#")
        clean = path.strip().lstrip("./").strip("/").lower()
        for suffix in (".md", ".markdown", "/index", "/_index"):
            clean = clean.removesuffix(suffix)
        group = self.by_ref.get(clean) or (self.by_ref.get(f"base:{clean}") if "/" not in clean else None)
        if group is None:
            return "#" + anchor if not path.strip() and anchor else None
        return self._relative(page_path, self.file_for(group, named_lang or lang)) + (f"#{anchor}" if anchor else "")

    def site_link(self, page_path: str, lang: str, url: str) -> str | None:
        """A Hugo site link (`/docs/faq/`, `/he/docs/faq/#x`, or the base URL's) as a link to the article's file, or None."""
        target = url[len(self.base_url.rstrip("/")) :] if url.startswith(self.base_url.rstrip("/") + "/") else url
        if not target.startswith("/") or target.startswith("//"):
            return None
        anchor = target.partition("#")[2]
        found = self.by_url.get(normalize(target))
        if found is None:
            return None
        group, named = found
        return self._relative(page_path, self.file_for(group, named or lang)) + (f"#{anchor}" if anchor else "")

    @staticmethod
    def _relative(page_path: str, target: str) -> str:
        return posixpath.relpath(target, posixpath.dirname(page_path))


def _ref_forms(rel: str, bundle: bool) -> list[str]:
    lowered = rel.lower()
    return [lowered, lowered.split("/", 1)[1]] if "/" in lowered and bundle is False else [lowered]


def rewrite_links(body: str, page_path: str, lang: str, index: Index, resource: dict[str, str]) -> tuple[str, int]:
    """Markdown link and image targets that name a Hugo page or a bundle resource, pointed at the new site; outside code fences."""
    pieces = []
    count = 0
    for number, chunk in enumerate(_outside_fences(body)):
        if number % 2:
            pieces.append(chunk)
            continue

        def swap(match: re.Match[str]) -> str:
            nonlocal count
            target = match[2]
            new = resource.get(target) or index.site_link(page_path, lang, target)
            if new is None:
                return match[0]
            count += 1
            return match[1] + new

        pieces.append(_LINK.sub(swap, chunk))
    return "".join(pieces), count


def _outside_fences(body: str) -> list[str]:
    """The body cut into text, fenced code, text, … (even pieces are outside code fences)."""
    pieces: list[str] = []
    position, opened = 0, ""
    for match in _FENCE.finditer(body):
        mark = match[1]
        if not opened:
            pieces.append(body[position : match.start()])
            position, opened = match.start(), mark
        elif mark[0] == opened[0] and len(mark) >= len(opened):
            end = body.find("\n", match.end())
            end = len(body) if end < 0 else end + 1
            pieces.append(body[position:end])
            position, opened = end, ""
    pieces.append(body[position:])
    return pieces
