"""The `pipeline` command group and the console script's entry point; the only place errors become exit codes."""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import sys
import threading

import click

from pipeline import __version__
from pipeline.cli import importing, publishing, site, translating
from pipeline.cli.common import RARELY


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
    publishing.unlock_command,
    translating.translate_command,
    translating.status_command,
    translating.i18n_group,
    importing.import_group,
):
    cli.add_command(command)


def main() -> None:
    """The console script's entry point: no traceback ever reaches the user (it could carry a token or a file's text).

    The process collects garbage as rarely as a command's batch does: it ends with the command, and a batch's millions of
    objects would otherwise be scanned whole by the first collection after it (0.3 s after a publish's build)."""
    gc.set_threshold(*RARELY)
    try:
        cli(prog_name="pipeline")
    except SystemExit as exc:
        _leave(exc.code)
    except Exception as exc:  # noqa: BLE001 - a bug: every expected error is a PipelineError with its own exit code, handled in the commands
        click.echo(f"pipeline: internal error: {type(exc).__name__} at {_where(exc)}", err=True)
        click.echo("This is a bug in pipeline: please report it with the command you ran and this line.", err=True)
        _leave(70)
    _leave(0)


def _leave(code: str | int | None) -> None:
    """Exit with `code` without freeing every object one by one (after a build of 1,000 pairs that takes 0.1 s): the exit
    handlers run and the streams are flushed, as at a normal exit. While another thread still runs, Python exits as usual."""
    if any(thread.is_alive() and not thread.daemon for thread in threading.enumerate() if thread is not threading.current_thread()):
        sys.exit(code)
    if code is not None and not isinstance(code, int):
        click.echo(code, err=True)  # what sys.exit("...") prints
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: as Python ignores it at exit
            stream.flush()
    os._exit(code or 0)


def _where(exc: BaseException) -> str:
    """The innermost place in pipeline's own code the error passed (file and line), never its message."""
    import traceback

    frames = [frame for frame in traceback.extract_tb(exc.__traceback__) if "/pipeline/" in frame.filename.replace("\\", "/")]
    if not frames:
        return "an unknown place"
    frame = frames[-1]
    return f"{frame.filename.replace(chr(92), '/').rsplit('/pipeline/', 1)[-1]}:{frame.lineno} ({frame.name})"
