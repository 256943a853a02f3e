"""The 表彰决定: its title, 主送, body, closing, 附件 line, issuer and date, then on a new page the 名单 as its 附件,
exactly as the 表彰名单 prints it (reports.awards). Also the default words of a decision, made from its data, that
the office starts from. Pure: plain data in (reports.model), bytes or words out.

Laid out as the other official documents (GB/T 9704's page, page numbers "— 1 —" counted on through the 附件); the
.docx version is reports.docx.decision_document.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Spacer

from reports import layout
from reports.awards import WIDTH, award_list_story, ordered
from reports.model import Award, Decision, DecisionText, Honoree
from reports.numerals import arabic_date, chinese_date

ANNEX_LINE = "附件：表彰名单"  # under the closing paragraph
ANNEX_MARK = "附件"  # at the head of the 名单's first page

# The words that differ between the activities: who takes part, who recommends, what the activity is about.
CPPCC_ADDRESSEES = "县政协各专门委员会、各界别活动组、各乡镇政协联络处，各位政协委员："
PARTY_ADDRESSEES = "各非公企业党组织："
CPPCC_PEOPLE = "县政协各专门委员会、界别活动组、乡镇政协联络处和广大政协委员"
PARTY_PEOPLE = "全镇各非公企业党组织和广大党员"
CONTENTS = {
    "四个一": "以“献一智、引一企、联一户、解一难”为主要内容的",
    "双比双争": "以“比实绩，争当先进党组织；比贡献，争当优秀共产党员”为主要内容的",
}


def paragraphs(value: str) -> tuple[str, ...]:
    """The paragraphs of a text as typed: one a line, blank lines and the spaces around each left out."""
    return tuple(line.strip() for line in value.splitlines() if line.strip())


def _quoted(category: str) -> str:
    """An award's name inside “…”: quotes inside it become ‘…’ (“‘四个一’活动先进集体”)."""
    return "“" + category.replace("“", "‘").replace("”", "’") + "”"


def _who(honorees: Sequence[Honoree]) -> str:
    """张三同志 / 张三等12名同志 / 某某党支部等3个党组织 / 提案委员会等2个单位, the first in surname-stroke order."""
    first = ordered(honorees, "strokes")[0]
    if not first.organisation:
        return f"{first.name}同志" if len(honorees) == 1 else f"{first.name}等{len(honorees)}名同志"
    kind = "党组织" if all("党" in h.name for h in honorees) else "单位"
    return first.name if len(honorees) == 1 else f"{first.name}等{len(honorees)}个{kind}"


def grants(awards: Sequence[Award]) -> str:
    """授予张三等12名同志“优秀政协委员”称号；授予…: one clause per award with someone on it."""
    return "；".join(f"授予{_who(a.honorees)}{_quoted(a.category)}称号" for a in awards if a.honorees)


def _approved(decision: Decision) -> str:
    """县政协第十届常委会第十五次会议于2025年12月19日审议通过 (the meeting, else the body; the date when known)."""
    approval = decision.approval
    where = approval.meeting or approval.body or "常委会议"
    return f"{where}于{arabic_date(approval.decided_on)}审议通过" if approval.decided_on else f"{where}审议通过"


