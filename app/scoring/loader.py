"""Strict rule-file loader: YAML (no tags, anchors or duplicate keys) → RuleSet; every error as file:line:col: 中文."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from app.scoring.errors import RuleError
from app.scoring.exact import COUNT_ROUNDINGS, DECIMAL_ROUNDINGS, ZERO
from app.scoring.rules import (
    CREDIT_MODES,
    PARTIAL_MODES,
    AttrCond,
    Award,
    Bands,
    Credit,
    Effect,
    Exclusion,
    FieldCond,
    FieldSpec,
    Fixed,
    Gate,
    Grade,
    Item,
    KindSpec,
    Ladder,
    Match,
    Membership,
    Per,
    Period,
    PointSource,
    Quota,
    Ranking,
    Requirement,
    RuleSet,
    Section,
    ShareLimit,
    Table,
    TieKey,
    Trigger,
    TriggerLevel,
)
from app.scoring.spelling import suggest
from app.scoring.types import COLUMN_FIELDS, SUBJECT_ATTRIBUTES

MAX_BYTES = 1_000_000
MAX_DEPTH = 40  # levels of nesting
MAX_NODES = 20_000  # keys, values and list items in all
SUBJECT_KINDS = ("members", "units", "branches", "party-members")
FIELD_TYPES = ("number", "integer", "text", "choice", "date")
TIE_POLICIES = ("all_in", "none")
#: Who an award honours: the subject itself, or the 企业主 of an enterprise of the branch (nominated, not by score).
HONOREES = {"subject": "考评对象本人", "enterprise_owner": "支部所在企业的企业主,由镇党委研究推荐"}
#: Which records a count looks at: the period's, every record given (`input`), or the 届's up to the period's end.
TRIGGER_WINDOWS = ("period", "input", "term")
GATE_WINDOWS = ("period", "term", "half")  # half: each half-year of the period on its own (每半年)
VETO_WINDOWS = ("period", "term")
_TAG = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}
_NUMBER = re.compile(r"[+-]?\d{1,9}(\.\d{1,6})?")
_INTEGER = re.compile(r"[+-]?\d{1,9}")
_FRACTION = re.compile(r"(\d{1,6})\s*/\s*(\d{1,6})")
_PERCENT = re.compile(r"(\d{1,3}(?:\.\d{1,4})?)\s*[%％]")
_FULL_WIDTH_COLON = re.compile(r"^\s*(?:-\s+)?[^\s#:：'\"{}\[\],][^:#'\"{}]*?：")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH_DAY = re.compile(r"(\d{2})-(\d{2})")
_FIELD_NAME = re.compile(r"[A-Za-z_\u4e00-\u9fff][A-Za-z0-9_\u4e00-\u9fff]{0,39}")


class _Refused(Exception):
    def __init__(self, mark: yaml.Mark, message: str) -> None:
        super().__init__(message)
        self.mark, self.message = mark, message


class _Composer(yaml.SafeLoader):
    """Builds the node tree only (nothing is ever constructed); refuses aliases and anchors, and a tree deeper or
    bigger than any real rule file (shipped files: depth 8, under 1,000 nodes), before it costs time or memory."""

    depth = 0
    nodes = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:  # type: ignore[override]
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(event.start_mark, "细则文件不支持别名(*引用),请直接写出内容")
        if getattr(event, "anchor", None) is not None:
            raise _Refused(event.start_mark, "细则文件不支持锚点(&),请直接写出内容")
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Refused(event.start_mark, f"细则文件内容过多(超过 {MAX_NODES} 项),请检查是否粘贴了无关内容")
        if self.depth >= MAX_DEPTH:
            raise _Refused(event.start_mark, f"嵌套层次过深(超过 {MAX_DEPTH} 层)")
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _Reader:
    """Walks the node tree, collecting every problem with its position instead of stopping at the first."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.errors: list[tuple[int, int, str]] = []

    # -- reporting
    def error(self, node: Node | yaml.Mark | None, message: str) -> None:
        mark = node.start_mark if isinstance(node, Node) else node
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        self.errors.append((line, col, message))

    def formatted(self) -> list[str]:
        return [f"{self.filename}:{line}:{col}: {message}" for line, col, message in sorted(set(self.errors))]

    # -- shapes
    def mapping(self, node: Node, what: str, allowed: Iterable[str] | None = None,
                required: Iterable[str] = ()) -> dict[str, tuple[Node, Node]] | None:
        if not isinstance(node, MappingNode):
            self.error(node, f"{what}应为键值映射(key: value)")
            return None
        allowed_set = None if allowed is None else list(allowed)
        result: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            key = self.key(key_node, what)
            if key is None:
                continue
            if key in result:
                first = result[key][0].start_mark
                self.error(key_node, f"重复的键 '{key}'(第 {first.line + 1} 行已有)")
                continue
            if allowed_set is not None and key not in allowed_set:
                hint = suggest(key, allowed_set)
                suffix = f",是否想写 '{hint[0]}'?" if hint else f";可用的键:{', '.join(allowed_set)}"
                self.error(key_node, f"{what}中未知的键 '{key}'{suffix}")
                result[key] = (key_node, value_node)  # remembered for duplicate detection only
                continue
            result[key] = (key_node, value_node)
        if allowed_set is not None:
            result = {k: v for k, v in result.items() if k in allowed_set}
        for key in required:
            if key not in result:
                self.error(node, f"{what}缺少必填的键 '{key}'")
        return result

    def key(self, node: Node, what: str) -> str | None:
        if not isinstance(node, ScalarNode) or node.tag in (_TAG + "null", _TAG + "bool"):
            self.error(node, f"{what}的键应为文字")
            return None
        return str(node.value)

    def sequence(self, node: Node, what: str) -> list[Node] | None:
        if isinstance(node, SequenceNode):
            return list(node.value)
        self.error(node, f"{what}应为列表(- 项目 或 [a, b])")
        return None

    def seq_or_one(self, node: Node) -> list[Node]:
        return list(node.value) if isinstance(node, SequenceNode) else [node]

    # -- scalars
    def _scalar(self, node: Node, what: str, expected: str) -> ScalarNode | None:
        if not isinstance(node, ScalarNode):
            self.error(node, f"{what}应为{expected},不能是列表或映射")
            return None
        if node.tag == _TAG + "null":
            self.error(node, f"{what}不能为空,应为{expected}")
            return None
        return node

    def text(self, node: Node, what: str) -> str | None:
        scalar = self._scalar(node, what, "文字")
        if scalar is None:
            return None
        if scalar.tag == _TAG + "bool":
            self.error(node, f"{what}:'{scalar.value}' 会被当作是/否;若是文字请加引号")
            return None
        value = str(scalar.value).strip()
        if not value:
            self.error(node, f"{what}不能为空文字")
            return None
        return value

    def number(self, node: Node, what: str) -> Decimal | None:
        scalar = self._scalar(node, what, "数字")
        if scalar is None:
            return None
        raw = str(scalar.value).strip()
        if scalar.tag not in (_TAG + "int", _TAG + "float", _TAG + "str") or not _NUMBER.fullmatch(raw):
            if re.fullmatch(r"[+-]?\d+(\.\d+)?", raw):
                self.error(node, f"{what}:数字 {raw} 位数过多(整数至多 9 位,小数至多 6 位)")
            else:
                self.error(node, f"{what}应为数字(如 20、1.5、-0.5),得到 '{raw}'")
            return None
        return Decimal(raw)  # from the text itself: a YAML float never becomes a binary float

    def integer(self, node: Node, what: str, minimum: int | None = None) -> int | None:
        scalar = self._scalar(node, what, "整数")
        if scalar is None:
            return None
        raw = str(scalar.value).strip()
        if scalar.tag != _TAG + "int" or not _INTEGER.fullmatch(raw):
            self.error(node, f"{what}应为整数,得到 '{raw}'")
            return None
        value = int(raw)
        if minimum is not None and value < minimum:
            self.error(node, f"{what}不能小于 {minimum}")
            return None
        return value

    def fraction(self, node: Node, what: str) -> Fraction | None:
        scalar = self._scalar(node, what, "比例(如 0.1 或 \"1/3\")")
        if scalar is None:
            return None
        raw = str(scalar.value).strip()
        if (m := _FRACTION.fullmatch(raw)) is not None:
            if int(m.group(2)) == 0:
                self.error(node, f"{what}:分母不能为 0")
                return None
            return Fraction(int(m.group(1)), int(m.group(2)))
        if (m := _PERCENT.fullmatch(raw)) is not None:  # 15% as the published methods write it
            return Fraction(Decimal(m.group(1))) / 100
        value = self.number(node, what)
        return None if value is None else Fraction(value)

    def boolean(self, node: Node, what: str) -> bool | None:
        scalar = self._scalar(node, what, "true 或 false")
        if scalar is None:
            return None
        raw = str(scalar.value)
        if scalar.tag != _TAG + "bool" or raw not in ("true", "false", "True", "False"):
            self.error(node, f"{what}应为 true 或 false,得到 '{raw}'")
            return None
        return raw.lower() == "true"

    def date(self, node: Node, what: str) -> dt.date | None:
        scalar = self._scalar(node, what, "日期(如 2025-12-20)")
        if scalar is None:
            return None
        raw = str(scalar.value).strip()
        if _DATE.fullmatch(raw):
            try:
                return dt.date.fromisoformat(raw)
            except ValueError:
                pass
        self.error(node, f"{what}应为日期(如 2025-12-20),得到 '{raw}'")
        return None

    def choice(self, node: Node, what: str, options: Iterable[str]) -> str | None:
        value = self.text(node, what)
        options = list(options)
        if value is not None and value not in options:
            self.error(node, f"{what}:'{value}' 不可用,应为 {' / '.join(options)} 之一")
            return None
        return value


