"""The demo township's coverage facts: each branch's 组建日期 (7 new this year, as in the seed report), two years of
figures for every enterprise, three enterprises with no branch yet (two of them 空白点), and the 企业主 of most of the
branches' enterprises (whom the 镇党委 may commend)."""
from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from decimal import Decimal

from app.demo.county import County
from app.demo.vocabulary import YEAR
from app.extensions import db
from app.models import Enterprise, EnterpriseFigures, PartyMember

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
