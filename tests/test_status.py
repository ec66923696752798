"""`pipeline status`: states and coverage per language, diffs of stale sections from git, JSON and HTML."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from conftest import hebrew, run, validate_json
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
    assert lines[0].startswith("he: 0/2 articles up to date (1 stale, 1 unverified, 1 orphaned); ")  # an orphan is no article of the site
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
    assert data["locales"]["he"] == {"ok": 0, "stale": 1, "draft": 0, "unverified": 1, "missing": 0, "orphaned": 1, "invalid": 0}
    a = next(item for item in data["articles"] if item["id"] == "a")
    assert a["title"] == "טוב לב" and a["source_title"] == "Kindness"
    assert len(a["translated_from_commit"]) == 40
    assert "+Serotonin" in a["changes"][0]["diff"]


def test_html_page_is_self_contained_and_right_to_left_where_hebrew(stale_site, tmp_path):
    out = tmp_path / "reports" / "status.html"
    out.parent.mkdir()
    result = run("status", "--root", str(stale_site), "--format", "html", "--out", str(out))
    assert result.exit_code == 0
    page = out.read_text("utf-8")
    assert '<span lang="he" dir="rtl"><a href="../site/content/he/a.md">טוב לב</a></span>' in page  # relative to the page
    assert '<a href="../site/content/en/a.md" dir="auto">Kindness</a>' in page
    assert '<span lang="he" dir="rtl">עברית</span>' in page
    assert '<progress max="2" value="0">' in page  # orphans are not counted
    assert "No interface catalog yet: <code>pipeline i18n init he</code>" in page
    assert '<span class="add">+<ins>Serotonin</ins> and oxytocin' in page  # the changed word marked, not the whole line
    assert '<span class="del">-<del>Dopamine</del> and oxytocin' in page
    assert 'data-state="stale"' in page and 'id="show-stale"' in page and "for 0 days" in page
    assert " src=" not in page and "http://" not in page.replace("http://www.w3.org", "") and "file://" not in page
    for physical in ("margin-left", "margin-right", "padding-left", "padding-right", "text-align: left", "text-align: right"):
        assert physical not in page


def test_html_links_to_the_repository_when_site_yaml_names_it(stale_site, tmp_path):
    config = stale_site / "site.yaml"
    config.write_text(
        config.read_text("utf-8") + "repository:\n"
        "  view: https://github.com/org/site/blob/main/{path}\n"
        "  edit: https://github.com/org/site/edit/main/{path}\n"
        "  new: https://github.com/org/site/new/main/{dir}?filename={name}\n",
        encoding="utf-8",
    )
    (stale_site / "content/en/c.md").write_text(SOURCE.replace("Kindness", "Cee"), encoding="utf-8")  # missing in Hebrew
    out = tmp_path / "status.html"
    assert run("status", "--root", str(stale_site), "--format", "html", "--out", str(out)).exit_code == 0
    page = out.read_text("utf-8")
    assert '<a href="https://github.com/org/site/blob/main/content/he/a.md">טוב לב</a>' in page
    assert '<a href="https://github.com/org/site/edit/main/content/he/a.md">edit</a>' in page
    assert '<a href="https://github.com/org/site/new/main/content/he?filename=c.md">start this translation</a>' in page
    assert run("validate", "--root", str(stale_site)).exit_code != 2  # site.yaml's repository is accepted
    config.write_text(
        config.read_text("utf-8").replace("  view: https://github.com/org/site/blob/main/{path}", "  view: javascript:alert(1)//{path}"),
        encoding="utf-8",
    )
    refused = run("validate", "--root", str(stale_site))
    assert refused.exit_code == 2 and "site.yaml:" in refused.stdout + refused.stderr


def test_unknown_article_is_a_usage_error(stale_site):
    result = run("status", "--root", str(stale_site), "nope")
    assert result.exit_code == 2
    assert "no article 'nope'" in result.stderr


def test_a_fresh_draft_is_a_draft_with_every_word_left_and_readers_get_the_fallback(make_site, tmp_path):
    root = make_site(FILES, POLICY.replace("    untranslated: omit\n", "    untranslated: fallback\n"))
    run("translate", "--root", str(root), "he", "a")
    data = json.loads(run("status", "--root", str(root), "--format", "json").stdout)
    a = next(item for item in data["articles"] if item["id"] == "a")
    assert a["state"] == "draft" and a["words"] > 0 and a["words_left"] == a["words"]
    assert {"title", "summary", "intro", "why-it-works", "image.alt"} <= set(a["untranslated"])
    assert data["locales"]["he"]["draft"] == 1 and data["locales"]["he"]["ok"] == 0
    text = run("status", "--root", str(root)).stdout
    assert "he: 0/2 articles up to date (1 draft, 1 unverified)" in text  # a draft is not up to date
    assert re.search(r"^a\s+he\s+draft\s+\d+ of \d+ words left: title, summary", text, re.MULTILINE)
    # The build publishes the English source under /he/ as a fallback, never the draft as Hebrew.
    out = tmp_path / "out"
    assert run("build", "--root", str(root), "--out", str(out)).exit_code == 0
    page = (out / "he/a/index.html").read_text("utf-8")
    assert 'lang="en" dir="ltr"' in page and "Intro paragraph." in page
    published = run("publish", "--root", str(root), "--dry-run")
    assert "held back: he/a: its translation is a draft" in published.stdout


def test_a_half_translated_draft_counts_the_words_left(make_site):
    root = make_site(FILES, POLICY)
    run("translate", "--root", str(root), "he", "a")
    path = root / "content/he/a.md"
    text = translated(path).replace("פסקת פתיחה.", "Intro paragraph.")  # the intro left in English
    path.write_text(text, encoding="utf-8")
    a = next(item for item in json.loads(run("status", "--root", str(root), "--format", "json").stdout)["articles"] if item["id"] == "a")
    assert a["state"] == "draft" and a["untranslated"] == ["intro"] and a["words_left"] == 2
    translated(path)
    a = next(item for item in json.loads(run("status", "--root", str(root), "--format", "json").stdout)["articles"] if item["id"] == "a")
    assert a["state"] == "ok" and a["words_left"] == 0 and a["untranslated"] == []


def test_a_translation_with_an_error_is_invalid_not_ok(make_site):
    root = make_site(FILES, POLICY)
    run("translate", "--root", str(root), "he", "a")
    path = root / "content/he/a.md"
    translated(path)
    path.write_text(path.read_text("utf-8").replace("tags: [kindness]", "tags: [gratitude]"), encoding="utf-8")  # a shared field differs
    a = next(item for item in json.loads(run("status", "--root", str(root), "--format", "json").stdout)["articles"] if item["id"] == "a")
    assert a["state"] == "invalid"


def test_fail_on_gives_ci_an_exit_code(stale_site):
    assert run("status", "--root", str(stale_site), "--fail-on", "missing").exit_code == 0
    failed = run("status", "--root", str(stale_site), "--fail-on", "stale,draft")
    assert failed.exit_code == 1 and "1 translation(s) in a state --fail-on names: he/a stale" in failed.stderr
    unknown = run("status", "--root", str(stale_site), "--fail-on", "stail")
    assert unknown.exit_code == 2 and "no state 'stail'" in unknown.stderr


def test_adopting_the_tool_keeps_real_lags_visible(make_site):
    """A site translated before the tool: accepting against each translation's last commit shows what changed since."""
    root = make_site(FILES, POLICY)
    run("translate", "--root", str(root), "he", "a")  # stands in for a translation made by hand, long ago
    path = root / "content/he/a.md"
    path.write_text(re.sub(r"translated_from:\n(  .*\n)+", "", translated(path)), encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "site as it was")
    (root / "content/en/a.md").write_text(SOURCE.replace("Dopamine and oxytocin", "Serotonin and oxytocin"), encoding="utf-8")
    git(root, "commit", "-qam", "the source moved on; the translation did not")
    accepted = run("translate", "--root", str(root), "--accept", "--all", "--as-of-translation")
    assert accepted.exit_code == 0, accepted.stderr
    assert re.search(r"recorded the en source of commit [0-9a-f]{12} in content/he/a\.md \(it had no fingerprint\)", accepted.stdout)
    a = next(item for item in json.loads(run("status", "--root", str(root), "--format", "json").stdout)["articles"] if item["id"] == "a")
    assert a["state"] == "stale" and [c["label"] for c in a["changes"]] == ["Why it works"]
    assert "+Serotonin and oxytocin" in a["changes"][0]["diff"]  # the diff since the translation, from git
    bad = run("translate", "--root", str(root), "he", "a", "--accept", "--as-of", "--help")
    assert bad.exit_code == 2 and "git has no content/en/a.md at --help" in bad.stderr


