"""Write a synthetic bilingual site: `python benchmarks/corpus.py --pairs N --out DIR` (deterministic, seeded)."""

from __future__ import annotations

import argparse
import random
import shutil
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


def write(pairs: int, out: Path, seed: int = 7) -> None:
    rng = random.Random(seed)
    shutil.rmtree(out, ignore_errors=True)
    (out / "content/en").mkdir(parents=True)
    (out / "content/he").mkdir(parents=True)
    (out / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    shutil.copytree(ROOT / "locales", out / "locales", ignore=shutil.ignore_patterns("*.mo"))
    for index in range(pairs):
        date = f"20{10 + index % 15:02d}-{1 + index % 12:02d}-{1 + index % 28:02d}"
        tags = sorted(rng.sample(TAGS, 2))
        en_body = body(rng, EN_WORDS, index, pairs, hebrew=False)
        en_title, en_summary = f"Article {index}: {rng.choice(EN_WORDS)}", paragraph(rng, EN_WORDS, 20, False)
        en_text = article(en_title, en_summary, date, tags, en_body)
        (out / f"content/en/a{index}.md").write_text(en_text, encoding="utf-8")
        body_line = en_text.count("\n", 0, en_text.index("\n---\n") + 4) + 1
        printed = fingerprint(en_title, en_summary, "\n" + en_body, scan("\n" + en_body, body_line).headings, body_line)
        record = "\n".join(record_lines(printed)) + "\n"
        he_text = article(
            f"מאמר {index}: {rng.choice(HE_WORDS)}",
            paragraph(rng, HE_WORDS, 20, False),
            date,
            tags,
            body(rng, HE_WORDS, index, pairs, hebrew=True),
            record,
        )
        (out / f"content/he/a{index}.md").write_text(he_text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    write(args.pairs, args.out, args.seed)
    print(f"wrote {args.pairs} article pairs into {args.out}")


if __name__ == "__main__":
    main()
