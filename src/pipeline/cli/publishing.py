"""The editor's commands: `publish`, `deploys`, `rollback` and `unlock`."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import click

from pipeline import report
from pipeline.cli.common import fail, leave_to_exit, once, root_option
from pipeline.errors import PipelineError

_target_option = click.option("--target", "target_name", metavar="NAME", help="A target from site.yaml.  [default: default]")
_format_option = click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)


def _fail(exc: PipelineError, fmt: str, target_name: str | None) -> NoReturn:
    """Exit with the error's code; in JSON, the outcome on stdout too (the message, the exit code, any diagnostics)."""
    if fmt != "json":
        fail(exc, "text")
    from pipeline.publish import summary

    name = target_name or "default"
    click.echo(summary.error_json(name, exc.message, exc.exit_code, [report.as_dict(d) for d in exc.diagnostics]), nl=False)
    click.echo(f"pipeline: {exc.message}", err=True)
    sys.exit(exc.exit_code)


@click.command("publish")
@root_option
@_target_option
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing.")
@click.option("--draft", is_flag=True, help="Upload a preview the target can show, without making it live.")
@click.option("--yes", is_flag=True, help="Confirm a plan that deletes more than publish.max_delete_share of the live site.")
@_format_option
def publish_command(root: Path, target_name: str | None, dry_run: bool, draft: bool, yes: bool, fmt: str) -> None:
    """Validate, build, plan against the live site, upload only what changed, and switch it live at once."""
    from pipeline import workers
    from pipeline.config.site import load_config
    from pipeline.publish import run as publish
    from pipeline.publish import summary

    try:
        click.echo("pipeline: checking and building the site…", err=True)  # a large site takes a while before the plan
        with once():
            prepared = publish.prepare(root, target_name, jobs=workers.default_jobs())
        leave_to_exit(prepared)
        for note in prepared.notes:
            click.echo(f"pipeline: {note}", err=True)
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
        _fail(exc, fmt, target_name)
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
@_format_option
@click.option(
    "--prune", "keep", type=click.IntRange(min=1), metavar="KEEP", help="First remove all but the newest KEEP deploys (never the live one)."
)
def deploys_command(root: Path, target_name: str | None, fmt: str, keep: int | None) -> None:
    """List a target's deploys, newest first, and which one is live."""
    from pipeline.config.site import load_config
    from pipeline.publish import run as publish
    from pipeline.publish import summary

    try:
        chosen, kind = publish.target(load_config(root)[0], target_name)
        pruned = publish.prune(chosen, kind, keep) if keep is not None else None
        listed = chosen.deploys()
    except PipelineError as exc:
        _fail(exc, fmt, target_name)
    if fmt == "json":
        click.echo(summary.deploys_json(chosen.name, listed, pruned), nl=False)
        return
    if pruned is not None:
        click.echo(f"pruned {len(pruned)} deploys{': ' if pruned else ''}{', '.join(pruned)}", err=True)
    click.echo(summary.deploys_text(listed), nl=False)


@click.command("rollback")
@root_option
@_target_option
@_format_option
@click.argument("deploy_id", metavar="[DEPLOY_ID]", required=False)
def rollback_command(root: Path, target_name: str | None, fmt: str, deploy_id: str | None) -> None:
    """Make an earlier deploy live again: DEPLOY_ID (one `pipeline deploys` lists), or the one before the live one."""
    from pipeline.config.site import load_config
    from pipeline.publish import run as publish
    from pipeline.publish import summary

    try:
        chosen, _ = publish.target(load_config(root)[0], target_name)
        with chosen.lock(holder="pipeline rollback"):
            receipt = chosen.rollback(deploy_id)
    except PipelineError as exc:
        _fail(exc, fmt, target_name)
    if fmt == "json":
        click.echo(summary.receipt_json(chosen.name, receipt), nl=False)
    else:
        click.echo(f"deploy {receipt.deploy_id} is live again at {receipt.url}")


@click.command("unlock")
@root_option
@_target_option
def unlock_command(root: Path, target_name: str | None) -> None:
    """Remove a target's lock left by a publish that can no longer release it, naming who held it."""
    from pipeline.config.site import load_config
    from pipeline.publish import run as publish

    try:
        chosen, kind = publish.target(load_config(root)[0], target_name)
        click.echo(publish.unlock(chosen, kind))
    except PipelineError as exc:
        fail(exc)
