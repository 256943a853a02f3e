"""The demo county: `flask demo` builds a believable county from a seed; same seed, same rows (ids included)."""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from app.auth.passwords import hash_password
from app.extensions import db
from app.models import (Activity, ActivityParticipant, AppraisalYear, Attendance, AttendanceStatus, BranchForm,
                        BranchIndicator, BranchResult, Category, Enterprise, Gender, Meeting, MeetingKind, Member,
                        PartyMember, PartyStatus, RecordState, Role, Term, Unit, UnitKind, User)
from app.pinyin import search_key
from app.text_table import text_table

T = TypeVar("T")

DEFAULT_SEED = 2025
YEAR = 2025
PASSWORD = "demo2025"  # demo accounts sign in only in demo mode, never in production  # nosec B105
URL = "http://127.0.0.1:5000"
YEAR_STARTS = dt.date(YEAR, 1, 1)
YEAR_ENDS = dt.date(YEAR, 12, 31)
LAST_STAMP = dt.datetime(YEAR, 12, 31, 18, 0)  # nothing in the demo happens after the year it shows
SPRING_FESTIVAL = dt.date(YEAR, 1, 29)  # 送温暖 visits cluster in the weeks before it
PLENARY_ON = dt.date(YEAR, 1, 8)

# ---------------------------------------------------------------------------------------------------------------
# The county: units, enterprises
# ---------------------------------------------------------------------------------------------------------------

COMMITTEES = ("提案委员会", "经济科技委员会", "文史和学习委员会", "社会法制委员会")
# 界别: (name, members, the 专委会 it leans to, employer pool)
SECTORS = (
    ("中共", 40, "提案委员会", "gov"),
    ("民主党派", 30, "文史和学习委员会", "pro"),
    ("无党派人士", 12, "社会法制委员会", "pro"),
    ("工商联", 30, "经济科技委员会", "biz"),
    ("经济界", 28, "经济科技委员会", "eco"),
    ("农业界", 24, "经济科技委员会", "agr"),
    ("教育界", 22, "文史和学习委员会", "edu"),
    ("科技界", 14, "经济科技委员会", "sci"),
    ("医药卫生界", 18, "社会法制委员会", "med"),
    ("文化艺术界", 14, "文史和学习委员会", "art"),
    ("社会福利和社会保障界", 12, "社会法制委员会", "soc"),
    ("特邀界", 16, "社会法制委员会", "law"),
)
TOWNS = ("城关镇", "大源镇", "青山镇", "石桥镇", "河口镇", "新华镇", "柳林镇", "白沙镇", "龙泉镇", "双河镇")
TOWN_WEIGHTS = (4, 2, 1, 1, 1, 1, 1, 1, 1, 1)  # the county seat is where most members live and work
VILLAGES = ("新民", "联合", "红星", "长岭", "桥头", "河湾", "杨家湾", "李家冲", "石门", "白鹤", "长丰", "黄土坡",
            "东风", "永安", "古井", "荷花", "枫树", "万家岭")
BRANDS = ("华盛", "恒丰", "金源", "宏达", "永兴", "鑫源", "博远", "天利", "瑞丰", "兴发", "顺昌", "联盛", "东升",
          "泰和", "嘉禾", "新达", "凯旋", "富民", "三元", "力源", "祥瑞", "德隆", "晨光", "绿源", "远航", "中天",
          "昌盛", "鼎新", "景泰", "盛达", "明辉", "宏图", "立信", "百川", "华美", "金鹏", "润泽", "安达")
# Paper dominates the township's economy (seed, 第四篇): most single branches are in paper firms.
SINGLE_INDUSTRIES = ("造纸", "造纸", "造纸", "造纸", "造纸", "造纸", "造纸", "造纸", "纸制品", "包装", "造纸机械",
                     "化工", "物流")
JOINT_GROUPS = (
    ("纸品包装联合党支部", ("纸制品", "包装", "印刷", "纸制品")),
    ("机械五金联合党支部", ("机械", "五金", "机械")),
    ("物流商贸联合党支部", ("物流", "商贸", "物流")),
    ("建材联合党支部", ("建材", "建材", "竹木")),
    ("农副产品加工联合党支部", ("食品", "粮油", "竹木", "食品")),
    ("电子科技联合党支部", ("电子", "电子", "服装")),
)
COMPANY_SUFFIX = {"造纸": "纸业有限公司", "纸制品": "纸品有限公司", "包装": "包装有限公司", "印刷": "印务有限公司",
                  "造纸机械": "造纸机械有限公司", "化工": "化工有限公司", "物流": "物流有限公司",
                  "机械": "机械制造有限公司", "五金": "五金制品有限公司", "商贸": "商贸有限公司",
                  "建材": "建材有限公司",
                  "竹木": "竹木制品有限公司", "食品": "食品有限公司", "粮油": "粮油有限公司",
                  "电子": "电子科技有限公司", "服装": "服饰有限公司"}
SHORT_SUFFIX = {"造纸": "纸业", "纸制品": "纸品", "包装": "包装", "造纸机械": "机械", "化工": "化工", "物流": "物流"}

# ---------------------------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------------------------

SURNAMES = (
    ("王", 8), ("李", 8), ("张", 8), ("刘", 7), ("陈", 7), ("杨", 4), ("黄", 4), ("赵", 4), ("吴", 4), ("周", 4),
    ("徐", 3), ("孙", 3), ("马", 3), ("朱", 3), ("胡", 3), ("郭", 3), ("何", 3), ("高", 3), ("林", 3), ("罗", 3),
    ("郑", 2), ("梁", 2), ("谢", 2), ("宋", 2), ("唐", 2), ("许", 2), ("韩", 2), ("冯", 2), ("邓", 2), ("曹", 2),
    ("彭", 2), ("曾", 2), ("肖", 2), ("田", 2), ("董", 2), ("袁", 2), ("潘", 2), ("蒋", 2), ("蔡", 2), ("余", 2),
    ("杜", 1), ("叶", 1), ("程", 1), ("苏", 1), ("魏", 1), ("吕", 1), ("丁", 1), ("任", 1), ("沈", 1), ("姚", 1),
    ("卢", 1), ("姜", 1), ("崔", 1), ("钟", 1), ("谭", 1), ("陆", 1), ("汪", 1), ("范", 1), ("金", 1), ("石", 1),
    ("廖", 1), ("贾", 1), ("夏", 1), ("付", 1), ("方", 1), ("邹", 1), ("熊", 1), ("秦", 1), ("江", 1), ("雷", 1),
    ("龚", 1), ("万", 1), ("严", 1), ("覃", 1), ("毛", 1), ("黎", 1), ("贺", 1), ("向", 1), ("汤", 1), ("易", 1),
    ("单", 0.3), ("解", 0.3), ("仇", 0.3), ("查", 0.3), ("欧阳", 0.3), ("司马", 0.2), ("诸葛", 0.1), ("上官", 0.1),
)
# Surnames with more than one reading, and compound ones: every seed has at least one member with each,
# so pinyin search (单 shan/dan, 解 xie/jie …) can be tried on the demo.
SHOWCASE_SURNAMES = ("单", "曾", "解", "仇", "欧阳", "司马")
GIVEN_FIRST = "文明华晓建志春海新国立永思子家德嘉世红光玉长宏小学振少俊晨雨"
GIVEN_MALE = "伟强磊军勇杰涛斌超刚平辉鹏飞鑫波宇浩凯健帆旭宁龙阳峰成东亮松江洪贵胜荣昌兴锋林坤毅航"
GIVEN_FEMALE = "芳娟敏静丽艳娜秀英霞燕玲桂丹萍红兰梅琳莉雪慧婷颖倩洁琴琼欣悦蓉凤翠珍月晶露"
DEMOCRATIC_PARTIES = (("民革", 1), ("民盟", 3), ("民建", 2), ("民进", 2), ("农工党", 1), ("致公党", 1),
                      ("九三学社", 2))
