"""Text out of each supported file type, OCR where there is no text layer, page count,
language and a first-page thumbnail. Unreadable input raises :class:`ExtractionFailed`
with a reason for people; the worker records it and moves on."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from ninevectors.services.documents import detection, ocr
from ninevectors.services.errors import ValidationFailed

THUMBNAIL_SIZE = (320, 320)
MAX_IMAGE_PIXELS = 40_000_000
MAX_XLSX_CELLS = 200_000
OCR_MIN_CHARS_PER_PAGE = 10  # fewer characters per page on average: a scan
OCR_RENDER_SCALE = 2.0  # 144 dpi
_APP_PAGES = re.compile(rb"<Pages>(\d+)</Pages>")

Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS


class ExtractionFailed(Exception):
    """The file cannot be read; the message says why, for people."""


@dataclass
class Extracted:
    pages: list[str] = field(default_factory=list)  # text per page (slide, sheet)
    page_count: int = 0
    ocr_used: bool = False
    thumbnail_png: bytes | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(p for p in self.pages if p.strip())


def extract(path: Path, kind: str) -> Extracted:
    try:
        if kind == "pdf":
            return _pdf(path)
        if kind in ("docx", "pptx", "xlsx"):
            _check_package(path)
            return {"docx": _docx, "pptx": _pptx, "xlsx": _xlsx}[kind](path)
        if kind == "text":
            return Extracted([path.read_text(encoding="utf-8")], 1)
        if kind in ("png", "jpg"):
            return _image(path)
    except ExtractionFailed:
        raise
    except ocr.OcrUnavailable as error:
        raise ExtractionFailed(str(error)) from error
    except Image.DecompressionBombError:
        raise ExtractionFailed("The image is too large to read safely.") from None
    except Exception as error:  # noqa: BLE001 — any parser error means a corrupt file
        raise ExtractionFailed(
            f"The file is corrupt or unreadable ({type(error).__name__})."
        ) from error
    raise ExtractionFailed(f"Files of kind {kind!r} cannot be read.")


def _check_package(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            detection.check_zip_package(archive, path.stat().st_size)
    except ValidationFailed as refused:
        raise ExtractionFailed(refused.message) from None


def _png(image: Image.Image) -> bytes:
    copy = image.convert("RGB")
    copy.thumbnail(THUMBNAIL_SIZE)
    out = io.BytesIO()
    copy.save(out, format="PNG")
    return out.getvalue()


def _pdf(path: Path) -> Extracted:
    """Encryption is judged by pypdf; text and pictures come from PDFium (fast, C)."""
    import pypdf
    import pypdfium2

    reader = pypdf.PdfReader(str(path))
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except Exception:  # noqa: BLE001 — unsupported encryption
            opened = 0
        if not opened:
            raise ExtractionFailed("The PDF is encrypted with a password; upload an unlocked copy.")
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        pages = []
        for page in pdf:
            textpage = page.get_textpage()
            pages.append(textpage.get_text_bounded() or "")
            textpage.close()
        result = Extracted(pages, len(pages))
        if len(pdf):
            result.thumbnail_png = _png(pdf[0].render(scale=0.5).to_pil())
        chars = sum(len(p.strip()) for p in pages)
        if pages and chars < OCR_MIN_CHARS_PER_PAGE * len(pages):
            result.pages = [
                ocr.image_text(page.render(scale=OCR_RENDER_SCALE).to_pil()) for page in pdf
            ]
            result.ocr_used = True
    finally:
        pdf.close()
    return result


def _docx(path: Path) -> Extracted:
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs if p.text.strip()]
    for table in document.tables:
        for row in table.rows:
            cells = [cell.text.strip() for cell in row.cells]
            if any(cells):
                parts.append(" | ".join(cells))
    with zipfile.ZipFile(path) as archive:
        app = archive.read("docProps/app.xml") if "docProps/app.xml" in archive.namelist() else b""
    match = _APP_PAGES.search(app[:100_000])
    return Extracted(["\n".join(parts)], int(match.group(1)) if match else 1)


def _pptx(path: Path) -> Extracted:
    import pptx

    presentation = pptx.Presentation(str(path))
    slides: list[str] = []
    for slide in presentation.slides:
        lines: list[str] = []
        for shape in slide.shapes:
            if shape.has_text_frame:
                lines.extend(p.text for p in shape.text_frame.paragraphs if p.text.strip())
            if getattr(shape, "has_table", False) and shape.has_table:
                for row in shape.table.rows:
                    lines.append(" | ".join(cell.text.strip() for cell in row.cells))
        slides.append("\n".join(lines))
    return Extracted(slides, len(slides))


def _xlsx(path: Path) -> Extracted:
    import openpyxl

    workbook = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    sheets: list[str] = []
    cells = 0
    try:
        for sheet in workbook.worksheets:
            lines = [f"Sheet: {sheet.title}"]
            for row in sheet.iter_rows(values_only=True):
                values = [str(v) for v in row if v is not None and str(v).strip()]
                cells += len(row)
                if values:
                    lines.append("\t".join(values))
                if cells > MAX_XLSX_CELLS:
                    break
            sheets.append("\n".join(lines))
            if cells > MAX_XLSX_CELLS:
                break
    finally:
        workbook.close()
    return Extracted(sheets, len(workbook.sheetnames))


def _image(path: Path) -> Extracted:
    with Image.open(path) as image:
        image.load()
        text = ocr.image_text(image)
        return Extracted([text], 1, ocr_used=True, thumbnail_png=_png(image))


def detect_language(text: str) -> str | None:
    sample = text[:5000].strip()
    if len(sample) < 20:
        return None
    try:
        from langdetect import DetectorFactory, detect

        DetectorFactory.seed = 0
        return str(detect(sample))
    except Exception:  # noqa: BLE001 — no features to judge by
        return None
