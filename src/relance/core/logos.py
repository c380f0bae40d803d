"""The company's logo, shown on the customer's page (issue 17 §2): PNG or
JPEG only, told by its first bytes (never by its name or declared type),
300 KB and 2000 × 2000 pixels at most (read from the PNG header or the JPEG
frame: Pillow is not a dependency). An SVG is refused: it can hold a script.
Pure: standard library only."""

import base64
import struct

MAX_SIZE = 300 * 1024
MAX_SIZE_TEXT = "300 Ko"
MAX_PIXELS = 2000
PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff"
CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg"}
# JPEG « start of frame » markers (not DHT C4, JPG C8, DAC CC).
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


class LogoRefused(ValueError):
    """Why: `empty`, `too_big`, `unknown_type`, `unreadable` or `too_large`."""


def _png_size(content: bytes) -> tuple[int, int]:
    if len(content) < 24 or content[12:16] != b"IHDR":
        raise LogoRefused("unreadable")
    return struct.unpack(">II", content[16:24])


def _jpeg_size(content: bytes) -> tuple[int, int]:
    at = 2
    while at + 4 <= len(content):
        if content[at] != 0xFF:
            raise LogoRefused("unreadable")
        marker = content[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            at += 2
            continue
        (length,) = struct.unpack(">H", content[at + 2 : at + 4])
        if marker in _SOF:
            if at + 9 > len(content):
                break
            height, width = struct.unpack(">HH", content[at + 5 : at + 9])
            return width, height
        at += 2 + length
    raise LogoRefused("unreadable")


def logo_type(content: bytes) -> str:
    """`png` or `jpeg`; raises LogoRefused."""
    if not content:
        raise LogoRefused("empty")
    if len(content) > MAX_SIZE:
        raise LogoRefused("too_big")
    if content.startswith(PNG):
        kind, (width, height) = "png", _png_size(content)
    elif content.startswith(JPEG):
        kind, (width, height) = "jpeg", _jpeg_size(content)
    else:
        raise LogoRefused("unknown_type")
    if not (0 < width <= MAX_PIXELS and 0 < height <= MAX_PIXELS):
        raise LogoRefused("too_large")
    return kind


def logo_data_url(content: bytes) -> str:
    """The logo inline (`data:image/png;base64,…`; the page's CSP allows
    `img-src data:`), or "" when it is not a logo accepted here."""
    try:
        kind = logo_type(content)
    except LogoRefused:
        return ""
    encoded = base64.b64encode(content).decode("ascii")
    return f"data:{CONTENT_TYPES[kind]};base64,{encoded}"
