"""`pipeline new`: a site that validates, builds and publishes as it is, in natural Hebrew, with its CI workflows."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run

ROOT = Path(__file__).resolve().parent.parent


def test_a_new_site_is_clean_translated_and_goes_live(tmp_path):
    site = tmp_path / "blog"
    made = run("new", str(site))
    assert made.exit_code == 0, made.stderr
    assert f"created {site} with 9 files" in made.stdout
    for rel in ("site.yaml", "schemas/article.schema.json", "content/en/welcome.md", "content/he/welcome.md", ".gitignore",
                "locales/messages.pot", "locales/he/LC_MESSAGES/messages.po",
                ".github/workflows/validate-content.yml", ".github/workflows/publish-content.yml"):  # fmt: skip
        assert (site / rel).is_file(), rel
    checked = run("validate", "--root", str(site), "--strict")
    assert checked.exit_code == 0 and checked.stdout == "", checked.stdout
    assert run("i18n", "check", "--root", str(site), "--strict").exit_code == 0  # every interface string translated
    states = json.loads(run("status", "--root", str(site), "--format", "json").stdout)
    assert [(a["id"], a["state"]) for a in states["articles"]] == [("welcome", "ok")]
    published = run("publish", "--root", str(site))
    assert published.exit_code == 0 and "live at file://" in published.stdout
    page = (site / "published/current/he/welcome/index.html").read_text("utf-8")
    assert '<html lang="he" dir="rtl">' in page and "ברוכים הבאים" in page
    assert "דילוג לתוכן" in page and "Skip to content" not in page  # the theme's chrome in Hebrew


def test_other_languages_get_a_draft_to_translate(tmp_path):
    site = tmp_path / "site"
    assert run("new", str(site), "--languages", "en,fr").exit_code == 0
    states = json.loads(run("status", "--root", str(site), "--format", "json").stdout)
    assert [(a["lang"], a["state"]) for a in states["articles"]] == [("fr", "draft")]
    assert run("build", "--root", str(site)).exit_code == 0  # readers get the English until it is translated


def test_new_refuses_what_it_cannot_do(tmp_path):
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine", encoding="utf-8")
    refused = run("new", str(taken))
    assert refused.exit_code == 2 and "already exists" in refused.stderr
    assert sorted(p.name for p in taken.iterdir()) == ["notes.txt"]
    assert run("new", str(tmp_path / "one"), "--languages", "en").exit_code == 2
    unknown = run("new", str(tmp_path / "x"), "--languages", "en,zz-nowhere")
    assert unknown.exit_code == 2 and "not a language CLDR knows" in unknown.stderr
    assert not (tmp_path / "x").exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_the_workflows_a_new_site_gets_are_the_repository_s_own():
    for name in ("validate-content.yml", "publish-content.yml"):
        shipped = (ROOT / "src/pipeline/data/workflows" / name).read_text("utf-8").splitlines()
        ours = (ROOT / ".github/workflows" / name).read_text("utf-8").splitlines()
        differ = [(a, b) for a, b in zip(shipped, ours) if a != b]
        assert len(shipped) == len(ours) and all("pip install" in a and "pip install" in b for a, b in differ), differ
