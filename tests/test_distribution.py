"""The tool as a user installs it: a wheel and an sdist built from pyproject.toml, installed by name in a fresh venv."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DISTRIBUTION = "bilingual_pipeline"  # on PyPI: bilingual-pipeline (the name `pipeline` belongs to another project)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(out), str(ROOT)], check=True, capture_output=True)
    return out


def test_the_wheel_holds_the_package_its_theme_and_data(dist: Path) -> None:
    wheel = next(dist.glob(f"{DISTRIBUTION}-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("pipeline/cli/main.py", "pipeline/py.typed", "pipeline/data/article.schema.json", "pipeline/theme/templates/base.html"):
        assert needed in names, needed
    assert any(name.startswith("pipeline/theme/static/") for name in names)
    assert not any(name.startswith(("tests/", "content/")) for name in names)
    sdist = next(dist.glob(f"{DISTRIBUTION}-*.tar.gz"))
    with tarfile.open(sdist) as archive:
        assert any(name.endswith("/src/pipeline/theme/templates/base.html") for name in archive.getnames())


def test_the_wheel_installs_in_a_fresh_venv_and_builds_a_site(dist: Path, tmp_path: Path) -> None:
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    wheel = next(dist.glob(f"{DISTRIBUTION}-*.whl"))
    subprocess.run([str(env / "bin/pip"), "install", "--quiet", str(wheel)], check=True, capture_output=True)
    version = subprocess.run([str(env / "bin/pipeline"), "--version"], check=True, capture_output=True, text=True)
    assert version.stdout.startswith("pipeline, version ")
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(ROOT / "site.yaml", site)
    for folder in ("content", "locales", "schemas", "static"):
        shutil.copytree(ROOT / folder, site / folder)
    built = subprocess.run([str(env / "bin/pipeline"), "build", "--root", str(site)], check=False, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    assert (site / "public/he/index.html").is_file() and 'dir="rtl"' in (site / "public/he/index.html").read_text("utf-8")
