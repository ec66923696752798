"""The `pipeline` command line; the only place errors become exit codes."""

from __future__ import annotations

import contextlib
import gc
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline import __version__, report
from pipeline.errors import ConfigError, PipelineError, UsageError

if TYPE_CHECKING:
    import http.server

# The stages are imported by the commands that use them: `build` answers "nothing changed" before
# Jinja, YAML, Babel or jsonschema are loaded.

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
@click.option("--jobs", type=click.IntRange(min=1), metavar="N", help="Processes to check files with.  [default: all cores]")
def validate_command(root: Path, fmt: str, strict: bool, jobs: int | None) -> None:
    """Check every article and site.yaml; print every problem with its file and line.

    Exit 0 when clean (warnings allowed unless --strict), 1 when the content has errors,
    2 when the command or site.yaml cannot be used.
    """
    from pipeline import workers
    from pipeline.build import incremental
    from pipeline.validate import validate

    known, _, notes = incremental.last_build(root)  # files unchanged since the last build are not checked on their own again
    for note in notes:
        click.echo(f"pipeline: {note}", err=True)
    try:
        with _batch():
            result = validate(root, known, jobs or workers.default_jobs())
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


@cli.command("build")
@_root_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="The output folder.  [default: ROOT/public]")
@click.option("--drafts", is_flag=True, help="Include articles marked draft: true.")
@click.option("--now", "now_text", metavar="ISO-8601", help="Build as of this moment (scheduled articles, feed dates).")
@click.option("--jobs", type=click.IntRange(min=1), metavar="N", help="Processes to render with.  [default: all cores]")
def build_command(root: Path, out: Path | None, drafts: bool, now_text: str | None, jobs: int | None) -> None:
    """Render the site: HTML pages, JSON API, Atom feeds and sitemap. Refuses content with errors.

    Only what changed since the last build is made again (the cache is in ROOT/.pipeline-cache/);
    when nothing did, the build stops at once.
    """
    from pipeline.build import freshness

    target = out or root / "public"
    moment = _moment(now_text)
    options = (now_text or "", "drafts" if drafts else "")
    if freshness.up_to_date(root, target, options, moment or datetime.now(UTC)):
        click.echo(f"nothing changed since the last build; {target} is up to date")
        return
    from pipeline import workers
    from pipeline.build import incremental

    try:
        with _batch():
            outcome = incremental.build_into(root, target, moment, drafts, jobs or workers.default_jobs(), options)
    except OSError as exc:
        _fail(UsageError(f"cannot write the build: {exc.strerror} ({exc.filename})"))
    except PipelineError as exc:
        if exc.diagnostics:
            click.echo(report.render(exc.diagnostics, "text"), nl=False)
        _fail(exc)
    for note in outcome.notes:
        click.echo(f"pipeline: {note}", err=True)
    removed = f", {outcome.removed} removed" if outcome.removed else ""
    click.echo(f"built {outcome.files} files ({outcome.pages} pages) into {target}: {outcome.written} written{removed}")


@cli.command("serve")
@_root_option
@click.option("--port", default=8000, show_default=True, help="The port on 127.0.0.1 (0: any free port).")
@click.option("--drafts", is_flag=True, help="Include articles marked draft: true.")
@click.option("--live", is_flag=True, help="Serve what a local target has live (its `current` deploy) instead of a fresh build.")
@click.option("--target", "target_name", metavar="NAME", help="With --live: the local target.  [default: default]")
def serve_command(root: Path, port: int, drafts: bool, live: bool, target_name: str | None) -> None:
    """Preview the site on http://127.0.0.1:PORT/, rebuilding when a file changes (Ctrl-C stops)."""
    from pipeline import workers
    from pipeline.build import incremental, serve
    from pipeline.config.site import load_config
    from pipeline.publish import run as publish

    if live:
        try:
            chosen, kind = publish.target(load_config(root)[0], target_name)
        except PipelineError as exc:
            _fail(exc)
        if kind != "local":
            _fail(UsageError(f"--live serves a local target; '{chosen.name}' is {kind}"))
        _serve_forever(serve.server(chosen.current, port), f"the live deploy of target '{chosen.name}'")  # type: ignore[attr-defined]
        return
    with tempfile.TemporaryDirectory(prefix="pipeline-serve-") as folder:
        out = Path(folder) / "site"

        def rebuild(jobs: int = 1) -> None:  # one process once the server's threads run (forking them is unsafe)
            try:
                done = incremental.build_into(root, out, None, drafts, jobs, ("", "drafts" if drafts else ""))
                for note in done.notes:
                    click.echo(f"pipeline: {note}", err=True)
                click.echo(f"rebuilt: {done.written} written", err=True)
            except PipelineError as exc:
                click.echo(report.render(exc.diagnostics, "text") + f"pipeline: {exc.message}; still serving the last good build", err=True)

        rebuild(workers.default_jobs())
        out.mkdir(exist_ok=True)
        stop = threading.Event()
        threading.Thread(target=serve.watch, args=(root, rebuild, stop), daemon=True).start()
        try:
            _serve_forever(serve.server(out, port), str(root.resolve()))
        finally:
            stop.set()


