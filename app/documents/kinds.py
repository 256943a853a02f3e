"""The kinds of printed document, in one registry: each kind's name → its label and how it is made (a PDF, and an
.xlsx for some). `make` and `spreadsheet` serve the pages, `flask report` and the print job alike.

Every document is made from frozen data only (a review's entries and cards, an award list's candidates, the
certificates' own kept text), so a reprint years later prints the same thing.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.documents import decision_text
from app.documents.certificates import certificate_texts, log_print
from app.documents.content import (campaign, decision, dossiers, is_final, notice_list, publicity, ranking_tables,
                                   year_of)
from app.documents.errors import DocumentError
from app.documents.print_settings import certificate_blockers, placement
from app.models import CertificateKind, Review, User

ORDERS = {"score": _l("按得分"), "strokes": _l("按姓氏笔画")}
MODES = {"full": _l("整张打印（白纸）"), "overlay": _l("套打（预印证书）")}
NUMERALS = {"chinese": _l("中文数字（二〇二五年十二月）"), "arabic": _l("阿拉伯数字（2025年12月）")}
PAPERS = {"A4": "A4", "A3": "A3"}
GROUPINGS = {"unit": _l("按推荐单位分组"), "none": _l("不分组")}


@dataclass(frozen=True)
class Options:
    """How a document is asked for, from a page or the command line."""

    order: str = "strokes"
    grouping: str = "unit"  # the 表彰名单 and 公示: by recommending unit (in the office's order), or one list
    mode: str = "full"
    numerals: str = "chinese"
    paper: str = "A4"
    printer_id: int | None = None
    ranking: str | None = None
    group: str | None = None
    subject_id: int | None = None
    only: frozenset[str] | None = None  # reprint these certificate numbers only


@dataclass(frozen=True)
class Made:
    """A document made: its bytes, its file name, whether it is a 样稿, and how many pages of certificates or
    履职档案 it holds (0 for the others)."""

    data: bytes
    filename: str
    draft: bool
    pages: int = 0


@dataclass(frozen=True)
class Ask:
    """One document asked for: of which review, how, by whom, with a progress callback for long ones; `visible`
    limits it to the subjects the user may see; `print_run` numbers and logs the certificates of a final list."""

    review: Review
    options: Options
    user: User | None = None
    progress: Callable[[int, int], None] | None = None
    visible: set[int] | None = None
    print_run: bool = False

    @property
    def stem(self) -> str:
        """How the document's file name starts: 2025-四个一."""
        return f"{year_of(self.review)}-{campaign(self.review)}"


@dataclass(frozen=True)
class Kind:
    """One kind of document: its label on the pages and in `flask report`, how its PDF is made, how its .xlsx and
    its .docx are (if it has them), the kind of certificate it numbers (certificates and 奖状 only), and whether it
    is long: made as a background job from the pages, unless it is of one subject (see `in_background`)."""

    label: Any  # lazy: shown in the reader's language
    pdf: Callable[[Ask], Made]
    xlsx: Callable[[Ask], Made] | None = None
    docx: Callable[[Ask], Made] | None = None
    certificate: CertificateKind | None = None
    long: bool = False


# --- how each kind is made ----------------------------------------------------------------------------------------

def _numbered(ask: Ask, name: str, render: Callable[..., bytes]) -> Made:
    """Certificates or 奖状: numbered and logged when an official print (`print_run`) of a final list, otherwise a
    样稿 preview that writes nothing."""
    options = ask.options
    final = is_final(ask.review) and ask.print_run
    kind = KINDS[name]
    assert kind.certificate is not None
    if final and (missing := certificate_blockers(campaign(ask.review), ask.review.subject_kind)):
        raise DocumentError(blocked_message(missing))
    texts, new, again = certificate_texts(ask.review, kind.certificate, options.order, ask.user,
                                          set(options.only) if options.only is not None else None, final)
    if not texts:
        raise DocumentError(_("没有可打印的证书"))
    where = placement(options.printer_id)
    data = render(texts, mode=options.mode, numerals=options.numerals, placement=where, draft=not final,
                  progress=ask.progress)
    if final:
        detail = " · ".join(filter(None, (str(MODES[options.mode]), where.name, str(ORDERS[options.order]))))
        log_print(ask.user, ask.review, name, detail, new, again)
    return Made(data, f"{ask.stem}-{kind.label}.pdf", not final, len(texts))


