"""The interface-string workflow: extract, init, update, compile and check, and Hebrew plurals at run time."""

from __future__ import annotations

import gettext
import io
import json
import re
import shutil
from pathlib import Path

import jinja2
from babel import Locale, localedata
from babel.messages.pofile import read_po
from babel.plural import to_gettext
from conftest import run

from pipeline.catalogs import i18n as catalogs
from pipeline.catalogs import runtime
from pipeline.catalogs.plurals import SAMPLE, plural_forms

ROOT = Path(__file__).resolve().parent.parent
POT = "locales/messages.pot"
HE_PO = "locales/he/LC_MESSAGES/messages.po"
HE_PLURALS = '"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n==2 ? 1 : 2);\\n"'
MINUTES = 'msgid "%(num)d minute read"\nmsgid_plural "%(num)d minutes read"\n'


def i18n(*args: str, root: Path):
    return run("i18n", *args, "--root", str(root))


def check(root: Path, *args: str):
    return run("i18n", "check", "--root", str(root), "--format", "json", *args)


def only(templates: dict[str, str]) -> dict[str, str]:
    """Site files whose templates override every theme template, so only these strings are extracted."""
    theme = {f"templates/{path.relative_to(catalogs.THEME).as_posix()}": "" for path in catalogs.THEME.rglob("*.html")}
    return theme | templates


def po_entry(text: str, msgid: str) -> str:
    """The block of one entry of a PO file, from its comments to its last msgstr line."""
    blocks = text.split("\n\n")
    return next(block for block in blocks if f'msgid "{msgid}"' in block)


def test_extract_writes_sorted_messages_with_references_comments_and_contexts(make_site):
    override = '{# Translators: shown when a page is missing. #}\n<h1>{{ _("Nothing here") }}</h1>\n<p>{{ pgettext("menu", "Home") }}</p>\n'
    root = make_site({"templates/404.html": override})
    result = i18n("extract", root=root)
    assert result.exit_code == 0 and f"wrote {POT}" in result.stdout
    pot = (root / POT).read_text("utf-8")
    assert '"POT-Creation-Date: ' in pot and '"Project-Id-Version: pipeline ' in pot
    assert po_entry(pot, "Nothing here") == '#. shown when a page is missing.\n#: templates/404.html:2\nmsgid "Nothing here"\nmsgstr ""'
    assert '#: templates/404.html:3\nmsgctxt "menu"\nmsgid "Home"' in pot
    assert re.search(r'#: pipeline/theme/templates/base\.html:\d+\nmsgctxt "navigation"\nmsgid "Home"', pot)
    assert re.search(r'#: pipeline/theme/templates/base\.html:\d+\nmsgid "Skip to content"', pot)
    assert "The page you were looking for does not exist." not in pot  # the theme's 404.html is overridden
    minutes = po_entry(pot, "%(num)d minute read")
    assert minutes.startswith("#. how long the article takes to read; %(num)d is the number of minutes.\n")
    assert minutes.endswith(
        '#, python-format\nmsgid "%(num)d minute read"\nmsgid_plural "%(num)d minutes read"\nmsgstr[0] ""\nmsgstr[1] ""'
    )
    keys = [(m.id if isinstance(m.id, str) else m.id[0], m.context or "") for m in read_po(io.StringIO(pot)) if m.id]
    assert keys == sorted(keys) and len(keys) > 15


def test_extract_is_deterministic(make_site):
    root = make_site({"templates/extra.html": '{{ _("One more") }}\n'})
    assert i18n("extract", root=root).exit_code == 0
    first = (root / POT).read_bytes()
    again = i18n("extract", root=root)
    assert again.exit_code == 0 and f"unchanged: {POT}" in again.stdout
    assert (root / POT).read_bytes() == first


def test_a_template_change_without_extract_fails_check_naming_the_message(make_site):
    root = make_site({"templates/extra.html": '{{ _("One more") }}\n'})
    assert i18n("extract", root=root).exit_code == 0
    assert check(root).diagnostics == []
    (root / "templates/extra.html").write_text('<p>\n{{ _("Two more") }}\n</p>\n', "utf-8")
    result = check(root)
    assert result.exit_code == 1
    line = (root / POT).read_text("utf-8").split("\n").index('msgid "One more"') + 1
    assert result.diagnostics == [(POT, 1, 1, "catalog-outdated"), (POT, line, 1, "catalog-outdated")]
    messages = [d["message"] for d in json.loads(result.stdout)["diagnostics"]]
    assert messages == [
        "'Two more' (templates/extra.html:2) is in the templates and code but not in locales/messages.pot; run `pipeline i18n extract`",
        "'One more' is no longer in the templates and code; run `pipeline i18n extract`",
    ]
    text = run("i18n", "check", "--root", str(root))
    assert f"{POT}:1:1: error catalog-outdated: 'Two more'" in text.stdout
    assert i18n("extract", root=root).exit_code == 0
    assert check(root).exit_code == 0


