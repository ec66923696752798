"""The catalog checks against GNU `msgfmt -c` (the same verdict on injected faults) and on real Hebrew catalogs (Django's)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest
from conftest import run

HEADER = (
    'msgid ""\n'
    'msgstr ""\n'
    '"Language: he\\n"\n'
    '"MIME-Version: 1.0\\n"\n'
    '"Content-Type: text/plain; charset=UTF-8\\n"\n'
    '"Content-Transfer-Encoding: 8bit\\n"\n'
    '"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n==2 ? 1 : 2);\\n"\n'
    "\n"
)  # eight lines: an entry's flags are on line 9, its msgid on line 10

# fault -> (the entry, or the whole file as bytes; whether msgfmt -c refuses it; whether we do)
# The README's "Catalogs and msgfmt" table is this one.
CASES: dict[str, tuple[str | bytes, bool, bool]] = {
    "named placeholder translated": ('#, python-format\nmsgid "By %(author)s"\nmsgstr "מאת %(מחבר)s"\n', True, True),
    "named placeholder dropped": ('#, python-format\nmsgid "By %(author)s"\nmsgstr "מאת"\n', True, True),
    "conversion missing": ('#, python-format\nmsgid "On %(date)s"\nmsgstr "ב־%(date)"\n', True, True),
    "bare percent": ('#, python-format\nmsgid "100%% of %(n)d"\nmsgstr "100% מתוך %(n)d"\n', True, True),
    "conversion changed": ('#, python-format\nmsgid "Page %(page)d"\nmsgstr "עמוד %(page)s"\n', True, True),
    "positional count": ('#, python-format\nmsgid "%s of %s"\nmsgstr "%s"\n', True, True),
    "positional type": ('#, python-format\nmsgid "%s has %d"\nmsgstr "%s יש %s"\n', True, True),
    "named for positional": ('#, python-format\nmsgid "%s items"\nmsgstr "%(n)s פריטים"\n', True, True),
    "brace field renamed": ('#, python-brace-format\nmsgid "Hello {name}"\nmsgstr "שלום {nam}"\n', True, True),
    "brace attribute access": ('#, python-brace-format\nmsgid "Hello {name}"\nmsgstr "שלום {name.__class__}"\n', True, True),
    "newline at the end": ('msgid "Line\\n"\nmsgstr "שורה"\n', True, True),
    "newline at the start": ('msgid "Line"\nmsgstr "\\nשורה"\n', True, True),
    "byte order mark": (b"\xef\xbb\xbf" + (HEADER + 'msgid "A"\nmsgstr "א"\n').encode(), True, True),
    "charset disagrees": ((HEADER + 'msgid "A"\nmsgstr "א"\n').replace("UTF-8", "ASCII").encode(), True, True),
    "unbalanced Plural-Forms": (HEADER.replace("(n==1 ? 0", "((n==1 ? 0").encode() + b'msgid "A"\nmsgstr "\xd7\x90"\n', True, True),
    "plural form missing": ('msgid "%(n)d file"\nmsgid_plural "%(n)d files"\nmsgstr[0] "קובץ"\nmsgstr[1] "שני קבצים"\n', True, True),
    "unknown escape (a Windows path)": ('msgid "Folder"\nmsgstr "התיקייה C:\\Users"\n', True, True),
    "unicode escape (as JSON writes it)": ('msgid "A"\nmsgstr "\\u05d0"\n', True, True),
    # what only we refuse: a width that prints gigabytes, a huge nplurals, an octal escape (Babel would show it as written)
    "octal escape": ('msgid "A"\nmsgstr "\\101"\n', False, True),
    "huge width": ('#, python-format\nmsgid "%(n)d"\nmsgstr "%(n)999999999d"\n', False, True),
    "huge nplurals": (HEADER.replace("nplurals=3", "nplurals=99999").encode() + b'msgid "A"\nmsgstr "\xd7\x90"\n', False, True),
    # valid entries both accept
    "positional kept": ('#, python-format\nmsgid "%s of %d"\nmsgstr "%s מתוך %d"\n', False, False),
    "positional reordered named": ('#, python-format\nmsgid "%(a)s and %(b)s"\nmsgstr "%(b)s ו־%(a)s"\n', False, False),
    "C escapes": ('msgid "Tab\\tthen \\"quoted\\" \\\\"\nmsgstr "טאב\\tואז \\"במרכאות\\" \\\\"\n', False, False),
    "javascript-format": ('#, javascript-format\nmsgid "%s selected"\nmsgstr "%s נבחרו"\n', False, False),
    "no-python-format": ('#, no-python-format\nmsgid "100% sure"\nmsgstr "בטוח ב־100%"\n', False, False),
    "one-form plural spells the number": (
        '#, python-format\nmsgid "%(n)d file"\nmsgid_plural "%(n)d files"\nmsgstr[0] "קובץ אחד"\nmsgstr[1] "שני קבצים"\nmsgstr[2] "%(n)d קבצים"\n',
        False,
        False,
    ),
}


def msgfmt_refuses(path: Path) -> bool:
    return subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(path)], check=False, capture_output=True).returncode != 0


def errors(*args: str) -> list[dict]:
    result = run("i18n", "check", "--format", "json", *args)
    return [d for d in json.loads(result.stdout)["diagnostics"] if d["severity"] == "error"]


@pytest.mark.parametrize("name", CASES)
def test_the_same_verdict_as_msgfmt_on_injected_faults(tmp_path, name):
    content, gnu, ours = CASES[name]
    path = tmp_path / "he" / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    path.write_bytes(content if isinstance(content, bytes) else (HEADER + content).encode("utf-8"))
    assert msgfmt_refuses(path) is gnu
    found = errors(str(path))
    assert bool(found) is ours, found
    assert all(d["line"] <= 11 for d in found)  # at the header or the entry


def django_catalogs() -> list[Path]:
    spec = importlib.util.find_spec("django")
    assert spec is not None and spec.submodule_search_locations, "Django is a test extra (its Hebrew catalogs)"
    return sorted(Path(next(iter(spec.submodule_search_locations))).glob("**/locale/he/LC_MESSAGES/*.po"))


ENTRY_CODES = {"catalog-placeholder", "catalog-percent", "catalog-format", "catalog-newline", "catalog-markup", "catalog-syntax"}


def test_djangos_hebrew_catalogs_read_without_a_false_format_error():
    catalogs = django_catalogs()
    assert len(catalogs) >= 10
    for path in catalogs:
        found = errors(str(path))
        assert not [d for d in found if d["code"] in ENTRY_CODES or d["code"] == "catalog-encoding"], (path, found)
        counted = any(d["code"] == "catalog-plural-forms" for d in found)
        assert counted is msgfmt_refuses(path), path  # msgfmt: "nplurals = 4 ... but some messages have only 3 plural forms"


def test_an_escape_gettext_does_not_know_is_located_at_its_backslash(tmp_path):
    path = tmp_path / "he" / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    path.write_text(HEADER + 'msgid "Folder"\nmsgstr "התיקייה C:\\Users"\n', encoding="utf-8")
    found = errors(str(path))
    assert [(d["line"], d["column"], d["code"]) for d in found] == [(10, 19, "catalog-syntax")]  # msgstr "התיקייה C: is 18 characters
    assert "'\\U' is not an escape gettext knows" in found[0]["message"]


def test_a_catalog_saved_in_windows_1255_is_located_where_msgfmt_says_and_named(tmp_path):
    path = tmp_path / "he" / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    path.write_bytes((HEADER + 'msgid "Folder"\nmsgstr "התיקייה"\n').encode("cp1255"))  # the header still says UTF-8
    gnu = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(path)], check=False, capture_output=True, text=True).stderr
    assert f"{path}:10:9: invalid multibyte sequence" in gnu.splitlines()[0]  # msgstr "ה: the first letter, column 9
    found = errors(str(path))
    assert [(d["line"], d["column"], d["code"]) for d in found] == [(10, 9, "encoding-invalid")]
    assert found[0]["message"].endswith(
        "it reads as Hebrew saved in Windows-1255, an older Windows encoding: reopen it in that encoding, then save it as UTF-8"
    )
