"""The demo's records: members' 四个一, study and honours (joint work and self-reports among them), the units' own
work, the party members' 比贡献, each with believable bookkeeping (who entered it, when, how far it went)."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from app.demo.county import County, money, pick, random_day, stamp
from app.demo.vocabulary import (ADOPTED_BY, BRANDS, CONTRIBUTION_KINDS, ENGAGEMENT, ENGAGEMENT_WEIGHTS,
                                 ENTERPRISE_KINDS, FOUR, HONOUR_LEVEL_NAMES, IDEA_KINDS, INDUSTRIES, INVESTMENT_BANDS,
                                 INVESTOR_TRADES, LAST_STAMP, LEVELS, OTHER_AREAS, OTHER_PROBLEMS, PAIRING_KINDS,
                                 PAPER_AREAS, PAPER_INDUSTRIES, PAPER_PROBLEMS, PLENARY_ON, PRODUCE, PROJECTS,
                                 PROJECT_SERVICES, PROVINCES, RELIEF_DEFAULT_WEIGHTS, RELIEF_KINDS, RELIEF_WEIGHTS,
                                 RETURN_REASONS, SPRING_FESTIVAL, STUDY_AND_HONOUR, STUDY_TOPICS, SURNAMES, TOPICS,
                                 TOWNS, UNIT_PAIRING_KINDS, VILLAGES, YEAR, YEAR_ENDS, YEAR_STARTS)
from app.extensions import db
from app.models import (Activity, ActivityParticipant, Category, Gender, Member, PartyMember, PartyStatus, RecordState,
                        Unit, UnitKind, User)


def _state(rng: random.Random, occurred_on: dt.date) -> RecordState:
    if (YEAR_ENDS - occurred_on).days < 35:  # recent work is often still waiting for the office
        weighted = ((RecordState.VERIFIED, 45), (RecordState.SUBMITTED, 35), (RecordState.DRAFT, 12),
                    (RecordState.RETURNED, 8))
    else:
        weighted = ((RecordState.VERIFIED, 89), (RecordState.SUBMITTED, 5), (RecordState.DRAFT, 2),
                    (RecordState.RETURNED, 4))
    return pick(rng, weighted)


def _activity(county: County, unit: Unit, category: Category, kind: str, title: str, occurred_on: dt.date, *,
              member: Member | None = None, party_member: PartyMember | None = None,
              state: RecordState | None = None, creator: User | None = None, verifier: User | None = None,
              **facts: Any) -> Activity:
    """One record with believable bookkeeping: who entered it, when, and how far it went towards 已核实."""
    rng = county.rng
    state = state or _state(rng, occurred_on)
    if creator is None:
        creator = county.creators.get(unit.code)
    if creator is None and unit.kind != UnitKind.BRANCH:
        creator = county.users["office"]  # the office enters from the members' 活动记录本
    created = stamp(rng, occurred_on, rng.randint(0, 6))
    fields: dict[str, Any] = {"created_at": created, "updated_at": created}
    if state != RecordState.DRAFT:
        submitted = min(created + dt.timedelta(days=rng.randint(0, 3), hours=rng.randint(0, 5)), LAST_STAMP)
        fields["submitted_at"] = fields["updated_at"] = submitted
        if state == RecordState.VERIFIED:
            verified = max(stamp(rng, submitted.date(), rng.randint(1, 14)), submitted)
            verifier = verifier or county.users["office"]
            fields.update(verified_at=verified, updated_at=verified, verified_by_id=verifier.id)
        elif state == RecordState.RETURNED:
            returned = max(stamp(rng, submitted.date(), rng.randint(1, 10)), submitted)
            fields.update(updated_at=returned, return_reason=rng.choice(RETURN_REASONS))
    notable = (facts.get("outcome") in ("重点", "优秀", "落地") or bool(facts.get("instruction_level"))
               or (kind in RELIEF_KINDS and (facts.get("amount") or 0) >= 50000))
    fields["published"] = (member is not None and state == RecordState.VERIFIED and notable
                           and rng.random() < 0.5)  # highlights the office chose for 委员风采
    if not facts.get("self_reported") and creator is not None and unit in creator.units:
        fields["entered_by_unit_id"] = unit.id  # the clerk's (or liaison's) record belongs to their unit
    record = Activity(unit_id=unit.id, member_id=member.id if member else None,
                      party_member_id=party_member.id if party_member else None, category=category, kind=kind,
                      title=title, occurred_on=occurred_on, state=state,
                      created_by_id=creator.id if creator else None, **fields, **facts)
    db.session.add(record)
    return record


def _idea(county: County, who: str, occurred_on: dt.date | None, kind: str | None = None) -> dict[str, Any]:
    """Facts of one 献一智 record; `who` names the author in the description."""
    rng = county.rng
    kind = kind or pick(rng, IDEA_KINDS)
    topic = rng.choice(TOPICS)
    facts: dict[str, Any] = {"kind": kind}
    if kind == "提案":
        at_plenary = occurred_on is None and rng.random() < 0.55  # most proposals are handed in at the plenary
        facts["occurred_on"] = occurred_on or (
            random_day(rng, PLENARY_ON - dt.timedelta(days=3), PLENARY_ON + dt.timedelta(days=2)) if at_plenary
            else random_day(rng, dt.date(YEAR, 2, 1), dt.date(YEAR, 11, 30)))
        facts["title"] = f"关于{topic}的提案"
        facts["outcome"] = pick(rng, (("提交", 20), ("立案", 60), ("重点", 12), ("优秀", 8)))
        handled = "未立案，转作意见建议处理" if facts["outcome"] == "提交" else "立案交办"
        facts["description"] = (f"{who}围绕“{topic}”开展调研，提出{rng.randint(2, 5)}条具体建议，"
                                f"经提案委员会审查{handled}。")
        return facts
    facts["occurred_on"] = occurred_on or random_day(rng, YEAR_STARTS + dt.timedelta(days=5), dt.date(YEAR, 12, 20))
    adopted = rng.random() < (0.45 if kind == "社情民意" else 0.4)
    facts["outcome"] = "采用" if adopted else "报送"
    if kind == "社情民意":
        facts["title"] = f"关于{topic}的社情民意信息"
        if adopted:
            facts["level"] = pick(rng, (("县", 45), ("市", 30), ("省", 18), ("全国", 7)))
            if rng.random() < 0.15:
                facts["instruction_level"] = rng.choice(LEVELS[:min(LEVELS.index(facts["level"]) + 1, 3)])
    else:
        facts["title"] = f"关于{topic}的意见建议"
        if adopted:
            facts["level"] = pick(rng, (("县", 80), ("市", 20)))
    note = f"，被{ADOPTED_BY[facts['level']]}采用" if adopted else "，已报送县政协办公室"
    if facts.get("instruction_level"):
        note += f"，获{facts['instruction_level']}领导批示"
    facts["description"] = f"{who}反映{topic}方面存在的问题并提出对策{note}。"
    return facts


def _investor(rng: random.Random) -> str:
    return rng.choice(PROVINCES) + rng.choice(BRANDS) + rng.choice(INVESTOR_TRADES) + "有限公司"


def _enterprise(county: County, who: str, kind: str | None = None, landed: float = 0.45) -> dict[str, Any]:
    """Facts of one 引一企 record: an enterprise brought in (万元), a lead passed on, or a key project served."""
    rng = county.rng
    kind = kind or pick(rng, ENTERPRISE_KINDS)
    occurred_on = random_day(rng, dt.date(YEAR, 2, 10), dt.date(YEAR, 12, 15))
    if kind in ("服务重点项目", "服务主导产业"):
        target = rng.choice(PROJECTS) if kind == "服务重点项目" or rng.random() < 0.4 else rng.choice(INDUSTRIES)
        support = rng.choice(PROJECT_SERVICES)
        return {"kind": kind, "title": f"联系服务{target}", "occurred_on": occurred_on, "counterpart": target,
                "support": support, "description": f"{who}联系服务{target}，{support}。"}
    investor = _investor(rng)
    amount = Decimal(rng.choice(INVESTMENT_BANDS)) * Decimal(rng.randint(80, 120)) / 100
    if kind == "引进企业":
        outcome = "落地" if rng.random() < landed else "签约"
        title = f"引进{investor}{'投资项目签约' if outcome == '签约' else '项目落地'}"
        description = (f"{who}牵线搭桥，{investor}计划投资{amount}万元在{rng.choice(TOWNS)}建设生产基地，"
                       f"{'已签订投资协议' if outcome == '签约' else '项目已开工建设'}。")
    else:  # 招商信息: 报送 to the county's investment office, 采用 when it follows the lead up
        outcome = pick(rng, (("报送", 60), ("采用", 40)))
        title = f"提供{investor}投资意向信息"
        description = (f"{who}向县招商部门提供{investor}拟投资{amount}万元的招商信息"
                       f"{'，被县招商部门采用并已进入实质性洽谈' if outcome == '采用' else '，正在跟踪洽谈'}。")
    return {"kind": kind, "title": title, "occurred_on": occurred_on, "amount": amount, "outcome": outcome,
            "counterpart": investor, "description": description}


def _pairing(county: County, who: str, kind: str | None = None) -> dict[str, Any]:
    rng = county.rng
    kind = kind or pick(rng, PAIRING_KINDS)
    town, village = rng.choice(TOWNS), rng.choice(VILLAGES)
    occurred_on = random_day(rng, dt.date(YEAR, 2, 15), dt.date(YEAR, 12, 20))
    if kind == "结对困难户":
        if rng.random() < 0.5:  # the seed asks for one 送温暖 visit before the Spring Festival
            occurred_on = random_day(rng, dt.date(YEAR, 1, 6), SPRING_FESTIVAL - dt.timedelta(days=2))
        counterpart = f"{town}{village}村 {pick(rng, SURNAMES)}某某家庭"
        support = rng.choice((f"春节前送去慰问金{rng.randint(5, 30) * 100}元和米、油等生活用品",
                              f"资助其子女上学，每学期{rng.randint(10, 30) * 100}元",
                              "帮助联系县人民医院办理大病救助", "帮助家中劳动力在本地企业就业",
                              "协调办理低保和临时救助"))
        title = f"结对帮扶{counterpart}"
    elif kind in ("结对重点企业", "结对企业"):
        counterpart = rng.choice(county.enterprises).name
        support = rng.choice(("协调办理技改项目环评手续", f"帮助争取技改专项资金{rng.randint(20, 200)}万元",
                              "联系高校开展技术合作", "协调解决用工和用电难题", "帮助对接银行获得流动资金贷款"))
        title = f"联系服务{counterpart}" if kind == "结对重点企业" else f"与{counterpart}结为扶助对子"
    elif kind == "结对合作社":
        counterpart = f"{town}{rng.choice(BRANDS)}{rng.choice(PRODUCE)}专业合作社"
        support = rng.choice(("引进优良品种并请专家现场指导", "联系电商平台拓宽农产品销路",
                              "帮助申报市级示范合作社", "协调小额贷款支持扩大规模"))
        title = f"结对帮扶{counterpart}"
    else:  # 结对村社区: a village, or in the county seat a 社区
        counterpart = (f"城关镇{rng.choice(('东门', '西街', '南湖', '北城', '城中'))}社区" if town == "城关镇"
                       else f"{town}{village}村")
        support = rng.choice(("协调资金修建村文化广场", "帮助引进特色种植项目", "捐建村卫生室设备",
                              "协调解决村组道路硬化问题", "帮助村集体发展光伏发电项目"))
        title = f"与{counterpart}结对共建"
    return {"kind": kind, "title": title, "occurred_on": occurred_on, "counterpart": counterpart,
            "support": support, "description": f"{who}{support}。"}


def _relief(county: County, who: str, sector: str) -> dict[str, Any]:
    rng = county.rng
    kind = rng.choices(RELIEF_KINDS, RELIEF_WEIGHTS.get(sector, RELIEF_DEFAULT_WEIGHTS))[0]
    town, village = rng.choice(TOWNS), rng.choice(VILLAGES)
    occurred_on = random_day(rng, dt.date(YEAR, 1, 10), dt.date(YEAR, 12, 20))
    amount: Decimal | None
    if kind == "捐资助学":
        school = rng.choice(("县第一中学", "县实验小学", f"{town}中学", f"{town}中心小学"))
        people, amount = rng.randint(2, 30), money(rng, 2000, 50000, 500)
        title = f"向{school}捐资助学"
        description = f"{who}资助{school}{people}名家庭困难学生，捐款{amount}元。"
        counterpart = school
    elif kind == "扶贫济困":
        people, amount = rng.randint(3, 60), money(rng, 1000, 30000, 100)
        counterpart = f"{town}{village}村"
        title = f"慰问{counterpart}困难群众"
        description = f"{who}走访慰问{counterpart}困难群众{people}人，送去慰问金和物资折合{amount}元。"
    elif kind == "修桥补路":
        people, amount = rng.randint(80, 900), money(rng, 20000, 300000, 1000)
        counterpart = f"{town}{village}村"
        title = f"捐资修建{counterpart}通组道路"
        description = f"{who}捐资{amount}元修建{counterpart}通组道路，方便{people}名群众出行。"
    elif kind == "义诊义演":
        people, amount = rng.randint(40, 400), money(rng, 0, 8000, 500) or None
        counterpart = f"{town}{village}村"
        title = f"赴{counterpart}开展{'义诊' if sector != '文化艺术界' else '送戏下乡义演'}"
        description = f"{who}赴{counterpart}开展公益活动，服务群众{people}人次。"
    else:
        people, amount = rng.randint(1, 25), None
        counterpart = f"{town}务工人员"
        title = f"为{people}名务工人员提供法律援助"
        description = f"{who}免费为{people}名务工人员提供法律咨询和代理，帮助追回欠薪。"
    return {"kind": kind, "title": title, "occurred_on": occurred_on, "amount": amount, "people_helped": people,
            "counterpart": counterpart, "description": description}


def _member_units(member: Member) -> list[Unit]:
    return [u for u in (member.sector, member.committee, member.liaison) if u is not None]


def _study(county: County, who: str, kind: str) -> dict[str, Any]:
    """A 学习笔记 (notes kept in the 活动记录本) or a 心得体会 article."""
    rng = county.rng
    topic = rng.choice(STUDY_TOPICS)
    occurred_on = random_day(rng, dt.date(YEAR, 1, 15), dt.date(YEAR, 11, 30))
    if kind == "学习笔记":
        return {"kind": kind, "title": f"学习{topic}笔记", "occurred_on": occurred_on,
                "description": f"{who}在“四个一”活动记录本上记录学习{topic}的笔记{rng.randint(3, 12)}篇。"}
    return {"kind": kind, "title": f"学习{topic}的心得体会", "occurred_on": occurred_on,
            "description": f"{who}撰写学习{topic}心得体会文章一篇，约{rng.randint(15, 40) * 100}字。"}


def _honour(county: County, member: Member) -> dict[str, Any]:
    """A commendation from above (县/市/省/全国), fitting the member's 界别, party and gender."""
    rng = county.rng
    choices = ["劳动模范", "先进工作者", "五一劳动奖章", "乡村振兴先进个人"]
    choices += {"教育界": ["优秀教师"] * 3, "医药卫生界": ["最美医生"] * 3, "特邀界": ["优秀法律工作者"] * 2,
                "工商联": ["优秀民营企业家"] * 3, "经济界": ["优秀民营企业家"]}.get(member.sector.name, [])
    if member.party == "中共":
        choices += ["优秀共产党员"] * 2
    if member.gender == Gender.FEMALE:
        choices += ["三八红旗手"] * 2
    level = pick(rng, (("县", 50), ("市", 30), ("省", 15), ("全国", 5)))
    honour = rng.choice(choices)
    return {"kind": "荣誉", "level": level, "title": f"获{HONOUR_LEVEL_NAMES[level]}“{honour}”称号",
            "occurred_on": random_day(rng, dt.date(YEAR, 3, 1), dt.date(YEAR, 12, 10)),
            "description": f"{member.name}委员被评为{HONOUR_LEVEL_NAMES[level]}“{honour}”。"}


