"""Incremental builds give the same output as a cold build, after any edit; a bad cache is discarded, never trusted."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SITE_YAML, article, built_tree, cold_build, hebrew, run, validate_json

from pipeline.build import cache, incremental, shards
from pipeline.content.sources import Changed

NOW = "2026-11-26T12:00:00+00:00"
PO = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: he\\n"
"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n==2 ? 1 : 2);\\n"

msgid "All articles"
msgstr "{text}"
"""
TAGGED = "tags: [kindness]"
PAGED = SITE_YAML + "per_page: 2\n"


def files(count: int = 3) -> dict[str, str]:
    site = {}
    for n in range(count):
        link = f"See [the next one](a{(n + 1) % count}.md).\n\n## Part\n\nMore text {n}.\n"
        site[f"content/en/a{n}.md"] = article(f"Title {n}", f"Summary {n}.", f"Text {n}. {link}", tags="[kindness]")
        site[f"content/he/a{n}.md"] = hebrew(
            f"כותרת {n}", f"תקציר {n}.", f"טקסט {n}. ראו [הבא](a{(n + 1) % count}.md).\n\n## חלק\n\nעוד {n}.\n", tags="[kindness]"
        )
    site["locales/he/LC_MESSAGES/messages.po"] = PO.format(text="כל המאמרים")
    return site


def build(root: Path, out: Path, *args: str) -> str:
    result = run("build", "--root", str(root), "--out", str(out), "--now", NOW, *args)
    assert result.exit_code == 0, result.stdout + result.stderr
    return result.stderr


def cold(root: Path, tmp_path: Path) -> dict[str, bytes]:
    """A build from nothing: no cache, a fresh output folder, one job."""
    return cold_build(root, tmp_path, "--now", NOW)


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def edit_pair(root: Path, article_id: str, old: str, new: str) -> None:
    """The same edit to an article and its translation (a shared field)."""
    for lang in ("en", "he"):
        edit(root, f"content/{lang}/{article_id}.md", old, new)


def delete_a2(root: Path) -> None:
    """Delete the pair a2, and the links a1 had to it."""
    for lang in ("en", "he"):
        edit(root, f"content/{lang}/a1.md", "(a2.md)", "(a0.md)")
        (root / f"content/{lang}/a2.md").unlink()


CHANGES = {
    "article edit": lambda root: edit(root, "content/en/a1.md", "Text 1.", "Text 1, edited."),
    "translation edit": lambda root: edit(root, "content/he/a0.md", "טקסט 0.", "טקסט 0, ערוך."),
    "title edit (lists, feeds, tags)": lambda root: edit(root, "content/en/a0.md", "Title 0", "A new title"),
    "deletion": lambda root: delete_a2(root),
    "addition": lambda root: [
        (root / "content/en/a9.md").write_text(article("Nine", "Nine.", "Nine [zero](a0.md).\n", tags="[gratitude]"), encoding="utf-8"),
        (root / "content/he/a9.md").write_text(hebrew("תשע", "תשע.", "תשע [אפס](a0.md).\n", tags="[gratitude]"), encoding="utf-8"),
    ],
    "template override": lambda root: (
        (root / "templates").mkdir(exist_ok=True)
        or (root / "templates/404.html").write_text(
            '{% extends "base.html" %}{% block content %}<p>gone</p>{% endblock %}\n', encoding="utf-8"
        )
    ),
    "catalog change": lambda root: edit(root, "locales/he/LC_MESSAGES/messages.po", "כל המאמרים", "כל הרשומות"),
    "site.yaml change": lambda root: edit(root, "site.yaml", "he: טוב לב", "he: חסד"),
    "date change (the order of lists and feeds)": lambda root: edit_pair(root, "a1", "date: 2024-03-12", "date: 2025-01-02"),
    "tag change (tag pages, sitemap, API)": lambda root: edit_pair(root, "a1", "tags: [kindness]", "tags: [kindness, gratitude]"),
    "template edit": lambda root: (
        (root / "templates").mkdir(exist_ok=True)
        or (root / "templates/404.html").write_text(
            '{% extends "base.html" %}{% block content %}<p>moved</p>{% endblock %}\n', encoding="utf-8"
        )
    ),
    "static file": lambda root: (root / "static").mkdir() or (root / "static/robots.txt").write_text("User-agent: *\n", encoding="utf-8"),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_an_incremental_build_equals_a_cold_build(make_site, tmp_path, change):
    root = make_site(files())
    out = tmp_path / "out"
    build(root, out)
    CHANGES[change](root)
    build(root, out)
    assert built_tree(out) == cold(root, tmp_path)


def test_a_sequence_of_changes_and_a_no_op_keep_the_output_equal_to_a_cold_build(make_site, tmp_path):
    root = make_site(files(4), PAGED)  # two a page: the index's and the tag's pages move with edits
    out = tmp_path / "out"
    build(root, out)
    for change in sorted(CHANGES):
        CHANGES[change](root)
        build(root, out, "--jobs", "2")
        assert built_tree(out) == cold(root, tmp_path), change
    assert "nothing changed since the last build" in run("build", "--root", str(root), "--out", str(out), "--now", NOW).stdout
    assert built_tree(out) == cold(root, tmp_path)


def test_the_no_op_sees_an_output_changed_removed_or_linked_by_hand_but_not_a_file_added_beside_them(make_site, tmp_path):
    """The no-op check looks at the files the last build wrote (their size and modification time): one changed, removed or
    replaced by a link is made again; a file put in the folder by hand, which no build reads or removes, leaves it a no-op."""
    root = make_site(files())
    out = tmp_path / "out"
    build(root, out)
    expected = built_tree(out)

    def no_op() -> bool:
        return "nothing changed since the last build" in run("build", "--root", str(root), "--out", str(out), "--now", NOW).stdout

    (out / "notes.txt").write_text("kept by the editor\n", encoding="utf-8")
    assert no_op()
    page = out / "en/a0/index.html"
    good = page.read_bytes()
    page.write_bytes(good.replace(b"Title 0", b"Title X"))  # the same size, a later modification time
    assert not no_op()
    assert page.read_bytes() == good
    assert no_op()
    (out / "he/a1/index.html").unlink()
    (out / "en/a1/index.html").unlink()
    (out / "en/a1/index.html").symlink_to(root / "site.yaml")
    assert not no_op()
    assert built_tree(out) == expected | {"notes.txt": b"kept by the editor\n"}
    assert built_tree(out) == cold(root, tmp_path) | {"notes.txt": b"kept by the editor\n"}
    assert no_op()


def test_templates_and_catalogs_edited_and_put_back_in_one_process_build_as_a_cold_build(make_site, tmp_path):
    """The theme's environments are kept by the process while the templates and catalogs read are the same text."""
    root = make_site(files())
    out = tmp_path / "out"
    page = root / "templates/article.html"
    steps = [
        lambda: page.parent.mkdir() or page.write_text('{% extends "base.html" %}{% block content %}one{% endblock %}\n', "utf-8"),
        lambda: edit(root, "templates/article.html", "one", "{{ _('All articles') }}"),
        lambda: edit(root, "locales/he/LC_MESSAGES/messages.po", "כל המאמרים", "כל הרשומות"),
        lambda: edit(root, "templates/article.html", "{% block", "{% macro _(s) %}bound {{ s }}{% endmacro %}{% block"),
        lambda: edit(root, "templates/article.html", "{% macro _(s) %}bound {{ s }}{% endmacro %}", ""),
        lambda: edit(root, "locales/he/LC_MESSAGES/messages.po", "כל הרשומות", "כל המאמרים"),
        lambda: edit(root, "templates/article.html", "{{ _('All articles') }}", "one"),
    ]
    build(root, out)
    for step in steps:
        step()
        build(root, out)
        assert built_tree(out) == cold(root, tmp_path)


def test_an_output_file_changed_by_hand_is_written_again(make_site, tmp_path):
    root = make_site(files())
    out = tmp_path / "out"
    build(root, out)
    (out / "en/a1/index.html").write_text("tampered", encoding="utf-8")
    (out / "he/index.html").unlink()
    build(root, out)
    assert built_tree(out) == cold(root, tmp_path)


@pytest.mark.parametrize("damage", [b"garbage", b"pipeline-build-cache 1 0.0.0 x\n0\n", None])
def test_a_corrupt_or_foreign_cache_is_discarded_with_a_message(make_site, tmp_path, damage):
    root = make_site(files())
    out = tmp_path / "out"
    build(root, out)
    state = root / ".pipeline-cache/build"
    data = state.read_bytes()
    state.write_bytes(damage if damage is not None else data[:-100] + bytes(100))  # None: a flipped payload
    edit(root, "content/en/a1.md", "Text 1.", "Text 1, edited.")
    stderr = build(root, out)
    assert "discarded the build cache:" in stderr
    assert built_tree(out) == cold(root, tmp_path)


@pytest.mark.parametrize("jobs", ["2", "3"])
def test_one_job_and_more_give_the_same_output(make_site, tmp_path, jobs):
    root = make_site(files(40))  # 80 files: enough for the work to be spread over processes
    build(root, tmp_path / "one", "--jobs", "1")
    shutil.rmtree(root / ".pipeline-cache")
    build(root, tmp_path / "more", "--jobs", jobs)
    assert built_tree(tmp_path / "one") == built_tree(tmp_path / "more")


@pytest.mark.parametrize("damage", ["remove", "garble"])
def test_prepared_bodies_the_cache_lost_are_made_again_as_a_cold_build_makes_them(make_site, tmp_path, damage):
    root = make_site(files(3))
    out = tmp_path / "public"
    build(root, out)
    for pack in (root / ".pipeline-cache" / "bodies").iterdir():
        if damage == "remove":
            pack.unlink()
        else:
            pack.write_bytes(pack.read_bytes().replace("טקסט".encode(), b"xxxxxxxx").replace(b"Text", b"Txet"))
    shutil.rmtree(out)  # every page is made again, from the bodies as kept
    build(root, out)
    assert built_tree(out) == cold(root, tmp_path)


def test_search_words_the_cache_lost_are_counted_again_from_the_texts_as_a_cold_build_counts_them(make_site, tmp_path):
    root = make_site(files(3))
    out = tmp_path / "public"
    build(root, out)
    for name in ("search-en", "search-he"):
        (root / ".pipeline-cache" / name).unlink()
    shutil.rmtree(out)  # every output made again: the bodies from the cache's store, the words from the articles' files
    build(root, out)
    assert built_tree(out) == cold(root, tmp_path)


def test_a_cache_sealed_by_another_user_is_discarded(make_site, tmp_path, monkeypatch):
    root = make_site(files())
    out = tmp_path / "out"
    build(root, out)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "someone-else"))  # another key: as if the cache came with the repository
    edit(root, "content/en/a1.md", "Text 1.", "Text 1, edited.")
    assert "was not made by this user's pipeline" in build(root, out)
    assert built_tree(out) == cold(root, tmp_path)