def _serve_forever(httpd: http.server.ThreadingHTTPServer, what: str) -> None:
    click.echo(f"serving {what} on http://127.0.0.1:{httpd.server_address[1]}/ (Ctrl-C to stop)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # clean up (the preview folder) on `kill` too
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()


@contextlib.contextmanager
def _batch() -> Iterator[None]:
    """One command over a whole site: it makes millions of objects and few cycles, so collect garbage rarely."""
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)  # Python's 700 makes collections cost more than the build at 5,000 pairs
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _moment(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise click.BadParameter(f"'{text}' is not an ISO-8601 date and time", param_hint="--now") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@cli.command("publish")
@_root_option
@click.option("--target", "target_name", metavar="NAME", help="A target from site.yaml.  [default: default]")
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
        with _batch():
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
        if exc.diagnostics:
            click.echo(report.render(exc.diagnostics, "text"), nl=False)
        _fail(exc)
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


@cli.command("deploys")
@_root_option
@click.option("--target", "target_name", metavar="NAME", help="A target from site.yaml.  [default: default]")
def deploys_command(root: Path, target_name: str | None) -> None:
    """List a target's deploys, newest first, and which one is live."""
    from pipeline.config.site import load_config
    from pipeline.publish import run as publish
    from pipeline.publish import summary

    try:
        chosen, _ = publish.target(load_config(root)[0], target_name)
        click.echo(summary.deploys_text(chosen.deploys()), nl=False)
    except PipelineError as exc:
        _fail(exc)


@cli.command("rollback")
@_root_option
@click.option("--target", "target_name", metavar="NAME", help="A target from site.yaml.  [default: default]")
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
        _fail(exc)
    click.echo(f"deploy {receipt.deploy_id} is live again at {receipt.url}")


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
    from pipeline.translators import translate

    try:
        click.echo(translate.translate(root, lang, article_id, accept))
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
    from pipeline.translators import dashboard, status
    from pipeline.validate import validate

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


@cli.group("i18n")
def i18n_group() -> None:
    """Interface strings in gettext catalogs (locales/), through Babel.

    The workflow: extract -> init LANG (once) or update -> translate in Poedit or Weblate -> check -> compile.
    """


@i18n_group.command("extract")
@_root_option
def i18n_extract_command(root: Path) -> None:
    """Extract the strings of the theme, the site's templates/ and the package into locales/messages.pot."""
    from pipeline.catalogs import i18n

    try:
        messages, written = i18n.write_template(root)
    except PipelineError as exc:
        _i18n_fail(exc)
    state = "wrote" if written else "unchanged:"
    click.echo(f"{state} {i18n.TEMPLATE} ({messages} message{'' if messages == 1 else 's'})")


@i18n_group.command("init")
@_root_option
@click.argument("lang")
def i18n_init_command(root: Path, lang: str) -> None:
    """Start the catalog of LANG from locales/messages.pot, with CLDR's plural forms (Hebrew: one / two / other)."""
    from pipeline.catalogs import i18n

    try:
        path = i18n.init(root, lang)
    except PipelineError as exc:
        _i18n_fail(exc)
    click.echo(f"created {path}")


@i18n_group.command("update")
@_root_option
def i18n_update_command(root: Path) -> None:
    """Merge locales/messages.pot into every catalog: new strings added, changed ones fuzzy, removed ones obsolete."""
    from pipeline.catalogs import i18n

    try:
        updated, problems = i18n.update(root)
    except PipelineError as exc:
        _i18n_fail(exc)
    for path in updated:
        click.echo(f"updated {path}")
    if not updated:
        click.echo("every catalog is up to date with the template")
    if problems:
        click.echo(report.render(problems, "text"), nl=False)
        sys.exit(1)


@i18n_group.command("compile")
@_root_option
def i18n_compile_command(root: Path) -> None:
    """Write messages.mo beside each catalog (fuzzy strings left out); a catalog with errors is reported, not compiled."""
    from pipeline.catalogs import i18n

    try:
        written, errors = i18n.compile_catalogs(root)
    except PipelineError as exc:
        _i18n_fail(exc)
    for path in written:
        click.echo(f"wrote {path}")
    if errors:
        click.echo(report.render(errors, "text"), nl=False)
        sys.exit(1)


@i18n_group.command("check")
@_root_option
@click.option("--format", "fmt", type=click.Choice(report.FORMATS), default="text", show_default=True, help="How to print the diagnostics.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too: fuzzy or untranslated strings.")
def i18n_check_command(root: Path, fmt: str, strict: bool) -> None:
    """The CI gate: is messages.pot up to date with the sources, and is every catalog sound?

    Exit 0 when clean (warnings allowed unless --strict), 1 on problems, 2 when the command cannot run.
    """
    from pipeline.catalogs import i18n

    try:
        files, diagnostics = i18n.check(root)
    except PipelineError as exc:
        if exc.diagnostics:
            click.echo(report.render(exc.diagnostics, fmt), nl=False)
        _fail(exc)
    click.echo(report.render(diagnostics, fmt), nl=False)
    if fmt == "text":
        click.echo(i18n.summary(diagnostics, files), err=True)
    if any(d.is_error for d in diagnostics) or (strict and diagnostics):
        sys.exit(1)


def _i18n_fail(exc: PipelineError) -> None:
    if exc.diagnostics:
        click.echo(report.render(exc.diagnostics, "text"), nl=False)
    _fail(exc)


def _fail(exc: PipelineError) -> None:
    click.echo(f"pipeline: {exc.message}", err=True)
    sys.exit(exc.exit_code)


def main() -> None:
    """The console script's entry point."""
    cli(prog_name="pipeline")