def build_member_records(county: County, members: list[Member], model: Member) -> None:
    """四个一, study and honour records of members; `model` gets a full, verified year (the demo `member` account's)."""
    rng = county.rng
    proposals: list[tuple[Activity, Member, Unit]] = []
    diligent: list[Member] = []  # candidates for the one disciplinary case: points alone would rank them well
    for member in members:
        level = "star" if member is model else pick(rng, list(ENGAGEMENT_WEIGHTS.items()))
        if not member.active:
            level = pick(rng, (("none", 3), ("low", 1)))
        elif member.is_standing and level in ("low", "none"):
            level = "medium"
        chances, (low, high) = ENGAGEMENT[level]
        if member is model:
            chances = (1.0, 1.0, 1.0, 1.0)
        units = [model.committee, model.liaison] if member is model else _member_units(member)
        who = f"{member.name}委员"
        state = RecordState.VERIFIED if member is model else None
        for category, chance in zip(FOUR, chances, strict=True):
            if rng.random() >= chance:
                continue
            for _ in range(rng.randint(low, high)):
                if category == Category.IDEA:
                    facts = _idea(county, who, None)
                elif category == Category.ENTERPRISE:
                    facts = _enterprise(county, who)
                elif category == Category.PAIRING:
                    facts = _pairing(county, who)
                else:
                    facts = _relief(county, who, member.sector.name)
                unit = rng.choice(units)
                record = _activity(county, unit, category, member=member, state=state, **facts)
                if facts["kind"] == "提案":
                    proposals.append((record, member, unit))
                    if rng.random() < 0.22:
                        _add_cosigners(county, record, member, members)
        notes, essay, honour = STUDY_AND_HONOUR[level]
        for kind, chance in (("学习笔记", notes), ("心得体会", essay)):
            if rng.random() < chance:
                _activity(county, rng.choice(units), Category.STUDY, member=member, state=state,
                          **_study(county, who, kind))
        if rng.random() < honour:
            _activity(county, rng.choice(units), Category.HONOUR, member=member, state=state,
                      **_honour(county, member))
        if member.active and not member.is_standing and member is not model and level == "high":
            diligent.append(member)
    _build_same_work(county, proposals, model)
    _build_self_reports(county, model)
    _build_discipline(county, rng.choice(diligent))


