"""Find content/<lang>/**/*.md under a site root, decode each to a SourceFile, and the digest a text is known by."""

from __future__ import annotations

import codecs
import hashlib
import os
import stat
import time
import unicodedata
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from pipeline import sitepaths
from pipeline.config.site import SiteConfig
from pipeline.diagnostics import Diagnostic
from pipeline.errors import PipelineError

CONTENT_DIR = "content"
MARKDOWN = (".md", ".markdown")  # what an article file is named
RACY_NS = 1_000_000_000  # a file modified this recently is read again next time: its time stamp may not show a second edit
Stamp = tuple[int, ...]  # a file's inode, device, size, modification and change times, mode, and the size limit it was read under


class SourceFile:
    """One article file: where it is, whose language, its id, and its text (LF, no BOM); read-only.

    One recalled from the build cache (`unread`) reads its text the first time it is asked for, from the file as it
    was when it was recalled (the same stat, else `Changed`): a build after one edit reads few of the unchanged files.
    """

    __slots__ = ("_text", "_unread", "id", "lang", "path")
    path: str  # relative to the site root, with '/'
    lang: str
    id: str
    _text: str | None  # None when the bytes could not be decoded
    _unread: tuple[Path, Stamp] | None  # the site root and the stat the file must still have, until its text is read

    def __init__(self, path: str, lang: str, id: str, text: str | None) -> None:
        set_ = object.__setattr__  # its attributes are read often (plain slots), and set only here
        set_(self, "path", path)
        set_(self, "lang", lang)
        set_(self, "id", id)
        set_(self, "_text", text)
        set_(self, "_unread", None)

    @classmethod
    def unread(cls, path: str, lang: str, article_id: str, root: Path, stamp: Stamp) -> SourceFile:
        """A file whose text discover read before, under `root`, when it had `stamp`."""
        file = cls(path, lang, article_id, None)
        object.__setattr__(file, "_unread", (root, stamp))
        return file

    @property
    def text(self) -> str | None:
        """The text; None when the bytes could not be decoded."""
        if self._unread is not None:
            object.__setattr__(self, "_text", _read_again(self.path, *self._unread))
            object.__setattr__(self, "_unread", None)
        return self._text

    def forget(self, root: Path, stamp: Stamp) -> None:
        """Let the text go, to be read again from the file under `root` if it is asked for (the file must still have
        `stamp`, the stat it had when it was read, else `Changed`). A build lets every text go before it makes its
        outputs, which need none of them (a forked worker would otherwise copy what it touches of them)."""
        if self._unread is None and self._text is not None:
            object.__setattr__(self, "_text", None)
            object.__setattr__(self, "_unread", (root, stamp))

    @property
    def readable(self) -> bool:
        """Whether the file has a text (without reading one not read yet)."""
        return self._unread is not None or self._text is not None

    def _fields(self) -> tuple[str, str, str, str | None]:
        return (self.path, self.lang, self.id, self.text)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"SourceFile is read-only: cannot set {name}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SourceFile) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return "SourceFile(path={!r}, lang={!r}, id={!r}, text={!r})".format(*self._fields())


class Changed(PipelineError):
    """A file the build had recalled unchanged was changed (or removed) before its text was read: the build is given up."""


def _read_again(rel: str, root: Path, stamp: Stamp) -> str:
    """The text of a file that has `stamp` before and after it is read; Changed otherwise."""
    text: str | None = None
    if _stamp(f"{root}/{rel}", stamp[6]) == stamp:
        try:
            text = decode(sitepaths.read_bytes(root, rel, stamp[6]), rel)[0]
        except (OSError, sitepaths.UnsafePath, sitepaths.TooLarge):
            text = None
    if text is None or _stamp(f"{root}/{rel}", stamp[6]) != stamp:
        raise Changed(f"{rel} changed while it was being read; run the command again")
    return text


Seen = Mapping[str, tuple[Stamp, SourceFile, Diagnostic | None, str]]  # path -> (stat, the file, why it has no text, its digest)


