"""What every list-style document shares: A4 pages, styles that wrap Chinese, a table whose header repeats on
each page, a footer with the review's hash and 第 N 页 共 M 页, the 样稿 watermark, and byte-stable output."""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from functools import cache
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import LongTable, PageBreak, Paragraph, SimpleDocTemplate, TableStyle
from reportlab.platypus.flowables import Flowable
from xml.sax.saxutils import escape  # escapes text we write; parses nothing  # nosec B406

from reports import cells, fonts

MARGIN = 20 * mm
# GB/T 9704's page for the documents the office files (表彰名单, 公示, 抄送函, 通报): top, bottom, left, right.
OFFICIAL = (37 * mm, 35 * mm, 28 * mm, 26 * mm)
OFFICIAL_WIDTH = A4[0] - OFFICIAL[2] - OFFICIAL[3]  # 156 mm
WATERMARK = "样稿"
NONE = "（无）"  # what a document prints where it has nothing to list
INK = colors.black
RULE = colors.Color(0.35, 0.35, 0.35)
HEADER_FILL = colors.Color(0.92, 0.92, 0.92)


def _style(name: str, font: str, size: float, leading: float, **kw: Any) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading, wordWrap="CJK", textColor=INK, **kw)


@cache
def styles() -> dict[str, ParagraphStyle]:
    """Title (黑体 18), subtitle, body (宋体 11), cell (宋体 10), small, heading (黑体 13), right-aligned cells.

    Built once per process and shared: a caller that needs a variant derives one (`ParagraphStyle(parent=…)`)
    rather than changing these."""
    fonts.register()
    return {
        "title": _style("title", fonts.HEI, 18, 26, alignment=TA_CENTER, spaceAfter=4 * mm),
        "subtitle": _style("subtitle", fonts.SONG, 11, 16, alignment=TA_CENTER, spaceAfter=3 * mm),
        "heading": _style("heading", fonts.HEI, 13, 19, spaceBefore=4 * mm, spaceAfter=2 * mm),
        "subheading": _style("subheading", fonts.HEI, 11.5, 17, spaceBefore=2 * mm, spaceAfter=1 * mm),
        "body": _style("body", fonts.SONG, 11, 18, firstLineIndent=22),
        "plain": _style("plain", fonts.SONG, 11, 18),
        "names": _style("names", fonts.SONG, 12, 21),
        "cell": _style("cell", fonts.SONG, 10, 14),
        "cell_head": _style("cell_head", fonts.HEI, 10, 14, alignment=TA_CENTER),
        "cell_right": _style("cell_right", fonts.SONG, 10, 14, alignment=TA_RIGHT),
        "cell_center": _style("cell_center", fonts.SONG, 10, 14, alignment=TA_CENTER),
        "small": _style("small", fonts.SONG, 8.5, 12),
        "signature": _style("signature", fonts.SONG, 11, 18, alignment=TA_RIGHT),
    }


@cache
def bold(style: ParagraphStyle) -> ParagraphStyle:
    """The 黑体 variant of a shared style (the 小计 and 合计 rows of a table)."""
    return ParagraphStyle(f"{style.name}_bold", parent=style, fontName=fonts.HEI)


def text(value: object, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text (escaped: a name with < or & prints as it is)."""
    return Paragraph(escape(str(value)).replace("\n", "<br/>"), style)


def frame_width(margins: float = MARGIN) -> float:
    """The width of the text block on an A4 portrait page with the given side margins."""
    return A4[0] - 2 * margins


def title(value: str, width: float) -> Paragraph:
    """A document's title in 黑体 18, centred, broken into two balanced lines when it does not fit `width`."""
    style = styles()["title"]
    return text(title_lines(value, style, width), style)


def empty_row(columns: int, at: int = 1) -> tuple[str, ...]:
    """The one row of a table with nothing to list: （无） in column `at`, the other cells blank."""
    return tuple(NONE if c == at else "" for c in range(columns))


# The rules and padding of every ruled table (`table`, the dossier's facts); each adds where its labels are shaded.
RULED = (
    ("GRID", (0, 0), (-1, -1), 0.5, RULE),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ("TOPPADDING", (0, 0), (-1, -1), 3),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
)


def table(header: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[float],
          right: Sequence[int] = (), center: Sequence[int] = (), bold_rows: Sequence[int] = ()) -> LongTable:
    """A ruled table; long cells wrap; the header repeats on every page; `right`/`center` are column indexes."""
    s = styles()
    body = []
    for r, row in enumerate(rows):
        line = []
        for c, value in enumerate(row):
            if isinstance(value, Flowable):
                line.append(value)
                continue
            style = s["cell_right"] if c in right else s["cell_center"] if c in center else s["cell"]
            line.append(text(value, bold(style) if r in bold_rows else style))
        body.append(line)
    data = [[text(h, s["cell_head"]) for h in header], *body]
    result = LongTable(data, colWidths=list(widths), repeatRows=1)
    result.setStyle(TableStyle([*RULED, ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL)]))
    return result


