"""The plain records every document is made from: no database, no Flask, only what is printed.

Scores are decimal strings exactly as the frozen review keeps them; dates are `datetime.date`; money is Decimal.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Approval:
    """The approving body's decision: 常委会议 (or 主席会议), the meeting, the date and the 文号."""

    body: str = ""
    meeting: str = ""
    decided_on: dt.date | None = None
    number: str = ""


@dataclass(frozen=True)
class Honoree:
    """One name on an award list: a member, a party member, or an organisation (a branch or a unit)."""

    name: str
    unit: str  # the recommending unit: the group heading of a list, the subtotal of the 奖励发放表
    affiliation: str = ""  # 界别 or 党派, printed in parentheses after the name
    score: str = ""
    rank: int | None = None
    employer: str = ""  # 工作单位: the 抄送函 goes to it
    deeds: str = ""  # 事迹
    organisation: bool = False
    number: str = ""  # the certificate's number, once issued
    unit_order: int = 0  # where the unit's group comes in the list: the order the office set for its units
    owner: bool = False  # an enterprise's 企业主: `affiliation` is the enterprise and 职务 (某某有限公司董事长)


@dataclass(frozen=True)
class Award:
    """One award category of a decision with its honorees; `reward` is the amount each receives (元)."""

    category: str  # 优秀政协委员, 先进党组织 …
    honorees: tuple[Honoree, ...]
    reward: Decimal | None = None


@dataclass(frozen=True)
class Decision:
    """A 表彰决定: what the 表彰名单, the 奖励发放表, the 奖牌 list and the 抄送函 are made from."""

    title: str  # 关于表彰2025年度“四个一”活动先进个人的决定
    issuer: str  # 中国人民政治协商会议××县委员会
    year: int
    approval: Approval
    awards: tuple[Award, ...]
    review_hash: str = ""
    draft: bool = True  # printed with a 样稿 watermark until the list is final
    hr_department: str = "中共××县委组织部"  # the 组织人事部门 the decision is copied to
    issued_on: dt.date | None = None  # the date on letters; defaults to the approval date


@dataclass(frozen=True)
class DecisionText:
    """The words of a 表彰决定 around its 名单: the 主送 line, the body's paragraphs and the closing paragraph (the
    office's text, or the default reports.decision makes from the Decision)."""

    addressees: str  # 各非公企业党组织：
    body: tuple[str, ...]
    closing: str = ""


@dataclass(frozen=True)
class Certificate:
    """One 荣誉证书 or 奖状: the variable text of one page."""

    number: str  # 2025-四个一-0001
    name: str  # a person (张三) or an organisation (某某党支部)
    honour: str  # 2025年度优秀政协委员
    citation: str  # 在2025年度政协委员“四个一”活动中表现突出，被评为优秀政协委员。
    issuer: str
    issued_on: dt.date
    verify_url: str  # what the QR code says: the public check page of this number, with its check code
    deeds: str = ""
    organisation: bool = False
    check_code: str = ""  # 校验码, printed beside the number; "" on a 样稿
    title: str = ""  # before the name where the honour is granted: a 企业主's 某某有限公司董事长


@dataclass(frozen=True)
class Placement:
    """A printer's correction for 套打 on pre-printed stock: shift right/up in millimetres, then scale."""

    dx_mm: Decimal = Decimal(0)
    dy_mm: Decimal = Decimal(0)
    scale: Decimal = Decimal(1)
    name: str = ""


@dataclass(frozen=True)
class RankingRow:
    """One line of a ranking table."""

    place: int
    name: str
    unit: str
    score: str
    grade: str = ""
    group: str = ""
    eligible: bool = True
    flags: tuple[str, ...] = ()
    vetoed: bool = False  # 一票否决: listed after all others, without a place
    note: str = ""        # why not eligible (未完成“解一难”), how equal scores were ordered (同分按…)


@dataclass(frozen=True)
class RankingTable:
    """A ranking of one review, overall or within one group."""

    title: str  # 2025年度“四个一”活动考评排名
    subtitle: str  # 总排名 / 按界别：经济界 …; the period and rule file
    rows: tuple[RankingRow, ...]
    review_hash: str = ""
    draft: bool = True
    name_header: str = "姓名"   # 党支部 for a ranking of branches
    unit_header: str = "单位"