def discover(config: SiteConfig, seen: Seen | None = None) -> tuple[list[SourceFile], list[Diagnostic], dict[str, str], Seen]:
    """Every Markdown file of every configured locale, sorted by path; what was wrong reading them; each text's digest; what was seen.

    A file a discover `seen` in this process read is not read nor hashed again while its stat (inode, size,
    modification and change times) and the size limit are the same, unless it was modified within a second of
    that read (`serve` discovers the site after every edit); `walk` refuses links as before. A digest is "" for no text.
    """
    files: list[SourceFile] = []
    problems: list[Diagnostic] = []
    digests: dict[str, str] = {}
    last = seen or {}
    racy = time.time_ns() - RACY_NS
    kept: dict[str, tuple[Stamp, SourceFile, Diagnostic | None, str]] = {}
    base = str(config.root)
    folders: dict[str, str | None] = {}  # each folder's real path, checked once for all its files
    for rel, refused in sitepaths.walk(config.root, CONTENT_DIR):
        if refused:
            problems.append(Diagnostic.make("path-unsafe", rel, 1, 1, refused))
            continue
        parts = rel.split("/")[1:]
        name = parts[-1]
        if not rel.endswith(MARKDOWN):
            if not name.startswith("."):
                problems.append(Diagnostic.make("content-ignored", rel, 1, 1, _ignored(PurePosixPath(rel))))
            continue
        if len(parts) < 2 or parts[0] not in config.locales:
            known = ", ".join(f"{CONTENT_DIR}/{code}/" for code in config.locales)
            problems.append(
                Diagnostic.make("locale-unknown", rel, 1, 1, f"not inside a locale folder of this site ({known}); it is ignored")
            )
            continue
        stamp = _stamp(f"{base}/{rel}", config.max_file_bytes)
        before = last.get(rel)
        if before is not None and stamp is not None and before[0] == stamp:
            _, file, problem, digest = before
        else:
            text, problem, digest = _read(config.root, rel, config.max_file_bytes, folders)
            file = SourceFile(rel, parts[0], unicodedata.normalize("NFC", _stem(name)), text)
        if stamp is not None and stat.S_ISREG(stamp[5]) and max(stamp[3], stamp[4]) < racy:
            # a file changed just now may change again within the same tick; a link's own stat does not show its target's edits
            kept[rel] = (stamp, file, problem, digest)
        if problem:
            problems.append(problem)
        digests[rel] = digest
        files.append(file)
    return files, problems, digests, kept


def forget_texts(seen: Seen, root: Path) -> None:
    """Let the text of every file discover saw, and kept, go (SourceFile.forget): read again if it is asked for."""
    for stamp, file, problem, _ in seen.values():
        if problem is None:
            file.forget(root, stamp)


def seen_to_plain(seen: Seen) -> dict[str, tuple[Stamp, str, str, str]]:
    """What discover saw of the files it could read, as builtins: path -> (stat, language, id, digest); the texts
    stay in the files (seen_from_plain's read them when they are needed)."""
    return {
        path: (stamp, file.lang, file.id, digest)
        for path, (stamp, file, problem, digest) in seen.items()
        if problem is None and file.readable
    }


def seen_from_plain(plain: Mapping[str, object], root: Path) -> Seen:
    """The `Seen` that `seen_to_plain` gave, of the site at `root`; an entry of any other shape is left out (that file is read again)."""
    seen = {}
    for path, entry in plain.items():
        if isinstance(entry, tuple) and len(entry) == 4 and _is_stamp(entry[0]) and all(isinstance(part, str) for part in entry[1:]):
            stamp, lang, article_id, digest = entry
            seen[path] = (stamp, SourceFile.unread(path, lang, article_id, root, stamp), None, digest)
    return seen


def _is_stamp(value: object) -> bool:
    return isinstance(value, tuple) and len(value) == 7 and all(type(part) is int for part in value)


def _stamp(path: str, limit: int) -> Stamp | None:
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_mode, limit


def _stem(name: str) -> str:
    """The name without its suffix, as PurePosixPath.stem has it (a leading dot starts no suffix)."""
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


def _ignored(path: PurePosixPath) -> str:
    kind = f"a {path.suffix} file" if path.suffix else "a file without an extension"
    return (
        f"{kind} under content/ is not read (articles are .md or .markdown); convert it to Markdown, or move a file to publish to static/"
    )


