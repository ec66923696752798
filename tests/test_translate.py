"""The translation workflow for articles: scaffold, fingerprints, stale sections, --accept, structure."""

from __future__ import annotations

import json
import re

from conftest import SITE_YAML, article, hebrew, run, validate_json

from pipeline.validate import validate

SOURCE = article(
    "Kindness",
    "Why kindness matters.",
    body=(
        "Intro paragraph.\n\n"
        "## Why it works\n\n"
        "Dopamine and oxytocin, see [gratitude](b.md).\n\n"
        "## In practice\n\n"
        "![A heart](/images/heart.svg)\n\n"
        "```\nprint('hi')\n```\n"
    ),
    tags="[kindness]",
    image="\n  src: /images/heart.svg\n  alt: A heart",
)
FILES = {
    "content/en/a.md": SOURCE,
    "content/en/b.md": article(),
    "content/he/b.md": hebrew(),
    "static/images/heart.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
}
POLICY = SITE_YAML.replace("    unverified: off\n", "")


def translated(path) -> str:
    """Replace the scaffold's English text with Hebrew, as a translator would."""
    text = path.read_text("utf-8")
    text = text.replace("title: Kindness  # translate", "title: טוב לב")
    text = text.replace('summary: "Why kindness matters."  # translate', "summary: למה טוב לב חשוב.")
    text = text.replace('alt: "A heart"  # translate', "alt: לב")
    text = text.replace("Intro paragraph.", "פסקת פתיחה.").replace("## Why it works", "## למה זה עובד")
    text = text.replace("Dopamine and oxytocin, see [gratitude](b.md).", "דופמין (dopamine) ואוקסיטוצין, ראו [הכרת תודה](b.md).")
    text = text.replace("## In practice", "## בפועל").replace("![A heart]", "![לב]")
    path.write_text(text, encoding="utf-8")
    return text


def test_translate_writes_a_draft_with_shared_fields_marks_and_fingerprint(make_site):
    root = make_site(FILES, POLICY)
    result = run("translate", "--root", str(root), "he", "a")
    assert result.exit_code == 0, result.stderr
    assert "wrote content/he/a.md" in result.stdout
    text = (root / "content/he/a.md").read_text("utf-8")
    assert "date: 2024-03-12\n" in text and "tags: [kindness]\n" in text and "  src: /images/heart.svg\n" in text
    assert "title: Kindness  # translate\n" in text and '  alt: "A heart"  # translate\n' in text
    assert re.search(r"translated_from:\n  fingerprint: \"?[0-9a-f]{8}\"?\n  sections:\n    title: ", text)
    assert text.endswith(SOURCE.split("---\n", 2)[2])
    # The draft is current, but every text is still English: the translator is told where.
    report = validate_json(root)
    assert report.exit_code == 0
    untranslated = [d for d in report.diagnostics if d[3] == "translation-untranslated"]
    assert [line for _, line, _, _ in untranslated] == [2, 4, 8, 19, 21, 25]


def test_a_finished_translation_validates_clean(make_site):
    root = make_site(FILES, POLICY)
    run("translate", "--root", str(root), "he", "a")
    translated(root / "content/he/a.md")
    run("translate", "--root", str(root), "he", "b", "--accept")
    assert validate_json(root, "--strict").diagnostics == []
    assert [(s.id, s.state) for s in validate(root).states] == [("a", "ok"), ("b", "ok")]