def watermark(canvas: Canvas, width: float, height: float) -> None:
    """The diagonal 样稿 across a page: the document is a draft until the list is final."""
    canvas.saveState()
    canvas.setFillColor(colors.Color(0.8, 0.1, 0.1), alpha=0.13)
    canvas.setFont(fonts.HEI, min(width, height) / 3.2)
    canvas.translate(width / 2, height / 2)
    canvas.rotate(35)
    canvas.drawCentredString(0, -min(width, height) / 10, WATERMARK)
    canvas.restoreState()


class PartStart(Flowable):
    """Starts a new part of a batch (one ranking table, one member's 履职档案): pages count from 1 again."""

    def wrap(self, *_args: Any) -> tuple[int, int]:
        return 0, 0

    def draw(self) -> None:
        self.canv._part += 1  # type: ignore[attr-defined]


def parts(stories: Sequence[list[Flowable]]) -> list[Flowable]:
    """Several documents' stories as one, each on new pages and numbered on its own (第 1 页 共 M 页 again)."""
    joined: list[Flowable] = []
    for index, story in enumerate(stories):
        if index:
            joined.append(PageBreak())
        joined.append(PartStart())
        joined.extend(story)
    return joined


def _official_number(canvas: Canvas, number: int, width: float) -> None:
    """— 1 — in 4号 宋体 7 mm below the text block, one character in from the edge: odd pages right, even left."""
    size = 14
    canvas.setFont(fonts.SONG, size)
    canvas.setFillColor(INK)
    y = OFFICIAL[1] - 7 * mm - size
    if number % 2:
        canvas.drawRightString(width - OFFICIAL[3] - size, y, f"— {number} —")
    else:
        canvas.drawString(OFFICIAL[2] + size, y, f"— {number} —")


def _numbered_canvas(footer: str, draft: bool, official: bool = False) -> type[Canvas]:
    class NumberedCanvas(Canvas):
        """Keeps each page until the end, then writes 第 N 页 共 M 页 (and the watermark) on every one."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []
            self._part = 0

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            totals: dict[int, int] = {}
            for state in self._pages:
                totals[state["_part"]] = totals.get(state["_part"], 0) + 1
            seen: dict[int, int] = {}
            for state in self._pages:
                part = state["_part"]
                seen[part] = number = seen.get(part, 0) + 1
                self.__dict__.update(state)
                width, height = self._pagesize
                if draft:
                    watermark(self, width, height)
                self.setFont(fonts.SONG, 8.5)
                self.setFillColor(RULE)
                if official:
                    if footer:
                        self.drawCentredString(width / 2, 10 * mm, footer)
                    _official_number(self, number, width)
                else:
                    if footer:
                        self.drawString(MARGIN, 10 * mm, footer)
                    self.drawRightString(width - MARGIN, 10 * mm, f"第 {number} 页 共 {totals[part]} 页")
                Canvas.showPage(self)
            Canvas.save(self)

    return NumberedCanvas


def build(story: list[Flowable], *, title: str, footer: str = "", draft: bool = False,
          pagesize: tuple[float, float] = A4, margins: float = MARGIN, official: bool = False) -> bytes:
    """Lay the story out on pages and return the PDF's bytes (identical for identical input). `official`: the
    page of GB/T 9704 (`OFFICIAL` margins, page numbers — 1 —), as the .docx versions (reports.docx) have it."""
    fonts.register()
    out = io.BytesIO()
    top, bottom, left, right = OFFICIAL if official else (margins,) * 4
    doc = SimpleDocTemplate(
        out, pagesize=pagesize, leftMargin=left, rightMargin=right, topMargin=top,
        bottomMargin=bottom, title=title, author="", creator="", producer="", subject="",
        invariant=1, pageCompression=1)
    doc.build(story, canvasmaker=_numbered_canvas(footer, draft, official))
    return out.getvalue()


def hash_footer(review_hash: str) -> str:
    """The footer that ties a printed page to its frozen review."""
    return f"考评校验码 {review_hash[:16]}" if review_hash else ""


def workbook_stamp(year: int) -> dt.datetime:
    """The fixed date an .xlsx carries for a year's documents, so the same list gives the same bytes."""
    return dt.datetime(year, 12, 31)


