"""Pairing by path: ids, missing and orphaned translations, and fields a translation must share."""

from __future__ import annotations

from conftest import SITE_YAML, article, hebrew, validate_json

HE = hebrew()


def test_missing_translation_is_a_warning_by_default(make_site):
    root = make_site({"content/en/a.md": article(), "content/en/b.md": article(), "content/he/a.md": HE})
    result = validate_json(root)
    assert result.exit_code == 0
    assert result.diagnostics == [("content/en/b.md", 1, 1, "translation-missing")]
    assert "content/he/b.md" in result.messages["translation-missing"]


def test_missing_policy_is_set_per_locale(make_site):
    files = {"content/en/a.md": article()}
    as_error = make_site(files, SITE_YAML.replace("    name: עברית\n", "    name: עברית\n    missing: error\n"))
    result = validate_json(as_error)
    assert result.exit_code == 1
    assert '"severity": "error"' in result.stdout
    off = make_site(files, SITE_YAML.replace("    name: עברית\n", "    name: עברית\n    missing: off\n"))
    assert validate_json(off).diagnostics == []


def test_orphaned_translation_is_an_error(make_site):
    root = make_site({"content/en/a.md": article(), "content/he/a.md": HE, "content/he/old-name.md": HE})
    result = validate_json(root)
    assert result.exit_code == 1
    assert result.diagnostics == [("content/he/old-name.md", 1, 1, "translation-orphaned")]


def test_duplicate_ids_in_one_language(make_site):
    root = make_site(
        {
            "content/en/a.md": article(),
            "content/en/2024/a.md": article(),
            "content/he/a.md": HE,
        }
    )
    result = validate_json(root)
    assert result.diagnostics == [("content/en/a.md", 1, 1, "id-duplicate")]
    assert "content/en/2024/a.md" in result.messages["id-duplicate"]


def test_ids_that_differ_only_in_unicode_form_are_duplicates(make_site):
    nfc, nfd = "caf\u00e9", "cafe\u0301"
    root = make_site({f"content/en/{nfc}.md": article(), f"content/en/{nfd}.md": article()}, SITE_YAML + "\n")
    codes = [code for *_, code in validate_json(root).diagnostics]
    assert "id-duplicate" in codes
    assert codes.count("id-invalid") == 2  # é is not a lowercase ASCII letter either


def test_invalid_and_reserved_ids(make_site):
    root = make_site({"content/en/My Post.md": article(), "content/en/tags.md": article()})
    result = validate_json(root)
    assert [(path, code) for path, _, _, code in result.diagnostics if code == "id-invalid"] == [
        ("content/en/My Post.md", "id-invalid"),
        ("content/en/tags.md", "id-invalid"),
    ]


def test_shared_fields_must_agree_across_the_pair(make_site):
    en = article(tags="[kindness, gratitude]", image="\n  src: /a.svg\n  alt: A")
    he = hebrew(tags="[kindness]", image="\n  src: /b.svg\n  alt: א").replace("2024-03-12", "2024-03-13")
    root = make_site({"content/en/a.md": en, "content/he/a.md": he, "static/a.svg": "<svg/>", "static/b.svg": "<svg/>"})
    result = validate_json(root)
    assert result.diagnostics == [
        ("content/he/a.md", 3, 1, "translation-mismatch"),
        ("content/he/a.md", 5, 1, "translation-mismatch"),
        ("content/he/a.md", 7, 3, "translation-mismatch"),
    ]


def test_a_shared_field_missing_from_the_translation(make_site):
    root = make_site({"content/en/a.md": article(tags="[kindness]"), "content/he/a.md": HE})
    result = validate_json(root)
    assert result.diagnostics == [("content/he/a.md", 1, 1, "translation-mismatch")]
    assert result.messages["translation-mismatch"] == "tags is missing here but is [kindness] in content/en/a.md; copy it"


def test_markdown_outside_locale_folders_is_reported(make_site):
    root = make_site({"content/readme.md": "notes", "content/fr/a.md": article()})
    assert validate_json(root).diagnostics == [
        ("content/fr/a.md", 1, 1, "locale-unknown"),
        ("content/readme.md", 1, 1, "locale-unknown"),
    ]
