"""What every publish target offers (live manifest, deploy, history, rollback, lock), and choosing one from site.yaml."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from pipeline.errors import PipelineError


class PublishError(PipelineError):
    """A publish could not be completed; the previous deploy is still live. Exit 1."""

    exit_code = 1


class TargetConfigError(PipelineError):
    """A target in site.yaml cannot be used (missing setting, missing token). Exit 2."""


@dataclass(frozen=True, slots=True)
class FileEntry:
    sha1: str
    size: int


Manifest = Mapping[str, FileEntry]  # output path ("he/index.html", no leading slash) -> digest and size


@runtime_checkable
class Digested(Protocol):
    """Files whose SHA-1 and size are known without reading them (a publish's build: its bytes are made when sent)."""

    def sha1_and_size(self) -> Mapping[str, tuple[str, int]]: ...


def manifest(files: Mapping[str, bytes]) -> dict[str, FileEntry]:
    """The manifest of a build: every path's SHA-1 and size, sorted by path."""
    if isinstance(files, Digested):
        known = files.sha1_and_size()
        return {path: FileEntry(*known[path]) for path in sorted(known)}
    return {path: FileEntry(hashlib.sha1(data).hexdigest(), len(data)) for path, data in sorted(files.items())}


@dataclass(frozen=True, slots=True)
class Deploy:
    """One deploy as a target's history lists it."""

    id: str
    created: str  # ISO 8601, UTC
    state: str  # "live", "previous", "draft", "error", or the host's own word (e.g. Netlify's "ready")
    url: str
    files: int | None = None


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a publish or rollback did."""

    deploy_id: str
    url: str  # where readers (or, for a draft, the editor) see it
    uploaded: int  # files sent
    uploaded_bytes: int
    total: int  # files in the deploy
    draft: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)


Progress = Callable[[str, int], None]  # called with (path, bytes) after each file is sent


class Target(Protocol):
    """A place a site is published to. Every method raises PublishError (or a subclass of PipelineError) on failure."""

    name: str

    def live(self) -> Manifest:
        """What readers see now, as a manifest; empty when nothing was ever published."""

    def publish(self, files: Mapping[str, bytes], draft: bool, progress: Progress) -> Receipt:
        """Send what the target lacks, then make the new deploy live at once (or, with `draft`, reachable but not live).

        An error at any point leaves the previous deploy live; a rerun sends only what is still missing.
        """

    def deploys(self) -> list[Deploy]:
        """The history, newest first."""

    def rollback(self, deploy_id: str | None) -> Receipt:
        """Make an earlier deploy live again: `deploy_id`, or the one before the live one."""

    def lock(self, holder: str) -> AbstractContextManager[list[str]]:
        """Hold the target for one publish; raise PublishError naming the holder when another publish has it.

        Yields notes for the editor (e.g. that a stale lock left by a process that is gone was taken over).
        """


TargetFactory = Callable[[str, Mapping[str, Any], Any], Target]  # (name, options from site.yaml, site root) -> Target


LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


def credential_problem(url: str, allowed: tuple[str, ...], what: str) -> str | None:
    """Why `what` (a token, a password) may not be sent to `url`: only over https to a host in `allowed` (`token_hosts` in
    site.yaml), or to this machine (loopback, http allowed: the tests' servers). None when it may."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return f"{what} is only sent to a well-formed URL"
    if host in LOOPBACK:
        return None
    if parts.scheme != "https":
        return f"{what} is only sent over https (the URL's host is {host!r})"
    if host not in {h.lower() for h in allowed}:
        return f"{what} is only sent to the hosts listed under `token_hosts` ({', '.join(allowed) or 'none'}), not to {host!r}"
    return None


def secret_problem(value: str, name: str) -> str | None:
    """Why the secret in $`name` cannot go into an HTTP header (white space or a control character inside), without showing it."""
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in value):
        return f"${name} holds a space, a newline or a control character; set it again to the secret alone"
    return None