def test_editing_one_source_section_makes_the_translation_stale_naming_it(make_site):
    root = make_site(FILES, POLICY)
    run("translate", "--root", str(root), "he", "a")
    translated(root / "content/he/a.md")
    source = root / "content/en/a.md"
    source.write_text(SOURCE.replace("Dopamine and oxytocin", "Serotonin and oxytocin"), encoding="utf-8")
    result = validate_json(root)
    assert result.exit_code == 0
    stale = [d for d in result.diagnostics if d[3] == "translation-stale"]
    assert stale == [("content/he/a.md", 9, 1, "translation-stale")]
    assert "section 'Why it works' changed" in result.messages["translation-stale"]
    assert "In practice" not in result.messages["translation-stale"]
    accepted = run("translate", "--root", str(root), "he", "a", "--accept")
    assert accepted.exit_code == 0
    assert "it was stale: section 'Why it works' changed" in accepted.stdout
    assert [d for d in validate_json(root).diagnostics if d[3] == "translation-stale"] == []


def test_rewrapping_a_paragraph_is_no_change(make_site):
    root = make_site(FILES, POLICY)
    run("translate", "--root", str(root), "he", "a")
    (root / "content/en/a.md").write_text(SOURCE.replace("Dopamine and oxytocin, see", "Dopamine and oxytocin,\nsee"), encoding="utf-8")
    assert "translation-stale" not in validate_json(root).stdout


def test_titles_summaries_added_and_removed_sections_are_named(make_site):
    root = make_site(FILES, POLICY)
    run("translate", "--root", str(root), "he", "a")
    changed = SOURCE.replace("title: Kindness", "title: Kindness matters").replace("## In practice", "## Every day")
    (root / "content/en/a.md").write_text(changed, encoding="utf-8")
    message = validate_json(root).messages["translation-stale"]
    assert "title changed, section 'in-practice' renamed to 'Every day'" in message  # the heading given new words in its place


def test_stale_policy_per_locale(make_site):
    strict = POLICY.replace("    name: עברית\n", "    name: עברית\n    stale: error\n")
    root = make_site(FILES, strict)
    run("translate", "--root", str(root), "he", "a")
    (root / "content/en/a.md").write_text(SOURCE.replace("Intro paragraph.", "A new intro."), encoding="utf-8")
    result = validate_json(root)
    assert result.exit_code == 1
    assert "intro changed" in result.messages["translation-stale"]


def test_a_translation_without_fingerprint_is_unverified(make_site):
    root = make_site({"content/en/b.md": article(), "content/he/b.md": hebrew()}, POLICY)
    result = validate_json(root)
    assert result.diagnostics == [("content/he/b.md", 1, 1, "translation-unverified")]
    assert "pipeline translate he b --accept" in result.messages["translation-unverified"]
    assert run("translate", "--root", str(root), "he", "b", "--accept").exit_code == 0
    assert validate_json(root, "--strict").diagnostics == []


def test_every_state_is_known(make_site):
    files = {
        **FILES,
        "content/en/c.md": article(),  # missing in Hebrew
        "content/he/gone.md": hebrew(),  # orphaned
        "content/en/d.md": article(),
        "content/he/d.md": "---\ntitle: [broken\n---\n",  # invalid
    }
    root = make_site(files, POLICY)
    run("translate", "--root", str(root), "he", "a")  # a fresh draft: still the English text
    states = {(s.id, s.state) for s in validate(root).states}
    assert states == {("a", "draft"), ("b", "unverified"), ("c", "missing"), ("d", "invalid"), ("gone", "orphaned")}


def test_translate_refuses_what_it_cannot_do(make_site):
    root = make_site({**FILES, "content/en/bad.md": "---\ntitle: [\n---\n"}, POLICY)
    assert run("translate", "--root", str(root), "fr", "a").exit_code == 2
    missing = run("translate", "--root", str(root), "he", "nope")
    assert (missing.exit_code, "no source article content/en/nope.md" in missing.stderr) == (2, True)
    exists = run("translate", "--root", str(root), "he", "b")
    assert (exists.exit_code, "already exists" in exists.stderr) == (2, True)
    broken = run("translate", "--root", str(root), "he", "bad")
    assert broken.exit_code == 1
    assert "content/en/bad.md:3:1: error yaml-syntax" in broken.stdout
    assert not (root / "content/he/bad.md").exists()