def _build_same_work(county: County, proposals: list[tuple[Activity, Member, Unit]], model: Member) -> None:
    """Two verified proposals whose substance was also reported as 社情民意: one piece of work (same work_key)."""
    rng = county.rng
    verified = [p for p in proposals if p[0].state == RecordState.VERIFIED and p[1] is not model and p[1].active
                and p[0].occurred_on < dt.date(YEAR, 10, 1)]
    for n, i in enumerate(sorted(rng.sample(range(len(verified)), 2)), 1):
        proposal, member, unit = verified[i]
        key = f"GZ{YEAR}-{n:03d}"
        proposal.work_key = key
        title = proposal.title.removesuffix("的提案")
        _activity(county, unit, Category.IDEA, member=member, state=RecordState.VERIFIED,
                  kind="社情民意", title=f"{title}的社情民意信息", work_key=key, outcome="采用", level="市",
                  occurred_on=proposal.occurred_on + dt.timedelta(days=rng.randint(10, 40)),
                  description=f"{member.name}委员将提案“{proposal.title}”的主要内容整理为社情民意信息报送，"
                              f"被市政协采用（与该提案为同一件工作，只计一次）。")


def _build_discipline(county: County, member: Member) -> None:
    """The one member disciplined this year (一票否决: 不合格 whatever the points)."""
    _activity(county, member.committee or member.sector, Category.OTHER, member=member,
              state=RecordState.VERIFIED, kind="违纪违法", title="受到政务记过处分",
              occurred_on=dt.date(YEAR, 4, 22),
              description=f"{member.name}委员因违反中央八项规定精神，受到所在单位政务记过处分（县纪委监委通报）。")


