"""The translator's commands: `translate`, `status` and the `i18n` group (gettext catalogs through Babel)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline import report
from pipeline.cli.common import fail, path_base_option, root_option
from pipeline.errors import PipelineError, UsageError


@click.command("translate")
@root_option
@click.argument("lang", required=False)
@click.argument("article_id", metavar="[ID]", required=False)
@click.option("--accept", is_flag=True, help="Record that the translation now matches the source (the current one, or --as-of).")
@click.option(
    "--all", "every", is_flag=True, help="With --accept: every translation in LANG (or in every language) that is not up to date."
)
@click.option("--dry-run", is_flag=True, help="With --accept: say what would be recorded; change nothing.")
@click.option("--as-of", "as_of", metavar="REV", help="With --accept: record the source as it was at git revision REV.")
@click.option(
    "--as-of-translation", is_flag=True, help="With --accept: record the source as it was when each translation was last committed."
)
def translate_command(
    root: Path,
    lang: str | None,
    article_id: str | None,
    accept: bool,
    every: bool,
    dry_run: bool,
    as_of: str | None,
    as_of_translation: bool,
) -> None:
    """Start the LANG translation of article ID from its source, or --accept translations as up to date.

    Without --accept, writes the translation beside its source (content/LANG/..., the same
    sub-folder): shared fields copied, text fields marked `# translate`, the body to translate,
    and the source's fingerprint. With --accept, records in an existing translation which source
    it matches, so it is no longer stale: ID's, or with --all every translation not up to date.
    Adopting the tool on a site translated before it: `--accept --all --as-of-translation`
    records each translation against the source as it was when the translation was last
    committed, so the real lags show as stale.
    """
    from pipeline.translators import translate
    from pipeline.validate import validate

    options = [
        name
        for name, given in (("--all", every), ("--dry-run", dry_run), ("--as-of", as_of), ("--as-of-translation", as_of_translation))
        if given
    ]
    if options and not accept:
        fail(UsageError(f"{options[0]} goes with --accept"))
    if as_of and as_of_translation:
        fail(UsageError("give --as-of or --as-of-translation, not both"))
    if not every and (lang is None or article_id is None):
        fail(UsageError("name the language and the article: `pipeline translate LANG ID` (or --accept --all)"))
    if article_id is not None and ("/" in article_id or article_id.endswith(".md")):
        article_id = Path(article_id).stem  # a path was given: the id is its file name
    try:
        result = validate(root)
        if not accept:
            click.echo(translate.start(result, lang or "", article_id or ""))
            return
        langs = [lang] if lang else list(result.config.translations)
        ids = None if every else [article_id or ""]
        version = translate.LAST_COMMIT if as_of_translation else as_of
        done = translate.accept(result, langs, ids, version, dry_run)
    except PipelineError as exc:
        fail(exc, "text")
    source = result.config.source_locale
    verb = "would record" if dry_run else "recorded"
    for item in done:
        which = f"the current {source} source" if item.version == "current" else f"the {source} source of commit {item.version}"
        click.echo(f"{verb} {which} in {item.path} ({item.was})")
    if every and not done:
        click.echo("every translation is up to date; nothing to record")


def _states(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...]:
    from pipeline.translation.states import STATES

    names = tuple(name.strip() for name in (value or "").split(",") if name.strip())
    unknown = [name for name in names if name not in STATES]
    if unknown:
        raise click.BadParameter(f"no state {', '.join(map(repr, unknown))}; the states are {', '.join(STATES)}")
    return names


@click.command("status")
@root_option
@click.argument("article_id", metavar="[ID]", required=False)
@click.option("--format", "fmt", type=click.Choice(("text", "json", "html")), default="text", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to this file instead of printing it.")
@click.option(
    "--fail-on",
    "fail_on",
    metavar="STATES",
    callback=_states,
    help="Exit 1 when a translation is in one of these states, comma-separated (e.g. stale,draft,missing).",
)
def status_command(root: Path, article_id: str | None, fmt: str, out: Path | None, fail_on: tuple[str, ...]) -> None:
    """Show each translation's state (ok, stale, draft, unverified, missing, orphaned, invalid) and catalog coverage.

    With ID, only that article, and for stale translations the diff of each changed source
    section since the translation was made (when git history has that version of the source).
    Exit 0, or 1 with --fail-on when a translation is in one of its states.
    """
    from pipeline.translators import dashboard, status
    from pipeline.validate import validate

    try:
        result = validate(root)
    except PipelineError as exc:
        fail(exc, "text", err=True)
    if article_id and not any(s.id == article_id for s in result.states):
        fail(UsageError(f"no article '{article_id}' in this site"))
    built = status.build(result, article_id)
    if fmt == "html":
        text = dashboard.render(built, result.config, out)
    else:
        text = status.as_json(built) if fmt == "json" else status.as_text(built, with_diffs=article_id is not None)
    if out:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)
    else:
        click.echo(text, nl=False)
    failing = [row.state for row in built.rows if row.state.state in fail_on]
    if failing:
        names = ", ".join(f"{state.lang}/{state.id} {state.state}" for state in failing[:5]) + (", …" if len(failing) > 5 else "")
        click.echo(f"pipeline: {len(failing)} translation(s) in a state --fail-on names: {names}", err=True)
        sys.exit(1)


@click.group("i18n")
def i18n_group() -> None:
    """Interface strings in gettext catalogs (locales/), through Babel.

    The workflow: extract -> init LANG (once) or update -> translate in Poedit or Weblate -> check -> compile.
    """


@i18n_group.command("extract")
@root_option
def i18n_extract_command(root: Path) -> None:
    """Extract the strings of the theme, the site's templates/ and the package into locales/messages.pot."""
    from pipeline.catalogs import i18n

    try:
        messages, written = i18n.write_template(root)
    except PipelineError as exc:
        fail(exc, "text")
    state = "wrote" if written else "unchanged:"
    click.echo(f"{state} {i18n.TEMPLATE} ({messages} message{'' if messages == 1 else 's'})")


