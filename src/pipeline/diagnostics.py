"""The one diagnostic type: a located, coded finding, and the catalogue of codes."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Rule:
    """A stable diagnostic code, its default severity and what it means."""

    code: str
    severity: Severity
    summary: str


_E, _W = Severity.ERROR, Severity.WARNING

RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        # site.yaml and the schema
        Rule("config-syntax", _E, "site.yaml is not valid YAML."),
        Rule("config-invalid", _E, "site.yaml has a key or value the site schema does not allow."),
        Rule("schema-invalid", _E, "The article schema file is missing, not JSON, or not a valid JSON Schema."),
        # bytes and text
        Rule("encoding-invalid", _E, "The file is not valid UTF-8 (the message gives the byte offset)."),
        Rule("file-unreadable", _E, "The file could not be read, or is larger than the site's size limit."),
        Rule(
            "path-unsafe",
            _E,
            "A link that leads outside the site, a link to a folder, or a device, pipe or socket; nothing is read from it.",
        ),
        Rule("unicode-not-nfc", _E, "A line is not in Unicode NFC; editors and search treat it as different text."),
        Rule(
            "bidi-override",
            _E,
            "A bidi override control (U+202D LRO, U+202E RLO) can make text display differently from how it reads (Trojan Source).",
        ),
        Rule(
            "bidi-unbalanced", _E, "A bidi embedding or isolate control (U+202A-202C, U+2066-2069) is not closed or not opened on its line."
        ),
        # front matter
        Rule("frontmatter-missing", _E, "The file does not start with a `---` front matter block."),
        Rule("frontmatter-unclosed", _E, "The front matter block is never closed by a `---` line."),
        Rule("yaml-syntax", _E, "The front matter is not valid YAML."),
        Rule("yaml-duplicate-key", _E, "A front matter key appears twice; YAML would silently keep the last one."),
        Rule("yaml-alias", _E, "YAML anchors and aliases are not allowed in front matter."),
        Rule("field-required", _E, "A field the schema requires (for this language) is missing."),
        Rule("field-unknown", _E, "A front matter key the schema does not know (often a typo)."),
        Rule("field-invalid", _E, "A front matter value has the wrong type or format."),
        Rule("tag-unknown", _E, "A tag id that site.yaml does not declare under `tags:`."),
        Rule("tag-untranslated", _W, "A tag declared in site.yaml has no display name for one of the site's languages."),
        # ids and translations
        Rule("id-invalid", _E, "The file name is not a valid article id (lowercase letters, digits, hyphens; not reserved)."),
        Rule("id-duplicate", _E, "Two files of one language have the same id (also when they differ only in case or Unicode form)."),
        Rule("content-ignored", _W, "A file under content/ that is not an article (.md or .markdown), so nothing reads it."),
        Rule("locale-unknown", _W, "A Markdown file outside the content folders of the site's languages."),
        Rule(
            "translation-missing",
            _W,
            "A source-language article has no translation in a language (severity set per language in site.yaml).",
        ),
        Rule("translation-orphaned", _E, "A translation whose source-language article does not exist (renamed or deleted source?)."),
        Rule(
            "translation-stale",
            _W,
            "The source article changed since this translation was made; the message names the sections (severity per language).",
        ),
        Rule(
            "translation-unverified",
            _W,
            "A translation with no recorded source fingerprint, so nobody can tell whether it is current (severity per language).",
        ),
        Rule("translation-untranslated", _W, "A field or section of a translation is still identical to its source text."),
        Rule(
            "translation-structure",
            _W,
            "A translation's links, images, code blocks, heading count or heading levels differ from its source's.",
        ),
        Rule("translation-mismatch", _E, "A shared field (date, tags, image src) differs between a translation and its source."),
        # Markdown hygiene
        Rule("link-broken", _E, "An internal link points to an article or file that does not exist."),
        Rule("link-anchor", _E, "A link's #fragment names no section (heading id) or footnote on the page it leads to."),
        Rule("image-missing", _E, "An image points to a file that does not exist."),
        Rule("image-alt-missing", _W, "An image has no alt text, so screen readers cannot describe it."),
        Rule("html-raw", _W, "Raw HTML in Markdown; it is escaped on output unless site.yaml allows raw HTML."),
        Rule(
            "html-unsafe",
            _E,
            "Raw HTML that can run code (<script>, <iframe>, <object>, <embed>, on*= event attributes), even where raw HTML is allowed.",
        ),
        Rule("static-unsafe", _E, "An SVG or HTML file under static/ holds a script, an event handler or a script URL."),
        Rule("template-error", _E, "A template of the site's templates/ folder (or the theme) is broken or failed while rendering."),
        Rule(
            "url-unsafe", _E, "A link or image uses a scheme that can run code or read local files (javascript:, vbscript:, data:, file:)."
        ),
        # pipeline import hugo: what was not converted, at its line in the Hugo site
        Rule("import-config", _E, "The Hugo site's configuration (hugo.toml|yaml|json, config/_default/) cannot be read."),
        Rule("import-frontmatter", _E, "A Hugo page's front matter (YAML, TOML or JSON) cannot be read; the page is not imported."),
        Rule("import-field", _W, "A Hugo front-matter value was filled in or kept as it was (no title or date, a date that is not one)."),
        Rule(
            "import-shortcode",
            _W,
            "A Hugo shortcode with no Markdown equivalent here (or a ref to no page) is left in the text as written.",
        ),
        Rule("import-unpaired", _W, "A Hugo page translates no page of the source language (no same path or translationKey); left out."),
        Rule("import-skipped", _W, "A Hugo content file the import does not read (a section list page, HTML, AsciiDoc, not UTF-8)."),
        # gettext catalogs
        Rule("catalog-source", _E, "A template or Python file could not be parsed to extract its interface strings."),
        Rule("catalog-outdated", _E, "locales/messages.pot is out of date with the templates and code, or a catalog with the template."),
        Rule("catalog-syntax", _E, "A PO file cannot be read as written (a bad line, a missing msgstr, a duplicate entry)."),
        Rule("catalog-plural-header", _E, "A catalog's Plural-Forms header disagrees with CLDR's plural rule for its language."),
        Rule("catalog-plural-forms", _E, "A plural entry has the wrong number of forms for its catalog, or an empty form."),
        Rule(
            "catalog-placeholder", _E, "A translation lacks a %(name)s or {name} placeholder of its msgid, or has one the msgid does not."
        ),
        Rule("catalog-percent", _E, "A % that starts no directive (a bare % or %(name) without its conversion), which breaks formatting."),
        Rule(
            "catalog-format",
            _E,
            "A translation's format directive differs from its msgid's (conversion, style), or is too wide, as msgfmt -c checks.",
        ),
        Rule("catalog-newline", _E, "A msgid and its msgstr do not both begin, or both end, with a newline (msgfmt -c)."),
        Rule(
            "catalog-encoding",
            _E,
            "A PO file's bytes are not in the charset its header names, the charset is unknown, or it starts with a BOM.",
        ),
        Rule("catalog-markup", _E, "A translation's HTML tags differ from its msgid's."),
        Rule("catalog-unsafe", _E, "A translation has markup that can run code (<script>, <iframe>, on*= attributes, javascript: URLs)."),
        Rule("catalog-fuzzy", _W, "A translation is marked fuzzy, so it is not used until a translator reviews it."),
        Rule("catalog-untranslated", _W, "A string has no translation yet, so readers see the English."),
    )
}


@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    """One finding at one place: path relative to the site root, 1-based line and column."""

    path: str
    line: int
    column: int
    code: str
    message: str
    severity: Severity

    @classmethod
    def make(
        cls,
        code: str,
        path: str,
        line: int,
        column: int,
        message: str,
        severity: Severity | None = None,
    ) -> Diagnostic:
        """Build a diagnostic with the code's default severity unless one is given."""
        rule = RULES[code]
        return cls(path, max(line, 1), max(column, 1), code, message, severity or rule.severity)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def count(diagnostics: Sequence[Diagnostic]) -> dict[str, int]:
    """The number of errors and warnings, as the JSON report shows them."""
    errors = sum(1 for d in diagnostics if d.is_error)
    return {"error": errors, "warning": len(diagnostics) - errors}
