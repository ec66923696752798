"""The `ssh` publish target: rsync over SSH into a new folder beside the live one, then one symlink rename on the server.

Layout on the server, for `path: /srv/www/blog`:

    /srv/www/blog/current -> releases/<id>   what the web server serves (point its document root here)
    /srv/www/blog/releases/<id>/             one deploy; .pipeline-manifest.json (path -> sha1, size) and
                                             .pipeline-deploy.json (id, created, draft) inside it
    /srv/www/blog/releases/.staging/         the deploy being sent
    /srv/www/blog/.lock                      who is publishing (created with the shell's noclobber: one wins)

A publish after the first copies the live deploy into the staging folder as hard links (`cp -al`, on the server), then
rsync sends only the files whose SHA-1 differs from the live manifest's, or that were changed in place since the
deploy was made (newer than its record), each written anew so the live copy is never touched; what the build no
longer has is removed. Without a live manifest, rsync makes the staging folder the same as the build (`--checksum`,
`--delete`, the live deploy's files hard-linked by `--link-dest`), resuming into what an interrupted publish left.
The switch is `ln -s` to a new name and `mv -T` over `current`: one rename(2), so readers get the old deploy or the
new one. Every command goes through one shared connection (ssh_link.py). Only fixed ssh options are used: nothing
from site.yaml reaches the command line except the checked host, user, port and path.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline import workers
from pipeline.build.write import safe_path
from pipeline.publish import locks
from pipeline.publish.targets.base import Deploy, FileEntry, Progress, PublishError, Receipt, TargetConfigError, manifest
from pipeline.publish.targets.ssh_link import Link, Server, said

MANIFEST = ".pipeline-manifest.json"
META = ".pipeline-deploy.json"
DEPLOY_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8}(-\d+)?$")
_HOST = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*$|^\[[0-9A-Fa-f:.]+\]$")
_USER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_PATH = re.compile(r"^(/[A-Za-z0-9._-]+)+/?$")
_LINKED = "\x1elinked"  # in _stage's answer: what follows is the live manifest and the files changed in place
_RECORDS = f'for f in */{META}; do [ -f "$f" ] && cat "$f" && echo; done; true'  # in releases/: every deploy's record, a line each
OPTIONS = ("host", "path", "user", "port", "public_url", "keep", "identity_env", "known_hosts_env", "timeout")


@dataclass(frozen=True, slots=True)
class SshSettings:
    host: str
    path: str  # absolute, no trailing slash
    user: str = ""
    port: int = 22
    public_url: str = ""
    keep: int = 5
    identity_env: str = "SSH_IDENTITY_FILE"  # names a private key file; unset: ssh's own keys and agent
    known_hosts_env: str = "SSH_KNOWN_HOSTS"  # names a known_hosts file; unset: ~/.ssh/known_hosts
    timeout: int = 30


@dataclass(frozen=True, slots=True)
class Staged:
    """What the server holds before a publish sends: the live deploy, every deploy and, when the staging folder is a copy of the
    live deploy made of hard links, the live manifest and the files changed in place since it was made."""

    live: str | None
    deploys: tuple[Deploy, ...]
    shown: dict[str, FileEntry] | None = None
    damaged: frozenset[str] = frozenset()


class SshTarget:
    """A folder on a server reached with ssh and rsync (see the module docstring for the layout and the switch)."""

    def __init__(self, name: str, settings: SshSettings) -> None:
        self.name = name
        self.settings = settings
        self.releases = f"{settings.path}/releases"
        self._link = Link(
            Server(name, settings.host, settings.user, settings.port, settings.identity_env, settings.known_hosts_env, settings.timeout)
        )

    def __repr__(self) -> str:
        return f"SshTarget({self.name!r}, {self._where})"

    @property
    def _where(self) -> str:
        return self._link.server.where

    @property
    def _readers(self) -> str:
        return self.settings.public_url or f"ssh://{self._where}:{self.settings.port}{self.settings.path}/current/"

    def live(self) -> dict[str, FileEntry]:
        out = self._run(f'f={_q(self.settings.path)}/current/{MANIFEST}; if [ -f "$f" ]; then cat "$f"; fi')
        if not out.strip():
            return {}
        shown = _manifest_from(out)
        if shown is None:
            raise PublishError(f"target '{self.name}': {self.settings.path}/current/{MANIFEST} is not a manifest this pipeline wrote")
        return shown

    def publish(self, files: Mapping[str, bytes], draft: bool, progress: Progress) -> Receipt:
        """Send what the live deploy lacks into a copy of it made of hard links on the server, then switch (module docstring)."""
        entries = manifest(files)
        deploy_id = _new_id(entries)
        created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        meta = {"id": deploy_id, "created": created, "draft": draft, "files": len(entries)}
        staged = self._stage()
        shown = staged.shown
        if shown is not None:  # only what differs from the live deploy, or was changed there in place, is sent
            send = [path for path, entry in entries.items() if shown.get(path) != entry or path in staged.damaged]
            gone = [path for path in shown if path not in entries and safe_path(path)]
        else:
            send, gone = list(entries), []
        with tempfile.TemporaryDirectory(prefix="pipeline-ssh-") as folder:
            local = Path(folder)
            for path in send:
                (local / path).parent.mkdir(parents=True, exist_ok=True)
                (local / path).write_bytes(files[path])
            (local / MANIFEST).write_text(json.dumps({"files": {p: [e.sha1, e.size] for p, e in entries.items()}}), encoding="utf-8")
            (local / META).write_text(json.dumps(meta), encoding="utf-8")
            sent = self._rsync(local, staged, entries, progress)
        live = deploy_id if not draft else staged.live
        ordered = sorted([*staged.deploys, Deploy(deploy_id, created, "", "")], key=lambda d: (d.created, d.id), reverse=True)
        old = [d.id for d in ordered[self.settings.keep :] if d.id != live]
        notes = self._finish(deploy_id, draft, gone, old)
        url = self._readers if not draft else f"ssh://{self._where}:{self.settings.port}{self.releases}/{deploy_id}/"
        return Receipt(deploy_id, url, len(sent), sum(entries[p].size for p in sent), len(entries), draft, tuple(notes))

    def deploys(self) -> list[Deploy]:
        script = (
            f"cd {_q(self.settings.path)} 2>/dev/null || exit 0; printf 'live=%s\\n' \"$(readlink current 2>/dev/null)\"; "
            f"cd releases 2>/dev/null && {_RECORDS} || true"
        )
        lines = self._run(script).splitlines()
        live = lines[0].removeprefix("live=").rsplit("/", 1)[-1] if lines else ""
        return self._listed(live, lines[1:])

    def _listed(self, live: str, records: list[str]) -> list[Deploy]:
        """The deploys whose records (one JSON line each) are well formed, newest first."""
        found = []
        for line in records:
            try:
                meta = json.loads(line)
                deploy_id, created, draft, count = str(meta["id"]), str(meta["created"]), bool(meta["draft"]), int(meta["files"])
            except (ValueError, KeyError, TypeError):
                continue
            if not DEPLOY_ID.match(deploy_id):
                continue
            state = "live" if deploy_id == live else "draft" if draft else "previous"
            url = self._readers if state == "live" else f"ssh://{self._where}:{self.settings.port}{self.releases}/{deploy_id}/"
            found.append(Deploy(deploy_id, created, state, url, count))
        return sorted(found, key=lambda d: (d.created, d.id), reverse=True)

    def rollback(self, deploy_id: str | None) -> Receipt:
        listed = self.deploys()
        if deploy_id is None:
            history = [d.id for d in listed if d.state != "draft"]
            live = next((d.id for d in listed if d.state == "live"), None)
            position = history.index(live) if live in history else len(history)
            if position + 1 >= len(history):
                raise PublishError(f"target '{self.name}' has no deploy before the live one to roll back to")
            deploy_id = history[position + 1]
        chosen = next((d for d in listed if d.id == deploy_id), None)
        if chosen is None:
            raise PublishError(f"target '{self.name}' has no deploy '{deploy_id}' (see `pipeline deploys`)")
        self._run(f"cd {_q(self.settings.path)} && ln -sfn releases/{chosen.id} .current.new && mv -T .current.new current")
        return Receipt(chosen.id, self._readers, 0, 0, chosen.files or 0)

    @contextmanager
    def lock(self, holder: str) -> Iterator[list[str]]:
        """A lock file on the server, created with noclobber so only one publish makes it; a stale one is taken over."""
        token = os.urandom(8).hex()
        mine = json.dumps({**locks.holder_description(), "what": holder, "token": token})
        notes: list[str] = []
        lock = f"{_q(self.settings.path)}/.lock"
        take = f"mkdir -p {_q(self.settings.path)} && if (set -C; printf '%s' {_q(mine)} > {lock}) 2>/dev/null; then echo taken; else cat {lock}; fi"
        answer = self._run(take)
        if answer.strip() != "taken":
            other = _holder(answer)
            if not locks.is_stale(other):
                raise PublishError(
                    f"target '{self.name}' is locked by another publish: {locks.describe(other)}; wait for it to finish, "
                    "or, if it is certain that publish has stopped, run `pipeline unlock`"
                )
            notes.append(f"took over a stale lock left by process {other.get('pid', '?')} on {other.get('host', '?')}")
            if self._run(f"rm -f {lock}; {take}").strip() != "taken":
                raise PublishError(f"target '{self.name}': another publish took the lock at the same moment; try again")
        try:
            yield notes
        finally:
            try:
                self._run(f"grep -q {_q(token)} {lock} 2>/dev/null && rm -f {lock}; true")
            except PublishError:
                pass  # the lock stays; `pipeline unlock` removes it

    def unlock(self) -> str:
        lock = f"{_q(self.settings.path)}/.lock"
        answer = self._run(f"if [ -f {lock} ]; then cat {lock}; rm -f {lock}; fi")
        if not answer.strip():
            return f"target '{self.name}' was not locked"
        return f"removed the lock on target '{self.name}' held by {locks.describe(_holder(answer))}"

    # --- the server ------------------------------------------------------------------------------

    def _stage(self) -> Staged:
        """One command: the live deploy's id, every deploy's record and, when the live deploy has its manifest, a copy of it
        made of hard links as the staging folder, with its manifest and the files changed in place since it was made."""
        releases = _q(self.releases)
        script = (
            f"mkdir -p {releases} && cd {releases} || exit 1; live=$(readlink ../current 2>/dev/null); live=${{live##*/}}; "
            f"printf '%s\\n' \"$live\"; {_RECORDS}; "
            f'case "$live" in ""|*[!0-9A-Za-z-]*) exit 0;; esac; [ -f "$live/{MANIFEST}" ] && [ -f "$live/{META}" ] || exit 0; '
            f'rm -rf .staging && cp -al "$live" .staging && printf "\\036linked\\n" && cat "$live/{MANIFEST}" && echo && '
            f'cd "$live" && find . -type f -newer {META} ! -name {MANIFEST} ! -name {META} -print0'
        )
        answer = self._run(script, errors="replace")
        head, linked, tail = answer.partition(f"\n{_LINKED}\n")
        lines = head.splitlines()
        live = lines[0] if lines and DEPLOY_ID.match(lines[0]) else None
        deploys = tuple(self._listed(live or "", lines[1:]))
        if not linked or live is None:
            return Staged(live, deploys)
        shown_line, _, changed = tail.partition("\n")
        shown = _manifest_from(shown_line)
        if shown is None:
            return Staged(live, deploys)  # not a manifest this pipeline wrote: everything is sent and compared
        damaged = frozenset(path.removeprefix("./") for path in changed.split("\0") if path)
        return Staged(live, deploys, shown, damaged)

    def _finish(self, deploy_id: str, draft: bool, gone: list[str], old: list[str]) -> list[str]:
        """One command: remove what the build no longer has from the staging folder, make it the deploy `deploy_id`, switch
        `current` to it unless it is a draft, then remove the `old` deploys (a failure there is a note, the deploy is done)."""
        releases = _q(self.releases)
        script = (
            f"cd {releases}/.staging && xargs -0 rm -f -- && find . -mindepth 1 -depth -type d -empty -delete && cd .. && "
            f"mv -T .staging {deploy_id} && touch {deploy_id}/{META}"  # its record is newer than every file it was made with
        )
        if not draft:
            script += f" && cd .. && ln -sfn releases/{deploy_id} .current.new && mv -T .current.new current && cd releases"
        if old:
            script += f" && {{ rm -rf -- {' '.join(old)} && echo pruned || true; }}"
        answer = self._run(script, "\0".join(gone))
        if not old:
            return []
        if "pruned" not in answer:
            return ["could not remove old deploys: rm -rf failed on the server"]
        return [f"removed {len(old)} old deploy(s), keeping the newest {self.settings.keep}"]

    def _run(self, script: str, data: str = "", errors: str = "strict") -> str:
        return self._link.run(script, data, errors)

    def _rsync(self, local: Path, staged: Staged, entries: Mapping[str, FileEntry], progress: Progress) -> list[str]:
        """Send `local` into releases/.staging/; returns the paths rsync sent. Into a staging folder of links to the live
        deploy only the files in `local` go, each written anew (the live deploy's copy is never changed); otherwise the
        folder is made the same as `local`, the files already in the live deploy hard-linked from it."""
        command = ["rsync", "-rl", "--protect-args", "--out-format=%n", "-e", shlex.join(self._link.ssh())]
        if staged.shown is not None:
            command += ["--ignore-times", "--force"]
        else:
            command += ["--checksum", "--delete"]
            if staged.live:
                command.append(f"--link-dest={self.releases}/{staged.live}/")
        command += [f"{local}/", f"{self._where}:{self.releases}/.staging/"]
        sent: list[str] = []
        try:
            process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                preexec_fn=workers.die_with_parent,  # noqa: PLW1509 (one prctl call, no locks)
            )
        except OSError as exc:
            raise PublishError(f"target '{self.name}': cannot run rsync ({exc.strerror}); install rsync here and on the server") from None
        with process:
            assert process.stdout is not None and process.stderr is not None
            for line in process.stdout:
                path = line.rstrip("\n")
                if path in entries:
                    sent.append(path)
                    progress(path, entries[path].size)
            errors = process.stderr.read()
        if process.returncode != 0:
            raise PublishError(f"target '{self.name}': rsync to {self._where}: {said(errors, process.returncode, self._where)}")
        return sent


def _manifest_from(text: str) -> dict[str, FileEntry] | None:
    """A deploy's manifest from the text of its .pipeline-manifest.json; None when it is not one this pipeline wrote."""
    try:
        return {str(path): FileEntry(str(sha1), int(size)) for path, (sha1, size) in json.loads(text)["files"].items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _q(text: str) -> str:
    return shlex.quote(text)


def _holder(text: str) -> dict[str, object]:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _new_id(entries: Mapping[str, FileEntry]) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    digest = manifest({"": json.dumps({p: e.sha1 for p, e in entries.items()}).encode()})[""].sha1[:8]
    return f"{stamp}-{digest}"


def from_config(name: str, options: Mapping[str, Any], root: Path) -> SshTarget:
    """An ssh target from site.yaml: every option checked, so nothing in it can become an ssh or shell option."""
    unknown = sorted(set(options) - set(OPTIONS) - {"type"})
    if unknown:
        raise TargetConfigError(f"target '{name}': unknown option(s) {', '.join(unknown)}; the ssh target takes {', '.join(OPTIONS)}")
    host, path, user = options.get("host"), options.get("path"), options.get("user", "")
    if not isinstance(host, str) or not _HOST.match(host):
        raise TargetConfigError(f"target '{name}': `host` must be a host name or address (letters, digits, dots, dashes)")
    if not isinstance(path, str) or not _PATH.match(path) or "/../" in path + "/" or "/./" in path + "/":
        raise TargetConfigError(f"target '{name}': `path` must be an absolute folder on the server (letters, digits, . _ - and /)")
    if not isinstance(user, str) or (user and not _USER.match(user)):
        raise TargetConfigError(f"target '{name}': `user` must be a user name")
    public = options.get("public_url", "")
    if not isinstance(public, str) or (public and not re.match(r"^https?://[^\s@]+$", public)):
        raise TargetConfigError(f"target '{name}': `public_url` must be an http:// or https:// address")
    numbers: dict[str, int] = {}
    for key, default, least in (("port", 22, 1), ("keep", 5, 1), ("timeout", 30, 1)):
        value = options.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < least or (key == "port" and value > 65535):
            raise TargetConfigError(f"target '{name}': `{key}` must be a whole number at least {least}, not {value!r}")
        numbers[key] = value
    envs: dict[str, str] = {
        key: options.get(key, default) for key, default in (("identity_env", "SSH_IDENTITY_FILE"), ("known_hosts_env", "SSH_KNOWN_HOSTS"))
    }
    for key, value in envs.items():
        if not isinstance(value, str) or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", value):
            raise TargetConfigError(f"target '{name}': `{key}` must name an environment variable")
    settings = SshSettings(
        host,
        path.rstrip("/"),
        user,
        numbers["port"],
        public,
        numbers["keep"],
        envs["identity_env"],
        envs["known_hosts_env"],
        numbers["timeout"],
    )
    return SshTarget(name, settings)
