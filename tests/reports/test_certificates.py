"""荣誉证书 and 奖状 in batch: pages, page sizes, the text a reader sees, 套打 overlay, QR codes that decode, byte
stability, a 事迹 too long for the page that is cut short instead of overflowing, and the seal's dashed guide on the
套打 样稿 alone (read from the pages' drawing operators)."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pypdfium2 as pdfium
import pytest
import zxingcpp
from pypdf import PdfReader
from pypdf.generic import ContentStream
from reportlab.lib.pagesizes import A3, A4, landscape

from reports.certificates import BOXES, calibration, certificates, fit_body, merit
from reports.model import Certificate, Placement

ISSUER = "中国人民政治协商会议××县委员会"
DAY = dt.date(2025, 12, 20)
LONG = "深入基层调研，走访群众，撰写调研报告，" * 110  # 2,090 characters


def _item(number: int, name: str, deeds: str = "", organisation: bool = False,
          honour: str = "2025年度优秀政协委员", day: dt.date = DAY) -> Certificate:
    return Certificate(
        number=f"2025-四个一-{number:04d}", name=name, honour=honour,
        citation="在2025年度政协委员“四个一”活动中表现突出，被评为优秀政协委员。", issuer=ISSUER, issued_on=day,
        verify_url=f"https://zx.example.gov.cn/verify/2025-{number:04d}?c=7KQ4X{number}", deeds=deeds,
        organisation=organisation, check_code=f"7KQ4X{number}")


ITEMS = [
    _item(1, "欧阳明", deeds="积极建言献策，提交提案5件，其中1件被列为重点提案。"),
    _item(2, "张三", deeds=LONG),
    _item(3, "县政协机关第一党支部", organisation=True, honour="2025年度先进党组织"),
]


def _texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def _sizes(data: bytes) -> list[tuple[int, int]]:
    return [(round(p.mediabox.width), round(p.mediabox.height)) for p in PdfReader(io.BytesIO(data)).pages]


def _qr(data: bytes, page: int = 0) -> zxingcpp.Barcode:
    image = pdfium.PdfDocument(data)[page].render(scale=3).to_pil()
    codes = zxingcpp.read_barcodes(image)
    assert len(codes) == 1
    return codes[0]


def _strokes(data: bytes, page: int = 0) -> list[dict[str, object]]:
    """Every stroked path of a page, those of the form XObjects it paints included: whether it is dashed, has curves
    (a circle) or rectangles (the border), and the stroke opacity it is drawn with."""
    reader = PdfReader(io.BytesIO(data))
    found: list[dict[str, object]] = []

    def walk(content: object, resources: dict, state: dict[str, object]) -> None:
        stack: list[dict[str, object]] = []
        path: list[bytes] = []
        for operands, operator in ContentStream(content, reader).operations:
            if operator == b"q":
                stack.append(dict(state))
            elif operator == b"Q":
                state = stack.pop()
            elif operator == b"d":
                state["dashed"] = len(operands[0]) > 0
            elif operator == b"gs" and "/CA" in resources["/ExtGState"][operands[0]]:
                state["alpha"] = float(resources["/ExtGState"][operands[0]]["/CA"])
            elif operator in (b"m", b"l", b"c", b"v", b"y", b"re", b"h"):
                path.append(operator)
            elif operator in (b"S", b"s", b"B", b"b", b"B*", b"b*"):
                found.append({**state, "curve": b"c" in path, "rect": b"re" in path})
                path = []
            elif operator in (b"f", b"F", b"f*", b"n"):
                path = []
            elif operator == b"Do":
                form = resources["/XObject"][operands[0]].get_object()
                walk(form, form.get("/Resources", resources), dict(state))

    first = reader.pages[page]
    walk(first.get_contents(), first["/Resources"], {"dashed": False, "alpha": 1.0})
    return found


def _landscape(size: tuple[float, float]) -> tuple[int, int]:
    width, height = landscape(size)
    return round(width), round(height)


@pytest.fixture(scope="module")
def full() -> bytes:
    return certificates(ITEMS)


def test_one_landscape_a4_page_per_certificate(full: bytes) -> None:
    assert _sizes(full) == [_landscape(A4)] * len(ITEMS)


def test_what_a_reader_sees(full: bytes) -> None:
    texts = _texts(full)
    first = texts[0].replace(" ", "")  # the title's letters are spaced apart on the page
    assert "荣誉证书" in first
    assert "欧阳明 同志：" in texts[0]
    assert "在2025年度政协委员“四个一”活动中表现突出" in first
    assert "积极建言献策" in first
    assert "特发此证。" in first
    assert ISSUER in first
    assert "二〇二五年十二月" in first
    assert "证书编号：2025四个一第0001号\u3000校验码：7KQ4X1" in texts[0]  # the number as it reads (stored 2025-四个一-0001), the code beside it


def test_organisation_has_no_comrade(full: bytes) -> None:
    text = _texts(full)[2]
    assert "县政协机关第一党支部：" in text
    assert "同志" not in text


def test_arabic_numerals_and_chinese_date_without_day() -> None:
    arabic = _texts(certificates(ITEMS[:1], numerals="arabic"))[0]
    assert "2025年12月" in arabic and "二〇二五" not in arabic
    chinese = _texts(certificates([_item(9, "李四", day=dt.date(2021, 1, 1))]))[0]
    assert "二〇二一年一月" in chinese and "一月一日" not in chinese


def test_a_long_deed_is_cut_short_and_stays_on_its_page(full: bytes) -> None:
    text = _texts(full)[1].replace(" ", "").replace("\n", "")
    assert "……" in text
    assert text.index("……") < text.index("特发此证。")
    assert text.count("深入基层调研") < 110
    fitted = fit_body(ITEMS[1].citation, LONG)
    assert fitted.shortened
    rows = sum(len(p) for p in fitted.paragraphs) + 1  # and 特发此证
    assert rows * fitted.leading <= BOXES["body"].h * 72 * 10 / 254  # the box's height in points
    assert fitted.paragraphs[-1][-1].endswith("……")


def test_overlay_prints_only_the_variable_text() -> None:
    texts = _texts(certificates(ITEMS, mode="overlay"))
    assert len(texts) == len(ITEMS)
    first = texts[0].replace(" ", "")
    assert "欧阳明" in first and "2025四个一第0001号" in first and "二〇二五年十二月" in first
    assert "荣誉证书" not in first and "特发此证" not in first and ISSUER not in first


def test_same_input_same_bytes(full: bytes) -> None:
    assert certificates(ITEMS) == full
    assert merit(ITEMS, paper="A3") == merit(ITEMS, paper="A3")
    assert calibration() == calibration()


def test_qr_decodes_to_the_verify_url(full: bytes) -> None:
    for page, item in enumerate(ITEMS):
        assert _qr(full, page).text == item.verify_url


def test_overlay_placement_moves_the_qr() -> None:
    plain = certificates(ITEMS[:1], mode="overlay")
    shifted = certificates(ITEMS[:1], mode="overlay", placement=Placement(dx_mm=Decimal(10)))
    a, b = _qr(plain).position.top_left, _qr(shifted).position.top_left
    pixels = 10 / 25.4 * 72 * 3  # 10 mm at render scale 3
    assert abs(b.x - a.x - pixels) < 4
    assert abs(b.y - a.y) < 4
    assert _qr(shifted).text == ITEMS[0].verify_url


def test_overlay_and_full_put_the_qr_in_the_same_place(full: bytes) -> None:
    a = _qr(full).position.top_left
    b = _qr(certificates(ITEMS[:1], mode="overlay")).position.top_left
    assert abs(a.x - b.x) < 2 and abs(a.y - b.y) < 2


def test_progress_after_each_page() -> None:
    seen: list[tuple[int, int]] = []
    certificates(ITEMS, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_draft_has_the_watermark() -> None:
    assert "样稿" in _texts(certificates(ITEMS[:1], draft=True))[0]
    assert "样稿" not in _texts(certificates(ITEMS[:1]))[0]


def test_merit_a4_and_a3() -> None:
    a4, a3 = merit(ITEMS), merit(ITEMS, paper="A3")
    assert _sizes(a4) == [_landscape(A4)] * 3 and _sizes(a3) == [_landscape(A3)] * 3
    for data in (a4, a3):
        texts = [t.replace(" ", "").replace("\n", "") for t in _texts(data)]
        assert "奖状" in texts[0] and "授予欧阳明同志" in texts[0] and "2025年度优秀政协委员称号" in texts[0]
        assert "授予县政协机关第一党支部" in texts[2] and "同志" not in texts[2] and "称号" in texts[2]
        assert "二〇二五年十二月" in texts[0]
        assert _qr(data, 2).text == ITEMS[2].verify_url
    overlay = _texts(merit(ITEMS, mode="overlay"))[0]
    assert "授予" in overlay and "称号" in overlay and "2025四个一第0001号" in overlay
    assert "奖状" not in overlay.replace(" ", "").replace("\u3000", "") and ISSUER not in overlay


def test_calibration_sheet() -> None:
    data = calibration(Placement(Decimal("1.5"), Decimal("-2"), Decimal("1.002"), "办公室打印机"))
    assert _sizes(data) == [_landscape(A4)]
    text = _texts(data)[0]
    for label in ("姓名", "正文", "日期", "编号", "二维码", "100 毫米", "水平偏移减去 x", "办公室打印机", "+1.5",
                  "-2.0", "1.002"):
        assert label in text
    assert _sizes(calibration(paper="A3")) == [_landscape(A3)]


def test_unknown_options_fail() -> None:
    with pytest.raises(ValueError):
        certificates(ITEMS, numerals="roman")
    with pytest.raises(ValueError):
        certificates(ITEMS, mode="plain")
    with pytest.raises(ValueError):
        merit(ITEMS, paper="A5")


@pytest.mark.parametrize("render", [certificates, merit])
def test_a_printed_page_has_no_dashed_seal_circle(render) -> None:
    for data in (render(ITEMS[:1]), render(ITEMS[:1], draft=True)):  # 整张打印, official and 样稿
        strokes = _strokes(data)
        assert any(s["rect"] for s in strokes)  # the border is read: the design's form is walked
        assert not any(s["dashed"] for s in strokes)


@pytest.mark.parametrize("render", [certificates, merit])
def test_the_overlay_preview_shows_the_preprinted_design_faintly_and_the_seal_guide(render) -> None:
    strokes = _strokes(render(ITEMS[:1], mode="overlay", draft=True))
    border = [s for s in strokes if s["rect"]]
    assert border and all(s["alpha"] < 1 for s in border)  # beneath the text, faintly
    assert [s for s in strokes if s["dashed"] and s["curve"]]  # where the red seal will be stamped
    text = _texts(render(ITEMS[:1], mode="overlay", draft=True))[0].replace(" ", "")
    assert "欧阳明" in text and "样稿" in text


@pytest.mark.parametrize("render", [certificates, merit])
def test_the_official_overlay_prints_neither_border_nor_circle(render) -> None:
    placed = Placement(Decimal("1.5"), Decimal("-2"), Decimal("1.002"), "办公室打印机")
    assert _strokes(render(ITEMS, mode="overlay")) == []
    assert _strokes(render(ITEMS, mode="overlay", placement=placed), page=2) == []
