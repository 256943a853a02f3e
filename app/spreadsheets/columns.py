"""The spreadsheet import format: sheets, their Chinese headers, value types and allowed values. Pure: data only.

The later .xlsx templates (instructions sheet, dropdowns) are generated from these definitions, and the reader
matches a file's headers against them: by header text, in any column order, surrounding spaces and a trailing
required-mark `*` ignored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# value types of a column
TEXT = "text"          # any text; numbers are read as their text
CODE = "code"          # an 编号: text, and a whole number typed into Excel reads as its digits ("1001", not "1001.0")
CODES = "codes"        # several 编号 in order, separated by 、 , ; or spaces
DATE = "date"          # an Excel date, or text 2025-03-02, 2025/3/2, 2025.3.2, 2025年3月2日, 20250302
MONTH = "month"        # a year and month, kept as "1968-03": 1968-03, 1968.03, 1968年3月, 196803, a date
DECIMAL = "decimal"    # an exact decimal number (never binary float)
INTEGER = "integer"    # a whole number
CHOICE = "choice"      # one of `choices`
YES_NO = "yes_no"      # 是 / 否 (an Excel TRUE/FALSE too)
PERIOD = "period"      # a half-year: 2025H1 or 2025H2

YES, NO = "是", "否"
MEETING_KINDS = ("全体会议", "常委会议", "政情通报会", "视察", "调研", "其他活动", "组织生活")  # the built-in ones
PARTY_LIFE = "组织生活"  # the only meeting type party members attend; CPPCC members never do
ATTENDANCE_STATUSES = ("出席", "请假", "缺席", "迟到", "早退")
UNIT_KINDS = ("专门委员会", "界别活动组", "乡镇政协联络处")
BRANCH_FORMS = ("单独组建", "联合支部")
PARTY_STATUSES = ("正式党员", "预备党员")
GENDERS = ("男", "女")
SUBJECT_TYPES = ("委员", "单位", "党员")
STATES = ("草稿", "已提交", "已核实")  # what an imported row may be filed as (已核实: the office only)


@dataclass(frozen=True)
class Column:
    """One column: its header, the key the reader files its value under, the type and what may be written."""

    header: str
    key: str
    type: str = TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    default: str | bool | None = None  # what a blank cell means (None: nothing)
    note: str = ""                     # one line for the template's instructions sheet
    aliases: tuple[str, ...] = ()      # other headers accepted for this column
    unit: str = ""                     # written after the header (金额（万元）); errors name the bare header

    @property
    def written(self) -> str:
        """The header as templates and exports write it: with its unit (the reader drops a trailing (unit))."""
        return f"{self.header}（{self.unit}）" if self.unit else self.header


@dataclass(frozen=True)
class Sheet:
    """One sheet of the workbook (a CSV file is one sheet)."""

    name: str
    columns: tuple[Column, ...]
    note: str = ""

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def keys(self) -> set[str]:
        """The keys of every column."""
        return {c.key for c in self.columns}

    def lookup(self) -> dict[str, Column]:
        """Normalised header text (and aliases) → column."""
        found: dict[str, Column] = {}
        for col in self.columns:
            for text in (col.header, *col.aliases):
                found[normalise_header(text)] = col
        return found


def normalise_header(text: object) -> str:
    """The header as matched: white space, a trailing * (required mark) and a trailing (unit) dropped."""
    text = re.sub(r"\s+", "", str(text or "")).rstrip("*＊")
    return re.sub(r"[(（][^()（）]*[)）]$", "", text).rstrip("*＊")  # 金额(万元) is 金额


def _yes_no(header: str, key: str, default: bool, note: str) -> Column:
    return Column(header, key, YES_NO, choices=(YES, NO), default=default, note=note)


# --- subjects: one sheet per kind of subject ---------------------------------------------------------------

MEMBERS = Sheet("委员", (
    Column("委员编号", "code", CODE, required=True, note="委员的编号，其他表用它指明是哪位委员"),
    Column("姓名", "name", required=True),
    Column("性别", "gender", CHOICE, choices=GENDERS),
    Column("界别", "sector", note="界别活动组名称，如 经济界"),
    Column("党派", "party", note="中共、民盟、无党派人士 ……"),
    Column("专委会", "committee", note="所在专门委员会名称"),
    Column("联络处", "liaison", note="所在乡镇政协联络处名称"),
    _yes_no("常委", "standing", False, "是 / 否，空白为否"),
    _yes_no("主席会议成员", "chair_council", False, "是 / 否，空白为否"),
    _yes_no("驻会常委", "resident_standing", False, "是 / 否，空白为否"),
    _yes_no("在职", "active", True, "是 / 否，空白为是；否：已离任"),
    Column("工作单位", "employer"),
    Column("职务", "position"),
    Column("联系电话", "phone", CODE),
    Column("民族", "ethnicity", note="如 汉族"),
    Column("出生年月", "birth_month", MONTH, note="如 1968-03 或 1968年3月"),
    Column("任职日期", "joined_on", DATE, note="可不填：空白为从所在届开始"),
    Column("离任日期", "left_on", DATE, note="离任的委员填写；离任后仍保留在离任前的考评中"),
    Column("备注", "note"),
), note="每位委员一行")

UNITS = Sheet("单位", (
    Column("单位编号", "code", CODE, required=True),
    Column("名称", "name", required=True),
    Column("类型", "unit_kind", CHOICE, required=True, choices=UNIT_KINDS),
), note="专门委员会、界别活动组、乡镇政协联络处，每个一行")

BRANCHES = Sheet("党支部", (
    Column("支部编号", "code", CODE, required=True),
    Column("名称", "name", required=True),
    Column("组建方式", "branch_form", CHOICE, choices=BRANCH_FORMS),
    Column("上级组织", "parent", note="镇党委或党总支的名称；空白为镇党委"),
    Column("所属企业", "enterprises", CODES, note="企业名称，联合支部有几个写几个，用 、 隔开"),
), note="非公企业党支部，每个一行")

PARTY_MEMBERS = Sheet("党员", (
    Column("党员编号", "code", CODE, required=True),
    Column("姓名", "name", required=True),
    Column("性别", "gender", CHOICE, choices=GENDERS),
    Column("支部", "branch", note="所在党支部名称"),
    Column("党员类别", "party_status", CHOICE, choices=PARTY_STATUSES, default=PARTY_STATUSES[0],
           note="空白为正式党员"),
    _yes_no("在职", "active", True, "是 / 否，空白为是；否：不参加考评"),
    Column("入党日期", "joined_on", DATE),
    Column("所在企业", "enterprise", note="须是本支部的企业"),
    Column("岗位", "post"),
    Column("联系电话", "phone", CODE),
), note="每名党员一行")

# --- what the subjects did --------------------------------------------------------------------------------

_RECORD_NO = Column("记录编号", "record_no", CODE, note="可不填；填写时不能重复")
_NAME = Column("姓名", "name", aliases=("名称",), note="可不填；填写时须与对象表一致")

ACTIVITIES = Sheet("履职记录", (
    _RECORD_NO,
    Column("对象编号", "subject", CODE, required=True, note="委员（或单位、党员）的编号"),
    _NAME,
    Column("类型", "kind", required=True, note="细则中声明的记录类型，如 提案、社情民意、引进企业"),
    Column("日期", "occurred_on", DATE, required=True),
    Column("标题", "title"),
    Column("结果", "outcome", note="如 提交/立案/重点/优秀，报送/采用，签约/落地"),
    Column("级别", "level", note="县/市/省/全国"),
    Column("批示级别", "instruction_level", note="领导批示的级别"),
    Column("金额", "amount", DECIMAL, note="万元或元，按细则；精确小数"),
    Column("受益人数", "people_helped", INTEGER),
    Column("联名", "signers", CODES, note="其他联名人的编号，按顺序，用 、 隔开；对象编号为第一提案人"),
    Column("事项编号", "work_key", note="同一件事的几条记录填同一个编号，只计一次"),
    Column("对象类别", "subject_type", CHOICE, choices=SUBJECT_TYPES, note="可不填；编号在委员、单位、党员中重复时填写"),
    Column("内容", "description", note="情况说明"),
    Column("对接对象", "counterpart", note="引进的企业、结对的村或户"),
    Column("帮扶内容", "support"),
    Column("状态", "state", CHOICE, choices=STATES, default=STATES[1], note="空白为已提交；已核实只有办公室可填"),
), note="每条履职记录一行")

ATTENDANCE = Sheet("出勤", (
    _RECORD_NO,
    Column("会议名称", "meeting_title"),
    Column("会议类型", "meeting", required=True,
           note="如 全体会议、常委会议、视察、组织生活；须是系统中设立的、并在细则“会议出勤”中声明的会议类型"),
    Column("日期", "occurred_on", DATE, required=True),
    Column("对象编号", "subject", CODE, required=True),
    _NAME,
    Column("出席情况", "status", CHOICE, required=True, choices=ATTENDANCE_STATUSES),
    Column("组织单位", "organiser", note="可不填；空白为您负责的第一个单位（组织生活为党员所在支部）"),
), note="每人每次会议一行；党员的组织生活也记在这里")

INDICATORS = Sheet("比实绩", (
    _RECORD_NO,
    Column("支部编号", "subject", CODE, required=True),
    Column("名称", "name", aliases=("支部名称",), note="可不填；填写时须与“党支部”表一致"),
    Column("期间", "period", PERIOD, required=True, note="2025H1（上半年）或 2025H2（下半年）"),
    Column("指标", "kind", required=True, note="细则中声明的指标，如 组织建设、税收、劳资关系"),
    Column("数值", "number", DECIMAL, note="数值指标填这里"),
    Column("等级", "grade", note="等级指标（如 劳资关系：和谐）填这里；无数值的指标（如 重大事故）填“是”"),
    Column("状态", "state", CHOICE, choices=STATES, default=STATES[1], note="空白为已提交；已核实只有办公室可填"),
), note="每个支部每半年每个指标一行")


PAIRING_SUBJECTS = ("委员", "单位")
COUNTERPART_KINDS = ("重点企业", "专业合作社（协会）", "专业重点户", "村（社区）", "困难家庭", "困难学生")
#: 联一户 register: one pairing a row, with its counterpart (对接对象).
PAIRINGS = Sheet("结对登记", (
    Column("结对编号", "code", CODE, required=True, note="如 JD0001；编号已有的更新，没有的新增"),
    Column("结对方类型", "subject_type", CHOICE, required=True, choices=PAIRING_SUBJECTS, note="委员或单位"),
    Column("结对方编号", "subject_code", CODE, required=True, note="委员编号，或专委会、界别、联络处的单位编号"),
    Column("结对方名称", "subject_name", note="可空；填写时须与编号相符"),
    Column("联一户类型", "kind", required=True, note="细则中的联一户类型，如 结对困难户、结对企业"),
    Column("对接对象类型", "counterpart_kind", CHOICE, required=True, choices=COUNTERPART_KINDS),
    Column("对接对象名称", "counterpart", required=True, note="同类型同名称的视为同一对接对象"),
    Column("所在乡镇、村", "place"),
    Column("需求", "needs"),
    Column("联系人", "contact"),
    Column("联系电话", "phone", CODE, note="个人信息：只有办公室和结对方所在单位的录入员可见"),
    Column("开始日期", "starts_on", DATE, required=True),
    Column("结束日期", "ends_on", DATE, note="结对仍在继续的留空"),
    Column("备注", "note"),
), note="每个结对一行；结对跨年度持续，不必每年重新登记")


#: 引一企 register: one project a row, the date of each stage it reached.
PROJECTS = Sheet("引一企项目", (
    Column("项目编号", "code", CODE, required=True, note="如 YQ0001；编号已有的更新，没有的新增"),
    Column("项目名称", "name", required=True),
    Column("投资方", "investor"),
    Column("服务的产业或重点项目", "industry"),
    Column("投资额", "amount", DECIMAL, unit="万元"),
    Column("引进方类型", "subject_type", CHOICE, required=True, choices=PAIRING_SUBJECTS, note="委员或单位"),
    Column("引进方编号", "subject_code", CODE, required=True, note="委员编号，或专委会、界别、联络处的单位编号"),
    Column("引进方名称", "subject_name", note="可空；填写时须与编号相符"),
    Column("其他引荐委员", "others"),
    Column("提供信息日期", "stage_info", DATE),
    Column("洽谈日期", "stage_talks", DATE),
    Column("签约日期", "stage_signed", DATE),
    Column("落地日期", "stage_landed", DATE),
    Column("投产日期", "stage_producing", DATE),
    Column("备注", "note"),
), note="每个项目一行；各阶段填达到的日期")


NONE = "无"  # written in a cell whose blank keeps what is registered: there is none (所属党支部: no branch, 企业主 …)
#: 双比双争 coverage: one enterprise a row with its figures for one year (app/imports/enterprises.py).
ENTERPRISE_FIGURES = Sheet("企业年度数据", (
    Column("企业名称", "name", required=True, aliases=("企业",), note="按名称识别：已登记的企业更新，没有的新登记"),
    Column("所属党支部", "branch", aliases=("党支部",),
           note="党支部的名称或支部编号；空白：已登记的企业保持原支部，新企业为未建支部；填“无”：未建党支部"),
    Column("所属行业", "industry", aliases=("行业",), note="空白：已登记的企业保持原行业"),
    Column("年度", "year", INTEGER, required=True, note="数据所属年度，如 2025；一个文件只填一个年度"),
    Column("职工人数", "employees", INTEGER, required=True),
    Column("党员人数", "party_members", INTEGER, note="企业的党员人数（不论是否在本镇支部）；空白为 0；不能多于职工人数"),
    Column("产值", "output", DECIMAL, unit="万元", note="至多两位小数；空白为未填报"),
    Column("税收", "tax", DECIMAL, unit="万元", note="至多两位小数；空白为未填报"),
    # 企业主 (法定代表人), optional (a file without these columns keeps the owners registered): app.admin.services
    Column("企业主", "owner_name", aliases=("企业主姓名",),
           note="企业主（法定代表人）的姓名；空白：保持已登记的企业主；填“无”：清除企业主（连同职务、电话）"),
    Column("企业主职务", "owner_title", note="如 董事长、总经理；空白：保持已登记的职务；填“无”：清除"),
    Column("企业主电话", "owner_phone", CODE, aliases=("企业主联系电话",),
           note="只能包含数字、空格、+ 和 -；空白：保持已登记的电话；填“无”：清除"),
), note="每家企业一行，填一个年度的数据")


def _optional(column: Column) -> Column:
    return Column(column.header, column.key, column.type, False, column.choices, column.default, column.note,
                  column.aliases)


HISTORY_KINDS = ("委员", "单位", "党支部", "党员")
#: Last years' official results, entered by the office (历年考评结果).
HISTORY = Sheet("历年考评结果", (
    Column("考评对象", "kind", CHOICE, choices=HISTORY_KINDS, default="委员", note="委员、单位、党支部或党员；空白为委员"),
    Column("编号", "code", CODE, note="委员编号、单位编号、支部编号或党员编号；空白时按姓名（名称）查找，须唯一"),
    Column("姓名", "name", TEXT, aliases=("名称",), note="委员或党员的姓名，单位或支部的名称；与编号同填时须相符"),
    Column("年度", "year", INTEGER, required=True, note="考评年度，如 2024"),
    Column("得分", "score", DECIMAL, required=True, note="当年全年总结的得分，至多四位小数"),
    Column("等次", "grade", TEXT, note="如 优秀、合格、不合格；可空"),
    Column("备注", "note", TEXT, note="如 据2024年度考核结果通报"),
), note="每个考评对象每年一行；已在系统内完成全年总结的年度以系统结果为准，不必录入")

CONTACT_LINK_KINDS = ("县政协领导联系常委", "常委联系委员", "专委会联系界别和联络处")
#: The 四联系 assignments (app/imports/contacts.py): who keeps in touch with whom.
CONTACT_LINKS = Sheet("四联系分工", (
    Column("联系类型", "kind", CHOICE, required=True, choices=CONTACT_LINK_KINDS),
    Column("联系人编号", "from_code", CODE, note="常委的委员编号，或专委会的单位编号；空白时按联系人姓名（名称）查找"),
    Column("联系人", "from_name", TEXT, note="县政协领导的姓名（可带职务，如 主席 王某），常委的姓名，或专委会的名称"),
    Column("被联系人编号", "to_code", CODE, note="常委或委员的编号，或界别、联络处的单位编号；空白时按姓名（名称）查找"),
    Column("被联系人", "to_name", TEXT, note="常委或委员的姓名，或界别活动组、联络处的名称"),
    Column("开始日期", "starts_on", DATE, note="空白为今年1月1日；改派的填新分工的开始日期，原分工于前一天结束"),
    Column("结束日期", "ends_on", DATE, note="仍在执行的留空；填了的，分工到这一天为止"),
), note="每行一项分工；同一天每位常委（委员、界别、联络处）每种联系类型只能有一个联系人")

CONTACT_FORMS = ("走访", "电话", "座谈", "微信")
#: 委员联系界别群众 (app/imports/contacts.py): one contact a row.
MASS_CONTACTS = Sheet("委员联系界别群众", (
    Column("委员编号", "member_code", CODE, note="空白时按委员姓名查找"),
    Column("委员姓名", "member_name", TEXT),
    Column("日期", "occurred_on", DATE, required=True),
    Column("联系方式", "form", CHOICE, required=True, choices=CONTACT_FORMS),
    Column("联系的群众", "people", TEXT, required=True, note="个人或群体，如 个体户张某、城关镇商会会员"),
    Column("群众所属界别", "sector", TEXT, note="界别活动组的名称；空白为委员本人的界别"),
    Column("联系内容", "content", TEXT),
    Column("反映的问题", "issues", TEXT, note="没有的留空"),
), note="每行一次联系；与系统中已有的同一委员、同一天、同一联系对象和内容的记录相同的行不变")


#: A CSV file of records: 履职记录 columns, and a row with 会议类型 / 出席情况 is an attendance.
CSV_ACTIVITIES = Sheet("履职记录", (
    *(_optional(c) if c.key == "kind" else c for c in ACTIVITIES.columns),
    *(_optional(ATTENDANCE.column(k)) for k in ("meeting_title", "meeting", "status")),
), note="CSV：履职记录与出勤在同一张表，填了会议类型或出席情况的行是出勤")

#: A member's dates of service, read when scoring a file (a rule file's `membership` treats a part of the period).
SERVICE_COLUMNS = (Column("任职日期", "joined_on", DATE, note="年度中途任职的填写；空白为本届开始即任职"),
                   Column("离任日期", "left_on", DATE, note="离任的填写；只填“在职：否”而不填日期的，算离任日期不详"))
#: The members sheet as `score --records` reads it: the import's columns and the dates of service.
SCORED_MEMBERS = Sheet(MEMBERS.name, (*MEMBERS.columns, *(c for c in SERVICE_COLUMNS if c.key not in MEMBERS.keys())),
                       MEMBERS.note)

#: The subjects sheet for each rule file `subject:`, and the record sheets read for it.
SUBJECT_SHEETS: dict[str, Sheet] = {"members": SCORED_MEMBERS, "units": UNITS, "branches": BRANCHES,
                                    "party-members": PARTY_MEMBERS}
RECORD_SHEETS: dict[str, tuple[Sheet, ...]] = {"members": (ACTIVITIES, ATTENDANCE), "units": (ACTIVITIES,),
                                               "branches": (INDICATORS,), "party-members": (ACTIVITIES, ATTENDANCE)}
#: A sheet that only names units, read when present: members' 界别/专委会/联络处, party members' 支部.
UNIT_SHEETS: dict[str, Sheet] = {"members": UNITS, "party-members": BRANCHES}
CSV_SHEETS: dict[str, Sheet] = {"members": CSV_ACTIVITIES, "units": ACTIVITIES, "branches": INDICATORS,
                                "party-members": CSV_ACTIVITIES}


def without(sheet: Sheet, *keys: str) -> Sheet:
    """`sheet` without the columns `keys` (an export leaves out what its reader may not see)."""
    return Sheet(sheet.name, tuple(c for c in sheet.columns if c.key not in keys), sheet.note)


def require(sheet: Sheet, *keys: str) -> Sheet:
    """`sheet` with the columns `keys` made required (the database needs them; a file to score does not)."""
    columns = tuple(Column(c.header, c.key, c.type, c.required or c.key in keys, c.choices, c.default, c.note,
                           c.aliases) for c in sheet.columns)
    return Sheet(sheet.name, columns, sheet.note)
