"""`pipeline serve`: a real preview server on 127.0.0.1 that rebuilds when a file changes."""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.parse
import urllib.request

from conftest import article, hebrew, serving


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def fetch_as(base: str, host: str, path: str = "/en/a/") -> tuple[int, str]:
    """What the preview answers a request for `path` that names `host` in its Host header, as a browser sends it for a page
    at that name (a DNS-rebinding page's own name, once it resolves to 127.0.0.1)."""
    address = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=5)
    try:
        connection.request("GET", path, headers={"Host": host})
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8")
    finally:
        connection.close()


def test_serve_answers_no_page_that_reaches_it_through_a_name_of_its_own(make_site):
    """DNS rebinding: a page at attacker.example makes its name resolve to 127.0.0.1, then reads the preview as
    same-origin (drafts included). The preview answers only to IP addresses and localhost names, and says why it refused."""
    root = make_site({"content/en/a.md": article("Embargoed title", draft="true"), "content/he/a.md": hebrew("כותרת", draft="true")})
    with serving(root, "--drafts") as server:
        port = urllib.parse.urlsplit(server.base).port
        for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", f"preview.localhost:{port}", "LOCALHOST."):
            status, page = fetch_as(server.base, host)
            assert status == 200 and "Embargoed title" in page, host
        for host in (f"attacker.example:{port}", "Attacker.Example.", f"127.0.0.1.attacker.example:{port}", "a b"):
            status, page = fetch_as(server.base, host)
            assert status == 403 and "Embargoed" not in page, host
        assert fetch_as(server.base, "attacker.example", "/__pipeline/events")[0] == 403  # nor is it told when the site changes
        assert fetch_as(server.base, "attacker.example", "/api/en/articles/a.json")[0] == 403
        status, page = fetch_as(server.base, f"attacker.example:{port}")
        assert "answers only to localhost and IP addresses" in page and "--allow-host attacker.example" in page
    said = [line for line in server.errors.splitlines() if "refused a request" in line]
    assert said[0] == (
        "pipeline: refused a request for host attacker.example (the preview answers to localhost and IP addresses); "
        "if that is you, start serve with --allow-host attacker.example"
    )
    assert len([line for line in said if "attacker.example" in line and "127.0.0.1." not in line]) == 1  # once, however often asked


def test_serve_answers_a_host_name_it_is_told_to(make_site):
    """A forwarded port (a remote editor's, a container's) or a name in /etc/hosts reaches the preview under its own name."""
    root = make_site({"content/en/a.md": article("First title"), "content/he/a.md": hebrew("כותרת")})
    with serving(root, "--allow-host", "Preview.Test") as server:
        assert fetch_as(server.base, "preview.test:8443")[0] == 200
        assert fetch_as(server.base, "PREVIEW.TEST.")[0] == 200
        assert fetch_as(server.base, "other.test")[0] == 403


