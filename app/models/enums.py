"""Coded values stored in the database. The member name is stored; `label` is the Chinese text users read."""
import enum


class LabelledEnum(enum.Enum):
    """An enum whose value is its Chinese label; the name is what the database keeps."""

    @property
    def label(self) -> str:
        return self.value


class Role(LabelledEnum):
    CLERK = "录入员"
    LIAISON = "党建工作联络员"
    OFFICE = "活动领导小组办公室"
    LEADER = "活动领导小组成员"
    MEMBER = "政协委员"
    ADMIN = "系统管理员"


class UnitKind(LabelledEnum):
    CPPCC = "政协委员会"
    COMMITTEE = "专门委员会"
    SECTOR_GROUP = "界别活动组"
    LIAISON_OFFICE = "乡镇政协联络处"
    PARTY_COMMITTEE = "镇党委"
    GENERAL_BRANCH = "党总支"
    BRANCH = "党支部"


class BranchForm(LabelledEnum):
    SINGLE = "单独组建"
    JOINT = "联合支部"


class VisitForm(LabelledEnum):
    """How a 党建工作联络员 met a branch."""

    VISIT = "上门走访"
    GUIDANCE = "业务指导"
    MEETING = "座谈交流"
    LECTURE = "宣讲培训"
    PHONE = "电话联系"


class Gender(LabelledEnum):
    MALE = "男"
    FEMALE = "女"


class PartyStatus(LabelledEnum):
    FULL = "正式党员"
    PROBATIONARY = "预备党员"


class RecordState(LabelledEnum):
    DRAFT = "草稿"
    SUBMITTED = "已提交"
    VERIFIED = "已核实"
    RETURNED = "退回"


class Category(LabelledEnum):
    """How the forms group records: the four 一, the party members' 比贡献, study, commendations, other.

    The rule file, not this enum, decides how a kind scores: its `kinds:` block gives each kind its category.
    """

    IDEA = "献一智"
    ENTERPRISE = "引一企"
    PAIRING = "联一户"
    RELIEF = "解一难"
    CONTRIBUTION = "比贡献"
    STUDY = "学习"
    HONOUR = "表彰"
    OTHER = "其他"  # anything else a rule file names, e.g. 违纪违法 for a veto


class MeetingKind(enum.StrEnum):
    """The built-in meeting types; the office adds its own (app.models.MeetingType). A meeting keeps its type's
    Chinese name, which is what a rule file's `meeting:` values name; a built-in type reads back as this enum (a
    str equal to its name), an added one as a plain str."""

    PLENARY = "全体会议"
    STANDING = "常委会议"
    BRIEFING = "政情通报会"
    INSPECTION = "视察"
    RESEARCH = "调研"
    OTHER = "其他活动"
    PARTY_LIFE = "组织生活"  # a branch's 党员大会, 党小组会, 党课: party members attend

    @property
    def label(self) -> str:
        return self.value


class Invitees(LabelledEnum):
    """Whom a new meeting of a type invites by default (its roster default)."""

    ALL = "全体委员"
    STANDING = "全体常委"
    ORGANISER = "组织单位的委员"
    BRANCH = "党支部的党员"  # 组织生活 only


class AttendanceStatus(LabelledEnum):
    PRESENT = "出席"
    LEAVE = "请假"
    ABSENT = "缺席"
    LATE = "迟到"
    EARLY = "早退"


class LeaveState(LabelledEnum):
    """A member's own 请假 (a reply to a meeting notice) until the organiser decides it."""

    PENDING = "待批准"
    APPROVED = "已批准"
    DECLINED = "不批准"


class SubjectKind(LabelledEnum):
    MEMBERS = "政协委员"
    UNITS = "组织单位"
    BRANCHES = "党支部"
    PARTY_MEMBERS = "党员"


class ReviewKind(LabelledEnum):
    HALF_YEAR = "半年小结"
    ANNUAL = "全年总结"


class ReviewState(LabelledEnum):
    DRAFT = "草稿"
    FROZEN = "已冻结"
    SUPERSEDED = "已被新版本取代"


class RuleFileState(LabelledEnum):
    DRAFT = "草稿"
    ACTIVE = "施行中"
    SUPERSEDED = "已替换"


class AwardListState(LabelledEnum):
    RECOMMENDING = "单位推荐"
    REVIEWING = "领导小组考核"
    APPROVED = "已审定"
    PUBLISHED = "公示中"
    FINAL = "已定稿"
    REOPENED = "已重新打开"


class CandidateState(LabelledEnum):
    DRAFT = "草拟"
    RECOMMENDED = "已推荐"
    APPROVED = "考核通过"
    REJECTED = "考核未通过"
    REMOVED = "公示后撤销"


class VoteChoice(LabelledEnum):
    APPROVE = "同意"
    REJECT = "不同意"
    ABSTAIN = "弃权"


class ObjectionOutcome(LabelledEnum):
    PENDING = "待处理"
    UPHELD = "异议成立"
    DISMISSED = "异议不成立"


class CertificateKind(LabelledEnum):
    CERTIFICATE = "荣誉证书"
    MERIT = "奖状"


class FollowupState(LabelledEnum):
    """Where a 通报 case stands: no decision yet, decided 继续观察 (still open), or closed by a decision."""

    OPEN = "待处理"
    WATCHING = "继续观察中"
    CLOSED = "已办结"


class FollowupStep(LabelledEnum):
    """What was done for a 通报 case, in order of time."""

    TALK = "谈话提醒"
    CONSULT = "与县委有关部门沟通"
    DECISION = "处理决定"


class FollowupDecision(LabelledEnum):
    """The decision on a case. 继续观察 keeps it open (a later decision closes it); the others close it."""

    OBSERVE = "继续观察"
    RECTIFY = "限期整改"
    RESIGN = "劝辞"
    OTHER = "其他"
class CounterpartKind(LabelledEnum):
    """对接对象的类型 (《实施意见》“联一户”): whom a member or a unit pairs with."""

    ENTERPRISE = "重点企业"
    COOPERATIVE = "专业合作社（协会）"
    SPECIALIST = "专业重点户"
    VILLAGE = "村（社区）"
    FAMILY = "困难家庭"
    STUDENT = "困难学生"


class SupportKind(LabelledEnum):
    """What a pairing's support was (技术、信息、资金等方面的支持), or a visit (走访)."""

    TECHNOLOGY = "技术"
    INFORMATION = "信息"
    FUNDS = "资金"
    GOODS = "物资"
    VISIT = "走访"


class ProjectStage(LabelledEnum):
    """How far an 引一企 lead has gone (《实施意见》: 提供招商信息, 企业落户, 跟踪服务), in order."""

    INFO = "提供信息"
    TALKS = "洽谈"
    SIGNED = "签约"
    LANDED = "落地"
    PRODUCING = "投产"


class ContactLinkKind(LabelledEnum):
    """The 四联系 assignments (实施意见 §三.3): who keeps in touch with whom."""

    LEADER_STANDING = "县政协领导联系常委"
    STANDING_MEMBER = "常委联系委员"
    COMMITTEE_UNIT = "专委会联系界别和联络处"


class ContactForm(LabelledEnum):
    """How a contact was made."""

    VISIT = "走访"
    PHONE = "电话"
    FORUM = "座谈"
    WECHAT = "微信"