def test_structure_differences_are_warnings_at_the_translation_lines(make_site):
    root = make_site(FILES, POLICY)
    run("translate", "--root", str(root), "he", "a")
    text = translated(root / "content/he/a.md")
    text = text.replace("ראו [הכרת תודה](b.md).", "ראו [הכרת תודה](b.md) ו[עוד](https://example.org/).")
    text = text.replace("![לב](/images/heart.svg)\n", "").replace("```\nprint('hi')\n```\n", "")
    (root / "content/he/a.md").write_text(text, encoding="utf-8")
    result = validate_json(root)
    structure = [d for d in result.diagnostics if d[3] == "translation-structure"]
    lines = text.split("\n")
    start, in_practice = lines.index("פסקת פתיחה.") + 1, lines.index("## בפועל") + 1
    assert structure == [
        ("content/he/a.md", start, 1, "translation-structure"),  # a count: at the start of the body
        ("content/he/a.md", 23, 61, "translation-structure"),  # an extra link: at itself
        ("content/he/a.md", in_practice, 1, "translation-structure"),  # a missing image: at its section's heading
    ]
    messages = [d["message"] for d in json.loads(result.stdout)["diagnostics"] if d["code"] == "translation-structure"]
    assert messages == [
        "0 code blocks here, 1 in content/en/a.md",
        "link to 'https://example.org/' is not in content/en/a.md; a translation keeps the source's links",
        "content/en/a.md has an image to '/images/heart.svg' (line 19) that this translation lacks",
    ]


def test_a_missing_link_is_reported_at_its_section_and_the_intro_at_the_start(make_site):
    root = make_site(FILES, POLICY)
    run("translate", "--root", str(root), "he", "a")
    text = translated(root / "content/he/a.md").replace("ראו [הכרת תודה](b.md).", "ראו הכרת תודה.")
    (root / "content/he/a.md").write_text(text, encoding="utf-8")
    lines = text.split("\n")
    assert _structure(root) == [("content/he/a.md", lines.index("## למה זה עובד") + 1, 1, "translation-structure")]
    moved = text.replace("ראו הכרת תודה.", "").replace("## למה זה עובד", "## למה זה עובד\n\nאחת ועוד, ראו [הכרת תודה](b.md).")
    moved = moved.replace("## בפועל", "## בפועל\n\nבלי אחת.")  # the heading counts still agree: sections pair by place
    (root / "content/he/a.md").write_text(moved, encoding="utf-8")
    assert _structure(root) == []
    fewer = text.replace("## בפועל\n", "")  # one heading less: the sections no longer pair, so the start of the body
    (root / "content/he/a.md").write_text(fewer, encoding="utf-8")
    start = fewer.split("\n").index("פסקת פתיחה.") + 1
    assert _structure(root) == [("content/he/a.md", start, 1, "translation-structure")] * 2  # the link, and the count
    messages = sorted(d["message"] for d in json.loads(validate_json(root).stdout)["diagnostics"] if d["code"] == "translation-structure")
    assert messages == [
        "1 heading here, 2 in content/en/a.md",
        "content/en/a.md has a link to 'b.md' (line 15) that this translation lacks",
    ]


def test_a_heading_at_another_level_than_the_source_s_is_reported_at_itself(make_site):
    root = make_site(FILES, POLICY)
    run("translate", "--root", str(root), "he", "a")
    text = translated(root / "content/he/a.md").replace("## בפועל", "#### בפועל")
    (root / "content/he/a.md").write_text(text, encoding="utf-8")
    result = validate_json(root)
    assert result.exit_code == 0  # a warning
    assert _structure(root) == [("content/he/a.md", text.split("\n").index("#### בפועל") + 1, 1, "translation-structure")]
    assert result.messages["translation-structure"] == (
        "heading 'בפועל' is level 4 (####) here, level 2 (##) in content/en/a.md ('In practice', line 17); "
        "a translation keeps the source's heading levels"
    )
    setext = text.replace("#### בפועל", "בפועל\n------")  # the same level as the source's, written another way
    (root / "content/he/a.md").write_text(setext, encoding="utf-8")
    assert _structure(root) == []


