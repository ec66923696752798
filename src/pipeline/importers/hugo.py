"""`pipeline import hugo SRC --out DEST`: read Hugo's settings and pages, plan the new site, write it whole, report what was not converted."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError

from pipeline.diagnostics import Diagnostic
from pipeline.errors import ConfigError, UsageError
from pipeline.importers.hugoconfig import read_config
from pipeline.importers.hugopages import read_content
from pipeline.importers.plan import Plan, plan_site
from pipeline.importers.write import write_site


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import did: the plan it wrote, what it could not convert (paths in the Hugo site), and `validate` on the result."""

    plan: Plan
    languages: tuple[str, ...]
    diagnostics: tuple[Diagnostic, ...]  # about the Hugo site's files
    validation: tuple[Diagnostic, ...]  # about the new site's files
    interface: dict[str, int]  # language -> theme strings translated from Hugo's i18n/

    def summary(self) -> str:
        pairs = len({a.id for a in self.plan.articles if a.lang != self.languages[0]})
        sources = sum(1 for a in self.plan.articles if a.lang == self.languages[0])
        converted = ", ".join(f"{n} {name}" for name, n in sorted(self.plan.converted.items()) if n) or "nothing"
        kept = ", ".join(f"{name} ({n})" for name, n in sorted(self.plan.kept.items())) or "none"
        aliases = sum(len(a.fields.get("aliases", ())) for a in self.plan.articles)
        return (
            f"imported {len(self.plan.articles)} pages ({sources} {self.languages[0]} articles, {pairs} with a translation), "
            f"{len(self.plan.static)} static files and resources, {len(self.plan.tags)} tags, {aliases} redirects from old URLs\n"
            f"converted: {converted}\n"
            f"kept under hugo: {kept}\n"
            f"interface strings from Hugo's i18n/: {', '.join(f'{n} ({lang})' for lang, n in sorted(self.interface.items())) or 'none'}\n"
            f"not converted: {len(self.diagnostics)} (listed above, with the Hugo file and line); "
            f"the new site: {sum(d.is_error for d in self.validation)} errors, {sum(not d.is_error for d in self.validation)} warnings"
        )


def import_hugo(src: Path, dest: Path, languages: tuple[str, ...] | None = None) -> Imported:
    """Import the Hugo site at `src` into `dest` (new or empty); nothing is written when its settings cannot be read."""
    if not src.is_dir():
        raise UsageError(f"{src} is not a folder")
    config, problems = read_config(src)
    if config is None:
        raise ConfigError("the Hugo configuration cannot be read; nothing was written", tuple(problems))
    wanted = languages or tuple(lang.code for lang in config.languages)
    codes = tuple(dict.fromkeys(code.strip().lower() for code in wanted if code.strip()))
    _check_languages(codes, {lang.code for lang in config.languages})
    content = read_content(src, config, codes)
    plan = plan_site(src, config, content, codes)
    if not plan.articles:
        raise UsageError(f"no {codes[0]} pages found under {src}; nothing was written", plan.diagnostics)
    validation, interface = write_site(src, dest, config, plan, codes)
    return Imported(plan, codes, tuple(sorted(config.notes + plan.diagnostics)), validation, interface)


def _check_languages(codes: tuple[str, ...], known: set[str]) -> None:
    if len(codes) < 2:
        raise UsageError("a site has at least two languages, the source first: --languages en,he")
    for code in codes:
        if code not in known:
            raise UsageError(f"the Hugo site has no language '{code}' (it has {', '.join(sorted(known))})")
        try:
            Locale.parse(code)
        except (ValueError, UnknownLocaleError):
            raise UsageError(f"'{code}' is not a language CLDR knows") from None