def _add_cosigners(county: County, record: Activity, first: Member, members: list[Member]) -> None:
    """A joint proposal: the record's member leads (position 1), 1–4 colleagues sign after."""
    rng = county.rng
    colleagues = [m for m in members if m is not first and m.active]
    near = [m for m in colleagues if m.committee is first.committee]
    others = rng.sample(near if len(near) >= 4 else colleagues, rng.randint(1, 4))
    record.participants = [ActivityParticipant(position=i, member_id=m.id)
                           for i, m in enumerate([first, *others], 1)]
    record.description += f"（联名提案，领衔人{first.name}，联名{len(record.participants) - 1}人）"


def _build_self_reports(county: County, model: Member) -> None:
    """What the demo member reported through their own account: two verified, one waiting for the clerk."""
    user = county.users["member"]
    unit = model.committee or model.sector
    facts = [_idea(county, f"{model.name}委员", dt.date(YEAR, 9, 16), kind="社情民意"),
             _relief(county, f"{model.name}委员", model.sector.name),
             _pairing(county, f"{model.name}委员", kind="结对困难户")]
    facts[1]["occurred_on"] = dt.date(YEAR, 10, 9)
    facts[2]["occurred_on"] = dt.date(YEAR, 12, 12)
    states = (RecordState.VERIFIED, RecordState.VERIFIED, RecordState.SUBMITTED)
    categories = (Category.IDEA, Category.RELIEF, Category.PAIRING)
    for category, state, fact in zip(categories, states, facts, strict=True):
        _activity(county, unit, category, member=model, state=state, creator=user, verifier=county.users["clerk"],
                  self_reported=True, **fact)


