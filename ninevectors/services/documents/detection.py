"""What an uploaded file is, judged by its content (magic bytes), never by its name.

Office files are zip packages: the kind comes from the part names declared in
``[Content_Types].xml``, and the package is checked against zip bombs (entry count, total
uncompressed size, compression ratio) before anything opens it.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ninevectors.services.errors import ValidationFailed

MAX_ZIP_ENTRIES = 5_000
MAX_ZIP_UNCOMPRESSED = 200 * 1024 * 1024
MAX_ZIP_RATIO = 100
MAX_CONTENT_TYPES_BYTES = 1024 * 1024
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class FileKind:
    kind: str
    mime_type: str
    extension: str


PDF = FileKind("pdf", "application/pdf", "pdf")
PNG = FileKind("png", "image/png", "png")
JPG = FileKind("jpg", "image/jpeg", "jpg")
TEXT = FileKind("text", "text/plain; charset=utf-8", "txt")
MARKDOWN = FileKind("text", "text/markdown; charset=utf-8", "md")
DOCX = FileKind(
    "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"
)
PPTX = FileKind(
    "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"
)
XLSX = FileKind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")

_OFFICE_PARTS = {
    "/word/document.xml": DOCX,
    "/ppt/presentation.xml": PPTX,
    "/xl/workbook.xml": XLSX,
}
ALLOWED_TYPES_TEXT = "PDF, DOCX, PPTX, XLSX, TXT, MD, PNG or JPG"


def _unsupported() -> ValidationFailed:
    return ValidationFailed(
        "file", f"This file type is not supported: upload {ALLOWED_TYPES_TEXT}."
    )


def identify(path: Path, filename: str) -> FileKind:
    """The kind of the file at ``path`` (fully written), or ValidationFailed with the reason."""
    with path.open("rb") as handle:
        head = handle.read(8)
        if not head:
            raise ValidationFailed("file", "The file is empty.")
        if head.startswith(b"%PDF-"):
            return PDF
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return PNG
        if head.startswith(b"\xff\xd8\xff"):
            return JPG
        if head.startswith(b"PK\x03\x04"):
            return _office_kind(path)
        handle.seek(0)
        if _is_utf8_text(handle):
            return MARKDOWN if filename.lower().endswith((".md", ".markdown")) else TEXT
    raise _unsupported()


def _is_utf8_text(handle: BinaryIO) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := handle.read(256 * 1024):
            if _TEXT_CONTROL.search(decoder.decode(chunk)):
                return False
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def check_zip_package(archive: zipfile.ZipFile, compressed_size: int) -> None:
    """Refuse zip bombs: too many entries, too much uncompressed data, too high a ratio."""
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise ValidationFailed("file", "The Office file has too many parts to be safe to open.")
    total = sum(info.file_size for info in infos)
    if total > MAX_ZIP_UNCOMPRESSED or total > MAX_ZIP_RATIO * max(compressed_size, 1):
        raise ValidationFailed(
            "file", "The Office file expands to far more data than it holds (a zip bomb)."
        )


def _office_kind(path: Path) -> FileKind:
    try:
        with zipfile.ZipFile(path) as archive:
            check_zip_package(archive, path.stat().st_size)
            try:
                info = archive.getinfo("[Content_Types].xml")
            except KeyError:
                raise _unsupported() from None
            if info.file_size > MAX_CONTENT_TYPES_BYTES:
                raise _unsupported()
            declared = archive.read(info).decode("utf-8", errors="replace")
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        raise ValidationFailed(
            "file", "The file is corrupt: it is not a readable package."
        ) from None
    for part, kind in _OFFICE_PARTS.items():
        if f'PartName="{part}"' in declared and part.lstrip("/") in names:
            return kind
    raise _unsupported()
