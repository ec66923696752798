"""The netlify target against an in-memory Netlify on loopback that checks every request against Netlify's definition."""

from __future__ import annotations

import getpass
import json
import math
import os
import threading
import time
import unicodedata
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from netlify_server import DEFINITION, SHARED_DEFINITION, Fault, NetlifyServer, load_definition

from pipeline import __version__
from pipeline.publish.targets.base import PublishError, TargetConfigError, manifest
from pipeline.publish.targets.netlify import NetlifyTarget, from_config

# Read before conftest's autouse fixture deletes them: only the smoke test uses them, passed explicitly.
REAL_TOKEN, REAL_SITE = os.environ.get("NETLIFY_AUTH_TOKEN"), os.environ.get("NETLIFY_SITE_ID")

TOKEN = "nfp_test-Zq81xW-not-for-printing"
FAST = {"poll_interval": 0.01, "retry_base": 0.01, "timeout": 5, "ready_timeout": 5}
V1 = {
    "index.html": b"<h1>Kindness</h1>",
    "en/index.html": b"<h1>Kindness</h1>",  # the same bytes: one digest, uploaded once
    "he/index.html": "<h1>טוב לב</h1>".encode(),
    "api/articles.json": b"[]",
    "static/.keep": b"",
}
V2 = {**V1, "he/index.html": "<h1>טוב לב!</h1>".encode()}


@pytest.fixture
def server() -> Iterator[NetlifyServer]:
    """The server on 127.0.0.1 (port 0); a test fails when the client broke the definition anywhere."""
    if not DEFINITION.is_file():
        pytest.fail(f"Netlify's API definition is missing: {DEFINITION} (see tests/contracts/netlify/README.md)")
    server = NetlifyServer(load_definition(), TOKEN)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()
    assert server.violations == [], "requests or answers that Netlify's definition rejects:\n" + "\n".join(server.violations)


@pytest.fixture
def connect(server: NetlifyServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., NetlifyTarget]:
    """A target on the server, with fast polls and back-off; keyword arguments override options (`token` the token)."""

    def connect(token: str = TOKEN, **options: Any) -> NetlifyTarget:
        monkeypatch.setenv("NETLIFY_AUTH_TOKEN", token)
        return from_config("production", {"type": "netlify", "site_id": server.site_id, "api_url": server.url, **FAST, **options}, tmp_path)

    return connect


class Sent(list[str]):
    """A progress callback that remembers the paths it was told about."""

    def __call__(self, path: str, size: int) -> None:
        self.append(path)


def slash(files: dict[str, bytes]) -> list[str]:
    return sorted("/" + path for path in files)


def test_a_first_publish_uploads_every_file_once_and_goes_live(server: NetlifyServer, connect: Callable[..., NetlifyTarget]) -> None:
    sent = Sent()
    receipt = connect().publish(V1, False, sent)
    assert server.uploaded() == ["/api/articles.json", "/en/index.html", "/he/index.html", "/static/.keep"]  # not /index.html: same digest
    assert sorted(sent) == ["api/articles.json", "en/index.html", "he/index.html", "static/.keep"]
    assert (receipt.uploaded, receipt.uploaded_bytes, receipt.total, receipt.draft) == (4, 17 + 20 + 2, 5, False)
    assert receipt.url == "https://kindness-blog.netlify.app"
    assert server.published == receipt.deploy_id and receipt.notes == ()
    assert {seen.agent for seen in server.seen} == {f"pipeline/{__version__}"}


def test_a_second_publish_of_the_same_files_uploads_nothing(server: NetlifyServer, connect: Callable[..., NetlifyTarget]) -> None:
    target = connect()
    target.publish(V1, False, Sent())
    sent = Sent()
    again = target.publish(V1, False, sent)
    assert (server.uploaded(again.deploy_id), sent, again.uploaded, again.uploaded_bytes) == ([], [], 0, 0)
    assert server.published == again.deploy_id


def test_after_one_change_only_that_file_is_uploaded(server: NetlifyServer, connect: Callable[..., NetlifyTarget]) -> None:
    target = connect()
    target.publish(V1, False, Sent())
    receipt = target.publish(V2, False, Sent())
    assert server.uploaded(receipt.deploy_id) == ["/he/index.html"]
    assert (receipt.uploaded, receipt.total) == (1, 5)


def test_live_is_the_live_deploys_manifest(connect: Callable[..., NetlifyTarget]) -> None:
    target = connect()
    assert target.live() == {}
    target.publish(V1, False, Sent())
    assert target.live() == manifest(V1)  # our server gives sizes; where Netlify leaves them out, live() says 0