def test_a_renamed_heading_is_diffed_against_its_old_self(stale_site):
    source = (stale_site / "content/en/a.md").read_text("utf-8")
    (stale_site / "content/en/a.md").write_text(source.replace("## Why it works", "## Why this works"), encoding="utf-8")
    git(stale_site, "commit", "-qam", "heading renamed")
    text = run("status", "--root", str(stale_site), "a").stdout
    assert "section 'why-it-works' renamed to 'Why this works'" in text
    assert "    renamed: Why it works → Why this works" in text
    assert "      -## Why it works" in text and "      +## Why this works" in text


def test_a_source_change_committed_as_minor_leaves_translations_up_to_date(make_site):
    root = make_site(FILES, POLICY + "translation:\n  minor_keywords: ['[minor]']\n")
    run("translate", "--root", str(root), "he", "a")
    translated(root / "content/he/a.md")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "translated")
    source = root / "content/en/a.md"
    source.write_text(SOURCE.replace("Intro paragraph.", "Intro paragraph, fixed."), encoding="utf-8")
    assert "translation-stale" in validate_json(root).messages  # not committed yet: a change like any other
    git(root, "commit", "-qam", "Fix a typo [minor]")
    assert "translation-stale" not in validate_json(root).messages
    a = next(item for item in json.loads(run("status", "--root", str(root), "--format", "json").stdout)["articles"] if item["id"] == "a")
    assert a["state"] == "ok" and len(a["minor_commits"]) == 1
    assert "changed since only in commits marked minor" in run("status", "--root", str(root)).stdout
    source.write_text(SOURCE.replace("Intro paragraph.", "A new intro."), encoding="utf-8")
    git(root, "commit", "-qam", "Rewrite the intro")
    assert "intro changed" in validate_json(root).messages["translation-stale"]  # a real change after a minor one: stale
