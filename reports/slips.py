"""账号通知单: one sign-in slip per person, three to an A4 page with dashed cut lines between them.

Each slip has the person's name, unit and role, the user name and the one-time password (large, letters spaced),
the sign-in address with its QR code, and two lines on how to sign in and change the password. The same input
gives the same bytes; the text is embedded in the same TrueType faces as every other document.
"""
from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from reports import fonts
from reports.certificates import Box, draw_qr
from reports.model import AccountSlip, AccountSlips
from reports.numerals import arabic_date

PER_PAGE = 3
PAGE_W, PAGE_H = A4
SLIP_H = PAGE_H / PER_PAGE
LEFT = 16 * mm
RIGHT = PAGE_W - 16 * mm
QR_MM = 30
INK = colors.HexColor("#1A1A1A")
GREY = colors.HexColor("#595959")
RULE = colors.HexColor("#8C8C8C")
TITLE = "账号通知单"


def fit(text: str, font: str, size: float, width: float, smallest: float = 7) -> tuple[str, float]:
    """`text` at the largest size from `size` down to `smallest` that fits `width`; cut with … if none does."""
    while size > smallest and stringWidth(text, font, size) > width:
        size -= 0.5
    if stringWidth(text, font, size) <= width:
        return text, size
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…", size


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """`text` broken into lines no wider than `width`, between any two characters (as Chinese is set); a line never
    starts with closing punctuation: the character before it goes down with it."""
    lines, line = [], ""
    for char in text:
        if line and stringWidth(line + char, font, size) > width:
            if char in "，。、；：）》”" and len(line) > 1:  # the last character goes down with the punctuation
                lines.append(line[:-1])
                line = line[-1]
            else:
                lines.append(line)
                line = ""
        line += char
    return [*lines, line] if line else lines


def _text(canvas: Canvas, x: float, y: float, text: str, font: str, size: float, width: float,
          colour: colors.Color = INK, spacing: float = 0) -> None:
    text, size = fit(text, font, size, width - spacing * len(text))
    obj = canvas.beginText(x, y)
    obj.setFont(font, size)
    obj.setFillColor(colour)
    obj.setCharSpace(spacing)  # always: the PDF keeps the spacing of the last text until told otherwise
    obj.textOut(text)
    canvas.drawText(obj)


def _slip(canvas: Canvas, batch: AccountSlips, slip: AccountSlip, top: float) -> None:
    """One slip, its top edge at `top` (points from the page's bottom)."""
    width = RIGHT - LEFT
    heading = f"{batch.issuer} · {TITLE}" if batch.issuer else TITLE
    _text(canvas, LEFT, top - 14 * mm, heading, fonts.HEI, 14, width - 45 * mm)
    canvas.setFont(fonts.SONG, 9)
    canvas.setFillColor(GREY)
    canvas.drawRightString(RIGHT, top - 14 * mm, f"发放日期：{arabic_date(batch.issued_on)}")
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.6)
    canvas.line(LEFT, top - 17 * mm, RIGHT, top - 17 * mm)

    label_w = 22 * mm
    value_x = LEFT + label_w
    value_w = width - label_w - (QR_MM + 8) * mm
    rows = (("姓　　名", slip.name, fonts.HEI, 13, 0), ("单　　位", slip.unit, fonts.SONG, 11, 0),
            ("角　　色", slip.role, fonts.SONG, 11, 0), ("用 户 名", slip.username, fonts.HEI, 15, 1.2),
            ("初始密码", slip.password, fonts.HEI, 15, 1.2))
    y = top - 25 * mm
    for label, value, font, size, spacing in rows:
        _text(canvas, LEFT, y, label + "：", fonts.SONG, 10.5, label_w, GREY)
        _text(canvas, value_x, y, value, font, size, value_w, spacing=spacing)
        y -= 8.5 * mm
    _text(canvas, LEFT, y, "登录地址：", fonts.SONG, 10.5, label_w, GREY)
    _text(canvas, value_x, y, batch.address, fonts.SONG, 11, value_w)

    qr = Box(int((RIGHT / mm) - QR_MM), int((top / mm) - 21 - QR_MM), QR_MM, QR_MM)
    draw_qr(canvas, batch.address, qr)
    canvas.setFont(fonts.SONG, 8.5)
    canvas.setFillColor(GREY)
    canvas.drawCentredString((qr.x + QR_MM / 2) * mm, (qr.y - 4) * mm, "手机扫码打开登录页")

    rule = f"（{batch.password_rule}）" if batch.password_rule else ""
    steps = ("1. 用电脑或手机浏览器打开上面的登录地址（或扫描二维码），输入用户名和初始密码登录。",
             f"2. 首次登录后须立即设置自己的新密码{rule}，初始密码随即失效；新密码请妥善保管，不要告诉他人。")
    y -= 9 * mm
    indent = stringWidth("1. ", fonts.SONG, 9.5)
    for step in steps:
        for n, line in enumerate(wrap(step, fonts.SONG, 9.5, width - indent)):
            _text(canvas, LEFT + (indent if n else 0), y, line, fonts.SONG, 9.5, width)
            y -= 4.6 * mm


def _cut_line(canvas: Canvas, y: float) -> None:
    canvas.saveState()
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.setDash(4, 3)
    canvas.line(8 * mm, y, PAGE_W - 8 * mm, y)
    canvas.setFont(fonts.SONG, 7)
    canvas.setFillColor(GREY)
    canvas.drawRightString(PAGE_W - 8 * mm, y + 1.2 * mm, "沿虚线剪开")
    canvas.restoreState()


def account_slips(batch: AccountSlips) -> bytes:
    """The slips as PDF bytes: three to an A4 page, in the order given."""
    fonts.register()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=1, pageCompression=1, initialFontName=fonts.SONG)
    canvas.setTitle(TITLE)
    canvas.setAuthor("")
    canvas.setCreator("reports.slips")
    canvas.setProducer("reportlab")
    canvas.setSubject("")
    for start in range(0, len(batch.slips), PER_PAGE):
        page = batch.slips[start:start + PER_PAGE]
        for index, slip in enumerate(page):
            _slip(canvas, batch, slip, PAGE_H - index * SLIP_H)
        for index in range(1, min(len(page) + 1, PER_PAGE)):  # below the last slip too, on a page not full
            _cut_line(canvas, PAGE_H - index * SLIP_H)
        canvas.showPage()
    if not batch.slips:
        canvas.showPage()
    canvas.save()
    return out.getvalue()