def test_a_draft_gets_its_own_url_and_leaves_the_live_site_alone(server: NetlifyServer, connect: Callable[..., NetlifyTarget]) -> None:
    target = connect()
    first = target.publish(V1, False, Sent())
    draft = target.publish(V2, True, Sent())
    assert draft.draft and draft.url == f"https://{draft.deploy_id}--kindness-blog.netlify.app"
    assert server.published == first.deploy_id
    assert target.live() == manifest(V1)


def test_hebrew_paths_and_spaces_are_sent_percent_encoded_in_nfc(server: NetlifyServer, connect: Callable[..., NetlifyTarget]) -> None:
    decomposed = unicodedata.normalize("NFD", "he/café ☕.html")
    target = connect()
    files = {"he/שלום עולם/index.html": b"<p>shalom</p>", decomposed: b"<p>cafe</p>", "static/c# & 100%?.txt": b"notes"}
    receipt = target.publish(files, False, Sent())
    nfc = ["/he/café ☕.html", "/he/שלום עולם/index.html", "/static/c# & 100%?.txt"]
    assert server.uploaded(receipt.deploy_id) == nfc
    raw = sorted(seen.raw for seen in server.seen if seen.method == "PUT")
    assert raw == sorted(f"/api/v1/deploys/{receipt.deploy_id}/files{quote(path, safe='/')}" for path in nfc)
    assert raw[0].endswith("/he/%D7%A9%D7%9C%D7%95%D7%9D%20%D7%A2%D7%95%D7%9C%D7%9D/index.html")
    assert raw[1].endswith("/he/caf%C3%A9%20%E2%98%95.html")  # é composed (NFC), not e + U+0301
    assert raw[2].endswith("/static/c%23%20%26%20100%25%3F.txt")
    assert sorted(target.live()) == [path[1:] for path in nfc]


def test_an_async_deploy_is_polled_until_prepared_before_anything_is_uploaded(
    server: NetlifyServer, connect: Callable[..., NetlifyTarget]
) -> None:
    receipt = connect(async_threshold=2).publish(V1, False, Sent())
    deploy = f"/deploys/{receipt.deploy_id}"
    assert [(s.method, s.path) for s in server.seen[:3]] == [("POST", f"/sites/{server.site_id}/deploys"), ("GET", deploy), ("GET", deploy)]
    assert server.seen[3].method == "PUT"  # only once the deploy said `prepared` (it answered `new`, then `preparing`)
    assert len(server.uploaded()) == 4 and server.published == receipt.deploy_id


def test_a_rate_limit_is_waited_out_until_its_reset(server: NetlifyServer, connect: Callable[..., NetlifyTarget]) -> None:
    reset = math.ceil(time.time() + 0.5)
    server.inject(Fault("PUT", "/deploys/*/files/*", 429, "API rate limit exceeded", (("X-RateLimit-Reset", str(reset)),)))
    started = time.monotonic()
    connect(concurrency=1).publish(V1, False, Sent())
    elapsed = time.monotonic() - started
    puts = [s for s in server.seen if s.method == "PUT"]
    limited = next(s for s in puts if s.status == 429)
    retried = next(s for s in puts if s.status == 200 and s.path == limited.path)
    assert retried.at >= reset - 0.01 and 0.45 <= elapsed <= 2.0
    assert len(server.uploaded()) == 4


def test_a_rate_limit_wait_is_capped(server: NetlifyServer, connect: Callable[..., NetlifyTarget]) -> None:
    server.inject(Fault("GET", "/sites/*/files", 429, "API rate limit exceeded", (("X-RateLimit-Reset", str(int(time.time()) + 3600)),)))
    started = time.monotonic()
    assert connect(rate_limit_max_wait=0.2).live() == {}
    assert 0.15 <= time.monotonic() - started <= 1.5


def test_server_errors_and_a_reset_connection_are_retried(server: NetlifyServer, connect: Callable[..., NetlifyTarget]) -> None:
    server.inject(
        Fault("POST", "/sites/*/deploys", 500),
        Fault("PUT", "/deploys/*/files/*", 503),
        Fault("PUT", "/deploys/*/files/*", reset=True),
        Fault("GET", "/deploys/*", 502),
        Fault("GET", "/deploys/*", 429),  # without X-RateLimit-Reset: back off
    )
    receipt = connect().publish(V1, False, Sent())
    assert server.faults == [] and sorted(s.status for s in server.seen if s.status not in (200, 201)) == [0, 429, 500, 502, 503]
    assert len(server.uploaded()) == 4 and server.published == receipt.deploy_id


def test_a_slow_answer_times_out_and_is_retried(server: NetlifyServer, connect: Callable[..., NetlifyTarget]) -> None:
    server.inject(Fault("GET", "/deploys/*", delay=0.6))
    receipt = connect(timeout=0.2).publish(V1, False, Sent())
    assert server.published == receipt.deploy_id


