"""`pipeline i18n check` on hand-written Hebrew catalogs: every problem with the .po path and the entry's line."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run
from test_i18n import HE_PO, only

HEADER = (
    "# Hebrew translations.\n"
    'msgid ""\n'
    'msgstr ""\n'
    '"Language: he\\n"\n'
    '"Content-Type: text/plain; charset=UTF-8\\n"\n'
    '"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n==2 ? 1 : 2);\\n"\n'
    "\n"
)  # seven lines: the first entry starts on line 8


def catalog_site(make_site, template: str, entries: str | bytes, header: str = HEADER, po: str = HE_PO) -> Path:
    """A site whose only strings are those of `template`, extracted, with a catalog of `entries`."""
    root = make_site(only({"templates/strings.html": template}))
    assert run("i18n", "extract", "--root", str(root)).exit_code == 0
    path = root / po
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(entries if isinstance(entries, bytes) else (header + entries).encode("utf-8"))
    return root


def check(root: Path, *args: str):
    return run("i18n", "check", "--root", str(root), "--format", "json", *args)


def messages(result) -> list[str]:
    return [d["message"] for d in json.loads(result.stdout)["diagnostics"]]


def test_a_sound_catalog_passes(make_site):
    entries = 'msgid "Hello %(name)s"\nmsgstr "שלום, %(name)s"\n'
    root = catalog_site(make_site, '{{ _("Hello %(name)s", name=n) }}\n', entries)
    result = check(root, "--strict")
    assert result.exit_code == 0 and result.diagnostics == []


def test_placeholders_missing_or_extra_in_either_style(make_site):
    template = '{{ _("Hello %(name)s", name=n) }}\n{{ _("Open {page}") }}\n'
    entries = 'msgid "Hello %(name)s"\nmsgstr "שלום"\n\nmsgid "Open {page}"\nmsgstr "פתיחת {pages} של %(name)s"\n'
    result = check(catalog_site(make_site, template, entries))
    assert result.exit_code == 1
    assert result.diagnostics == [
        (HE_PO, 8, 1, "catalog-placeholder"),
        (HE_PO, 11, 1, "catalog-placeholder"),  # {pages}, which the msgid does not have
        (HE_PO, 11, 1, "catalog-placeholder"),  # {page}, which it lacks
        (HE_PO, 11, 1, "catalog-placeholder"),  # %(name)s: templates %-format every string
    ]
    assert messages(result) == [
        "'Hello %(name)s': msgstr lacks %(name)s; keep every placeholder of the msgid",
        "'Open {page}': msgstr has %(name)s, which the msgid does not; nothing fills it in",
        "'Open {page}': msgstr has {pages}, which the msgid does not; nothing fills it in",
        "'Open {page}': msgstr lacks {page}; keep every placeholder of the msgid",
    ]


def test_hebrew_one_and_two_may_spell_the_number_out_but_other_may_not(make_site):
    template = '{{ ngettext("%(num)d comment", "%(num)d comments", n) }}\n'
    entries = (
        'msgid "%(num)d comment"\nmsgid_plural "%(num)d comments"\nmsgstr[0] "תגובה אחת"\nmsgstr[1] "שתי תגובות"\nmsgstr[2] "הרבה תגובות"\n'
    )
    result = check(catalog_site(make_site, template, entries))
    assert result.diagnostics == [(HE_PO, 8, 1, "catalog-placeholder")]
    assert messages(result) == ["'%(num)d comment': msgstr[2] lacks %(num)d; keep every placeholder of the msgid"]


def test_a_percent_sign_that_newstyle_gettext_would_choke_on(make_site):
    template = '{{ _("Saved %(amount)s") }}\n{{ _("Done") }}\n{{ _("Half") }}\n'
    entries = (
        'msgid "Saved %(amount)s"\nmsgstr "נחסכו %(amount)s%"\n\n'  # line 8
        'msgid "Done"\nmsgstr "הושלם 100% מהעבודה"\n\n'  # line 11
        'msgid "Half"\nmsgstr "הושלמו 50%% מהעבודה"\n'  # line 14: %% is a percent sign
    )
    result = check(catalog_site(make_site, template, entries))
    assert result.diagnostics == [(HE_PO, 8, 1, "catalog-percent"), (HE_PO, 11, 1, "catalog-percent")]
    assert (
        messages(result)[1] == "'Done': msgstr is not a valid Python format string: '% ' at character 10 starts no directive; "
        "write %(name)s, %(name)d … for a value, or '%%' for a percent sign"
    )


def test_plural_entries_need_one_form_each_and_none_empty(make_site):
    template = (
        '{{ ngettext("%(num)d day", "%(num)d days", n) }}\n'
        '{{ ngettext("%(num)d week", "%(num)d weeks", n) }}\n'
        '{{ ngettext("%(num)d year", "%(num)d years", n) }}\n'
    )
    entries = (
        'msgid "%(num)d day"\nmsgid_plural "%(num)d days"\nmsgstr[0] "יום אחד"\nmsgstr[1] "%(num)d ימים"\n\n'  # line 8
        'msgid "%(num)d week"\nmsgid_plural "%(num)d weeks"\nmsgstr[0] "שבוע אחד"\nmsgstr[1] ""\nmsgstr[2] "%(num)d שבועות"\n\n'  # line 13
        'msgid "%(num)d year"\nmsgid_plural "%(num)d years"\nmsgstr[0] "שנה אחת"\nmsgstr[1] "שנתיים"\n'
        'msgstr[2] "%(num)d שנים"\nmsgstr[3] "%(num)d שנים"\n'  # line 19: one form too many
    )
    result = check(catalog_site(make_site, template, entries))
    assert result.diagnostics == [
        (HE_PO, 8, 1, "catalog-plural-forms"),
        (HE_PO, 8, 1, "catalog-plural-forms"),
        (HE_PO, 13, 1, "catalog-plural-forms"),
        (HE_PO, 19, 1, "catalog-plural-forms"),
    ]
    assert messages(result) == [
        "'%(num)d day' has msgstr[0], msgstr[1], but the catalog has 3 plural forms: write msgstr[0] to msgstr[2]",
        "'%(num)d day': msgstr[2] is empty, so readers see English for its numbers (n = 0, 3, 4, …); translate every form",
        "'%(num)d week': msgstr[1] is empty, so readers see English for its numbers (n = 2, …); translate every form",
        "'%(num)d year' has msgstr[0], msgstr[1], msgstr[2], msgstr[3], but the catalog has 3 plural forms: write msgstr[0] to msgstr[2]",
    ]


def test_a_plural_header_that_disagrees_with_cldr(make_site):
    babel_style = HEADER.replace("nplurals=3; plural=(n==1 ? 0 : n==2 ? 1 : 2);", "nplurals=2; plural=(n != 1);")
    root = catalog_site(make_site, '{{ _("Yes") }}\n', 'msgid "Yes"\nmsgstr "כן"\n', header=babel_style)
    result = check(root)
    assert result.exit_code == 1 and result.diagnostics == [(HE_PO, 6, 1, "catalog-plural-header")]
    assert messages(result) == [
        (
            "Plural-Forms is 'nplurals=2; plural=(n != 1);' but CLDR's rule for 'he' is "
            "'nplurals=3; plural=(n==1 ? 0 : n==2 ? 1 : 2);'; run `pipeline i18n update`, then review the plural entries"
        )
    ]
    same_rule = HEADER.replace("(n==1 ? 0 : n==2 ? 1 : 2)", "(n == 1) ? 0 : ((n == 2) ? 1 : 2)")
    root = catalog_site(make_site, '{{ _("Yes") }}\n', 'msgid "Yes"\nmsgstr "כן"\n', header=same_rule)
    assert check(root).diagnostics == []  # written differently, the same forms for every number
    no_header = HEADER.replace('"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n==2 ? 1 : 2);\\n"\n', "")
    root = catalog_site(make_site, '{{ _("Yes") }}\n', 'msgid "Yes"\nmsgstr "כן"\n', header=no_header)
    assert check(root).diagnostics == [(HE_PO, 1, 1, "catalog-plural-header")]


def test_fuzzy_and_untranslated_strings_warn_and_fail_only_when_strict(make_site):
    template = '{{ _("Hello %(name)s", name=n) }}\n{{ _("Goodbye") }}\n'
    entries = '#, fuzzy\nmsgid "Hello %(name)s"\nmsgstr "שלום"\n\nmsgid "Goodbye"\nmsgstr ""\n'  # the fuzzy one is not checked further
    root = catalog_site(make_site, template, entries)
    result = check(root)
    assert result.exit_code == 0
    assert result.diagnostics == [(HE_PO, 9, 1, "catalog-fuzzy"), (HE_PO, 12, 1, "catalog-untranslated")]
    assert check(root, "--strict").exit_code == 1


def test_markup_that_differs_from_the_msgid_or_can_run_code(make_site):
    template = (
        '{{ _("Read the <strong>whole</strong> story") }}\n'
        '{{ _("Hello") }}\n'
        '{{ _("Visit <a href=\\"%(url)s\\">our page</a>", url=u) }}\n'
        '{{ _("Welcome") }}\n'
    )
    entries = (
        'msgid "Read the <strong>whole</strong> story"\nmsgstr "לקריאת הסיפור <em>המלא</em>"\n\n'  # line 8
        'msgid "Hello"\nmsgstr "שלום<script>alert(1)</script>"\n\n'  # line 11
        'msgid "Visit <a href=\\"%(url)s\\">our page</a>"\nmsgstr "בקרו <a href=\\"%(url)s\\" onmouseover=\\"steal()\\">בדף שלנו</a>"\n\n'  # 14
        'msgid "Welcome"\nmsgstr "<a href=\\"java&#x09;script:alert(1)\\">ברוכים הבאים</a>"\n'  # line 17
    )
    result = check(catalog_site(make_site, template, entries))
    assert result.diagnostics == [
        (HE_PO, 8, 1, "catalog-markup"),
        (HE_PO, 11, 1, "catalog-markup"),
        (HE_PO, 11, 1, "catalog-unsafe"),
        (HE_PO, 14, 1, "catalog-markup"),
        (HE_PO, 14, 1, "catalog-unsafe"),
        (HE_PO, 17, 1, "catalog-markup"),
        (HE_PO, 17, 1, "catalog-unsafe"),
    ]
    found = messages(result)
    assert (
        found[0]
        == "'Read the <strong>whole</strong> story': msgstr lacks <strong>, </strong>; adds <em>, </em>; keep the msgid's HTML tags as they are"
    )
    assert found[2] == "'Hello': msgstr has a <script> element; remove it"
    assert found[4] == "'Visit <a href=\"%(url)s\">our page</a>': msgstr has an event handler attribute (onmouseover=); remove it"
    assert found[6] == "'Welcome': msgstr has a javascript: URL; remove it"


def test_bidi_controls_and_text_not_in_nfc(make_site):
    template = '{{ _("Price") }}\n{{ _("Name") }}\n{{ _("Cafe") }}\n{{ _("Marks") }}\n'
    entries = (
        'msgid "Price"\nmsgstr "מחיר \u202e001\u202c"\n\n'  # line 8
        'msgid "Name"\nmsgstr "שם \u2067Noa"\n\n'  # line 11
        'msgid "Cafe"\nmsgstr "Cafe\u0301"\n\n'  # line 14
        'msgid "Marks"\nmsgstr "סימנים \u200f\u200e \u2067Noa\u2069"\n'  # line 17: marks and a closed isolate are fine
    )
    result = check(catalog_site(make_site, template, entries))
    assert result.diagnostics == [(HE_PO, 8, 1, "bidi-override"), (HE_PO, 11, 1, "bidi-unbalanced"), (HE_PO, 14, 1, "unicode-not-nfc")]
    assert messages(result)[0].startswith("'Price': msgstr: bidi override control U+202E RLO")


def test_bad_po_syntax_is_reported_with_its_line_not_a_traceback(make_site):
    template = '{{ _("One") }}\n{{ _("Two") }}\n{{ _("Three") }}\n'
    entries = (
        'msgid "One"\nmsgstr "אחת"\n\n'  # line 8
        'msgid "Two\nmsgstr "שתיים"\n\n'  # line 11: the quote is never closed
        'msgid "One"\nmsgstr "אחת שוב"\n\n'  # line 14: a second entry for "One"
        'msgid "Three"\n'  # line 17: no msgstr
    )
    result = check(catalog_site(make_site, template, entries))
    assert result.exit_code == 1
    assert result.diagnostics == [
        (HE_PO, 11, 1, "catalog-syntax"),
        (HE_PO, 14, 1, "catalog-syntax"),
        (HE_PO, 17, 1, "catalog-syntax"),
        (HE_PO, 17, 1, "catalog-untranslated"),
    ]
    assert messages(result)[:2] == [
        'not a PO line (a keyword and a quoted string, or a quoted string): msgid "Two',
        "a second entry for msgid 'One' (the first is on line 8)",
    ]
    assert "missing msgstr" in messages(result)[2]


def test_a_catalog_that_is_not_utf8(make_site):
    data = (HEADER.replace("Hebrew", "Spanish") + 'msgid "Yes"\nmsgstr "S\xed"\n').encode("latin-1")
    result = check(catalog_site(make_site, '{{ _("Yes") }}\n', data))
    assert result.exit_code == 1 and result.diagnostics == [(HE_PO, 9, 10, "encoding-invalid")]  # at the byte, as msgfmt says
    assert result.messages["encoding-invalid"].endswith("; save the file as UTF-8")  # Latin-1 is not taken for Hebrew


def test_entries_that_differ_only_by_context(make_site):
    template = '{{ pgettext("verb", "Share") }}\n{{ pgettext("noun", "Share") }}\n'
    entries = 'msgctxt "verb"\nmsgid "Share"\nmsgstr "לשתף"\n\nmsgctxt "noun"\nmsgid "Share"\nmsgstr "שיתוף"\n'
    root = catalog_site(make_site, template, entries)
    assert check(root, "--strict").diagnostics == []
    duplicated = entries + '\nmsgctxt "noun"\nmsgid "Share"\nmsgstr "שיתוף"\n'  # line 17
    root = catalog_site(make_site, template, duplicated)
    assert check(root).diagnostics == [(HE_PO, 17, 1, "catalog-syntax")]


def test_a_catalog_out_of_step_with_the_template_until_update(make_site):
    template = '{{ _("Yes") }}\n{{ _("No") }}\n'
    root = catalog_site(make_site, template, 'msgid "Yes"\nmsgstr "כן"\n\nmsgid "Maybe"\nmsgstr "אולי"\n')
    result = check(root)
    assert result.diagnostics == [(HE_PO, 1, 1, "catalog-outdated"), (HE_PO, 11, 1, "catalog-outdated")]
    assert messages(result)[0].startswith(
        "'No' (templates/strings.html:2) is in locales/messages.pot but not in this catalog; run `pipeline i18n update`"
    )
    assert run("i18n", "update", "--root", str(root)).exit_code == 0
    updated = (root / HE_PO).read_text("utf-8")
    assert updated.endswith('#~ msgid "Maybe"\n#~ msgstr "אולי"\n\n')
    assert check(root).diagnostics == [(HE_PO, updated.split("\n").index('msgid "No"') + 1, 1, "catalog-untranslated")]


def test_a_catalog_folder_that_is_not_a_language(make_site):
    root = catalog_site(make_site, '{{ _("Yes") }}\n', 'msgid "Yes"\nmsgstr "כן"\n', po="locales/xx-nowhere/LC_MESSAGES/messages.po")
    assert check(root).diagnostics == [("locales/xx-nowhere/LC_MESSAGES/messages.po", 6, 1, "catalog-plural-header")]


def test_sarif_output_names_the_catalog_rules(make_site):
    root = catalog_site(make_site, '{{ _("Yes") }}\n', 'msgid "Yes"\nmsgstr "כן %"\n')
    result = run("i18n", "check", "--root", str(root), "--format", "sarif")
    log = json.loads(result.stdout)
    assert result.exit_code == 1
    assert [rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]] == ["catalog-percent"]
    region = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert region == {"artifactLocation": {"uri": HE_PO, "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 8, "startColumn": 1}}
