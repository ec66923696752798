"""Bad input from people we don't control: every case gets a located diagnostic, no traceback, nothing built."""

from __future__ import annotations

import time

import pytest
from conftest import SITE_YAML, article, hebrew, run

GOOD_HE = hebrew()
NESTED = "---\ntitle: T\ndate: 2024-03-12\nsummary: S\nx: " + "[" * 60 + "]" * 60 + "\n---\n"
LAUGHS = (
    "---\ntitle: T\ndate: 2024-03-12\nsummary: S\na: &a [x, x, x, x, x, x, x, x, x]\n"
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9)
    )
    + "---\n"
)

# name -> (files, site.yaml or None for the default, expected (path, line, code))
CASES: dict[str, tuple[dict[str, str | bytes], str | None, tuple[str, int, str]]] = {
    "invalid utf-8": ({"content/en/a.md": b"---\ntitle: caf\xe9\n---\n"}, None, ("content/en/a.md", 2, "encoding-invalid")),
    "utf-16": ({"content/en/a.md": article().encode("utf-16")}, None, ("content/en/a.md", 1, "encoding-invalid")),
    "utf-16 big endian": (
        {"content/en/a.md": article().encode("utf-16-be").join([b"\xfe\xff", b""])},
        None,
        ("content/en/a.md", 1, "encoding-invalid"),
    ),
    "empty file": ({"content/en/a.md": ""}, None, ("content/en/a.md", 1, "frontmatter-missing")),
    "only white space": ({"content/en/a.md": "\n\n   \n"}, None, ("content/en/a.md", 1, "frontmatter-missing")),
    "no front matter": ({"content/en/a.md": "# Title\n\nText.\n"}, None, ("content/en/a.md", 1, "frontmatter-missing")),
    "front matter never closed": (
        {"content/en/a.md": "---\ntitle: T\ndate: 2024-03-12\n"},
        None,
        ("content/en/a.md", 1, "frontmatter-unclosed"),
    ),
    "tabs in yaml": ({"content/en/a.md": "---\ntitle: T\n\tdate: 2024-03-12\n---\n"}, None, ("content/en/a.md", 3, "yaml-syntax")),
    "duplicate keys": (
        {"content/en/a.md": article().replace("summary:", "date: 2024-01-01\nsummary:")},
        None,
        ("content/en/a.md", 4, "yaml-duplicate-key"),
    ),
    "billion laughs": ({"content/en/a.md": LAUGHS}, None, ("content/en/a.md", 6, "yaml-alias")),
    "python object tag": (
        {"content/en/a.md": "---\ntitle: !!python/object/apply:os.system ['id']\n---\n"},
        None,
        ("content/en/a.md", 2, "yaml-syntax"),
    ),
    "python name tag": ({"content/en/a.md": "---\ntitle: !!python/name:os.system\n---\n"}, None, ("content/en/a.md", 2, "yaml-syntax")),
    "custom local tag": ({"content/en/a.md": "---\ntitle: !vault secret\n---\n"}, None, ("content/en/a.md", 2, "yaml-syntax")),
    "deeply nested": ({"content/en/a.md": NESTED}, None, ("content/en/a.md", 5, "yaml-syntax")),
    "a number tag on no number": (
        {"content/en/a.md": "---\ntitle: T\ndate: 2024-03-12\nweight: !!int\n---\n"},
        None,
        ("content/en/a.md", 4, "yaml-syntax"),
    ),
    "front matter is a list": ({"content/en/a.md": "---\n- a\n- b\n---\n"}, None, ("content/en/a.md", 1, "field-invalid")),
    "non-string title": ({"content/en/a.md": article(title="[1, 2]")}, None, ("content/en/a.md", 2, "field-invalid")),
    "numeric title": ({"content/en/a.md": article(title="2024")}, None, ("content/en/a.md", 2, "field-invalid")),
    "boolean title": ({"content/en/a.md": article(title="yes")}, None, ("content/en/a.md", 2, "field-invalid")),
    "february 30": ({"content/en/a.md": article().replace("2024-03-12", "2024-02-30")}, None, ("content/en/a.md", 3, "field-invalid")),
    "month 13": ({"content/en/a.md": article().replace("2024-03-12", "2024-13-01")}, None, ("content/en/a.md", 3, "field-invalid")),
    "date with a time": (
        {"content/en/a.md": article().replace("2024-03-12", "2024-03-12T10:00")},
        None,
        ("content/en/a.md", 3, "field-invalid"),
    ),
    "publish_at without zone": (
        {"content/en/a.md": article(publish_at="2024-03-12T10:00:00")},
        None,
        ("content/en/a.md", 5, "field-invalid"),
    ),
    "id with dots": ({"content/en/a..b.md": article()}, None, ("content/en/a..b.md", 1, "id-invalid")),
    "id with backslash": ({"content/en/a\\b.md": article()}, None, ("content/en/a\\b.md", 1, "id-invalid")),
    "id with spaces": ({"content/en/my post.md": article()}, None, ("content/en/my post.md", 1, "id-invalid")),
    "id in capitals": ({"content/en/About.md": article()}, None, ("content/en/About.md", 1, "id-invalid")),
    "reserved id": ({"content/en/tags.md": article()}, None, ("content/en/tags.md", 1, "id-invalid")),
    "reserved id api": ({"content/en/api.md": article()}, None, ("content/en/api.md", 1, "id-invalid")),
    "id with a trailing newline": ({"content/en/a\n.md": article()}, None, ("content/en/a\n.md", 1, "id-invalid")),
    "id of 252 characters": ({f"content/en/{'a' * 252}.md": article()}, None, (f"content/en/{'a' * 252}.md", 1, "id-invalid")),
    "windows device name con": ({"content/en/con.md": article()}, None, ("content/en/con.md", 1, "id-invalid")),
    "windows device name aux": ({"content/en/aux.md": article()}, None, ("content/en/aux.md", 1, "id-invalid")),
    "windows device name nul": ({"content/en/nul.md": article()}, None, ("content/en/nul.md", 1, "id-invalid")),
    "windows device name lpt1": ({"content/en/lpt1.md": article()}, None, ("content/en/lpt1.md", 1, "id-invalid")),
    "ids equal but for case": (
        {"content/en/a.md": article(), "content/en/x/A.md": article()},
        None,
        ("content/en/x/A.md", 1, "id-duplicate"),
    ),
    "ids equal but for normalization": (
        {"content/en/e\u0301.md": article(), "content/en/x/\u00e9.md": article()},
        None,
        ("content/en/x/\u00e9.md", 1, "id-duplicate"),
    ),
    "rlo in a title": ({"content/en/a.md": article(title="Sale \u202eelas")}, None, ("content/en/a.md", 2, "bidi-override")),
    "lre never closed in a body": ({"content/en/a.md": article(body="x \u202a y\n")}, None, ("content/en/a.md", 7, "bidi-unbalanced")),
    "rli in alt text": ({"content/en/a.md": article(body="![a \u2067b](/x.png)\n")}, None, ("content/en/a.md", 7, "bidi-unbalanced")),
    "script in markdown": ({"content/en/a.md": article(body="<script>alert(1)</script>\n")}, None, ("content/en/a.md", 7, "html-unsafe")),
    "iframe in markdown": (
        {"content/en/a.md": article(body='<iframe src="https://x.example"></iframe>\n')},
        None,
        ("content/en/a.md", 7, "html-unsafe"),
    ),
    "event handler attribute": (
        {"content/en/a.md": article(body='Hi <img src=x onerror="alert(1)">\n')},
        None,
        ("content/en/a.md", 7, "html-unsafe"),
    ),
    "javascript link": ({"content/en/a.md": article(body="[x](javascript:alert(1))\n")}, None, ("content/en/a.md", 7, "url-unsafe")),
    "data url link": (
        {"content/en/a.md": article(body="[x](data:text/html,<script>alert(1)</script>)\n")},
        None,
        ("content/en/a.md", 7, "url-unsafe"),
    ),
    "javascript in a cover image": (
        {"content/en/a.md": article(image="\n  src: javascript:alert(1)\n  alt: x")},
        None,
        ("content/en/a.md", 6, "url-unsafe"),
    ),
    "javascript url in allowed raw html": (
        {"content/en/a.md": article(body='<a href=" javascript:alert(1)">x</a>\n')},
        SITE_YAML + "markdown:\n  allow_raw_html: true\n",
        ("content/en/a.md", 7, "html-unsafe"),
    ),
    "site.yaml unknown key": ({}, SITE_YAML + "colour: blue\n", ("site.yaml", 16, "config-invalid")),
    "site.yaml wrong type": ({}, SITE_YAML + "per_page: many\n", ("site.yaml", 16, "config-invalid")),
    "site.yaml not yaml": ({}, "base_url: [\n", ("site.yaml", 2, "config-syntax")),
    "site.yaml target outside the site": (
        {},
        SITE_YAML + "targets:\n  default:\n    type: local\n    path: ../../elsewhere\n",
        ("site.yaml", 19, "config-invalid"),
    ),
    "site.yaml target is the content": (
        {},
        SITE_YAML + "targets:\n  default:\n    type: local\n    path: content/en\n",
        ("site.yaml", 19, "config-invalid"),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_reported_at_its_place_and_nothing_is_built(make_site, tmp_path, name):
    files, site_yaml, (path, line, code) = CASES[name]
    root = make_site({"content/he/keep.md": GOOD_HE, "content/en/keep.md": article(), **files}, site_yaml or SITE_YAML)
    validated = run("validate", "--root", str(root), "--format", "json")
    assert validated.exit_code in (1, 2)
    assert (path, line, code) in [(p, n, c) for p, n, _, c in validated.diagnostics], validated.stdout
    out = tmp_path / "out"
    built = run("build", "--root", str(root), "--out", str(out))
    assert built.exit_code in (1, 2) and not out.exists()
    assert "Traceback" not in validated.stdout + validated.stderr + built.stdout + built.stderr


def test_there_are_at_least_forty_cases():
    assert len(CASES) >= 40


def test_a_huge_file_is_refused_quickly_by_the_size_limit(make_site):
    root = make_site({"content/en/keep.md": article(), "content/he/keep.md": GOOD_HE})
    (root / "content/en/huge.md").write_bytes(b"---\ntitle: T\n---\n" + b"x" * 50_000_000)
    start = time.perf_counter()
    result = run("validate", "--root", str(root), "--format", "json")
    assert time.perf_counter() - start < 5
    assert ("content/en/huge.md", 1, 1, "file-unreadable") in result.diagnostics


def test_a_template_that_fails_while_rendering_is_located(make_site, tmp_path):
    root = make_site({"content/en/a.md": article(), "content/he/a.md": GOOD_HE, "templates/article.html": "{{ article.no_such_field }}\n"})
    result = run("build", "--root", str(root), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "templates/article.html" in result.stdout or "article.html" in result.stdout
    assert "template-error" in result.stdout and "Traceback" not in result.stdout + result.stderr


def test_markup_in_front_matter_is_escaped_in_pages(make_site, tmp_path):
    title = '"<script>alert(1)</script> & <b onmouseover=x>"'
    root = make_site({"content/en/a.md": article(title=title, author='"<img src=x onerror=alert(1)>"'), "content/he/a.md": GOOD_HE})
    out = tmp_path / "out"
    assert run("build", "--root", str(root), "--out", str(out)).exit_code == 0
    page = (out / "en/a/index.html").read_text("utf-8")
    inert = page.replace("onerror=alert(1)&gt;", "").replace("onerror=alert(1)\\u003e", "")  # escaped in HTML, and in JSON-LD
    assert "<script>alert(1)</script>" not in page and "onerror=alert" not in inert
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_link_in_static_that_leads_outside_the_site_is_refused(make_site, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("private", encoding="utf-8")
    root = make_site({"content/en/a.md": article(), "content/he/a.md": GOOD_HE, "static/ok.txt": "fine"})
    (root / "static/leak.txt").symlink_to(secret)
    out = tmp_path / "out"
    result = run("build", "--root", str(root), "--out", str(out))
    assert result.exit_code == 1
    assert "static/leak.txt:1:1: error path-unsafe: a link that leads outside the site" in result.stdout
    assert not out.exists()