@i18n_group.command("init")
@root_option
@click.argument("lang")
def i18n_init_command(root: Path, lang: str) -> None:
    """Start the catalog of LANG from locales/messages.pot, with CLDR's plural forms (Hebrew: one / two / other)."""
    from pipeline.catalogs import i18n

    try:
        path = i18n.init(root, lang)
    except PipelineError as exc:
        fail(exc, "text")
    click.echo(f"created {path}")


@i18n_group.command("update")
@root_option
def i18n_update_command(root: Path) -> None:
    """Merge locales/messages.pot into every catalog: new strings added, changed ones fuzzy, removed ones obsolete."""
    from pipeline.catalogs import i18n

    try:
        updated, problems = i18n.update(root)
    except PipelineError as exc:
        fail(exc, "text")
    for path in updated:
        click.echo(f"updated {path}")
    if not updated:
        click.echo("every catalog is up to date with the template")
    if problems:
        click.echo(report.render(problems, "text"), nl=False)
        sys.exit(1)


@i18n_group.command("compile")
@root_option
def i18n_compile_command(root: Path) -> None:
    """Write messages.mo beside each catalog (fuzzy strings left out); a catalog with errors is reported, not compiled."""
    from pipeline.catalogs import i18n

    try:
        written, errors = i18n.compile_catalogs(root)
    except PipelineError as exc:
        fail(exc, "text")
    for path in written:
        click.echo(f"wrote {path}")
    if errors:
        click.echo(report.render(errors, "text"), nl=False)
        sys.exit(1)


@i18n_group.command("check")
@root_option
@click.argument("catalogs", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lang", help="The language of the CATALOGS named (default: the folder above LC_MESSAGES, or their Language header).")
@click.option("--format", "fmt", type=click.Choice(report.FORMATS), default="text", show_default=True, help="How to print the diagnostics.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too: fuzzy or untranslated strings.")
@path_base_option
def i18n_check_command(root: Path, catalogs: tuple[Path, ...], lang: str | None, fmt: str, strict: bool, path_base: Path | None) -> None:
    """The CI gate: is messages.pot up to date with the sources, and is every catalog sound?

    With CATALOGS (.po files), only those are checked, on their own: no site or template needed.
    Exit 0 when clean (warnings allowed unless --strict), 1 on problems, 2 when the command cannot run.
    """
    from pipeline.catalogs import i18n

    prefix = "" if catalogs else report.repository_prefix(root, path_base)  # named files are reported as they were named
    try:
        files, diagnostics = i18n.check_files(list(catalogs), lang) if catalogs else i18n.check(root)
    except PipelineError as exc:
        fail(exc, fmt, prefix=prefix)
    click.echo(report.render(diagnostics, fmt, prefix), nl=False)
    if fmt == "text":
        click.echo(i18n.summary(diagnostics, files), err=True)
    if any(d.is_error for d in diagnostics) or (strict and diagnostics):
        sys.exit(1)