def test_i18n_commands_need_a_site(tmp_path):
    result = run("i18n", "check", "--root", str(tmp_path))
    assert result.exit_code == 2 and "no site.yaml" in result.stderr


def test_a_missing_template_fails_check(make_site):
    root = make_site({})
    result = check(root)
    assert result.exit_code == 1 and result.diagnostics == [(POT, 1, 1, "catalog-outdated")]


def test_a_broken_site_template_is_reported_with_its_line(make_site):
    root = make_site({"templates/extra.html": "<p>\n{{ _('x') \n"})
    result = i18n("extract", root=root)
    assert result.exit_code == 1
    assert "templates/extra.html:2:1: error catalog-source: template syntax error" in result.stdout
    assert not (root / POT).exists()


def test_init_he_writes_the_cldr_plural_header_and_refuses_to_overwrite(make_site):
    root = make_site({})
    assert i18n("init", "he", root=root).exit_code == 2  # no template yet
    assert i18n("extract", root=root).exit_code == 0
    result = i18n("init", "he", root=root)
    assert result.exit_code == 0 and f"created {HE_PO}" in result.stdout
    text = (root / HE_PO).read_text("utf-8")
    assert HE_PLURALS in text.split("\n")
    assert '"Language: he\\n"' in text and '"Content-Type: text/plain; charset=utf-8\\n"' in text
    assert po_entry(text, "%(num)d minute read").endswith(MINUTES + 'msgstr[0] ""\nmsgstr[1] ""\nmsgstr[2] ""')
    again = i18n("init", "he", root=root)
    assert again.exit_code == 2 and "already exists" in again.stderr
    assert (root / HE_PO).read_text("utf-8") == text
    unknown = i18n("init", "xx-nowhere", root=root)
    assert unknown.exit_code == 2 and "not a language CLDR knows" in unknown.stderr


def test_plural_headers_pick_the_cldr_category_of_every_whole_number_in_every_language():
    wrong = []
    for lang in sorted({code.split("_")[0] for code in localedata.locale_identifiers()}):
        locale = Locale.parse(lang)
        forms = plural_forms(locale)
        index = forms.index()
        used = {locale.plural_form(n) for n in SAMPLE}
        categories = [tag for tag in ("zero", "one", "two", "few", "many") if tag in used] + ["other"]
        if forms.count != len(categories) or any(categories[index(n)] != locale.plural_form(n) for n in SAMPLE):
            wrong.append(lang)
    assert wrong == []


def test_the_hebrew_header_is_exactly_one_two_other():
    hebrew = plural_forms(Locale.parse("he"))
    assert hebrew.header == "nplurals=3; plural=(n==1 ? 0 : n==2 ? 1 : 2);"
    count, expression = re.fullmatch(r"nplurals=(\d+); plural=(.*);", to_gettext(Locale.parse("he").plural_form)).groups()
    assert hebrew.agrees(int(count), expression)  # Babel's CLDR rule, normalised to how gettext tools write it
    assert plural_forms(Locale.parse("en")).header == "nplurals=2; plural=(n==1 ? 0 : 1);"


