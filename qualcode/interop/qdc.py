"""REFI-QDA codebooks (``.qdc``, namespace ``urn:QDA-XML:codebook:1.0``): read and write.

Reading is lenient (any namespace or schema location, empty ``<Sets/>``, GUID spellings) and
pure: file in, :class:`RefiCodebook` out. Writing takes a :class:`RefiCodebook` and returns
the file's bytes, valid against ``Codebook.xsd``.
"""

from __future__ import annotations

from pathlib import Path

from qualcode.errors import IngestError
from qualcode.interop import safety
from qualcode.interop.refi_model import CODEBOOK_NS, RefiCodebook
from qualcode.interop.xmlread import Guids, child, children, local, read_codes
from qualcode.interop.xmlwrite import XmlWriter


def read_qdc(path: str | Path) -> RefiCodebook:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > safety.MAX_XML_BYTES:
            raise IngestError(f"{path}: refused, larger than {safety.MAX_XML_BYTES >> 20} MB")
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    return parse_qdc(data, str(path))


def parse_qdc(data: bytes, where: str) -> RefiCodebook:
    root = safety.parse_xml(data, where)
    if local(root.tag) != "CodeBook":
        raise IngestError(f"{where}: not a REFI-QDA codebook (<{local(root.tag)}>, not <CodeBook>)")
    guids = Guids()
    codes = child(root, "Codes")
    book = RefiCodebook(origin=(root.get("origin") or "").strip())
    if codes is not None:
        book.codes = read_codes(codes, guids)
    sets = child(root, "Sets")
    if sets is not None:
        book.sets = len(list(children(sets, "Set")))
        if book.sets:
            book.skipped.append(f"{book.sets} set(s) of codes: qualcode has no sets")
        else:
            book.adapted.append("an empty <Sets/> (the schema wants at least one Set) ignored")
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if namespace != CODEBOOK_NS:
        book.adapted.append(f"namespace '{namespace or 'none'}' read as {CODEBOOK_NS}")
    book.adapted.extend(guids.notes())
    return book


def write_qdc(book: RefiCodebook) -> bytes:
    w = XmlWriter()
    w.open("CodeBook", [("xmlns", CODEBOOK_NS), ("origin", book.origin or None)])
    w.codes(book.codes, note_refs=False)
    w.close("CodeBook")
    return w.bytes()
