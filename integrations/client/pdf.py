"""A one-page PDF written by hand: the demo's decision letter, without a PDF library.

A real application renders its letters with its own tools; this only has to be a valid PDF 1.4 (header,
objects, cross-reference table, trailer) so the portal's content check accepts it and viewers open it.
"""


def simple_pdf(lines):
    """An A4 page with `lines` of text in Helvetica (characters outside Windows-1252 become "?")."""
    text = b"".join(b"(" + _escape(line) + b") Tj T*\n" for line in lines)
    stream = b"BT\n/F1 12 Tf\n16 TL\n72 770 Td\n" + text + b"ET\n"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%sendstream" % (len(stream), stream),
    ]
    # The second line's high bytes tell transfer programs that the file is binary.
    pdf = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref_at)
    return bytes(pdf)


def _escape(line):
    data = str(line).encode("cp1252", errors="replace")
    return data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