def test_update_keeps_translator_comments_marks_changed_strings_fuzzy_and_keeps_removed_ones_obsolete(make_site):
    root = make_site({"templates/extra.html": '{{ _("Read the whole story") }}\n{{ _("Goodbye") }}\n'})
    assert i18n("extract", root=root).exit_code == 0
    assert i18n("init", "he", root=root).exit_code == 0
    po = root / HE_PO
    text = po.read_text("utf-8")
    text = text.replace('msgid "Read the whole story"\nmsgstr ""', 'msgid "Read the whole story"\nmsgstr "לקריאת הסיפור המלא"')
    text = text.replace('#: templates/extra.html:1\nmsgid "Read', '# keep it short: it is a button\n#: templates/extra.html:1\nmsgid "Read')
    text = text.replace('msgid "Goodbye"\nmsgstr ""', 'msgid "Goodbye"\nmsgstr "להתראות"')
    po.write_text(text, "utf-8")
    (root / "templates/extra.html").write_text('{{ _("Read the whole story now") }}\n', "utf-8")
    assert i18n("extract", root=root).exit_code == 0
    result = i18n("update", root=root)
    assert result.exit_code == 0 and f"updated {HE_PO}" in result.stdout
    updated = po.read_text("utf-8")
    assert po_entry(updated, "Read the whole story now") == (
        "# keep it short: it is a button\n"
        "#: templates/extra.html:1\n"
        "#, fuzzy\n"
        '#| msgid "Read the whole story"\n'
        'msgid "Read the whole story now"\n'
        'msgstr "לקריאת הסיפור המלא"'
    )
    assert updated.endswith('#~ msgid "Goodbye"\n#~ msgstr "להתראות"\n\n')
    assert HE_PLURALS in updated.split("\n")
    again = i18n("update", root=root)
    assert "every catalog is up to date" in again.stdout and po.read_text("utf-8") == updated
    result = check(root)
    line = updated.split("\n").index('msgid "Read the whole story now"') + 1
    assert (HE_PO, line, 1, "catalog-fuzzy") in result.diagnostics and result.exit_code == 0


def test_update_moves_translations_made_under_babels_two_form_hebrew_rule(make_site):
    root = make_site({})
    assert i18n("extract", root=root).exit_code == 0
    assert i18n("init", "he", root=root).exit_code == 0
    po = root / HE_PO
    text = po.read_text("utf-8").replace(HE_PLURALS, '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"')
    old = MINUTES + 'msgstr[0] ""\nmsgstr[1] ""\nmsgstr[2] ""'
    text = text.replace(old, MINUTES + 'msgstr[0] "דקת קריאה אחת"\nmsgstr[1] "%(num)d דקות קריאה"')
    po.write_text(text, "utf-8")
    line = text.split("\n").index('"Plural-Forms: nplurals=2; plural=(n != 1);\\n"') + 1
    assert (HE_PO, line, 1, "catalog-plural-header") in check(root).diagnostics
    assert i18n("update", root=root).exit_code == 0
    updated = po.read_text("utf-8")
    assert HE_PLURALS in updated.split("\n")
    assert po_entry(updated, "%(num)d minute read").endswith(
        "#, fuzzy, python-format\n" + MINUTES + 'msgstr[0] "דקת קריאה אחת"\nmsgstr[1] "%(num)d דקות קריאה"\nmsgstr[2] "%(num)d דקות קריאה"'
    )
    assert not [d for d in check(root).diagnostics if d[3] == "catalog-plural-header"]


def test_check_works_with_msgctxt_entries(make_site):
    template = '{{ pgettext("verb", "Share") }}\n{{ pgettext("noun", "Share") }}\n{{ npgettext("comments", "%(num)d reply", "%(num)d replies", n) }}\n'
    root = make_site(only({"templates/extra.html": template}))
    assert i18n("extract", root=root).exit_code == 0
    assert i18n("init", "he", root=root).exit_code == 0
    po = root / HE_PO
    text = po.read_text("utf-8")
    text = text.replace('msgctxt "verb"\nmsgid "Share"\nmsgstr ""', 'msgctxt "verb"\nmsgid "Share"\nmsgstr "שיתוף"')
    text = text.replace('msgctxt "noun"\nmsgid "Share"\nmsgstr ""', 'msgctxt "noun"\nmsgid "Share"\nmsgstr "שיתוף"')
    po.write_text(text, "utf-8")
    reply = text.split("\n").index('msgid "%(num)d reply"') + 1
    assert check(root).diagnostics == [(HE_PO, reply, 1, "catalog-untranslated")]
    (root / "templates/extra.html").write_text(template.replace('"noun", "Share"', '"noun", "Shares"'), "utf-8")
    outdated = check(root)
    assert outdated.exit_code == 1
    assert [d["message"].split(" is ")[0] for d in json.loads(outdated.stdout)["diagnostics"] if d["code"] == "catalog-outdated"] == [
        "'Shares' (context 'noun') (templates/extra.html:2)",
        "'Share' (context 'noun')",
    ]


def write_hebrew_minutes(root: Path) -> None:
    (root / HE_PO).parent.mkdir(parents=True, exist_ok=True)
    (root / HE_PO).write_text(
        'msgid ""\nmsgstr ""\n"Language: he\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        + HE_PLURALS
        + "\n\n"
        + MINUTES
        + 'msgstr[0] "דקת קריאה אחת"\nmsgstr[1] "שתי דקות קריאה"\nmsgstr[2] "%(num)d דקות קריאה"\n\n'
        + '#, fuzzy\nmsgid "Feed"\nmsgstr "הזנה"\n\nmsgid "Languages"\nmsgstr "שפות"\n',
        "utf-8",
    )


