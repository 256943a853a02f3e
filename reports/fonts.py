"""The embedded TrueType fonts: 宋体 (AR PL UMing) for lists, 楷体 (AR PL UKai) for certificates, 黑体 for titles.

They come from Debian's packages fonts-arphic-uming, fonts-arphic-ukai and fonts-wqy-zenhei (glyf outlines, so
reportlab embeds a subset and any printer prints the same glyphs). `REPORTS_FONT_DIR` points elsewhere if a
deployment keeps them in another place.
"""
from __future__ import annotations

import os
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

SONG = "Song"
KAI = "Kai"
HEI = "Hei"

# name: (file, index of the mainland (CN) face in the collection, Debian package)
FACES = {
    SONG: ("arphic/uming.ttc", 0, "fonts-arphic-uming"),
    KAI: ("arphic/ukai.ttc", 0, "fonts-arphic-ukai"),
    HEI: ("wqy/wqy-zenhei.ttc", 0, "fonts-wqy-zenhei"),
}
SEARCH = ("/usr/share/fonts/truetype",)


class FontMissing(RuntimeError):
    """A font file is not on this machine; the message names the Debian package to install."""


def _path(relative: str) -> Path | None:
    roots = [os.environ["REPORTS_FONT_DIR"]] if os.environ.get("REPORTS_FONT_DIR") else []
    for root in (*roots, *SEARCH):
        for candidate in (Path(root) / relative, Path(root) / Path(relative).name):
            if candidate.is_file():
                return candidate
    return None


def missing() -> list[str]:
    """The Debian packages whose fonts cannot be found (empty when every document can be made)."""
    return [package for relative, _, package in FACES.values() if _path(relative) is None]


def register() -> None:
    """Register the three faces with reportlab once per process."""
    for name, (relative, index, package) in FACES.items():
        if name in pdfmetrics.getRegisteredFontNames():
            continue
        path = _path(relative)
        if path is None:
            raise FontMissing(f"找不到字体文件 {relative}，请安装 Debian 软件包 {package}"
                              f"（apt-get install {package}）。")
        pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=index))
