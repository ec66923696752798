"""Which files under content/ are articles: .md and .markdown; anything else is reported, never silently ignored."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import article, hebrew, run, validate_json


def test_a_markdown_file_is_an_article_and_links_to_it_work(make_site: Callable[..., Path], tmp_path: Path) -> None:
    root = make_site(
        {
            "content/en/guide.markdown": article("Guide"),
            "content/he/guide.markdown": hebrew("מדריך"),
            "content/en/a.md": article("A", body="Read [the guide](guide.markdown).\n"),
            "content/he/a.md": hebrew("א", body="קראו [את המדריך](guide.markdown).\n"),
        }
    )
    result = validate_json(root)
    assert result.exit_code == 0, result.stdout
    assert run("build", "--root", str(root), "--out", str(tmp_path / "out")).exit_code == 0
    assert (tmp_path / "out/en/guide/index.html").is_file()
    assert 'href="/he/guide/"' in (tmp_path / "out/he/a/index.html").read_text("utf-8")


def test_other_files_under_content_are_reported(make_site: Callable[..., Path]) -> None:
    root = make_site(
        {
            "content/en/a.md": article(),
            "content/he/a.md": hebrew(),
            "content/en/legacy.html": "<p>old</p>\n",
            "content/en/.gitkeep": "",
        }
    )
    result = validate_json(root)
    assert result.exit_code == 0
    assert [(path, code) for path, _, _, code in result.diagnostics if code == "content-ignored"] == [
        ("content/en/legacy.html", "content-ignored")
    ]
    assert "a .html file under content/ is not read" in result.messages["content-ignored"]


def test_a_link_to_the_site_root_is_not_broken(make_site: Callable[..., Path]) -> None:
    root = make_site({"content/en/a.md": article(body="[Home](/)\n"), "content/he/a.md": hebrew(body="[בית](/)\n")})
    assert validate_json(root).exit_code == 0


# What an editor leaves beside the file it edits, as each one names it: Emacs's lock (a link to nothing while the file has
# unsaved changes) and auto-save, a backup, Vim's and Kate's swap files, gedit's file being saved, a JetBrains safe-write
# copy, flycheck's copy, macOS's folder file.
LEFTOVERS: tuple[str, ...] = (
    ".#a.md",
    "#a.md#",
    "a.md~",
    ".a.md.swp",
    ".a.md.kate-swp",
    ".goutputstream-QX3V2Z",
    "a.md___jb_tmp___",
    "flycheck_a.md",
    ".DS_Store",
)


def test_what_editors_leave_beside_articles_catalogs_and_static_files_is_never_read_reported_or_published(
    make_site: Callable[..., Path], tmp_path: Path
) -> None:
    broken = "---\ntitle: [\n---\n"  # an article's text half typed, as an auto-save or a checker's copy holds it
    root = make_site(
        {
            "content/en/a.md": article(body="![Logo](/images/logo.svg)\n"),
            "content/he/a.md": hebrew(body="![לוגו](/images/logo.svg)\n"),
            "static/images/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>',
            **{f"content/he/{name}": broken for name in LEFTOVERS if not name.startswith(".#")},
            **{f"static/images/{name.replace('a.md', 'logo.svg')}": broken for name in LEFTOVERS if not name.startswith(".#")},
            "locales/he/LC_MESSAGES/messages.po~": 'msgid "x"\nmsgstr "',
        }
    )
    for folder in ("content/he", "static/images", "locales/he/LC_MESSAGES"):
        (root / folder / ".#a.md").symlink_to("translator@laptop.4242:1733350000")  # how Emacs makes its lock
    result = validate_json(root)
    assert result.exit_code == 0, result.stdout
    assert result.diagnostics == []
    out = tmp_path / "out"
    assert run("build", "--root", str(root), "--out", str(out)).exit_code == 0
    published = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if "images" in p.parts)
    assert published == ["images", "images/logo.svg"]


def test_a_link_to_nothing_is_refused_and_named_so(make_site: Callable[..., Path]) -> None:
    root = make_site({"content/en/a.md": article(), "content/he/a.md": hebrew()})
    (root / "content/en/b.md").symlink_to("b-draft.md")
    result = validate_json(root)
    assert result.exit_code == 1
    assert ("content/en/b.md", 1, 1, "path-unsafe") in result.diagnostics
    assert "a link to nothing (its target does not exist)" in result.messages["path-unsafe"]


def test_an_editors_backup_made_after_a_build_leaves_the_next_one_with_nothing_to_do(
    make_site: Callable[..., Path], tmp_path: Path
) -> None:
    root = make_site({"content/en/a.md": article(), "content/he/a.md": hebrew()})
    out = str(tmp_path / "out")
    assert run("build", "--root", str(root), "--out", out).exit_code == 0
    (root / "content/he/a.md~").write_text(hebrew(), encoding="utf-8")
    (root / "content/he/.#a.md").symlink_to("translator@laptop.4242:1733350000")
    again = run("build", "--root", str(root), "--out", out)
    assert again.exit_code == 0 and "nothing changed since the last build" in again.stdout