def workbook_bytes(workbook: Any, stamp: dt.datetime) -> bytes:
    """An openpyxl workbook's .xlsx bytes, identical for identical content: the document properties carry `stamp`
    (not the time of saving) and every zip entry the same fixed date, so a download can be compared byte for byte."""
    import zipfile

    from openpyxl.writer.excel import ExcelWriter

    workbook.properties.creator = ""
    workbook.properties.lastModifiedBy = ""
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).write_data()  # save_workbook would stamp `modified` with the clock
    return fixed_zip(raw.getvalue(), stamp)


def fixed_zip(data: bytes, stamp: dt.datetime) -> bytes:
    """A zip package (.xlsx, .docx) written again with every entry dated `stamp` (not the time of saving), so the
    same content gives the same bytes."""
    import zipfile

    out = io.BytesIO()
    date_time = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, source.read(entry.filename))
    return out.getvalue()


def sheet(workbook: Any, title: str, header: Sequence[str], widths: Sequence[int], first: bool = False) -> Any:
    """A worksheet with a bold, shaded header row frozen at the top and the given column widths (in characters),
    printing one page wide with the header on every page."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = workbook.active if first else workbook.create_sheet()
    ws.title = title
    cells.append(ws, header)
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
        cell = ws.cell(row=1, column=column)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EDEDED")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.freeze_panes = "A2"
    cells.print_setup(ws, widths)
    return ws


_NO_LINE_START = set("，。、；：？！）》」』”’〕】")
_NO_LINE_END = set("（《「『“‘〔【")
_BREAK_AFTER = ("活动", "年度", "关于")  # where a title reads well broken
_BREAK_BEFORE = ("表彰", "的决定", "的公示", "的通知", "的函", "和", "及", "名单")


def title_lines(value: str, style: ParagraphStyle, width: float) -> str:
    """A title too long for one line, broken into two lines of about equal width, the way official titles are set
    (never inside a number or a run of Latin letters, never before closing or after opening punctuation);
    `text()` prints the newline as a line break. A title that fits, or that even halved would not fit, is kept."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    @cache  # each candidate break measures two parts; the second pass measures the same parts again
    def w(part: str) -> float:
        return stringWidth(part, style.fontName, style.fontSize)

    if "\n" in value or w(value) <= width or w(value) > 2 * width:
        return value
    preferred = {i for i in range(1, len(value))
                 if value[i - 1] == "”" or value[:i].endswith(_BREAK_AFTER) or value[i:].startswith(_BREAK_BEFORE)}
    for candidates in (preferred, range(1, len(value))):  # a break between words if one fits, else anywhere
        best: tuple[float, int] | None = None
        for i in sorted(candidates):
            before, after = value[i - 1], value[i]
            if after in _NO_LINE_START or before in _NO_LINE_END or (before.isascii() and before.isalnum()
                                                                      and after.isascii() and after.isalnum()):
                continue
            longest = max(w(value[:i]), w(value[i:]))
            if longest <= width and (best is None or longest < best[0]):
                best = (longest, i)
        if best is not None:
            return value[:best[1]] + "\n" + value[best[1]:]
    return value
