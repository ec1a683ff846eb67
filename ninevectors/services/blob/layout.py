"""Blob names: the reference container layout, name validation and safe filenames.

Layout (one container, ``9vectors-storage``)::

    documents/{org}/raw|processed|thumbnails/{doc_id}/{filename}
    reports/{org}/assessments|analytics/{id}/{filename}
    user-content/avatars/{user_id}/{filename}
    user-content/logos/{org}/{filename}
"""

from __future__ import annotations

import re
import unicodedata

from ninevectors.services.blob.base import InvalidBlobName

MAX_NAME_LENGTH = 1024  # Azure's limit
MAX_FILENAME_LENGTH = 150
MAX_EXTENSION_LENGTH = 16
_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_UNSAFE_FILENAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
_METADATA_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
RESERVED_METADATA_KEYS = frozenset({"sha256"})


def validate_name(name: str) -> str:
    """Return ``name`` if it is a safe relative blob name, else raise InvalidBlobName."""
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidBlobName("blob name is empty or too long")
    if name.startswith("/") or "\\" in name:
        raise InvalidBlobName("blob name must be relative and use forward slashes")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise InvalidBlobName("blob name contains control characters")
    if any(part in ("", ".", "..") for part in name.split("/")):
        raise InvalidBlobName("blob name has an empty, '.' or '..' segment")
    return name


def validate_prefix(prefix: str) -> str:
    """A listing prefix: empty, or a string that could start a valid name."""
    if prefix:
        validate_name(prefix + "x" if prefix.endswith("/") else prefix)
    return prefix


def validate_metadata(metadata: dict[str, str] | None) -> dict[str, str]:
    """User metadata must fit Azure's headers: lowercase identifier keys, ASCII values."""
    clean = dict(metadata or {})
    for key, value in clean.items():
        if not _METADATA_KEY.match(key) or key in RESERVED_METADATA_KEYS:
            raise ValueError(f"invalid metadata key {key!r}")
        if not isinstance(value, str) or not all(" " <= c <= "~" for c in value):
            raise ValueError(f"metadata {key!r} must be printable ASCII")
        if value != value.strip():
            raise ValueError(f"metadata {key!r} has leading or trailing spaces")
    return clean


def validate_content_type(content_type: str) -> str:
    """A MIME type fit for a response header: short, printable ASCII."""
    if not 0 < len(content_type) <= 255 or not all(" " <= c <= "~" for c in content_type):
        raise ValueError(f"invalid content type {content_type!r}")
    return content_type


def sanitize_filename(filename: str, default: str = "file") -> str:
    """The last path part of ``filename`` reduced to ``[A-Za-z0-9._-]``, extension kept."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKD", base)
    base = "".join(c for c in base if not unicodedata.combining(c))  # é -> e
    stem, dot, ext = base.rpartition(".")
    ext = _clean(ext)
    if not dot or not ext or len(ext) > MAX_EXTENSION_LENGTH:
        stem, ext = base, ""
    stem = _clean(stem)[: MAX_FILENAME_LENGTH - len(ext) - 1].rstrip("._-") or default
    return f"{stem}.{ext}" if ext else stem


def _clean(text: str) -> str:
    return _UNSAFE_FILENAME_CHARS.sub("_", text).strip("._-")


def _id(value: str) -> str:
    if not _ID.match(value):
        raise InvalidBlobName(f"invalid identifier in blob name: {value!r}")
    return value


def documents_prefix(org_id: str) -> str:
    return f"documents/{_id(org_id)}/"


def reports_prefix(org_id: str) -> str:
    return f"reports/{_id(org_id)}/"


def document_raw(org_id: str, doc_id: str, filename: str) -> str:
    return f"{documents_prefix(org_id)}raw/{_id(doc_id)}/{sanitize_filename(filename)}"


def document_processed(org_id: str, doc_id: str, filename: str) -> str:
    return f"{documents_prefix(org_id)}processed/{_id(doc_id)}/{sanitize_filename(filename)}"


def document_thumbnail(org_id: str, doc_id: str, filename: str = "thumbnail.png") -> str:
    return f"{documents_prefix(org_id)}thumbnails/{_id(doc_id)}/{sanitize_filename(filename)}"


def report_assessment(org_id: str, assessment_id: str, filename: str) -> str:
    name = sanitize_filename(filename)
    return f"{reports_prefix(org_id)}assessments/{_id(assessment_id)}/{name}"


def report_analytics(org_id: str, report_id: str, filename: str) -> str:
    return f"{reports_prefix(org_id)}analytics/{_id(report_id)}/{sanitize_filename(filename)}"


def avatar(user_id: str, filename: str = "avatar.png") -> str:
    return f"user-content/avatars/{_id(user_id)}/{sanitize_filename(filename)}"


def logo(org_id: str, filename: str = "logo.png") -> str:
    return f"user-content/logos/{_id(org_id)}/{sanitize_filename(filename)}"
