"""The local target's history: rollback takes only listed ids, deploys cannot be changed in place, pruning, OSErrors, JSON, unlock."""

from __future__ import annotations

import json
import os
import socket
import stat
from pathlib import Path

import pytest
from conftest import article, run
from test_publish_local import NOW_SITE, live_files, publish, site


def _ids(root: Path) -> list[str]:
    return [d["id"] for d in json.loads(run("deploys", "--root", str(root), "--format", "json").stdout)["deploys"]]


def _two_deploys(make_site, site_yaml: str = NOW_SITE) -> Path:
    root = site(make_site, site_yaml)
    publish(root)
    (root / "content/en/a0.md").write_text(article("Second version"), encoding="utf-8")
    publish(root)
    return root


@pytest.mark.parametrize("given", ["../objects", ".", "..", "current", "ABSOLUTE", "deploys", "x.partial"])
def test_rollback_accepts_only_an_id_that_deploys_lists(make_site, given):
    root = _two_deploys(make_site)
    live = os.readlink(root / "published/current")
    given = str(root / "published/deploys") if given == "ABSOLUTE" else given
    refused = run("rollback", "--root", str(root), given)
    assert refused.exit_code == 1
    assert f"has no deploy '{given}' (see `pipeline deploys`)" in refused.stderr
    assert os.readlink(root / "published/current") == live
    assert b"Second version" in live_files(root)["en/a0/index.html"]


def test_live_files_are_read_only_and_one_changed_in_place_is_sent_again(make_site):
    root = _two_deploys(make_site)
    page = root / "published/current/en/a0/index.html"
    assert not page.stat().st_mode & 0o222, "a live file can be written"
    assert not (root / "published/current/en").stat().st_mode & 0o222, "a live folder can be written"
    if os.geteuid() != 0:  # root writes whatever the mode says; everyone else is refused
        with pytest.raises(PermissionError):
            page.open("ab")
    os.chmod(page, 0o644)
    with page.open("ab") as handle:  # what an editor (or root) fixing a typo on the live site does
        handle.write(b"<!-- edited live -->")
    again = publish(root)
    assert again.exit_code == 0, again.stderr
    assert "nothing changed" not in again.stdout
    assert "1 live files had been changed in place (en/a0/index.html…); they were sent again" in again.stdout
    assert b"edited live" not in live_files(root)["en/a0/index.html"]
    assert "nothing changed: the live deploy already is this build" in publish(root).stdout  # whole again


def test_prune_keeps_the_newest_and_the_live_one_and_removes_unused_files(make_site):
    root = _two_deploys(make_site)
    (root / "content/en/a0.md").write_text(article("Third version"), encoding="utf-8")
    publish(root)
    newest, middle, oldest = _ids(root)
    assert run("rollback", "--root", str(root), oldest).exit_code == 0
    objects = root / "published/objects"
    before = sum(1 for p in objects.rglob("*") if p.is_file())
    pruned = run("deploys", "--root", str(root), "--prune", "1", "--format", "json")
    assert pruned.exit_code == 0, pruned.stderr
    data = json.loads(pruned.stdout)
    assert data["pruned"] == [middle]
    assert [(d["id"], d["state"]) for d in data["deploys"]] == [(newest, "previous"), (oldest, "live")]
    assert not (root / f"published/deploys/{middle}").exists()
    assert sum(1 for p in objects.rglob("*") if p.is_file()) < before  # the second version's pages are gone
    assert run("rollback", "--root", str(root), newest).exit_code == 0
    assert b"Third version" in live_files(root)["en/a0/index.html"]
    assert run("deploys", "--root", str(root), "--prune", "0").exit_code == 2


def test_the_keep_setting_prunes_after_each_publish(make_site):
    root = _two_deploys(make_site, NOW_SITE + "    keep: 2\n")
    (root / "content/en/a0.md").write_text(article("Third version"), encoding="utf-8")
    third = publish(root)
    assert third.exit_code == 0
    assert "pruned 1 old deploys (keep: 2)" in third.stdout
    assert len(_ids(root)) == 2
    assert b"Third version" in live_files(root)["en/a0/index.html"]


def test_a_keep_that_is_not_a_count_is_a_located_config_error(make_site):
    root = site(make_site, NOW_SITE + "    keep: 0\n")
    result = run("validate", "--root", str(root), "--format", "json")
    assert result.exit_code == 2
    assert [(d["path"], d["line"]) for d in json.loads(result.stdout)["diagnostics"]] == [("site.yaml", NOW_SITE.count("\n") + 1)]