def counterpart(path: str, lang: str) -> str:
    """Where the `lang` version of the article at `path` belongs: the same sub-folder under content/<lang>/."""
    parts = path.split("/")
    return "/".join([parts[0], lang, *parts[2:]])


def _read(root: Path, rel: str, limit: int, folders: dict[str, str | None]) -> tuple[str | None, Diagnostic | None, str]:
    """A file's text, or why there is none; and the text's digest ("" for none). `folders` is sitepaths.read_bytes's."""
    try:
        data = sitepaths.read_bytes(root, rel, limit, folders)
    except sitepaths.TooLarge as exc:
        why = f"file is {exc.size:,} bytes, over the site's limit of {limit:,} (limits.max_file_bytes)"
        return None, Diagnostic.make("file-unreadable", rel, 1, 1, why), ""
    except sitepaths.UnsafePath as exc:
        return None, Diagnostic.make("path-unsafe", rel, 1, 1, exc.reason), ""
    except OSError as exc:
        return None, Diagnostic.make("file-unreadable", rel, 1, 1, f"cannot read the file: {exc.strerror}"), ""
    text, problem = decode(data, rel)
    if text is None:
        return None, problem, ""
    return text, problem, utf8_digest(data) if _is_its_text(data) else text_digest(text)


def decode(data: bytes, rel: str) -> tuple[str | None, Diagnostic | None]:
    """UTF-8 bytes to text with a BOM dropped and CRLF as LF; a located diagnostic otherwise."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, Diagnostic.make("encoding-invalid", rel, 1, 1, "file is UTF-16; save it as UTF-8")
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = (data[bom:] if bom else data).decode("utf-8")  # as "utf-8-sig" decodes, on bytes.decode's fast path
    except UnicodeDecodeError as exc:
        return None, Diagnostic.make("encoding-invalid", rel, *not_utf8(data, exc.start + bom, bom))
    return (text if _is_its_text(data) else text.replace("\r\n", "\n")), None


def not_utf8(data: bytes, start: int, bom: int = 0) -> tuple[int, int, str]:
    """The line and column of the byte at `start`, the first that is not UTF-8 (after a BOM of `bom` bytes), and what to do."""
    line = data.count(b"\n", 0, start) + 1
    line_start = data.rfind(b"\n", 0, start) + 1
    column = len(data[line_start:start].decode("utf-8", "replace")) + 1
    advice = _legacy_hebrew(data[bom:]) or "save the file as UTF-8"
    return line, column, f"invalid UTF-8 byte 0x{data[start]:02X} at byte offset {start}; {advice}"


def _legacy_hebrew(data: bytes) -> str:
    """What to do with a file that is not UTF-8 but reads as Hebrew in Windows-1255 (what older Windows editors save
    Hebrew in; ISO-8859-8's letters are at the same bytes): '' when it does not. Hebrew words, and no Hebrew letter
    against a Latin one (a Latin-1 `café` reads as `cafי` there), tell it from text in another 8-bit encoding."""
    import re  # here: only a file that is not UTF-8 needs it

    try:
        text = data.decode("cp1255")
    except UnicodeDecodeError:  # bytes Windows-1255 leaves undefined, such as the second byte of UTF-8's א
        return ""
    if re.search("[\u05d0-\u05ea]{2}", text) is None or re.search("[a-zA-Z][\u05d0-\u05ea]|[\u05d0-\u05ea][a-zA-Z]", text):
        return ""
    return "it reads as Hebrew saved in Windows-1255, an older Windows encoding: reopen it in that encoding, then save it as UTF-8"


def _is_its_text(data: bytes) -> bool:
    """Whether valid UTF-8 `data` is the UTF-8 of the text decode makes of it: no BOM to drop, no CRLF to make LF (a
    file with no CR at all, most files, is told by a one-byte search, several times as fast as one for CRLF)."""
    return not data.startswith(codecs.BOM_UTF8) and (b"\r" not in data or b"\r\n" not in data)


def text_digest(text: str) -> str:
    """What a text (a source file, a body, a page's data) is known by in the cache."""
    return utf8_digest(text.encode("utf-8", "surrogatepass"))


def utf8_digest(data: bytes) -> str:
    """text_digest of the text whose UTF-8 is `data`."""
    return hashlib.blake2b(data, digest_size=20).hexdigest()
