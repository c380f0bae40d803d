"""A proof of payment a customer uploads on their page: its type told by its
first bytes (never by its name or the type the browser declares), and its
name's extension required to agree. Pure: standard library only.

PDF (`%PDF-`), PNG (the 8-byte signature) and JPEG (`FF D8 FF`) only: an SVG,
an HTML page or a script renamed `.pdf` is refused."""

MAX_SIZE = 5 * 1024 * 1024
MAX_SIZE_TEXT = "5 Mo"

SIGNATURES = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
)
EXTENSIONS = {
    "pdf": {"pdf"},
    "png": {"png"},
    "jpeg": {"jpg", "jpeg"},
}
CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}
FILE_EXTENSION = {"pdf": "pdf", "png": "png", "jpeg": "jpg"}


class ProofRefused(ValueError):
    """Why: `empty`, `too_big`, `unknown_type` or `name_disagrees`."""


def proof_type(content: bytes, filename: str) -> str:
    """`pdf`, `png` or `jpeg`; raises ProofRefused."""
    if not content:
        raise ProofRefused("empty")
    if len(content) > MAX_SIZE:
        raise ProofRefused("too_big")
    kind = next((k for magic, k in SIGNATURES if content.startswith(magic)), None)
    if kind is None:
        raise ProofRefused("unknown_type")
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in EXTENSIONS[kind]:
        raise ProofRefused("name_disagrees")
    return kind
