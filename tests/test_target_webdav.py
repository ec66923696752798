"""The webdav target against a real wsgidav server on loopback."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
from cheroot import wsgi
from wsgidav.lock_man.lock_storage import LockStorageDict
from wsgidav.wsgidav_app import WsgiDAVApp

from pipeline.publish import locks
from pipeline.publish.targets.base import PublishError, TargetConfigError, manifest
from pipeline.publish.targets.webdav import WebDavTarget, from_config

Rule = Callable[[str, str, dict[str, Any]], int | None]  # (method, path, environ) -> a status to answer instead, or None

FIRST = {
    "index.html": b"<h1>home</h1>",
    "he/index.html": "<h1>בית</h1>".encode(),
    "feed.xml": b"<feed/>",
    "posts/a/index.html": b"a",
    "posts/b/index.html": b"b",
}


@dataclass
class DavServer:
    url: str  # http://127.0.0.1:<port>/
    folder: Path  # what it serves
    log: list[tuple[str, str, int]] = field(default_factory=list)  # (method, path, status) of each request
    rules: list[Rule] = field(default_factory=list)

    def sent(self, since: int, method: str = "PUT") -> list[str]:
        """Site paths `method` succeeded on (in staging or live) since log entry `since`; our own records left out."""
        paths = []
        for logged, path, status in self.log[since:]:
            for prefix in ("/sites/.dav.staging/", "/sites/blog/"):
                if logged == method and status < 300 and path.startswith(prefix) and not path.startswith(prefix + ".pipeline-"):
                    paths.append(path.removeprefix(prefix))
        return paths

    def served(self) -> dict[str, bytes]:
        """The live site's files on disk, without the manifest."""
        live = self.folder / "sites" / "blog"
        files = {path.relative_to(live).as_posix(): path.read_bytes() for path in live.rglob("*") if path.is_file()}
        files.pop(".pipeline-manifest.json")
        return files


def dav_app(folder: Path) -> WsgiDAVApp:
    """A real wsgidav serving `folder`, with basic auth for tester/s3cret and WebDAV locks."""
    return WsgiDAVApp(
        {
            "provider_mapping": {"/": str(folder)},
            "http_authenticator": {"domain_controller": None, "accept_basic": True, "accept_digest": False, "default_to_digest": False},
            "simple_dc": {"user_mapping": {"*": {"tester": {"password": "s3cret"}}}},
            "lock_storage": True,
            "verbose": 0,
            "logging": {"enable": False},
        }
    )