UNIT_DEEDS = (("组织委员开展送医送药下乡义诊", "群众"), ("组织委员为留守儿童捐赠学习用品", "名留守儿童"),
              ("组织委员开展法律咨询进村活动", "群众"), ("组织委员走访慰问困难群众", "户困难群众"),
              ("组织委员开展送文化下乡演出", "群众"), ("组织委员为企业开展用工培训", "名务工人员"))
RESEARCH = ("造纸产业绿色转型", "县域物流发展", "乡村振兴特色产业", "民营企业融资难", "农村养老服务",
            "义务教育均衡发展", "基层医疗卫生服务", "农村人居环境整治", "非物质文化遗产保护")


# How hard a unit works at its own 四个一 and 自身建设: chances of each item, and choices of how many.
UNIT_EFFORT: dict[str, dict[str, Any]] = {
    "active": {"serve": 1.0, "invest": 0.9, "pair": 1.0, "reports": (2, 2, 3), "deeds": (2, 3, 3),
               "plan": 1.0, "files": 1.0, "posts": (4, 4, 3), "propose": 1.5, "proposals": (2,)},
    "steady": {"serve": 0.95, "invest": 0.45, "pair": 0.95, "reports": (1, 1, 2), "deeds": (1, 2, 2, 3),
               "plan": 0.95, "files": 0.85, "posts": (2, 3, 4), "propose": 1.0, "proposals": (1,)},
    "weak": {"serve": 0.6, "invest": 0.1, "pair": 0.65, "reports": (0, 0, 1), "deeds": (0, 1),
             "plan": 0.6, "files": 0.3, "posts": (0, 1), "propose": 0.3, "proposals": (1,)},
}


