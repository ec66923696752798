"""`pipeline publish` to the embedded local target: plan, send only what changed, switch at once, history, rollback."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from conftest import SITE_YAML, article, cold_build, hebrew, run

NOW_SITE = SITE_YAML + "targets:\n  default:\n    type: local\n    path: published\n"


def site(make_site, site_yaml: str = NOW_SITE, count: int = 2):
    files = {}
    for n in range(count):
        files[f"content/en/a{n}.md"] = article(f"Article {n}", body=f"Body {n}.\n")
        files[f"content/he/a{n}.md"] = hebrew(f"מאמר {n}", body=f"גוף {n}.\n")
    return make_site(files, site_yaml)


def publish(root: Path, *args: str):
    return run("publish", "--root", str(root), *args)


def live_files(root: Path) -> dict[str, bytes]:
    current = root / "published/current"
    return {p.relative_to(current).as_posix(): p.read_bytes() for p in current.rglob("*") if p.is_file()}


def test_first_publish_sends_everything_and_goes_live(make_site, tmp_path):
    root = site(make_site)
    result = publish(root)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.startswith("plan for target 'default' (local): ")
    assert f"live at {(root / 'published/current').as_uri()}/" in result.stdout
    built = tmp_path / "built"
    run("build", "--root", str(root), "--out", str(built))
    expected = {p.relative_to(built).as_posix(): p.read_bytes() for p in built.rglob("*") if p.is_file() and p.name != ".pipeline-build"}
    assert live_files(root) == expected


def test_a_second_publish_without_changes_sends_nothing(make_site):
    root = site(make_site)
    publish(root)
    result = publish(root)
    assert "0 added, 0 changed, 0 deleted" in result.stdout
    assert "sent 0 of" in result.stdout and "nothing changed" in result.stdout
    assert len(json.loads(run("publish", "--root", str(root), "--format", "json").stdout)["plan"]["changes"]) == 0


def test_a_one_article_edit_sends_only_the_files_whose_bytes_changed(make_site):
    root = site(make_site)
    publish(root)
    before = live_files(root)
    (root / "content/en/a1.md").write_text(article("Article 1", body="A new body.\n"), encoding="utf-8")
    result = run("publish", "--root", str(root), "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    after = live_files(root)
    changed_bytes = sorted(path for path in after if before.get(path) != after[path])
    assert sorted(c["path"] for c in data["plan"]["changes"]) == changed_bytes
    assert data["receipt"]["uploaded"] == len({after[p] for p in changed_bytes})
    assert "en/a1/index.html" in changed_bytes and "api/en/articles/a1.json" in changed_bytes
    assert "en/a0/index.html" not in changed_bytes


def test_dry_run_changes_nothing(make_site):
    root = site(make_site)
    result = publish(root, "--dry-run")
    assert result.exit_code == 0 and "added" in result.stdout
    assert not (root / "published").exists()


def test_deleted_files_share_guard(make_site):
    root = site(make_site, count=10)
    publish(root)
    for n in range(1, 10):  # most of the site's files go
        (root / f"content/en/a{n}.md").unlink()
        (root / f"content/he/a{n}.md").unlink()
    refused = publish(root)
    assert refused.exit_code == 1
    assert "would delete" in refused.stderr and "--yes" in refused.stderr
    assert "en/a9/index.html" in live_files(root)
    assert publish(root, "--yes").exit_code == 0
    assert "en/a9/index.html" not in live_files(root)


def test_drafts_do_not_go_live(make_site):
    root = site(make_site)
    publish(root)
    (root / "content/en/a0.md").write_text(article("Changed", body="x\n"), encoding="utf-8")
    result = publish(root, "--draft")
    assert result.exit_code == 0 and "draft ready at" in result.stdout
    assert b"Changed" not in live_files(root)["en/a0/index.html"]
    assert "draft" in run("deploys", "--root", str(root)).stdout


def test_history_and_rollback(make_site):
    root = site(make_site)
    publish(root)
    (root / "content/en/a0.md").write_text(article("Second version"), encoding="utf-8")
    publish(root)
    assert b"Second version" in live_files(root)["en/a0/index.html"]
    history = run("deploys", "--root", str(root)).stdout.splitlines()
    assert len(history) == 3 and " live " in history[1] and " previous " in history[2]
    first_id = history[2].split()[0]
    back = run("rollback", "--root", str(root))
    assert back.exit_code == 0 and first_id in back.stdout
    assert b"Second version" not in live_files(root)["en/a0/index.html"]
    second_id = history[1].split()[0]
    assert run("rollback", "--root", str(root), second_id).exit_code == 0
    assert b"Second version" in live_files(root)["en/a0/index.html"]
    assert run("rollback", "--root", str(root), "nope").exit_code == 1


def test_a_held_lock_names_its_holder_and_a_stale_one_is_taken_over(make_site):
    root = site(make_site)
    lock = root / "published/.lock"
    lock.parent.mkdir(parents=True)
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        lock.write_text(json.dumps({"user": "dana", "host": os.uname().nodename, "pid": holder.pid, "since": "2026-11-26T10:00:00Z"}))
        refused = publish(root)
        assert refused.exit_code == 1
        assert f"locked by another publish: dana on {os.uname().nodename} (process {holder.pid}" in refused.stderr
    finally:
        holder.kill()
        holder.wait()
    assert publish(root).exit_code == 0  # the holder is gone: its lock is stale
    assert not lock.exists()


def test_a_publish_killed_mid_upload_leaves_the_old_site_live_and_the_rerun_sends_the_rest(make_site):
    root = site(make_site, count=2)
    publish(root)
    before = live_files(root)
    for n in range(2, 400):
        (root / f"content/en/a{n}.md").write_text(article(f"Article {n}", body=("word " * 400) + "\n"), encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "publish", "--root", str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    objects = root / "published/objects"
    deadline = time.monotonic() + 60
    while sum(1 for _ in objects.rglob("*") if _.is_file()) < 150:
        assert process.poll() is None, "the publish ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert live_files(root) == before
    rerun = run("publish", "--root", str(root), "--format", "json")
    assert rerun.exit_code == 0, rerun.stderr
    data = json.loads(rerun.stdout)
    assert data["receipt"]["uploaded"] < len(data["plan"]["changes"]) - 100
    assert "en/a399/index.html" in live_files(root)


def test_serve_live_serves_the_current_deploy(make_site):
    root = site(make_site)
    publish(root)
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "serve", "--root", str(root), "--live", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        line = process.stdout.readline()
        url = line.split(" on ")[1].split()[0]
        with urllib.request.urlopen(url + "en/a0/", timeout=5) as response:
            assert "Article 0" in response.read().decode("utf-8")
        connection = http.client.HTTPConnection("127.0.0.1", int(url.rstrip("/").rsplit(":", 1)[1]), timeout=5)
        connection.request("GET", "/en/a0/", headers={"Host": "attacker.example"})  # a DNS-rebinding page's name (test_serve.py)
        refused = connection.getresponse()
        assert refused.status == 403 and "Article 0" not in refused.read().decode("utf-8")
        connection.close()
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_a_stale_translation_can_be_held_back_and_the_plan_says_why(make_site):
    hold = NOW_SITE.replace("    unverified: off\n", "    unverified: off\n    stale_publish: hold\n")
    root = site(make_site, hold)
    assert run("translate", "--root", str(root), "he", "a0", "--accept").exit_code == 0
    (root / "content/en/a0.md").write_text(article("Article 0", body="Body 0, revised.\n"), encoding="utf-8")
    result = publish(root)
    assert result.exit_code == 0
    assert "held back: he/a0: its translation is stale: intro changed" in result.stdout
    page = live_files(root)["he/a0/index.html"].decode("utf-8")
    assert "notice-untranslated" in page and "Body 0, revised." in page  # the English, under the Hebrew notice
    data = json.loads(run("publish", "--root", str(root), "--dry-run", "--format", "json").stdout)
    assert data["plan"]["held"] == [{"lang": "he", "id": "a0", "reason": "its translation is stale: intro changed"}]


def test_a_rerun_clears_what_an_interrupted_publish_left_half_made(make_site):
    root = site(make_site)
    publish(root)
    published = root / "published"
    leftovers = [published / "objects/ab/abc.123.partial", published / ".current.123", published / "deploys/.x.json.123"]
    for path in leftovers:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("half", encoding="utf-8")
    (published / "deploys/20990101T000000Z-deadbeef.partial").mkdir()
    (root / "content/en/a0.md").write_text(article("Changed"), encoding="utf-8")
    assert publish(root).exit_code == 0
    assert not any(path.exists() for path in leftovers)
    assert not (published / "deploys/20990101T000000Z-deadbeef.partial").exists()


def test_publishes_after_edits_without_a_build_between_go_live_as_a_cold_build_makes_them(make_site, tmp_path):
    root = site(make_site, count=3)
    assert publish(root).exit_code == 0
    edits = [
        ("content/en/a1.md", article("Article 1", body="A new body.\n")),
        ("content/he/a1.md", hebrew("מאמר 1", body="גוף חדש.\n")),
        ("content/en/a2.md", article("Article 2 renamed", body="Body 2.\n")),
        ("content/en/a1.md", article("Article 1", body="Body 1.\n")),  # back to what an earlier publish sent
    ]
    for rel, text in edits:
        (root / rel).write_text(text, encoding="utf-8")
        result = publish(root)
        assert result.exit_code == 0, result.stdout + result.stderr
        assert live_files(root) == cold_build(root, tmp_path)
    (root / "content/he/a2.md").unlink()
    assert publish(root).exit_code == 0
    assert live_files(root) == cold_build(root, tmp_path)


def test_a_kept_digest_that_no_longer_matches_stops_the_publish_and_the_next_one_recovers(make_site, tmp_path):
    from pipeline.build import cache, digested

    root = site(make_site)
    assert publish(root).exit_code == 0
    kept = cache.read(root, digested.DIGESTS)
    key, _, size = kept["en/a1/index.html"]
    cache.write(root, digested.DIGESTS, kept | {"en/a1/index.html": (key, "0" * 40, size)})  # a digest its bytes do not have
    result = publish(root)
    assert result.exit_code == 1
    assert "en/a1/index.html was made differently from the last publish" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    again = publish(root)
    assert again.exit_code == 0, again.stdout + again.stderr
    assert live_files(root) == cold_build(root, tmp_path)


def test_a_publish_replaces_a_build_cache_it_cannot_trust_so_the_next_publish_reuses_its_work(make_site, tmp_path):
    """As after upgrading the tool: the old cache is ignored once, with a note, and replaced; an editor who only publishes is not left with full builds."""
    from pipeline.build import incremental

    root = site(make_site, count=3)
    assert publish(root).exit_code == 0
    state = root / ".pipeline-cache/build"
    state.write_bytes(b"pipeline-cache 1 0.0.1+0000 cpython-3.11\n" + state.read_bytes().split(b"\n", 1)[1])
    (root / "content/en/a1.md").write_text(article("Article 1", body="Edited.\n"), encoding="utf-8")
    result = publish(root)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "pipeline: ignored the build cache: " in result.stderr and "made by another version" in result.stderr
    assert live_files(root) == cold_build(root, tmp_path)
    kept, notes = incremental.read_state(root)
    assert kept is not None and not notes and "content/en/a1.md" in kept["files"]


def test_a_target_lacking_files_the_last_publish_kept_by_key_gets_them_as_a_cold_build_makes_them(make_site, tmp_path):
    """After an edit, a publish describes only the outputs made from what changed; a target that lacks the others (a new
    one, with no build folder to read them from) is sent them all the same."""
    root = site(make_site, NOW_SITE + "  second:\n    type: local\n    path: second\n", count=3)
    assert publish(root).exit_code == 0
    (root / "content/en/a1.md").write_text(article("Article 1", body="A new body.\n"), encoding="utf-8")
    assert publish(root).exit_code == 0
    (root / "content/he/a2.md").write_text(hebrew("מאמר 2", body="גוף חדש.\n"), encoding="utf-8")
    result = publish(root, "--target", "second")
    assert result.exit_code == 0, result.stdout + result.stderr
    current = root / "second/current"
    assert {p.relative_to(current).as_posix(): p.read_bytes() for p in current.rglob("*") if p.is_file()} == cold_build(root, tmp_path)
    assert publish(root).exit_code == 0
    assert live_files(root) == cold_build(root, tmp_path)
