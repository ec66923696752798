"""The sample site in this repository: clean under --strict, three complete pairs, schema reachable by editors."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from pathlib import Path

import pytest
from conftest import run, validate_json

from pipeline.validate import validate

ROOT = Path(__file__).resolve().parent.parent


def test_the_sample_site_validates_clean_even_when_strict():
    result = validate_json(ROOT, "--strict")
    assert (result.exit_code, result.diagnostics) == (0, [])


def test_three_posts_in_each_language_paired_by_path():
    result = validate(ROOT)
    assert [(s.id, sorted(s.articles)) for s in result.sets] == [
        ("gratitude-practice", ["en", "he"]),
        ("kindness-mental-health", ["en", "he"]),
        ("volunteering", ["en", "he"]),
    ]


def test_the_seed_article_keeps_its_title_summary_and_sections():
    seed = next(a for a in validate(ROOT).articles if a.id == "kindness-mental-health" and a.lang == "en")
    assert seed.title == "The Healing Power of Kindness: Nurturing Mental Health Through Compassion"
    assert seed.summary.startswith("In a world that often moves at a rapid pace")
    assert seed.date == date(2024, 3, 12)
    headings = re.findall(r"^## (.+)$", seed.body, re.MULTILINE)
    assert headings == [
        "Kindness as a Catalyst for Mental Wellness",
        "Key Aspects of Kindness for Mental Health",
        "Kindness in Action: How It Benefits Mental Health",
    ]
    assert re.findall(r"^(\d)\. \*\*", seed.body, re.MULTILINE) == ["1", "2", "3", "4", "5"] * 2
    assert "3 בלוג פוסטים" not in seed.body


def test_hebrew_text_uses_hebrew_punctuation_and_real_mixed_direction_runs():
    hebrew = [a for a in validate(ROOT).articles if a.lang == "he"]
    text = "\n".join(a.body for a in hebrew)
    assert "\u05be" in text and "\u05f4" in text and "\u05f3" in text  # maqaf, gershayim, geresh
    assert re.search(r"[\u05d0-\u05ea][^\n]*\b(dopamine|oxytocin)\b", text)
    assert re.search(r"[\u05d0-\u05ea]־?\d{4}", text) and "%" in text


def test_articles_are_immutable_and_know_their_key_lines():
    article = next(a for a in validate(ROOT).articles if a.lang == "he")
    assert article.where("title") == (3, 1)
    assert article.where("image", "alt")[0] > article.where("image")[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        article.title = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        article.fields["title"] = "x"  # type: ignore[index]


def test_editors_get_the_schema_from_the_modeline_of_each_article():
    for path in sorted((ROOT / "content").rglob("*.md")):
        modeline = re.search(r"# yaml-language-server: \$schema=(\S+)", path.read_text("utf-8"))
        assert modeline, path
        assert (path.parent / modeline.group(1)).resolve() == (ROOT / "schemas/article.schema.json")


def test_validate_defaults_to_the_current_folder(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert run("validate").exit_code == 0
