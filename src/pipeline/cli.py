"""The `pipeline` command line; the only place errors become exit codes."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__, dashboard, report, status, translation
from .errors import ConfigError, PipelineError, UsageError
from .validate import validate

_root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The site folder (the one holding site.yaml).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pipeline")
def cli() -> None:
    """Validate, translate, build and publish a bilingual (English / Hebrew) site."""


@cli.command("validate")
@_root_option
@click.option("--format", "fmt", type=click.Choice(report.FORMATS), default="text", show_default=True, help="How to print the diagnostics.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
def validate_command(root: Path, fmt: str, strict: bool) -> None:
    """Check every article and site.yaml; print every problem with its file and line.

    Exit 0 when clean (warnings allowed unless --strict), 1 when the content has errors,
    2 when the command or site.yaml cannot be used.
    """
    try:
        result = validate(root)
    except ConfigError as exc:
        click.echo(report.render(exc.diagnostics, fmt), nl=False)
        _fail(exc)
    except PipelineError as exc:
        _fail(exc)
    click.echo(report.render(result.diagnostics, fmt), nl=False)
    if fmt == "text":
        click.echo(report.summary(result.diagnostics, len(result.files)), err=True)
    if result.errors or (strict and result.diagnostics):
        sys.exit(1)


@cli.command("translate")
@_root_option
@click.argument("lang")
@click.argument("article_id", metavar="ID")
@click.option("--accept", is_flag=True, help="Record that the translation now matches the current source.")
def translate_command(root: Path, lang: str, article_id: str, accept: bool) -> None:
    """Start the LANG translation of article ID from its source, or --accept it as up to date.

    Without --accept, writes content/LANG/ID.md: shared fields copied, text fields marked
    `# translate`, the body to translate, and the source's fingerprint. With --accept, records
    the current source fingerprint in an existing translation, so it is no longer stale.
    """
    try:
        click.echo(translation.translate(root, lang, article_id, accept))
    except PipelineError as exc:
        if exc.diagnostics:
            click.echo(report.render(exc.diagnostics, "text"), nl=False)
        _fail(exc)


@cli.command("status")
@_root_option
@click.argument("article_id", metavar="[ID]", required=False)
@click.option("--format", "fmt", type=click.Choice(("text", "json", "html")), default="text", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to this file instead of printing it.")
def status_command(root: Path, article_id: str | None, fmt: str, out: Path | None) -> None:
    """Show each translation's state (ok, stale, unverified, missing, orphaned, invalid) and catalog coverage.

    With ID, only that article, and for stale translations the diff of each changed source
    section since the translation was made (when git history has that version of the source).
    """
    try:
        result = validate(root)
    except PipelineError as exc:
        if exc.diagnostics:
            click.echo(report.render(exc.diagnostics, "text"), nl=False, err=True)
        _fail(exc)
    if article_id and not any(s.id == article_id for s in result.states):
        _fail(UsageError(f"no article '{article_id}' in this site"))
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


def _fail(exc: PipelineError) -> None:
    click.echo(f"pipeline: {exc.message}", err=True)
    sys.exit(exc.exit_code)


def main() -> None:
    """The console script's entry point."""
    cli(prog_name="pipeline")
