"""Faulted publishes (issue 7): randomized fault injection on every target; the live site is always one whole deploy.

Three randomized sections, each seeded by its trial number (`random.Random(trial)`), so a failing trial replays
exactly; each prints a one-line summary (visible with `-s`):

    netlify  the contract-checked test server (tests/netlify_server.py) answers resets, lost answers, 5xx,
             429 storms with X-RateLimit-Reset, slow answers that trip a short timeout, a body whose SHA-1
             does not match (422 from the model's own check) and a deploy that ends in `error`
    webdav   a real wsgidav behind a middleware that refuses PUT/COPY/MOVE/DELETE with 5xx, drops the
             connection before or after the server acts, and a progress callback that interrupts the publish
    local    `python -m pipeline publish` SIGKILLed after a random delay or at a point seen from outside
             (the lock appearing, the n-th file sent, the deploy folder being assembled)

After each trial: the live site is exactly the previous build or exactly the new one; the publish raised nothing
but PublishError / TargetConfigError (or the test's own interruption); no lock is left held; a rerun without
faults completes and sends only what the target still lacked.

What the trials deliberately leave out, because a focused test below covers it (a product bug, xfail):
a lost answer to WebDAV's first MOVE (live -> deploys) and LOCK/UNLOCK faults (a WebDAV lock whose holder is
gone stays for LOCK_SECONDS).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
from cheroot import wsgi
from conftest import SITE_YAML, article, hebrew, run
from netlify_server import DEFINITION, Fault, NetlifyServer, load_definition
from wsgidav.wsgidav_app import WsgiDAVApp

from pipeline.build import build
from pipeline.target_netlify import NetlifyTarget
from pipeline.target_netlify import from_config as netlify_target
from pipeline.target_webdav import LOCK_SECONDS, MANIFEST, STAGING_RECORD, WebDavTarget
from pipeline.target_webdav import from_config as webdav_target
from pipeline.targets import FileEntry, PublishError, TargetConfigError, manifest

NETLIFY_TRIALS = int(os.environ.get("FP_N", 40))
WEBDAV_TRIALS = 30
LOCAL_TRIALS = 30
TOKEN = "nfp_faulted-Xk29-not-for-printing"
SAFE = (PublishError, TargetConfigError)  # what a failed publish may raise


def noop(path: str, size: int) -> None:
    pass


@dataclass
class Tally:
    """Outcomes of one section's trials, for its summary line."""

    name: str
    trials: int = 0
    completed: int = 0
    failed: int = 0
    mixes: int = 0
    extra: Counter[str] = field(default_factory=Counter)

    def add(self, ok: bool) -> None:
        self.trials += 1
        self.completed += ok
        self.failed += not ok

    def summary(self) -> str:
        more = "".join(f"; {what}: {n}" for what, n in sorted(self.extra.items()))
        return f"{self.name}: {self.trials} trials: {self.completed} completed, {self.failed} failed safely; {self.mixes} mixes{more}"


TALLIES: dict[str, Tally] = {}


# --- Netlify ---------------------------------------------------------------------------------------------------


class ChaosNetlify(NetlifyServer):
    """The contract-checked server, remembering which injected fault met which request (and when)."""

    def __init__(self) -> None:
        super().__init__(load_definition(), TOKEN)
        self.met: list[tuple[Fault, str, str, float]] = []  # (fault, method, path, when)

    def take_fault(self, method: str, path: str) -> Fault | None:
        fault = super().take_fault(method, path)
        if fault is not None:
            with self.lock:
                self.met.append((fault, method, path, time.monotonic()))
        return fault

    def live_digests(self) -> dict[str, str]:
        """The published deploy's files ("/path" -> sha1) as the model holds them: what readers get."""
        with self.lock:
            deploy = next((d for d in self.deploys if d.id == self.published), None)
            return dict(deploy.files) if deploy else {}

    def declared(self, deploy_id: str) -> dict[str, str]:
        """The files ("/path" -> sha1) deploy `deploy_id` was created with."""
        with self.lock:
            return dict(next(d for d in self.deploys if d.id == deploy_id).files)

    def quiet(self) -> None:
        """Clear the faults and wait for slow answers still sleeping in the server (they act on the model when they wake)."""
        with self.lock:
            self.faults.clear()
            self.next_deploy_error = None
            wake = max((at + fault.delay for fault, _, _, at in self.met), default=0.0)
        time.sleep(max(0.0, wake + 0.05 - time.monotonic()))


