"""The `netlify` target: Netlify's file-digest deploy (declare every path's SHA-1, upload only what Netlify lacks, go live on ready).

    createSiteDeploy {files: {"/path": sha1}, draft, async}
      └─ poll getDeploy while the state is new / preparing (an async deploy's `required` is not final before)
    uploadDeployFile for each digest in `required` (once per digest, `concurrency` at a time)
      └─ poll getDeploy until ready (Netlify switches the site to a deploy only then) or error
    anything fails after the deploy exists → cancelSiteDeploy, PublishError: the previous deploy stays live,
    and Netlify keeps every uploaded file by digest, so a rerun uploads only what is still required.

Netlify has no publish lock of its own: `lock()` is a lock file under the site's .pipeline-cache/, so it
serialises publishes from this checkout on this machine only. `live()` reports each file's size when
Netlify's listing gives it and 0 otherwise; the plan compares digests, never sizes.
"""

from __future__ import annotations

import os
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, fields
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pipeline.errors import PipelineError
from pipeline.publish import locks
from pipeline.publish.targets.base import (
    Deploy,
    FileEntry,
    Manifest,
    Progress,
    PublishError,
    Receipt,
    TargetConfigError,
    credential_problem,
    manifest,
    secret_problem,
)
from pipeline.publish.targets.netlify_api import TOKEN_HELP, NetlifyClient, NetlifyError, RetryPolicy

_PENDING = frozenset({"new", "preparing"})  # `required` is not final yet


@dataclass(frozen=True, slots=True)
class NetlifySettings:
    """The target's options in site.yaml; only `site_id` is required."""

    site_id: str  # the site's API ID (Site settings → Site details) or its name
    api_url: str = "https://api.netlify.com/api/v1"
    token_env: str = "NETLIFY_AUTH_TOKEN"  # the environment variable holding a personal access token
    concurrency: int = 4  # uploads at a time
    async_threshold: int = 1000  # more files than this: ask for an async deploy and poll until it is prepared
    timeout: float = 30.0  # seconds for one HTTP request
    retries: int = 5  # tries per request on 429, 5xx, lost connections and timeouts
    retry_base: float = 1.0  # first back-off in seconds, doubled on each further try
    rate_limit_max_wait: float = 60.0  # longest wait for X-RateLimit-Reset, in seconds
    poll_interval: float = 1.0  # seconds between looks at a deploy's state
    ready_timeout: float = 300.0  # give up (and cancel) when a deploy is not prepared / ready after this many seconds
    token_hosts: tuple[str, ...] = ("api.netlify.com",)  # the hosts the token may be sent to (over https)


@dataclass(frozen=True, slots=True)
class _Upload:
    sha1: str
    size: int
    data: Callable[[], bytes]  # made or read only when Netlify asks for the file


