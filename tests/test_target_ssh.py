"""The ssh target against a real OpenSSH server the test starts on 127.0.0.1 with a throwaway key, via the real CLI."""

from __future__ import annotations

import getpass
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import ssh_server
from conftest import SITE_YAML, article, hebrew, run

needs_ssh = pytest.mark.skipif(not ssh_server.available(), reason="needs openssh-server and rsync (`make test` installs them)")


@dataclass(frozen=True)
class SshServer:
    port: int
    folder: Path  # where the site is published on the "server"
    log: Path  # sshd's: a line "Accepted publickey" for each connection it let in


@pytest.fixture
def sshd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SshServer]:
    with ssh_server.running(tmp_path / "keys") as (port, environment):
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        yield SshServer(port, tmp_path / "server" / "blog", tmp_path / "keys" / "sshd.log")


def _site(make_site, server: SshServer, extra: str = "", count: int = 2) -> Path:
    files = {}
    for n in range(count):
        files[f"content/en/a{n}.md"] = article(f"Article {n}", body=f"Body {n}.\n")
        files[f"content/he/a{n}.md"] = hebrew(f"מאמר {n}", body=f"גוף {n}.\n")
    target = (
        f"targets:\n  default:\n    type: ssh\n    host: 127.0.0.1\n    port: {server.port}\n"
        f"    user: {getpass.getuser()}\n    path: {server.folder}\n" + extra
    )
    return make_site(files, SITE_YAML + target)


def _live(server: SshServer) -> dict[str, bytes]:
    current = server.folder / "current"
    return {
        p.relative_to(current).as_posix(): p.read_bytes() for p in current.rglob("*") if p.is_file() and not p.name.startswith(".pipeline-")
    }


@needs_ssh
def test_publish_over_ssh_sends_what_changed_and_switches_with_one_rename(make_site, sshd, tmp_path):
    root = _site(make_site, sshd, "    public_url: https://blog.example.org/\n")
    first = run("publish", "--root", str(root), "--format", "json")
    assert first.exit_code == 0, first.stderr
    receipt = json.loads(first.stdout)["receipt"]
    assert receipt["url"] == "https://blog.example.org/"
    assert (sshd.folder / "current").is_symlink()
    built = tmp_path / "built"
    run("build", "--root", str(root), "--out", str(built))
    expected = {p.relative_to(built).as_posix(): p.read_bytes() for p in built.rglob("*") if p.is_file() and p.name != ".pipeline-build"}
    assert _live(sshd) == expected
    assert receipt["uploaded"] == len(expected)

    (root / "content/en/a0.md").write_text(article("Second version"), encoding="utf-8")
    second = json.loads(run("publish", "--root", str(root), "--format", "json").stdout)
    changed = [c["path"] for c in second["plan"]["changes"]]
    assert 0 < second["receipt"]["uploaded"] <= len(changed) < len(expected)
    assert b"Second version" in _live(sshd)["en/a0/index.html"]
    old, new = (sshd.folder / "releases" / receipt["deploy_id"]), (sshd.folder / "releases" / second["receipt"]["deploy_id"])
    unchanged = next(path for path in expected if path not in changed)
    assert os.stat(old / unchanged).st_ino == os.stat(new / unchanged).st_ino  # shared by hard link, not sent again

    again = run("publish", "--root", str(root))
    assert "nothing changed" in again.stdout
    history = json.loads(run("deploys", "--root", str(root), "--format", "json").stdout)["deploys"]
    assert [d["state"] for d in history] == ["live", "previous"]
    assert run("rollback", "--root", str(root), "../..").exit_code == 1
    back = run("rollback", "--root", str(root))
    assert back.exit_code == 0, back.stderr
    assert b"Second version" not in _live(sshd)["en/a0/index.html"]
    assert not (sshd.folder / ".lock").exists()


def _built(root: Path, out: Path) -> dict[str, bytes]:
    run("build", "--root", str(root), "--out", str(out))
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != ".pipeline-build"}


@needs_ssh
def test_a_publish_sends_only_the_changes_resends_a_file_changed_on_the_server_and_drops_what_is_gone(make_site, sshd, tmp_path):
    root = _site(make_site, sshd, count=4)
    assert run("publish", "--root", str(root)).exit_code == 0
    old = (sshd.folder / "current").resolve()
    first_page = (old / "en/a0/index.html").read_bytes()
    os.chmod(old / "en/a1/index.html", 0o644)
    (old / "en/a1/index.html").write_bytes(b"defaced on the server")  # in place: every deploy linked to it sees it
    for lang in ("en", "he"):
        (root / f"content/{lang}/a3.md").unlink()
    (root / "content/en/a0.md").write_text(article("Second version"), encoding="utf-8")

    second = json.loads(run("publish", "--root", str(root), "--format", "json", "--yes").stdout)
    changes = second["plan"]["changes"]
    assert _live(sshd) == _built(root, tmp_path / "built")  # a0 changed, a1 whole again, a3 gone
    assert not (sshd.folder / "current/en/a3").exists()  # its emptied folder too
    assert second["receipt"]["uploaded"] == sum(1 for c in changes if c["kind"] != "deleted") + 1  # the changes and a1's page
    assert (old / "en/a0/index.html").read_bytes() == first_page  # the deploy it was linked from kept its own copy
    assert (old / "en/a3/index.html").exists()  # and what this one dropped: a rollback finds it whole


