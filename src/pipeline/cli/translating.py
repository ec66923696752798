"""The translator's commands: `translate`, `status` and the `i18n` group (gettext catalogs through Babel)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline import report
from pipeline.cli.common import fail, root_option
from pipeline.errors import PipelineError, UsageError


@click.command("translate")
@root_option
@click.argument("lang")
@click.argument("article_id", metavar="ID")
@click.option("--accept", is_flag=True, help="Record that the translation now matches the current source.")
def translate_command(root: Path, lang: str, article_id: str, accept: bool) -> None:
    """Start the LANG translation of article ID from its source, or --accept it as up to date.

    Without --accept, writes content/LANG/ID.md: shared fields copied, text fields marked
    `# translate`, the body to translate, and the source's fingerprint. With --accept, records
    the current source fingerprint in an existing translation, so it is no longer stale.
    """
    from pipeline.translators import translate

    try:
        click.echo(translate.translate(root, lang, article_id, accept))
    except PipelineError as exc:
        fail(exc, "text")


@click.command("status")
@root_option
@click.argument("article_id", metavar="[ID]", required=False)
@click.option("--format", "fmt", type=click.Choice(("text", "json", "html")), default="text", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to this file instead of printing it.")
def status_command(root: Path, article_id: str | None, fmt: str, out: Path | None) -> None:
    """Show each translation's state (ok, stale, unverified, missing, orphaned, invalid) and catalog coverage.

    With ID, only that article, and for stale translations the diff of each changed source
    section since the translation was made (when git history has that version of the source).
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
        text = dashboard.render(built, result.config)
    else:
        text = status.as_json(built) if fmt == "json" else status.as_text(built, with_diffs=article_id is not None)
    if out:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)
    else:
        click.echo(text, nl=False)


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
def i18n_check_command(root: Path, catalogs: tuple[Path, ...], lang: str | None, fmt: str, strict: bool) -> None:
    """The CI gate: is messages.pot up to date with the sources, and is every catalog sound?

    With CATALOGS (.po files), only those are checked, on their own: no site or template needed.
    Exit 0 when clean (warnings allowed unless --strict), 1 on problems, 2 when the command cannot run.
    """
    from pipeline.catalogs import i18n

    try:
        files, diagnostics = i18n.check_files(list(catalogs), lang) if catalogs else i18n.check(root)
    except PipelineError as exc:
        fail(exc, fmt)
    click.echo(report.render(diagnostics, fmt), nl=False)
    if fmt == "text":
        click.echo(i18n.summary(diagnostics, files), err=True)
    if any(d.is_error for d in diagnostics) or (strict and diagnostics):
        sys.exit(1)
