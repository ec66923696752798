"""What the tool prints and publishes holds no control characters: terminals, CI logs and feed readers get text they can show."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from conftest import article, hebrew, run


def test_feeds_and_the_sitemap_stay_well_formed_xml_with_control_characters_in_the_content(make_site, tmp_path):
    body = "Text with a \x01 control, a \x7f delete and a \x0b vertical tab.\n"
    root = make_site(
        {"content/en/a.md": article(title='"Bell \\a and \\uFFFE here"', summary='"Sum\\x02mary"', body=body), "content/he/a.md": hebrew()}
    )
    out = tmp_path / "out"
    result = run("build", "--root", str(root), "--out", str(out))
    assert result.exit_code == 0, result.stdout + result.stderr
    for name in ("en/feed.xml", "he/feed.xml", "sitemap.xml"):
        ET.fromstring((out / name).read_bytes())  # expat refuses a document with any character XML cannot hold
    feed = (out / "en/feed.xml").read_text("utf-8")
    assert "Bell  and  here" in feed and "Summary" in feed and "\x01" not in feed and "\ufffe" not in feed


def test_terminal_escapes_in_content_are_shown_escaped_in_text_and_annotations(make_site):
    root = make_site({"content/en/a.md": article(tags='["\\e[2J\\e[31mowned"]'), "content/he/a.md": hebrew(tags='["\\e[2J\\e[31mowned"]')})
    for fmt in ("text", "github"):
        result = run("validate", "--root", str(root), "--format", fmt)
        assert result.exit_code == 1
        assert "tag-unknown" in result.stdout
        assert "\x1b" not in result.stdout + result.stderr
        assert "\\x1b[2J" in result.stdout
