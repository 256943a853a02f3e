"""荣誉证书 and 奖状 in batch, one per page (A4 landscape; 奖状 also A3), and the printer's calibration sheet.

Two ways to print the same page: "full" draws the whole design on plain paper (border, title, text, issuer, date,
number with its check code and QR code; the red seal is stamped by hand over issuer and date, so nothing marks its
place); "overlay" (套打) prints only the variable text, number and QR code onto pre-printed stock, shifted and
scaled by the printer's `Placement`. The 套打 样稿 (a preview, `draft`) shows the pre-printed design faintly beneath
the text (border, title, issuer and a dashed circle where the seal goes), so the office sees where the text will
fall; the dashed circle is on no other page. Every position comes from one table of named boxes in A4 millimetres (`BOXES`,
`MERIT_BOXES`), used by both modes and by the calibration sheet, so the two cannot drift apart; A3 is the same table
scaled by 420/297.

The static part of the full design is drawn once as a form XObject and reused on every page; fonts are embedded
as subsets; the same input gives the same bytes. The QR code's modules come from reportlab's own encoder (error
correction M), the mask chosen by a faster implementation of the standard penalty, and are drawn as one path.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

import zxingcpp

from reportlab.lib import colors
from reportlab.lib.pagesizes import A3, A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from reports import fonts
from reports.layout import watermark
from reports.model import Certificate, Placement
from reports.numerals import certificate_number, document_date

Progress = Callable[[int, int], None] | None

RED = colors.HexColor("#9E1B1B")
GOLD = colors.HexColor("#B8913A")
INK = colors.HexColor("#1A1A1A")
GREY = colors.HexColor("#595959")
GUIDE = colors.HexColor("#D9B3B3")
CAL = colors.HexColor("#1F4E9E")
FAINT = 0.3  # the pre-printed design beneath a 套打 样稿: seen, but not taken for print

A4_MM = (297, 210)  # landscape
A3_FACTOR = Fraction(420, 297)  # A3 landscape is A4 landscape scaled by √2 (to 0.01 mm)


@dataclass(frozen=True)
class Box:
    """A rectangle in A4-landscape millimetres, from the page's lower-left corner."""

    x: int
    y: int
    w: int
    h: int

    @property
    def top(self) -> int:
        return self.y + self.h

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def centre_x(self) -> Fraction:
        return self.x + Fraction(self.w, 2)


# One table for both modes and the calibration sheet. Text boxes: the first baseline hangs from the top.
BOXES: dict[str, Box] = {
    "title": Box(48, 150, 201, 30),  # 荣誉证书 (full design only)
    "name": Box(44, 134, 209, 12),  # 欧阳明 同志：
    "body": Box(44, 70, 209, 62),  # citation, 事迹, 特发此证。
    "issuer": Box(170, 52, 90, 9),  # issuer (full design only)
    "date": Box(170, 41, 90, 9),  # 二〇二五年十二月
    "seal": Box(194, 29, 42, 42),  # the red seal, stamped over issuer and date: a dashed guide in the 套打 样稿 only
    "qr": Box(34, 31, 22, 22),
    "caption": Box(34, 25, 22, 5),  # 扫码查验 (full design only)
    "number": Box(34, 17, 110, 6),  # 证书编号：…
}
MERIT_BOXES: dict[str, Box] = {
    **BOXES,
    "title": Box(48, 148, 201, 34),  # 奖　状
    "body": Box(44, 76, 209, 62),  # 授予 … 称号, centred lines
}
CALIBRATION_MARKS = (("姓名", "name"), ("正文", "body"), ("日期", "date"), ("编号", "number"), ("二维码", "qr"))

NAME_SIZE = 22
BODY_SIZES = tuple(range(18, 11, -1))  # tried in turn; the last is the minimum before 事迹 is shortened
MERIT_SIZES = tuple(range(30, 17, -2))
LEADING = Fraction(7, 4)
DATE_SIZE = 16
NUMBER_SIZE = 10
CLOSING = "特发此证。"
ELLIPSIS = "……"
NO_LINE_START = set("，。、；：！？）》」』〕】”’…—·%,.;:!?)]")
NO_LINE_END = set("（《「『〔【“‘([")
LATIN = re.compile(r"[0-9A-Za-z]")


