"""Evidence files: recognise the type by content, store the bytes under their sha256. No database, no Flask.

The type comes from the file's first bytes (for DOCX/XLSX, from the zip's table of contents; for the old binary
formats of Office and WPS, .doc/.wps and .xls/.et, from the streams of the OLE2 compound file), never from its
name; the original name is metadata only and never becomes part of a path.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import struct
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from app.paths import confined
from app.spreadsheets.extent import Damaged, _ole_streams

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOC = "application/msword"  # Word 97-2003, and WPS 文字's .wps (the same binary format)
XLS = "application/vnd.ms-excel"  # Excel 97-2003, and WPS 表格's .et
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", DOCX: ".docx", XLSX: ".xlsx", DOC: ".doc", XLS: ".xls"}
NAME_SUFFIXES = {PDF: {".pdf"}, PNG: {".png"}, JPEG: {".jpg", ".jpeg", ".jpe", ".jfif"}, DOCX: {".docx"},
                 XLSX: {".xlsx"}, DOC: {".doc", ".wps"}, XLS: {".xls", ".et"}}
#: What the upload fields offer (the browser's file picker); the content decides, not these.
ACCEPT = ".pdf,.jpg,.jpeg,.png,.docx,.xlsx,.doc,.wps,.xls,.et"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024  # a DOCX/XLSX declaring more than this is refused (zip bomb)
MAX_ZIP_ENTRIES = 10_000
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _office_type(data: bytes, max_unzipped: int) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        return None
    if len(infos) > MAX_ZIP_ENTRIES or sum(i.file_size for i in infos) > max_unzipped:
        return None
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names:
        return None
    if any(n.startswith("word/") for n in names):
        return DOCX
    if any(n.startswith("xl/") for n in names):
        return XLSX
    return None


def _ole2_type(data: bytes) -> str | None:
    """DOC for a compound file holding a WordDocument stream, XLS for one holding a Workbook (or BIFF5 Book)
    stream; None for anything else: a damaged file, both at once, neither (an encrypted OOXML package, a .ppt, an
    .msi or any other OLE2 container), or one carrying a VBA project (macros run when the office opens it)."""
    try:
        word = _ole_streams(data, ("worddocument",))
        book = _ole_streams(data, ("workbook", "book"))
        macros = _ole_streams(data, ("_vba_project",))
    except (Damaged, struct.error, ValueError, IndexError, OverflowError):
        return None
    if macros or bool(word) == bool(book):
        return None
    return DOC if word else XLS


def sniff(data: bytes, max_unzipped: int = MAX_UNZIPPED_BYTES) -> str | None:
    """The content type of an accepted file (PDF, PNG, JPEG, DOCX, XLSX, DOC, XLS), or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        return _office_type(data, max_unzipped)
    if data.startswith(OLE2_MAGIC):
        return _ole2_type(data)
    return None


def name_agrees(name: str | None, content_type: str) -> bool:
    """A name's extension, if it has one, names the type the content shows (a PNG called .pdf is forged)."""
    suffix = PurePosixPath((name or "").replace("\\", "/")).suffix.lower()
    return not suffix or suffix in NAME_SUFFIXES.get(content_type, set())


def clean_name(name: str | None, content_type: str) -> str:
    """The file name to keep as metadata: its last path component, printable, at most 200 characters."""
    base = PurePosixPath((name or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable()).strip().lstrip(".")
    return base[-200:] or "evidence" + EXTENSIONS.get(content_type, "")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def path_for(directory: str | os.PathLike[str], sha256: str) -> Path:
    """Where the bytes with this hash live: <directory>/ab/cdef…

    :raises ValueError: for anything but 64 lower-case hex digits, or a symlink in the folder leading out of it
        (`paths.UnsafePath`).
    """
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise ValueError("not a sha256 hex digest")
    return confined(directory, f"{sha256[:2]}/{sha256[2:]}")


def store(directory: str | os.PathLike[str], data: bytes) -> str:
    """Write `data` under its sha256 (once: the same content is kept a single time); the hex digest."""
    sha = digest(data)
    target = path_for(directory, sha)
    if not target.exists():
        write_whole(target, data)
    return sha


def write_whole(target: Path, data: bytes) -> None:
    """Write a file so that it is either all there or not there at all: a temporary name, then a rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def discard(directory: str | os.PathLike[str], sha256: str) -> None:
    """Delete the bytes of a hash no record uses any more (the caller checks that)."""
    path_for(directory, sha256).unlink(missing_ok=True)
