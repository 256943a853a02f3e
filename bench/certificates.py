"""certificates: 1,000 荣誉证书 to one PDF with reportlab (`reports.certificates`), against the same from HTML with
WeasyPrint.

Run: .venv/bin/python bench/certificates.py [--count N] [--weasy-runs N]
Both sides start from the same `Certificate` records and include everything from the records to the PDF's bytes:
wrapping, QR matrices (the same `qr_matrix` on both sides: drawn as one path by reportlab, an inline SVG path in the
HTML), fonts (the same .ttc files: @font-face for WeasyPrint). reportlab: best of 3 after a warm-up; WeasyPrint: one
warm-up page, then best of --weasy-runs (default 1: it is slow). The last line is the result, e.g.
`certificates: 31.2x faster than WeasyPrint (target >= 20x), 4.1 KB per page (target <= 30 KB)`; the exit status
is non-zero when a target is missed.
"""
from __future__ import annotations

import argparse
import datetime as dt
import html
import io
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402

from reports.certificates import certificates, qr_matrix, qr_runs  # noqa: E402
from reports.model import Certificate  # noqa: E402
from reports.numerals import document_date  # noqa: E402

RUNS = 3
TARGET_RATIO = 20
TARGET_KB = 30
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = ("建国", "秀英", "志强", "海燕", "明", "静", "文华", "晓东", "丽娟", "国庆", "春梅", "卫东", "红", "德胜")
DEEDS = ("积极参加“四个一”活动，全年提交提案{a}件，其中《关于加快推进县域冷链物流体系建设的建议》被列为重点提案；"
         "反映社情民意信息{b}篇，被市政协采用{c}篇；结对帮扶困难户{d}户，捐资助学{e}千元。")
FONTS = {"Kai": "/usr/share/fonts/truetype/arphic/ukai.ttc", "Song": "/usr/share/fonts/truetype/arphic/uming.ttc"}


