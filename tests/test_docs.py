"""What users read: every diagnostic code documented, the CI workflow runs what the README says."""

from __future__ import annotations

import re
import subprocess
import sys
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


def test_the_shipped_workflows_are_valid_github_workflows():
    workflows = sorted(str(p) for p in (ROOT / ".github/workflows").glob("*.yml"))
    assert len(workflows) >= 2
    checked = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", *workflows],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_publish_workflow_publishes_on_merge_and_on_a_button_and_previews_pull_requests():
    workflow = yaml.safe_load((ROOT / ".github/workflows/publish-content.yml").read_text("utf-8"))
    triggers = workflow[True]
    assert triggers["push"]["branches"] == ["main"] and "workflow_dispatch" in triggers and "pull_request" in triggers
    assert workflow["concurrency"]["cancel-in-progress"] is False  # a publish is never stopped halfway
    assert workflow["env"]["NETLIFY_AUTH_TOKEN"] == "${{ secrets.NETLIFY_AUTH_TOKEN }}"
    publish, preview = workflow["jobs"]["publish"], workflow["jobs"]["preview"]
    assert publish["if"] == "github.event_name != 'pull_request'"
    assert "head.repo.full_name == github.repository" in preview["if"]  # forks get no secrets and no preview
    publish_runs = "\n".join(step.get("run", "") for step in publish["steps"])
    assert "pip install bilingual-pipeline==" in publish_runs
    assert "--dry-run > plan.txt" in publish_runs and publish_runs.count("GITHUB_STEP_SUMMARY") == 2
    preview_runs = "\n".join(step.get("run", "") for step in preview["steps"])
    assert "--draft > draft.txt" in preview_runs and "GITHUB_STEP_SUMMARY" in preview_runs
    assert "${{ inputs.target" not in publish_runs + preview_runs  # inputs reach scripts as variables, never pasted into them
