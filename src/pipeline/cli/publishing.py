"""The editor's commands: `publish`, `deploys` and `rollback`."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import click

from pipeline.cli.common import batch, fail, root_option
from pipeline.errors import PipelineError

_target_option = click.option("--target", "target_name", metavar="NAME", help="A target from site.yaml.  [default: default]")


@click.command("publish")
@root_option
@_target_option
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing.")
@click.option("--draft", is_flag=True, help="Upload a preview the target can show, without making it live.")
@click.option("--yes", is_flag=True, help="Confirm a plan that deletes more than publish.max_delete_share of the live site.")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
def publish_command(root: Path, target_name: str | None, dry_run: bool, draft: bool, yes: bool, fmt: str) -> None:
    """Validate, build, plan against the live site, upload only what changed, and switch it live at once."""
    from pipeline import workers
    from pipeline.config.site import load_config
    from pipeline.publish import run as publish
    from pipeline.publish import summary

    try:
        with batch():
            prepared = publish.prepare(root, target_name, jobs=workers.default_jobs())
        config = load_config(root)[0]
        locales = tuple(config.locales)
        name = target_name or publish.DEFAULT_TARGET
        if fmt == "text":
            click.echo(summary.plan_text(prepared.plan, name, prepared.target_type, locales), nl=False)
        if dry_run:
            if fmt == "json":
                click.echo(summary.as_json(prepared.plan, None, name, locales), nl=False)
            return
        with _progress(prepared.plan.bytes_to_send) as progress:
            receipt = publish.run(prepared, draft, progress, yes, config.max_delete_share)
    except PipelineError as exc:
        fail(exc, "text")
    if fmt == "json":
        click.echo(summary.as_json(prepared.plan, receipt, name, locales), nl=False)
    else:
        click.echo(summary.receipt_text(receipt), nl=False)


@contextlib.contextmanager
def _progress(total: int) -> Iterator[Callable[[str, int], None]]:
    """A progress bar on a terminal; a plain line per file otherwise (logs, CI)."""
    from pipeline.publish import summary

    guard = threading.Lock()
    if sys.stderr.isatty() and total:
        with click.progressbar(length=total, label="uploading", file=sys.stderr) as bar:

            def advance(path: str, size: int) -> None:
                with guard:
                    bar.update(size)

            yield advance
        return

    def line(path: str, size: int) -> None:
        with guard:
            click.echo(f"sent {path} ({summary.size(size)})", err=True)

    yield line


@click.command("deploys")
@root_option
@_target_option
def deploys_command(root: Path, target_name: str | None) -> None:
    """List a target's deploys, newest first, and which one is live."""
    from pipeline.config.site import load_config
    from pipeline.publish import run as publish
    from pipeline.publish import summary

    try:
        chosen, _ = publish.target(load_config(root)[0], target_name)
        click.echo(summary.deploys_text(chosen.deploys()), nl=False)
    except PipelineError as exc:
        fail(exc)


@click.command("rollback")
@root_option
@_target_option
@click.argument("deploy_id", metavar="[DEPLOY_ID]", required=False)
def rollback_command(root: Path, target_name: str | None, deploy_id: str | None) -> None:
    """Make an earlier deploy live again: DEPLOY_ID, or the one before the live one."""
    from pipeline.config.site import load_config
    from pipeline.publish import run as publish

    try:
        chosen, _ = publish.target(load_config(root)[0], target_name)
        with chosen.lock(holder="pipeline rollback"):
            receipt = chosen.rollback(deploy_id)
    except PipelineError as exc:
        fail(exc)
    click.echo(f"deploy {receipt.deploy_id} is live again at {receipt.url}")
