"""The audit log (操作日志): rows added to the caller's transaction, one per changed field. Flush, never commit."""
from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import (Activity, AuditLog, Counterpart, DecisionText, Enterprise, Meeting, Member, Pairing,
                        PartyMember, Project, Review, RuleSet, Unit, User)
from app.models.enums import LabelledEnum

# A password, hashed or not, never reaches the log: only the field's name does.
SECRET_FIELDS = frozenset({"password", "password_hash"})

Changes = Mapping[str, tuple[Any, Any]]

# Words for the log's readers. A feature that logs a new entity or field adds its Chinese name here.
ACTION_LABELS = {
    "create": _l("新增"), "update": _l("修改"), "reset_password": _l("重置密码"), "unlock": _l("解除锁定"),
    "delete": _l("删除"), "reopen": _l("重新打开"), "submit": _l("提交"), "verify": _l("核实"), "return": _l("退回"),
    "import": _l("导入"), "state": _l("状态变更"), "vote": _l("表决"), "conclude": _l("考核结论"),
    "handle": _l("处理异议"), "remove": _l("撤销"),
}
ENTITY_LABELS = {"user": _l("用户"), "unit": _l("组织单位"), "enterprise": _l("企业"), "activity": _l("履职记录"),
                 "meeting": _l("会议和活动"), "attendance": _l("出席情况"), "branch_result": _l("比实绩"),
                 "member": _l("政协委员"), "party_member": _l("党员"), "review": _l("考评"),
                 "award_list": _l("表彰名单"), "candidate": _l("推荐人选"), "objection": _l("异议"),
                 "setting": _l("系统设置"), "rule_file": _l("评分细则"), "historical_result": _l("历年考评结果"),
                 "term": _l("届次"), "appraisal_year": _l("考评年度"), "followup": _l("通报处理台账"),
                 "followup_entry": _l("通报处理记录"), "decision_text": _l("表彰决定正文"), "pairing": _l("联一户结对"),
                 "counterpart": _l("对接对象"), "project": _l("引一企项目"), "contact_link": _l("四联系分工"),
                 "contact": _l("联系记录"), "enterprise_figures": _l("企业年度数据"), "branch_visit": _l("联络员走访指导"),
                 "announcement": _l("通知公告"), "notice_reply": _l("会议通知回复")}
