"""Type detection by content and the extractors, on small files the tests make themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from ninevectors.services.documents import analysis, chunking, detection, extraction
from ninevectors.services.documents.schemas import clean_filename
from ninevectors.services.errors import ValidationFailed
from tests.fixtures import documents as samples


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("x.bin", samples.pdf_bytes(), "pdf"),
        ("x.bin", samples.docx_bytes(), "docx"),
        ("x.bin", samples.pptx_bytes(), "pptx"),
        ("x.bin", samples.xlsx_bytes(), "xlsx"),
        ("x.bin", samples.png_bytes(), "png"),
        ("x.bin", samples.jpg_bytes(), "jpg"),
        ("x.txt", "Plain UTF-8 text — with an em dash.".encode(), "text"),
    ],
)
def test_identified_by_content_not_name(tmp_path: Path, name: str, data: bytes, kind: str) -> None:
    assert detection.identify(_file(tmp_path, name, data), name).kind == kind


def test_markdown_keeps_its_type(tmp_path: Path) -> None:
    found = detection.identify(_file(tmp_path, "n.md", b"# Title\ntext"), "n.md")
    assert found.mime_type.startswith("text/markdown")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (samples.executable_bytes(), "not supported"),
        (b"", "empty"),
        (b"PK\x03\x04 not really a zip", "corrupt"),
        (samples.zip_bomb_docx_bytes(), "zip bomb"),
        (b"\xff\xfe\x00l\x00a\x00t\x00i\x00n\x001", "not supported"),
    ],
)
def test_refused_content(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        detection.identify(_file(tmp_path, "disguised.pdf", data), "disguised.pdf")
    assert message in refused.value.message


def test_plain_zip_is_not_an_office_file(tmp_path: Path) -> None:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ValidationFailed, match="not supported"):
        detection.identify(_file(tmp_path, "a.docx", out.getvalue()), "a.docx")


@pytest.mark.parametrize("name", ["../x.pdf", "a/b.pdf", "a\\b.pdf", "..", "bad\x07.pdf", " "])
def test_filenames_with_path_tricks_are_refused(name: str) -> None:
    with pytest.raises(ValidationFailed):
        clean_filename(name)


def test_pdf_text_pages_and_thumbnail(tmp_path: Path) -> None:
    result = extraction.extract(
        _file(
            tmp_path,
            "a.pdf",
            samples.pdf_bytes(["Page one about markets", "Page two about people"]),
        ),
        "pdf",
    )
    assert result.page_count == 2 and not result.ocr_used
    assert "one" in result.pages[0] and "two" in result.pages[1]
    assert result.thumbnail_png and result.thumbnail_png.startswith(b"\x89PNG")


def test_encrypted_pdf_fails_with_reason(tmp_path: Path) -> None:
    with pytest.raises(extraction.ExtractionFailed, match="encrypted"):
        extraction.extract(_file(tmp_path, "a.pdf", samples.encrypted_pdf_bytes()), "pdf")


def test_corrupt_pdf_fails_with_reason(tmp_path: Path) -> None:
    with pytest.raises(extraction.ExtractionFailed, match="corrupt"):
        extraction.extract(_file(tmp_path, "a.pdf", b"%PDF-1.4 garbage"), "pdf")


def test_docx_paragraphs_and_table(tmp_path: Path) -> None:
    text = extraction.extract(_file(tmp_path, "a.docx", samples.docx_bytes()), "docx").text
    assert "supply chain improved" in text
    assert "Inventory turnover | 8.2" in text


def test_pptx_slides(tmp_path: Path) -> None:
    result = extraction.extract(_file(tmp_path, "a.pptx", samples.pptx_bytes()), "pptx")
    assert result.page_count == 1 and "Audit committee charter renewed" in result.text


def test_xlsx_values_read_only(tmp_path: Path) -> None:
    result = extraction.extract(_file(tmp_path, "a.xlsx", samples.xlsx_bytes()), "xlsx")
    assert "Marketing spend\t125000" in result.text and "Sheet: Budget" in result.text


def test_zip_bomb_refused_before_opening(tmp_path: Path) -> None:
    with pytest.raises(extraction.ExtractionFailed, match="zip bomb"):
        extraction.extract(_file(tmp_path, "a.docx", samples.zip_bomb_docx_bytes()), "docx")


def test_ocr_of_an_image_and_a_scanned_pdf(tmp_path: Path) -> None:
    image = extraction.extract(_file(tmp_path, "a.png", samples.png_bytes()), "png")
    assert image.ocr_used and "REVENUE" in image.text.upper()
    scan = extraction.extract(_file(tmp_path, "s.pdf", samples.scanned_pdf_bytes()), "pdf")
    assert scan.ocr_used and "SUPPLY CHAIN" in scan.text.upper()


def test_language_detection() -> None:
    assert extraction.detect_language(samples.STRATEGY_TEXT) == "en"
    assert extraction.detect_language("Unsere Strategie für das nächste Jahr ist klar.") == "de"
    assert extraction.detect_language("hi") is None


def test_chunking_overlaps_and_keeps_pages() -> None:
    words = " ".join(f"w{i}" for i in range(250))
    passages = chunking.chunk_pages([words, "short page"])
    assert [p.page for p in passages] == [1, 1, 1, 2]
    assert passages[1].text.split()[0] == f"w{chunking.WORDS_PER_CHUNK - chunking.OVERLAP_WORDS}"


def test_local_analysis_pieces() -> None:
    assert analysis.sentiment("strong growth and record profit") > 0
    assert analysis.sentiment("losses, decline and risk of debt") < 0
    actions = analysis.action_items("Sales rose. We will hire ten engineers next quarter. Done.")
    assert actions == ["We will hire ten engineers next quarter."]
    assert "supply chain" in analysis.key_topics("supply chain risk. supply chain cost.")
