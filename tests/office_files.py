"""Old Office and WPS files as the evidence check sees them, made in the test: OLE2 compound files (the container of
.doc, .wps, .xls and .et) holding the streams asked for. Minimal: a directory and a mini stream, no real document
inside; the check looks only at which streams the container holds.
"""
from __future__ import annotations

import struct

from roster_files import Table, xls

SECTOR, END, FREE, FAT_SECTOR = 512, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD


def ole2(streams: dict[str, bytes]) -> bytes:
    """An OLE2 compound file whose root holds `streams` (each under 4,096 bytes, so in the mini stream)."""
    container = b""
    starts = []
    for data in streams.values():
        starts.append(len(container) // 64)
        container += data.ljust(max(64, -(-len(data) // 64) * 64), b"\0")
    container_sectors = max(1, -(-len(container) // SECTOR))
    mini_fat: list[int] = []
    for start, data in zip(starts, streams.values()):
        count = max(1, -(-len(data) // 64))
        mini_fat += [start + i + 1 for i in range(count - 1)] + [END]
    mini_fat_at, directory_at = container_sectors, container_sectors + 1
    entries = ["Root Entry", *streams]
    directory_sectors = -(-len(entries) * 128 // SECTOR)
    fat_at = directory_at + directory_sectors
    fat = ([i + 1 for i in range(container_sectors - 1)] + [END, END]
           + [directory_at + i + 1 for i in range(directory_sectors - 1)] + [END, FAT_SECTOR])

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
                + struct.pack("<III", FREE, right, child) + b"\0" * 36 + struct.pack("<IQ", start, size))

    directory = entry("Root Entry", 5, 1 if streams else FREE, FREE, 0, len(container))
    for n, ((name, data), start) in enumerate(zip(streams.items(), starts), start=1):
        directory += entry(name, 2, FREE, n + 1 if n < len(streams) else FREE, start, len(data))
    body = container.ljust(container_sectors * SECTOR, b"\0")
    body += struct.pack(f"<{SECTOR // 4}I", *(mini_fat + [FREE] * (SECTOR // 4 - len(mini_fat))))
    body += directory.ljust(directory_sectors * SECTOR, b"\0")
    body += struct.pack(f"<{SECTOR // 4}I", *(fat + [FREE] * (SECTOR // 4 - len(fat))))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIIIIIII", 0, 1, directory_at, 0, 4096, mini_fat_at, 1, END, 0)
              + struct.pack("<109I", fat_at, *([FREE] * 108)))
    return header + body


WORD = ole2({"WordDocument": b"\xec\xa5" + b"\0" * 200, "1Table": b"\0" * 100, "\x05SummaryInformation": b"\0" * 80})
WPS_WRITER = ole2({"WordDocument": b"\xec\xa5" + b"\0" * 300, "0Table": b"\0" * 64})  # WPS 文字 saves Word's format
EXCEL = xls(Table("名单", [["姓名", "界别"], ["柯望舒", "中共"]]))  # a real BIFF8 workbook calamine reads
WPS_SHEET = ole2({"Workbook": b"\x09\x08\x10\x00" + b"\0" * 100})  # WPS 表格's .et: a BIFF8 Workbook stream
BIFF5 = ole2({"Book": b"\x09\x08\x08\x00" + b"\0" * 100})  # Excel 5/95
POWERPOINT = ole2({"PowerPoint Document": b"\0" * 100, "Current User": b"\0" * 64})
WORD_MACROS = ole2({"WordDocument": b"\xec\xa5" + b"\0" * 200, "1Table": b"\0" * 64, "_VBA_PROJECT": b"\xcc\x61",
                    "dir": b"\0" * 64})
BOTH = ole2({"WordDocument": b"\0" * 100, "Workbook": b"\0" * 100})
EMPTY_CONTAINER = ole2({})
MAGIC_ONLY = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
