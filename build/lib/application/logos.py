"""An agency's logo, checked before it is stored and shown to its clients.

A PNG must carry the PNG signature and a header chunk; an SVG is parsed with
defusedxml (no DTD, no entity expansion) and rebuilt from an allow-list of
drawing elements and attributes: no script, no event handler (``on...``), no
``foreignObject``, no style sheet, no reference outside the image itself (an
``href`` is a ``#fragment`` or nothing). What is not on the list is dropped;
the result is what is served, with its own strict Content-Security-Policy.
"""

from __future__ import annotations

import base64
import re
import struct
from xml.etree.ElementTree import Element, SubElement, register_namespace, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from application.errors import Refused

MAX_BYTES = 200 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
register_namespace("", SVG)
register_namespace("xlink", XLINK)

ELEMENTS = frozenset({
    "svg", "g", "defs", "title", "desc", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
    "text", "tspan", "linearGradient", "radialGradient", "stop", "clipPath", "mask", "use", "symbol",
})
ATTRIBUTES = frozenset({
    "id", "viewBox", "width", "height", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "d",
    "points", "transform", "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
    "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray", "opacity", "clip-path",
    "clip-rule", "mask", "offset", "stop-color", "stop-opacity", "gradientUnits", "gradientTransform",
    "preserveAspectRatio", "font-family", "font-size", "font-weight", "text-anchor", "dx", "dy", "role",
    "aria-label", "aria-hidden", "href", "version",
})
URL_REFERENCE = re.compile(r"url\(\s*(?!#)", re.IGNORECASE)  # url(#id) only: nothing fetched from elsewhere


def checked_logo(content: bytes, filename: str) -> tuple[str, str]:
    """(media type, base64 content) of a logo fit to show, else Refused in French."""
    if len(content) > MAX_BYTES:
        raise Refused("invalid_request", f"logo trop lourd : {len(content) // 1024} Kio, 200 Kio au plus")
    if filename.lower().endswith(".png"):
        return "image/png", base64.b64encode(_png(content)).decode()
    if filename.lower().endswith(".svg"):
        return "image/svg+xml", base64.b64encode(clean_svg(content)).decode()
    raise Refused("invalid_request", "le logo est un fichier .png ou .svg")


def _png(content: bytes) -> bytes:
    if not content.startswith(PNG_SIGNATURE) or content[12:16] != b"IHDR":
        raise Refused("invalid_request", "ce fichier n'est pas une image PNG")
    width, height = struct.unpack(">II", content[16:24])
    if not (0 < width <= 4096 and 0 < height <= 4096):
        raise Refused("invalid_request", "logo PNG de 1 à 4096 pixels de côté")
    return content


def clean_svg(content: bytes) -> bytes:
    """The SVG rebuilt from allowed elements and attributes only."""
    try:
        root = fromstring(content, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as error:
        raise Refused("invalid_request", "ce fichier n'est pas une image SVG lisible") from error
    if _local(root.tag) != "svg" or not root.tag.startswith("{" + SVG):
        raise Refused("invalid_request", "ce fichier n'est pas une image SVG (élément racine <svg>)")
    clean = Element(f"{{{SVG}}}svg")
    _copy(root, clean)
    cleaned: bytes = tostring(clean, encoding="utf-8", xml_declaration=False)
    return cleaned


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _copy(source: Element, target: Element) -> None:
    for name, value in source.attrib.items():
        local = _local(name) if name.startswith("{") else name
        in_namespace = not name.startswith("{") or name.startswith(f"{{{XLINK}}}")
        if local not in ATTRIBUTES or not in_namespace or URL_REFERENCE.search(value):
            continue
        if local == "href" and not value.startswith("#"):
            continue
        target.set(local if local != "href" else "href", value)
    target.text = source.text if _local(target.tag) in ("text", "tspan", "title", "desc") else None
    for child in source:
        if isinstance(child.tag, str) and child.tag.startswith(f"{{{SVG}}}") and _local(child.tag) in ELEMENTS:
            copied = SubElement(target, child.tag)
            _copy(child, copied)
            copied.tail = child.tail if _local(target.tag) in ("text", "tspan") else None