EMPLOYERS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "gov": (("县委办公室", ("副主任",)), ("县人民政府办公室", ("副主任",)), ("县发展和改革局", ("局长", "副局长")),
            ("县财政局", ("副局长",)), ("县委统战部", ("副部长",)), ("县住房和城乡建设局", ("局长", "副局长")),
            ("县自然资源和规划局", ("副局长",)), ("县商务局", ("局长",)), ("县交通运输局", ("副局长",)),
            ("城关镇人民政府", ("镇长", "党委副书记")), ("大源镇人民政府", ("党委书记", "镇长")),
            ("青山镇人民政府", ("党委书记",)), ("石桥镇人民政府", ("镇长",)), ("县总工会", ("副主席",)),
            ("团县委", ("书记",)), ("县妇联", ("主席",))),
    "pro": (("县第一中学", ("副校长", "教师")), ("县人民医院", ("主任医师", "副院长")),
            ("县农业技术推广中心", ("高级农艺师",)),
            ("明正律师事务所", ("主任律师", "律师")), ("县实验小学", ("校长", "教师")), ("县中医医院", ("主治医师",)),
            ("县建筑设计院", ("高级工程师",)), ("县统计局", ("副局长",)), ("县图书馆", ("馆长",)),
            ("县审计局", ("副局长",))),
    "biz": (), "eco": (("县农村商业银行", ("行长", "副行长")), ("国网县供电公司", ("总经理",)),
                        ("县城市建设投资有限公司", ("董事长", "副总经理")), ("中国农业银行县支行", ("行长",)),
                        ("县税务局", ("副局长",)), ("县市场监督管理局", ("副局长",)), ("县工业园区管委会", ("主任",))),
    "agr": (("县农业农村局", ("副局长",)), ("县畜牧兽医中心", ("主任",)), ("县水产技术推广站", ("站长",)),
            ("县林业局", ("副局长",))),
    "edu": (("县第一中学", ("校长", "副校长", "教师")), ("县第二中学", ("校长", "教师")),
            ("县实验小学", ("校长", "教师")),
            ("县职业教育中心", ("校长", "教师")), ("城关镇中心幼儿园", ("园长",)), ("县教育局", ("副局长",)),
            ("大源镇中学", ("校长",))),
    "sci": (("县科学技术局", ("局长", "副局长")), ("县科协", ("主席",)), ("县农业科学研究所", ("所长", "研究员")),
            ("县造纸产业技术研究院", ("总工程师", "高级工程师")), ("县气象局", ("局长",))),
    "med": (("县人民医院", ("院长", "主任医师", "护士长")), ("县中医医院", ("院长", "主任医师")),
            ("县妇幼保健院", ("院长", "主治医师")), ("县疾病预防控制中心", ("主任",)), ("大源镇卫生院", ("院长",)),
            ("城关镇社区卫生服务中心", ("主任",))),
    "art": (("县文化馆", ("馆长", "副研究馆员")), ("县融媒体中心", ("主任", "记者")), ("县书法家协会", ("主席",)),
            ("县文联", ("主席", "副主席")), ("县博物馆", ("馆长",)), ("县花鼓戏剧团", ("团长", "演员"))),
    "soc": (("县民政局", ("副局长",)), ("县残疾人联合会", ("理事长",)), ("县人力资源和社会保障局", ("副局长",)),
            ("县社会福利院", ("院长",)), ("县医疗保障局", ("局长",)), ("县慈善总会", ("秘书长",))),
    "law": (("县人民法院", ("副院长", "审判员")), ("县人民检察院", ("副检察长",)), ("县司法局", ("副局长",)),
            ("明正律师事务所", ("主任律师", "律师")), ("公正律师事务所", ("律师",)),
            ("城关镇东门社区居委会", ("主任",)),
            ("县公安局", ("副局长",))),
}
BOSS_POSITIONS = ("董事长", "总经理", "董事长兼总经理", "副总经理")
FARM_EMPLOYERS = ("{town}{brand}水稻种植专业合作社", "{town}{brand}生猪养殖专业合作社", "{brand}家庭农场",
                  "{town}{brand}茶叶专业合作社", "{town}{brand}水产养殖专业合作社")
PAPER_INDUSTRIES = frozenset({"造纸", "纸制品"})
PAPER_POSTS = ("制浆车间主任", "抄纸车间主任", "造纸班班长", "抄纸工", "制浆工", "纸机操作工", "质检员", "设备维修组长",
               "污水处理站站长", "安全员", "销售经理", "财务主管", "工会主席")
OTHER_POSTS = ("生产车间主任", "生产班长", "技术员", "质检员", "机修工", "销售经理", "财务主管", "办公室主任",
               "安全员", "仓库管理员", "叉车司机", "工会主席", "人事专员")
ACTIVE_MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
                          "153", "155", "156", "157", "158", "159", "177", "180", "181", "182", "186", "187",
                          "188", "189", "199")

# ---------------------------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------------------------

TOPICS = ("加快县城老旧小区改造", "推动造纸产业绿色转型升级", "加强农村饮用水安全保障", "完善乡镇卫生院人才引进机制",
          "发展壮大村级集体经济", "优化民营企业营商环境", "加强义务教育阶段教师队伍建设", "推进城乡垃圾分类处理",
          "提升县域物流配送能力", "加强农村留守儿童关爱保护", "加快发展乡村旅游", "完善居家养老服务体系",
          "推进大源工业功能区污水集中处理", "支持中小企业融资", "加强非物质文化遗产保护传承", "规范城区停车秩序",
          "加强食品安全监管", "推进高标准农田建设", "发展特色农产品电商", "改善县城公共交通",
          "加强农村道路安全管理", "推动职业教育与产业发展对接", "加强耕地保护", "完善困难群众救助机制",
          "提升基层医疗服务能力", "推进数字乡村建设", "加强河湖长制落实", "促进返乡创业",
          "规范校外培训机构管理", "加强消防安全隐患排查", "打造县城15分钟便民生活圈", "推进农村厕所改造",
          "加强中小学心理健康教育", "提升政务服务便利度", "培育本地技能人才", "加强古村落保护")
# Record kinds and field values are those the shipped 2025 rule files declare under `kinds:`
# (scoring_rules/2025-四个一-委员.yaml, -单位.yaml, 2025-双比双争-党员.yaml, -党支部.yaml): the engine refuses others.
IDEA_KINDS = (("提案", 45), ("社情民意", 35), ("意见建议", 20))
ENTERPRISE_KINDS = (("引进企业", 45), ("招商信息", 35), ("服务重点项目", 20))
# Members pair with a key enterprise, a 专业合作社（协会） or needy households (seed, 联一户).
PAIRING_KINDS = (("结对困难户", 45), ("结对重点企业", 30), ("结对合作社", 25))
# Units pair with an enterprise, a village (社区) or a 专业合作社（协会）; a 联络处 mostly with a village.
UNIT_PAIRING_KINDS = {UnitKind.COMMITTEE: (("结对企业", 50), ("结对村社区", 25), ("结对合作社", 25)),
                      UnitKind.SECTOR_GROUP: (("结对企业", 40), ("结对村社区", 35), ("结对合作社", 25)),
                      UnitKind.LIAISON_OFFICE: (("结对企业", 20), ("结对村社区", 60), ("结对合作社", 20))}
# The county's 四大战略 (seed): what a unit or member serves under 引一企.
INDUSTRIES = ("造纸产业", "纸制品包装产业", "现代物流产业", "优质水稻产业", "生猪养殖产业", "茶叶产业",
              "乡村旅游", "农产品加工产业")
PROJECTS = ("大源工业功能区污水集中处理厂扩建项目", "年产30万吨高档包装纸项目", "县城老旧小区改造工程",
            "县人民医院新院区建设项目", "县现代物流园建设项目", "高标准农田建设项目", "城南新区道路建设工程",
            "农产品冷链仓储中心项目", "县职业教育中心实训基地项目")
PROJECT_SERVICES = ("协调解决征地拆迁遗留问题", "帮助办理施工许可和环评手续", "跟踪服务项目建设进度，反映企业诉求",
                    "协调解决项目用水用电问题", "组织委员为项目建设建言献策")
STUDY_TOPICS = ("中共二十届三中全会精神", "《中国人民政治协商会议章程》",
                "习近平总书记关于加强和改进人民政协工作的重要思想", "县政协十届四次会议工作报告",
                "县委经济工作会议精神", "《政协委员履职手册》", "县委全会精神")
RELIEF_KINDS = ("捐资助学", "扶贫济困", "修桥补路", "义诊义演", "法律救助")
RELIEF_WEIGHTS = {"医药卫生界": (2, 2, 1, 8, 1), "文化艺术界": (2, 2, 1, 6, 1), "特邀界": (2, 2, 1, 1, 6),
                  "社会福利和社会保障界": (2, 4, 1, 1, 4)}
RELIEF_DEFAULT_WEIGHTS = (5, 4, 2, 1, 1)
CONTRIBUTION_KINDS = (("示范岗", 15), ("先锋岗", 15), ("党员责任区", 12), ("一个党员一面旗", 12), ("技术攻关", 15),
                      ("合理化建议", 20), ("荣誉", 11))
LEVELS = ("县", "市", "省", "全国")
HONOUR_LEVEL_NAMES = {"镇": "镇级", "县": "县级", "市": "市级", "省": "省级", "全国": "全国"}
ADOPTED_BY = {"县": "县政协", "市": "市政协", "省": "省政协", "全国": "全国政协"}
PAPER_AREAS = ("制浆车间", "抄纸车间", "成品仓库", "污水处理站", "锅炉房")
OTHER_AREAS = ("生产车间", "成品仓库", "装卸作业区", "配电房", "质检室")
PAPER_PROBLEMS = ("纸机节能改造", "废纸脱墨工艺改进", "白水回用", "浆料配比优化")
OTHER_PROBLEMS = ("生产线自动化改造", "降低单位能耗", "提高成品率", "设备故障率")
INVESTMENT_BANDS = (300, 500, 800, 1000, 1500, 2000, 3000, 5000, 8000, 12000, 20000, 50000)  # 万元
PROVINCES = ("浙江", "广东", "江苏", "福建", "湖南", "上海", "武汉", "山东", "安徽")
INVESTOR_TRADES = ("新材料", "纸业", "包装科技", "生物科技", "农业开发", "电子科技", "食品", "智能装备", "新能源",
                   "环保科技", "家居用品", "医疗器械")