def default_text(decision: Decision, campaign: str, party: bool) -> DecisionText:
    """The words the office starts from: 主送; the year's activity; who recommended, examined and approved it and
    what it grants (per award, with its count); a 希望 paragraph; a 号召 paragraph as the closing. `party`: a
    “双比双争” decision of the 镇党委, else a “四个一” decision of the 政协."""
    year, name = decision.year, campaign
    people = PARTY_PEOPLE if party else CPPCC_PEOPLE
    contents = CONTENTS.get(name, "")
    persons = any(not h.organisation and not h.owner for a in decision.awards for h in a.honorees)
    groups = any(h.organisation for a in decision.awards for h in a.honorees)
    owners = any(h.owner for a in decision.awards for h in a.honorees)
    kinds = [k for k in (("党组织" if party else "单位") if groups else "", ("党员" if party else "委员") if persons else "",
                         "企业主" if owners else "") if k]
    honoured = ("、".join(kinds[:-1]) + "和" + kinds[-1] if len(kinds) > 1 else "".join(kinds)) \
        or ("党组织和党员" if party else "委员")
    if party:
        effect = "在促进企业发展、维护劳资和谐中充分发挥了党组织的战斗堡垒作用和党员的先锋模范作用"
        recommended = f"经各党组织推荐、“{name}”活动领导小组从严考核"
        hope = (f"希望受到表彰的{honoured}珍惜荣誉，戒骄戒躁，再接再厉，继续发挥战斗堡垒作用和先锋模范作用，"
                f"在推动企业发展和党建工作中再创佳绩。")
        call = (f"{people}要以受表彰的先进为榜样，深入开展“{name}”活动，比实绩、比贡献，争当先进党组织、"
                f"争当优秀共产党员，为促进企业健康发展和全镇经济社会发展作出新的更大贡献。")
    else:
        effect = "积极建言献策、招商引资、结对帮扶、为民办实事，在服务全县发展大局、改善民生中发挥了积极作用"
        recommended = f"经各专门委员会、界别活动组、乡镇政协联络处推荐，“{name}”活动领导小组从严考核"
        hope = (f"希望受到表彰的{honoured}珍惜荣誉，戒骄戒躁，再接再厉，在今后的履职工作中继续发挥示范带头作用，"
                f"为全县经济社会发展作出新的更大贡献。")
        call = (f"{people}要以受表彰的先进为榜样，紧紧围绕全县中心工作，深入开展“{name}”活动，认真履行政治协商、"
                f"民主监督、参政议政职能，为推动全县经济社会高质量发展贡献智慧和力量。")
    granted = grants(decision.awards)
    body = (
        f"{year}年，{people}深入开展{contents}“{name}”活动，{effect}，涌现出一批表现突出的先进典型。",
        f"为表彰先进、树立典型，根据{year}年度“{name}”活动考评结果，{recommended}，{_approved(decision)}，"
        + (f"决定{granted}。" if granted else "决定对以下对象予以表彰。"),
        hope,
    )
    return DecisionText(PARTY_ADDRESSEES if party else CPPCC_ADDRESSEES, body, call)


@cache
def _styles() -> dict[str, ParagraphStyle]:
    s = layout.styles()
    body = ParagraphStyle("decision_body", parent=s["body"], fontSize=14, leading=26, firstLineIndent=28)
    return {
        "body": body,
        "plain": ParagraphStyle("decision_plain", parent=body, firstLineIndent=0),
        "number": ParagraphStyle("decision_number", parent=body, firstLineIndent=0, alignment=TA_CENTER,
                                 spaceAfter=4 * mm),
        "sign": ParagraphStyle("decision_sign", parent=s["signature"], fontSize=14, leading=26, rightIndent=14 * mm),
        "mark": ParagraphStyle("decision_mark", parent=s["heading"], fontSize=14, leading=26, spaceBefore=0),
    }


def decision_story(decision: Decision, text: DecisionText, order: str = "strokes",
                   grouped: bool = True) -> list[Flowable]:
    """The decision's pages: 文号, title, 主送, body, closing, 附件 line, issuer and date; a new page, 附件 and the
    名单 as the 表彰名单 prints it."""
    st = _styles()
    story: list[Flowable] = []
    if decision.approval.number:
        story.append(layout.text(decision.approval.number, st["number"]))
    story += [layout.title(decision.title, WIDTH), Spacer(1, 2 * mm), layout.text(text.addressees, st["plain"])]
    texts = [layout.text(p, st["body"]) for p in (*text.body, *paragraphs(text.closing))]
    day = decision.approval.decided_on
    # the last paragraph, the 附件 line, the issuer and the date share a page: a signature never stands alone
    closing: list[Flowable] = [*texts[-1:], Spacer(1, 26), layout.text(ANNEX_LINE, st["body"]), Spacer(1, 16 * mm),
                               layout.text(decision.issuer, st["sign"])]
    if day:
        closing.append(layout.text(chinese_date(day), st["sign"]))
    story += [*texts[:-1], KeepTogether(closing), PageBreak(), layout.text(ANNEX_MARK, st["mark"])]
    return story + award_list_story(decision, order, grouped)


def decision_document(decision: Decision, text: DecisionText, order: str = "strokes", grouped: bool = True) -> bytes:
    """The 表彰决定 with its 名单 as PDF bytes (a 样稿 until the lists are final)."""
    return layout.build(decision_story(decision, text, order, grouped), title=decision.title,
                        footer=layout.hash_footer(decision.review_hash), draft=decision.draft, official=True)
