"""Markdown to HTML by cmark-gfm (C), freeing the document and the HTML it allocates (cmarkgfm's own wrapper keeps both).

`cmarkgfm.markdown_to_html_with_extensions` never frees the parsed document nor the rendered HTML: every
call leaks several times the text's size (~35 kB for an article of 800 words), which a worker studying
1,000 articles, or `serve` over a day of edits, holds until it exits. This module makes the same calls
through cmarkgfm's compiled bindings and frees both with cmark's own functions, found by ctypes in the
same library; where they cannot be found it falls back to cmarkgfm's wrapper, with the same output.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from typing import Any

import cmarkgfm
from cmarkgfm import _cmark


class _Mem(ctypes.Structure):
    """cmark's `cmark_mem`: the allocator a document's nodes and its rendered HTML come from."""

    _fields_ = [
        ("calloc", ctypes.c_void_p),
        ("realloc", ctypes.c_void_p),
        ("free", ctypes.CFUNCTYPE(None, ctypes.c_void_p)),
    ]


def _release_functions() -> tuple[Any, Any] | None:
    """cmark's `cmark_node_free` and its allocator's `free`, from the library cmarkgfm loaded; None when it does not export them."""
    try:
        library = ctypes.CDLL(_cmark.__file__)
        node_free = library.cmark_node_free
        allocator = library.cmark_get_default_mem_allocator
    except (OSError, AttributeError):
        return None
    node_free.argtypes, node_free.restype = [ctypes.c_void_p], None
    allocator.argtypes, allocator.restype = [], ctypes.POINTER(_Mem)
    return node_free, allocator().contents.free


_RELEASE = _release_functions()


def to_html(markdown: str, options: int, extensions: Sequence[str]) -> str:
    """The HTML cmark-gfm renders from `markdown` with `options` and the named syntax extensions."""
    if _RELEASE is None:
        return cmarkgfm.markdown_to_html_with_extensions(markdown, options=options, extensions=list(extensions))
    node_free, mem_free = _RELEASE
    ffi, lib = _cmark.ffi, _cmark.lib
    lib.cmark_gfm_core_extensions_ensure_registered()
    found = [lib.cmark_find_syntax_extension(name.encode()) for name in extensions]
    if any(extension == ffi.NULL for extension in found):
        raise ValueError(f"unknown cmark-gfm extension among {list(extensions)}")
    parser = lib.cmark_parser_new(options)
    try:
        for extension in found:
            lib.cmark_parser_attach_syntax_extension(parser, extension)
        data = markdown.encode("utf-8")
        lib.cmark_parser_feed(parser, data, len(data))
        document = lib.cmark_parser_finish(parser)  # the caller's to free (the parser lets go of it)
        try:
            rendered = lib.cmark_render_html(document, options, lib.cmark_parser_get_syntax_extensions(parser))
            try:
                return str(ffi.string(rendered).decode("utf-8"))
            finally:
                mem_free(_address(rendered))
        finally:
            node_free(_address(document))
    finally:
        lib.cmark_parser_free(parser)


def _address(pointer: Any) -> int:
    return int(_cmark.ffi.cast("uintptr_t", pointer))