def test_serve_previews_and_rebuilds_on_change(make_site):
    root = make_site({"content/en/a.md": article("First title"), "content/he/a.md": hebrew("כותרת ראשונה")})
    with serving(root) as server:
        base = server.base
        assert base.startswith("http://127.0.0.1:")
        status, page = fetch(f"{base}/en/a/")
        assert status == 200 and "First title" in page
        assert fetch(f"{base}/nowhere/")[0] == 404
        (root / "content/en/a.md").write_text(article("Second title"), encoding="utf-8")
        deadline = time.monotonic() + 15
        while "Second title" not in fetch(f"{base}/en/a/")[1]:
            assert time.monotonic() < deadline, "the preview did not rebuild"
            time.sleep(0.2)
        # Broken content keeps the last good build online and says why.
        (root / "content/en/a.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
        time.sleep(1.5)
        assert "Second title" in fetch(f"{base}/en/a/")[1]
    errors = server.errors
    assert "content/en/a.md:3:1: error yaml-syntax" in errors
    assert "Traceback" not in errors


def test_serve_goes_on_previewing_while_an_editor_holds_its_lock_and_backup_beside_the_article(make_site):
    """Emacs makes `.#a.md`, a link to nothing, when the file is first changed, and `a.md~` when it is saved; a vim save
    writes `a.md~` for a moment. The preview sees the save and nothing else."""
    root = make_site({"content/en/a.md": article("First title"), "content/he/a.md": hebrew("כותרת ראשונה")})
    with serving(root) as server:
        base = server.base
        assert "First title" in fetch(f"{base}/en/a/")[1]
        (root / "content/he/.#a.md").symlink_to("translator@laptop.4242:1733350000")
        (root / "content/he/a.md~").write_text(hebrew("כותרת ראשונה"), encoding="utf-8")
        (root / "content/he/a.md").write_text(hebrew("כותרת שנייה"), encoding="utf-8")
        deadline = time.monotonic() + 15
        while "כותרת שנייה" not in fetch(f"{base}/he/a/")[1]:
            assert time.monotonic() < deadline, "the preview did not rebuild"
            time.sleep(0.2)
    assert " error " not in server.errors and "warning" not in server.errors, server.errors


def test_serve_publishes_a_static_file_whose_name_only_looks_like_an_editors(make_site):
    """A Flash movie (`.swf`) is no swap file (`.a.md.swp`): the preview serves it once it is saved."""
    root = make_site({"content/en/a.md": article(), "content/he/a.md": hebrew(), "static/files/readme.txt": "hi\n"})
    with serving(root) as server:
        assert fetch(f"{server.base}/files/intro.swf")[0] == 404
        (root / "static/files/intro.swf").write_bytes(b"FWS\x0a")
        deadline = time.monotonic() + 15
        while fetch(f"{server.base}/files/intro.swf")[0] != 200:
            assert time.monotonic() < deadline, "the preview did not publish the new file"
            time.sleep(0.2)


def test_serve_of_a_site_that_does_not_build_yet_says_there_is_nothing_to_serve_until_it_does(make_site):
    broken = "---\ntitle: [\n---\n"
    root = make_site({"content/en/a.md": broken, "content/he/a.md": hebrew("כותרת ראשונה")})
    with serving(root) as server:
        base = server.base
        status, page = fetch(f"{base}/en/a/")
        assert status == 404 and '<script src="/__pipeline/live.js">' in page  # the open page learns when it builds
        (root / "content/en/a.md").write_text(article("First title"), encoding="utf-8")
        deadline = time.monotonic() + 15
        while "First title" not in fetch(f"{base}/en/a/")[1]:
            assert time.monotonic() < deadline, "the preview did not build once the error was fixed"
            time.sleep(0.2)
        (root / "content/en/a.md").write_text(broken, encoding="utf-8")
        time.sleep(1.5)
        assert "First title" in fetch(f"{base}/en/a/")[1]
    errors = server.errors
    assert errors.count("content/en/a.md:3:1: error yaml-syntax") == 2, errors
    assert errors.count("nothing to serve until the site builds: fix it and save") == 1  # before the first good build
    assert errors.count("still serving the last good build") == 1  # after it
    assert errors.index("nothing to serve") < errors.index("rebuilt in") < errors.index("still serving")


def test_serve_answers_from_memory_as_a_host_serves_the_built_folder(make_site):
    root = make_site({"content/en/a.md": article("First title"), "content/he/a.md": hebrew("כותרת ראשונה")})
    with serving(root) as server:
        base = server.base
        with urllib.request.urlopen(f"{base}/en/a", timeout=5) as response:  # a folder without its slash is redirected
            assert response.url == f"{base}/en/a/" and response.status == 200
            page = response.read().decode("utf-8")
            assert '<script src="/__pipeline/live.js"></script></body>' in page
            assert "script-src 'self'" in response.headers["Content-Security-Policy"]  # the build's _headers
        with urllib.request.urlopen(f"{base}/api/en/articles/a.json", timeout=5) as response:
            assert response.headers["Content-Type"] == "application/json" and b'"title"' in response.read()
        head = urllib.request.Request(f"{base}/en/a/", method="HEAD")
        with urllib.request.urlopen(head, timeout=5) as response:
            assert response.status == 200 and int(response.headers["Content-Length"]) > 0 and response.read() == b""
        for outside in ("/../site.yaml", "/%2e%2e/site.yaml", "/en/../../site.yaml", "/content/en/a.md"):
            assert fetch(base + outside)[0] == 404, outside
        # A template that fails only when a page is made: the page's last good version stays, and the error is told.
        (root / "templates").mkdir()
        (root / "templates/article.html").write_text(
            "{% extends 'base.html' %}{% block content %}{{ nothing.here }}{% endblock %}\n", encoding="utf-8"
        )
        time.sleep(1.5)
        status, page = fetch(f"{base}/he/a/")  # never made before: there is no last good page to show
        assert status == 404
        status, page = fetch(f"{base}/en/a/")
        assert status == 200 and "First title" in page
    errors = server.errors
    assert "templates/article.html" in errors and "still serving the last good build" in errors
    assert "Traceback" not in errors


def _held_rebuild(monkeypatch, site):
    """Start `site.rebuild()` in a thread, held inside describe until the returned event is set; the thread's outcome in `box`."""
    import threading

    from pipeline.build import preview

    entered, release, box = threading.Event(), threading.Event(), {}
    real = preview.describe

    def held(*args, **kwargs):
        entered.set()
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(preview, "describe", held)

    def run():
        try:
            box["done"] = site.rebuild()
        except Exception as exc:  # noqa: BLE001 - the test looks at what was raised
            box["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    assert entered.wait(10)
    return release, thread, box


def _in_process(root):
    """The preview of `root` kept in memory and served on a free port, as `serve` does: (site, base URL, server)."""
    import tempfile
    import threading
    from pathlib import Path

    from pipeline.build import serve
    from pipeline.build.preview import Preview

    site = Preview(root, False)
    site.rebuild()
    httpd = serve.server(Path(tempfile.mkdtemp()), 0, serve.Builds(), site)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return site, f"http://127.0.0.1:{httpd.server_address[1]}", httpd


def test_a_page_asked_for_during_a_rebuild_is_the_new_page(make_site, monkeypatch):
    import threading

    root = make_site({"content/en/a.md": article("First title"), "content/he/a.md": hebrew("כותרת ראשונה")})
    site, base, httpd = _in_process(root)
    try:
        assert "First title" in fetch(f"{base}/en/a/")[1]
        (root / "content/en/a.md").write_text(article("Second title"), encoding="utf-8")
        release, rebuild, box = _held_rebuild(monkeypatch, site)
        answer = {}
        request = threading.Thread(target=lambda: answer.update(page=fetch(f"{base}/en/a/")))
        request.start()
        request.join(0.5)
        assert request.is_alive(), "the page was answered before the running rebuild ended"
        release.set()
        rebuild.join(10)
        request.join(10)
        status, page = answer["page"]
        assert status == 200 and "Second title" in page and "First title" not in page
        assert "error" not in box
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_page_asked_for_during_a_failing_rebuild_is_the_last_good_page(make_site, monkeypatch):
    import threading

    root = make_site({"content/en/a.md": article("First title"), "content/he/a.md": hebrew("כותרת ראשונה")})
    site, base, httpd = _in_process(root)
    try:
        (root / "content/en/a.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
        release, rebuild, box = _held_rebuild(monkeypatch, site)
        answer = {}
        request = threading.Thread(target=lambda: answer.update(page=fetch(f"{base}/en/a/")))
        request.start()
        release.set()
        rebuild.join(10)
        request.join(10)
        status, page = answer["page"]
        assert status == 200 and "First title" in page and '<script src="/__pipeline/live.js"></script>' in page
        shown = [f"{d.path}:{d.line}: {d.code}" for d in box["error"].diagnostics]
        assert "content/en/a.md:3: yaml-syntax" in shown
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_the_watcher_uses_each_pause_after_a_rebuild_once(make_site):
    """serve.watch on the OS's file events: `idle` comes IDLE seconds after the rebuild an edit started, once, and not
    before any edit."""
    import threading

    from pipeline.build import serve

    root = make_site({"content/en/a.md": article("First title"), "content/he/a.md": hebrew("כותרת ראשונה")})
    calls: list[tuple[str, float]] = []
    stop, ready = threading.Event(), threading.Event()
    watcher = threading.Thread(
        target=serve.watch,
        args=(root, lambda: calls.append(("rebuild", time.monotonic())), stop, ready, lambda: calls.append(("idle", time.monotonic()))),
        daemon=True,
    )
    watcher.start()
    try:
        assert ready.wait(10)
        time.sleep(serve.IDLE + 0.5)
        assert calls == []
        for title in ("Second title", "Third title"):
            seen = len(calls)
            (root / "content/en/a.md").write_text(article(title), encoding="utf-8")
            deadline = time.monotonic() + 10
            while not calls[seen:] or calls[-1][0] != "idle":
                assert time.monotonic() < deadline, calls
                time.sleep(0.05)
            time.sleep(serve.IDLE + 0.5)
            kinds = [kind for kind, _ in calls[seen:]]
            assert kinds[-1] == "idle" and kinds.count("idle") == 1 and set(kinds[:-1]) == {"rebuild"}, kinds
            assert calls[-1][1] - calls[-2][1] >= serve.IDLE
    finally:
        stop.set()
        watcher.join(10)


def test_serve_serves_every_edit_of_a_long_session_and_a_pause_reloads_no_page(make_site):
    """More edits than a session's REFRESH, then a pause (when the preview describes every output again): open pages get
    no reload in it, and the edit after it is served and reloads them as every edit does."""
    import threading

    from pipeline.build import incremental, serve

    root = make_site({"content/en/a.md": article("Title 0"), "content/he/a.md": hebrew("כותרת ראשונה")})
    with serving(root) as server:
        base = server.base
        reloads: list[float] = []

        def listen() -> None:
            try:
                with urllib.request.urlopen(f"{base}{serve.EVENTS}", timeout=60) as stream:
                    for line in stream:
                        if line.startswith(b"event: build"):
                            reloads.append(time.monotonic())
            except OSError:
                return

        threading.Thread(target=listen, daemon=True).start()
        time.sleep(0.5)
        for n in range(1, incremental.REFRESH + 3):
            (root / "content/en/a.md").write_text(article(f"Title {n}"), encoding="utf-8")
            deadline = time.monotonic() + 15
            while f"Title {n}<" not in fetch(f"{base}/en/a/")[1]:
                assert time.monotonic() < deadline, f"edit {n} was not served"
                time.sleep(0.05)
        time.sleep(0.5)  # the edit's own reloads are in
        pause = time.monotonic()
        time.sleep(serve.IDLE + 1.5)
        assert not [at for at in reloads if at >= pause], "a pause reloaded the open page"
        assert fetch(f"{base}/en/a/")[1].count(f"Title {incremental.REFRESH + 2}<") >= 1
        (root / "content/en/a.md").write_text(article("After the pause"), encoding="utf-8")
        deadline = time.monotonic() + 15
        while "After the pause" not in fetch(f"{base}/en/a/")[1] or not [at for at in reloads if at >= pause]:
            assert time.monotonic() < deadline, "the edit after the pause was not served"
            time.sleep(0.05)
    errors = server.errors
    assert "Traceback" not in errors and errors.count("rebuilt in") >= incremental.REFRESH + 3