FIELD_LABELS = {
    "party_members": _l("党员人数"), "output": _l("产值（万元）"), "tax": _l("税收（万元）"),
    "founded_on": _l("组建日期"), "visited_on": _l("走访日期"), "form": _l("方式"),
    "visitor": _l("联络员"), "enterprise": _l("企业"),
    "code": _l("编号"), "name": _l("名称"), "kind": _l("类型"), "parent": _l("上级单位"),
    "branch_form": _l("组建方式"), "sort_order": _l("排序号"), "active": _l("启用"), "industry": _l("所属行业"),
    "employees": _l("职工人数"), "owner_name": _l("企业主姓名"), "owner_title": _l("企业主职务"),
    "owner_phone": _l("企业主联系电话"), "branch": _l("所属党支部"), "username": _l("用户名"), "display_name": _l("姓名"),
    "role": _l("角色"), "units": _l("负责单位"), "member": _l("对应委员"), "password": _l("密码"), "email": _l("电子邮箱"),
    "must_change_password": _l("须修改密码"), "failed_logins": _l("连续登录失败次数"), "locked_until": _l("锁定至"),
    "locked_addresses": _l("被锁定的地址"),
    "member_id": _l("履职对象"), "party_member_id": _l("党员"), "unit_id": _l("录入单位"), "category": _l("类别"),
    "title": _l("标题"),
    "description": _l("内容摘要"), "occurred_on": _l("日期"), "outcome": _l("结果"), "level": _l("采用级别"),
    "instruction_level": _l("领导批示级别"), "amount": _l("金额"), "people_helped": _l("受益人数"),
    "counterpart": _l("对象"), "support": _l("帮扶内容"), "signers": _l("联名委员"), "state": _l("状态"),
    "invited": _l("受邀委员"), "status": _l("出席情况"), "note": _l("备注"), "held_on": _l("日期"),
    "location": _l("地点"), "evidence": _l("证明材料"), "file": _l("文件"), "added": _l("新增行数"),
    "changed": _l("修改行数"), "gender": _l("性别"), "party": _l("党派"), "sector_id": _l("界别"),
    "committee_id": _l("专委会"), "liaison_id": _l("联络处"), "is_standing": _l("常委"),
    "is_chair_council": _l("主席会议成员"), "is_resident_standing": _l("驻会常委"), "employer": _l("工作单位"),
    "position": _l("职务"), "phone": _l("联系电话"), "branch_id": _l("所在党支部"), "party_status": _l("党员类别"),
    "joined_on": _l("入党日期"), "enterprise_id": _l("所在企业"), "post": _l("岗位"), "parent_id": _l("上级组织"),
    "award_list": _l("表彰名单"), "subject": _l("对象"), "deeds": _l("事迹"), "vote": _l("表决"),
    "group_conclusion": _l("考核结论"), "approving_body": _l("审定机构"), "meeting_name": _l("会议名称"),
    "decided_on": _l("审定日期"), "document_number": _l("文号"), "publicity_starts_on": _l("公示开始日期"),
    "publicity_days": _l("公示天数"), "period": _l("考评周期"), "subject_kind": _l("考评对象"), "version": _l("版本"),
    "rule_set": _l("细则文件"), "in_force": _l("施行中的细则"), "content_hash": _l("内容哈希"), "entries": _l("对象数"),
    "published": _l("委员风采"), "addressees": _l("主送"), "body": _l("正文"), "closing": _l("结束语"),
    "number": _l("序号"), "starts_on": _l("开始日期"), "ends_on": _l("结束日期"), "closed_at": _l("关闭时间"),
    "recording_closed_at": _l("停止录入时间"),
    # the campaign's timetable (app.timetable) and the meeting types
    "entry_opens_on": _l("录入开始"), "entry_closes_on": _l("录入截止"), "half_review_due_on": _l("半年小结"),
    "annual_review_due_on": _l("全年总结"), "recommend_due_on": _l("推荐截止"), "decision_due_on": _l("常委会审定"),
    "briefing": _l("计入政情通报会"),
    "review": _l("考评"), "reasons": _l("通报原因"), "followup": _l("通报处理台账"), "talker_id": _l("谈话人（账号）"),
    "talker": _l("谈话人"), "department": _l("沟通部门"), "decision": _l("处理决定"), "due_on": _l("期限"),
    "content": _l("内容"),
    # the 联一户 register (app.pairings)
    "pairing_id": _l("结对"), "counterpart_id": _l("对接对象"), "place": _l("所在乡镇、村"), "needs": _l("需求"),
    "contact": _l("联系人"), "entry.kind": _l("帮扶方式"), "entry.occurred_on": _l("帮扶日期"),
    "entry.form": _l("走访形式"), "entry.amount": _l("帮扶金额（元）"), "entry.content": _l("帮扶内容"),
    "entry.activity_id": _l("报送的履职记录"),
    # the 引一企 register (app.projects)
    "project_id": _l("引一企项目"), "investor": _l("投资方"), "industry": _l("服务的产业或重点项目"),
    "others": _l("其他引荐委员"), "stage": _l("阶段"), "service": _l("跟踪服务"),
    "stage.activity_id": _l("报送的履职记录"),
    # 四联系 (app.contacts)
    "contacted": _l("被联系人"), "by": _l("联系人"), "form": _l("联系方式"),
    # 通知公告 (app.notices.announcements)
    "audience": _l("发送对象"), "recipients": _l("收到人数"), "unreached": _l("无账号未送达人数"), "reply": _l("回复"),
    "reason": _l("请假原因"), "leave_state": _l("请假审批"),
    # the organisation (app.organisation) and the print settings: their settings' keys
    "org.full_name": _l("政协全称"), "org.short_name": _l("政协简称"), "org.party_committee": _l("镇党委全称"),
    "org.hr_department": _l("组织人事部门"), "org.public_url": _l("公众访问地址"),
    "documents.issuer_cppcc": _l("“四个一”文件落款"), "documents.issuer_party": _l("“双比双争”文件落款"),
    "documents.publicity_contact": _l("公示联系方式"),
    # the account policy (app.auth.policy): its settings' keys
    "password_min_length": _l("密码最短长度（位）"), "password_min_classes": _l("密码至少包含的字符类别数"),
    "password_history": _l("不得重复使用的历史密码个数"), "password_max_age_days": _l("密码有效期（天）"),
    "login_max_failures": _l("连续登录失败锁定次数"), "login_lockout_minutes": _l("锁定时长（分钟）"),
    "idle_timeout_minutes": _l("无操作自动退出（分钟）"),
}