PRODUCE = ("水稻", "生猪", "油菜", "茶叶", "蔬菜", "水产", "食用菌", "柑橘", "中药材")
RETURN_REASONS = ("佐证材料不全，请补充照片或会议纪要后重新提交。", "金额与票据不符，请核对后重新提交。",
                  "该事项已由其他单位录入，请勿重复登记。", "发生日期填写有误，请核实。",
                  "缺少受助对象签字确认材料。", "提案办理结果尚未正式答复，请答复后再提交。")

# Engagement: how likely a member is to do each 一 at all, and how many records when they do.
# (IDEA, ENTERPRISE, PAIRING, RELIEF) probabilities; (low, high) records per category done.
ENGAGEMENT = {
    "star": ((1.0, 0.95, 1.0, 1.0), (2, 5)),
    "high": ((1.0, 0.8, 0.95, 0.9), (1, 4)),
    "medium": ((0.95, 0.6, 0.8, 0.7), (1, 3)),
    "low": ((0.7, 0.2, 0.4, 0.35), (1, 1)),
    "none": ((0.0, 0.0, 0.0, 0.0), (0, 0)),
}
# Per level: chance of keeping a 学习笔记, of writing a 心得体会, and of an honour from above (表彰).
STUDY_AND_HONOUR = {"star": (1.0, 0.85, 0.45), "high": (0.95, 0.65, 0.2), "medium": (0.75, 0.35, 0.08),
                    "low": (0.35, 0.1, 0.02), "none": (0.0, 0.0, 0.0)}
ENGAGEMENT_WEIGHTS = {"star": 12, "high": 30, "medium": 38, "low": 14, "none": 6}
FOUR = (Category.IDEA, Category.ENTERPRISE, Category.PAIRING, Category.RELIEF)


@dataclass(frozen=True)
class DemoSummary:
    """What `build_demo` made, for the command's report and for tests."""

    seed: int
    units: dict[str, int]  # by UnitKind label
    members: int
    standing: int
    inactive: int
    party_members: int
    probationary: int
    records: dict[str, dict[str, int]]  # category label -> state label -> count
    meetings: int
    attendance: dict[str, int]  # status label -> count
    branch_results: int
    users: int


@dataclass
class _County:
    rng: random.Random
    cppcc: Unit
    committees: list[Unit]
    sectors: list[Unit]
    liaisons: list[Unit]
    branches: list[Unit]
    enterprises: list[Enterprise]
    users: dict[str, User] = field(default_factory=dict)
    creators: dict[str, User] = field(default_factory=dict)  # unit code -> the demo user who records for it
    phones: set[str] = field(default_factory=set)
    employers: set[str] = field(default_factory=set)  # firms that already have a member at the top

    def unit_named(self, name: str) -> Unit:
        return next(u for u in [*self.committees, *self.sectors, *self.liaisons] if u.name == name)


# ---------------------------------------------------------------------------------------------------------------
# Small seeded helpers
# ---------------------------------------------------------------------------------------------------------------

def _pick(rng: random.Random, weighted: Sequence[tuple[T, float]]) -> T:
    return rng.choices([item for item, _ in weighted], [weight for _, weight in weighted])[0]


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _stamp(rng: random.Random, day: dt.date, later_days: int = 0) -> dt.datetime:
    """A working-hours moment `later_days` after `day`, never after the demo year ends."""
    moment = dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randint(0, 59), rng.randint(0, 59)))
    return min(moment + dt.timedelta(days=later_days), LAST_STAMP)


def _phone(county: _County) -> str:
    while True:
        number = county.rng.choice(ACTIVE_MOBILE_PREFIXES) + f"{county.rng.randint(0, 99999999):08d}"
        if number not in county.phones:
            county.phones.add(number)
            return number