# ---------------------------------------------------------------------------------------------------- text fitting

@lru_cache(maxsize=None)
def _em(font: str, char: str) -> int:
    """A character's advance in thousandths of the font size."""
    return round(pdfmetrics.stringWidth(char, font, 1000))


def _ems(text: str, font: str) -> int:
    """A string's advance in thousandths of the font size."""
    return sum(_em(font, c) for c in text)


def _width(text: str, font: str, size: int | Fraction) -> Fraction:
    return Fraction(_ems(text, font), 1000) * size


def _limit(width: float, size: int | Fraction) -> int:
    """The most thousandths of an em that fit `width` points at `size`: a string fits when its `_ems` is no more."""
    return int(Fraction(width) * 1000 / size)


def wrap(text: str, font: str, size: int | Fraction, width: float, indent: int = 0) -> list[str]:
    """Break a paragraph into lines no wider than `width` points (the first indented `indent` characters).

    Chinese breaks anywhere except before closing punctuation (，。” …) or after an opening one (“《 …); a run of
    Latin letters and digits (2025, 4G) is not split unless it alone is longer than a line.
    """
    limit = _limit(width, size)  # in thousandths of an em: integer arithmetic from here on
    lines: list[str] = []
    start, used = 0, indent * 1000
    i = 0
    while i < len(text):
        w = _em(font, text[i])
        if used + w <= limit or i == start:
            used += w
            i += 1
            continue
        cut = i
        while cut - 1 > start and (text[cut] in NO_LINE_START or text[cut - 1] in NO_LINE_END):
            cut -= 1
        if LATIN.match(text[cut]) and LATIN.match(text[cut - 1]):
            back = cut
            while back > start and LATIN.match(text[back - 1]):
                back -= 1
            if back > start:
                cut = back
        lines.append(text[start:cut])
        start, used, i = cut, 0, cut
    lines.append(text[start:])
    return lines


@dataclass(frozen=True)
class Fitted:
    """The body laid out: font size, leading and the lines of each paragraph (the last one is 特发此证。)."""

    size: int
    leading: Fraction
    paragraphs: tuple[tuple[str, ...], ...]
    shortened: bool


