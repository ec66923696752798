"""The commands over a site's files: `validate`, `build` and `serve`."""

from __future__ import annotations

import signal
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline import report
from pipeline.cli.common import batch, fail, leave_to_exit, once, path_base_option, root_option
from pipeline.errors import ConfigError, PipelineError, UsageError

if TYPE_CHECKING:
    import http.server

# The stages are imported by the commands that use them: `build` answers "nothing changed" before
# Jinja, YAML, Babel or jsonschema are loaded.


@click.command("new")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--languages", default="en,he", show_default=True, help="The site's languages, comma-separated, the source first.")
def new_command(folder: Path, languages: str) -> None:
    """Start a site in FOLDER: site.yaml, the schema, a first article and its translation, catalogs, CI workflows.

    It validates, builds and publishes (to the local target) as it is.
    """
    from pipeline import newsite

    try:
        written = newsite.create(folder, tuple(languages.split(",")))
    except PipelineError as exc:
        fail(exc)
    click.echo(f"created {folder} with {len(written)} files; next: pipeline validate --root {folder}, then build, serve or publish")


@click.command("validate")
@root_option
@click.option("--format", "fmt", type=click.Choice(report.FORMATS), default="text", show_default=True, help="How to print the diagnostics.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.option("--jobs", type=click.IntRange(min=1), metavar="N", help="Processes to check files with.  [default: all cores]")
@path_base_option
def validate_command(root: Path, fmt: str, strict: bool, jobs: int | None, path_base: Path | None) -> None:
    """Check every article and site.yaml; print every problem with its file and line.

    Exit 0 when clean (warnings allowed unless --strict), 1 when the content has errors,
    2 when the command or site.yaml cannot be used.
    """
    from pipeline import workers
    from pipeline.build import describe, incremental
    from pipeline.render.theme import check_templates
    from pipeline.validate import validate

    prefix = report.repository_prefix(root, path_base)
    state, notes = incremental.read_state(root)  # what is unchanged since the last build is not checked again
    known, _, memo = incremental.reuse(state) if state is not None else (None, None, None)
    for note in notes:
        click.echo(f"pipeline: {note}", err=True)
    try:
        with once():
            result = validate(root, known, jobs or workers.default_jobs(), memo)
    except ConfigError as exc:
        click.echo(report.render(exc.diagnostics, fmt, prefix), nl=False)  # in every format, even with none (JSON readers get a document)
        fail(exc)
    except PipelineError as exc:
        fail(exc)
    templates = check_templates(root)  # parsed; and, when they parse and the content is clean, one page of each kind rendered
    templates += [] if templates else describe.template_check(result)
    found = sorted((*result.diagnostics, *templates), key=lambda d: (d.path, d.line, d.column, d.code, d.message))
    click.echo(report.render(found, fmt, prefix), nl=False)
    if fmt == "text":
        click.echo(report.summary(found, len(result.files)), err=True)
    if any(d.is_error for d in found) or (strict and found):
        sys.exit(1)


@click.command("build")
@root_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="The output folder.  [default: ROOT/public]")
@click.option("--drafts", is_flag=True, help="Include articles marked draft: true.")
@click.option("--now", "now_text", metavar="ISO-8601", help="Build as of this moment (scheduled articles, feed dates).")
@click.option("--jobs", type=click.IntRange(min=1), metavar="N", help="Processes to render with.  [default: all cores]")
@click.option("--watch", is_flag=True, help="Then keep the site in memory and build again each time a file changes (Ctrl-C stops).")
def build_command(root: Path, out: Path | None, drafts: bool, now_text: str | None, jobs: int | None, watch: bool) -> None:
    """Render the site: HTML pages, JSON API, Atom feeds and sitemap. Refuses content with errors.

    Only what changed since the last build is made again (the cache is in ROOT/.pipeline-cache/);
    when nothing did, the build stops at once. With --watch, a build after an edit rewrites only the
    files it changed, and content with errors leaves the last good build in the folder.
    """
    from pipeline.build import freshness

    target = out or root / "public"
    if out is None and target.is_symlink():  # a committed link would send the build anywhere; a folder named on the command line may be one
        fail(UsageError(f"refusing to build into {target}: it is a link; remove it, or name the folder with --out"))
    moment = _moment(now_text)
    options = (now_text or "", "drafts" if drafts else "")
    if watch:
        _build_watching(root, target, moment, drafts, jobs, options)
        return
    fresh, taken = freshness.up_to_date(root, target, options, moment or datetime.now(UTC))
    if fresh:
        click.echo(f"nothing changed since the last build; {target} is up to date")
        return
    from pipeline import workers
    from pipeline.build import incremental

    try:
        with once():
            outcome = incremental.build_into(root, target, moment, drafts, jobs or workers.default_jobs(), options, taken)
    except OSError as exc:
        fail(UsageError(f"cannot write the build: {exc.strerror} ({exc.filename})"))
    except PipelineError as exc:
        fail(exc, "text")
    leave_to_exit(outcome.kept)
    for note in outcome.notes:
        click.echo(f"pipeline: {note}", err=True)
    removed = f", {outcome.removed} removed" if outcome.removed else ""
    click.echo(f"built {outcome.files} files ({outcome.pages} pages) into {target}: {outcome.written} written{removed}")