@dataclass(frozen=True)
class ExplanationLine:
    """One line of a score's explanation: a section, a rule item under it, or a record under an item."""

    level: int  # 0 section, 1 rule item, 2 record
    label: str
    before: str = ""  # points before the cap
    after: str = ""  # points after the cap
    note: str = ""


@dataclass(frozen=True)
class DossierRecord:
    """One verified record of the year in a member's 履职档案."""

    on: dt.date
    kind: str  # 献一智 …
    title: str
    detail: str = ""
    status: str = ""


@dataclass(frozen=True)
class AttendanceRow:
    """One meeting and the member's attendance at it."""

    on: dt.date
    meeting: str
    state: str  # 出席 / 请假 / 缺席 / 迟到 / 早退


@dataclass(frozen=True)
class CaseStep:
    """One step of a 通报 case: 谈话提醒, 沟通, 处理决定, with its detail in words."""

    on: dt.date
    what: str
    detail: str


@dataclass(frozen=True)
class Case:
    """A 通报 of the year and what was done about it, for the 履职档案 the office keeps."""

    review: str  # 2025年度全年总结 第1版
    noticed_on: dt.date
    reasons: tuple[str, ...]
    state: str  # 待处理 / 继续观察中 / 已办结
    steps: tuple[CaseStep, ...] = ()


@dataclass(frozen=True)
class Dossier:
    """A member's 履职档案 for one year: who, what they did, the meetings, the score and how it was made."""

    name: str
    year: int
    facts: tuple[tuple[str, str], ...]  # (label, value): 委员编号, 界别, 专委会, 联络处, 党派, 工作单位 …
    records: tuple[DossierRecord, ...]
    attendance: tuple[AttendanceRow, ...]
    score: str = ""
    grade: str = ""
    rank: str = ""  # 第 12 名 / 共 260 名
    explanation: tuple[ExplanationLine, ...] = ()
    gates: tuple[tuple[str, bool], ...] = ()  # (gate label, met)
    review_hash: str = ""
    review_label: str = ""  # 2025年度全年总结 第2版
    draft: bool = False
    cases: tuple[Case, ...] | None = None  # 通报及处理; None: not printed (the member's own copy)


@dataclass(frozen=True)
class NoticeRow:
    """One name on the 通报 list, with every reason it is there."""

    name: str
    unit: str
    score: str
    grade: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class NoticeList:
    """The 通报 list of a review, for the leading group."""

    title: str
    subtitle: str
    rows: tuple[NoticeRow, ...]
    review_hash: str = ""
    draft: bool = True


@dataclass(frozen=True)
class Publicity:
    """The 公示 notice: the names, the dates and how to object."""

    title: str  # 关于2025年度优秀政协委员拟表彰对象的公示
    issuer: str
    intro: str  # the paragraph before the list
    awards: tuple[Award, ...]
    starts_on: dt.date
    ends_on: dt.date
    contact: tuple[str, ...] = field(default_factory=tuple)  # 联系电话, 地址, 网址 … one line each
    review_hash: str = ""
    draft: bool = True


@dataclass(frozen=True)
class AccountSlip:
    """One person's sign-in slip (账号通知单): who, for which unit and role, the user name and one-time password."""

    name: str  # 张三, or 提案委员会录入员
    unit: str  # 经济界 · 提案委员会 · 城关镇联络处
    role: str  # 政协委员, 录入员 …
    username: str
    password: str  # the initial password, valid until the first sign-in


@dataclass(frozen=True)
class AccountSlips:
    """A batch of slips: where to sign in (the address printed and in the QR code), whose system it is, when."""

    slips: tuple[AccountSlip, ...]
    address: str  # https://zx.example.gov.cn/auth/login
    issuer: str  # ××县政协: printed at the top of each slip
    issued_on: dt.date
    password_rule: str = ""  # 新密码至少 8 位，包含字母和数字