def items(count: int) -> list[Certificate]:
    out = []
    for n in range(count):
        name = SURNAMES[n % len(SURNAMES)] + GIVEN[n // len(SURNAMES) % len(GIVEN)]
        if n % 97 == 0:
            name = "欧阳" + GIVEN[n % len(GIVEN)]
        organisation = n % 50 == 49
        out.append(Certificate(
            number=f"2025-四个一-{n + 1:04d}", name=f"县政协第{n % 9 + 1}党支部" if organisation else name,
            honour="2025年度先进党组织" if organisation else "2025年度优秀政协委员",
            citation="在2025年度政协委员“四个一”活动中表现突出，被评为优秀政协委员，特予表彰。",
            issuer="中国人民政治协商会议××县委员会", issued_on=dt.date(2025, 12, 20),
            verify_url=f"https://zx.example.gov.cn/verify/2025-{n + 1:04d}?k={n * 7919 % 100000:05d}",
            deeds=DEEDS.format(a=n % 7 + 1, b=n % 5 + 2, c=n % 3 + 1, d=n % 4 + 1, e=n % 9 + 1),
            organisation=organisation))
    return out


CSS = """
@font-face { font-family: BenchKai; src: url(file://%(Kai)s); }
@font-face { font-family: BenchSong; src: url(file://%(Song)s); }
@page { size: A4 landscape; margin: 0; }
body { margin: 0; font-family: BenchKai; color: #1a1a1a; }
.page { position: relative; width: 297mm; height: 210mm; page-break-after: always; overflow: hidden; }
.outer { position: absolute; left: 9mm; top: 9mm; right: 9mm; bottom: 9mm; border: 3pt solid #9e1b1b; }
.inner { position: absolute; left: 11.5mm; top: 11.5mm; right: 11.5mm; bottom: 11.5mm;
         border: 3pt double #b8913a; }
.corner { position: absolute; width: 16mm; height: 16mm; border-color: #b8913a; border-style: solid; }
.tl { left: 12mm; top: 12mm; border-width: 1.2pt 0 0 1.2pt; } .tr { right: 12mm; top: 12mm; border-width: 1.2pt 1.2pt 0 0; }
.bl { left: 12mm; bottom: 12mm; border-width: 0 0 1.2pt 1.2pt; } .br { right: 12mm; bottom: 12mm; border-width: 0 1.2pt 1.2pt 0; }
h1 { position: absolute; top: 30mm; width: 100%%; text-align: center; margin: 0; font-size: 48pt; font-weight: normal;
     color: #9e1b1b; letter-spacing: 24pt; }
.name { position: absolute; left: 44mm; top: 64mm; font-size: 22pt; }
.body { position: absolute; left: 44mm; top: 78mm; width: 209mm; height: 62mm; font-size: 18pt; line-height: 1.75;
        text-align: justify; overflow: hidden; }
.body p { margin: 0; text-indent: 2em; }
.issuer, .date { position: absolute; left: 170mm; width: 90mm; text-align: center; font-size: 16pt; }
.issuer { top: 150mm; } .date { top: 161mm; }
.seal { position: absolute; left: 194mm; top: 139mm; width: 42mm; height: 42mm; border-radius: 50%%;
        border: 0.5pt dashed #d9b3b3; }
.qr { position: absolute; left: 34mm; top: 157mm; width: 22mm; height: 22mm; }
.caption { position: absolute; left: 34mm; width: 22mm; top: 181mm; text-align: center; font: 7pt BenchSong; color: #595959; }
.number { position: absolute; left: 34mm; top: 188mm; font: 10pt BenchSong; }
""" % FONTS


def svg(url: str) -> str:
    matrix = qr_matrix(url)
    path = "".join(f"M{c} {r}h{length}v1h-{length}z" for r, c, length in qr_runs(matrix))
    n = len(matrix)
    return (f'<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" shape-rendering="crispEdges">'
            f'<path d="{path}" fill="#000"/></svg>')


def page_html(item: Certificate) -> str:
    e = html.escape
    salutation = f"{item.name}：" if item.organisation else f"{item.name} 同志："
    deeds = f"<p>{e(item.deeds)}</p>" if item.deeds else ""
    return (f'<div class="page"><div class="outer"></div><div class="inner"></div>'
            f'<div class="corner tl"></div><div class="corner tr"></div><div class="corner bl"></div>'
            f'<div class="corner br"></div><h1>荣誉证书</h1><div class="name">{e(salutation)}</div>'
            f'<div class="body"><p>{e(item.citation)}</p>{deeds}<p>特发此证。</p></div>'
            f'<div class="seal"></div><div class="issuer">{e(item.issuer)}</div>'
            f'<div class="date">{document_date(item.issued_on, "chinese", with_day=False)}</div>'
            f'{svg(item.verify_url)}<div class="caption">扫码查验</div>'
            f'<div class="number">证书编号：{e(item.number)}</div></div>')


def weasy(batch: list[Certificate]) -> bytes:
    from weasyprint import HTML

    document = f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><style>{CSS}</style></head><body>" \
               + "".join(page_html(i) for i in batch) + "</body></html>"
    return HTML(string=document).write_pdf()


def timed(function, *args) -> tuple[float, bytes]:
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--weasy-runs", type=int, default=1)
    args = parser.parse_args()
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    batch = items(args.count)

    certificates(batch[:20])  # warm-up: fonts registered and parsed
    qr_matrix.cache_clear()
    times, data = [], b""
    for _ in range(RUNS):
        qr_matrix.cache_clear()  # each run encodes every QR code anew
        seconds, data = timed(certificates, batch)
        times.append(seconds)
    ours = min(times)
    pages = len(PdfReader(io.BytesIO(data)).pages)
    print(f"reportlab: {pages} pages in {ours:.3f} s (best of {RUNS}: {', '.join(f'{t:.3f}' for t in times)}), "
          f"{len(data) / 1024:.0f} KB, {len(data) / pages / 1024:.2f} KB per page")

    weasy(batch[:1])  # warm-up: WeasyPrint's own start-up
    wtimes, wdata = [], b""
    for _ in range(args.weasy_runs):
        qr_matrix.cache_clear()
        seconds, wdata = timed(weasy, batch)
        wtimes.append(seconds)
    theirs = min(wtimes)
    wpages = len(PdfReader(io.BytesIO(wdata)).pages)
    print(f"WeasyPrint: {wpages} pages in {theirs:.2f} s ({'best of ' + str(len(wtimes)) if len(wtimes) > 1 else 'one run'}"
          f"), {len(wdata) / 1024:.0f} KB, {len(wdata) / wpages / 1024:.2f} KB per page")

    ratio = theirs / ours
    per_page = len(data) / pages / 1024
    ok = ratio >= TARGET_RATIO and per_page <= TARGET_KB and pages == wpages == args.count
    print(f"certificates: {ratio:.1f}x faster than WeasyPrint (target >= {TARGET_RATIO}x), {per_page:.1f} KB per page "
          f"(target <= {TARGET_KB} KB), {pages} pages{'' if ok else ': TARGET MISSED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