def test_an_os_error_is_a_located_message_and_the_live_deploy_stays(make_site):
    root = _two_deploys(make_site)
    live = os.readlink(root / "published/current")
    (root / "content/en/a0.md").write_text(article("Third version"), encoding="utf-8")
    objects = root / "published/objects"
    blocker = next(p for p in sorted(objects.iterdir()))
    os.rename(objects, root / "published/objects.away")
    objects.write_text("not a folder")  # as a full disk or a read-only mount would, every write here fails
    result = run("publish", "--root", str(root), "--format", "json")
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    error = json.loads(result.stdout)["error"]
    assert error["exit_code"] == 1
    assert f"could not publish: {objects}" in error["message"]
    assert f"deploy {live.rsplit('/', 1)[1]} is still live, unchanged" in error["message"]
    assert os.readlink(root / "published/current") == live
    objects.unlink()
    os.rename(root / "published/objects.away", objects)
    assert blocker.is_dir()
    assert publish(root).exit_code == 0
    assert b"Third version" in live_files(root)["en/a0/index.html"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into any folder")
def test_an_unwritable_target_folder_is_a_located_message(make_site):
    root = site(make_site)
    (root / "published").mkdir()
    os.chmod(root / "published", 0o555)
    try:
        result = publish(root)
    finally:
        os.chmod(root / "published", 0o755)
    assert result.exit_code == 1
    assert f"could not take the lock {root / 'published/.lock'}: Permission denied; nothing was changed" in result.stderr


def test_a_target_path_that_is_a_file_is_a_located_message(make_site):
    root = site(make_site)
    (root / "published").write_text("a file where the target's folder belongs")
    for command in (("publish",), ("rollback",), ("deploys",), ("unlock",)):
        result = run(*command, "--root", str(root))
        assert result.exit_code in (0, 1) and "Traceback" not in result.stderr, command
    result = publish(root)
    assert result.exit_code == 1
    assert f"could not take the lock {root / 'published/.lock'}: {root / 'published'}: File exists; nothing was changed" in result.stderr


def test_content_errors_and_refusals_come_as_json_too(make_site):
    root = site(make_site)
    (root / "content/en/a0.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    result = run("publish", "--root", str(root), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["receipt"] is None and data["error"]["exit_code"] == 1
    assert data["diagnostics"] and data["diagnostics"][0]["path"] == "content/en/a0.md"
    refused = run("rollback", "--root", str(root), "--format", "json")
    assert refused.exit_code == 1
    assert "no deploy before the live one" in json.loads(refused.stdout)["error"]["message"]


def test_rollback_reports_in_json(make_site):
    root = _two_deploys(make_site)
    first = _ids(root)[1]
    back = run("rollback", "--root", str(root), "--format", "json")
    assert back.exit_code == 0
    assert json.loads(back.stdout) == {
        "target": "default",
        "receipt": {
            "deploy_id": first,
            "url": (root / "published/current").as_uri() + "/",
            "uploaded": 0,
            "uploaded_bytes": 0,
            "total": json.loads(back.stdout)["receipt"]["total"],
            "draft": False,
            "notes": [],
        },
    }


def test_an_old_lock_from_another_machine_is_taken_over_and_unlock_names_the_holder(make_site):
    root = site(make_site)
    lock = root / "published/.lock"
    lock.parent.mkdir(parents=True)
    fresh = {"user": "dana", "host": "build-7", "pid": 4242, "since": "2999-01-01T00:00:00Z"}
    lock.write_text(json.dumps(fresh))
    refused = publish(root)
    assert refused.exit_code == 1 and "dana on build-7 (process 4242" in refused.stderr and "pipeline unlock" in refused.stderr
    unlocked = run("unlock", "--root", str(root))
    assert unlocked.exit_code == 0
    assert "removed the lock on target 'default' held by dana on build-7 (process 4242, since 2999-01-01T00:00:00Z)" in unlocked.stdout
    assert "was not locked" in run("unlock", "--root", str(root)).stdout
    lock.write_text(json.dumps({**fresh, "since": "2026-01-01T00:00:00Z"}))
    taken = publish(root)
    assert taken.exit_code == 0, taken.stderr
    assert "took over a stale lock left by process 4242 on build-7 (it is older than 6 hours)" in taken.stdout
    assert socket.gethostname() != "build-7"


def test_a_publish_says_what_it_is_doing_from_the_start(make_site):
    root = site(make_site)
    assert publish(root).stderr.startswith("pipeline: checking and building the site")


def test_deploys_share_one_read_only_copy_of_each_file(make_site):
    root = _two_deploys(make_site)
    page = root / "published/current/en/a1/index.html"
    stored = root / "published/objects" / _digest(page)[:2] / _digest(page)
    assert os.stat(page).st_ino == os.stat(stored).st_ino  # shared, and protected by its mode
    assert stat.S_IMODE(os.stat(stored).st_mode) == 0o444


def _digest(path: Path) -> str:
    import hashlib

    return hashlib.sha1(path.read_bytes()).hexdigest()