def blocked_message(missing: list[str]) -> str:
    """Why certificates cannot be numbered and printed yet: what is missing, and where it is set."""
    return _("还不能正式打印证书：请先设置%(missing)s（由系统管理员在“组织信息”页面设置）。样稿仍可预览。",
             missing="、".join(missing))


def _certificates(ask: Ask) -> Made:
    from reports import certificates as rc
    return _numbered(ask, "certificates", rc.certificates)


def _merit(ask: Ask) -> Made:
    from reports import certificates as rc
    return _numbered(ask, "merit", partial(rc.merit, paper=ask.options.paper))


def _decided(ask: Ask, render: Callable[[Any], bytes], name: str) -> Made:
    """A document of the award decision alone (名单, 奖牌刻字, 奖励发放表, 抄送函): a 样稿 until the list is final."""
    found = decision(ask.review)
    return Made(render(found), f"{ask.stem}-{name}", found.draft)


def _grouped(ask: Ask) -> bool:
    return ask.options.grouping != "none"


def _award_list(ask: Ask) -> Made:
    from reports import awards as ra
    return _decided(ask, lambda found: ra.award_list(found, ask.options.order, _grouped(ask)), "表彰名单.pdf")


def _award_workbook(ask: Ask) -> Made:
    from reports import awards as ra
    return _decided(ask, lambda found: ra.award_workbook(found, ask.options.order, _grouped(ask)), "表彰名单.xlsx")


def _award_word(ask: Ask) -> Made:
    from reports import docx as rx
    return _decided(ask, lambda found: rx.award_list(found, ask.options.order, _grouped(ask)), "表彰名单.docx")


def _decision(ask: Ask, render: Callable[..., bytes], name: str) -> Made:
    """The 表彰决定 itself: the office's text (or the default) and the 名单 as its 附件."""
    return _decided(ask, lambda found: render(found, decision_text.current(ask.review, found), ask.options.order,
                                              _grouped(ask)), name)


def _decision_pdf(ask: Ask) -> Made:
    from reports import decision as rd
    return _decision(ask, rd.decision_document, "表彰决定.pdf")


def _decision_word(ask: Ask) -> Made:
    from reports import docx as rx
    return _decision(ask, rx.decision_document, "表彰决定.docx")


def _plaques(ask: Ask) -> Made:
    from reports import plaques as rp
    return _decided(ask, rp.plaque_list, "奖牌刻字清单.pdf")


def _rewards(ask: Ask) -> Made:
    from reports import rewards as rw
    return _decided(ask, rw.reward_sheet, "奖励发放表.pdf")


def _reward_workbook(ask: Ask) -> Made:
    from reports import rewards as rw
    return _decided(ask, rw.reward_workbook, "奖励发放表.xlsx")


def _letters(ask: Ask) -> Made:
    from reports import letters as rl
    return _decided(ask, rl.letters, "抄送函.pdf")


def _letters_word(ask: Ask) -> Made:
    from reports import docx as rx
    return _decided(ask, rx.letters, "抄送函.docx")


def _ranking(ask: Ask) -> Made:
    from reports import ranking as rr
    tables = ranking_tables(ask.review, ask.options.ranking, ask.options.group, ask.visible)
    return Made(rr.ranking_tables(tables), f"{ask.stem}-排名表.pdf", False)


def _ranking_workbook(ask: Ask) -> Made:
    from reports import ranking as rr
    tables = ranking_tables(ask.review, ask.options.ranking, ask.options.group, ask.visible)
    return Made(rr.ranking_workbook(tables), f"{ask.stem}-排名表.xlsx", False)


def _dossiers(ask: Ask) -> Made:
    from reports import dossier as rd
    items = dossiers(ask.review, ask.options.subject_id, ask.visible)
    one = items[0].name if len(items) == 1 else _("全体委员")
    return Made(rd.dossiers(items, ask.progress), f"{ask.stem}-{one}-履职档案.pdf", False, len(items))


def _notice(ask: Ask) -> Made:
    from reports import notice as rn
    return Made(rn.notice_list(notice_list(ask.review)), f"{ask.stem}-通报名单.pdf", False)


def _notice_word(ask: Ask) -> Made:
    from reports import docx as rx
    return Made(rx.notice_list(notice_list(ask.review), year_of(ask.review)), f"{ask.stem}-通报名单.docx", False)