def test_server_errors_give_up_after_the_last_try(server: NetlifyServer, connect: Callable[..., NetlifyTarget]) -> None:
    server.inject(*[Fault("GET", "/sites/*/files", 503, "Service Unavailable")] * 3)
    with pytest.raises(PublishError, match=r"GET /sites/.*/files: Netlify answered 503 3 times: Service Unavailable"):
        connect(retries=3).live()


def test_a_422_on_upload_is_not_retried_and_the_deploy_is_cancelled(server: NetlifyServer, connect: Callable[..., NetlifyTarget]) -> None:
    target = connect()
    first = target.publish(V1, False, Sent())
    server.inject(Fault("PUT", "/deploys/*/files/*", 422, "File exceeds the size limit"))
    with pytest.raises(PublishError, match="422: File exceeds the size limit"):
        target.publish(V2, False, Sent())
    failed = server.deploys[-1].id
    assert [s.status for s in server.seen if s.method == "PUT" and failed in s.path] == [422]
    assert server.cancelled == [failed]
    assert server.published == first.deploy_id and target.live() == manifest(V1)


def test_a_rerun_after_a_failed_publish_uploads_only_what_is_still_required(
    server: NetlifyServer, connect: Callable[..., NetlifyTarget]
) -> None:
    target = connect(concurrency=1)
    target.publish(V1, False, Sent())
    v3 = {**V1, "a.html": b"a", "b.html": b"b", "c.html": b"c"}
    server.inject(Fault("PUT", "/deploys/*/files/b.html", 422, "interrupted"))
    with pytest.raises(PublishError, match="interrupted"):
        target.publish(v3, False, Sent())
    before = server.uploaded()
    assert "/a.html" in before and "/b.html" not in before
    receipt = target.publish(v3, False, Sent())
    assert server.uploaded(receipt.deploy_id) == sorted({"/b.html", "/c.html"} - set(before))
    assert target.live() == manifest(v3)


def test_a_deploy_that_ends_in_error_raises_netlifys_message(server: NetlifyServer, connect: Callable[..., NetlifyTarget]) -> None:
    target = connect()
    first = target.publish(V1, False, Sent())
    server.next_deploy_error = "Failed to parse the _headers file"
    with pytest.raises(PublishError, match="Failed to parse the _headers file"):
        target.publish(V2, False, Sent())
    assert server.published == first.deploy_id and target.live() == manifest(V1)


def test_a_deploy_that_never_gets_ready_is_given_up_and_cancelled(server: NetlifyServer, connect: Callable[..., NetlifyTarget]) -> None:
    server.stalled = True
    with pytest.raises(PublishError, match="not ready, after 0.1 s; gave up"):
        connect(ready_timeout=0.1).publish(V1, False, Sent())
    assert server.cancelled == [server.deploys[-1].id] and server.published is None


