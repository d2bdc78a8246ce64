"""Agencies' logos: a PNG is a PNG, an SVG keeps only drawing (issue 16)."""

from __future__ import annotations

import base64
import struct
import zlib

import pytest

from application.errors import Refused
from application.logos import MAX_BYTES, checked_logo, clean_svg


def png(width: int = 4, height: int = 4) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\x0b\x4f\x8a" * width for _ in range(height)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


HOSTILE = b"""<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
 viewBox="0 0 10 10" onload="alert(1)">
<script>alert(1)</script>
<style>@import url(https://evil.test/x.css);</style>
<foreignObject><iframe xmlns="http://www.w3.org/1999/xhtml" src="https://evil.test"/></foreignObject>
<image href="https://evil.test/track.png" width="10" height="10"/>
<use xlink:href="https://evil.test/sprite.svg#a"/>
<use href="#dot"/>
<circle id="dot" cx="5" cy="5" r="4" fill="url(https://evil.test/p)" onclick="x()" style="fill:url(https://evil.test)"/>
<rect width="10" height="10" fill="#0b4f8a"/>
<a href="javascript:alert(1)"><text x="1" y="9">Parc</text></a>
</svg>"""


def test_a_png_is_kept_as_it_is() -> None:
    kind, content = checked_logo(png(), "logo.PNG")
    assert kind == "image/png" and base64.b64decode(content) == png()


@pytest.mark.parametrize(("content", "name"), [
    (b"GIF89a....", "logo.png"), (b"\x89PNG\r\n\x1a\n" + b"\x00" * 30, "logo.png"), (png(0, 4), "logo.png"),
    (b"<html/>", "logo.svg"), (b"<svg>", "logo.svg"), (b"<svg/>", "logo.svg"),
    (png(), "logo.gif"), (b"\x89PNG" + b"\x00" * MAX_BYTES, "logo.png"),
])
def test_anything_else_is_refused_in_french(content: bytes, name: str) -> None:
    with pytest.raises(Refused) as refused:
        checked_logo(content, name)
    assert refused.value.code == "invalid_request" and refused.value.message


def test_entities_and_doctypes_are_refused() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>'
    with pytest.raises(Refused):
        clean_svg(bomb)


def test_an_svg_keeps_its_drawing_and_loses_scripts_handlers_and_outside_references() -> None:
    cleaned = clean_svg(HOSTILE).decode()
    gone_words = ("script", "onload", "onclick", "foreignObject", "iframe", "evil.test", "style", "javascript")
    for gone in (*gone_words, "<image"):
        assert gone not in cleaned, gone
    assert '<rect width="10" height="10" fill="#0b4f8a"' in cleaned and 'href="#dot"' in cleaned
    assert 'viewBox="0 0 10 10"' in cleaned and cleaned.startswith("<svg")
