"""A text that pages of both directions show (an author, a title, a summary) is isolated for each page's direction."""

from __future__ import annotations

import json

from conftest import article, hebrew, run

MIXED = (
    "Noa לוי"  # a Latin word and a Hebrew one: the run to isolate is the Hebrew on a left-to-right page, the Latin on a right-to-left one
)


def test_the_same_text_is_isolated_for_each_direction_it_is_shown_in(make_site, tmp_path):
    root = make_site(
        {
            "content/en/a.md": article(title=f'"{MIXED}"', summary=f'"{MIXED}"', author=MIXED),
            "content/he/a.md": hebrew(title=f'"{MIXED}"', summary=f'"{MIXED}"', author=MIXED),
        }
    )
    out = tmp_path / "out"
    for _ in range(2):  # twice in one process: what the first build decided must not be what the second is given
        assert run("build", "--root", str(root), "--out", str(out)).exit_code == 0
        english = (out / "en/a/index.html").read_text("utf-8")
        hebrew_page = (out / "he/a/index.html").read_text("utf-8")
        assert '<span dir="rtl" lang="he">לוי</span>' in english and '<span dir="ltr"' not in english.split("<body", 1)[1]
        assert '<span dir="ltr" lang="en">Noa</span> לוי' in hebrew_page
        assert "<title>Noa \u2067לוי\u2069" in english and "<title>\u2066Noa\u2069 לוי" in hebrew_page
        api = {lang: json.loads((out / f"api/{lang}/articles/a.json").read_text("utf-8")) for lang in ("en", "he")}
        assert api["en"]["title_isolated"] == "Noa \u2067לוי\u2069" and api["he"]["title_isolated"] == "\u2066Noa\u2069 לוי"