@needs_ssh
@pytest.mark.parametrize("long_tmpdir", [False, True], ids=["tmpdir", "tmpdir-too-long-for-a-socket"])
def test_a_publish_shares_one_connection_and_leaves_no_ssh_process_or_socket_behind(make_site, sshd, tmp_path, long_tmpdir):
    root = _site(make_site, sshd)
    scratch = Path(tempfile.mkdtemp(prefix="t-", dir="/tmp")) if not long_tmpdir else tmp_path / ("a-folder-with-a-long-name-" * 4)
    scratch.mkdir(exist_ok=True)
    environment = os.environ | {"TMPDIR": str(scratch)}  # where the master's socket folder is made, if its path fits
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pipeline", "publish", "--root", str(root)], env=environment, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        assert (sshd.folder / "current").is_symlink()
        assert sshd.log.read_text().count("Accepted publickey") == 1  # the plan, the lock, the three steps of sending, the unlock
        assert not [p.name for p in scratch.iterdir() if p.name.startswith("pipeline-ssh-")]
        port = f"\0{sshd.port}\0".encode()
        masters = [p for p in Path("/proc").iterdir() if p.name.isdigit() and b"ControlMaster" in _cmdline(p) and port in _cmdline(p)]
        assert not masters, "the master connection outlived the command"
    finally:
        if not long_tmpdir:
            shutil.rmtree(scratch)


def _cmdline(process: Path) -> bytes:
    try:
        return (process / "cmdline").read_bytes()
    except OSError:
        return b""


@needs_ssh
def test_deploys_before_the_first_publish_lists_none(make_site, sshd):
    root = _site(make_site, sshd)
    sshd.folder.mkdir(parents=True)  # the folder is there (made by hand, or by a lock), no deploy yet
    listed = run("deploys", "--root", str(root), "--format", "json")
    assert listed.exit_code == 0, listed.stderr
    assert json.loads(listed.stdout)["deploys"] == []


@needs_ssh
def test_a_held_lock_names_its_holder_and_unlock_removes_it(make_site, sshd):
    root = _site(make_site, sshd)
    sshd.folder.mkdir(parents=True)
    (sshd.folder / ".lock").write_text(json.dumps({"user": "dana", "host": "build-7", "pid": 4242, "since": "2999-01-01T00:00:00Z"}))
    refused = run("publish", "--root", str(root))
    assert refused.exit_code == 1
    assert "locked by another publish: dana on build-7 (process 4242" in refused.stderr
    unlocked = run("unlock", "--root", str(root))
    assert "removed the lock on target 'default' held by dana on build-7" in unlocked.stdout
    assert run("publish", "--root", str(root)).exit_code == 0


@needs_ssh
def test_an_unknown_host_key_is_refused_with_a_hint(make_site, sshd, tmp_path, monkeypatch):
    root = _site(make_site, sshd)
    (tmp_path / "empty_known_hosts").write_text("")
    monkeypatch.setenv("SSH_KNOWN_HOSTS", str(tmp_path / "empty_known_hosts"))
    result = run("publish", "--root", str(root))
    assert result.exit_code == 1
    assert "Host key verification failed" in result.stderr and "known_hosts" in result.stderr
    assert not sshd.folder.exists()


@pytest.mark.parametrize(
    ("option", "complaint"),
    [
        ("host: -oProxyCommand=touch", "`host` must be"),
        ("path: relative/folder", "`path` must be an absolute folder"),
        ("path: /srv/../etc", "`path` must be an absolute folder"),
        ("user: 'a b'", "`user` must be a user name"),
        ("ssh_options: -oProxyCommand=x", "unknown option"),
    ],
)
def test_nothing_in_site_yaml_becomes_an_ssh_option(make_site, option, complaint):
    settings = {"host": "example.org", "path": "/srv/blog"}
    key = option.split(":", 1)[0]
    settings.pop(key, None)
    lines = "".join(f"    {k}: {v}\n" for k, v in settings.items()) + f"    {option}\n"
    root = make_site({"content/en/a.md": article()}, SITE_YAML + "targets:\n  default:\n    type: ssh\n" + lines)
    result = run("publish", "--root", str(root), "--dry-run")
    assert result.exit_code == 2
    assert complaint in result.stderr or "site.yaml" in result.stdout + result.stderr
