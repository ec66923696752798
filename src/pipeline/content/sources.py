"""Find content/<lang>/**/*.md under a site root, decode each to a SourceFile, and the digest a text is known by."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipeline import sitepaths
from pipeline.config.site import SiteConfig
from pipeline.diagnostics import Diagnostic

CONTENT_DIR = "content"


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One article file: where it is, whose language, its id, and its text (LF, no BOM)."""

    path: str  # relative to the site root, with '/'
    lang: str
    id: str
    text: str | None  # None when the bytes could not be decoded


def discover(config: SiteConfig) -> tuple[list[SourceFile], list[Diagnostic]]:
    """Every Markdown file of every configured locale, sorted by path, and what was wrong reading them."""
    files: list[SourceFile] = []
    problems: list[Diagnostic] = []
    for rel, refused in sitepaths.walk(config.root, CONTENT_DIR):
        if refused:
            problems.append(Diagnostic.make("path-unsafe", rel, 1, 1, refused))
            continue
        if not rel.endswith(".md"):
            continue
        path = PurePosixPath(rel)
        parts = path.parts[1:]
        if len(parts) < 2 or parts[0] not in config.locales:
            known = ", ".join(f"{CONTENT_DIR}/{code}/" for code in config.locales)
            problems.append(
                Diagnostic.make("locale-unknown", rel, 1, 1, f"not inside a locale folder of this site ({known}); it is ignored")
            )
            continue
        text, problem = _read(config.root, rel, config.max_file_bytes)
        if problem:
            problems.append(problem)
        files.append(SourceFile(rel, parts[0], unicodedata.normalize("NFC", path.stem), text))
    return files, problems


def counterpart(path: str, lang: str) -> str:
    """Where the `lang` version of the article at `path` belongs: the same sub-folder under content/<lang>/."""
    parts = path.split("/")
    return "/".join([parts[0], lang, *parts[2:]])


def _read(root: Path, rel: str, limit: int) -> tuple[str | None, Diagnostic | None]:
    try:
        data = sitepaths.read_bytes(root, rel, limit)
    except sitepaths.TooLarge as exc:
        return None, Diagnostic.make(
            "file-unreadable", rel, 1, 1, f"file is {exc.size:,} bytes, over the site's limit of {limit:,} (limits.max_file_bytes)"
        )
    except sitepaths.UnsafePath as exc:
        return None, Diagnostic.make("path-unsafe", rel, 1, 1, exc.reason)
    except OSError as exc:
        return None, Diagnostic.make("file-unreadable", rel, 1, 1, f"cannot read the file: {exc.strerror}")
    return decode(data, rel)


def decode(data: bytes, rel: str) -> tuple[str | None, Diagnostic | None]:
    """UTF-8 bytes to text with a BOM dropped and CRLF as LF; a located diagnostic otherwise."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, Diagnostic.make("encoding-invalid", rel, 1, 1, "file is UTF-16; save it as UTF-8")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode("utf-8", "replace")) + 1
        byte = data[exc.start]
        return None, Diagnostic.make(
            "encoding-invalid", rel, line, column, f"invalid UTF-8 byte 0x{byte:02X} at byte offset {exc.start}; save the file as UTF-8"
        )
    return text.replace("\r\n", "\n"), None


def text_digest(text: str) -> str:
    """What a text (a source file, a body, a page's data) is known by in the cache."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()
