"""Minimal hand-written PDFs for importer tests (text at given places, or image-only pages)."""

from __future__ import annotations

from pathlib import Path


def write_pdf(path: Path, pages: list[list[tuple[float, float, float, str]] | None]) -> Path:
    """A minimal PDF: each item is (x, top, font size, text) in Helvetica on a letter page;
    a page given as None is a scan without a text layer (one grey image, no text)."""
    height = 792
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: ("<< /Type /Pages /Kids [" + " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
            + f"] /Count {len(pages)} >>").encode(),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    image = 4 + 2 * len(pages)
    objects[image] = (b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace "
                      b"/DeviceGray /BitsPerComponent 8 /Length 1 >>\nstream\n\xc0\nendstream")
    for i, items in enumerate(pages):
        ops = [f"q 612 0 0 {height} 0 0 cm /Im1 Do Q"] if items is None else []
        for x, top, size, text in items or []:
            esc = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"BT /F1 {size} Tf {x} {height - top - size} Td ({esc}) Tj ET")
        content = "\n".join(ops).encode("latin-1")
        objects[4 + 2 * i] = (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 {height}] "
                              f"/Resources << /Font << /F1 3 0 R >> /XObject << /Im1 {image} 0 R "
                              f">> >> /Contents {5 + 2 * i} 0 R >>").encode()
        objects[5 + 2 * i] = b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for num in sorted(objects):
        out += b"%010d 00000 n \n" % offsets[num]
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path
