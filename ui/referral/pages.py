"""A PDF's pages as images, made in memory with PDFium (pypdfium2): the bytes go in, QImages
come out, and nothing is written to disk. No PIL: the bitmap's own buffer is copied into a
QImage (RGBA bytes, so the same on every byte order)."""

from __future__ import annotations

from PySide6.QtGui import QImage

POINTS_PER_INCH = 72
SCREEN_DPI = 96  # a page at 100 % is as wide on screen as on paper


def render_pages(pdf: bytes, zoom: float = 1.0, pixel_ratio: float = 1.0) -> list[QImage]:
    """Every page at ``zoom`` (1.0: 96 dpi), sharp on a screen with ``pixel_ratio``."""
    import pypdfium2 as pdfium  # noqa: PLC0415 - pypdfium2 loads with the first preview

    scale = zoom * SCREEN_DPI / POINTS_PER_INCH * pixel_ratio
    images: list[QImage] = []
    document = pdfium.PdfDocument(pdf)
    try:
        for index in range(len(document)):
            page = document[index]
            try:
                bitmap = page.render(
                    scale=scale,
                    force_bitmap_format=pdfium.raw.FPDFBitmap_BGRA,
                    rev_byteorder=True,  # R, G, B, A in memory: QImage.Format_RGBA8888
                )
                try:
                    pixels = bytes(bitmap.buffer)
                    image = QImage(
                        pixels,
                        bitmap.width,
                        bitmap.height,
                        bitmap.stride,
                        QImage.Format.Format_RGBA8888,
                    ).copy()  # owns its pixels; ``pixels`` may go
                finally:
                    bitmap.close()
            finally:
                page.close()
            image.setDevicePixelRatio(pixel_ratio)
            images.append(image)
    finally:
        document.close()
    return images