def as_text(value: Any) -> str:
    """How a value reads in the log: Chinese labels for enums, 是/否, ISO dates, lists joined by 、."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, LabelledEnum):
        return value.label
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, (set, frozenset)):
        return "、".join(sorted(as_text(v) for v in value))
    if isinstance(value, (list, tuple)):
        return "、".join(as_text(v) for v in value)
    return str(value)


def snapshot(obj: object, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of `fields` of `obj`, to compare with `diff` after a change."""
    return {name: getattr(obj, name) for name in fields}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields whose text differs, as {field: (before, after)}; a missing `before` counts as empty."""
    return {name: (before.get(name), value) for name, value in after.items()
            if as_text(before.get(name)) != as_text(value)}


def record(user: User | None, action: str, entity: str, entity_id: int | None,
           changes: Changes | None = None, reason: str = "", ip: str = "",
           at: dt.datetime | None = None) -> list[AuditLog]:
    """Add one AuditLog row per changed field, or a single row without a field when `changes` is empty.

    `action` is a short English verb (create, update, reset_password, unlock …), `entity` the table's
    English name (user, unit, enterprise …). Values are stored as text (see `as_text`).
    """
    user_id = user.id if user is not None and getattr(user, "is_authenticated", True) else None
    items = list((changes or {}).items()) or [("", (None, None))]
    rows = []
    for field, (before, after) in items:
        secret = field in SECRET_FIELDS
        rows.append(AuditLog(user_id=user_id, action=action[:40], entity=entity[:40], entity_id=entity_id,
                             field=field[:60], before="" if secret else as_text(before),
                             after="" if secret else as_text(after), reason=reason, ip=(ip or "")[:64],
                             **({"at": at} if at is not None else {})))
    db.session.add_all(rows)
    db.session.flush()
    return rows


def log_query(entity: str = "", entity_id: int | None = None) -> sa.Select[tuple[AuditLog]]:
    """Audit rows, newest first; of one entity kind, or of one record, when given."""
    stmt = sa.select(AuditLog)
    if entity:
        stmt = stmt.where(AuditLog.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(AuditLog.entity_id == entity_id)
    return stmt.order_by(AuditLog.at.desc(), AuditLog.id.desc())


def history(entity: str, entity_id: int, limit: int = 30,
            imported: tuple[dt.datetime, int | None] | None = None) -> list[AuditLog]:
    """The latest changes of one record, for the 变更记录 under its form.

    `imported`: the record's creation (instant, user). A record added by an import has no row of its own: the
    import's rows (file, rows added) are at the very instant its records were created, by the same user.
    """
    stmt = log_query(entity, None if imported else entity_id)
    if imported is not None:
        at, user_id = imported
        stmt = stmt.where(sa.or_(AuditLog.entity_id == entity_id, sa.and_(
            AuditLog.entity_id.is_(None), AuditLog.action == "import", AuditLog.at == at,
            AuditLog.user_id.is_(None) if user_id is None else AuditLog.user_id == user_id)))
    return list(db.session.scalars(stmt.limit(limit)))


def actor_names(rows: Iterable[Any]) -> dict[int, str]:
    """The display names of the users who made `rows` (anything with a `user_id`: audit or print log), by id."""
    return user_names(r.user_id for r in rows)


def user_names(ids: Iterable[int | None]) -> dict[int, str]:
    """User id → display name, for the ids given (None ignored); one query, none when there is no id."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {i: name for i, name in db.session.execute(sa.select(User.id, User.display_name)
                                                      .where(User.id.in_(wanted)))}


# Fields whose values are row ids, and the entities a row is about: the log shows their names, never a bare id.
_NAMES: dict[str, tuple[Any, Any]] = {
    "member": (Member.id, Member.name), "party_member": (PartyMember.id, PartyMember.name),
    "unit": (Unit.id, Unit.name), "enterprise": (Enterprise.id, Enterprise.name),
    "user": (User.id, User.display_name), "activity": (Activity.id, Activity.title),
    "meeting": (Meeting.id, Meeting.title), "pairing": (Pairing.id, Pairing.code),
    "counterpart": (Counterpart.id, Counterpart.name), "project": (Project.id, Project.name),
    # a decision's text reads as the rule file its review ran (2025年度政协委员“四个一”活动考评细则)
    "decision_text": (DecisionText.id, sa.select(RuleSet.name).join(Review, Review.rule_set_id == RuleSet.id)
                      .where(Review.id == DecisionText.review_id).scalar_subquery()),
}
ID_FIELDS = {"member_id": "member", "party_member_id": "party_member", "unit_id": "unit", "sector_id": "unit",
             "committee_id": "unit", "liaison_id": "unit", "branch_id": "unit", "parent_id": "unit",
             "enterprise_id": "enterprise", "user_id": "user", "talker_id": "user",
             "pairing_id": "pairing", "counterpart_id": "counterpart", "entry.activity_id": "activity",
             "project_id": "project", "stage.activity_id": "activity"}


@dataclass
class Names:
    """The names behind the ids in some audit rows: `value()` for a field's before/after, `entity()` for the row's
    subject. An id whose row is gone (a deleted draft) reads as #id."""
    known: dict[tuple[str, int], str] = field(default_factory=dict)

    def value(self, field_name: str, text: str) -> str:
        kind = ID_FIELDS.get(field_name)
        if kind is None or not text.isdigit():
            return text
        return self.known.get((kind, int(text)), f"#{text}")

    def entity(self, row: AuditLog) -> str:
        if row.entity_id is None:
            return ""
        return self.known.get((row.entity, row.entity_id), f"#{row.entity_id}")


def names(rows: Iterable[AuditLog]) -> Names:
    """One query per kind of id among `rows` (their subjects and their id fields' values)."""
    wanted: dict[str, set[int]] = {}
    for row in rows:
        if row.entity in _NAMES and row.entity_id is not None:
            wanted.setdefault(row.entity, set()).add(row.entity_id)
        if kind := ID_FIELDS.get(row.field or ""):
            wanted.setdefault(kind, set()).update(int(v) for v in (row.before, row.after) if v and v.isdigit())
    known: dict[tuple[str, int], str] = {}
    for kind, ids in wanted.items():
        key, name = _NAMES[kind]
        known.update(((kind, i), n) for i, n in db.session.execute(sa.select(key, name).where(key.in_(ids))))
    return Names(known)
