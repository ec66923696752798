"""What every command shares: the --root option, turning errors into exit codes, and how garbage is collected."""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import click

from pipeline import report
from pipeline.errors import PipelineError

root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The site folder (the one holding site.yaml).",
)


path_base_option = click.option(
    "--path-base",
    type=click.Path(file_okay=False, path_type=Path),
    help="Give paths in github and sarif reports from this folder.  [default: the top of the git repository holding ROOT]",
)


def fail(exc: PipelineError, fmt: str | None = None, err: bool = False, prefix: str = "") -> NoReturn:
    """Print the error's diagnostics (in `fmt`, when given) and its message, and exit with its code."""
    if fmt is not None and exc.diagnostics:
        click.echo(report.render(exc.diagnostics, fmt, prefix), nl=False, err=err)
    click.echo(f"pipeline: {report.printable(exc.message)}", err=True)
    sys.exit(exc.exit_code)


_LEFT: list[object] = []  # what the last command finished with, freed with the process (see leave_to_exit)


def leave_to_exit(value: object) -> None:
    """Keep `value` until the process exits (or the next command of the same process leaves its own): freeing a whole site's
    objects one by one (about 0.03 s at 1,000 pairs) would only delay the exit, which main makes without freeing anything."""
    _LEFT[:] = [value]


RARELY = (100_000, 50, 100)  # garbage collection thresholds: Python's 700 makes collections cost more than the build at 5,000 pairs


@contextlib.contextmanager
def batch() -> Iterator[None]:
    """One command over a whole site: it makes millions of objects and few cycles, so collect garbage rarely."""
    thresholds = gc.get_threshold()
    gc.set_threshold(*RARELY)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


@contextlib.contextmanager
def once() -> Iterator[None]:
    """One command over a whole site that ends with the process (validate, build, publish): no garbage collection at all.

    What it makes lives until the exit and holds few cycles, so a collection only scans it: 34 of them took 0.25 s of a
    one-edit rebuild and ~4 s of a cold build at 5,000 pairs, and freed ~5 MB. After it, what it made is left out of
    collections (gc.freeze), or the first one (in a publish's upload) would scan it whole. `serve` lives on: it collects (batch)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
