"""Front matter: YAML problems and schema violations, each at the line of the key concerned."""

from __future__ import annotations

import json

from conftest import article, hebrew, validate_json

from pipeline.validate import validate

HE = hebrew()


def test_yaml_syntax_error_is_reported_at_its_yaml_line(make_site):
    root = make_site({"content/en/a.md": "---\ntitle: ok\ndate: 2024-03-12\nsummary: [unclosed\n---\nBody\n", "content/he/a.md": HE})
    result = validate_json(root)
    assert result.exit_code == 1
    assert result.diagnostics == [("content/en/a.md", 5, 1, "yaml-syntax")]


def test_colon_in_unquoted_title_explains_the_fix(make_site):
    root = make_site({"content/en/a.md": article("Kindness: a guide"), "content/he/a.md": HE})
    result = validate_json(root)
    assert result.diagnostics == [("content/en/a.md", 2, 16, "yaml-syntax")]
    assert "quotes" in result.messages["yaml-syntax"]


def test_tab_indentation_is_named(make_site):
    text = "---\ntitle: T\ndate: 2024-03-12\nsummary: S\nimage:\n\tsrc: /x.png\n---\n"
    root = make_site({"content/en/a.md": text, "content/he/a.md": HE})
    result = validate_json(root)
    assert result.diagnostics == [("content/en/a.md", 6, 1, "yaml-syntax")]
    assert "tab" in result.messages["yaml-syntax"]


def test_duplicate_key_points_at_the_second_one(make_site):
    text = article().replace("date: 2024-03-12\n", "date: 2024-03-12\ntitle: Again\n")
    root = make_site({"content/en/a.md": text, "content/he/a.md": HE})
    result = validate_json(root)
    assert result.diagnostics == [("content/en/a.md", 4, 1, "yaml-duplicate-key")]
    assert "line 2" in result.messages["yaml-duplicate-key"]


def test_aliases_and_python_tags_are_rejected(make_site):
    aliased = "---\ntitle: &t T\ndate: 2024-03-12\nsummary: *t\n---\n"
    tagged = "---\ntitle: !!python/object/apply:os.system [ls]\ndate: 2024-03-12\nsummary: S\n---\n"
    root = make_site({"content/en/a.md": aliased, "content/en/b.md": tagged, "content/he/a.md": HE, "content/he/b.md": HE})
    result = validate_json(root)
    assert result.diagnostics == [("content/en/a.md", 4, 10, "yaml-alias"), ("content/en/b.md", 2, 8, "yaml-syntax")]
    assert "!!python/object/apply:os.system is not allowed" in result.messages["yaml-syntax"]


def test_missing_and_unclosed_front_matter(make_site):
    root = make_site(
        {
            "content/en/a.md": "# No front matter\n",
            "content/en/b.md": "---\ntitle: T\n\nBody without a closing fence\n",
            "content/en/c.md": "",
            "content/he/a.md": HE,
            "content/he/b.md": HE,
            "content/he/c.md": HE,
        }
    )
    assert validate_json(root).diagnostics == [
        ("content/en/a.md", 1, 1, "frontmatter-missing"),
        ("content/en/b.md", 1, 1, "frontmatter-unclosed"),
        ("content/en/c.md", 1, 1, "frontmatter-missing"),
    ]


def test_unknown_key_suggests_the_field_meant(make_site):
    root = make_site({"content/en/a.md": article(titel="Typo"), "content/he/a.md": HE})
    result = validate_json(root)
    assert result.diagnostics == [("content/en/a.md", 5, 1, "field-unknown")]
    assert "did you mean 'title'?" in result.messages["field-unknown"]


def test_required_fields_depend_on_the_locale(make_site):
    schema_defaults_require_summary_in_both = "---\ntitle: T\ndate: 2024-03-12\n---\n"
    root = make_site({"content/en/a.md": article(), "content/he/a.md": schema_defaults_require_summary_in_both})
    result = validate_json(root)
    assert result.diagnostics == [("content/he/a.md", 1, 1, "field-required")]
    assert "'summary'" in result.messages["field-required"]