def _structure(root) -> list[tuple[str, int, int, str]]:
    return [d for d in validate_json(root).diagnostics if d[3] == "translation-structure"]


def test_translate_and_accept_articles_in_sub_folders(make_site):
    files = {path.replace("/a.md", "/guides/a.md").replace("/b.md", "/guides/b.md"): text for path, text in FILES.items()}
    root = make_site(files, POLICY)
    missing = validate_json(root).messages["translation-missing"]
    assert "content/he/guides/a.md does not exist" in missing  # the translation's place mirrors the source's
    started = run("translate", "--root", str(root), "he", "a")
    assert started.exit_code == 0 and "wrote content/he/guides/a.md" in started.stdout
    translated(root / "content/he/guides/a.md")
    (root / "content/en/guides/a.md").write_text(SOURCE.replace("Dopamine", "Serotonin"), encoding="utf-8")
    accepted = run("translate", "--root", str(root), "he", "content/en/guides/a.md", "--accept")  # a path names its article too
    assert accepted.exit_code == 0, accepted.stderr
    assert "recorded the current en source in content/he/guides/a.md (it was stale: section 'Why it works' changed)" in accepted.stdout
    assert {(s.id, s.state) for s in validate(root).states} >= {("a", "ok")}


def test_accept_all_with_a_dry_run_first(make_site):
    files = {**FILES, "content/en/c.md": article("Cee"), "content/he/c.md": hebrew("סי")}
    root = make_site(files, POLICY)
    before = {p: (root / p).read_text("utf-8") for p in ("content/he/b.md", "content/he/c.md")}
    dry = run("translate", "--root", str(root), "he", "--accept", "--all", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert dry.stdout.splitlines() == [
        "would record the current en source in content/he/b.md (it had no fingerprint)",
        "would record the current en source in content/he/c.md (it had no fingerprint)",
    ]
    assert {p: (root / p).read_text("utf-8") for p in before} == before
    assert run("translate", "--root", str(root), "--accept", "--all").exit_code == 0  # every language
    assert {s.state for s in validate(root).states if s.id in ("b", "c")} == {"ok"}
    again = run("translate", "--root", str(root), "he", "--accept", "--all")
    assert again.stdout == "every translation is up to date; nothing to record\n"
    wrong = run("translate", "--root", str(root), "he", "b", "--dry-run")
    assert wrong.exit_code == 2 and "--dry-run goes with --accept" in wrong.stderr


def test_sections_added_removed_and_moved_are_named(make_site):
    root = make_site(FILES, POLICY)
    run("translate", "--root", str(root), "he", "a")
    body = SOURCE.split("---\n", 2)[2]
    why = body[body.index("## Why it works") : body.index("## In practice")]
    moved = SOURCE.replace(why, "") + "\n" + why.rstrip("\n") + "\n"
    assert moved.count("## Why it works") == 1 and moved.index("## In practice") < moved.index("## Why it works")
    (root / "content/en/a.md").write_text(moved, encoding="utf-8")
    message = validate_json(root).messages["translation-stale"]  # two sections swapped: either one moved, said in words
    assert "section 'In practice' moved before 'Why it works'" in message or "section 'Why it works' moved to the end" in message
    (root / "content/en/a.md").write_text(
        SOURCE.replace("## In practice\n", "## Brand new\n\nNew text.\n\n## In practice\n"), encoding="utf-8"
    )
    assert "section 'Brand new' added" in validate_json(root).messages["translation-stale"]
    (root / "content/en/a.md").write_text(SOURCE.replace(why, ""), encoding="utf-8")
    assert "section 'why-it-works' removed" in validate_json(root).messages["translation-stale"]