@pytest.fixture
def dav(tmp_path: Path) -> Iterator[DavServer]:
    folder = tmp_path / "dav"
    (folder / "sites").mkdir(parents=True)
    logging.getLogger("wsgidav").setLevel(logging.CRITICAL)
    app = dav_app(folder)
    server = DavServer("", folder)

    def recording(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"].encode("latin-1").decode("utf-8")
        for rule in server.rules:
            if (status := rule(method, path, environ)) is not None:
                server.log.append((method, path, status))
                start_response(f"{status} Refused by the test", [("Content-Length", "0")])
                return [b""]

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            server.log.append((method, path, int(status[:3])))
            return start_response(status, headers, exc_info)

        return app(environ, start)

    httpd = wsgi.Server(("127.0.0.1", 0), recording)
    httpd.expiration_interval = 0.05  # so that stop() returns at once
    httpd.prepare()
    thread = threading.Thread(target=httpd.serve, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{httpd.bind_addr[1]}/"
    try:
        yield server
    finally:
        httpd.stop()
        thread.join(5)


@pytest.fixture
def target(dav: DavServer, monkeypatch: pytest.MonkeyPatch) -> WebDavTarget:
    monkeypatch.setenv("WEBDAV_USERNAME", "tester")
    monkeypatch.setenv("WEBDAV_PASSWORD", "s3cret")
    return make_target(dav)


def make_target(dav: DavServer, **options: Any) -> WebDavTarget:
    return from_config("dav", {"type": "webdav", "url": dav.url + "sites/blog/", "retry_base": 0, **options}, Path("."))


def fetch(url: str) -> requests.Response:
    with requests.Session() as session:
        return session.get(url, auth=("tester", "s3cret"), timeout=5)


def noop(path: str, size: int) -> None:
    pass


def test_first_publish_sends_every_file_and_serves_the_build(dav: DavServer, target: WebDavTarget) -> None:
    progress: list[tuple[str, int]] = []
    receipt = target.publish(FIRST, False, lambda path, size: progress.append((path, size)))
    assert (receipt.url, receipt.uploaded, receipt.total, receipt.draft) == (dav.url + "sites/blog/", 5, 5, False)
    assert receipt.uploaded_bytes == sum(map(len, FIRST.values()))
    assert sorted(progress) == sorted((path, len(data)) for path, data in FIRST.items())
    assert dav.served() == FIRST
    assert {path: fetch(receipt.url + path).content for path in FIRST} == FIRST
    assert target.live() == manifest(FIRST)
    assert not (dav.folder / "sites" / ".dav.staging").exists()


def test_unchanged_publish_sends_nothing(dav: DavServer, target: WebDavTarget) -> None:
    first = target.publish(FIRST, False, noop)
    mark = len(dav.log)
    again = target.publish(dict(FIRST), False, noop)
    assert [method for method, _, _ in dav.log[mark:] if method not in ("GET", "PROPFIND")] == []
    assert (again.deploy_id, again.uploaded) == (first.deploy_id, 0)


def test_one_change_sends_that_file_and_deletes_removed_ones(dav: DavServer, target: WebDavTarget) -> None:
    target.publish(FIRST, False, noop)
    second = {**FIRST, "index.html": b"<h1>new home</h1>"}
    del second["posts/b/index.html"], second["feed.xml"]
    mark = len(dav.log)
    receipt = target.publish(second, False, noop)
    assert dav.sent(mark) == ["index.html"]
    assert sorted(dav.sent(mark, "DELETE")) == ["feed.xml", "posts/b/"]
    assert (receipt.uploaded, receipt.total) == (1, 3)
    assert dav.served() == second
    assert not (dav.folder / "sites" / "blog" / "posts" / "b").exists()


def test_hebrew_and_space_paths_round_trip(dav: DavServer, target: WebDavTarget) -> None:
    files = {"he/מאמר ראשון/index.html": "<p>שלום</p>".encode(), "a b.html": b"space", "he/תגיות/טוב לב.json": b"{}"}
    target.publish(files, False, noop)
    assert dav.served() == files
    assert {path: fetch(dav.url + "sites/blog/" + quote(path)).content for path in files} == files
    assert target.live() == manifest(files)
    mark = len(dav.log)
    target.publish(files, False, noop)
    assert dav.sent(mark) == []


def test_interrupted_publish_keeps_the_live_site_and_the_rerun_sends_only_the_rest(dav: DavServer, target: WebDavTarget) -> None:
    first = {f"posts/{n}.html": f"old {n}".encode() for n in range(12)}
    target.publish(first, False, noop)
    second = {path: data + b" new" for path, data in first.items()} | {"posts/new.html": b"new"}

    class Stop(Exception):
        pass

    seen: list[str] = []

    def stop_after_four(path: str, size: int) -> None:
        seen.append(path)
        if len(seen) == 4:
            raise Stop

    mark = len(dav.log)
    with pytest.raises(Stop):
        target.publish(second, False, stop_after_four)
    assert dav.served() == first
    assert target.live() == manifest(first)
    staged = set(dav.sent(mark))
    assert 4 <= len(staged) < len(second)

    mark = len(dav.log)
    receipt = target.publish(second, False, noop)
    assert set(dav.sent(mark)) == set(second) - staged
    assert receipt.uploaded == len(second) - len(staged)
    assert any("resumed" in note for note in receipt.notes)
    assert dav.served() == second


def test_a_failed_switch_moves_the_old_site_back_and_the_rerun_sends_nothing(dav: DavServer, target: WebDavTarget) -> None:
    target.publish(FIRST, False, noop)
    second = {**FIRST, "index.html": b"<h1>changed</h1>"}

    def refuse_moving_staging_in(method: str, path: str, environ: dict[str, Any]) -> int | None:
        return 500 if method == "MOVE" and path == "/sites/.dav.staging/" and environ["HTTP_DESTINATION"].endswith("/sites/blog/") else None

    dav.rules.append(refuse_moving_staging_in)
    with pytest.raises(PublishError, match="live again"):
        target.publish(second, False, noop)
    assert dav.served() == FIRST
    dav.rules.clear()
    mark = len(dav.log)
    target.publish(second, False, noop)
    assert dav.sent(mark) == []
    assert dav.served() == second


def test_server_errors_are_retried(dav: DavServer, target: WebDavTarget) -> None:
    refused: set[str] = set()

    def fail_each_put_once(method: str, path: str, environ: dict[str, Any]) -> int | None:
        if method == "PUT" and path not in refused:
            refused.add(path)
            return 503
        return None

    dav.rules.append(fail_each_put_once)
    receipt = target.publish(FIRST, False, noop)
    assert receipt.uploaded == 5
    assert dav.served() == FIRST


def test_a_draft_leaves_the_live_site_alone(dav: DavServer, target: WebDavTarget) -> None:
    live = target.publish(FIRST, False, noop)
    draft_files = {**FIRST, "index.html": b"<h1>draft</h1>"}
    mark = len(dav.log)
    draft = target.publish(draft_files, True, noop)
    assert dav.sent(mark) == ["index.html"]
    assert draft.draft and draft.url == f"{dav.url}sites/.dav.drafts/{quote(draft.deploy_id)}/"
    assert fetch(draft.url + "index.html").content == b"<h1>draft</h1>"
    assert dav.served() == FIRST
    assert target.live() == manifest(FIRST)
    assert [(deploy.id, deploy.state) for deploy in target.deploys()] == [(draft.deploy_id, "draft"), (live.deploy_id, "live")]
    promoted = target.rollback(draft.deploy_id)  # a draft can be made live as it is
    assert (promoted.deploy_id, promoted.uploaded) == (draft.deploy_id, 0)
    assert dav.served() == draft_files


def test_deploys_and_rollback(dav: DavServer, target: WebDavTarget) -> None:
    builds = [{"index.html": f"version {n}".encode(), f"only-{n}.html": b"x"} for n in range(3)]
    ids = [target.publish(build, False, noop).deploy_id for build in builds]
    history = target.deploys()
    assert [(deploy.id, deploy.state, deploy.files) for deploy in history] == [
        (ids[2], "live", 2),
        (ids[1], "previous", 2),
        (ids[0], "previous", 2),
    ]
    back = target.rollback(None)
    assert (back.deploy_id, back.total) == (ids[1], 2)
    assert dav.served() == builds[1]
    assert {deploy.id: deploy.state for deploy in target.deploys()} == {ids[1]: "live", ids[2]: "previous", ids[0]: "previous"}
    target.rollback(ids[0])
    assert dav.served() == builds[0]
    assert target.live() == manifest(builds[0])
    with pytest.raises(PublishError, match="already live"):
        target.rollback(ids[0])
    with pytest.raises(PublishError, match="no deploy 'nope'"):
        target.rollback("nope")


def test_only_the_newest_deploys_are_kept(dav: DavServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBDAV_USERNAME", "tester")
    monkeypatch.setenv("WEBDAV_PASSWORD", "s3cret")
    target = make_target(dav, keep=2)
    receipts = [target.publish({"index.html": f"v{n}".encode()}, False, noop) for n in range(4)]
    ids = [receipt.deploy_id for receipt in receipts]
    assert [deploy.id for deploy in target.deploys()] == ids[::-1][:3]
    assert sorted(path.name for path in (dav.folder / "sites" / ".dav.deploys").iterdir()) == ids[1:3]
    assert "removed 1 old deploy(s) from /sites/.dav.deploys/, keeping the newest 2" in receipts[-1].notes

    def refuse_deleting_deploys(method: str, path: str, environ: dict[str, Any]) -> int | None:
        return 403 if method == "DELETE" and path.startswith("/sites/.dav.deploys/") else None

    dav.rules.append(refuse_deleting_deploys)
    last = target.publish({"index.html": b"v4"}, False, noop)  # the deploy is live: failing to prune only leaves a note
    assert any(note.startswith("could not remove old deploys") for note in last.notes)
    assert dav.served() == {"index.html": b"v4"}


def test_a_second_lock_names_the_holder(dav: DavServer, target: WebDavTarget) -> None:
    other = make_target(dav)
    me = locks.holder_description()
    with target.lock("pipeline publish"):
        with pytest.raises(PublishError) as info, other.lock("pipeline publish"):
            pass
        target.publish(FIRST, False, noop)  # the lock is on .dav.lock, so writes elsewhere need no If header
    assert f"{me['user']} on {me['host']} (process {me['pid']}" in str(info.value)
    with other.lock("pipeline publish"):
        assert ("UNLOCK", "/sites/.dav.lock", 204) in dav.log
    assert dav.served() == FIRST


def test_a_wrong_password_stops_without_showing_it(dav: DavServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBDAV_USERNAME", "tester")
    monkeypatch.setenv("WEBDAV_PASSWORD", "not-the-s3cret")
    target = make_target(dav)
    with pytest.raises(TargetConfigError) as info:
        target.publish(FIRST, False, noop)
    shown = "".join(traceback.format_exception(info.value)) + repr(info.value) + repr(target)
    assert "refused the credentials from $WEBDAV_USERNAME and $WEBDAV_PASSWORD" in str(info.value)
    assert "not-the-s3cret" not in shown
    assert [status for method, _, status in dav.log if method == "PUT"] == []


def test_no_credentials_asks_for_them(dav: DavServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEBDAV_USERNAME", raising=False)
    monkeypatch.delenv("WEBDAV_PASSWORD", raising=False)
    with pytest.raises(TargetConfigError, match="asks for credentials"):
        make_target(dav).live()


def test_an_unreachable_server_is_a_publish_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    target = from_config("dav", {"url": f"http://127.0.0.1:{port}/sites/blog/", "retries": 2, "retry_base": 0}, Path("."))
    with pytest.raises(PublishError, match=f"cannot reach the WebDAV server at 127.0.0.1:{port} .*tried 3 times"):
        target.live()


def test_a_missing_parent_collection_is_a_config_error(dav: DavServer, target: WebDavTarget) -> None:
    missing = from_config("dav", {"url": dav.url + "nowhere/blog/"}, Path("."))
    with pytest.raises(TargetConfigError, match="/nowhere/ does not exist"):
        missing.live()
    with pytest.raises(TargetConfigError, match="/nowhere/ does not exist"):
        missing.publish(FIRST, False, noop)
    assert target.live() == {}


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        ({}, "`url` is required"),
        ({"url": "https://dav.example.org/sites/blog"}, "ending in /"),
        ({"url": "https://dav.example.org/"}, "below the server's root"),
        ({"url": "ftp://dav.example.org/blog/"}, "http:// or https://"),
        ({"url": "https://me:pw@dav.example.org/blog/"}, "must not carry credentials"),
        ({"url": "https://dav.example.org/blog/", "retries": -1}, "`retries` must be a whole number at least 0"),
        ({"url": "https://dav.example.org/blog/", "concurrency": "4"}, "`concurrency` must be a whole number"),
        ({"url": "https://dav.example.org/blog/", "timeout": 0}, "`timeout` must be a number more than 0"),
        ({"url": "https://dav.example.org/blog/", "token": "x"}, "unknown option"),
        ({"url": "https://dav.example.org/blog/", "public_url": "blog.example.org"}, "`public_url` must be an http:// or https://"),
    ],
)
def test_bad_options_are_config_errors(options: dict[str, Any], complaint: str) -> None:
    with pytest.raises(TargetConfigError, match=complaint) as info:
        from_config("dav", options, Path("."))
    assert "pw@" not in str(info.value)


def test_urls_and_unsafe_paths(dav: DavServer, target: WebDavTarget) -> None:
    hebrew = from_config("dav", {"url": "https://dav.example.org/אתרים/בלוג/", "token_hosts": ["dav.example.org"]}, Path("."))
    assert hebrew.settings.url == "https://dav.example.org/" + quote("אתרים") + "/" + quote("בלוג") + "/"
    assert repr(hebrew) == f"WebDavTarget(name='dav', url={hebrew.settings.url!r})"
    for bad in ("../escape.html", "a//b.html", "/abs.html", ".pipeline-manifest.json"):
        with pytest.raises(PublishError, match="not a plain relative path"):
            target.publish({bad: b"x"}, False, noop)
    assert not (dav.folder / "escape.html").exists()


def _refuse_the_switch(dav: DavServer, *, also_moving_back: bool) -> None:
    """503 on staging's MOVE into the live place, and from then on on every PROPFIND (and, if asked, on moving a deploy back)."""
    failed = threading.Event()

    def rule(method: str, path: str, environ: dict[str, Any]) -> int | None:
        into_live = method == "MOVE" and environ.get("HTTP_DESTINATION", "").endswith("/sites/blog/")
        if into_live and path == "/sites/.dav.staging/":
            failed.set()
            return 503
        if failed.is_set() and (method == "PROPFIND" or (also_moving_back and into_live)):
            return 503
        return None

    dav.rules.append(rule)


def test_a_failed_switch_with_failing_propfinds_still_moves_the_old_site_back(dav: DavServer, target: WebDavTarget) -> None:
    first = target.publish(FIRST, False, noop)
    _refuse_the_switch(dav, also_moving_back=False)
    with pytest.raises(PublishError, match=f"{first.deploy_id} is live again"):
        target.publish({**FIRST, "index.html": b"<h1>changed</h1>"}, False, noop)
    assert dav.served() == FIRST


def test_a_switch_that_cannot_be_undone_names_the_one_command_that_restores_the_site(dav: DavServer, target: WebDavTarget) -> None:
    first = target.publish(FIRST, False, noop)
    _refuse_the_switch(dav, also_moving_back=True)
    with pytest.raises(PublishError) as raised:
        target.publish({**FIRST, "index.html": b"<h1>changed</h1>"}, False, noop)
    message = raised.value.message
    assert f"deploy {first.deploy_id} is whole in /sites/.dav.deploys/{first.deploy_id}/" in message
    assert f"`pipeline rollback {first.deploy_id}` makes {first.deploy_id} live again" in message
    assert fetch(dav.url + "sites/blog/").status_code == 404  # what the message warns of
    dav.rules.clear()
    with target.lock("test"):
        target.rollback(first.deploy_id)
    assert dav.served() == FIRST


def test_what_staging_holds_is_recorded_in_bytes_linear_in_the_site(dav: DavServer, target: WebDavTarget) -> None:
    recorded: list[int] = []

    def count_record_bytes(method: str, path: str, environ: dict[str, Any]) -> int | None:
        if method == "PUT" and (path.endswith("/.pipeline-staging.json") or path.startswith("/sites/.dav.journal/")):
            recorded.append(int(environ.get("CONTENT_LENGTH") or 0))
        return None

    dav.rules.append(count_record_bytes)
    files = {f"posts/{n // 50}/{n}/index.html": f"page {n}".encode() for n in range(1000)}
    target.publish(files, False, noop)
    one_record = sum(len(path) + 80 for path in files)  # a path and its digest and size, as the record lists them
    assert sum(recorded) < 3 * one_record  # the whole record once, then each batch once: not the record per batch
    assert dav.served() == files


def test_a_publish_killed_without_a_chance_to_save_resumes_from_its_journal(dav: DavServer, target: WebDavTarget) -> None:
    files = {f"posts/{n}.html": f"page {n}".encode() for n in range(120)}
    cut = threading.Event()

    def server_gone(method: str, path: str, environ: dict[str, Any]) -> int | None:
        return 503 if cut.is_set() else None

    class Killed(BaseException):  # what SIGKILL leaves: nothing more reaches the server
        pass

    seen: list[str] = []

    def kill_after_sixty(path: str, size: int) -> None:
        seen.append(path)
        if len(seen) == 60:
            cut.set()
            raise Killed

    dav.rules.append(server_gone)
    with pytest.raises(Killed):
        target.publish(files, False, kill_after_sixty)
    cut.clear()
    mark = len(dav.log)
    receipt = target.publish(files, False, noop)
    assert receipt.uploaded <= len(files) - 50  # the two journal entries written before the cut vouch for 50 files
    assert not set(dav.sent(mark)) & set(seen[:50])  # what the journal vouches for is never sent again
    assert dav.served() == files


def test_public_url_is_where_receipts_and_deploys_send_readers(dav: DavServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBDAV_USERNAME", "tester")
    monkeypatch.setenv("WEBDAV_PASSWORD", "s3cret")
    target = make_target(dav, public_url="https://blog.example.org/")
    first = target.publish(FIRST, False, noop)
    assert first.url == "https://blog.example.org/"
    second = target.publish({**FIRST, "index.html": b"<h1>changed</h1>"}, False, noop)
    assert [d.url for d in target.deploys() if d.state == "live"] == ["https://blog.example.org/"]
    assert target.rollback(first.deploy_id).url == "https://blog.example.org/"
    assert second.deploy_id in {d.id for d in target.deploys()}
    assert dav.served() == FIRST


def _no_lock_method(method: str, path: str, environ: dict[str, Any]) -> int | None:
    """What stock nginx answers: its dav module has no LOCK or UNLOCK."""
    return 405 if method in ("LOCK", "UNLOCK") else None


def test_without_webdav_lock_a_lock_resource_names_the_holder_and_goes_away(dav: DavServer, target: WebDavTarget) -> None:
    dav.rules.append(_no_lock_method)
    other = make_target(dav)
    me = locks.holder_description()
    with target.lock("pipeline publish"):
        assert (dav.folder / "sites/.dav.lock.json").is_file()
        with pytest.raises(PublishError) as info, other.lock("pipeline publish"):
            pass
        target.publish(FIRST, False, noop)
    assert f"{me['user']} on {me['host']} (process {me['pid']}" in str(info.value) and "pipeline unlock" in str(info.value)
    assert not (dav.folder / "sites/.dav.lock.json").exists()
    assert dav.served() == FIRST
    assert not [entry for entry in dav.log if entry[0] == "LOCK" and entry[2] < 300]


def test_a_lock_resource_past_its_expiry_is_taken_over_and_unlock_removes_a_live_one(dav: DavServer, target: WebDavTarget) -> None:
    dav.rules.append(_no_lock_method)
    left = {"user": "dana", "host": "build-7", "pid": 4242, "since": "2999-01-01T00:00:00Z", "token": "x"}
    resource = dav.folder / "sites/.dav.lock.json"
    resource.write_text(json.dumps({**left, "expires": "2000-01-01T00:00:00Z"}))
    with target.lock("pipeline publish") as notes:
        pass
    assert notes == ["took over a stale lock left by dana on build-7 (process 4242, since 2999-01-01T00:00:00Z) (its time ran out)"]
    resource.write_text(json.dumps({**left, "expires": "2999-01-01T00:00:00Z"}))
    with pytest.raises(PublishError, match="dana on build-7"), target.lock("pipeline publish"):
        pass
    assert target.unlock() == "removed the lock on target 'dav' held by dana on build-7 (process 4242, since 2999-01-01T00:00:00Z)"
    assert not resource.exists()


def test_the_lock_is_refreshed_within_the_timeout_the_server_grants(
    dav: DavServer, target: WebDavTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(LockStorageDict, "LOCK_TIME_OUT_MAX", 2)  # the server grants 2 s whatever is asked (nginx: 60 s)
    other = make_target(dav)
    with target.lock("pipeline publish"):
        time.sleep(4.5)
        with pytest.raises(PublishError, match="locked by another publish"), other.lock("pipeline publish"):
            pass
    assert any(method == "LOCK" and status == 200 for method, _, status in dav.log)  # the refreshes
