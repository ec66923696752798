"""The `pipeline` command group and the console script's entry point; the only place errors become exit codes."""

from __future__ import annotations

import click

from pipeline import __version__
from pipeline.cli import publishing, site, translating


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pipeline")
def cli() -> None:
    """Validate, translate, build and publish a bilingual (English / Hebrew) site."""


for command in (
    site.new_command,
    site.validate_command,
    site.build_command,
    site.serve_command,
    publishing.publish_command,
    publishing.deploys_command,
    publishing.rollback_command,
    translating.translate_command,
    translating.status_command,
    translating.i18n_group,
):
    cli.add_command(command)


def main() -> None:
    """The console script's entry point."""
    cli(prog_name="pipeline")
