"""Blob names: the reference layout, validation and safe filenames."""

from __future__ import annotations

import pytest

from ninevectors.services.blob import layout
from ninevectors.services.blob.base import InvalidBlobName


def test_builders_follow_the_reference_layout() -> None:
    assert layout.document_raw("org_a", "doc1", "Report.pdf") == (
        "documents/org_a/raw/doc1/Report.pdf"
    )
    assert layout.document_processed("org_a", "doc1", "text.json") == (
        "documents/org_a/processed/doc1/text.json"
    )
    assert layout.document_thumbnail("org_a", "doc1") == (
        "documents/org_a/thumbnails/doc1/thumbnail.png"
    )
    assert layout.report_assessment("org_a", "as-1", "Q3.pdf") == (
        "reports/org_a/assessments/as-1/Q3.pdf"
    )
    assert layout.report_analytics("org_a", "r1", "bi.csv") == "reports/org_a/analytics/r1/bi.csv"
    assert layout.avatar("user_1") == "user-content/avatars/user_1/avatar.png"
    assert layout.logo("org_a", "brand.svg") == "user-content/logos/org_a/brand.svg"
    assert layout.documents_prefix("org_a") == "documents/org_a/"


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\Q3 Report (final).pdf", "Q3_Report_final.pdf"),
        ("Zürich–plan.docx", "Zurich_plan.docx"),
        (".htaccess", "file.htaccess"),
        ("報告.pdf", "file.pdf"),
        ("archive.tar.gz", "archive.tar.gz"),
        ("notes.", "notes"),
        ("v1.this-is-not-an-extension", "v1.this-is-not-an-extension"),
        ("..", "file"),
        ("", "file"),
        ("a\x00b.txt", "a_b.txt"),
        ("x" * 300 + ".pdf", "x" * 146 + ".pdf"),
    ],
)
def test_sanitize_filename(raw: str, safe: str) -> None:
    assert layout.sanitize_filename(raw) == safe


def test_builders_sanitise_and_reject_bad_ids() -> None:
    assert layout.document_raw("org_a", "d1", "../../x.pdf") == "documents/org_a/raw/d1/x.pdf"
    for bad in ("", "../org_b", "org/a", "org a"):
        with pytest.raises(InvalidBlobName):
            layout.document_raw(bad, "d1", "x.pdf")
        with pytest.raises(InvalidBlobName):
            layout.avatar(bad)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "/a",
        "a/../b",
        "..",
        "a/./b",
        "a//b",
        "a/",
        "a\\b",
        "a\x00b",
        "a\x1fb",
        "a\x7fb",
        "x" * 1025,
    ],
)
def test_validate_name_rejects(name: str) -> None:
    with pytest.raises(InvalidBlobName):
        layout.validate_name(name)


def test_validate_name_accepts() -> None:
    for name in ("a", "documents/org_a/raw/d1/My File (1).pdf", "x/..y/z..", "ü/ß.txt"):
        assert layout.validate_name(name) == name


def test_validate_prefix() -> None:
    assert layout.validate_prefix("") == ""
    assert layout.validate_prefix("documents/") == "documents/"
    assert layout.validate_prefix("documents/org_a") == "documents/org_a"
    for bad in ("/documents", "../", "documents//", "a\\b"):
        with pytest.raises(InvalidBlobName):
            layout.validate_prefix(bad)


def test_validate_metadata() -> None:
    assert layout.validate_metadata(None) == {}
    assert layout.validate_metadata({"uploaded_by": "u1"}) == {"uploaded_by": "u1"}
    for bad in (
        {"Upper": "x"},
        {"sha256": "x"},
        {"k": "naïve"},
        {"k": " x"},
        {"k": "a\nb"},
        {"1k": "x"},
        {"k-dash": "x"},
    ):
        with pytest.raises(ValueError):
            layout.validate_metadata(bad)


def test_validate_content_type() -> None:
    assert layout.validate_content_type("text/plain; charset=utf-8") == "text/plain; charset=utf-8"
    for bad in ("", "text/html\r\nSet-Cookie: x=1", "x" * 256):
        with pytest.raises(ValueError):
            layout.validate_content_type(bad)
