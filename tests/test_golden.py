"""The sample site's build matches the reviewed golden output (regenerate with `make golden`)."""

from __future__ import annotations

import difflib

from golden import sample_output, stored


def test_sample_build_matches_the_golden_files():
    built, golden = sample_output(), stored()
    assert sorted(built) == sorted(golden), "files added or removed: run `make golden` and review the diff"
    for rel in sorted(built):
        if built[rel] != golden[rel]:
            diff = "\n".join(
                difflib.unified_diff(
                    golden[rel].decode("utf-8", "replace").splitlines(),
                    built[rel].decode("utf-8", "replace").splitlines(),
                    f"golden/{rel}",
                    f"built/{rel}",
                    lineterm="",
                )
            )
            raise AssertionError(f"{rel} differs from the golden output (run `make golden` if intended):\n{diff[:3000]}")