def _money(rng: random.Random, low: int, high: int, step: int) -> Decimal:
    return Decimal(rng.randint(low // step, high // step) * step)


class _Names:
    """Believable, mostly unique Chinese names; at most `duplicates` names are shared by two people."""

    def __init__(self, rng: random.Random, duplicates: int = 2) -> None:
        self.rng = rng
        self.seen: dict[str, int] = {}
        self.duplicates_left = duplicates

    def make(self, gender: Gender, surname: str | None = None) -> str:
        while True:
            name = (surname or _pick(self.rng, SURNAMES)) + self._given(gender)
            count = self.seen.get(name, 0)
            if count == 0 or (count == 1 and self.duplicates_left > 0 and self.rng.random() < 0.5):
                if count == 1:
                    self.duplicates_left -= 1
                self.seen[name] = count + 1
                return name

    def _given(self, gender: Gender) -> str:
        last = GIVEN_MALE if gender == Gender.MALE else GIVEN_FEMALE
        if self.rng.random() < 0.25:
            return self.rng.choice(last)
        return self.rng.choice(GIVEN_FIRST) + self.rng.choice(last)


# ---------------------------------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------------------------------

def _unit(code: str, name: str, kind: UnitKind, parent: Unit | None, sort_order: int,
          branch_form: BranchForm | None = None) -> Unit:
    unit = Unit(code=code, name=name, kind=kind, parent=parent, sort_order=sort_order, branch_form=branch_form)
    db.session.add(unit)
    return unit


def _build_units(rng: random.Random) -> _County:
    cppcc = _unit("ZX", "县政协", UnitKind.CPPCC, None, 1)
    committees = [_unit(f"ZW{i:02d}", name, UnitKind.COMMITTEE, cppcc, i) for i, name in enumerate(COMMITTEES, 1)]
    sectors = [_unit(f"JB{i:02d}", spec[0], UnitKind.SECTOR_GROUP, cppcc, i) for i, spec in enumerate(SECTORS, 1)]
    liaisons = [_unit(f"LL{i:02d}", f"{town}联络处", UnitKind.LIAISON_OFFICE, cppcc, i)
                for i, town in enumerate(TOWNS, 1)]
    party = _unit("DW", "大源镇党委", UnitKind.PARTY_COMMITTEE, None, 2)
    zone = _unit("DZZ", "大源工业功能区党总支", UnitKind.GENERAL_BRANCH, party, 1)

    brands = list(BRANDS)
    rng.shuffle(brands)
    branches: list[Unit] = []
    enterprises: list[Enterprise] = []

    def enterprise(industry: str, branch: Unit, low: int, high: int) -> Enterprise:
        name = brands.pop() + COMPANY_SUFFIX[industry]
        company = Enterprise(name=name, branch=branch, industry=industry, employees=rng.randint(low, high))
        db.session.add(company)
        enterprises.append(company)
        return company

    singles = list(SINGLE_INDUSTRIES)
    rng.shuffle(singles)
    for i, industry in enumerate(singles, 1):
        brand = brands[-1]
        branch = _unit(f"ZB{i:02d}", f"{brand}{SHORT_SUFFIX[industry]}党支部", UnitKind.BRANCH, zone, i,
                       BranchForm.SINGLE)
        big = industry == "造纸"
        enterprise(industry, branch, 120 if big else 50, 650 if big else 220)
        branches.append(branch)
    for j, (name, industries) in enumerate(JOINT_GROUPS, len(singles) + 1):
        branch = _unit(f"ZB{j:02d}", name, UnitKind.BRANCH, zone, j, BranchForm.JOINT)
        for industry in industries[:rng.randint(2, len(industries))]:
            enterprise(industry, branch, 12, 95)
        branches.append(branch)
    return _County(rng, cppcc, committees, sectors, liaisons, branches, enterprises)


def _build_calendar() -> Term:
    term = Term(number=10, name="第十届", starts_on=dt.date(2022, 1, 10), ends_on=dt.date(2026, 12, 31))
    db.session.add_all([
        term,
        AppraisalYear(year=YEAR - 1, name=f"{YEAR - 1}年度", recording_closed_at=dt.datetime(YEAR, 1, 20, 9, 0)),
        AppraisalYear(year=YEAR, name=f"{YEAR}年度", recording_closed_at=None),
    ])
    return term


def _build_users(county: _County, password_hash: str) -> None:
    """The demo accounts (all but the member's, which needs its member first)."""
    clerk_units = [county.unit_named("提案委员会"), county.unit_named("大源镇联络处")]
    clerk2_units = [county.unit_named("经济界")]
    liaison_units = [county.branches[0], county.branches[1], county.branches[13], county.branches[14]]
    specs = (("admin", "演示管理员", Role.ADMIN, []), ("office", "演示办公室", Role.OFFICE, []),
             ("leader", "演示领导小组成员", Role.LEADER, []), ("clerk", "演示录入员", Role.CLERK, clerk_units),
             ("clerk2", "演示录入员（经济界）", Role.CLERK, clerk2_units),
             ("liaison", "演示党建联络员", Role.LIAISON, liaison_units))
    for minute, (username, display, role, units) in enumerate(specs):
        user = _user(username, display, role, password_hash, minute, units=units)
        county.users[username] = user
        for unit in units:
            county.creators[unit.code] = user


def _user(username: str, display: str, role: Role, password_hash: str, minute: int, **fields: Any) -> User:
    at = dt.datetime(YEAR, 1, 2, 9, minute)
    user = User(username=username, display_name=display, role=role, password_hash=password_hash, is_demo=True,
                must_change_password=False, password_changed_at=at, created_at=at, **fields)
    db.session.add(user)
    return user


def _party_of(rng: random.Random, sector: str) -> str:
    if sector == "中共":
        return "中共"
    if sector == "民主党派":
        return _pick(rng, DEMOCRATIC_PARTIES)
    if sector == "无党派人士":
        return "无党派人士"
    kind = _pick(rng, (("中共", 45), ("群众", 33), ("民主党派", 15), ("无党派人士", 7)))
    return _pick(rng, DEMOCRATIC_PARTIES) if kind == "民主党派" else kind


def _job(county: _County, pool: str) -> tuple[str, str]:
    rng = county.rng
    if pool == "biz" or (pool == "eco" and rng.random() < 0.4):
        free = [e.name for e in county.enterprises if e.name not in county.employers]
        if free and rng.random() < 0.6:
            employer = rng.choice(free)
            county.employers.add(employer)  # one boss per firm
        else:
            employer = rng.choice(BRANDS) + rng.choice(("房地产开发有限公司", "商贸有限公司", "建筑工程有限公司",
                                                        "农业开发有限公司", "酒店管理有限公司"))
        return employer, rng.choice(BOSS_POSITIONS)
    if pool == "agr" and rng.random() < 0.6:
        template = rng.choice(FARM_EMPLOYERS)
        return template.format(town=rng.choice(TOWNS), brand=rng.choice(BRANDS)), rng.choice(("理事长", "场主"))
    if pool == "agr" and rng.random() < 0.5:
        return f"{rng.choice(TOWNS)}{rng.choice(VILLAGES)}村村民委员会", "党支部书记、村委会主任"
    employer, positions = rng.choice(EMPLOYERS[pool])
    return employer, rng.choice(positions)


def _build_members(county: _County, names: _Names, term: Term) -> list[Member]:
    rng = county.rng
    committees = {u.name: u for u in county.committees}
    places = rng.sample(range(sum(s[1] for s in SECTORS)), len(SHOWCASE_SURNAMES))
    showcase = dict(zip(places, SHOWCASE_SURNAMES, strict=True))
    members: list[Member] = []
    for sector_unit, (sector, size, leaning, pool) in zip(county.sectors, SECTORS, strict=True):
        female_share = 0.45 if pool in ("edu", "med", "art", "soc") else 0.25
        for _ in range(size):
            gender = Gender.FEMALE if rng.random() < female_share else Gender.MALE
            name = names.make(gender, showcase.get(len(members)))
            committee = None
            if rng.random() < 0.9:
                committee = _pick(rng, [(u, 4 if u.name == leaning else 1) for u in committees.values()])
            liaison = _pick(rng, list(zip(county.liaisons, TOWN_WEIGHTS, strict=True))) if rng.random() < 0.85 else None
            employer, position = _job(county, pool)
            member = Member(code=f"W{len(members) + 1:04d}", name=name, search_key=search_key(name), gender=gender,
                            party=_party_of(rng, sector), sector=sector_unit, committee=committee, liaison=liaison,
                            term=term, employer=employer, position=position, phone=_phone(county),
                            is_standing=False, is_chair_council=False, is_resident_standing=False,
                            active=True)  # explicit: column defaults arrive only at flush
            db.session.add(member)
            members.append(member)
    weights = {"中共": 3.0, "民主党派": 3.0, "工商联": 2.5}
    pool_left = list(members)
    standing: list[Member] = []
    for _ in range(30):  # 常委
        chosen = rng.choices(pool_left, [weights.get(m.sector.name, 1.0) for m in pool_left])[0]
        chosen.is_standing = True
        pool_left.remove(chosen)
        standing.append(chosen)
    # 主席会议成员 (主席, 副主席, 秘书长) and 驻会常委 work at the 县政协 itself; rule files exclude them from awards.
    chair = rng.choice([m for m in standing if m.party == "中共"])
    council = [chair, *rng.sample([m for m in standing if m is not chair], 3)]
    for member, position in zip(council, ("主席", "副主席", "副主席", "秘书长"), strict=True):
        member.is_chair_council, member.employer, member.position = True, "县政协", position
    resident = rng.sample([m for m in standing if not m.is_chair_council], 2)
    for member, position in zip(resident, ("提案委员会主任", "经济科技委员会主任"), strict=True):
        member.is_resident_standing, member.employer, member.position = True, "县政协", position
        member.committee = committees[position.removesuffix("主任")]
    for member in rng.sample(pool_left, 5):
        member.active = False
    return members


def _build_party_members(county: _County, names: _Names) -> list[PartyMember]:
    rng = county.rng
    people: list[PartyMember] = []
    for branch in county.branches:
        companies = [e for e in county.enterprises if e.branch is branch]
        size = rng.randint(5, 12) if branch.branch_form == BranchForm.SINGLE else rng.randint(3, 8)
        for _ in range(size):
            gender = Gender.FEMALE if rng.random() < 0.3 else Gender.MALE
            name = names.make(gender)
            probationary = rng.random() < 0.1
            if probationary:  # 预备期 is one year
                joined = _day(rng, dt.date(YEAR - 1, 7, 1), dt.date(YEAR, 6, 30))
            else:
                joined = _day(rng, dt.date(1985, 7, 1), dt.date(YEAR - 2, 12, 31))
            company = rng.choice(companies)
            posts = PAPER_POSTS if company.industry in PAPER_INDUSTRIES else OTHER_POSTS
            person = PartyMember(code=f"P{len(people) + 1:04d}", name=name, search_key=search_key(name),
                                 gender=gender, branch=branch, enterprise=company,
                                 status=PartyStatus.PROBATIONARY if probationary else PartyStatus.FULL,
                                 joined_on=joined, post=rng.choice(posts), phone=_phone(county),
                                 active=rng.random() > 0.02)
            db.session.add(person)
            people.append(person)
    return people


# ---------------------------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------------------------

def _state(rng: random.Random, occurred_on: dt.date) -> RecordState:
    if (YEAR_ENDS - occurred_on).days < 35:  # recent work is often still waiting for the office
        weighted = ((RecordState.VERIFIED, 45), (RecordState.SUBMITTED, 35), (RecordState.DRAFT, 12),
                    (RecordState.RETURNED, 8))
    else:
        weighted = ((RecordState.VERIFIED, 89), (RecordState.SUBMITTED, 5), (RecordState.DRAFT, 2),
                    (RecordState.RETURNED, 4))
    return _pick(rng, weighted)


def _activity(county: _County, unit: Unit, category: Category, kind: str, title: str, occurred_on: dt.date, *,
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
    created = _stamp(rng, occurred_on, rng.randint(0, 6))
    fields: dict[str, Any] = {"created_at": created, "updated_at": created}
    if state != RecordState.DRAFT:
        submitted = min(created + dt.timedelta(days=rng.randint(0, 3), hours=rng.randint(0, 5)), LAST_STAMP)
        fields["submitted_at"] = fields["updated_at"] = submitted
        if state == RecordState.VERIFIED:
            verified = max(_stamp(rng, submitted.date(), rng.randint(1, 14)), submitted)
            verifier = verifier or county.users["office"]
            fields.update(verified_at=verified, updated_at=verified, verified_by_id=verifier.id)
        elif state == RecordState.RETURNED:
            returned = max(_stamp(rng, submitted.date(), rng.randint(1, 10)), submitted)
            fields.update(updated_at=returned, return_reason=rng.choice(RETURN_REASONS))
    notable = (facts.get("outcome") in ("重点", "优秀", "落地") or bool(facts.get("instruction_level"))
               or (kind in RELIEF_KINDS and (facts.get("amount") or 0) >= 50000))
    fields["published"] = (member is not None and state == RecordState.VERIFIED and notable
                           and rng.random() < 0.5)  # highlights the office chose for 委员风采
    record = Activity(unit_id=unit.id, member_id=member.id if member else None,
                      party_member_id=party_member.id if party_member else None, category=category, kind=kind,
                      title=title, occurred_on=occurred_on, state=state,
                      created_by_id=creator.id if creator else None, **fields, **facts)
    db.session.add(record)
    return record


def _idea(county: _County, who: str, occurred_on: dt.date | None, kind: str | None = None) -> dict[str, Any]:
    """Facts of one 献一智 record; `who` names the author in the description."""
    rng = county.rng
    kind = kind or _pick(rng, IDEA_KINDS)
    topic = rng.choice(TOPICS)
    facts: dict[str, Any] = {"kind": kind}
    if kind == "提案":
        at_plenary = occurred_on is None and rng.random() < 0.55  # most proposals are handed in at the plenary
        facts["occurred_on"] = occurred_on or (
            _day(rng, PLENARY_ON - dt.timedelta(days=3), PLENARY_ON + dt.timedelta(days=2)) if at_plenary
            else _day(rng, dt.date(YEAR, 2, 1), dt.date(YEAR, 11, 30)))
        facts["title"] = f"关于{topic}的提案"
        facts["outcome"] = _pick(rng, (("提交", 20), ("立案", 60), ("重点", 12), ("优秀", 8)))
        handled = "未立案，转作意见建议处理" if facts["outcome"] == "提交" else "立案交办"
        facts["description"] = (f"{who}围绕“{topic}”开展调研，提出{rng.randint(2, 5)}条具体建议，"
                                f"经提案委员会审查{handled}。")
        return facts
    facts["occurred_on"] = occurred_on or _day(rng, YEAR_STARTS + dt.timedelta(days=5), dt.date(YEAR, 12, 20))
    adopted = rng.random() < (0.45 if kind == "社情民意" else 0.4)
    facts["outcome"] = "采用" if adopted else "报送"
    if kind == "社情民意":
        facts["title"] = f"关于{topic}的社情民意信息"
        if adopted:
            facts["level"] = _pick(rng, (("县", 45), ("市", 30), ("省", 18), ("全国", 7)))
            if rng.random() < 0.15:
                facts["instruction_level"] = rng.choice(LEVELS[:min(LEVELS.index(facts["level"]) + 1, 3)])
    else:
        facts["title"] = f"关于{topic}的意见建议"
        if adopted:
            facts["level"] = _pick(rng, (("县", 80), ("市", 20)))
    note = f"，被{ADOPTED_BY[facts['level']]}采用" if adopted else "，已报送县政协办公室"
    if facts.get("instruction_level"):
        note += f"，获{facts['instruction_level']}领导批示"
    facts["description"] = f"{who}反映{topic}方面存在的问题并提出对策{note}。"
    return facts


def _investor(rng: random.Random) -> str:
    return rng.choice(PROVINCES) + rng.choice(BRANDS) + rng.choice(INVESTOR_TRADES) + "有限公司"


def _enterprise(county: _County, who: str, kind: str | None = None, landed: float = 0.45) -> dict[str, Any]:
    """Facts of one 引一企 record: an enterprise brought in (万元), a lead passed on, or a key project served."""
    rng = county.rng
    kind = kind or _pick(rng, ENTERPRISE_KINDS)
    occurred_on = _day(rng, dt.date(YEAR, 2, 10), dt.date(YEAR, 12, 15))
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
        outcome = _pick(rng, (("报送", 60), ("采用", 40)))
        title = f"提供{investor}投资意向信息"
        description = (f"{who}向县招商部门提供{investor}拟投资{amount}万元的招商信息"
                       f"{'，被县招商部门采用并已进入实质性洽谈' if outcome == '采用' else '，正在跟踪洽谈'}。")
    return {"kind": kind, "title": title, "occurred_on": occurred_on, "amount": amount, "outcome": outcome,
            "counterpart": investor, "description": description}


def _pairing(county: _County, who: str, kind: str | None = None) -> dict[str, Any]:
    rng = county.rng
    kind = kind or _pick(rng, PAIRING_KINDS)
    town, village = rng.choice(TOWNS), rng.choice(VILLAGES)
    occurred_on = _day(rng, dt.date(YEAR, 2, 15), dt.date(YEAR, 12, 20))
    if kind == "结对困难户":
        if rng.random() < 0.5:  # the seed asks for one 送温暖 visit before the Spring Festival
            occurred_on = _day(rng, dt.date(YEAR, 1, 6), SPRING_FESTIVAL - dt.timedelta(days=2))
        counterpart = f"{town}{village}村 {_pick(rng, SURNAMES)}某某家庭"
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


def _relief(county: _County, who: str, sector: str) -> dict[str, Any]:
    rng = county.rng
    kind = rng.choices(RELIEF_KINDS, RELIEF_WEIGHTS.get(sector, RELIEF_DEFAULT_WEIGHTS))[0]
    town, village = rng.choice(TOWNS), rng.choice(VILLAGES)
    occurred_on = _day(rng, dt.date(YEAR, 1, 10), dt.date(YEAR, 12, 20))
    amount: Decimal | None
    if kind == "捐资助学":
        school = rng.choice(("县第一中学", "县实验小学", f"{town}中学", f"{town}中心小学"))
        people, amount = rng.randint(2, 30), _money(rng, 2000, 50000, 500)
        title = f"向{school}捐资助学"
        description = f"{who}资助{school}{people}名家庭困难学生，捐款{amount}元。"
        counterpart = school
    elif kind == "扶贫济困":
        people, amount = rng.randint(3, 60), _money(rng, 1000, 30000, 100)
        counterpart = f"{town}{village}村"
        title = f"慰问{counterpart}困难群众"
        description = f"{who}走访慰问{counterpart}困难群众{people}人，送去慰问金和物资折合{amount}元。"
    elif kind == "修桥补路":
        people, amount = rng.randint(80, 900), _money(rng, 20000, 300000, 1000)
        counterpart = f"{town}{village}村"
        title = f"捐资修建{counterpart}通组道路"
        description = f"{who}捐资{amount}元修建{counterpart}通组道路，方便{people}名群众出行。"
    elif kind == "义诊义演":
        people, amount = rng.randint(40, 400), _money(rng, 0, 8000, 500) or None
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


def _study(county: _County, who: str, kind: str) -> dict[str, Any]:
    """A 学习笔记 (notes kept in the 活动记录本) or a 心得体会 article."""
    rng = county.rng
    topic = rng.choice(STUDY_TOPICS)
    occurred_on = _day(rng, dt.date(YEAR, 1, 15), dt.date(YEAR, 11, 30))
    if kind == "学习笔记":
        return {"kind": kind, "title": f"学习{topic}笔记", "occurred_on": occurred_on,
                "description": f"{who}在“四个一”活动记录本上记录学习{topic}的笔记{rng.randint(3, 12)}篇。"}
    return {"kind": kind, "title": f"学习{topic}的心得体会", "occurred_on": occurred_on,
            "description": f"{who}撰写学习{topic}心得体会文章一篇，约{rng.randint(15, 40) * 100}字。"}


def _honour(county: _County, member: Member) -> dict[str, Any]:
    """A commendation from above (县/市/省/全国), fitting the member's 界别, party and gender."""
    rng = county.rng
    choices = ["劳动模范", "先进工作者", "五一劳动奖章", "乡村振兴先进个人"]
    choices += {"教育界": ["优秀教师"] * 3, "医药卫生界": ["最美医生"] * 3, "特邀界": ["优秀法律工作者"] * 2,
                "工商联": ["优秀民营企业家"] * 3, "经济界": ["优秀民营企业家"]}.get(member.sector.name, [])
    if member.party == "中共":
        choices += ["优秀共产党员"] * 2
    if member.gender == Gender.FEMALE:
        choices += ["三八红旗手"] * 2
    level = _pick(rng, (("县", 50), ("市", 30), ("省", 15), ("全国", 5)))
    honour = rng.choice(choices)
    return {"kind": "荣誉", "level": level, "title": f"获{HONOUR_LEVEL_NAMES[level]}“{honour}”称号",
            "occurred_on": _day(rng, dt.date(YEAR, 3, 1), dt.date(YEAR, 12, 10)),
            "description": f"{member.name}委员被评为{HONOUR_LEVEL_NAMES[level]}“{honour}”。"}


def _build_member_records(county: _County, members: list[Member], model: Member) -> None:
    """四个一, study and honour records of members; `model` gets a full, verified year (the demo `member` account's)."""
    rng = county.rng
    proposals: list[tuple[Activity, Member, Unit]] = []
    diligent: list[Member] = []  # candidates for the one disciplinary case: points alone would rank them well
    for member in members:
        level = "star" if member is model else _pick(rng, list(ENGAGEMENT_WEIGHTS.items()))
        if not member.active:
            level = _pick(rng, (("none", 3), ("low", 1)))
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


def _build_same_work(county: _County, proposals: list[tuple[Activity, Member, Unit]], model: Member) -> None:
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


def _build_discipline(county: _County, member: Member) -> None:
    """The one member disciplined this year (一票否决: 不合格 whatever the points)."""
    _activity(county, member.committee or member.sector, Category.OTHER, member=member,
              state=RecordState.VERIFIED, kind="违纪违法", title="受到政务记过处分",
              occurred_on=dt.date(YEAR, 4, 22),
              description=f"{member.name}委员因违反中央八项规定精神，受到所在单位政务记过处分（县纪委监委通报）。")


def _add_cosigners(county: _County, record: Activity, first: Member, members: list[Member]) -> None:
    """A joint proposal: the record's member leads (position 1), 1–4 colleagues sign after."""
    rng = county.rng
    colleagues = [m for m in members if m is not first and m.active]
    near = [m for m in colleagues if m.committee is first.committee]
    others = rng.sample(near if len(near) >= 4 else colleagues, rng.randint(1, 4))
    record.participants = [ActivityParticipant(position=i, member_id=m.id)
                           for i, m in enumerate([first, *others], 1)]
    record.description += f"（联名提案，领衔人{first.name}，联名{len(record.participants) - 1}人）"


def _build_self_reports(county: _County, model: Member) -> None:
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


def _build_unit_records(county: _County, members: list[Member]) -> None:
    """The units' own 四个一 and 自身建设, in the words of 2025-四个一-单位.yaml.

    Seed: each 专委会, 界别 and 联络处 serves one leading industry or key project and may bring in an enterprise
    (引一企), pairs with an enterprise, a village (社区) or a 专业合作社 (联一户), proposes collectively and does
    practical deeds with its members; 自身建设 is its work plan and summary, members' files and website posts.
    """
    rng = county.rng
    for unit in [*county.committees, *county.sectors, *county.liaisons]:
        who = unit.name
        effort = UNIT_EFFORT[_pick(rng, (("active", 40), ("steady", 45), ("weak", 15)))]
        plans: list[tuple[Category, dict[str, Any]]] = []
        if rng.random() < effort["serve"]:
            plans.append((Category.ENTERPRISE, _enterprise(county, who, kind="服务主导产业")))
        if rng.random() < effort["invest"]:
            plans.append((Category.ENTERPRISE, _enterprise(county, who, kind="引进企业", landed=0.65)))
        if rng.random() < effort["pair"]:
            plans.append((Category.PAIRING, _pairing(county, who, kind=_pick(rng, UNIT_PAIRING_KINDS[unit.kind]))))
        for _, facts in plans:  # a unit settles whom it serves and pairs with early in the year, mostly
            if facts["kind"] != "引进企业" and rng.random() < 0.75:
                facts["occurred_on"] = _day(rng, dt.date(YEAR, 2, 20), dt.date(YEAR, 6, 20))
        for _ in range(rng.choice(effort["reports"])):
            topic = rng.choice(RESEARCH)
            adopted = rng.random() < 0.45
            plans.append((Category.IDEA, {
                "kind": "调研报告", "title": f"关于{topic}的调研报告", "outcome": "采用" if adopted else "报送",
                "occurred_on": _day(rng, dt.date(YEAR, 3, 1), dt.date(YEAR, 11, 30)),
                "description": f"{who}组织委员就{topic}开展调研，形成调研报告报送县政协"
                               f"{'，被县委、县政府采纳' if adopted else ''}。"}))
        for _ in range(rng.choice(effort["deeds"])):
            deed, whom = rng.choice(UNIT_DEEDS)
            people = rng.randint(20, 300) if whom == "群众" else rng.randint(5, 60)
            plans.append((Category.RELIEF, {
                "kind": "实事", "title": deed, "people_helped": people,
                "occurred_on": _day(rng, dt.date(YEAR, 1, 10), dt.date(YEAR, 12, 20)),
                "description": f"{who}{deed}，惠及{people}{whom}。"}))
        if rng.random() < effort["plan"]:
            plans.append((Category.OTHER, {"kind": "工作计划总结", "title": f"{who}{YEAR}年“四个一”活动工作计划",
                                           "occurred_on": _day(rng, dt.date(YEAR, 1, 15), dt.date(YEAR, 2, 28)),
                                           "description": f"{who}制定{YEAR}年度“四个一”活动工作计划。"}))
        if rng.random() < effort["files"]:
            plans.append((Category.OTHER, {"kind": "履职档案", "title": f"{who}委员履职档案整理",
                                           "occurred_on": _day(rng, dt.date(YEAR, 6, 1), dt.date(YEAR, 7, 15)),
                                           "description": f"{who}及时登记活动情况，建立健全委员履职档案。"}))
        for quarter in sorted(rng.sample(range(4), rng.choice(effort["posts"]))):
            start = dt.date(YEAR, quarter * 3 + 1, 1)
            plans.append((Category.OTHER, {"kind": "网站上稿", "title": f"{who}活动信息在县政协网站刊发",
                                           "occurred_on": _day(rng, start, start + dt.timedelta(days=85)),
                                           "description": f"{who}报送的活动信息被县政协网站采用刊发。"}))
        for category, facts in plans:
            _activity(county, unit, category, **facts)
        signers = _unit_members(unit, members)
        chance = {UnitKind.COMMITTEE: 0.75, UnitKind.SECTOR_GROUP: 0.6, UnitKind.LIAISON_OFFICE: 0.25}[unit.kind]
        if len(signers) >= 3 and rng.random() < chance * effort["propose"]:
            for _ in range(rng.choice(effort["proposals"])):
                _collective_proposal(county, unit, rng.sample(signers, rng.randint(2, 3)))


def _collective_proposal(county: _County, unit: Unit, signers: list[Member]) -> None:
    """A 集体提案 in the unit's name: its subject is the unit; the named members (至多 3 人) share the credit."""
    rng = county.rng
    topic = rng.choice(TOPICS)
    outcome = _pick(rng, (("提交", 10), ("立案", 55), ("重点", 22), ("优秀", 13)))
    names = "、".join(m.name for m in signers)
    record = _activity(county, unit, Category.IDEA, kind="集体提案", title=f"关于{topic}的集体提案", outcome=outcome,
                       occurred_on=_day(rng, PLENARY_ON - dt.timedelta(days=5), PLENARY_ON + dt.timedelta(days=2)),
                       description=f"{unit.name}以集体名义提出，主要执笔人{names}；"
                                   f"{'经提案委员会审查立案交办' if outcome != '提交' else '未立案，转有关部门参考'}。")
    record.participants = [ActivityParticipant(position=i, member_id=m.id) for i, m in enumerate(signers, 1)]


def _contribution(county: _County, person: PartyMember) -> dict[str, Any]:
    rng = county.rng
    kind = _pick(rng, CONTRIBUTION_KINDS)
    company = person.enterprise.name if person.enterprise else person.branch.name
    paper = person.enterprise is not None and person.enterprise.industry in PAPER_INDUSTRIES
    facts: dict[str, Any] = {"kind": kind, "occurred_on": _day(rng, dt.date(YEAR, 1, 15), dt.date(YEAR, 12, 20)),
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
        outcome = _pick(rng, (("立项", 35), ("完成", 45), ("获奖", 20)))
        problem = rng.choice(PAPER_PROBLEMS if paper else OTHER_PROBLEMS)
        facts.update(outcome=outcome, title=f"牵头{problem}技术攻关（{outcome}）")
        facts["description"] = {
            "立项": f"{problem}攻关课题经{company}批准立项，预计年节约成本{rng.randint(10, 80)}万元。",
            "完成": f"完成{problem}攻关，为{company}年节约成本约{rng.randint(5, 120)}万元。",
            "获奖": f"{problem}攻关成果获{rng.choice(('县', '市'))}科技进步奖。"}[outcome]
    elif kind == "合理化建议":
        topic = rng.choice(("降低吨纸能耗" if paper else "降低单位能耗", "优化排班", "减少原料损耗", "改进安全巡检"))
        facts.update(outcome=_pick(rng, (("采纳", 60), ("提出", 40))), title=f"提出{topic}合理化建议")
        if facts["outcome"] == "采纳":  # what the adopted suggestion saved or earned, 万元
            facts["amount"] = Decimal(rng.randint(2, 120)) / 2
            facts["description"] = (f"{person.name}（{person.post}）提出{topic}建议被{company}采纳，"
                                    f"年创效约{facts['amount']}万元。")
    else:
        level = _pick(rng, (("镇", 30), ("县", 40), ("市", 20), ("省", 8), ("全国", 2)))
        honour = rng.choice(("优秀共产党员", "劳动模范", "技术能手", "五一劳动奖章", "岗位能手"))
        where = "大源镇" if level == "镇" else HONOUR_LEVEL_NAMES[level]
        facts.update(level=level, title=f"获{where}“{honour}”称号")
    facts.setdefault("description", f"{person.name}（{person.post}）{facts['title']}。")
    return facts


def _build_party_records(county: _County, people: list[PartyMember]) -> None:
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


# ---------------------------------------------------------------------------------------------------------------
# Meetings and branch results
# ---------------------------------------------------------------------------------------------------------------

def _meeting_plan(county: _County) -> list[tuple[MeetingKind, str, dt.date, Unit, str]]:
    rng = county.rng
    plan = [(MeetingKind.PLENARY, "县政协第十届委员会第四次会议", PLENARY_ON, county.cppcc, "县人民会堂")]
    standing_days = (dt.date(YEAR, 2, 20), dt.date(YEAR, 4, 17), dt.date(YEAR, 6, 19), dt.date(YEAR, 8, 21),
                     dt.date(YEAR, 10, 23), dt.date(YEAR, 12, 18))
    plan += [(MeetingKind.STANDING, f"县政协第十届常务委员会第{n}次会议", day, county.cppcc, "县政协三楼会议室")
             for n, day in enumerate(standing_days, 17)]
    plan += [(MeetingKind.BRIEFING, f"全县{quarter}经济运行情况政情通报会", day, county.cppcc, "县人民会堂")
             for quarter, day in (("一季度", dt.date(YEAR, 4, 10)), ("前三季度", dt.date(YEAR, 10, 16)))]
    inspections = ("大源工业功能区造纸产业转型升级", "县城老旧小区改造", "农村饮水安全工程建设", "县人民医院新院区建设")
    research = ("乡村振兴特色产业发展", "民营企业营商环境", "义务教育阶段教师队伍建设", "非物质文化遗产保护传承",
                "居家养老服务体系建设")
    for topic, month in zip(inspections, (3, 5, 7, 9), strict=True):
        plan.append((MeetingKind.INSPECTION, f"视察{topic}情况", _day(rng, dt.date(YEAR, month, 3),
                     dt.date(YEAR, month, 26)), rng.choice(county.committees), rng.choice(TOWNS)))
    for topic, month in zip(research, (3, 5, 6, 8, 11), strict=True):
        plan.append((MeetingKind.RESEARCH, f"就{topic}开展专题调研", _day(rng, dt.date(YEAR, month, 3),
                     dt.date(YEAR, month, 26)), rng.choice(county.committees), rng.choice(TOWNS)))
    return sorted(plan, key=lambda item: (item[2], item[1]))


def _build_meetings(county: _County, members: list[Member], model: Member) -> None:
    rng = county.rng
    active = [m for m in members if m.active]
    standing = [m for m in active if m.is_standing]
    # Each member's habit: most come, a few often miss (the early-warning list needs them).
    habit = {m.code: _pick(rng, (("steady", 80), ("busy", 15), ("absent", 5))) for m in members}
    habit[model.code] = "steady"
    odds = {"steady": (92, 5, 1, 1, 1), "busy": (70, 20, 6, 2, 2), "absent": (40, 20, 36, 2, 2)}
    statuses = (AttendanceStatus.PRESENT, AttendanceStatus.LEAVE, AttendanceStatus.ABSENT, AttendanceStatus.LATE,
                AttendanceStatus.EARLY)
    notes = {AttendanceStatus.LEAVE: ("因公出差", "病假", "参加上级培训", "家中有事"),
             AttendanceStatus.LATE: ("迟到约20分钟", "迟到约半小时"), AttendanceStatus.EARLY: ("提前离会",)}
    plan = _meeting_plan(county)
    for kind, title, held_on, organiser, location in plan:
        if kind in (MeetingKind.PLENARY, MeetingKind.BRIEFING):
            invited = active
        elif kind == MeetingKind.STANDING:
            invited = standing
        else:
            own = [m for m in active if m.committee is organiser]
            extra = [m for m in standing if m not in own]
            invited = sorted(rng.sample(own, min(len(own), rng.randint(15, 25))) + rng.sample(extra, 5),
                             key=lambda m: m.code)
        created_at = _stamp(rng, held_on, rng.randint(1, 3))
        meeting = Meeting(kind=kind, title=title, held_on=held_on, unit=organiser, location=location,
                          state=RecordState.VERIFIED,
                          created_by_id=county.creators.get(organiser.code, county.users["office"]).id,
                          created_at=created_at, submitted_at=created_at,
                          verified_by_id=county.users["office"].id, verified_at=created_at + dt.timedelta(days=1))
        for member in invited:
            status = rng.choices(statuses, odds[habit[member.code]])[0]
            note = rng.choice(notes[status]) if status in notes else ""
            meeting.attendance.append(Attendance(member_id=member.id, status=status, note=note))
        db.session.add(meeting)


# The 比实绩 indicators, keyed exactly as 2025-双比双争-党支部.yaml declares them; one report per half-year.
INDICATOR_NOTES = {
    "组织建设": "联络员按“三会一课”、阵地、制度评分（0–20）", "党员发展": "本期发展党员及确定入党积极分子人数",
    "活动开展": "本期主题党日等组织活动次数", "党员示范岗": "党员示范岗、先锋岗、责任区个数",
    "产值增长": "产值比上年同期增长，%", "税收": "本期纳税额，万元", "就业人数": "期末在岗职工人数",
    "劳资关系": "劳资关系评价", "重大事故": "重大安全生产、环境污染事故或群体性事件",
}
Indicator = tuple[Decimal | None, str]  # (value, choice): 劳资关系 is a choice, the rest numbers


def _indicators(rng: random.Random, companies: list[Enterprise], people: int,
                single: bool) -> tuple[dict[str, Indicator], ...]:
    """A branch's 比实绩 reports for the first and the second half-year.

    `strength` (0–1) is how well the branch and its firms do: it moves party work and growth together, so the
    township has a few model branches, many ordinary ones and a few weak ones.
    """
    strength = rng.random() ** 0.6 if single else 0.25 + rng.random() * 0.65
    employees = sum(c.employees for c in companies)
    output = sum((Decimal(c.employees) * Decimal(rng.randint(35, 90)) for c in companies), Decimal(0))  # 万元/年
    tax_rate = Decimal(rng.randint(30, 75)) / 1000
    quality = 24 + round(strength * 15)  # how well it keeps its 三会一课, in half points out of 40
    growth = -50 + round(strength * 170) + rng.randint(-20, 20)  # the firms' trend, ‰ of last year's output
    posts = max(1, round(people * (0.2 + 0.5 * strength)))  # 示范岗, 先锋岗 and 责任区 together
    mood = _pick(rng, (("和谐", 70 + 25 * strength), ("一般", 16), ("有纠纷", 5)))
    first = Decimal(rng.randint(42, 50)) / 100  # the first half's share of the year's output
    reports = []
    for share in (first, 1 - first):
        posts = min(posts + rng.randint(0, 1), max(1, people))
        events = (4 if single else 2) + round(strength * 7) + rng.randint(-1, 2)
        recruits = rng.choice((0, 1, 1, 2) if strength > 0.5 else (0, 0, 1, 1))
        staff = max(5, employees + rng.randint(-employees // 20 - 1, employees // 15 + 1))
        labour = mood if rng.random() < 0.85 else _pick(rng, (("和谐", 70), ("一般", 25), ("有纠纷", 5)))
        reports.append({
            "组织建设": (Decimal(min(40, max(10, quality + rng.randint(-3, 3)))) / 2, ""),
            "党员发展": (Decimal(recruits), ""),
            "活动开展": (Decimal(max(1, events)), ""),
            "党员示范岗": (Decimal(posts), ""),
            "产值增长": (Decimal(growth + rng.randint(-25, 25)) / 10, ""),
            "税收": ((output * share * tax_rate).quantize(Decimal("0.01")), ""),
            "就业人数": (Decimal(staff), ""),
            "劳资关系": (None, labour),
        })
    return tuple(reports)


def _build_branch_results(county: _County, people: list[PartyMember]) -> None:
    """Two 比实绩 reports per branch, "2025H1" (verified in July) and "2025H2" (mostly verified by year end)."""
    rng = county.rng
    polluters = [b for b in county.branches if b.branch_form == BranchForm.SINGLE
                 and any(e.industry in ("造纸", "化工") for e in county.enterprises if e.branch is b)]
    accident = rng.choice(polluters)  # the one branch with a 重大事故 this year (一票否决)
    # At year end two second-half reports are still with the office: one waiting, one sent back.
    late = dict(zip(rng.sample([b for b in county.branches if b is not accident], 2),
                    (RecordState.SUBMITTED, RecordState.RETURNED), strict=True))
    for branch in county.branches:
        companies = [e for e in county.enterprises if e.branch is branch]
        size = sum(1 for p in people if p.branch is branch)
        creator = county.creators.get(branch.code)
        reports = _indicators(rng, companies, size, branch.branch_form == BranchForm.SINGLE)
        for (period, half), facts in zip(((f"{YEAR}H1", True), (f"{YEAR}H2", False)), reports, strict=True):
            if half:
                state, updated = RecordState.VERIFIED, _stamp(rng, dt.date(YEAR, 7, 3), rng.randint(0, 10))
            else:
                state = late.get(branch, RecordState.VERIFIED)
                updated = _stamp(rng, dt.date(YEAR, 12, 15), rng.randint(0, 14))
            if branch is accident and not half:
                facts["重大事故"] = (Decimal(1), "")
            reason = "产值数据与企业报表不一致，请核对。" if state == RecordState.RETURNED else ""
            verified = state == RecordState.VERIFIED
            result = BranchResult(branch_id=branch.id, period=period, state=state, updated_at=updated,
                                  created_by_id=creator.id if creator else None, return_reason=reason,
                                  submitted_at=None if state == RecordState.DRAFT else updated,
                                  verified_by_id=county.users["office"].id if verified else None,
                                  verified_at=updated + dt.timedelta(days=1) if verified else None)
            notes = dict(INDICATOR_NOTES)
            if "重大事故" in facts:
                notes["重大事故"] = f"9月{rng.randint(3, 26)}日发生废水超标排放环境污染事件，被县生态环境局立案查处"
            result.indicators = [BranchIndicator(key=key, value=value, choice=choice, note=notes[key])
                                 for key, (value, choice) in facts.items()]
            db.session.add(result)


# ---------------------------------------------------------------------------------------------------------------
# The use case and the command
# ---------------------------------------------------------------------------------------------------------------

def database_has_data() -> bool:
    """True when any unit, member or account exists: demo data must never mix with real data."""
    return any(db.session.scalar(sa.select(model.id).limit(1)) is not None for model in (Unit, Member, User))


PARTY_LIFE = (("党员大会", 1, 16), ("主题党日", 3, 20), ("党课", 5, 18), ("党员大会", 7, 15),
              ("主题党日", 9, 19), ("党课", 11, 14))


def _build_party_life(county: _County, people: list[PartyMember]) -> None:
    """Each branch's 组织生活 (党员大会, 主题党日, 党课) every other month, with its party members' attendance."""
    rng = county.rng
    office = county.users["office"]
    for branch in county.branches:
        members = [p for p in people if p.branch_id == branch.id and p.active]
        habit = {p.id: rng.choice((0.97, 0.93, 0.8)) for p in members}
        creator = county.creators.get(branch.code, office)
        for title, month, day in PARTY_LIFE:
            held_on = dt.date(YEAR, month, day)
            created_at = _stamp(rng, held_on, 1)
            meeting = Meeting(kind=MeetingKind.PARTY_LIFE, title=f"{branch.name}{month}月{title}", held_on=held_on,
                              unit=branch, location=f"{branch.enterprises[0].name}会议室",
                              state=RecordState.VERIFIED, created_by_id=creator.id, created_at=created_at,
                              submitted_at=created_at, verified_by_id=office.id,
                              verified_at=created_at + dt.timedelta(days=2))
            for person in members:
                roll = rng.random()
                present = habit[person.id]
                status = (AttendanceStatus.PRESENT if roll < present else AttendanceStatus.LEAVE
                          if roll < present + (1 - present) / 2 else
                          rng.choice((AttendanceStatus.ABSENT, AttendanceStatus.LATE, AttendanceStatus.EARLY)))
                meeting.attendance.append(Attendance(party_member_id=person.id, status=status))
            db.session.add(meeting)


def build_demo(seed: int = DEFAULT_SEED) -> DemoSummary:
    """Build the demo county in the current session and flush; the caller commits. Needs an empty database."""
    rng = random.Random(seed)  # made-up demo data, the same for the same seed; no secret  # nosec B311
    password_hash = hash_password(PASSWORD, current_app.config)  # once: argon2 is slow on purpose
    county = _build_units(rng)
    term = _build_calendar()
    _build_users(county, password_hash)
    names = _Names(rng)
    members = _build_members(county, names, term)
    people = _build_party_members(county, names)
    clerk_committee, clerk_liaison = county.unit_named("提案委员会"), county.unit_named("大源镇联络处")
    model = next(m for m in members if m.active and not m.is_standing and m.committee is clerk_committee)
    model.liaison = clerk_liaison  # so the demo clerk sees the demo member
    db.session.flush()
    county.users["member"] = _user("member", model.name, Role.MEMBER, password_hash, 10, member_id=model.id)
    db.session.flush()
    _build_member_records(county, members, model)
    _build_unit_records(county, members)
    _build_party_records(county, people)
    _build_meetings(county, members, model)
    _build_branch_results(county, people)
    _build_party_life(county, people)
    db.session.flush()
    return summarize(seed)


def summarize(seed: int) -> DemoSummary:
    """Count what the database holds, as the command reports it."""
    def count(model: Any, *where: Any) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0

    by_record = {(c, s): n for c, s, n in db.session.execute(
        sa.select(Activity.category, Activity.state, sa.func.count()).group_by(Activity.category, Activity.state))}
    records = {c.label: {s.label: by_record[c, s] for s in RecordState if (c, s) in by_record} for c in Category}
    by_status = dict(db.session.execute(
        sa.select(Attendance.status, sa.func.count()).group_by(Attendance.status)).all())
    attendance = {s.label: by_status[s] for s in AttendanceStatus if s in by_status}
    by_kind = dict(db.session.execute(sa.select(Unit.kind, sa.func.count()).group_by(Unit.kind)).all())
    units = {k.label: by_kind[k] for k in UnitKind if k in by_kind}
    return DemoSummary(
        seed=seed, units=units, members=count(Member), standing=count(Member, Member.is_standing),
        inactive=count(Member, ~Member.active), party_members=count(PartyMember),
        probationary=count(PartyMember, PartyMember.status == PartyStatus.PROBATIONARY), records=records,
        meetings=count(Meeting), attendance=attendance, branch_results=count(BranchResult), users=count(User))


def echo_accounts() -> None:
    """Print where to sign in and the demo accounts, if there are any."""
    users = db.session.scalars(sa.select(User).where(User.is_demo).order_by(User.id)).all()
    if not users:
        return
    rows = [("用户名", "角色", "单位")]
    for user in users:
        if user.role == Role.MEMBER and user.member is not None:
            scope = f"委员本人：{user.member.name}（{user.member.code}）"
        else:
            scope = "、".join(u.name for u in user.units) or "全县"
        rows.append((user.username, user.role.label, scope))
    click.echo(f"\n登录地址：{URL}")
    click.echo(f"演示账号（密码均为 {PASSWORD}）：")
    click.echo(text_table(rows, indent="  "))
    click.echo("注意：演示账号只在演示模式下可以登录（FLASK_DEMO_MODE=true；make run 会自动打开演示模式）。")
    if not current_app.config.get("DEMO_MODE"):
        click.echo("当前未开启演示模式，用上面的账号登录会被拒绝。")


def _echo_summary(summary: DemoSummary) -> None:
    click.echo(f"演示数据已加载（种子 {summary.seed}）：")
    click.echo("  组织单位：" + "，".join(f"{kind} {n}" for kind, n in summary.units.items()))
    click.echo(f"  政协委员 {summary.members} 人（常委 {summary.standing} 人，停用 {summary.inactive} 人）；"
               f"党员 {summary.party_members} 人（预备党员 {summary.probationary} 人）")
    for category, states in summary.records.items():
        detail = "，".join(f"{state} {n}" for state, n in states.items())
        click.echo(f"  {category}：{sum(states.values())} 条（{detail}）")
    detail = "，".join(f"{status} {n}" for status, n in summary.attendance.items())
    click.echo(f"  会议和活动 {summary.meetings} 次，出席记录 {sum(summary.attendance.values())} 条（{detail}）")
    click.echo(f"  党支部比实绩 {summary.branch_results} 份；演示账号 {summary.users} 个")


@click.command("demo")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="随机种子：同一种子生成相同的数据。")
@click.option("--if-empty", is_flag=True, help="数据库已有数据时跳过，不报错（make run 使用）。")
@click.option("--year-end", is_flag=True,
              help="再把 2025 年度走完：运行全年总结，表彰名单推荐、考核、审定、公示、定稿（用来看打印文件）。")
@with_appcontext
def demo_command(seed: int, if_empty: bool, year_end: bool) -> None:
    """Load the demo county (260 members, 19 party branches, a year of records) into an empty database."""
    if not sa.inspect(db.engine).has_table(Unit.__tablename__):
        click.echo("数据库还没有建表，请先运行 flask --app wsgi db upgrade。", err=True)
        raise click.exceptions.Exit(1)
    if year_end and database_has_data() and db.session.scalar(sa.select(User.id).where(User.username == "office")):
        _finish_year()
        return
    if database_has_data():
        if if_empty:
            click.echo("数据库中已有数据，跳过演示数据加载。")
            echo_accounts()
            return
        click.echo("数据库中已有数据，拒绝加载演示数据，以免与真实数据混在一起。"
                   "如需演示，请换一个空数据库（例如另设 DATABASE_URL），再运行 flask --app wsgi db upgrade 和本命令。",
                   err=True)
        raise click.exceptions.Exit(1)
    try:
        summary = build_demo(seed)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    _echo_summary(summary)
    if year_end:
        _finish_year()
    echo_accounts()


def _finish_year() -> None:
    from app.awards.services import AwardError
    from app.documents.yearend import finish_year
    try:
        lists = finish_year()
        db.session.commit()
    except AwardError as error:
        db.session.rollback()
        click.echo(f"无法走完 2025 年度：{error}", err=True)
        raise click.exceptions.Exit(1) from None
    for award_list in lists:
        click.echo(f"  {award_list.category}：已定稿，{len(award_list.candidates)} 名（考评编号 {award_list.review_id}）")