def load_ruleset(source: str | Path | bytes, filename: str | None = None) -> RuleSet:
    """Parse a rule file (a path, or its bytes with a `filename` for messages). Raises RuleError with all errors."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        filename = filename or path.name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise RuleError(f"{filename}:1:1: 无法读取文件:{exc.strerror or exc}") from None
    else:
        data = bytes(source)
        filename = filename or "<细则>"
    reader = _Reader(filename)
    root = _compose(data, reader)
    ruleset = None
    if root is not None:
        try:
            ruleset = _Builder(reader, data).build(root)
        except RecursionError:
            reader.error(None, "嵌套层次过深")
    if reader.errors or ruleset is None:
        if not reader.errors:
            reader.error(None, "无法读取细则")
        raise RuleError(reader.formatted())
    return ruleset


def _syntax_hints(text: str, reader: _Reader) -> bool:
    """The slips office staff make most (a Tab, a full-width colon), said plainly at the right line."""
    found = False
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0] if "#" in line and "'" not in line and '"' not in line else line
        if "\t" in content[:len(content) - len(content.lstrip())] or content.lstrip().startswith("\t"):
            reader.errors.append((number, line.index("\t") + 1, "这一行用了 Tab 键缩进，请全部改用空格缩进"))
            found = True
        elif (m := _FULL_WIDTH_COLON.match(content)) is not None:
            reader.errors.append((number, m.end(), "这里用了中文冒号“：”，请改为英文冒号“:”，冒号后加一个空格"))
            found = True
    return found


def _compose(data: bytes, reader: _Reader) -> Node | None:
    if len(data) > MAX_BYTES:
        reader.error(None, f"文件过大(超过 {MAX_BYTES} 字节)")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        reader.errors.append((line, col, "文件不是 UTF-8 编码,请另存为 UTF-8"))
        return None
    loader = None
    try:
        loader = _Composer(text)
        node = loader.get_single_node()
    except yaml.reader.ReaderError as exc:
        before = text[:exc.position]
        line, col = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        reader.errors.append((line, col, f"文件含有不可打印的字符 #x{exc.character:04x},请删除"))
        return None
    except _Refused as exc:
        reader.error(exc.mark, exc.message)
        return None
    except yaml.MarkedYAMLError as exc:
        if _syntax_hints(text, reader):
            return None
        mark = exc.problem_mark or exc.context_mark
        reader.error(mark, f"YAML 格式错误（多半是缩进没有对齐，或少了冒号、多了空格）：{exc.problem or exc.context}")
        return None
    except yaml.YAMLError as exc:
        reader.error(None, f"YAML 格式错误:{exc}")
        return None
    except RecursionError:
        reader.error(None, "嵌套层次过深")
        return None
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        reader.error(None, "文件为空")
        return None
    for bad in _walk(node):
        if bad.tag not in _ALLOWED_TAGS:
            reader.error(bad, f"不支持的标签 '{bad.tag.replace(_TAG, '!!')}':细则文件只含数据")
    return None if reader.errors else node


def _walk(node: Node) -> Iterable[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, SequenceNode):
            stack.extend(current.value)
        elif isinstance(current, MappingNode):
            for key, value in current.value:
                stack.extend((key, value))


TOP_KEYS = ("name", "year", "subject", "label", "published_on", "effective_from", "precision", "rounding",
            "kinds", "base", "cap", "floor", "membership", "sections", "gates", "vetoes", "triggers", "grades",
            "periods", "rankings", "tie_break", "awards", "exclusions")
ITEM_SOURCES = ("points", "table", "ladder", "per", "bands", "by_count")
ITEM_KEYS = ("label", "match", "when", *ITEM_SOURCES, "credit", "aggregate", "from_nth", "max_count", "once",
             "cap", "floor")


class _Builder:
    def __init__(self, reader: _Reader, data: bytes) -> None:
        self.r = reader
        self.data = data
        self.kinds: dict[str, KindSpec] = {}
        self.grade_names: list[str] = []

    # ---- top level
    def build(self, root: Node) -> RuleSet | None:
        r = self.r
        top = r.mapping(root, "细则文件", TOP_KEYS, required=("name", "year", "subject", "kinds", "sections",
                                                           "periods"))
        if top is None:
            return None
        get = lambda key, fn: fn(top[key][1]) if key in top else None
        name = get("name", lambda n: r.text(n, "name(细则名称)"))
        year = get("year", lambda n: r.integer(n, "year(年度)", minimum=1949))
        subject = get("subject", lambda n: r.choice(n, "subject(考评对象)", SUBJECT_KINDS))
        precision = get("precision", lambda n: r.number(n, "precision(计分精度)"))
        if precision is not None and precision <= 0:
            r.error(top["precision"][1], "precision(计分精度)应大于 0,如 0.01")
            precision = None
        rounding = get("rounding", lambda n: r.choice(n, "rounding(舍入方式)", DECIMAL_ROUNDINGS))
        if "kinds" in top:
            self.kinds = self.parse_kinds(top["kinds"][1])
        base = get("base", lambda n: r.number(n, "base(基础分)"))
        cap = get("cap", lambda n: r.number(n, "cap(总分上限)"))
        floor = get("floor", lambda n: r.number(n, "floor(总分下限)"))
        self.check_cap_floor(top.get("cap"), cap, floor)
        grades = get("grades", self.parse_grades) or ()
        sections: list[Section] = get("sections", self.parse_sections) or []
        gates = get("gates", lambda n: self.parse_gates(n, veto=False)) or ()
        vetoes = get("vetoes", lambda n: self.parse_gates(n, veto=True)) or ()
        triggers = get("triggers", self.parse_triggers) or ()
        periods = get("periods", self.parse_periods) or {}
        rankings = get("rankings", self.parse_rankings)
        tie_break = get("tie_break", lambda n: self.parse_tie_break(n, sections))
        awards = get("awards", lambda n: self.parse_awards(n, [g.name for g in (*gates, *vetoes)], subject)) or ()
        exclusions = get("exclusions", self.parse_exclusions) or ()
        membership = get("membership", self.parse_membership)
        if year is not None and "periods" in top:
            periods = self.resolve_periods(periods, year, top["periods"][1])
        if r.errors or name is None or year is None or subject is None:
            return None
        items_by_kind: dict[str, list[Item]] = {k: [] for k in self.kinds}
        for section in sections:
            for item in section.items:
                for kind in sorted(item.match.kinds):
                    items_by_kind[kind].append(item)
        extra: dict[str, Any] = {}
        if rankings is not None:
            extra["rankings"] = rankings
        if tie_break is not None:
            extra["tie_break"] = tie_break
        if membership is not None:
            extra["membership"] = membership
        return RuleSet(
            name=name, year=year, subject=subject, kinds=self.kinds, sections=tuple(sections),
            periods=periods, source_name=r.filename, source=self.data, base=base or ZERO, cap=cap, floor=floor,
            precision=precision or Decimal("0.01"), rounding=rounding or "half_up",
            gates=(*gates, *vetoes), triggers=tuple(triggers), grades=tuple(grades), awards=tuple(awards),
            exclusions=tuple(exclusions),
            published_on=get("published_on", lambda n: r.date(n, "published_on(公示日期)")),
            effective_from=get("effective_from", lambda n: r.date(n, "effective_from(施行日期)")),
            items_by_kind={k: tuple(v) for k, v in items_by_kind.items()}, **extra)

    def check_cap_floor(self, where: tuple[Node, Node] | None, cap: Decimal | None,
                        floor: Decimal | None) -> None:
        if where is not None and cap is not None and floor is not None and cap < floor:
            self.r.error(where[1], f"上限 cap {cap} 小于下限 floor {floor},不可能满足")

    # ---- kinds
    def parse_kinds(self, node: Node) -> dict[str, KindSpec]:
        r = self.r
        kinds: dict[str, KindSpec] = {}
        entries = r.mapping(node, "kinds(记录类型)")
        for name, (key_node, value) in (entries or {}).items():
            spec = r.mapping(value, f"类型 '{name}'", ("category", "label", "fields"), required=("category",))
            if spec is None:
                continue
            category = r.text(spec["category"][1], f"类型 '{name}' 的 category(所属类别)") if "category" in spec \
                else None
            label = r.text(spec["label"][1], "label") if "label" in spec else ""
            fields: dict[str, FieldSpec] = {}
            if "fields" in spec:
                for fname, (fkey, fvalue) in (r.mapping(spec["fields"][1], f"类型 '{name}' 的 fields") or {}).items():
                    field_spec = self.parse_field(name, fname, fkey, fvalue)
                    if field_spec is not None:
                        fields[fname] = field_spec
            if category is not None:
                kinds[name] = KindSpec(name, category, fields, label or "")
        return kinds

    def parse_field(self, kind: str, fname: str, key: Node, node: Node) -> FieldSpec | None:
        """One declared field: a list of values (a choice), a type word, or {type, label, unit, required, values}."""
        r = self.r
        if not _FIELD_NAME.fullmatch(fname):
            r.error(key, f"类型 '{kind}' 的字段名 '{fname}' 不可用:请用汉字、字母、数字或下划线,不以数字开头,至多 40 个字")
            return None
        found: FieldSpec | None
        if isinstance(node, SequenceNode):
            values = self.field_values(fname, node)
            found = None if values is None else FieldSpec(fname, "enum", values)
        elif isinstance(node, MappingNode):
            found = self.parse_field_mapping(fname, node)
        else:
            ftype = r.choice(node, f"字段 '{fname}' 的类型", FIELD_TYPES)
            if ftype == "choice":
                r.error(node, f"字段 '{fname}' 是选项(choice),请列出取值:{fname}: [甲, 乙] 或 {{type: choice, values: [甲, 乙]}}")
                return None
            found = None if ftype is None else FieldSpec(fname, ftype)
        if found is not None and fname in COLUMN_FIELDS and found.type not in COLUMN_FIELDS[fname]:
            allowed = "、".join("取值列表(choice)" if t == "enum" else t for t in COLUMN_FIELDS[fname])
            r.error(node, f"字段 '{fname}' 是录入系统的固定字段,只能声明为 {allowed}")
            return None
        return found

    def field_values(self, fname: str, node: Node) -> tuple[str, ...] | None:
        r = self.r
        rows = r.sequence(node, f"字段 '{fname}' 的取值")
        if rows is None:
            return None
        values = [r.text(v, f"字段 '{fname}' 的取值") for v in rows]
        clean = [v for v in values if v is not None]
        if not clean:
            r.error(node, f"字段 '{fname}' 至少要列出一个取值")
        for v in sorted({v for v in clean if clean.count(v) > 1}):
            r.error(node, f"字段 '{fname}' 的取值 '{v}' 重复")
        return tuple(clean)

    def parse_field_mapping(self, fname: str, node: Node) -> FieldSpec | None:
        r = self.r
        spec = r.mapping(node, f"字段 '{fname}'", ("type", "label", "unit", "plausible", "required", "values"))
        if spec is None:
            return None
        if "type" in spec:
            ftype = r.choice(spec["type"][1], f"字段 '{fname}' 的 type(类型)", FIELD_TYPES)
        elif "values" in spec:
            ftype = "choice"
        else:
            r.error(node, f"字段 '{fname}' 缺少 type(类型):{' / '.join(FIELD_TYPES)}")
            return None
        if ftype is None:
            return None
        values: tuple[str, ...] | None = ()
        if ftype == "choice":
            if "values" not in spec:
                r.error(node, f"字段 '{fname}' 是选项(choice),需要 values(取值列表)")
                return None
            values = self.field_values(fname, spec["values"][1])
        elif "values" in spec:
            r.error(spec["values"][0], f"只有选项(choice)字段写 values;'{fname}' 是 {ftype}")
        if "unit" in spec and ftype not in ("number", "integer"):
            r.error(spec["unit"][0], f"只有数字(number、integer)字段写 unit(单位);'{fname}' 是 {ftype}")
        low = high = None
        if "plausible" in spec:
            if ftype not in ("number", "integer"):
                r.error(spec["plausible"][0], f"只有数字(number、integer)字段写 plausible(合理范围);'{fname}' 是 {ftype}")
            else:
                low, high = self.plausible(fname, spec["plausible"][1])
        label = r.text(spec["label"][1], f"字段 '{fname}' 的 label(名称)") if "label" in spec else ""
        unit = r.text(spec["unit"][1], f"字段 '{fname}' 的 unit(单位)") if "unit" in spec else ""
        required = r.boolean(spec["required"][1], f"字段 '{fname}' 的 required(是否必填)") \
            if "required" in spec else False
        if values is None:
            return None
        return FieldSpec(fname, "enum" if ftype == "choice" else ftype, values, label or "", unit or "",
                         bool(required), low, high)

    def plausible(self, fname: str, node: Node) -> tuple[Decimal | None, Decimal | None]:
        """`plausible: {min: 0.1, max: 10000}`: the range outside which a value asks the user to confirm it."""
        r = self.r
        what = f"字段 '{fname}' 的 plausible(合理范围)"
        spec = r.mapping(node, what, ("min", "max"))
        if spec is None:
            return None, None
        if not spec:
            r.error(node, f"{what}至少写 min 或 max,如 {{min: 1, max: 100000}}")
            return None, None
        low = r.number(spec["min"][1], f"{what}的 min") if "min" in spec else None
        high = r.number(spec["max"][1], f"{what}的 max") if "max" in spec else None
        for bound in (low, high):
            if bound is not None and bound < 0:
                r.error(node, f"{what}不能为负数(录入的数字不能为负)")
                return None, None
        if low is not None and high is not None and low > high:
            r.error(node, f"{what}的 min {low} 大于 max {high}")
            return None, None
        return low, high

    # ---- conditions
    def parse_match(self, node: Node, what: str) -> Match | None:
        r = self.r
        entries = r.mapping(node, what)
        if entries is None:
            return None
        kinds = set(self.kinds)
        ok = True
        if "kind" in entries:
            wanted = [r.text(n, "kind(记录类型)") for n in r.seq_or_one(entries["kind"][1])]
            for n, k in zip(r.seq_or_one(entries["kind"][1]), wanted):
                if k is not None and k not in self.kinds:
                    hint = suggest(k, list(self.kinds))
                    r.error(n, f"未在 kinds 中声明的记录类型 '{k}'" + (f",是否想写 '{hint[0]}'?" if hint else ""))
                    ok = False
            kinds &= {k for k in wanted if k is not None}
        if "category" in entries:
            cats = [(n, r.text(n, "category(类别)")) for n in r.seq_or_one(entries["category"][1])]
            known = {spec.category for spec in self.kinds.values()}
            for n, c in cats:
                if c is not None and c not in known:
                    r.error(n, f"没有任何记录类型属于类别 '{c}'(已有:{'、'.join(sorted(known))})")
                    ok = False
            kinds &= {k for k, spec in self.kinds.items() if spec.category in {c for _, c in cats}}
        conds: list[FieldCond] = []
        for fname, (key_node, value) in entries.items():
            if fname in ("kind", "category"):
                continue
            missing = sorted(k for k in kinds if fname not in self.kinds[k].fields)
            if missing or not kinds:
                r.error(key_node, f"字段 '{fname}' 未在类型 {'、'.join(missing) or '(无)'} 的 fields 中声明")
                ok = False
                continue
            specs = [self.kinds[k].fields[fname] for k in sorted(kinds)]
            cond = self.parse_field_cond(fname, value, specs)
            if cond is None:
                ok = False
            else:
                conds.append(cond)
        if ok and not kinds:
            r.error(node, f"{what}不匹配任何已声明的记录类型")
            ok = False
        return Match(frozenset(kinds), tuple(conds)) if ok else None

    def parse_field_cond(self, fname: str, node: Node, specs: list[FieldSpec]) -> FieldCond | None:
        r = self.r
        types = {s.type for s in specs}
        if len(types) > 1:
            r.error(node, f"字段 '{fname}' 在这些类型中的定义不一致")
            return None
        ftype = types.pop()
        if ftype in ("text", "date"):
            r.error(node, f"字段 '{fname}' 是{'文字' if ftype == 'text' else '日期'},只供录入和查看,不能作为计分条件")
            return None
        if isinstance(node, MappingNode):
            allowed = ("at_least", "at_most") if ftype == "enum" else ("min", "max")
            entries = r.mapping(node, f"字段 '{fname}' 的条件", allowed)
            if entries is None:
                return None
            if ftype == "enum":
                got = {k: self.enum_value(v, fname, specs) for k, (_, v) in entries.items()}
                if None in got.values():
                    return None
                return FieldCond(fname, at_least=got.get("at_least"), at_most=got.get("at_most"))
            nums = {k: r.number(v, f"字段 '{fname}' 的 {k}") for k, (_, v) in entries.items()}
            if None in nums.values():
                return None
            if "min" in nums and "max" in nums and nums["min"] > nums["max"]:  # type: ignore[operator]
                r.error(node, f"字段 '{fname}':min 大于 max,不可能满足")
                return None
            return FieldCond(fname, min=nums.get("min"), max=nums.get("max"))
        values: set[Any] = set()
        for n in r.seq_or_one(node):
            v: str | int | Decimal | None
            if ftype == "enum":
                v = self.enum_value(n, fname, specs)
            elif ftype == "integer":
                v = r.integer(n, f"字段 '{fname}' 的取值")
            else:
                v = r.number(n, f"字段 '{fname}' 的取值")
            if v is None:
                return None
            values.add(v)
        return FieldCond(fname, values=frozenset(values))

    def enum_value(self, node: Node, fname: str, specs: list[FieldSpec]) -> str | None:
        value = self.r.text(node, f"字段 '{fname}' 的取值")
        if value is None:
            return None
        for spec in specs:
            if value not in spec.values:
                self.r.error(node, f"字段 '{fname}' 没有取值 '{value}'(可用:{'、'.join(spec.values)})")
                return None
        return value

    def parse_when(self, node: Node, what: str) -> tuple[AttrCond, ...] | None:
        r = self.r
        entries = r.mapping(node, what, SUBJECT_ATTRIBUTES)
        if entries is None:
            return None
        conds = []
        for attr, (_, value) in entries.items():
            kind = SUBJECT_ATTRIBUTES[attr]
            got: list[Any] = []
            for n in r.seq_or_one(value):
                if kind is bool:
                    got.append(r.boolean(n, f"{attr}"))
                elif isinstance(kind, tuple):
                    got.append(r.choice(n, attr, kind))
                else:
                    got.append(r.text(n, attr))
            if None in got:
                return None
            conds.append(AttrCond(attr, frozenset(got)))
        return tuple(conds)

    def parse_effect(self, node: Node, what: str) -> Effect | None:
        r = self.r
        entries = r.mapping(node, what, ("grade", "max_grade", "eligible"))
        if entries is None:
            return None
        grade = max_grade = None
        eligible = True
        if "grade" in entries:
            grade = r.choice(entries["grade"][1], "grade(评定等次)", self.grade_names)
        if "max_grade" in entries:
            max_grade = r.choice(entries["max_grade"][1], "max_grade(最高等次)", self.grade_names)
        if "eligible" in entries:
            eligible = bool(r.boolean(entries["eligible"][1], "eligible(可否参评表彰)"))
        return Effect(grade, max_grade, eligible)

    # ---- sections and items
    def parse_sections(self, node: Node) -> list[Section]:
        r = self.r
        sections = []
        for name, (key_node, value) in (r.mapping(node, "sections(评分部分)") or {}).items():
            spec = r.mapping(value, f"部分 '{name}'", ("label", "base", "cap", "floor", "no_double_counting",
                                                      "items"), required=("items",))
            if spec is None:
                continue
            label = r.text(spec["label"][1], "label") if "label" in spec else name
            base = r.number(spec["base"][1], "base(本部分基础分)") if "base" in spec else ZERO
            cap = r.number(spec["cap"][1], "cap(本部分上限)") if "cap" in spec else None
            floor = r.number(spec["floor"][1], "floor(本部分下限)") if "floor" in spec else None
            self.check_cap_floor(spec.get("cap"), cap, floor)
            ndc = r.boolean(spec["no_double_counting"][1], "no_double_counting") \
                if "no_double_counting" in spec else True
            items: list[Item] = []
            for iname, (ikey, ivalue) in (r.mapping(spec["items"][1], f"部分 '{name}' 的 items") or {}).items() \
                    if "items" in spec else []:
                item = self.parse_item(name, iname, ikey, ivalue)
                if item is not None:
                    items.append(replace(item, order=len(items)))
            sections.append(Section(name, label or name, tuple(items), base or ZERO, cap, floor,
                                    ndc if ndc is not None else True))
        names = [i.name for s in sections for i in s.items]
        for dup in sorted({n for n in names if names.count(n) > 1}):
            r.error(node, f"条目名 '{dup}' 在多个部分中重复,请改为不同的名字")
        return sections

    def parse_item(self, section: str, name: str, key_node: Node, node: Node) -> Item | None:
        r = self.r
        what = f"条目 '{name}'"
        spec = r.mapping(node, what, ITEM_KEYS, required=("match",))
        if spec is None:
            return None
        errors_before = len(r.errors)
        match = self.parse_match(spec["match"][1], f"{what} 的 match") if "match" in spec else None
        sources = [k for k in ITEM_SOURCES if k in spec]
        if len(sources) != 1:
            r.error(node, f"{what}必须且只能有一种计分方式:{' / '.join(ITEM_SOURCES)}"
                          + (f"(现有 {'、'.join(sources)})" if sources else ""))
        source: PointSource | None = None
        by_count: tuple[tuple[int, Decimal], ...] = ()
        if len(sources) == 1:
            src = sources[0]
            if src == "by_count":
                by_count = self.parse_count_bands(spec[src][1], what)
            elif src == "points" or match is not None:  # the others need the matched kinds' fields
                kind_specs = [self.kinds[k] for k in sorted(match.kinds)] if match is not None else []
                source = self.parse_source(src, spec[src][1], what, kind_specs)
        when = self.parse_when(spec["when"][1], f"{what} 的 when") if "when" in spec else ()
        credit = self.parse_credit(spec["credit"][1], what) if "credit" in spec else Credit()
        aggregate = r.choice(spec["aggregate"][1], "aggregate(汇总方式)", ("sum", "max")) \
            if "aggregate" in spec else "sum"
        from_nth = r.integer(spec["from_nth"][1], "from_nth(从第几件起)", minimum=1) if "from_nth" in spec else 1
        max_count = r.integer(spec["max_count"][1], "max_count(最多计几件)", minimum=1) \
            if "max_count" in spec else None
        if "once" in spec:
            once = r.boolean(spec["once"][1], "once(每年只计一次)")
            if once and max_count is not None:
                r.error(spec["once"][0], f"{what}:once 与 max_count 只能写一个")
            elif once:
                max_count = 1
        cap = r.number(spec["cap"][1], "cap(条目上限)") if "cap" in spec else None
        floor = r.number(spec["floor"][1], "floor(条目下限)") if "floor" in spec else None
        self.check_cap_floor(spec.get("cap"), cap, floor)
        if len(r.errors) > errors_before or match is None:
            return None
        label = r.text(spec["label"][1], "label") if "label" in spec else name
        pos = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return Item(name=name, label=label or name, section=section, match=match, source=source, pos=pos,
                    when=when or (), credit=credit or Credit(), aggregate=aggregate or "sum", from_nth=from_nth or 1,
                    max_count=max_count, by_count=by_count, cap=cap, floor=floor)

    def parse_source(self, src: str, node: Node, what: str, kinds: list[KindSpec]) -> PointSource | None:
        r = self.r
        if src == "points":
            value = r.number(node, f"{what} 的 points(每条记录分值)")
            return None if value is None else Fixed(value)
        if src == "table":
            spec = r.mapping(node, f"{what} 的 table", ("field", "fields", "values"), required=("values",))
            if spec is None or "values" not in spec:
                return None
            if ("field" in spec) == ("fields" in spec):
                r.error(node, f"{what} 的 table 需要 field(一个字段)或 fields(多个字段)之一")
                return None
            fnodes = [spec["field"][1]] if "field" in spec else r.sequence(spec["fields"][1], "fields") or []
            fields = [self.enum_field(n, kinds, what) for n in fnodes]
            if None in fields or not fields:
                return None
            values: dict[tuple[str, ...], Decimal] = {}
            self.parse_table_level(spec["values"][1], fields, (), values, kinds, what)  # type: ignore[arg-type]
            return Table(tuple(fields), values)  # type: ignore[arg-type]
        if src == "ladder":
            spec = r.mapping(node, f"{what} 的 ladder", ("field", "steps", "cumulative"), required=("field", "steps"))
            if spec is None or "field" not in spec or "steps" not in spec:
                return None
            fname = self.enum_field(spec["field"][1], kinds, what)
            if fname is None:
                return None
            orders = {self.kinds[k.name].fields[fname].values for k in kinds}
            if len(orders) != 1:
                r.error(spec["field"][1], f"字段 '{fname}' 在这些类型中的取值顺序不同,不能共用一个阶梯")
                return None
            order = orders.pop()
            steps: list[tuple[str, Decimal]] = []
            for step, (skey, svalue) in (r.mapping(spec["steps"][1], "steps(阶梯)") or {}).items():
                if step not in order:
                    r.error(skey, f"阶梯 '{step}' 不是字段 '{fname}' 的取值(可用:{'、'.join(order)})")
                    continue
                points = r.number(svalue, f"阶梯 '{step}' 的分值")
                if points is not None:
                    steps.append((step, points))
            if [order.index(s) for s, _ in steps] != sorted(order.index(s) for s, _ in steps):
                r.error(spec["steps"][1], f"阶梯应按字段 '{fname}' 的声明顺序({' → '.join(order)})书写")
            cumulative = r.boolean(spec["cumulative"][1], "cumulative(逐级累加)") if "cumulative" in spec else False
            return Ladder(fname, order, tuple(steps), bool(cumulative))
        if src == "per":
            spec = r.mapping(node, f"{what} 的 per", ("field", "each", "points", "whole"),
                             required=("field", "each", "points"))
            if spec is None or len(spec.keys() & {"field", "each", "points"}) < 3:
                return None
            fname = self.number_field(spec["field"][1], kinds, what)
            each = r.number(spec["each"][1], "each(每多少)")
            points = r.number(spec["points"][1], "points(计几分)")
            whole = r.boolean(spec["whole"][1], "whole(只计整数份)") if "whole" in spec else True
            if each is not None and each <= 0:
                r.error(spec["each"][1], "each 必须大于 0")
                return None
            if fname is None or each is None or points is None:
                return None
            return Per(fname, each, points, whole is not False)
        if src == "bands":
            spec = r.mapping(node, f"{what} 的 bands", ("field", "bands"), required=("field", "bands"))
            if spec is None or "field" not in spec or "bands" not in spec:
                return None
            fname = self.number_field(spec["field"][1], kinds, what)
            bands = self.parse_band_list(spec["bands"][1], what, integer=False)
            return None if fname is None or bands is None else Bands(fname, bands)  # type: ignore[arg-type]
        return None

    def parse_band_list(self, node: Node, what: str, integer: bool) -> tuple[tuple[Any, Decimal], ...] | None:
        r = self.r
        rows = r.sequence(node, f"{what} 的档次")
        if rows is None:
            return None
        bands: list[tuple[Any, Decimal]] = []
        for row in rows:
            spec = r.mapping(row, "档次", ("min", "points"), required=("min", "points"))
            if spec is None or len(spec) < 2:
                continue
            low = r.integer(spec["min"][1], "min(下限,含)", minimum=0) if integer \
                else r.number(spec["min"][1], "min(下限,含)")
            points = r.number(spec["points"][1], "points(分值)")
            if low is not None and points is not None:
                if bands and low <= bands[-1][0]:
                    r.error(spec["min"][1], f"档次下限应从小到大排列且不重复:{low} 不大于 {bands[-1][0]}")
                bands.append((low, points))
        if not bands:
            r.error(node, f"{what}至少需要一个档次")
            return None
        return tuple(bands)

    def parse_count_bands(self, node: Node, what: str) -> tuple[tuple[int, Decimal], ...]:
        bands = self.parse_band_list(node, what, integer=True)
        if bands is not None and bands[0][0] < 1:
            self.r.error(node, "by_count 的下限至少为 1(件数)")
        return bands or ()

    def parse_table_level(self, node: Node, fields: list[str], prefix: tuple[str, ...],
                          out: dict[tuple[str, ...], Decimal], kinds: list[KindSpec], what: str) -> None:
        r = self.r
        fname = fields[len(prefix)]
        allowed = set.intersection(*(set(k.fields[fname].values) for k in kinds))
        for value, (vkey, vnode) in (r.mapping(node, f"{what} 的 values") or {}).items():
            if value not in allowed:
                r.error(vkey, f"'{value}' 不是字段 '{fname}' 的取值(可用:{'、'.join(sorted(allowed))})")
                continue
            if len(prefix) + 1 < len(fields):
                self.parse_table_level(vnode, fields, (*prefix, value), out, kinds, what)
            else:
                points = r.number(vnode, f"'{value}' 的分值")
                if points is not None:
                    out[(*prefix, value)] = points

    def enum_field(self, node: Node, kinds: list[KindSpec], what: str) -> str | None:
        fname = self.r.text(node, "field(字段)")
        if fname is None:
            return None
        bad = [k.name for k in kinds if fname not in k.fields or k.fields[fname].type != "enum"]
        if bad:
            self.r.error(node, f"字段 '{fname}' 未在类型 {'、'.join(bad)} 中声明为取值列表")
            return None
        return fname

    def number_field(self, node: Node, kinds: list[KindSpec], what: str) -> str | None:
        fname = self.r.text(node, "field(字段)")
        if fname is None:
            return None
        bad = [k.name for k in kinds if fname not in k.fields or k.fields[fname].type not in ("number", "integer")]
        if bad:
            self.r.error(node, f"字段 '{fname}' 未在类型 {'、'.join(bad)} 中声明为 number 或 integer")
            return None
        return fname

    def parse_credit(self, node: Node, what: str) -> Credit | None:
        r = self.r
        spec = r.mapping(node, f"{what} 的 credit(联名分配)", ("mode", "factors", "rest", "max_people"))
        if spec is None:
            return None
        mode = r.choice(spec["mode"][1], "mode(分配方式)", CREDIT_MODES) if "mode" in spec else "all"
        factors: dict[int, Fraction] = {}
        if "factors" in spec:
            for pos, (pkey, pvalue) in (r.mapping(spec["factors"][1], "factors(按位次系数)") or {}).items():
                if not _INTEGER.fullmatch(pos) or int(pos) < 1:
                    r.error(pkey, f"位次应为从 1 开始的整数,得到 '{pos}'")
                    continue
                f = r.fraction(pvalue, f"第 {pos} 位的系数")
                if f is not None:
                    factors[int(pos)] = f
            if mode != "by_position":
                r.error(spec["factors"][0], "factors 只用于 mode: by_position")
        rest = r.fraction(spec["rest"][1], "rest(其余位次系数)") if "rest" in spec else Fraction(1)
        max_people = r.integer(spec["max_people"][1], "max_people(最多计几人)", minimum=1) \
            if "max_people" in spec else None
        if mode is None or rest is None:
            return None
        return Credit(mode, factors, rest, max_people)

    # ---- gates, triggers
    def parse_gates(self, node: Node, veto: bool) -> list[Gate]:
        r = self.r
        gates = []
        title = "vetoes(一票否决)" if veto else "gates(基本要求)"
        for name, (_, value) in (r.mapping(node, title) or {}).items():
            keys = ("label", "match", "when", "window", "effect") if veto else ("label", "requires", "when", "window",
                                                                                "effect")
            spec = r.mapping(value, f"'{name}'", keys, required=("match",) if veto else ("requires", "effect"))
            if spec is None:
                continue
            label = r.text(spec["label"][1], "label") if "label" in spec else name
            when = self.parse_when(spec["when"][1], "when") if "when" in spec else ()
            window = r.choice(spec["window"][1], "window(统计范围)", VETO_WINDOWS if veto else GATE_WINDOWS) \
                if "window" in spec else "period"
            requires: list[Requirement] = []
            if veto and "match" in spec:
                match = self.parse_match(spec["match"][1], f"否决项 '{name}' 的 match")
                if match is not None:
                    requires.append(Requirement(label or name, match, max_count=0))
            elif "requires" in spec:
                for req in r.sequence(spec["requires"][1], "requires") or []:
                    rspec = r.mapping(req, "要求", ("label", "match", "min_count", "max_count"), required=("match",))
                    if rspec is None or "match" not in rspec:
                        continue
                    match = self.parse_match(rspec["match"][1], "要求的 match")
                    lo = r.integer(rspec["min_count"][1], "min_count", minimum=0) if "min_count" in rspec else None
                    hi = r.integer(rspec["max_count"][1], "max_count", minimum=0) if "max_count" in rspec else None
                    if lo is None and hi is None:
                        r.error(req, "要求需要 min_count 或 max_count")
                    elif lo is not None and hi is not None and lo > hi:
                        r.error(req, "min_count 大于 max_count,不可能满足")
                    rlabel = r.text(rspec["label"][1], "label") if "label" in rspec else None
                    if match is not None:
                        requires.append(Requirement(rlabel or _describe(rspec), match, lo, hi))
            effect = self.parse_effect(spec["effect"][1], "effect(效果)") if "effect" in spec \
                else Effect(eligible=False)
            if effect is not None and window is not None:
                gates.append(Gate(name, label or name, tuple(requires), effect, veto, when or (), window))
        return gates

    def parse_triggers(self, node: Node) -> list[Trigger]:
        r = self.r
        triggers = []
        for name, (_, value) in (r.mapping(node, "triggers(通报条件)") or {}).items():
            spec = r.mapping(value, f"'{name}'", ("label", "below", "years", "match", "min_count", "window",
                                                  "levels", "effect"))
            if spec is None:
                continue
            label = r.text(spec["label"][1], "label") if "label" in spec else name
            effect = self.parse_effect(spec["effect"][1], "effect") if "effect" in spec else Effect()
            if ("below" in spec) == ("match" in spec):
                r.error(value, f"通报条件 '{name}' 需要 below(分数低于)或 match(记录达到件数)之一")
                continue
            if "below" in spec:
                for key in ("levels", "window", "min_count"):
                    if key in spec:
                        r.error(spec[key][0], f"通报条件 '{name}':{key} 只用于 match(记录达到件数)的通报条件")
                below = r.number(spec["below"][1], "below(低于)")
                years = r.integer(spec["years"][1], "years(连续年数)", minimum=1) if "years" in spec else 1
                if below is not None and years is not None and effect is not None:
                    triggers.append(Trigger(name, label or name, effect, below=below, years=years))
                continue
            match = self.parse_match(spec["match"][1], "match")
            window = r.choice(spec["window"][1], "window(统计范围)", TRIGGER_WINDOWS) if "window" in spec \
                else "period"
            levels: tuple[TriggerLevel, ...] = ()
            count: int | None = 1
            if "levels" in spec:
                for key in ("min_count", "effect"):
                    if key in spec:
                        r.error(spec[key][0], f"通报条件 '{name}' 写了 levels(分级),{key} 请写在每一级里")
                levels = self.parse_levels(spec["levels"][1], name)
                count = levels[0].min_count if levels else None
            elif "min_count" in spec:
                count = r.integer(spec["min_count"][1], "min_count", minimum=1)
            if match is not None and count is not None and window is not None and effect is not None:
                triggers.append(Trigger(name, label or name, effect, match=match, min_count=count, window=window,
                                        levels=levels))
        return triggers

    def parse_levels(self, node: Node, name: str) -> tuple[TriggerLevel, ...]:
        """An escalating sanction's levels, by ascending min_count: 1 → 书面通报批评, 2 → 撤销委员资格."""
        r = self.r
        levels: list[TriggerLevel] = []
        labels: set[str] = set()
        rows = r.sequence(node, f"通报条件 '{name}' 的 levels(分级)") or []
        for row in rows:
            spec = r.mapping(row, "一级", ("min_count", "label", "effect"), required=("min_count", "label"))
            if spec is None or "min_count" not in spec or "label" not in spec:
                continue
            count = r.integer(spec["min_count"][1], "min_count(达到几件)", minimum=1)
            label = r.text(spec["label"][1], "label(这一级的名称)")
            effect = self.parse_effect(spec["effect"][1], "effect") if "effect" in spec else Effect()
            if count is None or label is None or effect is None:
                continue
            if levels and count <= levels[-1].min_count:
                r.error(spec["min_count"][1], f"各级应按 min_count 从小到大排列且不重复:{count} 不大于 "
                                              f"{levels[-1].min_count}")
                continue
            if label in labels:
                r.error(spec["label"][1], f"级别名称 '{label}' 重复")
            labels.add(label)
            levels.append(TriggerLevel(count, label, effect))
        if not levels and rows:
            return ()
        if not rows:
            r.error(node, f"通报条件 '{name}' 的 levels 至少要有一级")
        return tuple(levels)

    # ---- grades
    def parse_grades(self, node: Node) -> list[Grade]:
        r = self.r
        grades: list[Grade] = []
        rows = r.sequence(node, "grades(等次)") or []
        specs = [r.mapping(row, "等次", ("name", "min", "when", "max_share"), required=("name",)) for row in rows]
        names = [r.text(spec["name"][1], "name") if spec is not None and "name" in spec else None for spec in specs]
        self.grade_names = [n for n in names if n is not None]
        last_min: Decimal | None = None
        for index, (row, spec, name) in enumerate(zip(rows, specs, names, strict=True)):
            if spec is None or "name" not in spec or name is None:
                continue
            if names.count(name) > 1 and names.index(name) != index:
                r.error(spec["name"][1], f"等次 '{name}' 重复")
            low = r.number(spec["min"][1], "min(分数下限,含)") if "min" in spec else None
            if "min" in spec and low is not None:
                if last_min is not None and low >= last_min:
                    r.error(spec["min"][1], f"等次应从高到低排列:{low} 不低于上一等次的 {last_min}")
                last_min = low
            if "min" not in spec and index != len(rows) - 1:
                r.error(row, f"只有最后一个等次可以不写 min(兜底等次);'{name}' 不是最后一个")
            when = self.parse_when(spec["when"][1], "when") if "when" in spec else ()
            limit = self.parse_share_limit(spec["max_share"][1]) if "max_share" in spec else None
            grades.append(Grade(name, low, when or (), limit))
        if grades and grades[-1].min is not None:
            r.error(node, f"最后一个等次('{grades[-1].name}')不应写 min,它接住其余所有对象")
        return grades

    def parse_share_limit(self, node: Node) -> ShareLimit | None:
        r = self.r
        spec = r.mapping(node, "max_share(比例上限)", ("share", "of", "round", "ties"), required=("share",))
        if spec is None or "share" not in spec:
            return None
        share = r.fraction(spec["share"][1], "share(比例)")
        if share is not None and not 0 < share <= 1:
            r.error(spec["share"][1], f"比例应在 0 与 1 之间,得到 {share}")
            return None
        of = self.parse_when(spec["of"][1], "of(分母范围)") if "of" in spec else ()
        rnd = r.choice(spec["round"][1], "round(取整方式)", COUNT_ROUNDINGS) if "round" in spec else "floor"
        ties = r.choice(spec["ties"][1], "ties(并列处理)", TIE_POLICIES) if "ties" in spec else "none"
        if share is None or of is None or rnd is None or ties is None:
            return None
        return ShareLimit(share, of, rnd, ties)

    # ---- periods
    def parse_periods(self, node: Node) -> dict[str, tuple[Node, dict[str, tuple[Node, Node]]]]:
        raw: dict[str, tuple[Node, dict[str, tuple[Node, Node]]]] = {}
        for name, (key, value) in (self.r.mapping(node, "periods(考评周期)") or {}).items():
            spec = self.r.mapping(value, f"周期 '{name}'", ("label", "from", "to", "combine", "parts"))
            if spec is not None:
                raw[name] = (value, spec)
        if not raw and not self.r.errors:
            self.r.error(node, "至少需要一个考评周期")
        return raw  # type: ignore[return-value]

    def resolve_periods(self, raw: Any, year: int, node: Node) -> dict[str, Period]:
        r = self.r
        periods: dict[str, Period] = {}
        for name, (value, spec) in raw.items():
            label = r.text(spec["label"][1], "label") if "label" in spec else name
            if "combine" in spec:
                combine = r.choice(spec["combine"][1], "combine(合成方式)", ("weighted", "mean"))
                if "parts" not in spec or "from" in spec or "to" in spec:
                    r.error(value, f"周期 '{name}':合成周期写 combine 和 parts,不写 from/to")
                    continue
                parts: list[tuple[str, Fraction]] = []
                pnode = spec["parts"][1]
                if combine == "weighted":
                    for pname, (pkey, pval) in (r.mapping(pnode, "parts(各部分权重)") or {}).items():
                        w = r.fraction(pval, f"'{pname}' 的权重")
                        if w is not None:
                            parts.append((pname, w))
                    if parts and sum(w for _, w in parts) != 1:
                        r.error(pnode, f"权重之和应为 1,现为 {sum(w for _, w in parts)}")
                elif combine == "mean":
                    for pn in r.sequence(pnode, "parts(参与平均的周期)") or []:
                        part = r.text(pn, "周期名")
                        if part is not None:
                            parts.append((part, Fraction(1)))
                for pname, _ in parts:
                    if pname not in raw or "combine" in raw[pname][1]:
                        r.error(pnode, f"'{pname}' 不是一个有起止日期的周期")
                if combine is not None and parts:
                    n = len(parts)
                    if combine == "mean":
                        parts = [(p, Fraction(1, n)) for p, _ in parts]
                    periods[name] = Period(name, label or name, combine=combine, parts=tuple(parts))
                continue
            if "from" not in spec or "to" not in spec:
                r.error(value, f"周期 '{name}' 需要 from 和 to(如 01-01、06-30)")
                continue
            start = self.month_day(spec["from"][1], year)
            end = self.month_day(spec["to"][1], year)
            if start and end and start > end:
                r.error(spec["to"][1], f"周期 '{name}' 的结束日早于开始日")
            if start and end:
                periods[name] = Period(name, label or name, start, end)
        return periods

    def month_day(self, node: Node, year: int) -> dt.date | None:
        raw = self.r.text(node, "日期")
        m = _MONTH_DAY.fullmatch(raw or "")
        if m:
            try:
                return dt.date(year, int(m.group(1)), int(m.group(2)))
            except ValueError:
                pass
        if raw is not None:
            self.r.error(node, f"应为 月-日(如 06-30),得到 '{raw}'")
        return None

    # ---- rankings, tie-break, awards, exclusions
    def parse_rankings(self, node: Node) -> tuple[Ranking, ...]:
        r = self.r
        out = []
        for name, (_, value) in (r.mapping(node, "rankings(排名)") or {}).items():
            spec = r.mapping(value, f"排名 '{name}'", ("label", "by"))
            if spec is None:
                continue
            by = r.choice(spec["by"][1], "by(分组依据)", SUBJECT_ATTRIBUTES) if "by" in spec else None
            label = r.text(spec["label"][1], "label") if "label" in spec else name
            out.append(Ranking(name, label or name, by))
        return tuple(out)

    def parse_tie_break(self, node: Node, sections: list[Section]) -> tuple[TieKey, ...] | None:
        r = self.r
        keys = []
        items = {i.name for s in sections for i in s.items}
        for row in r.sequence(node, "tie_break(并列排序)") or []:
            if isinstance(row, ScalarNode):
                k = r.choice(row, "排序键", ("total", "id"))
                if k is not None:
                    keys.append(TieKey(k))
                continue
            spec = r.mapping(row, "排序键", ("section", "item"))
            if spec is None or len(spec) != 1:
                r.error(row, "排序键写 total、id,或 {section: 部分名}、{item: 条目名}")
                continue
            (by, (_, vnode)), = spec.items()
            name = r.text(vnode, by)
            known = [s.name for s in sections] if by == "section" else items
            if name is not None and name not in known:
                r.error(vnode, f"没有名为 '{name}' 的{'部分' if by == 'section' else '条目'}")
            elif name is not None:
                keys.append(TieKey(by, name))
        if not keys or keys[0].by != "total":
            r.error(node, "tie_break 的第一个键应为 total(总分)")
        if keys and keys[-1].by != "id":
            keys.append(TieKey("id"))
        return tuple(keys)

    def parse_quota(self, node: Node, what: str, per_unit: bool) -> Quota | None:
        r = self.r
        allowed = ("count", "share", "of", "round") + (("by",) if per_unit else ())
        spec = r.mapping(node, what, allowed, required=("by",) if per_unit else ())
        if spec is None:
            return None
        if ("count" in spec) == ("share" in spec):
            r.error(node, f"{what}需要 count(名额)或 share(比例)之一")
            return None
        count = r.integer(spec["count"][1], "count(名额)", minimum=0) if "count" in spec else None
        share = r.fraction(spec["share"][1], "share(比例)") if "share" in spec else None
        if share is not None and not 0 < share <= 1:
            r.error(spec["share"][1], f"比例应在 0 与 1 之间,得到 {share}")
        of = self.parse_when(spec["of"][1], "of(分母范围)") if "of" in spec else ()
        rnd = r.choice(spec["round"][1], "round(取整方式)", COUNT_ROUNDINGS) if "round" in spec else "floor"
        by = r.choice(spec["by"][1], "by(按何分组)", SUBJECT_ATTRIBUTES) if "by" in spec else None
        return Quota(count, share, of or (), rnd or "floor", by)

    def parse_awards(self, node: Node, gate_names: list[str], subject: str | None) -> list[Award]:
        r = self.r
        awards = []
        for name, (_, value) in (r.mapping(node, "awards(表彰)") or {}).items():
            spec = r.mapping(value, f"表彰 '{name}'", ("label", "honoree", "eligible", "quota", "per_unit", "ties"))
            if spec is None:
                continue
            honoree = self.parse_honoree(spec, subject) if "honoree" in spec else "subject"
            label = r.text(spec["label"][1], "label") if "label" in spec else name
            grades: tuple[str, ...] = ()
            gates: tuple[str, ...] = ()
            min_total = None
            when: tuple[AttrCond, ...] = ()
            if "eligible" in spec:
                e = r.mapping(spec["eligible"][1], "eligible(参评条件)", ("grades", "gates", "min_total", "when")) \
                    or {}
                if "grades" in e:
                    grades = tuple(g for g in (r.choice(n, "等次", self.grade_names)
                                               for n in r.seq_or_one(e["grades"][1])) if g)
                if "gates" in e:
                    gates = tuple(g for g in (r.choice(n, "基本要求", gate_names)
                                              for n in r.seq_or_one(e["gates"][1])) if g)
                if "min_total" in e:
                    min_total = r.number(e["min_total"][1], "min_total(最低总分)")
                if "when" in e:
                    when = self.parse_when(e["when"][1], "when") or ()
            quota = self.parse_quota(spec["quota"][1], "quota(名额)", False) if "quota" in spec else None
            per_unit = self.parse_quota(spec["per_unit"][1], "per_unit(各单位名额)", True) \
                if "per_unit" in spec else None
            ties = r.choice(spec["ties"][1], "ties(末位并列)", TIE_POLICIES) if "ties" in spec else "all_in"
            awards.append(Award(name, label or name, grades, gates, min_total, when, quota, per_unit,
                                ties or "all_in", honoree or "subject"))
        return awards

    def parse_honoree(self, spec: Mapping[str, tuple[Node, Node]], subject: str | None) -> str | None:
        """`honoree: enterprise_owner`: the award goes to the 企业主 of an enterprise of a branch, nominated by the
        镇党委; so only in a branches' rule file, and with no `ties` (no one is taken by score)."""
        r = self.r
        node = spec["honoree"][1]
        value = r.text(node, "honoree(受表彰者)")
        if value is None:
            return None
        if value not in HONOREES:
            hint = suggest(value, list(HONOREES))
            r.error(node, f"honoree(受表彰者):'{value}' 不可用,应为 "
                          + " 或 ".join(f"{k}({v})" for k, v in HONOREES.items())
                          + (f",是否想写 '{hint[0]}'?" if hint else ""))
            return None
        if value == "enterprise_owner" and subject is not None and subject != "branches":
            r.error(node, f"honoree: enterprise_owner 只能用于党支部的细则(subject: branches),本文件的考评对象是 {subject}")
            return None
        if value == "enterprise_owner" and "ties" in spec:
            r.error(spec["ties"][0], "授予企业主的表彰由镇党委研究推荐,不按得分取名额,不写 ties(末位并列)")
            return None
        return value

    def parse_membership(self, node: Node) -> Membership | None:
        """`membership: {partial: exclude | full | prorate, min_days: N}`: a member who served part of the period."""
        r = self.r
        spec = r.mapping(node, "membership(任职不满全期)", ("partial", "min_days"), required=("partial",))
        if spec is None or "partial" not in spec:
            return None
        partial = r.choice(spec["partial"][1], "partial(任职不满全期的处理)", PARTIAL_MODES)
        min_days = r.integer(spec["min_days"][1], "min_days(至少在任天数)", minimum=1) if "min_days" in spec \
            else None
        if partial == "exclude" and "min_days" in spec:
            r.error(spec["min_days"][0], "partial: exclude 时任职不满全期的都不参加考评,不写 min_days;"
                                         "“在任满 N 天的按全期考评”请写 partial: full, min_days: N")
            return None
        if partial is None or ("min_days" in spec and min_days is None):
            return None
        return Membership(partial, min_days)

    def parse_exclusions(self, node: Node) -> list[Exclusion]:
        out = []
        for name, (_, value) in (self.r.mapping(node, "exclusions(不参评表彰)") or {}).items():
            conds = self.parse_when(value, f"'{name}'")
            if conds is not None:
                out.append(Exclusion(name, conds))
        return out


def _describe(spec: Mapping[str, tuple[Node, Node]]) -> str:
    parts = []
    for key, (_, value) in spec.items():
        if isinstance(value, ScalarNode):
            parts.append(f"{key}={value.value}")
    return ",".join(parts)


def load_dir(directory: str | Path) -> dict[str, RuleSet]:
    """Every `*.yaml` in a directory, by file name; all errors of all files in one RuleError."""
    out: dict[str, RuleSet] = {}
    errors: list[str] = []
    for path in sorted(Path(directory).glob("*.yaml")):
        try:
            out[path.name] = load_ruleset(path)
        except RuleError as exc:
            errors.extend(exc.errors)
    if errors:
        raise RuleError(errors)
    return out

