"""Write a synthetic bilingual site: `python benchmarks/corpus.py --pairs N --out DIR` (deterministic, seeded)."""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from pipeline.content.fingerprint import fingerprint
from pipeline.content.markdown import scan
from pipeline.translation.draft import record_lines

ROOT = Path(__file__).resolve().parent.parent
EN_WORDS = [
    "kindness",
    "mental",
    "health",
    "practice",
    "people",
    "research",
    "study",
    "daily",
    "gratitude",
    "volunteering",
    "community",
    "stress",
    "mood",
    "connection",
    "habit",
    "journal",
    "morning",
    "evening",
    "friends",
    "family",
    "moment",
    "simple",
    "small",
    "change",
    "brain",
    "body",
    "calm",
    "focus",
    "support",
    "energy",
    "sleep",
    "walk",
    "notice",
    "share",
    "listen",
    "help",
    "time",
    "week",
    "year",
    "better",
    "together",
    "quiet",
]
HE_WORDS = [
    "טוב",
    "לב",
    "בריאות",
    "הנפש",
    "תרגול",
    "אנשים",
    "מחקר",
    "יומי",
    "הכרת",
    "תודה",
    "התנדבות",
    "קהילה",
    "מתח",
    "מצב",
    "רוח",
    "קשר",
    "הרגל",
    "יומן",
    "בוקר",
    "ערב",
    "חברים",
    "משפחה",
    "רגע",
    "פשוט",
    "קטן",
    "שינוי",
    "מוח",
    "גוף",
    "רוגע",
    "ריכוז",
    "תמיכה",
    "אנרגיה",
    "שינה",
    "הליכה",
    "שמים",
    "לב",
    "שיתוף",
    "הקשבה",
    "עזרה",
    "זמן",
]
LATIN_RUNS = ["dopamine", "oxytocin", "Node.js 20", "C++", "serotonin", "BMC Public Health", "Python 3.12"]
TAGS = ["kindness", "mental-health", "gratitude", "volunteering", "wellbeing"]
SITE_YAML = """base_url: https://example.org/
source_locale: en
locales:
  en: {name: English}
  he: {name: עברית}
targets:
  default: {type: local, path: published}
tags:
  kindness: {en: Kindness, he: טוב לב}
  mental-health: {en: Mental health, he: בריאות הנפש}
  gratitude: {en: Gratitude, he: הכרת תודה}
  volunteering: {en: Volunteering, he: התנדבות}
  wellbeing: {en: Wellbeing, he: רווחה נפשית}
"""


def paragraph(rng: random.Random, words: list[str], n: int, mixed: bool) -> str:
    out = [rng.choice(words) for _ in range(n)]
    if mixed:
        out.insert(rng.randrange(len(out)), rng.choice(LATIN_RUNS))
    return " ".join(out).capitalize() + "."


def body(rng: random.Random, words: list[str], index: int, pairs: int, hebrew: bool) -> str:
    """About 800 words: sections with paragraphs, a list, a code span and links to two other articles."""
    parts = []
    others = [(index + 1) % pairs, (index + 7) % pairs]
    for section in range(4):
        parts.append(f"## {'פרק' if hebrew else 'Section'} {section + 1}")
        for _ in range(3):
            parts.append(paragraph(rng, words, 60, mixed=True))
        if section == 1:
            parts.append("\n".join(f"{n}. **{rng.choice(words)}**: {paragraph(rng, words, 8, mixed=False)}" for n in range(1, 4)))
        if section == 2:
            label = "ראו" if hebrew else "See"
            parts.append(f'{label} [{rng.choice(words)}](a{others[0]}.md), [{rng.choice(words)}](a{others[1]}.md) `print("{index}")`.')
    return "\n\n".join(parts) + "\n"


def article(title: str, summary: str, date: str, tags: list[str], text: str, extra: str = "") -> str:
    return f'---\ntitle: "{title}"\ndate: {date}\nsummary: "{summary}"\nauthor: Noa Levi\ntags: [{", ".join(tags)}]\n{extra}---\n\n{text}'


