"""What a build holds in memory: Markdown rendering frees what it allocates."""

from __future__ import annotations

import sys

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from pipeline.content import cmark

SAFE = Options.CMARK_OPT_SOURCEPOS | Options.CMARK_OPT_FOOTNOTES
EXTENSIONS = ["table", "strikethrough", "autolink", "tasklist"]
MARKDOWN = """\
# Title

Text with **bold**, `code`, ~~struck~~, a footnote[^1], https://example.org and <b>raw</b> HTML.

| a | b |
| :- | -: |
| 1 | 2 |

- [x] done
- [ ] to do

```python
print("hi")
```

[^1]: The note.
"""


@pytest.mark.parametrize(
    ("options", "extensions"), [(SAFE, EXTENSIONS), (SAFE | Options.CMARK_OPT_UNSAFE, [*EXTENSIONS, "tagfilter"]), (0, [])]
)
def test_html_is_cmarkgfms_own(options, extensions):
    for text in (MARKDOWN, "", "עברית *נטויה*\n", MARKDOWN * 3):
        assert cmark.to_html(text, options, extensions) == cmarkgfm.markdown_to_html_with_extensions(
            text, options=options, extensions=extensions
        )


def test_an_unknown_extension_is_refused():
    with pytest.raises(ValueError, match="unknown cmark-gfm extension"):
        cmark.to_html("x", 0, ["no-such-extension"])


def _resident_kb() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_rendering_frees_the_document_and_its_html():
    assert cmark._RELEASE is not None  # cmarkgfm's library exports cmark's own freeing functions
    text = MARKDOWN * 400  # ~140 kB: cmarkgfm's own wrapper keeps ~4 MB a call of it
    cmark.to_html(text, SAFE, EXTENSIONS)
    before = _resident_kb()
    for _ in range(30):
        cmark.to_html(text, SAFE, EXTENSIONS)
    assert _resident_kb() - before < 20_000
