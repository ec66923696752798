"""Shared helpers: build sites from a dict of files in tmp_path and run the real CLI on them."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli.main import cli

SITE_YAML = """\
base_url: https://example.org/
source_locale: en
locales:
  en:
    name: English
  he:
    name: עברית
    unverified: off
tags:
  kindness:
    en: Kindness
    he: טוב לב
  gratitude:
    en: Gratitude
    he: הכרת תודה
"""


def article(title: str = "A title", summary: str = "A summary.", body: str = "Some text.\n", **fields: str) -> str:
    """An article file: the given front matter lines, then the body."""
    lines = ["---", f"title: {title}", "date: 2024-03-12", f"summary: {summary}"]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    return "\n".join(lines) + "\n---\n\n" + body


def hebrew(title: str = "כותרת", summary: str = "תקציר.", body: str = "טקסט כלשהו.\n", **fields: str) -> str:
    """A Hebrew article whose text differs from `article()`'s English."""
    return article(title, summary, body, **fields)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never see a real token or a locale setting from the machine, nor the user's build-cache key."""
    for name in ("NETLIFY_AUTH_TOKEN", "NETLIFY_SITE_ID", "LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "user-cache"))


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., Path]:
    """Write `files` (path -> text or bytes) under a fresh site root; site.yaml defaults to SITE_YAML."""

    def make(files: dict[str, str | bytes], site_yaml: str | None = SITE_YAML) -> Path:
        root = tmp_path / "site"
        root.mkdir(exist_ok=True)
        if site_yaml is not None:
            (root / "site.yaml").write_text(site_yaml, encoding="utf-8")
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", newline="")
        return root

    return make


class Run:
    def __init__(self, exit_code: int, stdout: str, stderr: str) -> None:
        self.exit_code, self.stdout, self.stderr = exit_code, stdout, stderr

    @property
    def diagnostics(self) -> list[tuple[str, int, int, str]]:
        """(path, line, column, code) of each diagnostic, from the JSON report."""
        return [(d["path"], d["line"], d["column"], d["code"]) for d in json.loads(self.stdout)["diagnostics"]]

    @property
    def messages(self) -> dict[str, str]:
        return {d["code"]: d["message"] for d in json.loads(self.stdout)["diagnostics"]}


def run(*args: str) -> Run:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


def validate_json(root: Path, *args: str) -> Run:
    return run("validate", "--root", str(root), "--format", "json", *args)


@dataclass
class Serving:
    """A running `pipeline serve`: the address it serves on, and what it told on stderr once it has stopped."""

    base: str
    errors: str = ""


@contextmanager
def serving(root: Path, *args: str) -> Iterator[Serving]:
    """Start the real `pipeline serve` for `root` on a free port, with `args`; stop it on leaving, keeping its stderr."""
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "serve", "--root", str(root), "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    line = process.stdout.readline()
    if "serving" not in line:
        process.kill()
        raise AssertionError(line + process.stderr.read())
    served = Serving(line.split(" on ")[1].split()[0].rstrip("/"))
    try:
        yield served
    finally:
        process.terminate()
        served.errors = process.communicate(timeout=10)[1]


def built_tree(folder: Path) -> dict[str, bytes]:
    """Every file a build wrote (its marker holds the build's id, which differs by design)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".pipeline-build"
    }


def cold_build(root: Path, folder: Path, *args: str) -> dict[str, bytes]:
    """What a build from nothing makes of the site: a copy without its cache, its output or its target, one job, `args`."""
    import shutil

    copy = folder / "cold-site"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".pipeline-cache", "public", "published"))
    out = folder / "cold-out"
    shutil.rmtree(out, ignore_errors=True)
    result = run("build", "--root", str(copy), "--out", str(out), "--jobs", "1", *args)
    assert result.exit_code == 0, result.stdout + result.stderr
    return built_tree(out)