def _build_watching(root: Path, target: Path, moment: datetime | None, drafts: bool, jobs: int | None, options: tuple[str, ...]) -> None:
    """`build --watch`: build, then build again after each burst of changes to the site's files, from the last build in memory."""
    from pipeline import workers
    from pipeline.build import incremental, serve
    from pipeline.content.sources import Changed

    session: incremental.Session | None = None

    def rebuild(jobs: int = 1, first: bool = False, idle: bool = False) -> None:  # one process once the watcher's threads run
        nonlocal session  # (forking them is unsafe); `idle`: a pause in the edits, used to let the session's old plans go
        if idle and (session is None or not session.due()):
            return
        started = time.perf_counter()
        try:
            outcome = incremental.build_into(root, target, moment, drafts, jobs, options, session=session, watching=True, refresh=idle)
        except Changed:  # a file was saved while this build read it: its OS event starts the next one
            return
        except UsageError as exc:
            if first:  # no site here, or a folder it must not write into: as `build` says it, and nothing is watched
                fail(exc)
            click.echo(f"pipeline: {report.printable(exc.message)}; {_kept(target)}", err=True)
            return
        except OSError as exc:
            click.echo(f"pipeline: cannot write the build: {exc.strerror} ({exc.filename}); watching for the next change", err=True)
            return
        except PipelineError as exc:
            shown = report.render(exc.diagnostics, "text") if exc.diagnostics else ""
            click.echo(f"{shown}pipeline: {report.printable(exc.message)}; {_kept(target)}", err=True)
            return
        session = outcome.session
        if idle and not (outcome.written or outcome.removed):  # the folder was already what the files make
            return
        for note in outcome.notes:
            click.echo(f"pipeline: {note}", err=True)
        removed = f", {outcome.removed} removed" if outcome.removed else ""
        took = time.perf_counter() - started
        click.echo(f"built {outcome.files} files ({outcome.pages} pages) into {target} in {took:.2f} s: {outcome.written} written{removed}")

    with batch():  # the site in memory is millions of objects: collected as rarely as in a build
        rebuild(jobs or workers.default_jobs(), first=True)
        stop, watching = threading.Event(), threading.Event()
        watcher = threading.Thread(target=serve.watch, args=(root, rebuild, stop, watching, lambda: rebuild(idle=True)), daemon=True)
        watcher.start()
        watching.wait(10)  # "watching" is said once an edit saved after it is seen
        click.echo(f"watching {root.resolve()} for changes (Ctrl-C to stop)", err=True)
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            while watcher.is_alive() and not stop.is_set():
                watcher.join(0.2)
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            watcher.join()  # a build under way ends, its folder and cache whole, before the command does


def _kept(target: Path) -> str:
    """What a build that failed left in its folder: the last good build, or (before any) nothing yet."""
    from pipeline.build import write

    return f"{target} keeps the last good build" if write.marker(target) else f"nothing is built into {target} until the site builds"