def test_a_refused_token_stops_at_once_and_is_never_shown(
    server: NetlifyServer, connect: Callable[..., NetlifyTarget], capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "nfp_WRONG-secret-4471-do-not-print"
    target = connect(token=wrong)
    with pytest.raises(TargetConfigError) as caught:
        target.publish(V1, False, Sent())
    message = str(caught.value)
    assert "the token in $NETLIFY_AUTH_TOKEN was refused (401" in message and "personal access token" in message
    assert len(server.seen) == 1  # not retried
    chain = [caught.value, caught.value.__cause__, caught.value.__context__]
    shown = [str(e) for e in chain] + [repr(e) for e in chain] + [repr(target), repr(target.client), *capfd.readouterr(), caplog.text]
    assert not [text for text in shown if wrong in text]


def test_a_missing_token_or_bad_options_are_config_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(TargetConfigError, match=r"set \$NETLIFY_AUTH_TOKEN to a Netlify personal access token"):
        from_config("production", {"site_id": "abc"}, tmp_path)
    with pytest.raises(TargetConfigError, match=r"\$MY_NETLIFY_TOKEN"):
        from_config("production", {"site_id": "abc", "token_env": "MY_NETLIFY_TOKEN"}, tmp_path)
    monkeypatch.setenv("NETLIFY_AUTH_TOKEN", TOKEN)
    with pytest.raises(TargetConfigError) as caught:
        from_config("production", {"concurrency": 0, "timeout": "soon", "colour": "blue"}, tmp_path)
    for part in ("unknown option 'colour'", "`site_id` is required", "`concurrency` must be", "`timeout` must be"):
        assert part in str(caught.value)
    assert TOKEN not in repr(from_config("production", {"site_id": "abc"}, tmp_path))


def test_a_wrong_site_id_is_a_config_error(connect: Callable[..., NetlifyTarget]) -> None:
    with pytest.raises(TargetConfigError, match="Netlify has no site 'no-such-site'.*check site_id"):
        connect(site_id="no-such-site").live()


def test_deploys_lists_the_history_newest_first_and_marks_the_live_one(connect: Callable[..., NetlifyTarget]) -> None:
    target = connect()
    first = target.publish(V1, False, Sent())
    second = target.publish(V2, False, Sent())
    draft = target.publish(V1, True, Sent())
    history = target.deploys()
    assert [(d.id, d.state) for d in history] == [(draft.deploy_id, "draft"), (second.deploy_id, "live"), (first.deploy_id, "previous")]
    assert history[1].url == "https://kindness-blog.netlify.app" and history[2].url.startswith(f"https://{first.deploy_id}--")


def test_rollback_and_restore_switch_the_live_deploy(server: NetlifyServer, connect: Callable[..., NetlifyTarget]) -> None:
    target = connect()
    first = target.publish(V1, False, Sent())
    second = target.publish(V2, False, Sent())
    back = target.rollback(None)
    assert (back.deploy_id, back.uploaded, back.total, back.url) == (first.deploy_id, 0, 5, "https://kindness-blog.netlify.app")
    assert server.published == first.deploy_id and target.live() == manifest(V1)
    forward = target.rollback(second.deploy_id)
    assert forward.deploy_id == second.deploy_id and target.live() == manifest(V2)
    with pytest.raises(PublishError, match="has no deploy 'nope'"):
        target.rollback("nope")


def test_the_lock_refuses_a_second_holder_and_names_the_first(connect: Callable[..., NetlifyTarget], tmp_path: Path) -> None:
    target = connect()
    with target.lock("pipeline publish"):
        assert (tmp_path / ".pipeline-cache" / "locks" / "production.lock").is_file()
        with pytest.raises(PublishError) as caught, target.lock("pipeline publish"):
            pass
    assert f"target 'production' is locked by another publish: {getpass.getuser()}" in str(caught.value)
    assert f"process {os.getpid()}" in str(caught.value)
    with target.lock("pipeline publish"):  # released, so it can be taken again
        pass


def test_the_server_records_what_the_definition_rejects(server: NetlifyServer) -> None:
    """The contract check itself: a request the definition rejects is answered 400 and recorded; a wrong digest is refused."""

    def send(method: str, path: str, body: bytes, content_type: str) -> int:
        request = urllib.request.Request(
            server.url + path, body, {"Authorization": f"Bearer {TOKEN}", "Content-Type": content_type}, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as error:
            return error.code

    assert send("POST", f"/sites/{server.site_id}/deploys", json.dumps({"files": ["/a.html"]}).encode(), "application/json") == 400
    assert len(server.violations) == 1 and "is not of type 'object'" in server.violations[0]
    server.violations.clear()
    digest = "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8"  # SHA-1 of b"a"
    assert send("POST", f"/sites/{server.site_id}/deploys", json.dumps({"files": {"/a.html": digest}}).encode(), "application/json") == 200
    assert send("PUT", f"/deploys/{server.deploys[-1].id}/files/a.html", b"not a", "application/octet-stream") == 422
    assert server.deploys[-1].required == {digest} and server.violations == []


@pytest.mark.skipif(not (REAL_TOKEN and REAL_SITE), reason="set NETLIFY_AUTH_TOKEN and NETLIFY_SITE_ID to try a draft deploy on Netlify")
def test_live_netlify_draft_smoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A draft deploy of two tiny files on the real Netlify: it gets a URL and the live site is unchanged."""
    monkeypatch.setenv("PIPELINE_SMOKE_NETLIFY_TOKEN", REAL_TOKEN or "")
    target = from_config("smoke", {"site_id": REAL_SITE, "token_env": "PIPELINE_SMOKE_NETLIFY_TOKEN", "ready_timeout": 120}, tmp_path)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    files = {
        "index.html": f"<!doctype html><title>pipeline smoke</title><p>{stamp}</p>".encode(),
        "he/index.html": f"<p dir=rtl>בדיקה {stamp}</p>".encode(),
    }
    live_before = target.live()
    receipt = target.publish(files, True, Sent())
    assert receipt.draft and receipt.url.startswith("https://") and receipt.total == 2 and receipt.uploaded == 2
    assert target.live() == live_before
    assert receipt.deploy_id in [d.id for d in target.deploys()]


@pytest.mark.skipif(not SHARED_DEFINITION.is_file(), reason="the team's shared/ folder is not beside this checkout")
def test_the_contract_is_the_teams_copy_of_netlifys_definition() -> None:
    assert DEFINITION.read_bytes() == SHARED_DEFINITION.read_bytes(), "refresh tests/contracts/netlify/ from shared/netlify/"
