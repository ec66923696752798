"""`pipeline status`: states and coverage per language, diffs of stale sections from git, JSON and HTML."""

from __future__ import annotations

import json
import subprocess

import pytest
from conftest import hebrew, run
from test_translate import FILES, POLICY, SOURCE, translated


def git(root, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.name=T", "-c", "user.email=t@example.org", *args], check=True, capture_output=True)


@pytest.fixture
def stale_site(make_site):
    """A site in git whose Hebrew translation of `a` went stale in one section after it was translated."""
    root = make_site({**FILES, "content/he/orphan.md": hebrew()}, POLICY)
    run("translate", "--root", str(root), "he", "a")
    translated(root / "content/he/a.md")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "translated")
    (root / "content/en/a.md").write_text(SOURCE.replace("Dopamine and oxytocin", "Serotonin and oxytocin"), encoding="utf-8")
    git(root, "commit", "-qam", "source edited")
    return root


def test_text_table_with_states_and_coverage(stale_site):
    result = run("status", "--root", str(stale_site))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "he: 0/3 articles up to date (1 stale, 1 unverified, 1 orphaned)"
    assert "he: no interface catalog yet" in lines[1]
    assert any(line.split()[:3] == ["a", "he", "stale"] and "section 'Why it works' changed" in line for line in lines)
    assert any(line.split()[:3] == ["orphan", "he", "orphaned"] for line in lines)
    assert "-Dopamine" not in result.stdout  # diffs only for one article


def test_status_of_one_article_shows_the_diff_of_the_changed_section(stale_site):
    result = run("status", "--root", str(stale_site), "a")
    assert result.exit_code == 0
    assert "    changed: Why it works" in result.stdout
    assert "      -Dopamine and oxytocin, see [gratitude](b.md)." in result.stdout
    assert "      +Serotonin and oxytocin, see [gratitude](b.md)." in result.stdout


def test_without_git_the_sections_are_still_named(stale_site):
    subprocess.run(["rm", "-rf", str(stale_site / ".git")], check=True)
    result = run("status", "--root", str(stale_site), "a", "--format", "json")
    article = json.loads(result.stdout)["articles"][0]
    assert article["state"] == "stale"
    assert article["changes"] == [{"section": "why-it-works", "label": "Why it works", "kind": "changed", "diff": ""}]
    assert article["translated_from_commit"] is None


def test_json_for_bots(stale_site):
    data = json.loads(run("status", "--root", str(stale_site), "--format", "json").stdout)
    assert data["locales"]["he"] == {"ok": 0, "stale": 1, "unverified": 1, "missing": 0, "orphaned": 1, "invalid": 0}
    a = next(item for item in data["articles"] if item["id"] == "a")
    assert a["title"] == "טוב לב" and a["source_title"] == "Kindness"
    assert len(a["translated_from_commit"]) == 40
    assert "+Serotonin" in a["changes"][0]["diff"]


def test_html_page_is_self_contained_and_right_to_left_where_hebrew(stale_site, tmp_path):
    out = tmp_path / "status.html"
    result = run("status", "--root", str(stale_site), "--format", "html", "--out", str(out))
    assert result.exit_code == 0
    page = out.read_text("utf-8")
    assert '<td lang="he" dir="rtl"><a href="file://' in page and ">טוב לב</a></td>" in page
    assert '<span lang="he" dir="rtl">עברית</span>' in page
    assert '<progress max="3" value="0">' in page
    assert "No interface catalog yet: <code>pipeline i18n init he</code>" in page
    assert '<span class="add">+Serotonin and oxytocin' in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")
    for physical in ("margin-left", "margin-right", "padding-left", "padding-right", "text-align: left", "text-align: right"):
        assert physical not in page


def test_unknown_article_is_a_usage_error(stale_site):
    result = run("status", "--root", str(stale_site), "nope")
    assert result.exit_code == 2
    assert "no article 'nope'" in result.stderr
