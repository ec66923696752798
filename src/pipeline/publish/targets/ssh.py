"""The `ssh` publish target: rsync over SSH into a new folder beside the live one, then one symlink rename on the server.

Layout on the server, for `path: /srv/www/blog`:

    /srv/www/blog/current -> releases/<id>   what the web server serves (point its document root here)
    /srv/www/blog/releases/<id>/             one deploy; .pipeline-manifest.json (path -> sha1, size) and
                                             .pipeline-deploy.json (id, created, draft) inside it
    /srv/www/blog/releases/.staging/         the deploy being sent; an interrupted publish resumes into it
    /srv/www/blog/.lock                      who is publishing (created with the shell's noclobber: one wins)

rsync sends only files whose content differs from the live deploy's (`--checksum`, and `--link-dest` hard-links
the unchanged ones from it, so they cost no space). The switch is `ln -s` to a new name and `mv -T` over `current`:
one rename(2), so readers get the old deploy or the new one. Only fixed ssh options are used: nothing from site.yaml
reaches the command line except the checked host, user, port and path.
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
from pipeline.publish import locks
from pipeline.publish.targets.base import Deploy, FileEntry, Progress, PublishError, Receipt, TargetConfigError, manifest

MANIFEST = ".pipeline-manifest.json"
META = ".pipeline-deploy.json"
DEPLOY_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8}(-\d+)?$")
_HOST = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*$|^\[[0-9A-Fa-f:.]+\]$")
_USER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_PATH = re.compile(r"^(/[A-Za-z0-9._-]+)+/?$")
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


class SshTarget:
    """A folder on a server reached with ssh and rsync (see the module docstring for the layout and the switch)."""

    def __init__(self, name: str, settings: SshSettings) -> None:
        self.name = name
        self.settings = settings
        self.releases = f"{settings.path}/releases"

    def __repr__(self) -> str:
        return f"SshTarget({self.name!r}, {self._where})"

    @property
    def _where(self) -> str:
        user = f"{self.settings.user}@" if self.settings.user else ""
        return f"{user}{self.settings.host}"

    @property
    def _readers(self) -> str:
        return self.settings.public_url or f"ssh://{self._where}:{self.settings.port}{self.settings.path}/current/"

    def live(self) -> dict[str, FileEntry]:
        out = self._run(f'f={_q(self.settings.path)}/current/{MANIFEST}; if [ -f "$f" ]; then cat "$f"; fi')
        if not out.strip():
            return {}
        try:
            files = json.loads(out)["files"]
            return {str(path): FileEntry(str(sha1), int(size)) for path, (sha1, size) in files.items()}
        except (ValueError, KeyError, TypeError, AttributeError):
            raise PublishError(
                f"target '{self.name}': {self.settings.path}/current/{MANIFEST} is not a manifest this pipeline wrote"
            ) from None

    def publish(self, files: Mapping[str, bytes], draft: bool, progress: Progress) -> Receipt:
        entries = manifest(files)
        live = self._live_id()
        deploy_id = _new_id(entries)
        meta = {"id": deploy_id, "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "draft": draft, "files": len(entries)}
        with tempfile.TemporaryDirectory(prefix="pipeline-ssh-") as folder:
            local = Path(folder)
            for path, data in files.items():
                (local / path).parent.mkdir(parents=True, exist_ok=True)
                (local / path).write_bytes(data)
            (local / MANIFEST).write_text(json.dumps({"files": {p: [e.sha1, e.size] for p, e in entries.items()}}), encoding="utf-8")
            (local / META).write_text(json.dumps(meta), encoding="utf-8")
            self._run(f"mkdir -p {_q(self.releases)}")
            sent = self._rsync(local, live, entries, progress)
        move = f"cd {_q(self.releases)} && mv .staging {deploy_id}"
        if not draft:
            move += f" && cd .. && ln -sfn releases/{deploy_id} .current.new && mv -T .current.new current"
        self._run(move)
        notes = self._prune() if not draft else []
        url = self._readers if not draft else f"ssh://{self._where}:{self.settings.port}{self.releases}/{deploy_id}/"
        return Receipt(deploy_id, url, len(sent), sum(entries[p].size for p in sent), len(entries), draft, tuple(notes))

    def deploys(self) -> list[Deploy]:
        script = (
            f"cd {_q(self.settings.path)} 2>/dev/null || exit 0; printf 'live=%s\\n' \"$(readlink current 2>/dev/null)\"; "
            f'for f in releases/*/{META}; do [ -f "$f" ] && cat "$f" && echo; done'
        )
        lines = self._run(script).splitlines()
        live = lines[0].removeprefix("live=").rsplit("/", 1)[-1] if lines else ""
        found = []
        for line in lines[1:]:
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

    def _live_id(self) -> str | None:
        out = self._run(f"readlink {_q(self.settings.path)}/current 2>/dev/null; true").strip()
        deploy_id = out.rsplit("/", 1)[-1]
        return deploy_id if DEPLOY_ID.match(deploy_id) else None

    def _prune(self) -> list[str]:
        """Remove all but the newest `keep` deploys (never the live one); the deploy is done, so this never raises."""
        try:
            old = [d.id for d in self.deploys()[self.settings.keep :] if d.state != "live"]
            if old:
                self._run(f"cd {_q(self.releases)} && rm -rf -- {' '.join(old)}")
        except PublishError as exc:
            return [f"could not remove old deploys: {exc.message}"]
        return [f"removed {len(old)} old deploy(s), keeping the newest {self.settings.keep}"] if old else []

    def _ssh(self) -> list[str]:
        """The ssh command line: fixed options, the key and known hosts from the environment, the checked host."""
        command = ["ssh", "-p", str(self.settings.port), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"]
        command += ["-o", f"ConnectTimeout={self.settings.timeout}", "-o", "ServerAliveInterval=15"]
        if identity := os.environ.get(self.settings.identity_env):
            command += ["-i", identity, "-o", "IdentitiesOnly=yes"]
        if known := os.environ.get(self.settings.known_hosts_env):
            command += ["-o", f"UserKnownHostsFile={known}"]
        return command

    def _run(self, script: str) -> str:
        """Run a shell script on the server; PublishError with ssh's own words when it fails."""
        try:
            done = subprocess.run(
                [*self._ssh(), "--", self._where, script],
                capture_output=True,
                text=True,
                timeout=self.settings.timeout * 10,
                preexec_fn=workers.die_with_parent,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PublishError(f"target '{self.name}': ssh to {self._where} failed: {exc}") from None
        if done.returncode != 0:
            raise PublishError(f"target '{self.name}': {_said(done.stderr, done.returncode, self._where)}")
        return done.stdout

    def _rsync(self, local: Path, live: str | None, entries: Mapping[str, FileEntry], progress: Progress) -> list[str]:
        """Send `local` into releases/.staging/; returns the paths rsync sent (the others were already there, or linked)."""
        command = ["rsync", "-rl", "--checksum", "--delete", "--protect-args", "--out-format=%n", "-e", shlex.join(self._ssh())]
        if live:
            command.append(f"--link-dest={self.releases}/{live}/")
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
            raise PublishError(f"target '{self.name}': rsync to {self._where}: {_said(errors, process.returncode, self._where)}")
        return sent


def _q(text: str) -> str:
    return shlex.quote(text)


def _holder(text: str) -> dict[str, object]:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _said(stderr: str, code: int, where: str) -> str:
    """ssh's or rsync's last words, with a hint for the usual ones."""
    words = " ".join(line.strip() for line in stderr.strip().splitlines()[-2:]) or f"exit status {code}"
    if "Host key verification failed" in stderr or "No matching host key" in stderr:
        return f"{words}; add the server's host key to known_hosts (check it, then `ssh-keyscan` or one `ssh {where}`)"
    if "Permission denied" in stderr and "publickey" in stderr:
        return f"{words}; the server refused the key (set the variable identity_env names to the key file)"
    return words


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