@click.command("serve")
@root_option
@click.option("--port", default=8000, show_default=True, help="The port on 127.0.0.1 (0: any free port).")
@click.option("--drafts", is_flag=True, help="Include articles marked draft: true.")
@click.option("--live", is_flag=True, help="Serve what a local target has live (its `current` deploy) instead of a fresh build.")
@click.option("--target", "target_name", metavar="NAME", help="With --live: the local target.  [default: default]")
@click.option(
    "--allow-host",
    "hosts",
    multiple=True,
    metavar="NAME",
    help="Also answer requests for this host name (a forwarded port's, one in /etc/hosts); localhost and IP addresses always are.",
)
def serve_command(root: Path, port: int, drafts: bool, live: bool, target_name: str | None, hosts: tuple[str, ...]) -> None:
    """Preview the site on http://127.0.0.1:PORT/: rebuilt when a file changes, open pages reload (Ctrl-C stops).

    A change that breaks the build shows on the open page, over the last good version, with the file and line.
    """
    import tempfile

    from pipeline import workers
    from pipeline.build import serve
    from pipeline.config.site import load_config
    from pipeline.publish import run as publish

    if live:
        try:
            chosen, kind = publish.target(load_config(root)[0], target_name)
        except PipelineError as exc:
            fail(exc)
        if kind != "local":
            fail(UsageError(f"--live serves a local target; '{chosen.name}' is {kind}"))
        try:
            folder = chosen.live_folder()  # type: ignore[attr-defined]
        except PipelineError as exc:
            fail(exc)
        _serve_forever(serve.server(folder, port, hosts=hosts, refused=_refused), f"the live deploy of target '{chosen.name}'")
        return
    from pipeline.build.preview import Preview
    from pipeline.content.sources import Changed

    builds = serve.Builds()

    def failed(exc: PipelineError) -> None:
        shown = report.render(exc.diagnostics, "text") + f"pipeline: {exc.message}"
        kept = "still serving the last good build" if builds.built else "nothing to serve until the site builds: fix it and save"
        click.echo(f"{shown}; {kept}", err=True)
        builds.done(shown)

    site = Preview(root, drafts, failed)

    def rebuild(jobs: int = 1, idle: bool = False) -> None:  # one process once the server's threads run (forking them is unsafe)
        started = time.perf_counter()  # `idle`: a pause in the edits, used to let the session's old plans go (Preview.refresh)
        try:
            done = site.refresh() if idle else site.rebuild(jobs)
        except Changed:  # a file was saved while this rebuild read it: its OS event starts the next one
            return
        except PipelineError as exc:
            failed(exc)
            return
        if done is None or (idle and not done.changed):  # open pages already show what the files make
            return
        for note in done.notes:
            click.echo(f"pipeline: {note}", err=True)
        click.echo(f"rebuilt in {time.perf_counter() - started:.2f} s: {done.changed} of {done.files} outputs changed", err=True)
        builds.done()

    with batch():  # the site in memory is millions of objects: collected as rarely as in a build (a third of a rebuild else)
        rebuild(workers.default_jobs())
        stop, watching = threading.Event(), threading.Event()
        threading.Thread(target=serve.watch, args=(root, rebuild, stop, watching, lambda: rebuild(idle=True)), daemon=True).start()
        watching.wait(10)  # "serving" is said once an edit saved after it is seen
        with tempfile.TemporaryDirectory(prefix="pipeline-serve-") as folder:  # an empty folder: nothing is read from it
            try:
                _serve_forever(serve.server(Path(folder), port, builds, site, hosts, _refused), str(root.resolve()))
            finally:
                stop.set()


def _refused(name: str) -> None:
    """What the terminal says the first time a request for a host name the preview does not answer to is refused."""
    named = f"host {name}" if name else "a Host header that names no host"
    hint = f"; if that is you, start serve with --allow-host {name}" if name else ""
    click.echo(f"pipeline: refused a request for {named} (the preview answers to localhost and IP addresses){hint}", err=True)


def _serve_forever(httpd: http.server.ThreadingHTTPServer, what: str) -> None:
    click.echo(f"serving {what} on http://127.0.0.1:{httpd.server_address[1]}/ (Ctrl-C to stop)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # clean up (the preview folder) on `kill` too
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()


def _moment(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise click.BadParameter(f"'{text}' is not an ISO-8601 date and time", param_hint="--now") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
