"""The shortcuts taken for speed give what the plain way gives."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import markdown

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOURCE_LINE = st.lists(st.sampled_from(list("ab <>[]()!:`-/?") + ["](", "![", "]:", "<!--", "<a ", "http:", "   ", "שלום"]), max_size=40).map("".join)


@SETTINGS
@given(SOURCE_LINE)
def test_source_lines_without_a_needle_have_no_match(line):
    for pattern, needles in markdown._NEEDLES.items():
        if pattern.search(line):
            assert any(needle in line for needle in needles)
