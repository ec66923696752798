"""Article `aliases`: a redirect page at each old URL and Netlify's `_redirects`, never over another output or outside the site."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import article, hebrew, run, validate_json


def test_each_alias_gets_a_redirect_page_and_a_netlify_line(make_site: Callable[..., Path], tmp_path: Path) -> None:
    root = make_site(
        {
            "content/en/a.md": article(aliases="['/posts/old-a/', '/old.html']"),
            "content/he/a.md": hebrew(aliases="['/he/posts/old-a/']"),
            "content/en/b.md": article("B", aliases="['/posts/old-a/', '/en/a/', '/assets/style.css']"),
        }
    )
    built = run("build", "--root", str(root), "--out", str(tmp_path / "out"))
    assert built.exit_code == 0, built.stdout + built.stderr
    out = tmp_path / "out"
    page = (out / "posts/old-a/index.html").read_text("utf-8")
    lines = (out / "_redirects").read_text("utf-8").splitlines()
    claimed = [line for line in lines if line.startswith("/posts/old-a/ ")]
    assert len(claimed) == 1  # claimed twice: one article has it, in the page and in _redirects alike
    target = claimed[0].split()[1]
    assert f'<link rel="canonical" href="https://example.org{target}">' in page
    assert f'<meta http-equiv="refresh" content="0; url=https://example.org{target}">' in page
    he = (out / "he/posts/old-a/index.html").read_text("utf-8")
    assert '<html lang="he" dir="rtl">' in he and 'href="https://example.org/he/a/"' in he
    assert (out / "old.html").is_file()
    assert "<article" in (out / "en/a/index.html").read_text("utf-8")  # an alias never replaces a page...
    assert b"http-equiv" not in (out / "assets/style.css").read_bytes()  # ...nor an asset
    assert sorted(lines) == ["/he/posts/old-a/ /he/a/ 301", "/old.html /en/a/ 301", claimed[0]]


def test_an_alias_that_leaves_the_site_or_hides_a_file_is_refused(make_site: Callable[..., Path]) -> None:
    root = make_site({"content/en/a.md": article(aliases="['/../../etc/x/', '/.pipeline-build', 'relative/']")})
    result = validate_json(root)
    assert result.exit_code == 1
    assert [code for _, _, _, code in result.diagnostics].count("field-invalid") == 3


def test_links_to_an_alias_validate_and_lead_to_the_article_in_the_page_language(make_site: Callable[..., Path], tmp_path: Path) -> None:
    linking = "See [the FAQ](/docs/faq/#install) and [the other](/docs/other).\n"
    root = make_site(
        {
            "content/en/faq.md": article("FAQ", aliases="['/docs/faq/']", body="## Install\n\nText.\n"),
            "content/he/faq.md": hebrew("שאלות", body="## התקנה\n\nטקסט.\n"),
            "content/en/other.md": article("Other", aliases="['/docs/other/']"),
            "content/en/guide.md": article("Guide", body=linking),
            "content/he/guide.md": hebrew("מדריך", body="ראו [השאלות](/docs/faq/#install) ו[האחר](/docs/other).\n"),
            "content/en/broken.md": article("Broken", body="[gone](/docs/gone/)\n"),
        }
    )
    result = validate_json(root)
    assert [(path, code) for path, _, _, code in result.diagnostics if code == "link-broken"] == [("content/en/broken.md", "link-broken")]
    (root / "content/en/broken.md").unlink()
    assert run("build", "--root", str(root), "--out", str(tmp_path / "out")).exit_code == 0
    en = (tmp_path / "out/en/guide/index.html").read_text("utf-8")
    he = (tmp_path / "out/he/guide/index.html").read_text("utf-8")
    assert 'href="/en/faq/#install"' in en and 'href="/en/other/"' in en
    assert 'href="/he/faq/#install"' in he  # from a translation, to the translation
    assert 'href="/he/other/"' in he  # not translated: its fallback page in this locale, as a link to other.md leads