def render_minutes(root: Path, lang: str) -> list[str]:
    env = jinja2.Environment(autoescape=True)
    runtime.install(env, runtime.translations(root, lang))
    template = env.from_string('{{ ngettext("%(num)d minute read", "%(num)d minutes read", n) }}')
    return [template.render(n=n) for n in (1, 2, 3, 11)]


HEBREW_MINUTES = ["דקת קריאה אחת", "שתי דקות קריאה", "3 דקות קריאה", "11 דקות קריאה"]


def test_hebrew_plurals_render_one_two_other_through_jinja_from_the_po(make_site):
    root = make_site({})
    write_hebrew_minutes(root)
    assert render_minutes(root, "he") == HEBREW_MINUTES
    assert render_minutes(root, "en") == ["1 minute read", "2 minutes read", "3 minutes read", "11 minutes read"]


def test_compile_writes_a_mo_that_gettext_reads_back_without_fuzzy_strings(make_site):
    root = make_site({})
    write_hebrew_minutes(root)
    result = i18n("compile", root=root)
    assert result.exit_code == 0 and "wrote locales/he/LC_MESSAGES/messages.mo" in result.stdout
    with (root / "locales/he/LC_MESSAGES/messages.mo").open("rb") as fileobj:
        compiled = gettext.GNUTranslations(fileobj)
    assert compiled.gettext("Languages") == "שפות"
    assert compiled.gettext("Feed") == "Feed"  # fuzzy: left out
    assert [compiled.ngettext("%(num)d minute read", "%(num)d minutes read", n) for n in (1, 2, 3)] == [
        "דקת קריאה אחת",
        "שתי דקות קריאה",
        "%(num)d דקות קריאה",
    ]
    (root / HE_PO).unlink()  # the renderer now reads the compiled catalog
    assert render_minutes(root, "he") == HEBREW_MINUTES


def test_compile_reports_a_catalog_with_errors_and_writes_no_mo(make_site):
    root = make_site({})
    write_hebrew_minutes(root)
    text = (root / HE_PO).read_text("utf-8").replace('msgstr "שפות"', 'msgstr "50% שפות"')
    (root / HE_PO).write_text(text, "utf-8")
    result = i18n("compile", root=root)
    line = text.split("\n").index('msgid "Languages"') + 1
    assert result.exit_code == 1
    assert f"{HE_PO}:{line}:1: error catalog-percent:" in result.stdout
    assert not (root / "locales/he/LC_MESSAGES/messages.mo").exists()


def test_check_in_github_format_annotates_the_po_line(make_site):
    root = make_site({})
    write_hebrew_minutes(root)
    result = run("i18n", "check", "--root", str(root), "--format", "github")
    line = (root / HE_PO).read_text("utf-8").split("\n").index('msgid "Feed"') + 1
    assert f"::warning file={HE_PO},line={line},col=1,title=catalog-fuzzy::'Feed' is marked fuzzy" in result.stdout


def test_the_sample_site_catalogs_pass_check_strict_and_extract_is_byte_stable(tmp_path):
    result = run("i18n", "check", "--strict", "--root", str(ROOT))
    assert result.exit_code == 0, result.stdout
    assert result.stdout == "" and "checked 2 catalog files: 0 errors, 0 warnings" in result.stderr
    copy = tmp_path / "site"
    shutil.copytree(ROOT / "locales", copy / "locales", ignore=shutil.ignore_patterns("*.mo"))
    shutil.copy(ROOT / "site.yaml", copy / "site.yaml")
    if (ROOT / "templates").is_dir():
        shutil.copytree(ROOT / "templates", copy / "templates")
    assert i18n("extract", root=copy).exit_code == 0
    extracted = (copy / POT).read_bytes()
    assert "unchanged" in i18n("extract", root=copy).stdout and (copy / POT).read_bytes() == extracted
    # up to the templates' line numbers and its date, the committed template is what extract makes
    # (after editing a template: `pipeline i18n extract && pipeline i18n update` refreshes both files)
    assert _without_lines(extracted.decode()) == _without_lines((ROOT / POT).read_text("utf-8"))


def _without_lines(pot: str) -> str:
    pot = re.sub(r'"POT-Creation-Date: [^"]*"', "", pot)
    return re.sub(r"(?m)^(#:.*)$", lambda m: re.sub(r":\d+", "", m.group(1)), pot)
