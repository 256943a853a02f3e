"""The demo county's registers, made from its records: a 联一户 pairing per subject and counterpart (each record a
support or visit entry of it), a 引一企 project per subject and investor (each record a stage it reached), the records
linked to them. No random draws: the rest of the demo stays as it was."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.demo.vocabulary import LAST_STAMP, YEAR
from app.extensions import db
from app.models import (Activity, Category, Counterpart, CounterpartKind, Pairing, PairingEntry, Project,
                        ProjectProgress, ProjectService, ProjectStage, SupportKind)

COUNTERPART_KINDS = {"结对困难户": CounterpartKind.FAMILY, "结对重点企业": CounterpartKind.ENTERPRISE,
                     "结对企业": CounterpartKind.ENTERPRISE, "结对合作社": CounterpartKind.COOPERATIVE,
                     "结对村社区": CounterpartKind.VILLAGE}
NEEDS = {CounterpartKind.FAMILY: "家中有病人和在校学生，缺劳动力，需要生活救助和就业帮扶",
         CounterpartKind.ENTERPRISE: "技改项目手续、用工和流动资金", CounterpartKind.COOPERATIVE: "良种、技术和销路",
         CounterpartKind.VILLAGE: "村集体经济项目和基础设施"}
# what a support text speaks of → how the entry is filed (the first match wins)
SUPPORT_WORDS = ((("春节",), SupportKind.VISIT), (("资金", "慰问金", "贷款", "资助"), SupportKind.FUNDS),
                 (("设备", "米、油", "物资"), SupportKind.GOODS), (("品种", "专家", "技术"), SupportKind.TECHNOLOGY))


def _support_kind(text: str) -> SupportKind:
    return next((kind for words, kind in SUPPORT_WORDS if any(w in text for w in words)), SupportKind.INFORMATION)


def _place(name: str) -> str:
    """镇 and 村 of a counterpart named like “大源镇柳河村 张某某家庭” or “大源镇柳河村”."""
    head = name.split(" ")[0]
    return head if head.endswith(("村", "社区")) else ""


def build_pairings() -> int:
    """Pairings from the 联一户 records (flush only); how many were made. Every third began the year before, so
    the register shows pairings that run across years."""
    records = db.session.scalars(sa.select(Activity).where(Activity.category == Category.PAIRING)
                                 .order_by(Activity.occurred_on, Activity.id)).all()
    counterparts: dict[tuple[CounterpartKind, str], Counterpart] = {}
    pairings: dict[tuple[int | None, int | None, str], Pairing] = {}
    links: list[dict[str, int]] = []
    for record in records:
        kind = COUNTERPART_KINDS.get(record.kind)
        if kind is None or not record.counterpart:
            continue
        counterpart = counterparts.get((kind, record.counterpart))
        if counterpart is None:
            n = len(counterparts) + 1
            counterpart = Counterpart(kind=kind, name=record.counterpart, place=_place(record.counterpart),
                                      needs=NEEDS[kind], contact="负责人" if kind != CounterpartKind.FAMILY else "户主",
                                      phone=f"1390724{n:04d}", entered_by_unit_id=record.entered_by_unit_id,
                                      created_by_id=record.created_by_id, created_at=LAST_STAMP)
            counterparts[(kind, record.counterpart)] = counterpart
            db.session.add(counterpart)
        subject = (record.member_id, None if record.member_id else record.unit_id, record.counterpart)
        pairing = pairings.get(subject)
        if pairing is None:
            n = len(pairings) + 1
            starts_on = dt.date(YEAR - 1, 9, 1) if n % 3 == 0 else record.occurred_on
            pairing = Pairing(code=f"JD{n:04d}", counterpart=counterpart, member_id=subject[0], unit_id=subject[1],
                              kind=record.kind, starts_on=min(starts_on, record.occurred_on),
                              created_by_id=record.created_by_id, created_at=LAST_STAMP)
            pairings[subject] = pairing
            db.session.add(pairing)
            db.session.flush()
        support = _support_kind(record.support)
        db.session.add(PairingEntry(pairing_id=pairing.id, kind=support, occurred_on=record.occurred_on,
                                    form="春节送温暖" if support == SupportKind.VISIT else "",
                                    content=record.support or record.title, activity_id=record.id,
                                    created_by_id=record.created_by_id, created_at=LAST_STAMP))
        links.append({"record": record.id, "row": pairing.id})
    db.session.flush()
    _link("pairing_id", links)
    return len(pairings)


def _link(column: str, links: list[dict[str, int]]) -> None:
    """Point each record at its register row by a plain UPDATE: linking is not an edit, the records keep their
    version. `links`: {"record": activity id, "row": the pairing's or project's id}."""
    if links:
        table = Activity.__table__
        db.session.connection().execute(table.update().where(table.c.id == sa.bindparam("record"))
                                        .values({column: sa.bindparam("row"), "updated_at": table.c.updated_at}), links)
        db.session.expire_all()


STAGES = {("招商信息", "报送"): ProjectStage.INFO, ("招商信息", "采用"): ProjectStage.TALKS,
          ("引进企业", "签约"): ProjectStage.SIGNED, ("引进企业", "落地"): ProjectStage.LANDED}


def build_projects() -> int:
    """Projects from the 引一企 records of an enterprise or a lead (flush only); how many were made. A landed
    project gets a 跟踪服务 entry a month later, when the year still has one."""
    records = db.session.scalars(sa.select(Activity).where(Activity.category == Category.ENTERPRISE)
                                 .order_by(Activity.occurred_on, Activity.id)).all()
    projects: dict[tuple[int | None, int | None, str], Project] = {}
    links: list[dict[str, int]] = []
    for record in records:
        stage = STAGES.get((record.kind, record.outcome))
        if stage is None or not record.counterpart:
            continue
        key = (record.member_id, None if record.member_id else record.unit_id, record.counterpart)
        project = projects.get(key)
        if project is None:
            project = Project(code=f"YQ{len(projects) + 1:04d}", name=f"{record.counterpart}投资项目",
                              investor=record.counterpart, amount=record.amount, member_id=key[0], unit_id=key[1],
                              created_by_id=record.created_by_id, created_at=LAST_STAMP)
            projects[key] = project
            db.session.add(project)
            db.session.flush()
        if all(s.stage != stage for s in project.stages):
            project.stages.append(ProjectProgress(stage=stage, reached_on=record.occurred_on, note=record.title,
                                                  activity_id=record.id, created_by_id=record.created_by_id,
                                                  created_at=LAST_STAMP))
        if stage == ProjectStage.LANDED and record.occurred_on + dt.timedelta(days=30) <= dt.date(YEAR, 12, 31):
            project.services.append(ProjectService(occurred_on=record.occurred_on + dt.timedelta(days=30),
                                                   content="走访企业，协调解决用工和用电问题",
                                                   created_by_id=record.created_by_id, created_at=LAST_STAMP))
        links.append({"record": record.id, "row": project.id})
    db.session.flush()
    _link("project_id", links)
    return len(projects)