def test_the_cache_folder_tells_git_to_ignore_it(make_site, tmp_path):
    root = make_site(files())
    build(root, tmp_path / "out")
    assert (root / ".pipeline-cache/.gitignore").read_text("utf-8").splitlines()[-1] == "*"


def test_an_edit_writes_only_the_outputs_it_changes(make_site, tmp_path):
    root = make_site(files(4), PAGED)  # two a page: the index's and the tag's pages move with edits
    out = tmp_path / "out"
    build(root, out)
    before = {path: (out / path).stat().st_mtime_ns for path in built_tree(out)}
    edit(root, "content/en/a1.md", "More text 1.", "More text 1, edited.")
    result = run("build", "--root", str(root), "--out", str(out), "--now", NOW)
    changed = {path for path in built_tree(out) if (out / path).stat().st_mtime_ns != before.get(path)}
    assert "en/a1/index.html" in changed and "api/en/articles/a1.json" in changed
    assert not any(path.startswith("he/") for path in changed - {"he/a1/index.html"})
    assert "en/a0/index.html" not in changed
    assert f": {len(changed)} written" in result.stdout


def test_a_scheduled_article_appears_when_its_time_comes_without_any_edit(make_site, tmp_path):
    site = files()
    site["content/en/later.md"] = article("Later", "Later.", "Soon.\n", publish_at="2026-12-01T09:00:00+00:00")
    root = make_site(site)
    out = tmp_path / "out"
    build(root, out)
    assert not (out / "en/later/index.html").exists()
    run("build", "--root", str(root), "--out", str(out), "--now", "2026-12-02T00:00:00+00:00")
    assert (out / "en/later/index.html").exists()


def test_allowing_raw_html_in_site_yaml_renders_bodies_again(make_site, tmp_path):
    site = files()
    site["content/en/a0.md"] = article("Title 0", "Summary 0.", "Some <mark>marked</mark> text.\n", tags="[kindness]")
    root = make_site(site)
    out = tmp_path / "out"
    build(root, out)
    assert "&lt;mark&gt;" in (out / "en/a0/index.html").read_text("utf-8")
    (root / "site.yaml").write_text((root / "site.yaml").read_text("utf-8") + "markdown:\n  allow_raw_html: true\n", encoding="utf-8")
    build(root, out)
    assert "<mark>marked</mark>" in (out / "en/a0/index.html").read_text("utf-8")
    assert built_tree(out) == cold(root, tmp_path)
    edit(root, "site.yaml", "allow_raw_html: true", "allow_raw_html: false")  # bodies from the cache are rendered again
    build(root, out)
    assert "&lt;mark&gt;" in (out / "en/a0/index.html").read_text("utf-8")
    assert built_tree(out) == cold(root, tmp_path)


def test_a_failed_build_leaves_the_last_output_as_it_was(make_site, tmp_path):
    root = make_site(files())
    out = tmp_path / "out"
    build(root, out)
    before = built_tree(out)
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates/article.html").write_text(
        "{% extends 'base.html' %}{% block content %}{{ nothing.here }}{% endblock %}\n", encoding="utf-8"
    )
    result = run("build", "--root", str(root), "--out", str(out), "--now", NOW)
    assert result.exit_code == 1 and "template" in result.stdout + result.stderr
    assert built_tree(out) == before
    (root / "templates/article.html").unlink()
    build(root, out)
    assert built_tree(out) == cold(root, tmp_path)


def test_a_file_read_back_from_the_cache_is_what_checking_it_again_gives(make_site):
    """Records keep what validation needs; sections that repeat text, and a body's edges, survive the round trip."""
    repeated = "Intro.\n\n## One\n\nSame words.\n\n## Two\n\nSame words.\n\n## One\n\nSame words.\n"
    root = make_site(
        {**files(), "content/en/r.md": article("R", "R.", repeated, tags="[kindness]"), "content/en/e.md": article("E", "E.", "")}
    )
    from pipeline.validate import validate

    first = validate(root)
    again = validate(root, first.records)
    assert again.diagnostics == first.diagnostics
    assert again.by_key == first.by_key
    assert again.fingerprints == first.fingerprints
    assert {path: (b.refs, b.headings, b.code_blocks) for path, b in again.bodies.items()} == {
        path: (b.refs, b.headings, b.code_blocks) for path, b in first.bodies.items()
    }
    assert again.states == first.states
    assert set(again.records.files) == set(first.records.files) >= {"content/en/r.md", "content/en/e.md"}


