"""site.yaml: a broken configuration is reported with its line and exit code 2; policies have defaults."""

from __future__ import annotations

from pathlib import Path

from conftest import SITE_YAML, article, hebrew, run, validate_json

from pipeline.config.site import load_config


def test_yaml_error_in_site_yaml_is_located_and_exits_2(make_site):
    root = make_site({}, SITE_YAML.replace("source_locale: en", "source_locale: [en"))
    result = validate_json(root)
    assert result.exit_code == 2
    assert result.diagnostics[0][0:2] == ("site.yaml", 3)
    assert result.diagnostics[0][3] == "config-syntax"


def test_unknown_keys_and_wrong_types_in_site_yaml(make_site):
    yaml = SITE_YAML + "markdwn:\n  allow_raw_html: yes\nlimits:\n  max_file_bytes: lots\n"
    result = validate_json(make_site({}, yaml))
    assert result.exit_code == 2
    assert result.diagnostics == [("site.yaml", 16, 1, "config-invalid"), ("site.yaml", 19, 19, "config-invalid")]
    assert "unknown field 'markdwn'; did you mean 'markdown'?" in result.stdout


def test_source_locale_must_be_a_configured_locale(make_site):
    result = validate_json(make_site({}, SITE_YAML.replace("source_locale: en", "source_locale: fr")))
    assert result.exit_code == 2
    assert result.diagnostics == [("site.yaml", 2, 16, "config-invalid")]
    assert "not one of the locales (en, he)" in result.messages["config-invalid"]


def test_a_locale_cldr_does_not_know(make_site):
    result = validate_json(make_site({}, SITE_YAML.replace("  he:\n", "  xx:\n")))
    assert result.exit_code == 2
    assert result.diagnostics == [("site.yaml", 6, 3, "config-invalid")]


def test_a_tag_without_a_name_in_one_language_is_a_warning(make_site):
    yaml = SITE_YAML + "  volunteering:\n    en: Volunteering\n"
    result = validate_json(make_site({"content/en/a.md": article(), "content/he/a.md": hebrew()}, yaml))
    assert result.exit_code == 0
    assert result.diagnostics == [("site.yaml", 16, 3, "tag-untranslated")]


def test_a_broken_article_schema_is_reported_at_its_line(make_site):
    root = make_site({"schemas/article.schema.json": '{\n  "type": "object",\n  "required": ["title",]\n}\n'})
    result = validate_json(root)
    assert result.exit_code == 2
    assert result.diagnostics == [("schemas/article.schema.json", 3, 24, "schema-invalid")]


def test_a_named_schema_that_does_not_exist(make_site):
    result = validate_json(make_site({}, SITE_YAML + "schema: schemas/nope.json\n"))
    assert result.exit_code == 2
    assert result.diagnostics == [("site.yaml", 16, 9, "schema-invalid")]


def test_a_schema_outside_the_site_is_refused(make_site):
    result = validate_json(make_site({}, SITE_YAML + "schema: ../../etc/schema.json\n"))
    assert result.exit_code == 2
    assert result.messages["config-invalid"] == "schema '../../etc/schema.json' is outside the site"


def test_no_site_yaml_is_a_usage_error(tmp_path: Path):
    result = run("validate", "--root", str(tmp_path))
    assert result.exit_code == 2
    assert "no site.yaml" in result.stderr


def test_locale_direction_and_policies_come_from_cldr_and_defaults(make_site):
    config, warnings = load_config(make_site({}))
    assert warnings == []
    assert [(c.code, c.direction, c.missing, c.orphaned) for c in config.locales.values()] == [
        ("en", "ltr", "warning", "error"),
        ("he", "rtl", "warning", "error"),
    ]
    assert config.translations == ("he",)
    assert config.schema_path == "(built-in)"


def test_the_schemas_the_tool_ships_are_valid_2020_12_schemas():
    """The built-in article schema is read without a meta-check (jsonschema is not even imported for it): this is that check."""
    import json
    from importlib import resources

    import jsonschema

    for name in ("article.schema.json", "site.schema.json", "api.schema.json"):
        jsonschema.Draft202012Validator.check_schema(json.loads((resources.files("pipeline") / "data" / name).read_text("utf-8")))


def test_a_schema_edited_in_place_is_compiled_again() -> None:
    """The compiled schema is kept by its text: the same text shares it, a changed schema never gets the old one."""
    from pipeline.config.schema import Checker
    from pipeline.config.yamldoc import load

    schema = {"type": "object", "properties": {"title": {"type": "string"}}}
    doc = load("title: Hello\n")
    assert Checker(schema).check(doc) == []
    assert Checker(dict(schema)).check(doc) == []
    schema["required"] = ["date"]
    assert [f.message for f in Checker(schema).check(doc)] != []
    schema["properties"] = {"title": {"type": "integer"}}
    del schema["required"]
    assert Checker(schema).check(doc) != []