def test_site_schema_can_require_more_for_one_locale(make_site):
    schema = """{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
      "required": ["title", "date"],
      "properties": {"title": {"type": "string"}, "date": {"type": "string", "format": "date"},
                     "summary": {"type": "string"}, "author": {"type": "string"}},
      "$defs": {"locales": {"he": {"required": ["author"]}}}}"""
    root = make_site({"schemas/article.schema.json": schema, "content/en/a.md": article(), "content/he/a.md": HE})
    assert validate_json(root).diagnostics == [("content/he/a.md", 1, 1, "field-required")]


def test_wrong_types_and_impossible_dates(make_site):
    text = "---\ntitle: 2024\ndate: 2024-02-30\nsummary: S\ndraft: maybe\npublish_at: 2024-03-01T10:00\ntags: kindness\n---\n"
    root = make_site({"content/en/a.md": text, "content/he/a.md": HE})
    result = validate_json(root)
    assert result.diagnostics == [
        ("content/en/a.md", 2, 8, "field-invalid"),
        ("content/en/a.md", 3, 7, "field-invalid"),
        ("content/en/a.md", 5, 8, "field-invalid"),
        ("content/en/a.md", 6, 13, "field-invalid"),
        ("content/en/a.md", 7, 7, "field-invalid"),
    ]
    messages = json.loads(result.stdout)["diagnostics"]
    assert "put it in quotes" in messages[0]["message"]
    assert "day is out of range" in messages[1]["message"]
    assert "time zone" in messages[3]["message"]


def test_nested_image_fields_are_located(make_site):
    text = article(image="\n  src: /images/a.png\n  alt: ''\n  width: 3")
    root = make_site({"content/en/a.md": text, "content/he/a.md": HE, "static/images/a.png": b"png"})
    result = validate_json(root)
    assert result.diagnostics == [("content/en/a.md", 7, 8, "field-invalid"), ("content/en/a.md", 8, 3, "field-unknown")]


def test_unknown_tag_at_its_list_item(make_site):
    root = make_site({"content/en/a.md": article(tags="[kindness, kindnes]"), "content/he/a.md": hebrew(tags="[kindness, kindnes]")})
    result = validate_json(root)
    assert result.diagnostics == [("content/en/a.md", 5, 18, "tag-unknown"), ("content/he/a.md", 5, 18, "tag-unknown")]
    assert result.messages["tag-unknown"].endswith("did you mean 'kindness'?")


def test_a_tag_written_as_its_display_name_is_told_its_id_once(make_site):
    root = make_site({"content/en/a.md": article(tags="[Gratitude]"), "content/he/a.md": hebrew(tags="[טוב לב]")})
    result = validate_json(root)
    assert result.exit_code == 1
    # The schema's pattern for a tag id is broken too, at the same place: one mistake, one error, the one that says what to write.
    assert result.diagnostics == [("content/en/a.md", 5, 8, "tag-unknown"), ("content/he/a.md", 5, 8, "tag-unknown")]
    messages = [d["message"] for d in json.loads(result.stdout)["diagnostics"]]
    assert messages == [
        (
            "tag 'Gratitude' is not declared under `tags:` in site.yaml; 'Gratitude' is the English name of the tag "
            "'gratitude': write gratitude (pages show a tag by its name in their language)"
        ),
        (
            "tag 'טוב לב' is not declared under `tags:` in site.yaml; 'טוב לב' is the Hebrew name of the tag 'kindness': "
            "write kindness (pages show a tag by its name in their language)"
        ),
    ]
    first = validate(root)
    site = root / "site.yaml"  # a name changed in site.yaml: a validate recalling what it can (serve's) says so too
    site.write_text(site.read_text("utf-8").replace("he: טוב לב", "he: חסד"), encoding="utf-8")
    again = [d.message for d in validate(root, first.records, 1, first.memo).diagnostics]
    assert again == [messages[0], "tag 'טוב לב' is not declared under `tags:` in site.yaml; declared: gratitude, kindness"]