def test_validate_after_a_build_reports_exactly_what_it_reports_without_the_cache(make_site, tmp_path):
    site = files()
    site["content/en/a1.md"] = article("Title 1", "Summary 1.", "A [broken](nowhere.md) link.\n", tags="[kindness]")
    site["content/en/a0.md"] = article("Title 0", "Summary 0.", "Fine [link](a1.md).\n", tags="[kindness]")
    root = make_site(site)
    (root / "content/en/a1.md").write_text(article("Title 1", "Summary 1.", "Fine.\n", tags="[kindness]"), encoding="utf-8")
    build(root, tmp_path / "out")  # the cache now knows every file
    (root / "content/en/a1.md").write_text(site["content/en/a1.md"], encoding="utf-8")
    (root / "content/en/a0.md").unlink()  # its link target is gone: a check across files, not of the file alone
    cached = run("validate", "--root", str(root), "--format", "json")
    shutil.rmtree(root / ".pipeline-cache")
    fresh = run("validate", "--root", str(root), "--format", "json")
    assert cached.exit_code == fresh.exit_code == 1
    assert cached.stdout == fresh.stdout
    codes = {(path, code) for path, _, _, code in fresh.diagnostics}
    assert {("content/en/a1.md", "link-broken"), ("content/en/a2.md", "link-broken"), ("content/he/a0.md", "translation-orphaned")} <= codes


def test_validate_ignores_a_cache_it_cannot_trust_and_says_so(make_site, tmp_path):
    root = make_site(files())
    build(root, tmp_path / "out")
    state = root / ".pipeline-cache/build"
    state.write_bytes(state.read_bytes()[:-10] + bytes(10))
    result = run("validate", "--root", str(root))
    assert result.exit_code == 0
    assert "ignored the build cache" in result.stderr


def assert_publish_sends_a_cold_build(root, tmp_path):
    """Publish `root`; what went live equals a build of a copy of the site with no cache."""
    assert run("publish", "--root", str(root)).exit_code == 0
    copy = tmp_path / "fresh-site"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".pipeline-cache", "published"))
    assert run("build", "--root", str(copy), "--out", str(tmp_path / "fresh-out"), "--jobs", "1").exit_code == 0
    assert built_tree(root / "published/current") == built_tree(tmp_path / "fresh-out")


def test_a_publish_after_a_build_sends_what_a_build_from_nothing_makes(make_site, tmp_path):
    root = make_site(files())
    build(root, tmp_path / "out")  # fills the cache publish reads
    edit(root, "content/en/a1.md", "Text 1.", "Text 1, edited.")
    assert_publish_sends_a_cold_build(root, tmp_path)


def test_a_publish_reads_unchanged_outputs_from_the_last_build_but_never_one_changed_by_hand(make_site, tmp_path):
    root = make_site(files())
    out = tmp_path / "out"
    assert run("build", "--root", str(root), "--out", str(out)).exit_code == 0  # as publish builds: no --now
    (out / "en/a0/index.html").write_text("tampered", encoding="utf-8")  # changed by hand after the build
    (out / "he/a0/index.html").unlink()
    (out / "he/a1/index.html").unlink()
    (out / "he/a1/index.html").symlink_to(root / "site.yaml")  # a link where a page was: never followed
    edit(root, "content/en/a1.md", "Text 1.", "Text 1, edited.")
    assert_publish_sends_a_cold_build(root, tmp_path)


def test_a_site_with_its_schema_elsewhere_gets_its_no_op_and_sees_schema_edits(make_site, tmp_path):
    root = make_site(files(), SITE_YAML + "schema: rules/article.json\n")
    schema = (Path(__file__).resolve().parent.parent / "src/pipeline/data/article.schema.json").read_text("utf-8")  # the built-in one
    (root / "rules").mkdir()
    (root / "rules/article.json").write_text(schema, encoding="utf-8")
    out = tmp_path / "out"
    build(root, out)
    build(root, out)
    assert "nothing changed" in run("build", "--root", str(root), "--out", str(out), "--now", NOW).stdout
    (root / "rules/article.json").write_text(schema.replace('"title"', '"title"', 1) + "\n", encoding="utf-8")
    assert "nothing changed" not in run("build", "--root", str(root), "--out", str(out), "--now", NOW).stdout


def test_a_static_file_that_becomes_a_folder_is_built_whole(make_site, tmp_path):
    root = make_site({**files(), "static/notes": "a file\n"})
    out = tmp_path / "out"
    build(root, out)
    (root / "static/notes").unlink()
    (root / "static/notes").mkdir()
    (root / "static/notes/one.txt").write_text("now a folder\n", encoding="utf-8")
    build(root, out)
    assert built_tree(out) == cold(root, tmp_path)


def test_an_output_folder_that_cannot_be_written_is_an_error_not_a_traceback(make_site, tmp_path):
    root = make_site(files())
    out = tmp_path / "out"
    out.write_text("a file, not a folder\n", encoding="utf-8")
    result = run("build", "--root", str(root), "--out", str(out / "site"))
    assert result.exit_code == 2
    assert "cannot write the build" in result.stderr


