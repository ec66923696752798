"""Bytes and text: UTF-8 with a byte offset, BOM and CRLF accepted, NFC, and Trojan Source bidi controls."""

from __future__ import annotations

import json

from conftest import SITE_YAML, article, hebrew, validate_json

HE = hebrew()


def test_invalid_utf8_gives_line_column_and_byte_offset(make_site):
    data = article(body="Line one.\nBad \xff byte.\n").encode("utf-8").replace(b"\xc3\xbf", b"\xff")
    root = make_site({"content/en/a.md": data, "content/he/a.md": HE})
    result = validate_json(root)
    assert result.diagnostics == [("content/en/a.md", 8, 5, "encoding-invalid")]
    offset = data.index(b"\xff")
    assert f"byte offset {offset}" in result.messages["encoding-invalid"]


def test_an_invalid_byte_after_a_bom_is_located_in_the_file_as_saved(make_site):
    """The BOM is dropped before decoding: the byte offset, line and column still count from the file's first byte."""
    data = b"\xef\xbb\xbf" + article(body="Line one.\nBad \xff byte.\n").encode("utf-8").replace(b"\xc3\xbf", b"\xff")
    root = make_site({"content/en/a.md": data, "content/he/a.md": HE})
    result = validate_json(root)
    assert result.diagnostics == [("content/en/a.md", 8, 5, "encoding-invalid")]
    offset = data.index(b"\xff")
    assert f"byte offset {offset}" in result.messages["encoding-invalid"]


def test_utf16_is_named(make_site):
    root = make_site({"content/en/a.md": article().encode("utf-16"), "content/he/a.md": HE})
    result = validate_json(root)
    assert result.diagnostics == [("content/en/a.md", 1, 1, "encoding-invalid")]
    assert "UTF-16" in result.messages["encoding-invalid"]


def test_hebrew_saved_by_an_old_windows_editor_is_named_and_latin_1_is_not_taken_for_it(make_site):
    hebrew_1255 = hebrew(body="שלום עולם, זה טקסט.\n").encode("cp1255")  # the bytes Notepad once saved Hebrew as
    latin_1 = article(title="Café crème").encode("latin-1")  # é and è are Hebrew letters in Windows-1255, inside Latin words
    root = make_site({"content/en/a.md": latin_1, "content/he/a.md": hebrew_1255})
    result = validate_json(root)
    assert [d[:2] for d in result.diagnostics if d[3] == "encoding-invalid"] == [("content/en/a.md", 2), ("content/he/a.md", 2)]
    messages = [m for m in _messages(result) if "UTF-8 byte" in m]
    assert messages[0].endswith("; save the file as UTF-8")
    assert messages[1].endswith(
        "; it reads as Hebrew saved in Windows-1255, an older Windows encoding: reopen it in that encoding, then save it as UTF-8"
    )


def _messages(result) -> list[str]:
    return [d["message"] for d in json.loads(result.stdout)["diagnostics"]]


def test_bom_and_crlf_are_accepted(make_site):
    data = b"\xef\xbb\xbf" + article(body="[link](b.md)\n").replace("\n", "\r\n").encode()
    root = make_site(
        {"content/en/a.md": data, "content/en/b.md": article(), "content/he/a.md": hebrew(body="[קישור](b.md)\n"), "content/he/b.md": HE}
    )
    assert validate_json(root).diagnostics == []


def test_text_not_in_nfc_is_located(make_site):
    root = make_site({"content/en/a.md": article(body="Fine.\nCafe\u0301 au lait.\n"), "content/he/a.md": HE})
    assert validate_json(root).diagnostics == [("content/en/a.md", 8, 5, "unicode-not-nfc")]


def test_trojan_source_overrides_and_unbalanced_controls(make_site):
    body = (
        "Access \u202eresu\u202c granted.\n"  # an override, even closed, reorders what is shown
        "An isolate \u2067עברית never closed.\n"
        "A stray \u2069 closer.\n"
        "Balanced \u2067עברית\u2069 and marks \u200f\u200e are fine.\n"
    )
    root = make_site({"content/en/a.md": article(body=body), "content/he/a.md": HE})
    assert validate_json(root).diagnostics == [
        ("content/en/a.md", 7, 8, "bidi-override"),
        ("content/en/a.md", 8, 12, "bidi-unbalanced"),
        ("content/en/a.md", 9, 9, "bidi-unbalanced"),
    ]


def test_bidi_controls_in_front_matter_titles(make_site):
    root = make_site({"content/en/a.md": article(title="Pay \u202dnow"), "content/he/a.md": HE})
    assert validate_json(root).diagnostics == [("content/en/a.md", 2, 12, "bidi-override"), ("content/en/a.md", 2, 12, "bidi-unbalanced")]


def test_files_over_the_size_limit_are_refused_before_reading(make_site):
    big = article(body="x" * 5000)
    root = make_site({"content/en/a.md": big, "content/he/a.md": HE}, SITE_YAML + "limits:\n  max_file_bytes: 2048\n")
    result = validate_json(root)
    assert result.diagnostics == [("content/en/a.md", 1, 1, "file-unreadable")]
    assert "over the site's limit of 2,048" in result.messages["file-unreadable"]