def _unit_members(unit: Unit, members: list[Member]) -> list[Member]:
    return [m for m in members if m.active and unit.id in (m.sector_id, m.committee_id, m.liaison_id)]


def build_unit_records(county: County, members: list[Member]) -> None:
    """The units' own 四个一 and 自身建设, in the words of 2025-四个一-单位.yaml.

    Seed: each 专委会, 界别 and 联络处 serves one leading industry or key project and may bring in an enterprise
    (引一企), pairs with an enterprise, a village (社区) or a 专业合作社 (联一户), proposes collectively and does
    practical deeds with its members; 自身建设 is its work plan and summary, members' files and website posts.
    """
    rng = county.rng
    for unit in [*county.committees, *county.sectors, *county.liaisons]:
        who = unit.name
        effort = UNIT_EFFORT[pick(rng, (("active", 40), ("steady", 45), ("weak", 15)))]
        plans: list[tuple[Category, dict[str, Any]]] = []
        if rng.random() < effort["serve"]:
            plans.append((Category.ENTERPRISE, _enterprise(county, who, kind="服务主导产业")))
        if rng.random() < effort["invest"]:
            plans.append((Category.ENTERPRISE, _enterprise(county, who, kind="引进企业", landed=0.65)))
        if rng.random() < effort["pair"]:
            plans.append((Category.PAIRING, _pairing(county, who, kind=pick(rng, UNIT_PAIRING_KINDS[unit.kind]))))
        for _, facts in plans:  # a unit settles whom it serves and pairs with early in the year, mostly
            if facts["kind"] != "引进企业" and rng.random() < 0.75:
                facts["occurred_on"] = random_day(rng, dt.date(YEAR, 2, 20), dt.date(YEAR, 6, 20))
        for _ in range(rng.choice(effort["reports"])):
            topic = rng.choice(RESEARCH)
            adopted = rng.random() < 0.45
            plans.append((Category.IDEA, {
                "kind": "调研报告", "title": f"关于{topic}的调研报告", "outcome": "采用" if adopted else "报送",
                "occurred_on": random_day(rng, dt.date(YEAR, 3, 1), dt.date(YEAR, 11, 30)),
                "description": f"{who}组织委员就{topic}开展调研，形成调研报告报送县政协"
                               f"{'，被县委、县政府采纳' if adopted else ''}。"}))
        for _ in range(rng.choice(effort["deeds"])):
            deed, whom = rng.choice(UNIT_DEEDS)
            people = rng.randint(20, 300) if whom == "群众" else rng.randint(5, 60)
            plans.append((Category.RELIEF, {
                "kind": "实事", "title": deed, "people_helped": people,
                "occurred_on": random_day(rng, dt.date(YEAR, 1, 10), dt.date(YEAR, 12, 20)),
                "description": f"{who}{deed}，惠及{people}{whom}。"}))
        if rng.random() < effort["plan"]:
            plans.append((Category.OTHER, {"kind": "工作计划总结", "title": f"{who}{YEAR}年“四个一”活动工作计划",
                                           "occurred_on": random_day(rng, dt.date(YEAR, 1, 15), dt.date(YEAR, 2, 28)),
                                           "description": f"{who}制定{YEAR}年度“四个一”活动工作计划。"}))
        if rng.random() < effort["files"]:
            plans.append((Category.OTHER, {"kind": "履职档案", "title": f"{who}委员履职档案整理",
                                           "occurred_on": random_day(rng, dt.date(YEAR, 6, 1), dt.date(YEAR, 7, 15)),
                                           "description": f"{who}及时登记活动情况，建立健全委员履职档案。"}))
        for quarter in sorted(rng.sample(range(4), rng.choice(effort["posts"]))):
            start = dt.date(YEAR, quarter * 3 + 1, 1)
            plans.append((Category.OTHER, {"kind": "网站上稿", "title": f"{who}活动信息在县政协网站刊发",
                                           "occurred_on": random_day(rng, start, start + dt.timedelta(days=85)),
                                           "description": f"{who}报送的活动信息被县政协网站采用刊发。"}))
        for category, facts in plans:
            _activity(county, unit, category, **facts)
        signers = _unit_members(unit, members)
        chance = {UnitKind.COMMITTEE: 0.75, UnitKind.SECTOR_GROUP: 0.6, UnitKind.LIAISON_OFFICE: 0.25}[unit.kind]
        if len(signers) >= 3 and rng.random() < chance * effort["propose"]:
            for _ in range(rng.choice(effort["proposals"])):
                _collective_proposal(county, unit, rng.sample(signers, rng.randint(2, 3)))


