"""OCR with Tesseract (Debian ``tesseract-ocr tesseract-ocr-eng``) through pytesseract."""

from __future__ import annotations

import shutil

from PIL import Image

OCR_TIMEOUT_SECONDS = 60


class OcrUnavailable(RuntimeError):
    """Tesseract is not installed on this machine."""


def available() -> bool:
    return shutil.which("tesseract") is not None


def image_text(image: Image.Image) -> str:
    """The text Tesseract reads in ``image`` (English)."""
    if not available():
        raise OcrUnavailable("Text recognition (Tesseract) is not installed on the server.")
    import pytesseract

    gray = image.convert("L")
    return str(pytesseract.image_to_string(gray, lang="eng", timeout=OCR_TIMEOUT_SECONDS))