@contextmanager
def netlify() -> Iterator[ChaosNetlify]:
    if not DEFINITION.is_file():
        pytest.fail(f"Netlify's API definition is missing: {DEFINITION} (see tests/contracts/netlify/README.md)")
    server = ChaosNetlify()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def connect(server: NetlifyServer, root: Path, **options: Any) -> NetlifyTarget:
    settings = {"poll_interval": 0.005, "retry_base": 0.005, "rate_limit_max_wait": 0.05, "timeout": 5, "ready_timeout": 5, **options}
    return netlify_target("production", {"type": "netlify", "site_id": server.site_id, "api_url": server.url, **settings}, root)


def netlify_digests(files: dict[str, bytes]) -> dict[str, str]:
    return {"/" + unicodedata.normalize("NFC", path): hashlib.sha1(data).hexdigest() for path, data in files.items()}


def synthetic_builds(rng: random.Random, trial: int) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Version A (20 files: Hebrew paths, an empty file, two paths sharing bytes) and B (a few changed, one added, one gone)."""
    a: dict[str, bytes] = {"index.html": f"<h1>home {trial}</h1>".encode(), "static/.keep": b"", "static/site.css": b"body{margin-inline:0}"}
    for n in range(6):
        a[f"en/post-{n}/index.html"] = f"<p>post {n} of trial {trial}</p>".encode()
        a[f"he/מאמר-{n}/index.html"] = f"<p dir=rtl>מאמר {n}, ניסוי {trial}</p>".encode()
    a["404.html"] = a["en/404.html"] = b"<h1>not found</h1>"  # one digest, two paths
    a["api/en/articles.json"], a["api/he/articles.json"] = b'{"en": 6}', '{"he": "שש"}'.encode()
    a["feed.xml"] = b"<feed/>"
    assert len(a) == 20
    b = dict(a)
    for path in rng.sample(sorted(a), rng.randint(2, 5)):
        b[path] = a[path] + f" <!-- B {rng.random():.6f} -->".encode()
    b["he/מאמר-חדש/index.html"] = f"<p dir=rtl>חדש {trial}</p>".encode()
    del b[rng.choice(["feed.xml", "en/post-5/index.html", "static/site.css"])]
    return a, b


def netlify_faults(rng: random.Random, server: ChaosNetlify, wanted: list[str]) -> tuple[list[str], dict[str, Any]]:
    """Inject 1-3 faults into `server`; returns their names and the options the faulted target needs."""
    options: dict[str, Any] = {"concurrency": rng.randint(1, 4), "retries": 4}
    names: list[str] = []
    upload = "/deploys/*/files*"

    def one_path() -> str:
        return "/deploys/*/files" + rng.choice(wanted) if wanted and rng.random() < 0.7 else upload

    for kind in rng.sample(["reset", "lost", "5xx-upload", "5xx-getDeploy", "429-storm", "timeout", "wrong-sha1", "deploy-error"], rng.randint(1, 3)):
        if kind == "reset":
            server.inject(*[Fault("PUT", one_path(), reset=True) for _ in range(rng.randint(1, 2))])
        elif kind == "lost":  # the server acts, the answer never arrives
            method, pattern = rng.choice([("PUT", one_path()), ("POST", "/sites/*/deploys"), ("GET", "/deploys/*")])
            server.inject(Fault(method, pattern, lost=True))
        elif kind == "5xx-upload":
            pattern = one_path()
            server.inject(*[Fault("PUT", pattern, rng.choice([500, 502, 503])) for _ in range(rng.randint(1, 5))])
        elif kind == "5xx-getDeploy":
            server.inject(*[Fault("GET", "/deploys/*", rng.choice([500, 502, 503])) for _ in range(rng.randint(1, 5))])
        elif kind == "429-storm":
            method, pattern = rng.choice([("PUT", upload), ("GET", "/deploys/*"), ("POST", "/sites/*/deploys"), ("GET", "/sites/*")])
            for _ in range(rng.randint(3, 8)):
                reset = (("X-RateLimit-Reset", str(int(time.time() + rng.uniform(0, 1)))),) if rng.random() < 0.8 else ()
                server.inject(Fault(method, pattern, 429, "API rate limit exceeded", reset))
        elif kind == "timeout":
            options["timeout"] = 0.3
            method, pattern = rng.choice([("PUT", one_path()), ("GET", "/deploys/*"), ("POST", "/sites/*/deploys")])
            server.inject(*[Fault(method, pattern, delay=0.5) for _ in range(rng.randint(1, 2))])
        elif kind == "wrong-sha1":
            server.inject(Fault("PUT", one_path(), corrupt=True))
        else:
            server.next_deploy_error = "Build script returned non-zero exit code: 2"
        names.append(kind)
    return names, options


def assert_no_token(exc: BaseException | None) -> None:
    seen = []
    while exc is not None:
        seen += [str(exc), repr(exc)]
        exc = exc.__cause__ or exc.__context__
    assert not [text for text in seen if TOKEN in text]


@pytest.mark.slow
def test_netlify_publishes_under_random_faults_are_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETLIFY_AUTH_TOKEN", TOKEN)
    tally = TALLIES["netlify"] = Tally("netlify")
    for trial in range(NETLIFY_TRIALS):
        rng = random.Random(trial)
        T0 = time.monotonic()
        a, b = synthetic_builds(rng, trial)
        want_a, want_b = netlify_digests(a), netlify_digests(b)
        root = tmp_path / f"n{trial}"
        with netlify() as server:
            connect(server, root).publish(a, False, noop)
            assert server.live_digests() == want_a
            mark = len(server.uploads)
            wanted = sorted(path for path, sha in want_b.items() if sha not in server.blobs)
            kinds, options = netlify_faults(rng, server, wanted)
            where = f"netlify trial {trial} ({', '.join(kinds)}; {options})"
            target = connect(server, root, **options)
            failure: BaseException | None = None
            try:
                with target.lock("pipeline publish"):
                    target.publish(b, False, noop)
            except SAFE as exc:
                failure = exc
            except Exception as exc:  # noqa: BLE001 - reported with the trial that found it
                pytest.fail(f"{where}: the publish raised {exc!r}, not a PublishError")
            assert_no_token(failure)
            live = server.live_digests()
            tally.mixes += live not in (want_a, want_b)
            assert live in (want_a, want_b), f"{where}: the live site is a mix of A and B"
            assert not target.lock_path.exists(), f"{where}: the lock was left behind"
            tally.add(failure is None)
            if os.environ.get("FP_DEBUG"):
                print(where, "->", repr(failure)[:120], f"{time.monotonic() - T0:.2f}")
            if failure is not None and live == want_b:
                tally.extra["raised but B live"] += 1

            # Accepted uploads of one digest twice: only when an answer was lost or came too late (the client retried).
            failed_run = Counter(server.declared(deploy_id)[path] for deploy_id, path in server.uploads[mark:])
            cut_off = {path for fault, method, path, _ in server.met if method == "PUT" and (fault.lost or fault.delay)}
            for sha, count in failed_run.items():
                if count > 1 and options.get("timeout", 5) >= 5:
                    paths = {path for path, digest in want_b.items() if digest == sha}
                    assert paths & cut_off, f"{where}: {sorted(paths)} uploaded {count} times without a lost answer"

            server.quiet()
            had = set(server.blobs)
            receipt = connect(server, root).publish(b, False, noop)
            rerun = server.uploaded(receipt.deploy_id)
            assert server.live_digests() == want_b, f"{where}: the rerun did not make B live"
            assert {want_b[path] for path in rerun}.isdisjoint(had), f"{where}: the rerun uploaded what Netlify had"
            assert len(rerun) == receipt.uploaded == len(set(want_b.values()) - had), f"{where}: the rerun missed or repeated uploads"
            assert server.violations == [], f"{where}: contract violations:\n" + "\n".join(server.violations)
    print(tally.summary())
    assert tally.trials == tally.completed + tally.failed == NETLIFY_TRIALS and tally.mixes == 0