def test_serve_keeps_the_site_in_memory_and_serves_a_cold_builds_output_after_every_change(make_site, tmp_path):
    """`serve`'s preview over a sequence of every kind of change, and a file made invalid (the last good build stays) then fixed."""
    from datetime import datetime

    from pipeline.build.preview import Preview
    from pipeline.errors import ContentError

    root = make_site(files(4), PAGED)  # two a page: the index's and the tag's pages move with edits
    for path in root.rglob("*"):  # a checkout made an hour ago: files not edited since are not read again
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    site = Preview(root, False, now=datetime.fromisoformat(NOW))
    site.rebuild()

    def served() -> dict[str, bytes | None]:
        return {path: site.get(path) for path in site.paths()}

    assert served() == cold(root, tmp_path)
    for step in [*sorted(CHANGES), "invalid", "fixed", "article edit again"]:
        if step == "invalid":
            before, good = served(), (root / "content/en/a1.md").read_text("utf-8")
            (root / "content/en/a1.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
            with pytest.raises(ContentError) as failed:
                site.rebuild()
            assert any(d.path == "content/en/a1.md" and d.code == "yaml-syntax" for d in failed.value.diagnostics)
            assert served() == before
            continue
        if step == "fixed":
            (root / "content/en/a1.md").write_text(good.replace("Text 1", "Text 1, fixed"), encoding="utf-8")
        elif step == "article edit again":
            edit(root, "content/en/a3.md", "More text 3.", "More text 3, edited twice.")
        else:
            CHANGES[step](root)
        done = site.rebuild()
        assert served() == cold(root, tmp_path), step
        assert 0 < done.changed < done.files or step in ("site.yaml change", "template edit", "template override", "catalog change"), step


def test_serve_leaves_the_command_lines_build_and_its_no_op_alone(make_site, tmp_path):
    from pipeline.build.preview import Preview

    root = make_site(files())
    out = tmp_path / "public"
    build(root, out)
    before = built_tree(out)
    site = Preview(root, False)
    site.rebuild()  # `pipeline serve` started with nothing edited: the next build is still a no-op
    assert "nothing changed since the last build" in run("build", "--root", str(root), "--out", str(out), "--now", NOW).stdout
    edit(root, "content/en/a1.md", "Text 1.", "Text 1, previewed.")
    site.rebuild()
    assert b"Text 1, previewed." in (site.get("en/a1/index.html") or b"")
    assert built_tree(out) == before  # the preview is in memory: nothing was written into the build's folder
    build(root, out)
    assert built_tree(out) == cold(root, tmp_path)


def _add_to(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.write_text(path.read_text("utf-8") + text, encoding="utf-8")


def _fix_static(root: Path) -> None:
    """Change both static files, then wait: their new stats are old enough to be trusted, so only the stats tell the change."""
    (root / "static/logo.svg").write_text("<svg></svg>", encoding="utf-8")
    (root / "static/dot.png").write_bytes(_png(8, 6))
    time.sleep(1.1)


def _png(width: int, height: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x06\x00\x00\x00"


VALIDATE_EDITS = [  # each after the last, so the memo of every earlier validate is used
    ("body edit", lambda root: edit(root, "content/en/a1.md", "Text 1.", "Text 1, edited.")),
    ("front matter edit", lambda root: edit(root, "content/en/a0.md", "tags: [kindness]", "tags: [kindnes]")),
    ("link to a missing article", lambda root: _add_to(root, "content/en/a1.md", "\nAnd [later](later.md).\n")),
    ("the article added", lambda root: (root / "content/en/later.md").write_text(article("Later", "Later.", "Soon.\n"), encoding="utf-8")),
    ("a link to a heading", lambda root: _add_to(root, "content/en/a0.md", "\nSee [part](a2.md#part).\n")),
    ("the heading renamed", lambda root: edit(root, "content/en/a2.md", "## Part", "## Whole")),
    ("translation accepted", lambda root: run("translate", "he", "--all", "--accept", "--root", str(root))),
    ("source edited under it", lambda root: edit(root, "content/en/a1.md", "More text 1.", "More text 1, changed.")),
    ("translation edited", lambda root: edit(root, "content/he/a0.md", "ראו [הבא](a1.md)", "ראו [הבא](a2.md)")),
    ("translation's heading renamed", lambda root: edit(root, "content/he/a2.md", "## חלק", "## שלם")),
    ("an image not there yet", lambda root: _add_to(root, "content/en/a2.md", "\n![A dot](/dot.png)\n")),
    ("static file added", lambda root: (root / "static").mkdir() or (root / "static/dot.png").write_bytes(_png(4, 3))),
    ("an SVG with a script", lambda root: (root / "static/logo.svg").write_text("<svg><script>alert(1)</script></svg>", encoding="utf-8")),
    ("a second passes", lambda root: time.sleep(1.1)),  # so the static files' results are kept by their stat
    ("the SVG fixed, the image resized, a second passes", _fix_static),
    ("file deleted", lambda root: (root / "content/en/later.md").unlink()),
    ("site.yaml changed", lambda root: edit(root, "site.yaml", "  gratitude:", "  kindnes:\n    en: K\n    he: ק\n  gratitude:")),
    ("a file made unreadable", lambda root: (root / "content/he/a1.md").write_bytes(b"---\ntitle: \xff\n---\n")),
    ("an id made invalid", lambda root: (root / "content/he/a2.md").rename(root / "content/he/A2.md")),
    ("nothing", lambda root: None),
]


def _seen(result) -> tuple:
    """What a validate reports and decides: every diagnostic, each pair's state, the valid articles, the images' sizes."""
    return result.diagnostics, result.states, tuple(sorted(result.by_key)), tuple(s.id for s in result.sets), dict(result.images)


def digests_in_cache(result) -> dict[str, str]:
    """The text digests a build cache would keep of a validate's files (in their records, and what its discover saw)."""
    from pipeline.content.sources import seen_to_plain

    return incremental.digests_kept({incremental.TEXTS: seen_to_plain(result.memo.seen), incremental.FILES: result.records.files})


def test_validate_with_the_memo_reports_what_a_cold_validate_does_after_every_edit(make_site, tmp_path):
    """In memory (serve's path) and through the memo's plain form (as the build cache persists it), after each edit in turn."""
    import json

    from pipeline.memo.state import from_plain, to_plain
    from pipeline.validate import validate

    root = make_site(files(3))
    first = validate(root)
    time.sleep(1.1)  # files a discover saw within a second are read again: these ones are old enough to be recalled
    kept = validate(root, first.records, 1, first.memo)
    persisted, carried, carried_plain = kept, set(), set()
    for step, change in VALIDATE_EDITS:
        change(root)
        cold = validate(root)
        kept = validate(root, kept.records, 1, kept.memo)
        plain = json.loads(json.dumps(to_plain(persisted.memo)))
        persisted = validate(root, persisted.records, 1, from_plain(plain, digests_in_cache(persisted)))
        assert _seen(kept) == _seen(cold), step
        assert _seen(persisted) == _seen(cold), step
        carried |= {step} if kept.memo.carried else set()
        carried_plain |= {step} if persisted.memo.carried else set()
    texts_only = {"body edit", "front matter edit", "the heading renamed", "source edited under it", "translation edited"}
    assert texts_only | {"translation's heading renamed", "an image not there yet", "nothing"} <= carried  # the delta path
    assert (
        texts_only | {"translation's heading renamed", "an image not there yet", "nothing"} <= carried_plain
    )  # also from the cache's form
    codes = {d.code for d in cold.diagnostics}
    assert {"encoding-invalid", "id-invalid"} <= codes and "tag-unknown" not in codes  # the last edits brought these; site.yaml fixed that


def test_a_kept_memo_whose_units_are_of_another_shape_is_worked_out_again(make_site):
    """A delta validate from the cache's form (the command line's) decodes each carried unit; one it cannot decode
    (another version's plain form) is worked out again, and the result is a cold validate's."""
    from pipeline.memo.state import from_plain, to_plain
    from pipeline.validate import validate

    root = make_site(files(3))
    _add_to(root, "content/en/a0.md", "\nSee [part](a2.md#nowhere) and [gone](missing.md).\n")  # findings to carry
    first = validate(root)
    time.sleep(1.1)
    kept = validate(root, first.records, 1, first.memo)
    plain = to_plain(kept.memo)
    damaged = {name: (unit[0], "another shape") for name, unit in plain["units"].items()}
    edit(root, "content/en/a1.md", "Text 1.", "Text 1, edited.")
    cold = validate(root)
    again = validate(root, kept.records, 1, from_plain(plain | {"units": damaged}, digests_in_cache(kept)))
    assert again.memo.carried  # the delta path, with nothing usable to carry
    assert _seen(again) == _seen(cold)
    assert {"link-broken", "link-anchor"} <= {d.code for d in again.diagnostics}


def test_each_validate_of_the_sequence_finds_what_the_edit_brings(make_site):
    """The diagnostics the edits are meant to bring appear (so the comparison above compares something)."""
    from pipeline.validate import validate

    root = make_site(files(3))
    kept = validate(root)
    brought = {
        "front matter edit": "tag-unknown",
        "link to a missing article": "link-broken",
        "the heading renamed": "link-anchor",
        "source edited under it": "translation-stale",
        "translation edited": "translation-structure",
        "an image not there yet": "image-missing",
        "an SVG with a script": "static-unsafe",
    }
    for step, change in VALIDATE_EDITS:
        change(root)
        kept = validate(root, kept.records, 1, kept.memo)
        if step in brought:
            assert brought[step] in {d.code for d in kept.diagnostics}, step


def test_a_body_edit_redoes_only_the_checks_of_that_article(make_site):
    from pipeline.validate import validate

    root = make_site(files(6))
    kept = validate(root)
    kept = validate(root, kept.records, 1, kept.memo)
    assert kept.memo.redone == 0
    edit(root, "content/en/a1.md", "Text 1.", "Text 1, edited.")
    kept = validate(root, kept.records, 1, kept.memo)
    assert kept.memo.redone == 2  # the file against the site, and its id's translations (it links to no #fragment)


def test_the_next_command_recalls_what_a_builds_validate_worked_out(make_site, tmp_path):
    """The memo a build keeps in its cache is what the next command's validate starts from: an edit redoes its own checks only."""
    from pipeline.build import incremental
    from pipeline.validate import validate

    root = make_site(files(6))
    build(root, tmp_path / "out")
    edit(root, "content/en/a1.md", "Text 1.", "Text 1, edited.")
    state, notes = incremental.read_state(root)
    assert state is not None and not notes
    known, _, memo = incremental.reuse(state)
    again = validate(root, known, 1, memo)
    assert again.memo.redone == 2
    assert _seen(again) == _seen(validate(root))


def test_a_stale_translation_read_back_from_the_cache_is_reported_at_its_line(make_site, tmp_path):
    """The translation is unchanged, so validate takes its front matter's positions from the cache (decoded only when a
    diagnostic needs one): the stale warning stands at its `translated_from` line, as without the cache."""
    import json

    root = make_site(files())
    accepted = run("translate", "--root", str(root), "he", "a1", "--accept")
    assert accepted.exit_code == 0, accepted.stdout + accepted.stderr
    settled(root)
    build(root, tmp_path / "out")
    edit(root, "content/en/a1.md", "Text 1.", "Text 1, edited.")
    cached = validate_json(root)
    shutil.rmtree(root / cache.CACHE_DIR)
    fresh = validate_json(root)
    assert cached.stdout == fresh.stdout
    stale = [d for d in json.loads(fresh.stdout)["diagnostics"] if d["code"] == "translation-stale"]
    line = (root / "content/he/a1.md").read_text("utf-8").split("\n").index("translated_from:") + 1
    assert [(d["path"], d["line"], d["column"]) for d in stale] == [("content/he/a1.md", line, 1)]


def test_a_memo_kept_beside_an_earlier_builds_records_is_not_carried(make_site, tmp_path):
    """The memo's text digests are taken from the files' records, each part of them sealed on its own: when the records are
    an earlier build's (a build stopped between writing its state and its parts), a file put back as it was then must not be
    taken as unchanged since the memo was made (its findings would be the edited text's)."""
    root = make_site(files())
    settled(root)
    build(root, tmp_path / "out")
    parts = {part: (root / cache.CACHE_DIR / part).read_bytes() for part in shards.names(incremental.FILES)}
    original = (root / "content/en/a1.md").read_text("utf-8")
    edit(root, "content/en/a1.md", "Text 1.", "Text 1 <b>in bold</b>.")
    settled(root)
    assert "html-raw" in validate_json(root).stdout
    build(root, tmp_path / "out")  # its memo has a1's raw HTML warning
    for part, data in parts.items():
        (root / cache.CACHE_DIR / part).write_bytes(data)
    (root / "content/en/a1.md").write_text(original, encoding="utf-8")
    cached = validate_json(root)
    shutil.rmtree(root / cache.CACHE_DIR)
    fresh = validate_json(root)
    assert "html-raw" not in fresh.stdout
    assert cached.stdout == fresh.stdout


def test_a_memo_in_another_form_is_not_used(make_site):
    from pipeline.memo.state import Memo, from_plain, to_plain
    from pipeline.validate import validate

    root = make_site(files(3))
    plain = to_plain(validate(root).memo)
    assert from_plain({**plain, "version": -1}) == Memo()
    broken = {**plain, "units": {name: (unit[0], "nonsense") for name, unit in plain["units"].items()}}
    assert _seen(validate(root, None, 1, from_plain(broken))) == _seen(validate(root))
    foreign = {**plain, "units": {name: (unit[0], (("no-such-code", "x", 1, 1, "m", "error"),)) for name, unit in plain["units"].items()}}
    assert _seen(validate(root, None, 1, from_plain(foreign))) == _seen(validate(root))


def test_compiled_templates_are_kept_outside_the_site_and_an_edited_override_is_compiled_again(make_site, tmp_path):
    page = '{% extends "base.html" %}{% block content %}<p>WORD</p>{% endblock %}\n'
    root = make_site(files() | {"templates/404.html": page.replace("WORD", "gone")})
    out = tmp_path / "out"
    build(root, out)
    compiled = Path(os.environ["XDG_CACHE_HOME"]) / "pipeline/templates"
    assert any(compiled.rglob("__jinja2_*.cache"))
    assert not [p for p in root.rglob("*") if "jinja" in p.name]
    (root / "templates/404.html").write_text(page.replace("WORD", "moved away"), encoding="utf-8")
    build(root, out)
    assert built_tree(out) == cold(root, tmp_path)
    assert any(b"<p>moved away</p>" in data for data in built_tree(out).values())


def test_compiled_catalogs_are_kept_outside_the_site_and_an_edited_or_damaged_one_is_compiled_again(make_site, tmp_path):
    root = make_site(files())
    out = tmp_path / "out"
    build(root, out)
    compiled = Path(os.environ["XDG_CACHE_HOME"]) / "pipeline/templates"
    assert any(compiled.rglob("catalog-*.mo")) and any(compiled.rglob("foldable-*"))  # what the templates' gettext calls allow
    assert not [p for p in root.rglob("*") if p.suffix == ".mo" or p.name.startswith("foldable-")]
    edit(root, "locales/he/LC_MESSAGES/messages.po", 'msgstr "כל המאמרים"', 'msgstr "כל הכתבות"')
    build(root, out)
    assert any("כל הכתבות".encode() in data for data in built_tree(out).values())
    for kept in [*compiled.rglob("catalog-*.mo"), *compiled.rglob("foldable-*")]:
        kept.write_bytes(b"damaged")
    edit(root, "content/en/a1.md", "Text 1.", "Text 1, edited.")
    done = subprocess.run(  # a new process: nothing compiled is held in memory
        [sys.executable, "-m", "pipeline", "build", "--root", str(root), "--out", str(out), "--now", NOW],
        check=False,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert built_tree(out) == cold(root, tmp_path)
    assert any("כל הכתבות".encode() in data for data in built_tree(out).values())


def test_another_installs_compiled_templates_are_left_while_in_use_and_a_build_never_fails_for_want_of_them(make_site, tmp_path):
    """Two versions of the tool share ~/.cache/pipeline: neither removes the other's compiled templates while they are in use."""
    compiled = Path(os.environ["XDG_CACHE_HOME"]) / "pipeline/templates"
    recent, stale = compiled / "0.0.9-recent", compiled / "0.0.8-stale"
    for folder in (recent, stale):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "__jinja2_x.cache").write_bytes(b"")
    week_ago = time.time() - 8 * 24 * 3600
    os.utime(stale, (week_ago, week_ago))
    root = make_site(files())
    build(root, tmp_path / "out")
    assert recent.is_dir() and not stale.exists()
    for ours in compiled.iterdir():  # the folder emptied under a build (another process past its limit): the build still succeeds
        if ours != recent:
            shutil.rmtree(ours)
            ours.write_bytes(b"")  # and cannot be made again
    edit(root, "content/en/a1.md", "Text 1.", "Text 1, edited.")
    build(root, tmp_path / "out")
    assert built_tree(tmp_path / "out") == cold(root, tmp_path)


def _rename_pair(root: Path, old: str, new: str) -> None:
    """Rename a pair's id (both files), and the links the others have to it."""
    for lang in ("en", "he"):
        (root / f"content/{lang}/{old}.md").rename(root / f"content/{lang}/{new}.md")
        for other in (root / f"content/{lang}").glob("*.md"):
            other.write_text(other.read_text("utf-8").replace(f"({old}.md)", f"({new}.md)"), encoding="utf-8")


SERVED_SEQUENCE = [  # edits that leave the site's structure alone (bodies, titles) between ones that change it
    ("source body", lambda root: edit(root, "content/en/a1.md", "Text 1.", "Text 1, edited.")),
    ("retag a pair", lambda root: edit_pair(root, "a1", "tags: [kindness]", "tags: [kindness, gratitude]")),
    ("translation body", lambda root: edit(root, "content/he/a0.md", "טקסט 0.", "טקסט 0, ערוך.")),
    ("redate a pair", lambda root: edit_pair(root, "a2", "date: 2024-03-12", "date: 2025-01-02")),
    ("source heading (its translation's ids)", lambda root: edit(root, "content/en/a2.md", "## Part", "## Whole")),
    ("add a pair", CHANGES["addition"]),
    ("the new source's body", lambda root: edit(root, "content/en/a9.md", "Nine", "Nine, edited")),
    ("title", lambda root: edit(root, "content/en/a0.md", "Title 0", "A new title")),
    ("remove a pair", delete_a2),
    ("summary", lambda root: edit(root, "content/he/a3.md", "תקציר 3.", "תקציר אחר.")),
    ("rename an id", lambda root: _rename_pair(root, "a3", "b3")),
    ("the renamed one's body", lambda root: edit(root, "content/en/b3.md", "More text 3.", "More text 3, renamed.")),
    (
        "an alias",
        lambda root: edit(root, "content/en/a1.md", "tags: [kindness, gratitude]", "tags: [kindness, gratitude]\naliases: [/old/]"),
    ),
    ("body beside the alias", lambda root: edit(root, "content/en/a0.md", "More text 0.", "More text 0, again.")),
    ("template", CHANGES["template override"]),
    ("body after the template", lambda root: edit(root, "content/en/a1.md", "More text 1.", "More text 1, edited.")),
    ("catalog", CHANGES["catalog change"]),
    ("body after the catalog", lambda root: edit(root, "content/he/a1.md", "עוד 1.", "עוד 1, שוב.")),
    ("site.yaml", CHANGES["site.yaml change"]),
    ("body after site.yaml", lambda root: edit(root, "content/en/a9.md", "Nine, edited", "Nine, edited twice")),
    ("static file", CHANGES["static file"]),
    ("body after the static file", lambda root: edit(root, "content/en/b3.md", "renamed.", "renamed, then edited.")),
]


def test_serve_after_structure_and_body_edits_in_turn_serves_a_cold_builds_output(make_site, tmp_path):
    """Every output's bytes, after each edit of a sequence where edits that move lists alternate with ones that do not."""
    from datetime import datetime

    from pipeline.build.preview import Preview
    from pipeline.errors import ContentError

    root = make_site(files(4), PAGED)
    site = Preview(root, False, now=datetime.fromisoformat(NOW))
    site.rebuild()
    for step, change in SERVED_SEQUENCE:
        change(root)
        site.rebuild()
        assert {path: site.get(path) for path in site.paths()} == cold(root, tmp_path), step
    good = (root / "content/en/a0.md").read_text("utf-8")
    before = {path: site.get(path) for path in site.paths()}
    (root / "content/en/a0.md").write_text(good.replace("title:", "title: [", 1), encoding="utf-8")
    with pytest.raises(ContentError):
        site.rebuild()
    assert {path: site.get(path) for path in site.paths()} == before  # the last good build stays served
    (root / "content/en/a0.md").write_text(good.replace("More text 0", "More text 0, after the error"), encoding="utf-8")
    site.rebuild()
    assert {path: site.get(path) for path in site.paths()} == cold(root, tmp_path)


def test_serve_lets_a_sessions_old_plans_go_in_a_pause_and_an_edit_waits_for_it_only_after_many_with_none(make_site, tmp_path):
    """An edit describes again only the outputs made from what it changed, for FORCED rebuilds in a row. After REFRESH of
    them a pause (Preview.refresh) describes every output again, serving the same bytes with nothing to reload; with no
    pause, the edit after FORCED does it. A site that fails to build is left as it is in a pause."""
    from datetime import datetime

    from pipeline.build.preview import Preview
    from pipeline.errors import ContentError

    root = make_site(files(4), PAGED)
    site = Preview(root, False, now=datetime.fromisoformat(NOW))
    site.rebuild()
    assert site.refresh() is None  # nothing to let go yet

    def body_edit(n: int) -> None:
        text = (root / "content/en/a1.md").read_text("utf-8").split("More text 1", 1)[0]
        (root / "content/en/a1.md").write_text(f"{text}More text 1, edit {n}.\n", encoding="utf-8")

    for n in range(incremental.REFRESH):
        assert site.refresh() is None, n
        body_edit(n)
        done = site.rebuild()
        assert 0 < done.described < done.files // 3, n
    served = {path: site.get(path) for path in site.paths()}
    paused = site.refresh()
    assert paused is not None and paused.described == paused.files and paused.changed == 0
    assert {path: site.get(path) for path in site.paths()} == served == cold(root, tmp_path)
    assert site.refresh() is None  # a pause is used once
    for n in range(incremental.FORCED):
        body_edit(100 + n)
        done = site.rebuild()
        assert done.described < done.files // 3, n
    body_edit(1000)
    done = site.rebuild()
    assert done.described == done.files
    assert {path: site.get(path) for path in site.paths()} == cold(root, tmp_path)
    for n in range(incremental.REFRESH):
        body_edit(2000 + n)
        site.rebuild()
    (root / "content/en/a0.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    with pytest.raises(ContentError):
        site.rebuild()
    assert site.refresh() is None  # the last good build stays served as it is


def watched(root: Path, out: Path, session: incremental.Session | None) -> incremental.Session | None:
    """One build of `build --watch` (the CLI's call), from the last one kept in memory."""
    from datetime import datetime

    outcome = incremental.build_into(root, out, datetime.fromisoformat(NOW), False, 1, (NOW, ""), session=session, watching=True)
    return outcome.session


def test_build_watch_keeps_the_site_in_memory_and_writes_a_cold_builds_output_after_every_change(make_site, tmp_path):
    """`build --watch` after each edit of the sequence (longer than a session's REFRESH): the folder holds what a cold
    build makes, an output changed by hand is written again, and the cache it keeps lets a later command-line build stop
    at once."""
    from pipeline.errors import ContentError

    root = make_site(files(4), PAGED)
    out = tmp_path / "out"
    session = watched(root, out, None)
    assert len(SERVED_SEQUENCE) > incremental.REFRESH
    for step, change in SERVED_SEQUENCE:
        change(root)
        session = watched(root, out, session)
        assert session is not None and session.made.since is not None, step
        assert built_tree(out) == cold(root, tmp_path), step
    (out / "en/a0/index.html").write_text("changed by hand", encoding="utf-8")
    edit(root, "content/he/a1.md", "עוד 1, שוב.", "עוד 1, פעם שלישית.")
    session = watched(root, out, session)
    assert built_tree(out) == cold(root, tmp_path)
    shutil.rmtree(out)  # the folder removed while watching: written whole from what the session holds
    edit(root, "content/he/a1.md", "פעם שלישית.", "פעם רביעית.")
    session = watched(root, out, session)
    assert built_tree(out) == cold(root, tmp_path)
    (root / ".pipeline-cache/bodies/0123456789abcdef.pack").write_bytes(b"x" * (2 << 20))  # mostly dead: the store repacks
    for n in range(2):
        edit(root, "content/en/a0.md", "More text 0", f"More text 0 ({n})")
        session = watched(root, out, session)
        assert built_tree(out) == cold(root, tmp_path), n
    assert not (root / ".pipeline-cache/bodies/0123456789abcdef.pack").exists()
    good = (root / "content/en/a0.md").read_text("utf-8")
    before = built_tree(out)
    (root / "content/en/a0.md").write_text(good.replace("title:", "title: [", 1), encoding="utf-8")
    with pytest.raises(ContentError):
        watched(root, out, session)
    assert built_tree(out) == before  # the last good build stays in the folder
    (root / "content/en/a0.md").write_text(good.replace("More text 0", "More text 0, after the error"), encoding="utf-8")
    session = watched(root, out, session)
    assert built_tree(out) == cold(root, tmp_path)
    assert "nothing changed since the last build" in run("build", "--root", str(root), "--out", str(out), "--now", NOW).stdout
    edit(root, "content/en/a1.md", "More text 1, edited.", "More text 1, from the command line.")
    build(root, out)  # from the cache the session kept
    assert built_tree(out) == cold(root, tmp_path)


def test_build_watch_uses_a_pause_to_describe_every_output_again_and_writes_nothing_for_it(make_site, tmp_path):
    """After REFRESH builds of a session, a pause's build (refresh) describes every output again, writes nothing and
    starts the count over; the edits after it build as a cold build does."""
    from datetime import datetime

    root = make_site(files(4), PAGED)
    out = tmp_path / "out"
    session = watched(root, out, None)
    for n in range(incremental.REFRESH):
        assert session is not None and not session.due(), n
        edit(root, "content/en/a0.md", "More text 0", f"More text 0 ({n})")
        session = watched(root, out, session)
    assert session is not None and session.due()
    before = built_tree(out)
    outcome = incremental.build_into(
        root, out, datetime.fromisoformat(NOW), False, 1, (NOW, ""), session=session, watching=True, refresh=True
    )
    assert (outcome.written, outcome.removed) == (0, 0) and built_tree(out) == before
    assert outcome.session is not None and not outcome.session.due()
    assert not {id(o) for o in outcome.session.made.outputs} & {id(o) for o in session.made.outputs}
    edit(root, "content/he/a1.md", "עוד 1.", "עוד 1, אחרי ההפסקה.")
    assert built_tree(out) != cold(root, tmp_path)
    watched(root, out, outcome.session)
    assert built_tree(out) == cold(root, tmp_path)


def test_a_body_edit_describes_again_only_the_outputs_made_from_that_article(make_site, tmp_path):
    """The last build's map: after a body edit, the outputs not made from the article are the last build's own objects."""
    from datetime import datetime

    from pipeline.build.describe import describe

    root = make_site(files(4), PAGED)
    now = datetime.fromisoformat(NOW)
    first = describe(root, now)
    edit(root, "content/en/a1.md", "More text 1.", "More text 1, edited.")
    second = describe(root, now, known=first.records, last=first, memo=first.memo)
    again = {o.path for o, was in zip(second.outputs, first.outputs, strict=True) if o is not was}
    assert "en/a1/index.html" in again and "api/he/articles/a1.json" in again  # its translation's API document has the source's fingerprint
    assert not {"en/a0/index.html", "he/a2/index.html", "api/en/articles/a3.json", "index.html", "en/404.html"} & again
    assert len(again) < len(second.outputs) // 3
    cold_keys = {o.path: o.key for o in describe(root, now).outputs}
    assert {o.path: o.key for o in second.outputs} == cold_keys


def test_the_dependency_map_has_a_plain_form_and_refuses_another(make_site):
    import json

    from pipeline.build import depmap
    from pipeline.build.describe import describe

    made = describe(make_site(files(3)))
    assert made.depmap is not None
    plain = json.loads(json.dumps(made.depmap.to_plain()))
    assert depmap.from_plain(plain) == made.depmap
    assert made.depmap.uses["en/a1"] and all(isinstance(p, str) for paths in made.depmap.uses.values() for p in paths)
    for damaged in (None, [], {**plain, "form": 0}, {**plain, "parts": {"en/a1": 3}}, {**plain, "uses": {"en/a1": "x"}}):
        assert depmap.from_plain(damaged) is None


def test_serve_makes_a_body_again_when_the_cache_lost_it_after_edits(make_site, tmp_path):
    """Bodies kept from rebuild to rebuild are read from the build cache's store; one removed under the preview is made again."""
    from datetime import datetime

    from pipeline.build.bodystore import FOLDER
    from pipeline.build.cache import CACHE_DIR
    from pipeline.build.preview import Preview

    root = make_site(files(4), PAGED)
    site = Preview(root, False, now=datetime.fromisoformat(NOW))
    site.rebuild()
    for step, change in SERVED_SEQUENCE[:3]:
        change(root)
        site.rebuild()
    assert any((root / CACHE_DIR / FOLDER).iterdir())
    shutil.rmtree(root / CACHE_DIR / FOLDER)
    assert {path: site.get(path) for path in site.paths()} == cold(root, tmp_path)


def settled(root: Path) -> None:
    """Wait until every file of the site is older than discover's racy second: the next build keeps their texts by stat."""
    time.sleep(1.1)


def test_a_file_of_unchanged_stat_is_taken_from_the_cache_and_an_edit_keeping_size_and_mtime_is_seen(make_site, tmp_path):
    root = make_site(files())
    out = tmp_path / "out"
    settled(root)
    build(root, out)
    kept = {}
    for part in shards.names(incremental.TEXTS):
        kept |= cache.read(root, part) or {}
    assert "content/en/a1.md" in kept  # it stands in the cache by its stat (and its digest)
    path = root / "content/en/a1.md"
    before = path.stat()
    edit(root, "content/en/a1.md", "Text 1.", "Text X.")  # the same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the same modification time: only its ctime shows the edit
    build(root, out)
    assert built_tree(out) == cold(root, tmp_path)
    assert b"Text X." in (out / "en/a1/index.html").read_bytes()


def test_the_cache_keeps_no_copy_of_the_texts_and_a_file_saved_before_its_text_is_read_is_refused_by_name(make_site, tmp_path):
    """An unchanged file is recalled by its stat and read only when a check or a page needs its text; one saved since
    stops the command with its name, rather than build from a text that was never checked."""
    root = make_site(files())
    out = tmp_path / "out"
    settled(root)
    build(root, out)
    parts = [root / cache.CACHE_DIR / part for part in shards.names(incremental.TEXTS)]
    kept = b"".join(part.read_bytes() for part in parts if part.exists())
    assert b"content/en/a1.md" in kept and b"More text 1." not in kept and "עוד 1.".encode() not in kept
    state, _ = incremental.read_state(root)
    assert state is not None
    seen = incremental.reuse(state)[2].seen
    assert seen["content/he/a0.md"][1].text == (root / "content/he/a0.md").read_text("utf-8")
    edit(root, "content/en/a1.md", "Text 1.", "Text 1, edited.")
    with pytest.raises(Changed, match="^content/en/a1.md changed while it was being read; run the command again$"):
        _ = seen["content/en/a1.md"][1].text
    build(root, out)  # the next command reads it again
    assert built_tree(out) == cold(root, tmp_path)


def test_a_file_replaced_by_a_link_is_read_through_it_every_time(make_site, tmp_path):
    site = files()
    site["notes/a1.md"] = site["content/en/a1.md"].replace("Text 1.", "Linked text.")
    root = make_site(site)
    out = tmp_path / "out"
    settled(root)
    build(root, out)
    (root / "content/en/a1.md").unlink()
    (root / "content/en/a1.md").symlink_to(root / "notes/a1.md")
    settled(root)
    build(root, out)
    assert b"Linked text." in (out / "en/a1/index.html").read_bytes()
    edit(root, "notes/a1.md", "Linked text.", "Linked, edited.")  # the link's own stat is unchanged
    build(root, out)
    assert b"Linked, edited." in (out / "en/a1/index.html").read_bytes()
    assert built_tree(out) == cold(root, tmp_path)


@pytest.mark.parametrize("damage", ["garbage", "another shape", "another user"])
def test_a_damaged_or_foreign_part_of_the_kept_texts_is_read_again_from_the_files(make_site, tmp_path, monkeypatch, damage):
    root = make_site(files())
    out = tmp_path / "out"
    settled(root)
    build(root, out)
    edit(root, "content/en/a1.md", "Text 1.", "Text 1, edited.")
    settled(root)
    for part in shards.names(incremental.TEXTS):
        if damage == "garbage":
            (root / cache.CACHE_DIR / part).write_bytes(b"garbage")
        elif damage == "another shape":
            cache.write(root, part, {path: ("x", 1) for path in cache.read(root, part) or {}})
    if damage == "another user":
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "someone-else"))
    build(root, out)
    assert built_tree(out) == cold(root, tmp_path)


def test_a_file_changed_within_a_second_of_a_build_is_not_kept_by_its_stat(make_site, tmp_path):
    """Its time stamps may not show a second edit in the same tick: the next build reads it again, whatever its stat."""
    root = make_site(files())
    out = tmp_path / "out"
    settled(root)
    edit(root, "content/en/a1.md", "Text 1.", "Text 1, edited.")
    build(root, out)  # at once: a1 is racy, the others are not
    kept = {}
    for part in shards.names(incremental.TEXTS):
        kept |= cache.read(root, part) or {}
    assert "content/en/a1.md" not in kept
    assert "content/en/a0.md" in kept


def test_a_body_edit_with_outputs_deleted_or_changed_by_hand_builds_as_a_cold_build(make_site, tmp_path):
    """Outputs the edit did not touch are kept by their keys from the map the last build kept; one gone from the folder
    (or changed there) is made all the same."""
    root = make_site(files(40))  # enough outputs for the deleted ones to be made by several processes
    out = tmp_path / "out"
    build(root, out)
    edit(root, "content/en/a1.md", "Text 1.", "Text 1, edited.")
    shutil.rmtree(out / "he")  # none of it is made from en/a1's body alone
    (out / "api/en/articles/a3.json").write_text("tampered", encoding="utf-8")
    build(root, out, "--jobs", "2")
    assert built_tree(out) == cold(root, tmp_path)


BODY_EDITS_BETWEEN = [
    CHANGES["article edit"],
    CHANGES["template override"],
    CHANGES["catalog change"],
    CHANGES["site.yaml change"],
    CHANGES["tag change (tag pages, sitemap, API)"],
    CHANGES["static file"],
]


def test_body_edits_between_template_catalog_and_site_yaml_edits_build_as_a_cold_build(make_site, tmp_path):
    root = make_site(files(4), PAGED)
    out = tmp_path / "out"
    build(root, out)
    for n, change in enumerate(BODY_EDITS_BETWEEN):
        change(root)
        build(root, out)
        assert built_tree(out) == cold(root, tmp_path), n
        edit(root, "content/he/a2.md", "עוד 2", f"עוד 2 ({n})")
        build(root, out)
        assert built_tree(out) == cold(root, tmp_path), n


@pytest.mark.parametrize("damage", ["garbage", "flipped", "an earlier build's", "another folder's"])
def test_a_damaged_or_foreign_dependency_map_only_means_describing_every_output(make_site, tmp_path, damage):
    from pipeline.build import lastmap

    root = make_site(files(4), PAGED)
    out = tmp_path / "out"
    build(root, out)
    kept = root / cache.CACHE_DIR / lastmap.NAME
    earlier = kept.read_bytes()
    edit_pair(root, "a1", "date: 2024-03-12", "date: 2025-01-02")  # the lists' order moves, and their pages
    build(root, out)
    if damage == "garbage":
        kept.write_bytes(b"garbage")
    elif damage == "flipped":
        data = kept.read_bytes()
        kept.write_bytes(data[:-50] + bytes(b ^ 1 for b in data[-50:]))
    elif damage == "an earlier build's":  # its site had the order the next edit puts back, not the one the folder holds
        kept.write_bytes(earlier)
    else:
        build(root, tmp_path / "elsewhere")  # the map of a build into another folder
    edit_pair(root, "a1", "date: 2025-01-02", "date: 2024-03-12")
    edit(root, "content/en/a2.md", "More text 2", "More text 2, edited")
    build(root, out)
    assert built_tree(out) == cold(root, tmp_path)


def numbat(root: Path) -> None:
    for n in (0, 9):
        edit(root, f"content/en/a{n}.md", f"More text {n}.", f"More text {n}, numbat.")


def new_summary_and_heading(root: Path) -> None:
    edit(root, "content/he/a2.md", "תקציר 2.", "תקציר שונה.")
    edit(root, "content/he/a2.md", "## חלק", "## חלק חדש")


SEARCH_EDITS = [  # each edit changes the words of few articles of ten: the last index is re-posted for those only
    ("a word no other article has", lambda root: edit(root, "content/en/a3.md", "More text 3.", "More text 3, quokka.")),
    ("that word gone again", lambda root: edit(root, "content/en/a3.md", "More text 3, quokka.", "More text 3.")),
    ("a title", lambda root: edit(root, "content/en/a5.md", "Title 5", "Wombat heading")),
    ("a summary and a heading", new_summary_and_heading),
    ("a translation's body", lambda root: edit(root, "content/he/a7.md", "עוד 7.", "עוד 7, ועוד מילים חדשות.")),
    ("a word of the body only", lambda root: edit(root, "content/en/a8.md", "Text 8.", "Text 9.")),
    ("a date (two articles swap places)", lambda root: edit_pair(root, "a1", "date: 2024-03-12", "date: 2024-03-13")),
    ("two articles in one edit", numbat),
    ("deletion", delete_a2),
    ("a word after the deletion", lambda root: edit(root, "content/en/a1.md", "More text 1.", "More text 1, quokka.")),
    ("a translation that is a copy of its source", lambda root: shutil.copyfile(root / "content/en/a6.md", root / "content/he/a6.md")),
    ("that copy deleted (its source shown in its place)", lambda root: (root / "content/he/a6.md").unlink()),
]


@pytest.mark.parametrize("how", ["command line", "serve"])
def test_the_search_index_after_edits_of_a_few_articles_is_a_cold_builds(make_site, tmp_path, how):
    """The index kept between builds is patched for the articles an edit changed: each locale's index (and every other
    output) is a cold build's, and the words an edit brings are found while those it takes away are not."""
    import json
    from datetime import datetime

    from pipeline.build.preview import Preview

    root = make_site(files(10))
    out = tmp_path / "out"
    site = Preview(root, False, now=datetime.fromisoformat(NOW))

    def made() -> dict[str, bytes]:
        if how == "serve":
            site.rebuild()
            return {path: data for path in site.paths() if (data := site.get(path)) is not None}
        build(root, out)
        return built_tree(out)

    made()
    quokka = False
    for step, change in SEARCH_EDITS:
        change(root)
        tree = made()
        assert tree == cold(root, tmp_path), step
        quokka = {"a word no other article has": True, "that word gone again": False, "a word after the deletion": True}.get(step, quokka)
        assert ("quokka" in json.loads(tree["en/search-index.json"])["terms"]) == quokka, step


def test_a_source_heading_renamed_gives_its_translations_heading_the_new_id_as_a_cold_build_does(make_site, tmp_path):
    """A translation's heading ids are its source's: the kept body of a translation is made again when its source's
    headings change, and kept when the source changes elsewhere."""
    root = make_site(files(4))
    out = tmp_path / "out"
    build(root, out)
    edit(root, "content/en/a1.md", "## Part", "## Renamed part")
    build(root, out)
    tree = built_tree(out)
    assert tree == cold(root, tmp_path)
    assert 'id="renamed-part"' in tree["he/a1/index.html"].decode()
    edit(root, "content/en/a1.md", "More text 1.", "More text 1, edited.")
    build(root, out)
    assert built_tree(out) == cold(root, tmp_path)


def test_the_translation_checks_report_the_same_in_one_process_and_in_several(make_site):
    site = files(70)  # 140 files: enough for their study to be spread over processes (the checks across files then read
    # what the workers sent back, not what this process parsed)
    for n in range(0, 70, 7):  # a section fewer than the source
        site[f"content/he/a{n}.md"] = hebrew(f"כותרת {n}", f"תקציר {n}.", f"טקסט {n}.\n", tags="[kindness]")
    for n in range(3, 70, 9):  # the summary left in English
        site[f"content/he/a{n}.md"] = site[f"content/he/a{n}.md"].replace(f"תקציר {n}.", f"Summary {n}.")
    for n in range(5, 70, 11):  # no translation at all
        del site[f"content/he/a{n}.md"]
    root = make_site(site)
    one, several = validate_json(root, "--jobs", "1"), validate_json(root, "--jobs", "2")
    assert one.stdout == several.stdout
    assert {"translation-structure", "translation-untranslated", "translation-missing"} <= {d[3] for d in one.diagnostics}