def _publicity(ask: Ask) -> Made:
    from reports import publicity as rpub
    found = publicity(ask.review)
    return Made(rpub.publicity_notice(found, ask.options.order, _grouped(ask)), f"{ask.stem}-公示通知.pdf",
                found.draft)


def _publicity_word(ask: Ask) -> Made:
    from reports import docx as rx
    found = publicity(ask.review)
    return Made(rx.publicity_notice(found, ask.options.order, _grouped(ask)), f"{ask.stem}-公示通知.docx",
                found.draft)


# --- the registry -------------------------------------------------------------------------------------------------

KINDS: dict[str, Kind] = {
    "decision": Kind(_l("表彰决定"), _decision_pdf, docx=_decision_word),
    "awards": Kind(_l("表彰名单"), _award_list, _award_workbook, _award_word),
    "certificates": Kind(_l("荣誉证书"), _certificates, certificate=CertificateKind.CERTIFICATE),
    "merit": Kind(_l("奖状"), _merit, certificate=CertificateKind.MERIT),
    "plaques": Kind(_l("奖牌刻字清单"), _plaques),
    "rewards": Kind(_l("奖励发放表"), _rewards, _reward_workbook),
    "letters": Kind(_l("抄送函"), _letters, docx=_letters_word),
    "ranking": Kind(_l("排名表"), _ranking, _ranking_workbook),
    # every member's 履职档案: a few pages each, 578 pages took 13.5 s in a request. The others stay immediate: one
    # line per subject (排名表: 1.7 s for 255 members) or one page per honoured person (证书样稿: 4 ms a page)
    "dossier": Kind(_l("履职档案"), _dossiers, long=True),
    "notice": Kind(_l("通报名单"), _notice, docx=_notice_word),
    "publicity": Kind(_l("公示通知"), _publicity, docx=_publicity_word),
}
DOCUMENTS: dict[str, Any] = {name: kind.label for name, kind in KINDS.items()}  # every kind, as the pages list them
SPREADSHEETS: dict[str, Any] = {name: kind.label for name, kind in KINDS.items() if kind.xlsx is not None}
WORD: dict[str, Any] = {name: kind.label for name, kind in KINDS.items() if kind.docx is not None}
CERTIFICATE_DOCS = {name: kind.certificate for name, kind in KINDS.items() if kind.certificate is not None}
LONG_DOCS: dict[str, Any] = {name: kind.label for name, kind in KINDS.items() if kind.long}


def in_background(name: str, options: Options) -> bool:
    """Whether the pages make this document as a background job rather than inside the request: a long kind of a
    whole review (every member's 履职档案); the same kind of one subject (`subject_id`) is made at once. The
    command line makes everything at once, with its progress bar."""
    return name in LONG_DOCS and options.subject_id is None


def make(name: str, review: Review, options: Options, user: User | None,
         progress: Callable[[int, int], None] | None = None, visible: set[int] | None = None,
         print_run: bool = False) -> Made:
    """Make one document of a review as PDF bytes. Certificates and 奖状 of a final list are numbered and logged
    when `print_run`; otherwise they are a 样稿 preview that writes nothing.

    :raises DocumentError: the document does not exist for this review (yet), said in words for the office.
    """
    kind = KINDS.get(name)
    if kind is None:
        raise DocumentError(_("没有这种文件：%(name)s", name=name))
    return kind.pdf(Ask(review, options, user, progress, visible, print_run))


def spreadsheet(name: str, review: Review, options: Options, visible: set[int] | None = None) -> Made:
    """The .xlsx version of the award list, the ranking tables or the 奖励发放表."""
    kind = KINDS.get(name)
    if kind is None or kind.xlsx is None:
        raise DocumentError(_("没有这种表格：%(name)s", name=name))
    return kind.xlsx(Ask(review, options, visible=visible))


def word(name: str, review: Review, options: Options) -> Made:
    """The .docx version (for the office to edit and file) of the 表彰决定, the 表彰名单, the 通报名单, the 公示通知 or
    the 抄送函.

    :raises DocumentError: no such document, or it does not exist for this review (yet).
    """
    kind = KINDS.get(name)
    if kind is None or kind.docx is None:
        raise DocumentError(_("没有这种 Word 文件：%(name)s", name=name))
    return kind.docx(Ask(review, options))