def pairs_of(pairs: int, seed: int = 7) -> Iterator[tuple[int, str, list[str], tuple[str, str, str], tuple[str, str, str]]]:
    """(index, date, tags, (English title, summary, body), (Hebrew title, summary, body)) of each pair, seeded."""
    rng = random.Random(seed)
    for index in range(pairs):
        date = f"20{10 + index % 15:02d}-{1 + index % 12:02d}-{1 + index % 28:02d}"
        tags = sorted(rng.sample(TAGS, 2))
        en_body = body(rng, EN_WORDS, index, pairs, hebrew=False)
        en = (f"Article {index}: {rng.choice(EN_WORDS)}", paragraph(rng, EN_WORDS, 20, False), en_body)
        he_title = f"מאמר {index}: {rng.choice(HE_WORDS)}"
        he_summary = paragraph(rng, HE_WORDS, 20, False)
        yield index, date, tags, en, (he_title, he_summary, body(rng, HE_WORDS, index, pairs, hebrew=True))


def write(pairs: int, out: Path, seed: int = 7) -> None:
    """The native corpus: site.yaml, the sample site's catalogs, content/en and content/he with fingerprints recorded."""
    shutil.rmtree(out, ignore_errors=True)
    (out / "content/en").mkdir(parents=True)
    (out / "content/he").mkdir(parents=True)
    (out / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    shutil.copytree(ROOT / "locales", out / "locales", ignore=shutil.ignore_patterns("*.mo"))
    for index, date, tags, (en_title, en_summary, en_body), (he_title, he_summary, he_body) in pairs_of(pairs, seed):
        en_text = article(en_title, en_summary, date, tags, en_body)
        (out / f"content/en/a{index}.md").write_text(en_text, encoding="utf-8")
        body_line = en_text.count("\n", 0, en_text.index("\n---\n") + 4) + 1
        printed = fingerprint(en_title, en_summary, "\n" + en_body, scan("\n" + en_body, body_line).headings, body_line)
        record = "\n".join(record_lines(printed)) + "\n"
        he_text = article(he_title, he_summary, date, tags, he_body, record)
        (out / f"content/he/a{index}.md").write_text(he_text, encoding="utf-8")


HUGO_TOML = """baseURL = "https://example.org/"
defaultContentLanguage = "en"

[languages.en]
  contentDir = "content/en"
  languageName = "English"
  weight = 1

[languages.he]
  contentDir = "content/he"
  languageName = "עברית"
  languageDirection = "rtl"
  weight = 2
"""
TAG_NAMES = {
    "kindness": ("Kindness", "טוב לב"),
    "mental-health": ("Mental health", "בריאות הנפש"),
    "gratitude": ("Gratitude", "הכרת תודה"),
    "volunteering": ("Volunteering", "התנדבות"),
    "wellbeing": ("Wellbeing", "רווחה נפשית"),
}


def write_hugo(pairs: int, out: Path, seed: int = 7) -> None:
    """The same corpus as a Hugo site: TOML front matter, tags by name, links as ref/relref shortcodes, committed to git."""
    shutil.rmtree(out, ignore_errors=True)
    (out / "content/en").mkdir(parents=True)
    (out / "content/he").mkdir(parents=True)
    (out / "hugo.toml").write_text(HUGO_TOML, encoding="utf-8")
    for index, date, tags, en, he in pairs_of(pairs, seed):
        for lang, (title, summary, text), names, code in (("en", en, 0, "ref"), ("he", he, 1, "relref")):
            shown = ", ".join(json.dumps(TAG_NAMES[tag][names], ensure_ascii=False) for tag in tags)
            front = (
                f"title = {json.dumps(title, ensure_ascii=False)}\ndate = {date}\ndescription = {json.dumps(summary, ensure_ascii=False)}\n"
            )
            front += f'author = "Noa Levi"\ntags = [{shown}]\n'
            linked = re.sub(r"\]\((a\d+)\.md\)", lambda m, c=code: "](" + "{{< " + c + f' "{m[1]}" ' + ">}})", text)
            (out / f"content/{lang}/a{index}.md").write_text(f"+++\n{front}+++\n\n{linked}", encoding="utf-8")
    env = {**os.environ, "GIT_AUTHOR_NAME": "corpus", "GIT_AUTHOR_EMAIL": "corpus@example.org", "GIT_COMMITTER_NAME": "corpus"}
    env |= {
        "GIT_COMMITTER_EMAIL": "corpus@example.org",
        "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z",
        "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z",
    }
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "corpus"]):
        subprocess.run(["git", "-C", str(out), *command], check=True, capture_output=True, env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hugo", action="store_true", help="Write the same corpus as a Hugo site (for `pipeline import hugo`).")
    args = parser.parse_args()
    (write_hugo if args.hugo else write)(args.pairs, args.out, args.seed)
    print(f"wrote {args.pairs} article pairs into {args.out}" + (" as a Hugo site" if args.hugo else ""))


if __name__ == "__main__":
    main()
