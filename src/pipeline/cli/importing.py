"""`pipeline import hugo SRC --out DEST`: bring a Hugo site over, with a report of what was not converted."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import click

from pipeline import report
from pipeline.cli.common import fail
from pipeline.errors import PipelineError, UsageError


@click.group("import")
def import_group() -> None:
    """Make a pipeline site from another tool's site."""


@import_group.command("hugo")
@click.argument("src", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--out", "dest", required=True, type=click.Path(file_okay=False, path_type=Path), help="The new site's folder (new or empty)."
)
@click.option(
    "--languages", help="The languages to import, comma-separated, the source first.  [default: the Hugo site's, its default first]"
)
@click.option("--format", "fmt", type=click.Choice(report.FORMATS), default="text", show_default=True, help="How to print the report.")
def hugo_command(src: Path, dest: Path, languages: str | None, fmt: str) -> None:
    """Import the Hugo site at SRC into DEST: settings, pages and translations, tags, resources, old URLs as redirects.

    Everything not converted is reported with its file (in SRC) and line, then what `validate`
    says about the new site (paths in DEST). DEST is written beside its folder and moved in whole.
    Exit 0 when the new site has no errors, 1 when it has some to fix, 2 when nothing was written.
    """
    from pipeline.importers.hugo import import_hugo

    try:
        done = import_hugo(src, dest, tuple(languages.split(",")) if languages else None)
    except OSError as exc:
        fail(UsageError(f"cannot write {dest}: {exc.strerror} ({exc.filename})"))
    except PipelineError as exc:
        fail(exc, fmt)
    inside = [dataclasses.replace(d, path=f"{dest.as_posix().rstrip('/')}/{d.path}") for d in done.validation]
    click.echo(report.render([*done.diagnostics, *inside], fmt), nl=False)
    click.echo(done.summary(), err=True)
    if any(d.is_error for d in done.validation):
        sys.exit(1)