def _laid(paragraphs: Sequence[str], size: int, width: float, height: float) -> list[list[str]] | None:
    """The lines of the paragraphs and 特发此证。 at `size`, or None when they take more rows than `height` holds."""
    laid = [wrap(p, fonts.KAI, size, width, indent=2) for p in (*paragraphs, CLOSING)]
    return laid if sum(len(p) for p in laid) <= int(Fraction(height) // (size * LEADING)) else None


def _cut(text: str, length: int) -> str:
    return text[:length].rstrip("，、；：,;: ") + ELLIPSIS


def fit_body(citation: str, deeds: str, box: Box = BOXES["body"]) -> Fitted:
    """The largest size at which citation, 事迹 and 特发此证 fit the box; at the smallest, 事迹 (then the citation)
    is cut short with …… so that nothing ever leaves the box."""
    width, height = box.w * mm, box.h * mm
    texts = [t for t in (" ".join(citation.split()), " ".join(deeds.split())) if t]
    for size in BODY_SIZES:
        laid = _laid(texts, size, width, height)
        if laid is not None:
            return Fitted(size, size * LEADING, tuple(tuple(p) for p in laid[:-1]), False)
    size = BODY_SIZES[-1]
    kept = texts[:]
    while kept:
        last = kept[-1]
        low, high = 0, len(last)  # the longest prefix of the last paragraph that fits with ……
        while low < high:
            middle = (low + high + 1) // 2
            if _laid([*kept[:-1], _cut(last, middle)], size, width, height) is not None:
                low = middle
            else:
                high = middle - 1
        if low > 0:
            kept[-1] = _cut(last, low)
            break
        kept.pop()
    laid = [wrap(p, fonts.KAI, size, width, indent=2) for p in kept]
    return Fitted(size, size * LEADING, tuple(tuple(p) for p in laid), True)


def fit_merit(segments: Sequence[str], box: Box = MERIT_BOXES["body"]) -> tuple[int, Fraction, list[str]]:
    """授予 … 称号 in centred lines broken between its parts where possible, at the largest size that fits."""
    width, height = box.w * mm, box.h * mm
    for size in MERIT_SIZES:
        leading = size * Fraction(8, 5)
        limit = _limit(width, size)
        lines: list[str] = []
        current = ""
        for segment in segments:
            candidate = f"{current} {segment}" if current else segment
            if _ems(candidate, fonts.KAI) <= limit:
                current = candidate
                continue
            if current:
                lines.append(current)
            parts = wrap(segment, fonts.KAI, size, width)
            lines += parts[:-1]
            current = parts[-1]
        lines.append(current)
        if len(lines) * leading <= height or size == MERIT_SIZES[-1]:
            return size, leading, lines[: max(1, int(Fraction(height) // leading))]
    raise AssertionError("unreachable")


# ------------------------------------------------------------------------------------------------------- QR code

_DARK_RUN = re.compile(rb"\x00+")  # zxing-cpp's image: 0 is a dark module


@lru_cache(maxsize=4096)
def qr_matrix(text: str) -> tuple[bytes, ...]:
    """The QR code of `text` (UTF-8, error correction M) by zxing-cpp, one row of bytes per module row (0 dark,
    255 light), without the quiet zone (the layout leaves it)."""
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = memoryview(code.to_image(scale=1, add_quiet_zones=False))
    rows, cols = image.shape
    flat = image.tobytes()
    return tuple(flat[r * cols:(r + 1) * cols] for r in range(rows))


def qr_runs(matrix: Sequence[bytes]) -> list[tuple[int, int, int]]:
    """The dark modules as horizontal runs (row, first column, length)."""
    return [(r, m.start(), m.end() - m.start()) for r, row in enumerate(matrix) for m in _DARK_RUN.finditer(row)]


def draw_qr(canvas: Canvas, text: str, box: Box) -> None:
    """The QR code filling `box` (square), as one path of rectangles in module units (small integers)."""
    matrix = qr_matrix(text)
    module = Fraction(box.w) * mm / len(matrix)
    canvas.saveState()
    canvas.setFillColor(colors.black)
    canvas.transform(module, 0, 0, -module, box.x * mm, box.top * mm)  # row r, column c → (c, r) downwards
    canvas.addLiteral(" ".join(f"{c} {r} {length} 1 re" for r, c, length in qr_runs(matrix)) + " f")
    canvas.restoreState()


# ------------------------------------------------------------------------------------------------------ drawing

def _page(paper: str) -> tuple[tuple[float, float], Fraction]:
    if paper == "A4":
        return landscape(A4), Fraction(1)
    if paper == "A3":
        return landscape(A3), A3_FACTOR
    raise ValueError(f"unknown paper {paper!r}")


def _canvas(out: io.BytesIO, size: tuple[float, float], title: str) -> Canvas:
    fonts.register()
    canvas = Canvas(out, pagesize=size, invariant=1, pageCompression=1, initialFontName=fonts.SONG)
    canvas.setTitle(title)
    canvas.setAuthor("")
    canvas.setCreator("reports.certificates")
    canvas.setProducer("reportlab")
    canvas.setSubject("")
    return canvas


def _spaced(canvas: Canvas, text: str, font: str, size: int, centre_x: float, y: float, gap: Fraction) -> None:
    """A title with its letters spaced `gap` ems apart, centred on `centre_x`."""
    space = gap * size
    width = _width(text, font, size) + space * (len(text) - 1)
    canvas.setFont(font, size)
    t = canvas.beginText(centre_x - width / 2, y)
    t.setCharSpace(space)
    t.textOut(text)
    t.setCharSpace(0)  # the text state outlives the text object: later strings must not inherit the spacing
    canvas.drawText(t)


def _corner(canvas: Canvas) -> None:
    """One corner ornament, drawn for the lower-left corner at the origin; the others are its mirror images."""
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(Fraction(6, 5))
    p = canvas.beginPath()
    for a, b in ((3, 24), (6, 17)):  # two nested brackets
        p.moveTo(a * mm, b * mm)
        p.lineTo(a * mm, a * mm)
        p.lineTo(b * mm, a * mm)
    p.moveTo(6 * mm, 17 * mm)  # a small return at each bracket's end: a 回纹-like step
    p.lineTo(9 * mm, 17 * mm)
    p.lineTo(9 * mm, 9 * mm)
    p.lineTo(17 * mm, 9 * mm)
    p.lineTo(17 * mm, 6 * mm)
    canvas.drawPath(p, stroke=1, fill=0)
    canvas.setFillColor(RED)
    canvas.circle(13 * mm, 13 * mm, mm * Fraction(6, 5), stroke=0, fill=1)


def _border(canvas: Canvas) -> None:
    """Double rule (dark red outside, gold inside) with an ornament in each corner, on A4 landscape."""
    w, h = A4_MM
    canvas.setStrokeColor(RED)
    canvas.setLineWidth(3)
    canvas.rect(9 * mm, 9 * mm, (w - 18) * mm, (h - 18) * mm, stroke=1, fill=0)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(Fraction(3, 4))
    canvas.rect(11.5 * mm, 11.5 * mm, (w - 23) * mm, (h - 23) * mm, stroke=1, fill=0)  # the gold double rule, 11.5 and 12.5 mm in
    canvas.rect(12.5 * mm, 12.5 * mm, (w - 25) * mm, (h - 25) * mm, stroke=1, fill=0)
    for sx, sy in ((1, 1), (-1, 1), (1, -1), (-1, -1)):
        canvas.saveState()
        canvas.translate((9 if sx > 0 else w - 9) * mm, (9 if sy > 0 else h - 9) * mm)
        canvas.scale(sx, sy)
        _corner(canvas)
        canvas.restoreState()


def _seal_guide(canvas: Canvas, box: Box) -> None:
    canvas.saveState()
    canvas.setStrokeColor(GUIDE)
    canvas.setLineWidth(Fraction(1, 2))
    canvas.setDash(3, 3)
    canvas.circle(box.centre_x * mm, (box.y + Fraction(box.h, 2)) * mm, Fraction(box.w, 2) * mm, stroke=1, fill=0)
    canvas.restoreState()


def _static_design(canvas: Canvas, boxes: dict[str, Box], title: str, gap: Fraction, size: int) -> None:
    """The part of the page that is the same on every certificate (and pre-printed on 套打 stock): border, title,
    扫码查验. No mark where the seal goes: it is stamped by hand over issuer and date."""
    _border(canvas)
    t = boxes["title"]
    canvas.setFillColor(RED)
    _spaced(canvas, title, fonts.KAI, size, t.centre_x * mm, (t.y + 6) * mm, gap)
    c = boxes["caption"]
    canvas.setFillColor(GREY)
    canvas.setFont(fonts.SONG, 7)
    canvas.drawCentredString(c.centre_x * mm, (c.y + 2) * mm, "扫码查验")


def _justified(canvas: Canvas, line: str, x: float, y: float, size: int, width: float) -> None:
    """A full line stretched to the box's width (the last line of a paragraph is drawn as it is)."""
    t = canvas.beginText(x, y)
    t.setFont(fonts.KAI, size)
    stretch = width and len(line) > 1
    t.setCharSpace((Fraction(width) - _width(line, fonts.KAI, size)) / (len(line) - 1) if stretch else 0)
    t.textOut(line)
    if stretch:
        t.setCharSpace(0)
    canvas.drawText(t)


def _draw_body(canvas: Canvas, fitted: Fitted, box: Box, closing: bool) -> None:
    canvas.setFillColor(INK)
    x, width = box.x * mm, box.w * mm
    indent = 2 * fitted.size
    y = box.top * mm - fitted.size
    for lines in (*fitted.paragraphs, (CLOSING,) if closing else ()):
        for i, line in enumerate(lines):
            first = i == 0
            last = i == len(lines) - 1
            left = x + (indent if first else 0)
            _justified(canvas, line, left, y, fitted.size, 0 if last else width - (indent if first else 0))
            y -= fitted.leading


def _issuer(canvas: Canvas, item: Certificate, box: Box) -> None:
    canvas.setFont(fonts.KAI, DATE_SIZE)
    canvas.drawCentredString(box.centre_x * mm, (box.y + 2) * mm, item.issuer)


def _footer(canvas: Canvas, item: Certificate, boxes: dict[str, Box], numerals: str, full: bool) -> None:
    """Issuer (full design only), date, number and QR code: the same on 荣誉证书 and 奖状."""
    canvas.setFillColor(INK)
    if full:
        _issuer(canvas, item, boxes["issuer"])
    d = boxes["date"]
    canvas.setFont(fonts.KAI, DATE_SIZE)
    canvas.drawCentredString(d.centre_x * mm, (d.y + 2) * mm, document_date(item.issued_on, numerals, with_day=False))
    n = boxes["number"]
    canvas.setFont(fonts.SONG, NUMBER_SIZE)
    code = f"\u3000校验码：{item.check_code}" if item.check_code else ""
    canvas.drawString(n.x * mm, (n.y + 2) * mm, f"证书编号：{certificate_number(item.number)}{code}")
    draw_qr(canvas, item.verify_url, boxes["qr"])


def _check(numerals: str) -> None:
    """Fail before the first page on an unknown numeral style."""
    document_date(dt.date(2000, 1, 1), numerals)


def _salutation(item: Certificate) -> str:
    return f"{item.name}：" if item.organisation else f"{item.name} 同志："


def _placed(canvas: Canvas, placement: Placement, factor: Fraction) -> None:
    """Shift and scale about the page's origin as the printer's placement says, then A4 → paper."""
    canvas.translate(mm * Fraction(placement.dx_mm), mm * Fraction(placement.dy_mm))
    scale = Fraction(placement.scale) * factor
    canvas.scale(scale, scale)


def _batch(items: Iterable[Certificate], *, paper: str, mode: str, draft: bool, progress: Progress, title: str,
           design: Callable[[Canvas], None], page: Callable[[Canvas, Certificate, bool], None],
           placement: Placement) -> bytes:
    """`design(canvas)` draws the static design; `page(canvas, item, full)` an item's text, with what the
    pre-printed stock already carries when `full`. A 套打 样稿 draws the design faintly and the seal's dashed
    guide beneath the text, placed like the text, so the two sit as they will on the stock."""
    if mode not in ("full", "overlay"):
        raise ValueError(f"unknown mode {mode!r}")
    items = list(items)
    size, factor = _page(paper)
    out = io.BytesIO()
    canvas = _canvas(out, size, title)
    full = mode == "full"
    beneath = not full and draft
    if full or beneath:
        canvas.beginForm("design")
        design(canvas)
        canvas.endForm()
    for done, item in enumerate(items, start=1):
        canvas.saveState()
        if full:
            canvas.scale(factor, factor)
            canvas.doForm("design")
        else:
            _placed(canvas, placement, factor)
        if beneath:
            canvas.saveState()
            canvas.setFillColor(INK)  # before the alpha: a colour brings its own (opaque)
            canvas.setFillAlpha(FAINT)
            canvas.setStrokeAlpha(FAINT)
            canvas.doForm("design")
            _issuer(canvas, item, BOXES["issuer"])  # pre-printed too; the same place on 荣誉证书 and 奖状
            canvas.restoreState()
            _seal_guide(canvas, BOXES["seal"])
        page(canvas, item, full)
        canvas.restoreState()
        if draft:
            watermark(canvas, *size)
        canvas.showPage()
        if progress:
            progress(done, len(items))
    canvas.save()
    return out.getvalue()


def certificates(items: Iterable[Certificate], *, mode: str = "full", numerals: str = "chinese",
                 placement: Placement = Placement(), draft: bool = False, progress: Progress = None) -> bytes:
    """荣誉证书, one A4-landscape page per item: the full design on plain paper, or only the variable text on
    pre-printed stock (`mode="overlay"`, placed by `placement`)."""
    _check(numerals)

    def design(canvas: Canvas) -> None:
        _static_design(canvas, BOXES, "荣誉证书", Fraction(1, 2), 48)

    def page(canvas: Canvas, item: Certificate, full: bool) -> None:
        name = BOXES["name"]
        canvas.setFillColor(INK)
        canvas.setFont(fonts.KAI, NAME_SIZE)
        canvas.drawString(name.x * mm, (name.y + 2) * mm, _salutation(item))
        _draw_body(canvas, fit_body(item.citation, item.deeds), BOXES["body"], closing=full)
        _footer(canvas, item, BOXES, numerals, full)

    return _batch(items, paper="A4", mode=mode, draft=draft, progress=progress, title="荣誉证书",
                  design=design, page=page, placement=placement)


def merit_text(item: Certificate) -> list[str]:
    """授予 (name) 同志 … 称号 in two parts (who; which title), kept whole on a line where they fit, so a line break
    falls between them and never leaves 称号 alone; a 企业主's enterprise and 职务 (授予 某某公司董事长) is a part of
    its own before the name."""
    who = item.name if item.organisation else f"{item.name} 同志"
    return [*([f"授予 {item.title}", who] if item.title else [f"授予 {who}"]), f"{item.honour} 称号"]


def merit(items: Iterable[Certificate], *, paper: str = "A4", mode: str = "full", numerals: str = "chinese",
          placement: Placement = Placement(), draft: bool = False, progress: Progress = None) -> bytes:
    """奖状, one landscape page (A4 or A3) per item: 授予 (name) 同志 … 称号, issuer, date, seal, number, QR code."""
    _check(numerals)

    def design(canvas: Canvas) -> None:
        _static_design(canvas, MERIT_BOXES, "奖状", Fraction(3, 2), 56)

    def page(canvas: Canvas, item: Certificate, full: bool) -> None:
        box = MERIT_BOXES["body"]
        size, leading, lines = fit_merit(merit_text(item), box)
        canvas.setFillColor(INK)
        canvas.setFont(fonts.KAI, size)
        block = leading * (len(lines) - 1) + size
        y = (box.y + Fraction(box.h, 2)) * mm + block / 2 - size
        for line in lines:
            canvas.drawCentredString(box.centre_x * mm, y, line)
            y -= leading
        _footer(canvas, item, MERIT_BOXES, numerals, full)

    return _batch(items, paper=paper, mode=mode, draft=draft, progress=progress, title="奖状",
                  design=design, page=page, placement=placement)


# --------------------------------------------------------------------------------------------------- calibration

def _signed(value: Decimal) -> str:
    return f"{value:+.1f}"


def _number(value: Fraction) -> str:
    """A position in millimetres as printed on the sheet: 44 or 215.5."""
    exact = (Decimal(value.numerator) / value.denominator).quantize(Decimal("0.1"))
    return str(exact.to_integral_value()) if exact == exact.to_integral_value() else str(exact)


def _rulers(canvas: Canvas, width_mm: int, height_mm: int) -> None:
    """Millimetre rulers along the four edges of the paper (not placed: they measure the sheet itself)."""
    canvas.setStrokeColor(colors.black)
    canvas.setLineWidth(Fraction(1, 4))
    p = canvas.beginPath()
    for x in range(width_mm + 1):
        length = 6 if x % 10 == 0 else 4 if x % 5 == 0 else 2
        p.moveTo(x * mm, 0)
        p.lineTo(x * mm, length * mm)
        p.moveTo(x * mm, height_mm * mm)
        p.lineTo(x * mm, (height_mm - length) * mm)
    for y in range(height_mm + 1):
        length = 6 if y % 10 == 0 else 4 if y % 5 == 0 else 2
        p.moveTo(0, y * mm)
        p.lineTo(length * mm, y * mm)
        p.moveTo(width_mm * mm, y * mm)
        p.lineTo((width_mm - length) * mm, y * mm)
    canvas.drawPath(p, stroke=1, fill=0)
    canvas.setFillColor(colors.black)
    canvas.setFont(fonts.SONG, 6)
    for x in range(10, width_mm, 10):
        canvas.drawCentredString(x * mm, 7 * mm, str(x))
        canvas.drawCentredString(x * mm, (height_mm - 9) * mm, str(x))
    for y in range(10, height_mm, 10):
        canvas.drawString(7 * mm, y * mm - 2, str(y))
        canvas.drawRightString((width_mm - 7) * mm, y * mm - 2, str(y))


def _anchor(key: str) -> tuple[Fraction, Fraction]:
    """The crosshair's centre for each box, in A4 millimetres: where the name, date and number start (their
    baseline), the body box's lower-left corner, and the QR code's top-left module."""
    b = BOXES[key]
    if key == "date":
        return b.centre_x, Fraction(b.y + 2)
    if key in ("name", "number"):
        return Fraction(b.x), Fraction(b.y + 2)
    if key == "body":
        return Fraction(b.x), Fraction(b.y)
    return Fraction(b.x), Fraction(b.top)


def calibration(placement: Placement = Placement(), paper: str = "A4") -> bytes:
    """A calibration sheet for 套打: rulers, crosshairs where overlay prints each text, a 100 mm square, and how
    to correct the printer's placement; the crosshairs and square are placed exactly as overlay places text."""
    size, factor = _page(paper)
    width_mm, height_mm = (420, 297) if paper == "A3" else A4_MM
    out = io.BytesIO()
    canvas = _canvas(out, size, "套打校准页")
    _rulers(canvas, width_mm, height_mm)
    canvas.saveState()
    _placed(canvas, placement, factor)
    canvas.setStrokeColor(CAL)
    canvas.setFillColor(CAL)
    for label, key in CALIBRATION_MARKS:
        b = BOXES[key]
        canvas.saveState()
        canvas.setLineWidth(Fraction(1, 2))
        canvas.setStrokeColor(colors.HexColor("#C3D0E8"))
        canvas.setDash(2, 2)
        canvas.rect(b.x * mm, b.y * mm, b.w * mm, b.h * mm, stroke=1, fill=0)
        canvas.restoreState()
        x, y = _anchor(key)
        canvas.setLineWidth(Fraction(1, 2))
        canvas.line((x - 6) * mm, y * mm, (x + 6) * mm, y * mm)
        canvas.line(x * mm, (y - 6) * mm, x * mm, (y + 6) * mm)
        canvas.circle(x * mm, y * mm, 2 * mm, stroke=1, fill=0)
        canvas.setFont(fonts.HEI, 9)
        canvas.drawString((x + 2) * mm, (y + 2) * mm, f"{label}（{_number(x)}, {_number(y)}）")
    square = Box(160, 62, 100, 100)
    canvas.setStrokeColor(colors.black)
    canvas.setLineWidth(Fraction(1, 2))
    canvas.rect(square.x * mm, square.y * mm, 100 * mm, 100 * mm, stroke=1, fill=0)
    canvas.setFillColor(colors.black)
    canvas.setFont(fonts.HEI, 11)
    canvas.drawString(16 * mm, 190 * mm, "套打校准页")
    canvas.setFont(fonts.SONG, 8)
    canvas.drawCentredString(square.centre_x * mm, (square.top - 5) * mm, "此方框应为 100 毫米 × 100 毫米")
    steps = [
        "1. 用将要套打的打印机和纸张方向打印本页，与预印证书叠放对光。",
        "2. 用直尺测量：若十字线相对预印证书向右偏 x 毫米，请在打印机",
        "   设置中把水平偏移减去 x；向左偏则加上 x。",
        "3. 若向上偏 y 毫米，把垂直偏移减去 y；向下偏则加上 y。",
        "4. 量方框边长：若量得 a 毫米，把缩放乘以 100 ÷ a。",
        "5. 改好后再打印本页核对，直到十字线与预印位置重合。",
        "",
        "当前设置：",
        f"   打印机：{placement.name or '（未命名）'}",
        f"   水平偏移 {_signed(placement.dx_mm)} 毫米，垂直偏移 {_signed(placement.dy_mm)} 毫米",
        f"   缩放 {placement.scale:.3f}；纸张 {paper} 横向",
    ]
    y = 184 * mm
    for line in steps:
        canvas.drawString(16 * mm, y, line)
        y -= 11
    canvas.restoreState()
    canvas.showPage()
    canvas.save()
    return out.getvalue()

