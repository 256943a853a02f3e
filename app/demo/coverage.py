"""The demo township's coverage facts: each branch's 组建日期 (7 new this year, as in the seed report), two years of
figures for every enterprise, three enterprises with no branch yet (two of them 空白点), the 企业主 of most of the
branches' enterprises (whom the 镇党委 may commend), and the 党建工作联络员's visits to each branch this year."""
from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from decimal import Decimal

from app.demo.county import County
from app.demo.vocabulary import YEAR
from app.extensions import db
from app.models import BranchVisit, Enterprise, EnterpriseFigures, PartyMember, VisitForm

NEW_BRANCHES = 7  # 新增非公企业党支部7个
# (name, industry, employees, party members): no branch yet
UNBRANCHED = (("大源恒达包装材料有限公司", "包装", 132, 3), ("大源顺丰竹木制品厂", "竹木加工", 64, 2),
              ("大源惠民农产品专业合作社", "农产品", 28, 0))


# 企业主 of the branches' enterprises, in the order they were registered: (name, 职务); the last few are not registered
OWNERS = (("周建国", "董事长"), ("吴志刚", "总经理"), ("郑海燕", "董事长"), ("冯德明", "总经理"), ("陈永福", "厂长"),
          ("褚卫东", "董事长"), ("卫红梅", "执行董事"), ("蒋立新", "总经理"), ("沈国强", "董事长"), ("韩春生", "经理"),
          ("杨淑芬", "董事长"), ("朱文斌", "总经理"))


def build_owners(county: County) -> None:
    for n, (company, (name, title)) in enumerate(zip(county.enterprises, OWNERS, strict=False)):
        company.owner_name, company.owner_title = name, title
        company.owner_phone = f"1397120{n:04d}"


# What a liaison's visit or guidance was about (the seed's 党建工作联络员: 指导、督促、协调)
VISIT_TOPICS = ("指导支部落实“三会一课”制度，查看会议记录", "了解企业生产经营和用工情况，听取党员意见",
                "指导做好发展党员工作，确定入党积极分子培养联系人", "督促党员示范岗、先锋岗挂牌亮身份",
                "宣讲“双比双争”活动实施方案，布置半年小结", "协调解决企业用电、用工难题")
OTHER_VISITOR = "镇党委组织委员"  # who visits the branches the demo liaison does not keep


def build_coverage(county: County, people: list[PartyMember]) -> None:
    # its own generator: the rest of the demo stays as it was for the same seed
    rng = random.Random(f"coverage-{YEAR}")  # made-up demo data; no secret  # nosec B311
    new = set(rng.sample(range(len(county.branches)), NEW_BRANCHES))
    for i, branch in enumerate(county.branches):
        year = YEAR if i in new else YEAR - rng.randint(1, 8)
        branch.founded_on = dt.date(year, rng.randint(1, 11), rng.randint(1, 28))
    registered = Counter(p.enterprise_id for p in people if p.active and p.enterprise_id is not None)
    extra = [Enterprise(name=name, industry=industry, employees=staff) for name, industry, staff, _ in UNBRANCHED]
    db.session.add_all(extra)
    db.session.flush()
    members = {e.id: n for e, (*_, n) in zip(extra, UNBRANCHED, strict=True)}
    for company in [*county.enterprises, *extra]:
        party = registered.get(company.id, members.get(company.id, 0))
        per_head = Decimal(rng.randint(35, 90))  # 万元 of output per employee and year
        for year, staff in ((YEAR - 1, company.employees - rng.randint(0, company.employees // 8)),
                            (YEAR, company.employees)):
            output = (staff * per_head * Decimal(rng.randint(90, 110)) / 100).quantize(Decimal("0.01"))
            tax = (output * Decimal(rng.randint(30, 70)) / 1000).quantize(Decimal("0.01"))
            db.session.add(EnterpriseFigures(enterprise_id=company.id, year=year, employees=staff,
                                             party_members=min(party, staff), output=output, tax=tax))
    build_visits(county)


def build_visits(county: County) -> None:
    """One to three visits to each branch this year: the demo liaison's to their branches, the 组织委员's to the
    others."""
    rng = random.Random(f"visits-{YEAR}")  # made-up demo data; no secret  # nosec B311
    liaison, office = county.users["liaison"], county.users["office"]
    kept = {u.id for u in liaison.units}
    for branch in county.branches:
        for month in sorted(rng.sample(range(2, 12), rng.randint(1, 3))):
            day = dt.date(YEAR, month, rng.randint(1, 28))
            mine = branch.id in kept
            db.session.add(BranchVisit(branch_id=branch.id, visited_on=day, form=rng.choice(list(VisitForm)),
                                       content=rng.choice(VISIT_TOPICS),
                                       visitor=liaison.display_name if mine else OTHER_VISITOR,
                                       created_by_id=(liaison if mine else office).id,
                                       created_at=dt.datetime.combine(day, dt.time(17, 0))))
