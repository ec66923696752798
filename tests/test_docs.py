"""What users read: every diagnostic code documented, the CI workflow runs what the README says."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from pipeline.diagnostics import RULES

ROOT = Path(__file__).resolve().parent.parent


def test_every_diagnostic_code_is_documented_with_its_severity():
    readme = (ROOT / "README.md").read_text("utf-8")
    documented = dict(re.findall(r"^\| `([a-z-]+)` \| (error|warning) \|", readme, re.MULTILINE))
    assert documented == {code: rule.severity.value for code, rule in RULES.items()}


def test_the_content_workflow_annotates_uploads_sarif_and_fails_on_errors():
    workflow = yaml.safe_load((ROOT / ".github/workflows/validate-content.yml").read_text("utf-8"))
    assert "pull_request" in workflow[True]  # YAML 1.1 reads the key `on` as true
    steps = workflow["jobs"]["validate"]["steps"]
    runs = [step.get("run", "") for step in steps]
    assert any("pipeline validate --format github" == run.strip() for run in runs)
    sarif_step = next(run for run in runs if "--format sarif" in run)
    assert "|| test $? -eq 1" in sarif_step  # content errors still produce the report; exit 2 fails
    upload = next(step for step in steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    assert upload["if"] == "always()"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text("utf-8")
    quick_start = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = re.findall(r"^(make \w+)", quick_start, re.MULTILINE)
    assert commands == ["make publish", "make test"]
    assert "make test" in (ROOT / ".ci/run").read_text("utf-8")


def test_the_developers_module_table_names_every_module_and_only_those():
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("The modules, each one job", 1)[1].split("###", 1)[0]
    listed = set()
    for cell in re.findall(r"^\| ([^|]+) \|", section, re.MULTILINE)[2:]:  # past the header and its rule
        folder = ""
        for name in re.findall(r"`([\w/]+\.py)`", cell):
            folder = name.rpartition("/")[0] if "/" in name else folder
            listed.add(name if "/" in name or not folder else f"{folder}/{name}")
    package = ROOT / "src/pipeline"
    modules = {p.relative_to(package).as_posix() for p in package.rglob("*.py") if not p.name.startswith("__")}
    assert listed == modules


def test_every_folder_of_the_package_says_its_job_in_one_line():
    for init in (ROOT / "src/pipeline").rglob("__init__.py"):
        if init.parent.name != "pipeline":
            text = init.read_text("utf-8")
            assert re.fullmatch(r'"""[^\n]+"""\n', text), init
