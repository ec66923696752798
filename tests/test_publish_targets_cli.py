"""`pipeline publish / deploys / rollback --target` on the hosting targets, through the real command."""

from __future__ import annotations

import json

import pytest
from conftest import SITE_YAML, article, hebrew, run
from test_target_netlify import TOKEN, server  # noqa: F401 - the Netlify test server fixture
from test_target_webdav import dav  # noqa: F401 - the WebDAV test server fixture

FILES = {"content/en/a.md": article("Alpha"), "content/he/a.md": hebrew("אלפא")}


def netlify_site(make_site, server):  # noqa: F811
    targets = (
        "targets:\n  prod:\n    type: netlify\n"
        f"    site_id: {server.site_id}\n    api_url: {server.url}\n    poll_interval: 0.01\n    retry_base: 0.01\n"
    )
    return make_site(FILES, SITE_YAML + targets)


def test_publish_to_netlify_then_nothing_then_rollback(make_site, server, monkeypatch):  # noqa: F811
    monkeypatch.setenv("NETLIFY_AUTH_TOKEN", TOKEN)
    root = netlify_site(make_site, server)
    first = run("publish", "--root", str(root), "--target", "prod")
    assert first.exit_code == 0, first.stdout + first.stderr
    assert "plan for target 'prod' (netlify)" in first.stdout and " live at http" in first.stdout
    second = run("publish", "--root", str(root), "--target", "prod", "--format", "json")
    data = json.loads(second.stdout)
    assert data["plan"]["changes"] == [] and data["receipt"]["uploaded"] == 0
    (root / "content/en/a.md").write_text(article("Alpha, revised"), encoding="utf-8")
    assert run("publish", "--root", str(root), "--target", "prod").exit_code == 0
    history = run("deploys", "--root", str(root), "--target", "prod")
    assert history.exit_code == 0 and " live " in history.stdout
    assert run("rollback", "--root", str(root), "--target", "prod").exit_code == 0
    for result in (first, second, history):
        assert TOKEN not in result.stdout + result.stderr


def test_a_missing_token_is_a_configuration_error_naming_the_variable(make_site, server):  # noqa: F811
    result = run("publish", "--root", str(netlify_site(make_site, server)), "--target", "prod")
    assert result.exit_code == 2
    assert "NETLIFY_AUTH_TOKEN" in result.stderr


def test_a_refused_token_is_never_printed(make_site, server, monkeypatch):  # noqa: F811
    monkeypatch.setenv("NETLIFY_AUTH_TOKEN", "nfp_wrong-token-value")
    result = run("publish", "--root", str(netlify_site(make_site, server)), "--target", "prod")
    assert result.exit_code == 2
    assert "nfp_wrong-token-value" not in result.stdout + result.stderr


def test_publish_to_webdav_and_roll_back(make_site, dav, monkeypatch):  # noqa: F811
    monkeypatch.setenv("WEBDAV_USERNAME", "tester")
    monkeypatch.setenv("WEBDAV_PASSWORD", "s3cret")
    targets = f"targets:\n  dav:\n    type: webdav\n    url: {dav.url}sites/blog/\n    retry_base: 0\n"
    root = make_site(FILES, SITE_YAML + targets)
    first = run("publish", "--root", str(root), "--target", "dav")
    assert first.exit_code == 0, first.stdout + first.stderr
    assert "s3cret" not in first.stdout + first.stderr
    (root / "content/en/a.md").write_text(article("Alpha, revised"), encoding="utf-8")
    assert run("publish", "--root", str(root), "--target", "dav").exit_code == 0
    assert run("rollback", "--root", str(root), "--target", "dav").exit_code == 0


def test_an_unknown_target_is_a_usage_error(make_site):
    result = run("publish", "--root", str(make_site(FILES)), "--target", "nope")
    assert result.exit_code == 2 and "no target 'nope'" in result.stderr


@pytest.mark.parametrize(
    "yaml_target", ["  x:\n    type: netlify\n", "  x:\n    type: webdav\n    url: ftp://x/\n", "  x:\n    type: s3\n"]
)
def test_target_settings_are_checked_with_the_rest_of_site_yaml(make_site, yaml_target):
    result = run("validate", "--root", str(make_site(FILES, SITE_YAML + "targets:\n" + yaml_target)), "--format", "json")
    assert result.exit_code == 2
    assert all(code == "config-invalid" for *_, code in result.diagnostics)


def test_the_token_is_in_nothing_the_runs_wrote_or_printed(make_site, server, monkeypatch, tmp_path):  # noqa: F811
    monkeypatch.setenv("NETLIFY_AUTH_TOKEN", TOKEN)
    root = netlify_site(make_site, server)
    printed = [run("publish", "--root", str(root), "--target", "prod"), run("deploys", "--root", str(root), "--target", "prod")]
    printed.append(run("build", "--root", str(root), "--out", str(tmp_path / "out")))
    monkeypatch.setenv("NETLIFY_AUTH_TOKEN", TOKEN + "-refused")
    printed.append(run("publish", "--root", str(root), "--target", "prod"))
    for result in printed:
        assert TOKEN not in result.stdout + result.stderr
    written = [p for folder in (root, tmp_path / "out") for p in folder.rglob("*") if p.is_file()]
    assert written and all(TOKEN.encode() not in p.read_bytes() for p in written)
