"""A selection of invoice ids carried by the summary window's form, in one
field: « Envoyer les relances » posts back exactly the ids the summary was
made of, and the plan is made again from them (ADR 24).

One hidden input per id made a 100,000-invoice summary several megabytes,
and Django refuses a form of more than 1,000 fields: the ids are sorted,
written as the gaps between them in base 36, compressed with zlib and
written in URL-safe base64. Consecutive ids (« Tout sélectionner ») cost
a few bytes per thousand. The ids are only what the user may ask for: the
plan keeps those of the request's company.
"""

import base64
import zlib

PREFIX = "z1."
MAX_TEXT = 16 * 2**20  # the decompressed text of a million ids is ~8 MB


def selection_encode(ids) -> str:
    previous, gaps = 0, []
    for value in sorted(set(ids)):
        gaps.append(_base36(value - previous))
        previous = value
    packed = zlib.compress(",".join(gaps).encode("ascii"), 9)
    return PREFIX + base64.urlsafe_b64encode(packed).decode("ascii")


def selection_decode(text: str) -> list[int] | None:
    """The ids, or None when the text is not a selection (tampered, cut)."""
    if not text.startswith(PREFIX):
        return None
    try:
        packed = base64.urlsafe_b64decode(text[len(PREFIX) :].encode("ascii"))
        inflater = zlib.decompressobj()
        plain = inflater.decompress(packed, MAX_TEXT)
        if inflater.unconsumed_tail or not inflater.eof:
            return None
        ids, previous = [], 0
        for gap in plain.decode("ascii").split(",") if plain else []:
            step = int(gap, 36)
            if step <= 0 and ids:
                return None
            previous += step
            ids.append(previous)
    except (ValueError, zlib.error, UnicodeError):
        return None
    return ids


def _base36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        value, rest = divmod(value, 36)
        text = digits[rest] + text
        if not value:
            return text
