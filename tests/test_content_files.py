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
