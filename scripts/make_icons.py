"""Draw the app's icons once (a red square, white 四个一 in a CJK font): app/static/icons/icon-192.png, icon-512.png,
apple-touch-icon.png (180) and icon-maskable-512.png (the text inside the safe circle). Run from the repository root:
    .venv/bin/python scripts/make_icons.py"""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

RED = (179, 38, 30)
FONTS = ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
OUT = Path(__file__).resolve().parent.parent / "app" / "static" / "icons"


def icon(size: int, text_share: float = 0.78, rounded: bool = True) -> Image.Image:
    """A `size` px square: red, rounded corners unless a maskable icon, 四个一 in white across `text_share` of it."""
    scale = 4  # draw large, then shrink: smooth edges
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if rounded:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big // 6, fill=RED)
    else:
        draw.rectangle((0, 0, big, big), fill=RED)
    font_path = next(path for path in FONTS if Path(path).exists())
    text = "四个一"
    font_size = int(big * text_share / len(text))
    font = ImageFont.truetype(font_path, font_size)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    draw.text(((big - (right - left)) / 2 - left, (big - (bottom - top)) / 2 - top), text, font=font, fill="white",
              stroke_width=big // 110, stroke_fill="white")  # the regular face, made bolder
    line = big // 40  # a thin white rule under the text
    y = (big + (bottom - top)) / 2 + big // 14
    draw.rectangle((big * 0.2, y, big * 0.8, y + line), fill="white")
    return image.resize((size, size), Image.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    icon(192).save(OUT / "icon-192.png", optimize=True)
    icon(512).save(OUT / "icon-512.png", optimize=True)
    icon(512, text_share=0.6, rounded=False).save(OUT / "icon-maskable-512.png", optimize=True)
    icon(180, rounded=False).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)  # iOS rounds it


if __name__ == "__main__":
    main()