def _collective_proposal(county: County, unit: Unit, signers: list[Member]) -> None:
    """A 集体提案 in the unit's name: its subject is the unit; the named members (至多 3 人) share the credit."""
    rng = county.rng
    topic = rng.choice(TOPICS)
    outcome = pick(rng, (("提交", 10), ("立案", 55), ("重点", 22), ("优秀", 13)))
    names = "、".join(m.name for m in signers)
    occurred_on = random_day(rng, PLENARY_ON - dt.timedelta(days=5), PLENARY_ON + dt.timedelta(days=2))
    record = _activity(county, unit, Category.IDEA, kind="集体提案", title=f"关于{topic}的集体提案", outcome=outcome,
                       occurred_on=occurred_on,
                       description=f"{unit.name}以集体名义提出，主要执笔人{names}；"
                                   f"{'经提案委员会审查立案交办' if outcome != '提交' else '未立案，转有关部门参考'}。")
    record.participants = [ActivityParticipant(position=i, member_id=m.id) for i, m in enumerate(signers, 1)]


def _contribution(county: County, person: PartyMember) -> dict[str, Any]:
    rng = county.rng
    kind = pick(rng, CONTRIBUTION_KINDS)
    company = person.enterprise.name if person.enterprise else person.branch.name
    paper = person.enterprise is not None and person.enterprise.industry in PAPER_INDUSTRIES
    facts: dict[str, Any] = {"kind": kind, "occurred_on": random_day(rng, dt.date(YEAR, 1, 15), dt.date(YEAR, 12, 20)),
                             "counterpart": company}
    if kind == "示范岗":
        facts["title"] = f"{person.post}岗位创建党员示范岗"
    elif kind == "先锋岗":
        facts["title"] = f"在{rng.choice(('技改攻坚', '安全生产月', '旺季保供', '节能降耗'))}中争当党员先锋岗"
    elif kind == "党员责任区":
        facts["title"] = f"认领{rng.choice(PAPER_AREAS if paper else OTHER_AREAS)}党员责任区"
    elif kind == "一个党员一面旗":
        facts["title"] = f"“一个党员一面旗”：{rng.choice(('带徒传艺', '义务加班抢修', '帮扶困难职工', '化解劳资矛盾'))}"
    elif kind == "技术攻关":
        outcome = pick(rng, (("立项", 35), ("完成", 45), ("获奖", 20)))
        problem = rng.choice(PAPER_PROBLEMS if paper else OTHER_PROBLEMS)
        facts.update(outcome=outcome, title=f"牵头{problem}技术攻关（{outcome}）")
        facts["description"] = {
            "立项": f"{problem}攻关课题经{company}批准立项，预计年节约成本{rng.randint(10, 80)}万元。",
            "完成": f"完成{problem}攻关，为{company}年节约成本约{rng.randint(5, 120)}万元。",
            "获奖": f"{problem}攻关成果获{rng.choice(('县', '市'))}科技进步奖。"}[outcome]
    elif kind == "合理化建议":
        topic = rng.choice(("降低吨纸能耗" if paper else "降低单位能耗", "优化排班", "减少原料损耗", "改进安全巡检"))
        facts.update(outcome=pick(rng, (("采纳", 60), ("提出", 40))), title=f"提出{topic}合理化建议")
        if facts["outcome"] == "采纳":  # what the adopted suggestion saved or earned, 万元
            facts["amount"] = Decimal(rng.randint(2, 120)) / 2
            facts["description"] = (f"{person.name}（{person.post}）提出{topic}建议被{company}采纳，"
                                    f"年创效约{facts['amount']}万元。")
    else:
        level = pick(rng, (("镇", 30), ("县", 40), ("市", 20), ("省", 8), ("全国", 2)))
        honour = rng.choice(("优秀共产党员", "劳动模范", "技术能手", "五一劳动奖章", "岗位能手"))
        where = "大源镇" if level == "镇" else HONOUR_LEVEL_NAMES[level]
        facts.update(level=level, title=f"获{where}“{honour}”称号")
    facts.setdefault("description", f"{person.name}（{person.post}）{facts['title']}。")
    return facts


def build_party_records(county: County, people: list[PartyMember]) -> None:
    rng = county.rng
    for person in people:
        if not person.active or rng.random() < 0.15:
            continue
        for _ in range(rng.choice((1, 1, 2, 2, 3, 3, 4, 5, 6))):  # a few backbone members do much more
            _activity(county, person.branch, Category.CONTRIBUTION, party_member=person,
                      **_contribution(county, person))
    person = rng.choice([p for p in people if p.active and p.status == PartyStatus.FULL])
    _activity(county, person.branch, Category.OTHER, party_member=person, state=RecordState.VERIFIED, kind="违纪",
              title="受到党内警告处分", occurred_on=dt.date(YEAR, 8, 14), counterpart=person.branch.name,
              description=f"{person.name}因违反工作纪律造成安全隐患，经镇纪委研究给予党内警告处分（一票否决）。")
