"""The intrinsic size of an image from the first bytes of its file: PNG, GIF, JPEG headers and an SVG's width/height or viewBox."""

from __future__ import annotations

import re
import struct

HEAD_BYTES = 65536  # enough for any of these headers (a JPEG's frame header follows its metadata segments)
EXTENSIONS = (".png", ".gif", ".jpg", ".jpeg", ".svg")
_SVG_TAG = re.compile(rb"<svg\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(rb'\s(width|height|viewBox)\s*=\s*["\']([^"\']*)["\']', re.IGNORECASE)
_LENGTH = re.compile(rb"^\s*([0-9]+(?:\.[0-9]+)?)\s*(?:px)?\s*$")
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # start-of-frame markers (not DHT, JPG, DAC)


def intrinsic_size(name: str, head: bytes) -> tuple[int, int] | None:
    """(width, height) in CSS pixels of the image file `name` that starts with `head`; None when unknown."""
    lower = name.lower()
    if lower.endswith(".png") and head[:8] == b"\x89PNG\r\n\x1a\n" and len(head) >= 24:
        return _positive(*struct.unpack(">II", head[16:24]))
    if lower.endswith(".gif") and head[:3] == b"GIF" and len(head) >= 10:
        return _positive(*struct.unpack("<HH", head[6:10]))
    if lower.endswith((".jpg", ".jpeg")) and head[:2] == b"\xff\xd8":
        return _jpeg(head)
    if lower.endswith(".svg"):
        return _svg(head)
    return None


def _positive(width: int, height: int) -> tuple[int, int] | None:
    return (width, height) if width > 0 and height > 0 else None


def _jpeg(head: bytes) -> tuple[int, int] | None:
    """Walk the segments (each says its length, so this is linear) to the first frame header."""
    at = 2
    while at + 9 <= len(head):
        if head[at] != 0xFF:
            return None
        marker = head[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in _SOF:
            height, width = struct.unpack(">HH", head[at + 5 : at + 9])
            return _positive(width, height)
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length
            at += 2
            continue
        at += 2 + struct.unpack(">H", head[at + 2 : at + 4])[0]
    return None


def _svg(head: bytes) -> tuple[int, int] | None:
    tag = _SVG_TAG.search(head)
    if tag is None:
        return None
    attrs = {name.decode().lower(): value for name, value in _ATTR.findall(tag.group())}
    width, height = (_LENGTH.match(attrs.get(key, b"")) for key in ("width", "height"))
    if width and height:
        return _positive(round(float(width.group(1))), round(float(height.group(1))))
    box = attrs.get("viewbox", b"").replace(b",", b" ").split()
    if len(box) == 4:
        try:
            return _positive(round(float(box[2])), round(float(box[3])))
        except ValueError:
            return None
    return None