class NetlifyTarget:
    """One Netlify site, reached through `client`."""

    def __init__(self, name: str, settings: NetlifySettings, client: NetlifyClient, lock_path: Path) -> None:
        self.name = name
        self.settings = settings
        self.client = client
        self.lock_path = lock_path
        self._site_path = f"/sites/{quote(settings.site_id, safe='')}"

    def __repr__(self) -> str:
        return f"NetlifyTarget({self.name!r}, site_id={self.settings.site_id!r}, api_url={self.settings.api_url!r})"

    def live(self) -> Manifest:
        listing = self._site("GET", "/files") or []
        return {item["path"].removeprefix("/"): FileEntry(item["sha"], _size(item)) for item in listing}

    def publish(self, files: Mapping[str, bytes], draft: bool, progress: Progress) -> Receipt:
        uploads = _uploads(files)
        body = {
            "files": {path: u.sha1 for path, u in uploads.items()},
            "draft": draft,
            "async": len(uploads) > self.settings.async_threshold,
        }
        deploy = self._site("POST", "/deploys", json=body)
        deploy_id = _deploy_id(deploy)
        sent = sent_bytes = 0
        lost: tuple[str, ...] = ()
        try:
            if deploy.get("state") in _PENDING:
                deploy = self._wait(deploy_id, lambda state: state not in _PENDING, "prepared")
            sent, sent_bytes = self._upload(deploy_id, uploads, deploy.get("required") or [], progress)
            deploy = self._wait(deploy_id, lambda state: state == "ready", "ready")
        except BaseException as exc:
            if not self._cancel(deploy_id) and isinstance(exc, PipelineError):
                lost = (f"Netlify's answers were lost ({exc.message}), but deploy {deploy_id} is ready: it could not be cancelled",)
            else:
                raise
        url = _url(deploy, "deploy_ssl_url", "deploy_url") if draft else _url(deploy, "ssl_url", "url")
        notes = lost + (() if draft else self._not_live_note(deploy_id))
        return Receipt(deploy_id, url, sent, sent_bytes, len(uploads), draft, notes)

    def deploys(self) -> list[Deploy]:
        listing = self._site("GET", "/deploys", params={"per_page": 100}) or []  # Netlify's newest 100
        live_id = self._published_id()
        found = [_history_entry(item, live_id) for item in listing]
        return sorted(found, key=lambda d: d.created, reverse=True)

    def rollback(self, deploy_id: str | None) -> Receipt:
        if deploy_id is None:
            self._site("PUT", "/rollback")
            site = self._site("GET", "") or {}
            deploy_id = (site.get("published_deploy") or {}).get("id") or ""
            url = _url(site, "ssl_url", "url")
        else:
            url = _url(self._restore(deploy_id), "ssl_url", "url")
        return Receipt(deploy_id, url, 0, 0, len(self.live()))

    @contextmanager
    def lock(self, holder: str) -> Iterator[list[str]]:
        with locks.hold(self.lock_path, f"target '{self.name}'") as notes:
            yield notes

    def _site(self, method: str, suffix: str, **kwargs: Any) -> Any:
        """A call on the site itself, where 404 means the site_id is wrong."""
        try:
            return self.client.call(method, self._site_path + suffix, **kwargs)
        except NetlifyError as exc:
            if exc.status == 404:
                raise TargetConfigError(
                    f"target '{self.name}': Netlify has no site '{self.settings.site_id}' that this token can see; "
                    "check site_id in site.yaml (the site's API ID from Site settings → Site details)"
                ) from exc
            raise

    def _restore(self, deploy_id: str) -> Any:
        try:
            return self.client.call("POST", f"{self._site_path}/deploys/{quote(deploy_id, safe='')}/restore")
        except NetlifyError as exc:
            if exc.status == 404:
                raise PublishError(f"target '{self.name}' has no deploy '{deploy_id}' (see `pipeline deploys`)") from exc
            raise

    def _wait(self, deploy_id: str, done: Callable[[str], bool], goal: str) -> Any:
        """Poll the deploy until `done(state)`; PublishError on `error` or after `ready_timeout` seconds."""
        deadline = time.monotonic() + self.settings.ready_timeout
        while True:
            deploy = self.client.call("GET", f"/deploys/{deploy_id}")
            state = str(deploy.get("state", ""))
            if state == "error":
                raise PublishError(f"Netlify could not finish deploy {deploy_id}: {deploy.get('error_message') or 'no message'}")
            if done(state):
                return deploy
            if time.monotonic() >= deadline:
                raise PublishError(f"deploy {deploy_id} was still '{state}', not {goal}, after {self.settings.ready_timeout:g} s; gave up")
            time.sleep(self.settings.poll_interval)

    def _upload(self, deploy_id: str, uploads: dict[str, _Upload], required: list[str], progress: Progress) -> tuple[int, int]:
        """Send each required digest once (from the first path that has it); returns (files, bytes) sent."""
        first: dict[str, str] = {}
        for path, upload in uploads.items():
            first.setdefault(upload.sha1, path)
        unknown = sorted(set(required) - first.keys())
        if unknown:
            raise PublishError(f"Netlify asks deploy {deploy_id} for {len(unknown)} file(s) this publish does not have (e.g. {unknown[0]})")
        paths = sorted({first[sha1] for sha1 in required})
        data = {path: uploads[path].data() for path in paths}  # here, before the threads: what makes a file is not shared between them
        sent = 0
        with ThreadPoolExecutor(max_workers=self.settings.concurrency, thread_name_prefix="netlify-upload") as pool:
            futures = {pool.submit(self._put, deploy_id, path, data[path]): path for path in paths}
            try:
                for future in as_completed(futures):
                    future.result()
                    path = futures[future]
                    sent += len(data[path])
                    progress(path.removeprefix("/"), len(data[path]))
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
        return len(paths), sent

    def _put(self, deploy_id: str, path: str, data: bytes) -> None:
        self.client.call("PUT", f"/deploys/{deploy_id}/files{quote(path, safe='/')}", data=data)

    def _cancel(self, deploy_id: str) -> bool:
        """Cancel a deploy that will not be finished; False when Netlify refuses because it is already ready (so live)."""
        try:
            self.client.call("POST", f"/deploys/{deploy_id}/cancel")
        except NetlifyError as exc:
            return not (exc.status == 422 and "ready" in exc.message.lower())
        except PipelineError:  # a failure to cancel changes nothing: an unfinished deploy never goes live
            pass
        return True

    def _published_id(self) -> str | None:
        site = self._site("GET", "") or {}
        return (site.get("published_deploy") or {}).get("id")

    def _not_live_note(self, deploy_id: str) -> tuple[str, ...]:
        """A note when Netlify did not make the ready deploy live; the publish itself has succeeded either way."""
        try:
            live_id = self._published_id()
        except PublishError as exc:
            return (
                f"deploy {deploy_id} is ready, but Netlify could not be asked whether it is live ({exc.message}); see `pipeline deploys`",
            )
        if live_id == deploy_id:
            return ()
        return (
            (
                f"Netlify made deploy {deploy_id} ready but the live deploy is {live_id} (is auto publishing locked?); "
                f"`pipeline rollback {deploy_id}` publishes it"
            ),
        )


