"""Every built page passes the Nu HTML checker and axe-core (no serious or critical finding) in Chromium, on the sample
site and on a bilingual site using every writer's feature (GFM, footnotes, highlighted code, section links, metadata)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SITE_YAML, article, hebrew
from test_browser import CHROMIUM, FLAGS, ROOT, serve_build

TOOLS = ROOT / "tests/checkers/node_modules"
VNU = TOOLS / "vnu-jar/build/dist/vnu.jar"
AXE = TOOLS / "axe-core/axe.min.js"

BODY_EN = """Intro with ~~old~~ text, `inline code` and a bare https://example.com/x link.[^note]

## Getting started {#start}

| Step | Minutes |
| ---- | ------: |
| Read | 5       |
| Do   | 10      |

- [x] done
- [ ] to do

```python
def greet(name: str) -> str:
    return f"Hello, {name}! This line is long enough to scroll sideways in a narrow column of text."
```

![A blue square](/images/figure.svg "Figure 1: a square")

## Going further

See [the start](#start), [going further](#going-further) and [the other article](b.md#first-steps).

[^note]: A footnote with a [link](https://example.org/).
"""

BODY_HE = """מבוא עם ~~ישן~~ טקסט, `inline code` וקישור https://example.com/x.[^note]

## מתחילים {#start}

| שלב | דקות |
| ---- | ------: |
| קריאה | 5 |
| עשייה | 10 |

- [x] בוצע
- [ ] לעשות

```python
def greet(name: str) -> str:
    return f"Hello, {name}! This line is long enough to scroll sideways in a narrow column of text."
```

![ריבוע כחול](/images/figure.svg "איור 1: ריבוע")

## להמשיך הלאה

ראו [ההתחלה](#start), [להמשיך](#going-further) ו[המאמר האחר](b.md#first-steps).

[^note]: הערת שוליים עם [קישור](https://example.org/).
"""


@pytest.fixture(scope="module")
def tools() -> None:
    assert VNU.is_file() and AXE.is_file(), "run `make test` (it installs tests/checkers/: axe-core and the Nu HTML checker)"
    assert shutil.which("java"), "the Nu HTML checker needs Java: run `make browser`"


@pytest.fixture(scope="module")
def feature_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("features")
    files = {
        "site.yaml": SITE_YAML + "title: {en: Open Heart, he: לב פתוח}\n",
        "content/en/a.md": article("Everything a writer types", "All of GFM.", body=BODY_EN, author="Noa", tags="[kindness]", toc="true"),
        "content/he/a.md": hebrew("כל מה שכותבים מקלידים", "כל GFM.", body=BODY_HE, tags="[kindness]", toc="true"),
        "static/images/figure.svg": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><rect width="40" height="40" fill="#1f6feb"/></svg>',
        "content/en/b.md": article("Second", "Another one.", body="## First steps\n\nText.\n"),
        "content/he/b.md": hebrew("שני", "עוד אחד.", body="## צעדים ראשונים\n\nטקסט.\n"),
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def sites(tmp_path_factory, feature_site) -> Iterator[list[tuple[str, Path]]]:
    built = []
    servers = []
    for name, root in (("sample", ROOT), ("features", feature_site)):
        out = tmp_path_factory.mktemp(f"conformance-{name}") / "public"
        server = serve_build(root, out)
        built.append((next(server), out))
        servers.append(server)
    yield built
    for server in servers:
        next(server, None)


def pages(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))


def test_every_page_passes_the_nu_html_checker(tools, sites):
    for _, out in sites:
        result = subprocess.run(
            ["java", "-jar", str(VNU), "--errors-only", "--format", "json", "--skip-non-html", str(out)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        messages = json.loads(result.stderr or '{"messages": []}')["messages"]
        assert messages == [], [(m.get("url", "").rsplit("/public/", 1)[-1], m.get("lastLine"), m["message"]) for m in messages]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_has_no_serious_or_critical_axe_finding(tools, sites, scheme):
    from playwright.sync_api import sync_playwright

    found = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(color_scheme=scheme, bypass_csp=True)  # axe is injected inline; the site's CSP would refuse it
        for url, out in sites:
            for rel in pages(out):
                page.goto(f"{url}/{rel.removesuffix('index.html')}")
                page.add_script_tag(path=str(AXE))
                result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
                for violation in result["violations"]:
                    if violation["impact"] in ("serious", "critical"):
                        targets = [node["target"] for node in violation["nodes"]][:3]
                        found.append((rel, violation["id"], violation["impact"], targets))
        browser.close()
    assert found == []
