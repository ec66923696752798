"""`pipeline import hugo`: a Hugo-shaped bilingual site imported, validated and built; every old URL answers."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import Run, run
from hugo_fixture import hugo_site


def _write(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def _front(path: Path) -> dict:
    text = path.read_text("utf-8")
    return yaml.safe_load(text.split("---\n", 2)[1])


def _imported(tmp_path: Path) -> tuple[Path, Run]:
    src = _write(tmp_path / "hugo", hugo_site())
    done = run("import", "hugo", str(src), "--out", str(tmp_path / "site"), "--format", "json")
    return tmp_path / "site", done


def test_import_reports_what_it_did_not_convert_with_file_and_line(tmp_path: Path) -> None:
    site, done = _imported(tmp_path)
    assert done.exit_code == 0, done.stdout + done.stderr
    found = {(d["path"], d["line"], d["code"]) for d in json.loads(done.stdout)["diagnostics"]}
    assert ("content/en/docs/faq.md", 22, "import-shortcode") in found  # {{< notice warning >}}
    assert ("content/he/docs/faq.md", 17, "import-shortcode") in found
    assert ("content/en/_index.md", 1, "import-skipped") in found
    assert ("content/en/legacy.html", 1, "import-skipped") in found
    assert ("content/he/only-hebrew.md", 1, "import-unpaired") in found
    # what is left in the new site is real work: translations nobody has verified yet, nothing broken
    remaining = {d["code"] for d in json.loads(done.stdout)["diagnostics"] if d["path"].startswith(str(site))}
    assert remaining <= {"translation-unverified"}
    assert "imported 8 pages (4 en articles, 4 with a translation)" in done.stderr
    assert "kept under hugo: linkTitle (1), menu (1), slug (2), weight (2)" in done.stderr


def test_what_hugo_leaves_out_of_a_site_the_import_leaves_out_too(tmp_path: Path) -> None:
    """Hugo ignores a content file named `.x`, `#x` or `x~` (SourceSpec.IgnoreFile): a page it never published, an
    editor's backup, auto-save or lock are not imported; neither is an editor's leftover under static/."""
    half_typed = "---\ntitle: [\n---\n"
    leftovers: dict[str, str | bytes] = {
        "content/en/posts/.notes.md": "---\ntitle: Notes to self\n---\n\nNot for the site.\n",
        "content/en/docs/#faq.md#": half_typed,
        "content/en/docs/faq.md~": half_typed,
        "content/he/docs/.#faq.md": half_typed,
        "content/en/.drafts/idea.md": "---\ntitle: An idea\n---\n\nLater.\n",
        "static/.DS_Store": b"\x00\x00\x00\x01Bud1",
        "static/images/logo.svg~": "<svg/>",
    }
    src = _write(tmp_path / "hugo", hugo_site() | leftovers)
    done = run("import", "hugo", str(src), "--out", str(tmp_path / "site"), "--format", "json")
    assert done.exit_code == 0, done.stdout + done.stderr
    assert "imported 8 pages (4 en articles, 4 with a translation)" in done.stderr
    said = {d["path"] for d in json.loads(done.stdout)["diagnostics"]}
    assert not said & set(leftovers), said & set(leftovers)
    written = {p.name for p in (tmp_path / "site").rglob("*")}
    assert not written & {".notes.md", "notes.md", "idea.md", ".DS_Store", "logo.svg~", "#faq.md#", "faq.md~"}


def test_every_page_is_paired_and_front_matter_is_mapped(tmp_path: Path) -> None:
    site, _ = _imported(tmp_path)
    en = sorted(p.relative_to(site / "content/en").as_posix() for p in (site / "content/en").rglob("*.md"))
    he = sorted(p.relative_to(site / "content/he").as_posix() for p in (site / "content/he").rglob("*.md"))
    assert en == he == ["about.md", "docs/faq.md", "docs/guide.md", "posts/hello-world.md"]  # translationKey paired about-page with about
    faq = _front(site / "content/en/docs/faq.md")
    assert faq["date"] == "2023-04-01" and faq["lastmod"] == "2024-01-15" and faq["summary"] == "Answers to what people ask most."
    assert faq["aliases"] == ["/docs/faq/", "/faq/", "/docs/old-faq/"]
    assert faq["hugo"] == {"weight": 20, "linkTitle": "FAQ", "menu": {"main": {"parent": "docs"}}}
    faq_he = _front(site / "content/he/docs/faq.md")
    assert faq_he["date"] == "2023-06-10"  # published later than the English, and kept so
    assert faq_he["tags"] == faq["tags"] == ["getting-started"]
    post_he = _front(site / "content/he/posts/hello-world.md")
    assert post_he["publish_at"] == "2023-02-12T09:00:00+00:00"
    config = yaml.safe_load((site / "site.yaml").read_text("utf-8"))
    assert config["title"] == {"en": "Example Docs", "he": "תיעוד לדוגמה"}
    assert config["tags"]["getting-started"] == {"en": "Getting Started", "he": "מתחילים"}
    assert config["base_url"] == "https://docs.example.org/"


def test_bodies_are_converted_where_it_is_safe(tmp_path: Path) -> None:
    site, _ = _imported(tmp_path)
    faq = (site / "content/en/docs/faq.md").read_text("utf-8")
    assert "## Installing {#install}" in faq  # Hugo's heading id, kept for the shared section id
    assert "[the guide](guide.md)" in faq and "[first post](../posts/hello-world.md)" in faq
    assert "[YouTube video](https://www.youtube.com/watch?v=dQw4w9WgXcQ)" in faq
    assert "{{< notice warning >}}" in faq  # not converted: left as written (and reported)
    guide_he = (site / "content/he/docs/guide.md").read_text("utf-8")
    assert "[השאלות](faq.md#install)" in guide_he  # /docs/faq/ from a translation leads to the translation
    assert '```python\nprint("hello")\n```' in guide_he
    assert 'כותבים קיצורים כך: {{< ref "x" >}}.' in guide_he  # Hugo's {{</* */>}} escape is the literal text
    post = (site / "content/en/posts/hello-world.md").read_text("utf-8")
    assert "![A hello sign](/blog/2023/hello-world/cover.png)\n\n*Hello, world*" in post
    assert (site / "static/blog/2023/hello-world/cover.png").is_file()
    assert not (site / "static/he").exists()  # the Hebrew bundle's identical image is the English one


def test_every_old_url_answers_after_a_build(tmp_path: Path) -> None:
    site, _ = _imported(tmp_path)
    built = run("build", "--root", str(site), "--out", str(tmp_path / "public"))
    assert built.exit_code == 0, built.stdout + built.stderr
    public = tmp_path / "public"
    redirects = {
        "/docs/faq/": "/en/faq/",
        "/faq/": "/en/faq/",
        "/docs/old-faq/": "/en/faq/",
        "/he/docs/faq/": "/he/faq/",
        "/docs/guide/": "/en/guide/",
        "/he/docs/guide/": "/he/guide/",
        "/blog/2023/hello-world/": "/en/hello-world/",
        "/he/blog/2023/hello-world/": "/he/hello-world/",
        "/about/": "/en/about/",
        "/he/about-page/": "/he/about/",
    }
    for old, new in redirects.items():
        page = (public / old.strip("/") / "index.html").read_text("utf-8")
        assert f'<link rel="canonical" href="https://docs.example.org{new}">' in page
        assert f'content="0; url=https://docs.example.org{new}"' in page
        assert (public / new.strip("/") / "index.html").is_file()
    lines = (public / "_redirects").read_text("utf-8").splitlines()
    assert sorted(lines) == sorted(f"{old} {new} 301" for old, new in redirects.items())
    for resource in ("blog/2023/hello-world/cover.png", "images/logo.svg"):
        assert (public / resource).is_file()
    he = (public / "he/guide/index.html").read_text("utf-8")
    assert re.search(r'href="/he/faq/#install"', he)


def test_config_default_folder_and_language_suffixes(tmp_path: Path) -> None:
    src = _write(
        tmp_path / "hugo",
        {
            "config/_default/hugo.yaml": "baseURL: https://blog.example.org/\ntitle: Blog\ndefaultContentLanguage: en\n",
            "config/_default/languages.yaml": "en:\n  weight: 1\nhe:\n  weight: 2\n  title: בלוג\n",
            "content/posts/first.md": "---\ntitle: First\ndate: 2024-01-02\n---\n\nHello.\n",
            "content/posts/first.he.md": "---\ntitle: ראשון\ndate: 2024-01-03\n---\n\nשלום.\n",
        },
    )
    done = run("import", "hugo", str(src), "--out", str(tmp_path / "site"))
    assert done.exit_code == 0, done.stdout + done.stderr
    assert _front(tmp_path / "site/content/he/posts/first.md")["aliases"] == ["/he/posts/first/"]
    assert yaml.safe_load((tmp_path / "site/site.yaml").read_text("utf-8"))["title"] == {"en": "Blog", "he": "בלוג"}
    assert run("validate", "--root", str(tmp_path / "site")).exit_code == 0


def test_nothing_is_written_when_the_configuration_is_broken(tmp_path: Path) -> None:
    src = _write(tmp_path / "hugo", {**hugo_site(), "hugo.toml": 'baseURL = "https://x.org/"\ntitle = \n'})
    done = run("import", "hugo", str(src), "--out", str(tmp_path / "site"))
    assert done.exit_code == 2
    assert "hugo.toml:2:1: error import-config: not valid TOML" in done.stdout
    assert not (tmp_path / "site").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["hugo"]  # no staging folder left beside it


def test_an_existing_folder_is_never_overwritten(tmp_path: Path) -> None:
    src = _write(tmp_path / "hugo", hugo_site())
    (tmp_path / "site").mkdir()
    (tmp_path / "site/keep.txt").write_text("mine", encoding="utf-8")
    done = run("import", "hugo", str(src), "--out", str(tmp_path / "site"))
    assert done.exit_code == 2 and "not an empty folder" in done.stderr
    assert [p.name for p in (tmp_path / "site").iterdir()] == ["keep.txt"]


def test_a_page_with_broken_front_matter_is_reported_and_left_out(tmp_path: Path) -> None:
    files = {**hugo_site(), "content/en/broken.md": "---\ntitle: Broken\ndate: [2024\n---\n\nText.\n"}
    src = _write(tmp_path / "hugo", files)
    done = run("import", "hugo", str(src), "--out", str(tmp_path / "site"), "--format", "json")
    assert done.exit_code == 0
    found = [d for d in json.loads(done.stdout)["diagnostics"] if d["path"] == "content/en/broken.md"]
    assert [(d["code"], d["line"]) for d in found] == [("import-frontmatter", 4)]
    assert not (tmp_path / "site/content/en/broken.md").exists()


def _git(root: Path, *args: str) -> None:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@x", "HOME": str(root)}
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env={**os.environ, **env})


def test_translation_baselines_come_from_history_so_real_lags_show_as_stale(tmp_path: Path) -> None:
    src = _write(tmp_path / "hugo", hugo_site())
    _git(src, "init", "-q")
    _git(src, "add", "-A")
    _git(src, "commit", "-qm", "both languages")
    faq = src / "content/en/docs/faq.md"
    faq.write_text(faq.read_text("utf-8") + "\n## Upgrading\n\nA section the Hebrew does not have yet.\n", encoding="utf-8")
    _git(src, "commit", "-qam", "English: upgrading")
    done = run("import", "hugo", str(src), "--out", str(tmp_path / "site"), "--format", "json")
    assert done.exit_code == 0, done.stdout + done.stderr
    status = run("status", "--root", str(tmp_path / "site"), "--format", "json")
    states = {(t["id"], t["lang"]): t["state"] for t in json.loads(status.stdout)["articles"] if t["lang"] == "he"}
    assert states[("faq", "he")] == "stale"  # the English changed after the Hebrew was last committed
    assert states[("guide", "he")] == "ok"
    messages = [d["message"] for d in json.loads(done.stdout)["diagnostics"] if d["code"] == "translation-stale"]
    assert len(messages) == 1 and "upgrading" in messages[0].lower()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file() and p.name != ".pipeline-build"}


def test_the_hugo_side_of_the_benchmark_corpus_builds_byte_for_byte_as_the_native_one(tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import corpus

    corpus.write(15, tmp_path / "native")
    shutil.rmtree(tmp_path / "native/locales")  # the Hugo side has no interface catalog: both speak the theme's Hebrew
    corpus.write_hugo(15, tmp_path / "hugo")
    done = run("import", "hugo", str(tmp_path / "hugo"), "--out", str(tmp_path / "imported"))
    assert done.exit_code == 0 and done.stdout == "", done.stdout  # nothing left unconverted, nothing to fix
    for name in ("native", "imported"):
        assert run("build", "--root", str(tmp_path / name), "--out", str(tmp_path / f"{name}-public")).exit_code == 0
    native, imported = _files(tmp_path / "native-public"), _files(tmp_path / "imported-public")
    assert {path: imported[path] for path in native} == native  # every page, feed, API document and sitemap the same bytes
    extra = sorted(set(imported) - set(native))
    assert extra == ["_redirects", *sorted(f"a{n}/index.html" for n in range(15))]  # Hugo's /a0/ URLs, redirected


MAAKAF = Path(__file__).resolve().parent / "fixtures/hugo-maakaf"  # a real Hebrew-first Hugo site, trimmed (see its NOTICE.md)


def test_a_real_hebrew_first_hugo_site_imports_with_only_real_problems_left(tmp_path: Path) -> None:
    done = run("import", "hugo", str(MAAKAF), "--out", str(tmp_path / "site"), "--format", "json")
    assert done.exit_code == 0, done.stdout + done.stderr
    found = {(d["path"], d["line"], d["code"]) for d in json.loads(done.stdout)["diagnostics"]}
    assert {
        ("hugo.yaml", 1, "import-field"),  # baseURL: / is no address readers can use
        ("content/he/about.md", 12, "import-shortcode"),  # the Docsy theme's blocks/cover
        ("content/he/about.md", 23, "import-shortcode"),
        ("content/he/articles/01_my_story.md", 30, "import-shortcode"),  # {{< comments >}}
        ("content/he/blog/_index.md", 1, "import-skipped"),
        ("content/en/blog/how-to-start.md", 1, "import-unpaired"),  # English with no Hebrew source
    } <= found
    left = {d["code"] for d in json.loads(done.stdout)["diagnostics"] if d["path"].startswith(str(tmp_path))}
    assert left == {"translation-missing"}  # the Hebrew articles have no English yet: true of the site
    config = yaml.safe_load((tmp_path / "site/site.yaml").read_text("utf-8"))
    assert config["source_locale"] == "he" and list(config["locales"]) == ["he", "en"]
    assert config["markdown"] == {"allow_raw_html": True}  # Hugo rendered its HTML (goldmark unsafe); sanitized here
    story = _front(tmp_path / "site/content/he/articles/my-story.md")
    assert story["aliases"] == ["/he/articles/my-story/"]  # defaultContentLanguageInSubdir: the Hebrew URLs had /he/
    assert run("build", "--root", str(tmp_path / "site"), "--out", str(tmp_path / "public")).exit_code == 0
    assert 'href="https://example.org/he/my-story/"' in (tmp_path / "public/he/articles/my-story/index.html").read_text("utf-8")


def test_hugo_i18n_strings_translate_the_theme_strings_they_spell(tmp_path: Path) -> None:
    strings_en = '[search]\nother = "Search"\n[readMore]\nother = "Read more"\n[minutes]\none = "{{ .Count }} minute"\nother = "Minutes"\n'
    strings_he = '[search]\nother = "חיפוש באתר"\n[readMore]\nother = "המשך קריאה"\n[minutes]\nother = "{{ .Count }} דקות"\n'
    src = _write(tmp_path / "hugo", {**hugo_site(), "i18n/en.toml": strings_en, "i18n/he.toml": strings_he})
    done = run("import", "hugo", str(src), "--out", str(tmp_path / "site"))
    assert done.exit_code == 0, done.stdout + done.stderr
    assert "interface strings from Hugo's i18n/: 1 (he)" in done.stderr  # Search; no theme string reads "Read more"
    assert run("i18n", "check", "--root", str(tmp_path / "site")).exit_code == 0
    assert run("build", "--root", str(tmp_path / "site"), "--out", str(tmp_path / "public")).exit_code == 0
    search = (tmp_path / "public/he/search/index.html").read_text("utf-8")
    assert "חיפוש באתר" in search  # Hugo's word for it, over the theme's own Hebrew


def test_a_hugo_site_cannot_make_the_import_read_or_write_outside(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("---\ntitle: Secret\ndate: 2024-01-01\n---\n\nsecret\n", encoding="utf-8")
    files = dict(hugo_site())
    files["hugo.toml"] = str(files["hugo.toml"]).replace('contentDir = "content/he"', 'contentDir = "../outside"')
    post = str(files["content/en/posts/hello/index.md"]).replace("slug: hello-world", "slug: hello-world\nurl: /../../../../escaped/")
    files["content/en/posts/hello/index.md"] = post
    src = _write(tmp_path / "hugo", files)
    (src / "content/en/linked.md").symlink_to(outside / "secret.md")
    done = run("import", "hugo", str(src), "--out", str(tmp_path / "site"), "--format", "json")
    errors = [d["message"] for d in json.loads(done.stdout)["diagnostics"] if d["severity"] == "error"]
    assert done.exit_code == 1 and errors == [
        "contentDir '../outside' is outside the Hugo site; not read",
        "link target '/blog/2023/hello-world/' is neither a file under static/ nor a page of the site",  # the post's url moved it
    ]
    codes = {(d["path"], d["code"]) for d in json.loads(done.stdout)["diagnostics"]}
    assert ("hugo.toml", "import-config") in codes and ("content/en/linked.md", "import-skipped") in codes
    written = [p for p in tmp_path.rglob("*") if p.is_file() and not p.is_relative_to(src) and not p.is_relative_to(outside)]
    assert all(p.is_relative_to(tmp_path / "site") for p in written)
    assert not (tmp_path / "escaped").exists() and "secret" not in "".join(p.read_text("utf-8", "replace") for p in written)
    assert (tmp_path / "site/static/escaped/cover.png").is_file()  # the url's dot segments dropped: inside the site