def from_config(name: str, options: Mapping[str, Any], root: Path) -> NetlifyTarget:
    """A Netlify target from site.yaml; the token comes from the environment variable `token_env`, never from the file."""
    settings = _settings(name, options)
    token = os.environ.get(settings.token_env, "").strip()
    if not token:
        raise TargetConfigError(
            f"target '{name}': set ${settings.token_env} to a Netlify personal access token (create one at {TOKEN_HELP})"
        )
    problem = secret_problem(token, settings.token_env) or credential_problem(settings.api_url, settings.token_hosts, "the token")
    if problem:
        raise TargetConfigError(f"target '{name}': {problem}")
    policy = RetryPolicy(settings.retries, settings.retry_base, settings.rate_limit_max_wait, settings.timeout)
    client = NetlifyClient(settings.api_url, token, settings.token_env, policy, pool=settings.concurrency)
    return NetlifyTarget(name, settings, client, root / ".pipeline-cache" / "locks" / f"{name}.lock")


def _settings(name: str, options: Mapping[str, Any]) -> NetlifySettings:
    """Check every option against NetlifySettings' types; report all problems at once."""
    known = {f.name: f for f in fields(NetlifySettings)}
    problems = [f"unknown option '{key}' (known: {', '.join(known)})" for key in options if key not in known and key != "type"]
    values: dict[str, Any] = {}
    for key, field_ in known.items():
        if key not in options:
            if key == "site_id":
                problems.append("`site_id` is required (the site's API ID from Site settings → Site details)")
            continue
        value, kind = options[key], field_.type
        if kind == "str" and not (isinstance(value, str) and value.strip()):
            problems.append(f"`{key}` must be a non-empty string")
        elif kind == "int" and (isinstance(value, bool) or not isinstance(value, int) or value < (0 if key == "async_threshold" else 1)):
            problems.append(f"`{key}` must be a whole number of at least {0 if key == 'async_threshold' else 1}")
        elif kind == "tuple[str, ...]":
            if not (isinstance(value, list) and all(isinstance(item, str) and item.strip() for item in value)):
                problems.append(f"`{key}` must be a list of host names")
            else:
                values[key] = tuple(item.strip() for item in value)
        elif kind == "float" and (isinstance(value, bool) or not isinstance(value, int | float) or value <= 0):
            problems.append(f"`{key}` must be a number of seconds above 0")
        else:
            values[key] = value.strip() if kind == "str" else value
    if problems:
        raise TargetConfigError(f"target '{name}': " + "; ".join(problems))
    return NetlifySettings(**values)


def _uploads(files: Mapping[str, bytes]) -> dict[str, _Upload]:
    """Netlify's paths ("/" + the output path in NFC) with each file's digest; two paths equal once in NFC are refused."""
    uploads: dict[str, _Upload] = {}
    entries = manifest(files)  # a publish's build knows each digest without making the file
    for key in sorted(files):
        path = "/" + unicodedata.normalize("NFC", key).lstrip("/")
        if path in uploads:
            raise PublishError(f"two output paths are the same once normalised to NFC: {path[1:]}")
        uploads[path] = _Upload(entries[key].sha1, entries[key].size, partial(files.__getitem__, key))
    return uploads


def _history_entry(item: Mapping[str, Any], live_id: str | None) -> Deploy:
    if item.get("id") == live_id:
        return Deploy(str(item["id"]), str(item.get("created_at", "")), "live", _url(item, "ssl_url", "url"))
    state = str(item.get("state", "unknown"))
    if state == "ready":
        state = "draft" if item.get("draft") else "previous"
    return Deploy(str(item.get("id", "")), str(item.get("created_at", "")), state, _url(item, "deploy_ssl_url", "deploy_url"))


def _deploy_id(deploy: Any) -> str:
    if not isinstance(deploy, dict) or not deploy.get("id"):
        raise PublishError("Netlify created a deploy but did not say its id")
    return str(deploy["id"])


def _url(item: Mapping[str, Any], preferred: str, fallback: str) -> str:
    return str(item.get(preferred) or item.get(fallback) or "")


def _size(item: Mapping[str, Any]) -> int:
    size = item.get("size")
    return size if isinstance(size, int) and not isinstance(size, bool) else 0
