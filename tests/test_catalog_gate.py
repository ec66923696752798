"""Catalogs gate every build and publish: a broken one is a located error with nothing written or sent; translations are data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SITE_YAML, article, hebrew, run

HE_PO = "locales/he/LC_MESSAGES/messages.po"
HEADER = (
    'msgid ""\n'
    'msgstr ""\n'
    '"Language: he\\n"\n'
    '"Content-Type: text/plain; charset=UTF-8\\n"\n'
    '"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n==2 ? 1 : 2);\\n"\n'
    "\n"
)  # six lines: the first entry starts on line 7
TARGET = SITE_YAML + "targets:\n  default:\n    type: local\n    path: published\n"


def site(make_site, catalog: bytes | None) -> Path:
    files: dict[str, str | bytes] = {"content/en/a.md": article("A title"), "content/he/a.md": hebrew("כותרת")}
    if catalog is not None:
        files[HE_PO] = catalog
    return make_site(files, TARGET)


def entry(msgid: str, msgstr: str, flags: str = "") -> bytes:
    return (HEADER + (f"#, {flags}\n" if flags else "") + f'msgid "{msgid}"\nmsgstr "{msgstr}"\n').encode("utf-8")


BROKEN = {
    "placeholder translated": (entry("By %(author)s", "מאת %(מחבר)s", "python-format"), 8, "catalog-placeholder"),
    "conversion missing": (entry("Published on %(date)s", "פורסם ב־%(date)", "python-format"), 8, "catalog-percent"),
    "bare percent": (entry("Tags", "100% תגיות"), 7, "catalog-percent"),
    "conversion changed": (entry("Page %(page)d of %(pages)d", "עמוד %(page)s מתוך %(pages)d", "python-format"), 8, "catalog-format"),
    "huge width": (entry("By %(author)s", "מאת %(author)999999999s", "python-format"), 8, "catalog-format"),
    "newline end": (entry("Tags", "תגיות\\n"), 7, "catalog-newline"),
    "charset disagrees": (entry("Tags", "תגיות").replace(b"charset=UTF-8", b"charset=ASCII"), 8, "catalog-encoding"),
    "unknown charset": (entry("Tags", "תגיות").replace(b"charset=UTF-8", b"charset=klingon"), 4, "catalog-encoding"),
    "byte order mark": (b"\xef\xbb\xbf" + entry("Tags", "תגיות"), 1, "catalog-encoding"),
    "unbalanced plural": (
        entry("Tags", "תגיות").replace(b"(n==1 ? 0 : n==2 ? 1 : 2)", b"(n==1 ? 0 : (n==2 ? 1 : 2)"),
        5,
        "catalog-plural-header",
    ),
    "huge nplurals": (entry("Tags", "תגיות").replace(b"nplurals=3", b"nplurals=999999999"), 5, "catalog-plural-header"),
    "script": (entry("Tags", "תגיות<script>alert(1)</script>"), 7, "catalog-unsafe"),
    "over the size limit": (entry("Tags", "תגיות") + b"# padding\n" * 120_000, 1, "file-unreadable"),
    "attribute break-out": (entry("Languages", 'שפות\\" onmouseover=\\"alert(1)'), 7, "catalog-unsafe"),
}


@pytest.mark.parametrize("name", BROKEN)
def test_a_broken_catalog_stops_build_and_publish_with_its_line_and_nothing_changes(make_site, tmp_path, name):
    data, line, code = BROKEN[name]
    root = site(make_site, None)
    out = tmp_path / "out"
    assert run("build", "--root", str(root), "--out", str(out)).exit_code == 0
    assert run("publish", "--root", str(root)).exit_code == 0
    before_out = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    before_live = {p: p.read_bytes() for p in (root / "published").rglob("*") if p.is_file()}
    (root / HE_PO).parent.mkdir(parents=True)
    (root / HE_PO).write_bytes(data)
    for command in (("build", "--out", str(out)), ("publish",)):
        result = run(command[0], "--root", str(root), *command[1:])
        assert result.exit_code == 1, (command, result.stdout, result.stderr)
        assert f"{HE_PO}:{line}:1: error {code}:" in result.stdout + result.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before_out
    assert {p: p.read_bytes() for p in (root / "published").rglob("*") if p.is_file()} == before_live
    validated = json.loads(run("validate", "--root", str(root), "--format", "json").stdout)
    assert (HE_PO, line, code) in [(d["path"], d["line"], d["code"]) for d in validated["diagnostics"]]


def test_fuzzy_and_untranslated_strings_build_and_fall_back(make_site, tmp_path):
    catalog = HEADER + '#, fuzzy\nmsgid "Tags"\nmsgstr "תגים"\n\nmsgid "Skip to content"\nmsgstr ""\n'
    root = site(make_site, catalog.encode("utf-8"))
    result = run("build", "--root", str(root), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.stdout + result.stderr
    page = (tmp_path / "out/he/a/index.html").read_text("utf-8")
    assert "דילוג לתוכן" in page  # the site leaves it untranslated: the theme's Hebrew
    assert "תגים" not in page  # fuzzy: never shown
    catalogs = json.loads(run("status", "--root", str(root), "--format", "json").stdout)["catalogs"]
    assert [(c["path"], c["translated"], c["fuzzy"]) for c in catalogs] == [(HE_PO, 0, 1)]  # the status reports them


def test_a_new_site_without_locales_gets_the_theme_in_hebrew(make_site, tmp_path):
    root = site(make_site, None)
    assert run("build", "--root", str(root), "--out", str(tmp_path / "out")).exit_code == 0
    page = (tmp_path / "out/he/a/index.html").read_text("utf-8")
    for hebrew_chrome in ("דילוג לתוכן", "בחירת שפה", "דקות קריאה" if "דקות קריאה" in page else "דקת קריאה"):
        assert hebrew_chrome in page
    assert "Skip to content" not in page and "minute" not in page
    english = (tmp_path / "out/en/a/index.html").read_text("utf-8")
    assert "Skip to content" in english


def test_the_sites_catalog_overrides_the_theme_per_string_and_a_committed_mo_is_never_read(make_site, tmp_path):
    root = site(make_site, entry("Skip to content", "קפיצה לתוכן"))
    (root / HE_PO.replace(".po", ".mo")).write_bytes(b"\xde\x12\x04\x95 not a catalog, and never read")
    assert run("build", "--root", str(root), "--out", str(tmp_path / "out")).exit_code == 0
    page = (tmp_path / "out/he/a/index.html").read_text("utf-8")
    assert "קפיצה לתוכן" in page and "דילוג לתוכן" not in page
    assert "בחירת שפה" in page  # not in the site's catalog: the theme's


def test_a_translation_reaches_the_page_as_text_in_elements_and_attributes(make_site, tmp_path):
    catalog = (
        HEADER + 'msgid "Languages"\nmsgstr "שפות \\"בחירה\\" & עוד"\n\nmsgid "Skip to content"\nmsgstr "דילוג < לתוכן & &lt;b&gt; &#37;"\n'
    )
    root = site(make_site, catalog.encode("utf-8"))
    result = run("build", "--root", str(root), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.stdout + result.stderr
    page = (tmp_path / "out/he/a/index.html").read_text("utf-8")
    assert 'aria-label="שפות &#34;בחירה&#34; &amp; עוד"' in page
    assert "דילוג &lt; לתוכן &amp; &lt;b&gt; &#37;</a>" in page  # a reference stays text, never a % to format


def test_the_theme_catalog_translates_every_string_of_the_theme_and_is_clean(make_site):
    from pipeline.catalogs import i18n, pofiles, runtime

    extracted = i18n.extract_messages(make_site({}))  # a bare site: the theme's templates and the package's code
    theme = pofiles.read(runtime.THEME_ROOT, runtime.catalog_path("he"))
    translated = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in theme.catalog if m.id and all(m.string) and not m.fuzzy}
    wanted = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in extracted if m.id}
    assert wanted and wanted <= translated, wanted - translated
    result = run("i18n", "check", "--strict", str(runtime.THEME_ROOT / runtime.catalog_path("he")))
    assert result.exit_code == 0, result.stdout
