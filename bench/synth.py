"""Synthetic 政府信息公开工作年度报告 with their ground truth.

Used by the benchmark, the tests and the example files. Everything here is invented: agency and
place names, prose and numbers. Nothing is copied from real reports; only the official template's
fixed wording (section titles, table row and column labels) is reproduced, because every real
report carries it.

API
---
``make_report(seed, generation=None) -> SynthReport``
    Deterministic for a seed. ``generation`` is "legacy", "2019" or "2021" (None: drawn from the seed).
``render_text(report, table_layout="cells", crawler_header=False, one_line_body=False) -> str``
``render_txt(report, table_layout="cells", crawler_header=False, one_line_body=False, encoding="utf-8") -> bytes``
    ``render_txt`` is ``render_text(...).encode(encoding)``.
``render_html(report) -> bytes`` (UTF-8 page with site chrome and real tables with rowspan/colspan)
``render_docx(report) -> bytes`` (python-docx, tables with merged cells)
``render_pdf(report) -> bytes`` (reportlab, CID font STSong-Light, A4, ~30 characters a line)

Ground truth (``SynthReport``): ``tables`` in the canonical summary format of
/work/shared/real-reports/eval/LABELING.md, ``paragraphs`` as (label, text) pairs whose text
occurs verbatim in every rendering (PDF: after removing whitespace and page footers),
``problems`` / ``improvements`` items (an enumerated paragraph contributes one item per
marker 一是/（1）/1.; a paragraph of that label without markers contributes one item),
``figures`` ({name, value, unit}: name is the phrase just before the number in the prose),
``themes`` (every “…” or 《…》 in the prose except the Regulation's own name).
"""
from __future__ import annotations

import html
import io
import math
import random
import re
from dataclasses import dataclass, field

GENERATIONS = ("legacy", "2019", "2021")
TXT_LAYOUTS = ("cells", "pipe", "pipe_noborder", "flat", "glued")

APP_COLUMNS = ["natural_person", "commercial", "research", "social_org", "legal_service", "other", "total"]
_HEAD_ROWS = ["new_received", "carried_over"]
_REFUSED = [
    "refused_state_secret", "refused_prohibited", "refused_security_stability", "refused_third_party",
    "refused_internal", "refused_process", "refused_enforcement_file", "refused_query",
]
_UNAVAILABLE = ["unavailable_not_held", "unavailable_needs_creation", "unavailable_unclear"]
_REJECTED = [
    "rejected_petition", "rejected_duplicate", "rejected_publication", "rejected_excessive",
    "rejected_confirmation",
]
_OTHER_2021 = ["other_no_correction", "other_no_fee", "other"]
RESULT_ROWS_2021 = ["granted", "partially_granted", *_REFUSED, *_UNAVAILABLE, *_REJECTED, *_OTHER_2021]
RESULT_ROWS_2019 = ["granted", "partially_granted", *_REFUSED, *_UNAVAILABLE, *_REJECTED, "other"]
APP_ROWS_2021 = [*_HEAD_ROWS, *RESULT_ROWS_2021, "total", "carried_forward"]
APP_ROWS_2019 = [*_HEAD_ROWS, *RESULT_ROWS_2019, "total", "carried_forward"]
REVIEW_FIELDS = ["maintained", "corrected", "other", "pending", "total"]
REVIEW_BLOCKS = ["review", "litigation_direct", "litigation_after_review"]

# Official template labels (fixed wording of the form, not report prose).
_ROW_LABELS = {
    "new_received": "一、本年新收政府信息公开申请数量",
    "carried_over": "二、上年结转政府信息公开申请数量",
    "granted": "（一）予以公开",
    "partially_granted": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "refused_state_secret": "1.属于国家秘密",
    "refused_prohibited": "2.其他法律行政法规禁止公开",
    "refused_security_stability": "3.危及“三安全一稳定”",
    "refused_third_party": "4.保护第三方合法权益",
    "refused_internal": "5.属于三类内部事务信息",
    "refused_process": "6.属于四类过程性信息",
    "refused_enforcement_file": "7.属于行政执法案卷",
    "refused_query": "8.属于行政查询事项",
    "unavailable_not_held": "1.本机关不掌握相关政府信息",
    "unavailable_needs_creation": "2.没有现成信息需要另行制作",
    "unavailable_unclear": "3.补正后申请内容仍不明确",
    "rejected_petition": "1.信访举报投诉类申请",
    "rejected_duplicate": "2.重复申请",
    "rejected_publication": "3.要求提供公开出版物",
    "rejected_excessive": "4.无正当理由大量反复申请",
    "rejected_confirmation": "5.要求行政机关确认或重新出具已获取信息",
    "other_no_correction": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other_no_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other": "3.其他",
    "total": "（七）总计",
    "carried_forward": "四、结转下年度继续办理",
}
_CAPTION = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
_LAW_NAMES = {"中华人民共和国政府信息公开条例", "条例", "政府信息公开条例"}
_CN = "一二三四五六七八九十"


@dataclass
class SynthReport:
    agency: str
    year: int
    generation: str  # legacy | 2019 | 2021
    tables: dict
    paragraphs: list[tuple[str, str]]
    problems: list[str]
    improvements: list[str]
    figures: list[dict]
    themes: list[str]
    title: str = ""
    sections: list[str] = field(default_factory=list)
    blocks: list[tuple] = field(default_factory=list)
    style: dict = field(default_factory=dict)
    seed: int = 0
    published: str = ""
    kind: str = ""

    def truth(self) -> dict:
        """The ground truth as a JSON-ready dict (what examples/expected.json stores)."""
        return {
            "agency": self.agency,
            "year": self.year,
            "generation": self.generation,
            "title": self.title,
            "is_report": True,
            "sections": list(self.sections),
            "tables": self.tables,
            "items": {"problems": len(self.problems), "improvements": len(self.improvements)},
            "problems": list(self.problems),
            "improvements": list(self.improvements),
            "paragraphs": [{"label": lab, "text": t} for lab, t in self.paragraphs],
            "figures": list(self.figures),
            "themes": list(self.themes),
        }


# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------

_P1 = "云桐柏枫梧榕杉楠蓉澜沁泓涟淇澄岚峪嵩岱崇璋琅瑞嘉康泰恒丰盛昌隆翠碧青苍玉金银铜雁鹤鹿凤麟芷兰荷菱蒲苇桂梓槐杏梨棠"
_P2 = "川溪源河泉湾塘阳山岭峰城州宁平安江浦坪林原台关口桥亭庄陂滩洲渡岗垣埠"
_Q2 = "桥铺集口湾店坊庄寨渡岗营堡屯塘坪埠"

# kind: (category, name template, self reference, topics, (licensing, punishment, coercion) scales,
#        application scale)
_KINDS: dict[str, tuple] = {
    "county_gov": ("gov", "{P}县人民政府", "我县",
                   ("财政预决算", "重大建设项目", "公共资源配置", "乡村振兴", "社会救助", "生态环境保护"),
                   (3000, 1500, 200), 1.0),
    "district_gov": ("gov", "{P}区人民政府", "我区",
                     ("财政预决算", "重大建设项目", "城市更新", "公共资源配置", "教育医疗", "营商环境"),
                     (5000, 2500, 300), 1.3),
    "city_gov": ("gov", "{P}市人民政府", "我市",
                 ("财政预决算", "重大建设项目", "国土空间规划", "公共资源配置", "社会保障", "生态环境保护"),
                 (20000, 8000, 900), 2.0),
    "town": ("town", "{P}县{Q}镇人民政府", "我镇",
             ("惠农补贴发放", "低保救助", "村务财务", "人居环境整治", "防汛防灾"), (60, 30, 5), 0.3),
    "street": ("town", "{P}区{Q}街道办事处", "我街道",
               ("老旧小区改造", "社区服务", "低保救助", "就业帮扶", "环境卫生整治"), (40, 60, 10), 0.4),
    "police": ("dept", "{P}{L}公安局", "我局",
               ("户籍办理", "出入境证件办理", "交通安全", "警情通报", "执法办案"), (15000, 9000, 800), 0.8),
    "education": ("dept", "{P}{L}教育局", "我局",
                  ("招生入学", "学生资助", "教育收费", "校园安全", "教师招聘"), (200, 20, 0), 0.6),
    "health": ("dept", "{P}{L}卫生健康委员会", "我委",
               ("医疗机构执业", "传染病防控", "基本公共卫生服务", "妇幼健康", "卫生监督"), (3000, 400, 20), 0.7),
    "tax": ("dept", "国家税务总局{P}{L}税务局", "我局",
            ("减税降费", "纳税服务", "税收优惠政策", "纳税信用评价", "办税指南"), (800, 600, 50), 0.5),
    "media": ("dept", "{P}{L}融媒体中心", "我中心",
              ("新闻报道", "重大活动宣传", "政策宣传", "新媒体矩阵建设", "应急广播"), (0, 0, 0), 0.1),
    "housing_fund": ("dept", "{P}市住房公积金管理中心", "我中心",
                     ("缴存提取政策", "个人住房贷款", "资金运行情况", "服务网点", "业务办理指南"), (0, 10, 0), 0.5),
    "market": ("dept", "{P}{L}市场监督管理局", "我局",
               ("食品安全抽检", "市场主体登记", "价格监督检查", "特种设备安全", "消费维权"), (12000, 2500, 300), 0.8),
    "environment": ("dept", "{P}{L}生态环境局", "我局",
                    ("环境质量", "建设项目环评审批", "排污许可", "环境执法", "污染防治"), (400, 300, 40), 0.9),
    "hrss": ("dept", "{P}{L}人力资源和社会保障局", "我局",
             ("就业创业", "社会保险", "人才招聘", "劳动保障监察", "技能培训"), (600, 60, 0), 0.7),
    "civil": ("dept", "{P}{L}民政局", "我局",
              ("社会救助", "养老服务", "社会组织登记", "婚姻登记", "殡葬管理"), (300, 20, 0), 0.5),
    "transport": ("dept", "{P}{L}交通运输局", "我局",
                  ("农村公路建设", "道路客运", "治理超限超载", "公交服务", "水路运输"), (2000, 1500, 200), 0.6),
    "land": ("dept", "{P}{L}自然资源和规划局", "我局",
             ("国土空间规划", "不动产登记", "土地供应", "征地补偿", "地质灾害防治"), (1500, 200, 20), 1.6),
    "agri": ("dept", "{P}{L}农业农村局", "我局",
             ("惠农政策", "农产品质量安全", "高标准农田建设", "乡村振兴项目", "动物防疫"), (500, 150, 10), 0.4),
    "medical_insurance": ("dept", "{P}{L}医疗保障局", "我局",
                          ("医保政策", "药品集中采购", "医保基金监管", "异地就医结算", "医疗救助"), (100, 40, 0), 0.4),
    "emergency": ("dept", "{P}{L}应急管理局", "我局",
                  ("安全生产", "防汛抗旱", "应急预案", "隐患排查治理", "自然灾害救助"), (150, 300, 30), 0.4),
}
_KIND_WEIGHTS = {
    "county_gov": 10, "district_gov": 9, "city_gov": 4, "town": 8, "street": 6, "police": 4, "education": 4,
    "health": 4, "tax": 3, "media": 3, "housing_fund": 2, "market": 4, "environment": 3, "hrss": 3,
    "civil": 3, "transport": 3, "land": 3, "agri": 2, "medical_insurance": 2, "emergency": 2,
}
_KIND_LIST = list(_KIND_WEIGHTS)
_KIND_CUM = []
_acc = 0
for _k in _KIND_LIST:
    _acc += _KIND_WEIGHTS[_k]
    _KIND_CUM.append(_acc)

_CAMPAIGNS = (
    "放管服", "一网通办", "最多跑一次", "互联网+政务服务", "双随机、一公开", "我为群众办实事", "政府开放日",
    "好差评", "跨省通办", "一件事一次办", "证照分离", "掌上办", "接诉即办", "民生实事", "阳光政务",
    "政策进万家", "数字政府", "一网统管", "政策找人", "局长走流程", "营商环境提升年", "政务公开日",
    "送政策上门", "免申即享", "网上办、就近办",
)
_SLOGANS = ("公开为常态、不公开为例外", "谁起草、谁解读", "应公开尽公开", "先审后发")


def _pick_kind(rng: random.Random) -> str:
    x = rng.random() * _acc
    for k, c in zip(_KIND_LIST, _KIND_CUM, strict=True):
        if x < c:
            return k
    return _KIND_LIST[-1]


# ---------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------

def _loguni(rng: random.Random, hi: float, lo: float = 1.0) -> int:
    if hi < lo:
        return 0
    return int(math.exp(rng.uniform(math.log(lo), math.log(hi + 1)))) if hi > 1 else int(lo)


def _allocate(rng: random.Random, n: int, weights: list[float]) -> list[int]:
    """Split n units over the weights (sampling for small n, proportional for large)."""
    k = len(weights)
    out = [0] * k
    if n <= 0:
        return out
    tot = sum(weights)
    if tot <= 0:
        out[0] = n
        return out
    if n <= 40:
        cum = []
        acc = 0.0
        for w in weights:
            acc += w
            cum.append(acc)
        for _ in range(n):
            x = rng.random() * acc
            i = 0
            while cum[i] <= x and i < k - 1:
                i += 1
            out[i] += 1
        return out
    rest = n
    for i, w in enumerate(weights):
        out[i] = int(n * w / tot)
        rest -= out[i]
    live = [i for i, w in enumerate(weights) if w > 0]
    for _ in range(rest):
        out[rng.choice(live)] += 1
    return out


_RESULT_BASE = {
    "granted": 5.0, "partially_granted": 1.2, "refused_state_secret": 0.05, "refused_prohibited": 0.12,
    "refused_security_stability": 0.05, "refused_third_party": 0.3, "refused_internal": 0.35,
    "refused_process": 0.35, "refused_enforcement_file": 0.2, "refused_query": 0.3,
    "unavailable_not_held": 3.0, "unavailable_needs_creation": 0.5, "unavailable_unclear": 0.4,
    "rejected_petition": 0.7, "rejected_duplicate": 0.45, "rejected_publication": 0.12,
    "rejected_excessive": 0.1, "rejected_confirmation": 0.12, "other_no_correction": 0.35,
    "other_no_fee": 0.04, "other": 0.6,
}


def _applications(rng: random.Random, generation: str, scale: float) -> dict:
    results = RESULT_ROWS_2021 if generation == "2021" else RESULT_ROWS_2019
    r = rng.random()
    zero_p = 0.28 + (0.3 if scale < 0.35 else 0.0)
    if r < zero_p:
        new_total = 0
    elif r < zero_p + 0.45:
        new_total = rng.randint(1, 15)
    elif r < 0.95:
        new_total = int(rng.randint(16, 80) * max(scale, 0.3))
    else:
        new_total = int(rng.randint(100, 600) * max(scale, 0.5))
    # applicant columns: natural persons dominate
    new = [0] * 6
    if new_total:
        share = rng.uniform(0.55, 1.0) if rng.random() < 0.7 else 1.0
        new[0] = max(0, round(new_total * share))
        rest = new_total - new[0]
        w = [0.0, 0.7, 0.05, 0.06, 0.12, 0.2]
        w = [x * (rng.random() < 0.6) for x in w]
        if sum(w) == 0:
            w[1] = 1.0
        alloc = _allocate(rng, rest, w)
        for i in range(1, 6):
            new[i] = alloc[i]
    carried = [0] * 6
    if rng.random() < 0.22:
        carried[0] = rng.randint(1, 4)
        if rng.random() < 0.3:
            carried[1] = rng.randint(1, 2)
    forward = [0] * 6
    if rng.random() < 0.25:
        for c in range(6):
            avail = new[c] + carried[c]
            if avail and rng.random() < (0.7 if c == 0 else 0.3):
                forward[c] = rng.randint(0, min(avail, 1 + avail // 8))
    handled = [new[c] + carried[c] - forward[c] for c in range(6)]
    # sparse per-report result weights
    weights = []
    for key in results:
        base = _RESULT_BASE[key] * (1.6 if (key == "other" and generation == "2019") else 1.0)
        keep = rng.random() < min(0.95, 0.25 + base * 0.6)
        weights.append(base * rng.uniform(0.2, 2.0) if keep else 0.0)
    if sum(weights) == 0:
        weights[0] = 1.0
    rows: dict[str, list[int]] = {k: [0] * 7 for k in (APP_ROWS_2021 if generation == "2021" else APP_ROWS_2019)}
    for c in range(6):
        # organisations get fewer kinds of outcome
        w = weights if c == 0 else [x if rng.random() < 0.6 else 0.0 for x in weights]
        if sum(w) == 0:
            w = weights
        alloc = _allocate(rng, handled[c], w)
        for key, v in zip(results, alloc, strict=True):
            rows[key][c] = v
        rows["new_received"][c] = new[c]
        rows["carried_over"][c] = carried[c]
        rows["carried_forward"][c] = forward[c]
        rows["total"][c] = handled[c]
    for row in rows.values():
        row[6] = sum(row[:6])
    return {"columns": list(APP_COLUMNS), "rows": rows}


def _review_block(rng: random.Random, n: int) -> list[int]:
    parts = _allocate(rng, n, [rng.uniform(0.5, 3), rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0, 1)])
    return [*parts, n]


def _review(rng: random.Random, apps_total: int) -> dict:
    big = apps_total > 60
    if rng.random() < (0.45 if big else 0.75):
        return {b: [0] * 5 for b in REVIEW_BLOCKS}
    hi = 12 if big else 4
    rv = rng.randint(1, hi) if rng.random() < 0.8 else 0
    ld = rng.randint(1, max(1, hi // 2)) if rng.random() < 0.45 else 0
    la = rng.randint(1, max(1, hi // 3)) if rng.random() < 0.25 else 0
    if rv == ld == la == 0:
        rv = 1
    return {"review": _review_block(rng, rv), "litigation_direct": _review_block(rng, ld),
            "litigation_after_review": _review_block(rng, la)}


def _amount(rng: random.Random, hi: float, digits: int = 2) -> int | float:
    if rng.random() < 0.55:
        return 0
    v = round(math.exp(rng.uniform(math.log(0.5), math.log(hi))), digits)
    return int(v) if v == int(v) else v


def _fmt_num(v) -> str:
    if isinstance(v, float):
        s = f"{v:.4f}".rstrip("0").rstrip(".")
        return s or "0"
    return str(v)


def _maybe(rng: random.Random, p: float, hi: int) -> int:
    return _loguni(rng, hi) if (hi > 0 and rng.random() < p) else 0


def _active_2021(rng: random.Random, kind: str, cat: str, scales: tuple) -> dict:
    lic, pun, coe = scales
    if kind == "city_gov" and rng.random() < 0.6:
        issued, repealed = rng.randint(0, 5), rng.randint(0, 2)
        regs = {"issued": issued, "repealed": repealed, "in_force": issued + rng.randint(3, 60)}
    else:
        regs = {"issued": 0, "repealed": 0, "in_force": 0}
    if kind == "media":
        norm = {"issued": 0, "repealed": 0, "in_force": 0}
    else:
        hi = {"gov": 30, "town": 3, "dept": 8}[cat]
        issued = _maybe(rng, 0.7, hi)
        repealed = _maybe(rng, 0.4, hi // 2 + 1)
        in_force = issued + (_loguni(rng, hi * 8) if rng.random() < 0.85 else 0)
        norm = {"issued": issued, "repealed": repealed, "in_force": in_force}
    return {
        "regulations": regs,
        "normative_documents": norm,
        "licensing": {"decisions": _maybe(rng, 0.75, lic)},
        "punishment": {"decisions": _maybe(rng, 0.7, pun)},
        "coercion": {"decisions": _maybe(rng, 0.5, coe)},
        "fees": {"amount": _amount(rng, 9000 if cat == "gov" else 800) if kind not in ("media", "town") else 0},
    }


def _active_2019(rng: random.Random, kind: str, cat: str, scales: tuple) -> dict:
    lic, pun, coe = scales

    def block(hi_items: int, hi_dec: int) -> dict:
        prev = _maybe(rng, 0.7, hi_items)
        change = 0 if rng.random() < 0.7 else rng.randint(-min(prev, 5), 5)
        return {"previous": prev, "change": change, "decisions": _maybe(rng, 0.7, hi_dec) if prev or change else 0}

    def docs(hi: int) -> dict:
        made = _maybe(rng, 0.6, hi)
        pub = made if rng.random() < 0.85 else rng.randint(0, made)
        return {"new_made": made, "new_published": pub,
                "total_published": pub + (_loguni(rng, hi * 8) if rng.random() < 0.8 else 0)}

    regs = docs(5) if (kind == "city_gov" and rng.random() < 0.6) else {
        "new_made": 0, "new_published": 0, "total_published": 0}
    norm = docs({"gov": 30, "town": 3, "dept": 8}[cat]) if kind != "media" else {
        "new_made": 0, "new_published": 0, "total_published": 0}
    fees_prev = _maybe(rng, 0.4, 20)
    proj = _maybe(rng, 0.5, 40 if cat == "gov" else 8)
    return {
        "regulations": regs,
        "normative_documents": norm,
        "licensing": block(120 if lic else 0, lic),
        "other_services": block(60 if lic else 0, lic // 2),
        "punishment": block(300 if pun else 0, pun),
        "coercion": block(40 if coe else 0, coe),
        "fees": {"previous": fees_prev, "change": 0 if rng.random() < 0.8 else rng.randint(-min(fees_prev, 2), 2)},
        "procurement": {"projects": proj, "amount": _amount(rng, 5000, 4) if proj else 0},
    }


def _legacy_stats(rng: random.Random, year: int, active_total: int, scale: float, style: dict) -> tuple[list, dict]:
    years_before = year - 2008
    prior = lambda hi: _loguni(rng, hi * max(years_before, 0)) if years_before else 0  # noqa: E731
    norm = rng.randint(0, max(1, active_total // 12)) if rng.random() < 0.75 else 0
    recv = 0 if rng.random() < 0.4 else _loguni(rng, 30 * scale + 2)
    chan = _allocate(rng, recv, [rng.uniform(0.2, 1.5), rng.uniform(0.5, 2.0), rng.uniform(0, 0.8)])
    ans_parts = _allocate(rng, recv, [rng.uniform(1, 3), rng.uniform(0, 0.8), rng.uniform(0, 0.6), rng.uniform(0, 1.2)])
    rv = rng.randint(1, 3) if rng.random() < 0.12 else 0
    lt = rng.randint(1, 2) if rng.random() < 0.08 else 0
    fee = 0 if rng.random() < 0.85 else round(rng.uniform(0.01, 0.6), 2)
    p_chan = [prior(8), prior(12), prior(3)]
    p_ans = _allocate(rng, sum(p_chan), [2, 0.5, 0.4, 0.8])
    p_active = prior(active_total + 50)
    p_norm = prior(norm + 2) if norm or rng.random() < 0.5 else 0
    rows = [
        ("主动公开政府信息数", "条", active_total, active_total + p_active),
        ("其中：主动公开规范性文件数", "条", norm, norm + p_norm),
    ]
    if rng.random() < 0.5:
        n = rng.randint(0, 25)
        rows.append(("回应公众关注热点或重大舆情数" if year >= 2014 else "制发规范性文件总数",
                     "次" if year >= 2014 else "件", n, n + prior(20)))
    rows += [
        ("受理政府信息公开申请总数", "件", recv, recv + sum(p_chan)),
        ("其中：当面申请数", "件", chan[0], chan[0] + p_chan[0]),
        ("网络申请数" if style["legacy_net"] else "网上申请数", "件", chan[1], chan[1] + p_chan[1]),
        ("信函申请数" if style["legacy_mail"] else "信函、传真申请数", "件", chan[2], chan[2] + p_chan[2]),
        ("对申请的答复总数", "件", recv, recv + sum(p_chan)),
        ("其中：同意公开答复数", "件", ans_parts[0], ans_parts[0] + p_ans[0]),
        ("同意部分公开答复数", "件", ans_parts[1], ans_parts[1] + p_ans[1]),
        ("不同意公开答复数", "件", ans_parts[2], ans_parts[2] + p_ans[2]),
        ("信息不存在数", "件", ans_parts[3], ans_parts[3] + p_ans[3]),
        ("因政府信息公开申请行政复议数", "件", rv, rv + (prior(1) if rng.random() < 0.3 else 0)),
        ("因政府信息公开申请提起行政诉讼数", "件", lt, lt + (prior(1) if rng.random() < 0.2 else 0)),
        ("收取费用总额", "万元", fee, round(fee + (round(rng.uniform(0, 1.5), 2) if rng.random() < 0.3 else 0), 2)),
    ]
    if rng.random() < 0.4:
        n = rng.randint(1, 6)
        rows.append(("举办政府信息公开培训班数", "次", n, n + prior(3)))
    stats = []
    for ind, unit, this, cum in rows:
        if isinstance(cum, float) and cum == int(cum):
            cum = int(cum)
        if isinstance(this, float) and this == int(this):
            this = int(this)
        stats.append({"indicator": ind, "unit": unit, "this_year": this, "cumulative": cum})
    nums = {"active_total": active_total, "norm": norm, "recv": recv, "f2f": chan[0], "net": chan[1],
            "mail": chan[2], "ans": recv, "agree": ans_parts[0], "part": ans_parts[1], "deny": ans_parts[2],
            "none": ans_parts[3], "rv": rv, "lt": lt, "fee": int(fee) if fee == int(fee) else fee}
    return stats, nums


# ---------------------------------------------------------------------------------------------
# Prose bank (all sentences written for this generator)
# ---------------------------------------------------------------------------------------------

_PREAMBLE = (
    "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）第五十条的规定编制。",
    "依据《中华人民共和国政府信息公开条例》（以下简称《条例》）和上级关于做好年度报告编制工作的要求，{office}编制了本报告。",
    "本报告根据《中华人民共和国政府信息公开条例》的有关规定，结合{A}工作实际编制而成。",
)
_PREAMBLE_TAIL = (
    "报告内容包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。",
    "本报告所列数据的统计期限为{year}年1月1日至{year}年12月31日。",
    "报告电子版可在{site}查阅和下载。",
)
_PREAMBLE_CONTACT = (
    "如对本报告有疑问，请与{office}联系（地址：{addr}；邮编：{zip}；电话：{phone}）。",
    "对本报告如有意见或建议，可通过{phone}与{office}联系。",
)
_LEGACY_PREAMBLE = (
    "本报告是根据《中华人民共和国政府信息公开条例》的要求，由{office}编制的{A}{year}年度政府信息公开工作年度报告。",
    "根据《中华人民共和国政府信息公开条例》（以下简称《条例》）的规定，现公布{A}{year}年度政府信息公开工作年度报告。",
)
_LEGACY_PREAMBLE_TAIL = (
    "全文由概述，主动公开政府信息情况，依申请公开政府信息情况，政府信息公开的收费及减免情况，因政府信息公开申请行政复议、提起行政诉讼的情况，存在的主要问题及改进措施，以及附表组成。",
    "本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。",
    "如对本报告有任何疑问，请与{office}联系（电话：{phone}）。",
)

_OVERVIEW_INTRO = (
    "{year}年，{we}坚持以人民为中心，认真贯彻《条例》和上级关于政务公开工作的部署，围绕{d1}、{d2}等重点工作，推进决策、执行、管理、服务、结果公开，政府信息公开工作总体平稳有序。",
    "{year}年，在{upper}的统一部署下，{A}把政府信息公开作为推进依法行政的重要抓手，健全工作机制，丰富公开载体，信息公开的及时性和实用性有了新的提高。",
    "{year}年度，{we}紧扣年度政务公开工作要点，逐项列出任务清单，明确责任科室和完成时限，以公开促落实、以公开优服务，各项任务均按期完成。",
    "这一年，{we}结合{d1}工作实际，在规范公开内容、优化公开渠道、提升回应质量三个方面持续用力，政务公开工作质效稳步提升。",
    "{year}年，{we}将政务公开纳入全年重点工作统筹谋划，主要负责同志多次听取专题汇报，分管负责同志具体抓、办公室牵头协调、各科室分工落实的工作格局进一步巩固。",
    "{year}年，{we}对照《条例》规定和年度工作要点，聚焦群众办事创业的实际需求，推动{d1}、{d2}、{d3}等领域信息应公开尽公开，政务公开标准化规范化水平不断提升。",
    "一年来，{we}在{upper}的指导下，把政务公开与{d1}工作同部署、同推进、同考核，以透明促规范、以公开增信任，较好地完成了全年各项工作任务。",
    "{year}年，{we}着眼于提升公信力和执行力，进一步理顺政务公开工作机制，完善信息发布、政策解读、回应关切的衔接流程，公开工作的系统性和规范性明显增强。",
)
_OVERVIEW_EXTRA = (
    "全年未发生因信息公开不及时、不准确引发的投诉和泄密事件。",
    "通过持续努力，群众对{we}政务公开工作的满意度进一步提高。",
    "各项工作既注重常态化推进，也注重围绕{camp1}等重点任务集中发力。",
)

_SUB_HEADS = {
    "active": ("主动公开情况", "主动公开", "主动公开方面", "坚持应公开尽公开，做好主动公开工作", "聚焦重点领域，深化主动公开"),
    "apply": ("依申请公开情况", "依申请公开", "依申请公开方面", "规范办理流程，做好依申请公开"),
    "manage": ("政府信息管理情况", "政府信息管理", "政府信息管理方面", "健全管理制度，加强信息管理"),
    "platform": ("政府信息公开平台建设情况", "平台建设", "政府信息公开平台建设方面", "优化公开渠道，强化平台建设"),
    "supervise": ("监督保障情况", "监督保障", "政府信息公开监督保障方面", "强化监督考核，夯实工作保障"),
}

_ACTIVE_S = (
    "{we}严格落实{slogan}的原则，对拟制发的文件逐件明确公开属性，做到应公开的及时公开。",
    "围绕{d1}、{d2}等群众关注事项，{we}及时更新公开目录，细化公开内容，方便群众查询。",
    "财政预算、决算和三公经费等信息均按规定时限在{site}集中公开。",
    "对涉及群众切身利益的政策文件，坚持文件与解读材料同步起草、同步审签、同步发布。",
    "我们注重政策发布后的跟踪解读，邀请业务科室负责人通过{plat1}等渠道讲解政策要点。",
    "对社会关注度高的{d2}事项，{we}通过发布会、答问、图解等多种形式主动发声，及时回应群众关切。",
    "在公开过程中坚持先审核后发布，涉及个人隐私和商业秘密的内容一律作去标识化处理。",
    "结合{camp1}工作，{we}将办事指南、收费标准、办理时限等服务信息在网上集中公开。",
    "{we}建立重点工作进展定期发布机制，按季度公开{d1}等工作的推进情况。",
    "在{d3}方面，及时公开相关政策依据、办理程序和结果，主动接受社会监督。",
    "对规划计划、项目审批、政府采购等信息，{we}按照“谁制作、谁公开”的要求落实公开责任。",
    "在{d1}领域，{we}细化公开标准，做到办事依据、办理流程、办理结果全过程公开。",
    "对行政许可、行政处罚等执法信息，严格按照规定时限在网上公示。",
    "主动公开的信息均标注发布日期和信息来源，方便公众核对。",
    "对群众反映集中的{d2}问题，及时发布权威信息，澄清不实传言。",
)
_ACTIVE_F = (
    ("全年通过{site}主动公开政府信息{active_total}条。", (("主动公开政府信息", "active_total", "条"),)),
    ("{year}年共主动公开各类政府信息{active_total}条，内容涵盖{d1}、{d2}、机构职能等方面。",
     (("主动公开各类政府信息", "active_total", "条"),)),
    ("本年度累计发布政务信息{active_total}条，均做到按时更新、内容准确。", (("发布政务信息", "active_total", "条"),)),
    ("当年主动公开信息{active_total}条，较好地满足了群众的知情需求。", (("主动公开信息", "active_total", "条"),)),
)
_ACTIVE_OPT_F = (
    ("围绕新出台的政策文件，制作发布政策解读{interp}篇，图解、视频等形式的解读明显增多。",
     (("政策解读", "interp", "篇"),)),
    ("全年召开新闻发布会{press}场，就{d1}等热点问题回答记者提问。", (("新闻发布会", "press", "场"),)),
    ("通过{plat1}推送各类信息{wx}条，关注人数稳步增长。", (("推送各类信息", "wx", "条"),)),
    ("回应网民留言和群众咨询{resp}条，回复率100%。",
     (("回应网民留言和群众咨询", "resp", "条"), ("回复率", "hundred", "%"))),
)
_APPLY_S = (
    "{we}进一步规范依申请公开的登记、审核、答复、归档等环节，确保每件申请都在法定期限内办结。",
    "对内容复杂的申请，由办公室组织相关科室会商研判，必要时征求法律顾问意见，提高答复的准确性。",
    "我们畅通当面、信函、网络等申请渠道，在{site}公布申请指南和受理机构的联系方式。",
    "答复前与申请人加强沟通，了解其真实需求，尽量用群众看得懂的方式说明答复依据。",
    "对于不属于政府信息公开范围的咨询和投诉，{we}耐心告知申请人通过其他合法渠道反映诉求。",
    "建立依申请公开办理台账，实行一件一档，做到受理、办理、答复全过程可追溯。",
    "对需要申请人补正的事项，做到一次性告知，避免申请人多次往返。",
)
_MANAGE_S = (
    "{we}严格执行信息发布三级审核制度，由经办人初审、科室负责人复审、分管负责同志终审后方可对外发布。",
    "对照上级部署，{we}对现行有效的规范性文件开展集中清理，并及时公开清理结果。",
    "完善政府信息公开目录和公开指南，根据职能变化动态调整主动公开基本目录。",
    "强化保密审查，明确信息公开前的保密审查责任，全年未发生泄密事件。",
    "建立政策文件库，将本机关制发的规范性文件分类汇编，提供全文检索服务。",
    "对已公开的信息定期开展自查，对过时、失效的信息及时标注或调整。",
    "在发文稿纸中增设公开属性栏目，从源头上规范公文公开属性认定。",
    "落实政府信息公开工作台账管理，对申请登记、答复、送达等环节全程留痕。",
    "对拟公开信息实行公开属性动态管理，依申请公开较多的信息及时转为主动公开。",
    "明确各科室信息报送职责，实行信息员制度，确保信息来源渠道畅通。",
)
_PLATFORM_S = (
    "{site}是{we}发布政府信息的第一平台，全年对政府信息公开专栏进行了两轮栏目优化。",
    "{we}依托{plat1}、{plat2}等新媒体平台，第一时间推送政策文件和办事提醒。",
    "加强政务新媒体规范管理，对更新慢、互动差的账号及时整改，确保账号安全运行。",
    "在{hall}设置政务公开专区，提供政策咨询、信息查阅、意见收集等服务。",
    "结合{camp2}，将高频事项的办事指南和表格下载集中在专栏展示。",
    "开通{hotline}咨询热线，由专人负责接听和转办群众咨询。",
    "对{site}的无障碍浏览、智能问答等功能进行升级，提升用户使用体验。",
    "依托{plat1}开设政策问答专栏，围绕{d1}等事项集中答疑。",
)
_PLATFORM_GOV_S = (
    "推动政务公开向基层延伸，依托村（社区）公开栏和电子显示屏同步发布惠民政策。",
)
_SUPERVISE_S = (
    "{we}调整充实政务公开工作领导小组，明确一名分管负责同志和专职人员具体负责。",
    "将政务公开工作纳入年度目标考核，考核结果与评先评优挂钩。",
    "邀请人大代表、政协委员和群众代表对政务公开工作进行评议，虚心听取意见建议。",
    "建立健全社会评议和责任追究制度，对公开工作中发现的问题及时督促整改。",
    "定期对下属单位政务公开情况开展检查，发现问题及时通报并跟踪整改。",
    "主要负责同志定期听取政务公开工作汇报，研究解决工作中遇到的困难和问题。",
    "将政务公开培训纳入干部教育培训计划，新入职人员岗前必学《条例》。",
    "自觉接受上级主管部门的督查指导，对第三方评估中指出的问题逐项整改。",
)
_SUPERVISE_F = (
    ("全年组织政务公开专题培训{train}次，参训人员覆盖各科室和下属单位。", (("政务公开专题培训", "train", "次"),)),
    ("开展政务公开专项检查{check}次，问题均已整改到位。", (("政务公开专项检查", "check", "次"),)),
)

_PROBLEMS = (
    "政策解读的形式还比较单一，图表、音视频等直观易懂的解读方式运用得不多",
    "部分栏目内容更新不够及时，个别信息发布后缺少后续跟踪",
    "工作人员多为兼职，对《条例》条款的理解和把握还不够精准",
    "依申请公开答复文书的规范性还需进一步加强",
    "主动公开的深度和广度还有欠缺，与群众的期待相比仍有差距",
    "政务新媒体的互动功能发挥不够，对网民留言的回应不够及时",
    "基层政务公开标准化规范化建设推进还不够平衡",
    "政策发布、解读与回应之间的衔接还不够紧密",
    "公开信息的动态调整机制尚不健全，部分过期信息清理不够及时",
    "公众参与渠道不够畅通，意见征集后的采纳情况反馈不够",
    "对下属单位政务公开工作的业务指导和监督检查力度不够",
    "政务公开与政务服务融合不够深入，线上线下协同有待加强",
    "信息发布前的审核把关还不够严格，偶有文字差错",
    "重点领域信息公开的精细化程度不高，数据类信息公开偏少",
    "工作人员变动较频繁，业务衔接存在断档现象",
    "政府信息公开工作的宣传力度不够，社会公众知晓度不高",
    "网站栏目设置还不够科学，群众查找信息不够便捷",
    "政府信息公开工作经费和技术保障相对不足",
)
_IMPROVEMENTS = (
    "丰富政策解读形式，综合运用图文、动漫、短视频等方式，提高政策的知晓度和理解度",
    "建立栏目更新台账，落实专人定期巡查，确保信息发布及时、准确、完整",
    "定期组织业务培训，深入学习《条例》及配套制度，提升工作人员的业务素养",
    "规范依申请公开办理流程，完善答复文书模板，切实提高答复质量",
    "聚焦群众关注的热点难点，拓展公开内容，推动重点领域信息应公开尽公开",
    "加强政务新媒体管理，及时回复网民留言，提升互动交流效果",
    "加强对下属单位的业务指导和督促检查，推动基层政务公开均衡发展",
    "健全政策发布、解读、回应联动机制，做到政策发布与解读同步进行",
    "定期开展公开信息自查清理，对过时失效的信息及时调整",
    "拓宽公众参与渠道，认真做好意见征集的采纳反馈工作",
    "推动政务公开与政务服务深度融合，优化线上线下服务体验",
    "严格执行信息发布审核制度，坚持先审核后发布，杜绝差错",
    "加强数据类信息公开，以图表等形式直观展示工作进展和成效",
    "配齐配强工作人员，保持队伍相对稳定，做好业务交接",
    "加大政府信息公开宣传力度，引导公众依法获取政府信息",
    "优化网站栏目设置，完善站内检索功能，方便群众查找信息",
    "积极争取工作经费和技术支持，提升信息化保障水平",
    "将政务公开工作纳入绩效考核，强化考核结果运用",
)
_PROBLEM_INTRO = (
    "{year}年，{we}政府信息公开工作虽然取得了一定成效，但仍存在一些不足：",
    "对照上级要求和群众期盼，{we}的政务公开工作还存在以下问题：",
    "在总结成绩的同时，我们也清醒地看到，工作中还存在一些薄弱环节：",
    "当前，{we}政府信息公开工作还存在一些问题，主要表现在：",
)
_PROBLEM_SINGLE = (
    "{we}的政务公开工作还存在不足，主要是{item}。",
    "工作中存在的主要问题是{item}。",
)
_IMPROVE_INTRO = (
    "下一步，{we}将重点做好以下几项工作：",
    "针对上述问题，{we}将从以下方面加以改进：",
    "{next}年，{we}将着力抓好以下工作：",
    "为进一步做好政府信息公开工作，{we}将采取以下措施：",
)
_IMPROVE_SINGLE = (
    "下一步，{we}将{item}。",
    "针对上述问题，{we}将{item}，不断提升政务公开工作水平。",
)
_RECTIFY_INTRO = (
    "针对上年度报告中提出的问题，{we}逐项制定整改措施并已落实到位：",
    "对上一年度发现的问题，{we}认真抓好整改：",
)

_OTHER_NONE = ("无。", "本年度无其他需要报告的事项。", "无其他需要报告的事项。")
_OTHER_FEE_ZERO = (
    "本年度{we}未收取信息处理费。",
    "{year}年，{we}未向政府信息公开申请人收取信息处理费。",
    "{year}年度，{we}办理政府信息公开申请均未收取费用。",
)
_OTHER_FEE = (
    ("按照国家有关信息处理费的规定，{we}本年度收取信息处理费{fee_yuan}元。",
     (("收取信息处理费", "fee_yuan", "元"),)),
)
_OTHER_PROPOSALS = (
    ("{year}年，{we}承办人大代表建议{na}件、政协委员提案{nb}件，均已按期办结，办理复文已按规定公开。",
     (("人大代表建议", "na", "件"), ("政协委员提案", "nb", "件"))),
)
_OTHER_TASKS = (
    "{we}对照上级年度政务公开工作要点，逐项细化任务分工，各项任务均已落实。",
)

_LEGACY_OVERVIEW = (
    "{year}年，{we}认真贯彻《条例》，按照{upper}的工作部署，以制度建设为基础，以公开目录为依托，扎实推进政府信息公开工作。",
    "为确保政府信息公开工作落到实处，{we}成立了由主要负责同志任组长的政府信息公开工作领导小组，领导小组办公室设在{office}，负责日常工作。",
    "{we}先后制定了保密审查、依申请公开办理、信息发布协调等工作制度，工作流程不断规范。",
    "按照上级要求，{we}对所掌握的政府信息进行了全面梳理，编制完成政府信息公开指南和公开目录，并根据职能调整及时更新。",
    "一年来，{we}把政府信息公开作为转变工作作风、提高行政效能的重要措施，做到有部署、有检查、有落实。",
    "{we}注重把政府信息公开与{d1}等中心工作结合起来，做到公开与业务同步推进。",
)
_LEGACY_ACTIVE_S = (
    "公开的内容主要包括机构职能、政策法规、规划计划、{d1}、{d2}、人事任免等。",
    "主动公开的形式以政府网站为主，同时通过政府公报、公开栏、新闻媒体等途径发布。",
    "在{archive}和公共图书馆设立政府信息查阅场所，方便公众就近查阅。",
    "对涉及群众切身利益的事项，{we}在作出决定前通过网站公开征求意见。",
    "依托{plat1}，{we}及时发布工作动态和便民信息。",
    "{we}在办公场所设立信息公开栏，定期更新公开内容。",
    "通过新闻发布会、报刊、广播电视等方式扩大公开信息的覆盖面。",
    "政府信息公开指南和公开目录可在{site}查阅。",
)
_LEGACY_ACTIVE_F = (
    ("{year}年，{we}共主动公开政府信息{active_total}条，其中规范性文件{norm}条。",
     (("主动公开政府信息", "active_total", "条"), ("规范性文件", "norm", "条"))),
    ("全年累计主动公开政府信息{active_total}条，其中规范性文件{norm}条。",
     (("主动公开政府信息", "active_total", "条"), ("规范性文件", "norm", "条"))),
)
_LEGACY_PARTS = (
    ("加强组织领导", (
        "{we}将政府信息公开工作列入重要议事日程，主要负责同志亲自过问，分管负责同志具体负责。",
        "各科室确定一名信息联络员，形成了上下联动、分工明确的工作网络。",
        "年初制定工作计划，明确公开重点和完成时限，年中开展督促检查。",
    )),
    ("完善制度建设", (
        "{we}修订完善了政府信息发布审核、保密审查、依申请公开办理等制度。",
        "建立信息公开工作考核办法，把公开工作纳入年度目标管理。",
        "对公开工作中出现的问题，实行责任倒查，确保各项制度落到实处。",
    )),
    ("规范公开目录", (
        "{we}按照统一的分类标准，对公开目录进行了调整完善。",
        "根据机构职能变化，及时更新政府信息公开指南中的受理机构、联系方式等内容。",
        "对新产生的政府信息，做到随时产生、随时登记、随时公开。",
    )),
    ("加强保密审查", (
        "{we}坚持“先审查、后公开”和“一事一审”的原则，明确保密审查的责任和程序。",
        "对拟公开的信息，由承办科室初审、办公室复核，确保公开信息不涉及国家秘密。",
        "全年未发生因公开政府信息引发的泄密事件。",
    )),
    ("推进重点领域信息公开", (
        "围绕{d1}、{d2}等群众关心的事项，{we}加大信息公开力度。",
        "对涉及民生的资金分配、项目安排等信息，做到及时、完整公开。",
        "{we}按照上级统一部署，按时公开部门预算和决算。",
    )),
    ("做好政策解读和回应关切", (
        "对出台的重要政策，{we}通过答记者问、政策问答等形式进行解读。",
        "对群众来信来电中反映集中的{d1}问题，及时通过网站和媒体作出回应。",
        "{we}建立了舆情收集研判机制，做到早发现、早研判、早回应。",
    )),
)
_LEGACY_APPLY_S = (
    "{we}明确了依申请公开的受理机构，规范了申请登记、审核、答复等流程。",
    "对每一件申请均做到了登记、审核、答复全程留痕。",
)
_LEGACY_FEE_ZERO = (
    "{year}年，{we}在依申请提供政府信息过程中未收取任何费用，也未发生费用减免情况。",
    "本年度未收取政府信息公开相关费用，无减免情况。",
)
_LEGACY_FEE = (
    ("{year}年，{we}依申请提供政府信息共收取检索、复制、邮寄等费用{fee}万元，对符合条件的申请人依法减免了相关费用。",
     (("收取检索、复制、邮寄等费用", "fee", "万元"),)),
)


# ---------------------------------------------------------------------------------------------
# Report assembly
# ---------------------------------------------------------------------------------------------

class _Doc:
    def __init__(self, rng: random.Random, ctx: dict, nums: dict):
        self.rng = rng
        self.ctx = ctx
        self.nums = nums
        self.blocks: list[tuple] = []
        self.figures: list[dict] = []
        self.problems: list[str] = []
        self.improvements: list[str] = []
        self.sections: list[str] = []

    def fmt(self, template: str, **extra) -> str:
        if extra:
            return template.format_map({**self.ctx, **extra})
        return template.format_map(self.ctx)

    def fig(self, entry: tuple) -> str:
        template, figs = entry
        for name, key, unit in figs:
            self.figures.append({"name": name, "value": self.nums[key], "unit": unit})
        return self.fmt(template)

    def h1(self, text: str, kind: str | None) -> None:
        self.blocks.append(("h1", text))
        if kind:
            self.sections.append(kind)

    def h2(self, text: str) -> None:
        self.blocks.append(("h2", text))

    def p(self, label: str, text: str) -> None:
        self.blocks.append(("p", ((label, text),)))

    def spans(self, spans: list[tuple[str, str]]) -> None:
        self.blocks.append(("p", tuple(spans)))

    def table(self, key: str) -> None:
        self.blocks.append(("table", key))

    def line(self, text: str) -> None:
        self.blocks.append(("line", text))


def _enum(items: list[str], style: str) -> str:
    if len(items) == 1:
        return items[0] + "。"
    if style == "yishi":
        return "；".join(f"{_CN[i]}是{it}" for i, it in enumerate(items)) + "。"
    if style == "yishi_period":
        return "".join(f"{_CN[i]}是{it}。" for i, it in enumerate(items))
    if style == "paren":
        return "；".join(f"（{i + 1}）{it}" for i, it in enumerate(items)) + "。"
    return "；".join(f"{i + 1}.{it}" for i, it in enumerate(items)) + "。"


def _item_para(i: int, item: str, style: str) -> str:
    if style in ("yishi", "yishi_period"):
        return f"{_CN[i]}是{item}。"
    if style == "paren":
        return f"（{i + 1}）{item}。"
    return f"{i + 1}.{item}。"


def _problems_section(doc: _Doc, legacy: bool, generation: str) -> None:
    rng = doc.rng
    n_p = rng.choices((1, 2, 3, 4), (1, 5, 3.5, 0.5))[0]
    n_i = rng.choices((1, 2, 3, 4), (0.5, 3, 4.5, 2))[0]
    pool = list(_IMPROVEMENTS)
    rng.shuffle(pool)
    probs = rng.sample(_PROBLEMS, n_p)
    imps = pool[:n_i]
    style = rng.choice(("yishi", "yishi", "yishi_period", "paren", "arabic"))

    def prob_text() -> str:
        if n_p == 1:
            return doc.fmt(rng.choice(_PROBLEM_SINGLE), item=probs[0])
        return doc.fmt(rng.choice(_PROBLEM_INTRO)) + _enum(probs, style)

    def imp_text(items: list[str]) -> str:
        if len(items) == 1:
            return doc.fmt(rng.choice(_IMPROVE_SINGLE), item=items[0])
        return doc.fmt(rng.choice(_IMPROVE_INTRO)) + _enum(items, style)

    variants = ["two", "sub", "combined"] + (["rectify"] if generation == "2021" else [])
    variant = rng.choice(variants)
    doc.problems.extend(probs)
    if variant == "two":
        doc.p("problems", prob_text())
        doc.p("improvements", imp_text(imps))
        doc.improvements.extend(imps)
    elif variant == "combined":
        doc.spans([("problems", prob_text()), ("improvements", imp_text(imps))])
        doc.improvements.extend(imps)
    elif variant == "sub":
        h_p, h_i = rng.choice((("（一）存在的主要问题", "（二）改进情况"), ("（一）主要问题", "（二）改进措施"),
                               ("（一）存在的不足", "（二）下一步工作打算")))
        doc.h2(h_p)
        doc.p("problems", prob_text())
        doc.h2(h_i)
        if len(imps) > 1 and rng.random() < 0.6:
            for i, it in enumerate(imps):
                doc.p("improvements", _item_para(i, it, style))
        else:
            doc.p("improvements", imp_text(imps))
        doc.improvements.extend(imps)
    else:  # rectify: last year's fixes, this year's problems, next steps
        rect = pool[n_i:n_i + rng.choice((1, 2, 2, 3))]
        doc.h2("（一）上年度问题整改情况")
        if len(rect) == 1:
            doc.p("improvements", doc.fmt(rng.choice(_RECTIFY_INTRO)) + rect[0] + "。")
        else:
            doc.p("improvements", doc.fmt(rng.choice(_RECTIFY_INTRO)) + _enum(rect, style))
        doc.improvements.extend(rect)
        doc.h2("（二）存在的主要问题")
        doc.p("problems", prob_text())
        doc.h2("（三）改进措施")
        doc.p("improvements", imp_text(imps))
        doc.improvements.extend(imps)


def _apply_sentences(doc: _Doc, rows: dict) -> list[str]:
    rng = doc.rng
    t = {k: v[6] for k, v in rows.items()}
    new, co, done, cf = t["new_received"], t["carried_over"], t["total"], t["carried_forward"]
    nums = doc.nums
    nums.update(new=new, co=co, done=done, cf=cf, np=rows["new_received"][0], lp=new - rows["new_received"][0],
                g=t["granted"], pg=t["partially_granted"])
    doc.ctx.update({k: str(nums[k]) for k in ("new", "co", "done", "cf", "np", "lp", "g", "pg")})
    out = []
    if new == 0 and co == 0:
        if rng.random() < 0.5:
            out.append(doc.fmt("{year}年，{we}未收到政府信息公开申请。"))
        else:
            out.append(doc.fig(("全年新收政府信息公开申请{new}件。", (("新收政府信息公开申请", "new", "件"),))))
        return out
    v = rng.randrange(3) if (co == 0 and cf == 0 and done == new) else rng.randrange(2)
    if v == 0:
        s = doc.fig(("全年共受理政府信息公开申请{new}件", (("受理政府信息公开申请", "new", "件"),)))
        if co:
            s += doc.fig(("，上年结转{co}件", (("上年结转", "co", "件"),)))
        s += doc.fig(("，办结{done}件", (("办结", "done", "件"),)))
        if cf:
            s += doc.fig(("，结转下年度办理{cf}件", (("结转下年度办理", "cf", "件"),)))
        out.append(s + "。")
    elif v == 1:
        s = doc.fig(("本年度新收政府信息公开申请{new}件", (("新收政府信息公开申请", "new", "件"),)))
        if nums["lp"] and nums["np"]:
            s += doc.fig(("，其中自然人申请{np}件、法人或其他组织申请{lp}件",
                          (("自然人申请", "np", "件"), ("法人或其他组织申请", "lp", "件"))))
        elif nums["np"]:
            s += "，均为自然人提出"
        if co:
            s += doc.fig(("；另有上年结转{co}件", (("上年结转", "co", "件"),)))
        s += doc.fig(("；全年答复{done}件", (("答复", "done", "件"),)))
        if cf:
            s += doc.fig(("，结转下年度办理{cf}件", (("结转下年度办理", "cf", "件"),)))
        out.append(s + "。")
    else:
        out.append(doc.fig(("全年受理依申请公开事项{new}件，均已在法定期限内办结。",
                            (("受理依申请公开事项", "new", "件"),))))
    if (nums["g"] or nums["pg"]) and rng.random() < 0.5:
        out.append(doc.fig(("从办理结果看，予以公开{g}件、部分公开{pg}件。",
                            (("予以公开", "g", "件"), ("部分公开", "pg", "件")))))
    return out


def _review_sentence(doc: _Doc, rv: int, lt: int) -> str:
    doc.nums.update(rv=rv, lt=lt)
    doc.ctx.update(rv=str(rv), lt=str(lt))
    if rv == 0 and lt == 0:
        return doc.fmt(doc.rng.choice(("全年未发生因政府信息公开引起的行政复议和行政诉讼案件。",
                                       "{year}年，{we}未发生因政府信息公开工作被申请行政复议、提起行政诉讼的情况。")))
    if rv and lt:
        return doc.fig(("因政府信息公开工作被申请行政复议{rv}件、被提起行政诉讼{lt}件，均已依法妥善应对。",
                        (("行政复议", "rv", "件"), ("行政诉讼", "lt", "件"))))
    if rv:
        return doc.fig(("因政府信息公开工作被申请行政复议{rv}件，未发生行政诉讼。", (("行政复议", "rv", "件"),)))
    return doc.fig(("因政府信息公开工作被提起行政诉讼{lt}件，未发生行政复议。", (("行政诉讼", "lt", "件"),)))


def _sample(rng: random.Random, pool: tuple, lo: int, hi: int) -> list[str]:
    """k sentences of the pool, in the pool's order (openers first)."""
    idx = rng.sample(range(len(pool)), min(len(pool), rng.randint(lo, hi)))
    return [pool[i] for i in sorted(idx)]


def _preamble(doc: _Doc, legacy: bool) -> None:
    rng = doc.rng
    if legacy:
        first = doc.fmt(rng.choice(_LEGACY_PREAMBLE))
        tail = [doc.fmt(t) for t in _LEGACY_PREAMBLE_TAIL if rng.random() < 0.7]
        doc.p("other", first + "".join(tail))
        return
    first = doc.fmt(rng.choice(_PREAMBLE))
    tail = [doc.fmt(t) for t in _PREAMBLE_TAIL if rng.random() < 0.6]
    contact = doc.fmt(rng.choice(_PREAMBLE_CONTACT)) if rng.random() < 0.6 else ""
    if contact and rng.random() < 0.4:
        doc.p("other", first + "".join(tail))
        doc.p("other", contact)
    else:
        doc.p("other", first + "".join(tail) + contact)


def _overview_modern(doc: _Doc, cat: str, apps: dict, review: dict) -> None:
    rng = doc.rng
    doc.h1("一、总体情况", "overview")
    intro = doc.fmt(rng.choice(_OVERVIEW_INTRO))
    if rng.random() < 0.4:
        intro += doc.fmt(rng.choice(_OVERVIEW_EXTRA))
    doc.p("overview", intro)
    keys = ["active", "apply"] + [k for k in ("manage", "platform", "supervise") if rng.random() < 0.8]
    rv = review["review"][4]
    lt = review["litigation_direct"][4] + review["litigation_after_review"][4]
    runin = doc.ctx["_runin"]
    for i, key in enumerate(keys):
        head = f"（{_CN[i]}）" + rng.choice(_SUB_HEADS[key])
        if key == "active":
            sents = [doc.fmt(s) for s in _sample(rng, _ACTIVE_S, 2, 5)]
            sents.insert(rng.randint(0, len(sents)), doc.fig(rng.choice(_ACTIVE_F)))
            for f in _ACTIVE_OPT_F:
                if rng.random() < 0.35:
                    sents.append(doc.fig(f))
        elif key == "apply":
            sents = [doc.fmt(s) for s in _sample(rng, _APPLY_S, 1, 3)]
            sents += _apply_sentences(doc, apps["rows"])
            if rv or lt or rng.random() < 0.5:
                sents.append(_review_sentence(doc, rv, lt))
        elif key == "manage":
            sents = [doc.fmt(s) for s in _sample(rng, _MANAGE_S, 2, 5)]
        elif key == "platform":
            pool = _PLATFORM_S + (_PLATFORM_GOV_S if cat != "dept" else ())
            sents = [doc.fmt(s) for s in _sample(rng, pool, 2, 4)]
        else:
            sents = [doc.fmt(s) for s in _sample(rng, _SUPERVISE_S, 2, 4)]
            for f in _SUPERVISE_F:
                if rng.random() < 0.4:
                    sents.append(doc.fig(f))
        if runin:
            doc.p("overview", head + "。" + "".join(sents))
        else:
            doc.h2(head)
            if len(sents) >= 3 and rng.random() < 0.4:
                cut = len(sents) // 2
                doc.p("overview", "".join(sents[:cut]))
                doc.p("overview", "".join(sents[cut:]))
            else:
                doc.p("overview", "".join(sents))


def _other_modern(doc: _Doc, generation: str, year: int) -> None:
    rng = doc.rng
    r = rng.random()
    paras = []
    if generation == "2021" or year >= 2021:
        if r < 0.35:
            paras.append(rng.choice(_OTHER_NONE))
        elif r < 0.85 or doc.nums["fee_yuan"] == 0:
            paras.append(doc.fmt(rng.choice(_OTHER_FEE_ZERO)))
        else:
            paras.append(doc.fig(_OTHER_FEE[0]))
        if paras[0] not in _OTHER_NONE:
            if rng.random() < 0.3:
                paras.append(doc.fig(_OTHER_PROPOSALS[0]))
            if rng.random() < 0.2:
                paras.append(doc.fmt(_OTHER_TASKS[0]))
    else:
        paras.append(rng.choice(_OTHER_NONE) if r < 0.7 else doc.fmt(
            "本年度{we}办理政府信息公开申请未收取任何费用。"))
    if len(paras) > 1 and rng.random() < 0.5:
        doc.p("other", "".join(paras))
    else:
        for t in paras:
            doc.p("other", t)


_MODERN_H4 = ("四、政府信息公开行政复议、行政诉讼情况", "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况",
              "四、政府信息公开行政复议、行政诉讼情况")
_MODERN_H5 = ("五、存在的主要问题及改进情况", "五、政府信息公开工作存在的主要问题及改进情况", "五、存在的主要问题及改进情况",
              "五、存在的主要问题和改进措施")


def _build_modern(doc: _Doc, generation: str, year: int, cat: str, tables: dict) -> None:
    rng = doc.rng
    if rng.random() < 0.85:
        _preamble(doc, legacy=False)
    _overview_modern(doc, cat, tables["applications"], tables["review_litigation"])
    doc.h1("二、主动公开政府信息情况", "active_disclosure")
    doc.table("active_disclosure")
    doc.h1("三、收到和处理政府信息公开申请情况", "applications")
    doc.table("applications")
    doc.h1(rng.choice(_MODERN_H4), "review_litigation")
    doc.table("review_litigation")
    doc.h1(rng.choice(_MODERN_H5), "problems_improvements")
    _problems_section(doc, False, generation)
    doc.h1("六、其他需要报告的事项", "other_matters")
    _other_modern(doc, generation, year)


_CATEGORIES = ("机构职能", "政策法规", "规划计划", "人事信息", "财政预决算", "行政许可", "业务工作", "工作动态",
               "应急管理", "重大项目")


def _category_sentence(doc: _Doc) -> str:
    rng = doc.rng
    total = doc.nums["active_total"]
    cats = rng.sample(_CATEGORIES, rng.randint(3, 5))
    parts = _allocate(rng, total, [rng.uniform(0.2, 2) for _ in cats])
    text = []
    for i, (cat, n) in enumerate(zip(cats, parts, strict=True)):
        key = f"cat{i}"
        doc.nums[key] = n
        doc.ctx[key] = str(n)
        text.append(doc.fig((f"{cat}类信息{{{key}}}条", ((f"{cat}类信息", key, "条"),))))
    return "按类别分，" + "、".join(text) + "。"


def _build_legacy(doc: _Doc, year: int) -> None:
    rng = doc.rng
    nums = doc.nums
    if rng.random() < 0.85:
        _preamble(doc, legacy=True)
    mode = rng.choice(("numbered", "plain", "none"))
    counter = [0]

    def head(text: str, kind: str) -> None:
        doc.h1(f"{_CN[counter[0]]}、{text}", kind)
        counter[0] += 1

    if mode == "numbered":
        head("概述", "overview")
    elif mode == "plain":
        doc.h1("概述", "overview")
    ov = _sample(rng, _LEGACY_OVERVIEW, 3, 5)
    if len(ov) >= 3 and rng.random() < 0.5:
        doc.p("overview", doc.fmt(ov[0]))
        doc.p("overview", "".join(doc.fmt(s) for s in ov[1:]))
    else:
        doc.p("overview", "".join(doc.fmt(s) for s in ov))
    if rng.random() < 0.75:
        parts = sorted(rng.sample(range(len(_LEGACY_PARTS)), rng.randint(3, len(_LEGACY_PARTS))))
        runin = doc.ctx["_runin"]
        for i, k in enumerate(parts):
            head_text, pool = _LEGACY_PARTS[k]
            body = "".join(doc.fmt(s) for s in _sample(rng, pool, 2, 3))
            if head_text == "做好政策解读和回应关切" and rng.random() < 0.5:
                body += doc.fig(("全年发布政策解读材料{interp}篇。", (("政策解读材料", "interp", "篇"),)))
            if runin:
                doc.p("overview", f"（{_CN[i]}）{head_text}。{body}")
            else:
                doc.h2(f"（{_CN[i]}）{head_text}")
                doc.p("overview", body)

    head(rng.choice(("主动公开政府信息情况", "主动公开政府信息的情况")), "active_disclosure")
    fig = doc.fig(rng.choice(_LEGACY_ACTIVE_F))
    extra = [doc.fmt(s) for s in _sample(rng, _LEGACY_ACTIVE_S, 2, 5)]
    if rng.random() < 0.75:
        extra.insert(0, _category_sentence(doc))
    if rng.random() < 0.5:
        extra.append(doc.fig(("{site}全年累计访问{visits}人次。", (("累计访问", "visits", "人次"),))))
    if rng.random() < 0.4:
        doc.h2("（一）主动公开的数量")
        doc.p("overview", fig)
        doc.h2("（二）主动公开的内容和形式")
        doc.p("overview", "".join(extra))
    else:
        doc.p("overview", fig + "".join(extra))

    head(rng.choice(("依申请公开政府信息情况", "依申请公开政府信息办理情况", "政府信息依申请公开工作情况")), "applications")
    sents = [doc.fmt(s) for s in _sample(rng, _LEGACY_APPLY_S, 1, 2)]
    if nums["recv"]:
        sents.append(doc.fig(("{year}年，{we}共受理政府信息公开申请{recv}件，其中当面申请{f2f}件、网络申请{net}件、信函申请{mail}件。",
                              (("受理政府信息公开申请", "recv", "件"), ("当面申请", "f2f", "件"),
                               ("网络申请", "net", "件"), ("信函申请", "mail", "件")))))
        sents.append(doc.fig(("已答复{ans}件，其中同意公开{agree}件、同意部分公开{part}件、不同意公开{deny}件、信息不存在{none}件。",
                              (("已答复", "ans", "件"), ("同意公开", "agree", "件"), ("同意部分公开", "part", "件"),
                               ("不同意公开", "deny", "件"), ("信息不存在", "none", "件")))))
    else:
        sents.append(doc.fmt("{year}年，{we}未收到公民、法人或其他组织提出的政府信息公开申请。"))
    doc.p("overview", "".join(sents))
    fee_text = doc.fig(_LEGACY_FEE[0]) if nums["fee"] else doc.fmt(rng.choice(_LEGACY_FEE_ZERO))
    if rng.random() < 0.3:
        doc.p("other", fee_text)
    else:
        head(rng.choice(("政府信息公开的收费及减免情况", "政府信息公开收费及减免情况")), "fees")
        doc.p("other", fee_text)

    head(rng.choice(("因政府信息公开申请行政复议、提起行政诉讼的情况", "因政府信息公开申请提起行政复议和行政诉讼情况")),
         "review_litigation")
    rv, lt = nums["rv"], nums["lt"]
    if rv == 0 and lt == 0:
        doc.p("overview", doc.fmt("{year}年，{we}未发生因政府信息公开申请引起的行政复议和行政诉讼。"))
    else:
        doc.p("overview", doc.fig(("本年度因政府信息公开申请引起行政复议{rv}件、行政诉讼{lt}件。",
                                   (("行政复议", "rv", "件"), ("行政诉讼", "lt", "件")))))

    head(rng.choice(("存在的主要问题及改进措施", "政府信息公开工作存在的主要问题及改进措施", "存在的问题和改进措施")),
         "problems_improvements")
    _problems_section(doc, True, "legacy")
    if rng.random() < 0.7:
        head("其他需要报告的事项", "other_matters")
        doc.p("other", rng.choice(_OTHER_NONE))
    if rng.random() < 0.5:
        head("政府信息公开情况统计表", "statistics")
    else:
        doc.h1(rng.choice(("附表：政府信息公开情况统计表", "附件：政府信息公开情况统计表", "附表")), "statistics")
        if doc.blocks[-1][1] == "附表":
            doc.line("政府信息公开情况统计表")
    doc.table("statistics")


_ROADS = ("人民", "建设", "解放", "文化", "迎宾", "府前", "滨河", "新华", "和平", "中山")


def make_report(seed: int, generation: str | None = None) -> SynthReport:
    """A synthetic report with its ground truth; the same seed (and generation) gives the same report."""
    if generation is not None and generation not in GENERATIONS:
        raise ValueError(f"generation must be one of {GENERATIONS}, not {generation!r}")
    rng = random.Random(seed)
    gen = generation or rng.choices(GENERATIONS, (1, 1, 2))[0]
    year = {"legacy": rng.randint(2008, 2018), "2019": rng.randint(2019, 2020), "2021": rng.randint(2021, 2024)}[gen]
    kind = _pick_kind(rng)
    cat, tmpl, we, topics, scales, ascale = _KINDS[kind]
    P = rng.choice(_P1) + rng.choice(_P2)
    Q = rng.choice(_P1) + rng.choice(_Q2)
    if kind in ("county_gov", "town"):
        L = "县"
    elif kind in ("district_gov", "street"):
        L = "区"
    elif kind in ("city_gov", "housing_fund"):
        L = "市"
    else:
        L = rng.choice("县区市")
    agency = tmpl.format(P=P, Q=Q, L=L)
    if rng.random() < 0.15 and cat != "town":
        we = "本机关"
    style = {
        "title_split": rng.random() < 0.5,
        "title_word": rng.choice(("年", "年", "年度")),
        "blank": rng.random() < 0.5,
        "indent": "　　" if rng.random() < 0.3 else "",
        "pdf_vertical": rng.random() < 0.6,
        "zeros_blank": rng.random() < 0.15,
        "colon": rng.choice(("：", ": ")),
        "stats_year_header": rng.random() < 0.5,
        "legacy_groups": rng.random() < 0.4,
        "legacy_net": rng.random() < 0.6,
        "legacy_mail": rng.random() < 0.6,
        "signature": rng.random() < 0.3,
        "slug": "".join(rng.choice("abcdefghjklmnpqrstwxyz") for _ in range(rng.randint(3, 6))),
        "site_code": str(rng.randint(1000000000, 9999999999)),
        "page_id": rng.randint(10000, 999999),
        "note_issued": 0,
        "place": P + L,
    }
    month, day = rng.randint(1, 3), rng.randint(1, 28)
    published = f"{year + 1}-{month:02d}-{day:02d}"
    topics = list(topics)
    rng.shuffle(topics)
    camps = rng.sample(_CAMPAIGNS, 3)
    plats = [f"“{P}发布”微信公众号", f"《{P}新闻》栏目", f"“今日{P}”客户端", f"“{P}政务”小程序"]
    rng.shuffle(plats)
    if cat == "gov":
        hall = f"{P}{L}政务服务中心"
    elif kind == "town":
        hall = "镇便民服务中心"
    elif kind == "street":
        hall = "街道党群服务中心"
    else:
        hall = "本机关办事大厅"
    if cat == "gov":
        office = f"{P}{L}人民政府办公室"
    elif cat == "town":
        office = f"{Q}{'镇' if kind == 'town' else '街道'}党政办公室"
    else:
        office = f"{agency}办公室"
    ctx = {
        "year": str(year), "next": str(year + 1), "A": agency, "we": we, "P": P,
        "upper": rng.choice(("上级政务公开主管部门", f"{P}{L}政务公开办公室", "省、市政务公开工作主管部门")),
        "office": office,
        "site": rng.choice((f"{P}{L}人民政府门户网站", f"{P}{L}人民政府门户网站政府信息公开专栏")),
        "d1": topics[0], "d2": topics[1], "d3": topics[2],
        "camp1": f"“{camps[0]}”", "camp2": f"“{camps[1]}”", "camp3": f"“{camps[2]}”",
        "slogan": f"“{rng.choice(_SLOGANS)}”",
        "plat1": plats[0], "plat2": plats[1], "hotline": f"“{P}民声”", "hall": hall,
        "archive": f"{P}{L}档案馆",
        "addr": f"{P}{L}{rng.choice(_ROADS)}路{rng.randint(1, 300)}号", "zip": str(rng.randint(100000, 850000)),
        "phone": f"0{rng.randint(310, 919)}-{rng.randint(2000000, 8999999)}",
        "_runin": rng.random() < 0.55,
    }
    hi_active = {"gov": 6000, "town": 600, "dept": 1500}[cat]
    nums: dict = {
        "active_total": _loguni(rng, hi_active, 20), "interp": rng.randint(1, 60), "press": rng.randint(1, 20),
        "wx": _loguni(rng, 3000, 30), "resp": _loguni(rng, 400, 5), "train": rng.randint(1, 8),
        "check": rng.randint(1, 6), "hundred": 100, "na": rng.randint(0, 40), "nb": rng.randint(0, 50),
        "fee_yuan": 0 if rng.random() < 0.75 else rng.randint(1, 40) * 10, "visits": _loguni(rng, 300000, 2000),
    }
    if kind == "media":
        nums["wx"] = _loguni(rng, 20000, 500)
    doc = _Doc(rng, ctx, nums)
    if gen == "legacy":
        stats, lnums = _legacy_stats(rng, year, nums["active_total"], ascale, style)
        nums.update(lnums)
        tables = {"statistics": stats}
    else:
        active = _active_2021(rng, kind, cat, scales) if gen == "2021" else _active_2019(rng, kind, cat, scales)
        apps = _applications(rng, gen, ascale)
        tables = {"active_disclosure": active, "applications": apps,
                  "review_litigation": _review(rng, apps["rows"]["new_received"][6])}
        issued = active["normative_documents"].get("issued", 0)
        if gen == "2021" and issued >= 3 and rng.random() < 0.1:
            style["note_issued"] = rng.randint(1, issued - 1)
    ctx.update({k: _fmt_num(v) for k, v in nums.items()})
    title = f"{agency}{year}{style['title_word']}政府信息公开工作年度报告"
    if style["title_split"]:
        doc.blocks.append(("title", (agency, f"{year}{style['title_word']}政府信息公开工作年度报告")))
    else:
        doc.blocks.append(("title", (title,)))
    if gen == "legacy":
        _build_legacy(doc, year)
    else:
        _build_modern(doc, gen, year, cat, tables)
    if style["signature"]:
        doc.line(agency)
        doc.line(f"{year + 1}年{month}月{day}日")
    paragraphs = [span for b in doc.blocks if b[0] == "p" for span in b[1]]
    themes: list[str] = []
    for _, text in paragraphs:
        for m in _QUOTED.finditer(text):
            name = m.group(1) or m.group(2)
            if name not in _LAW_NAMES and name not in themes:
                themes.append(name)
    return SynthReport(
        agency=agency, year=year, generation=gen, tables=tables, paragraphs=paragraphs,
        problems=doc.problems, improvements=doc.improvements, figures=doc.figures, themes=themes,
        title=title, sections=doc.sections, blocks=doc.blocks, style=style, seed=seed,
        published=published, kind=kind,
    )


_QUOTED = re.compile(r"“([^”]+)”|《([^》]+)》")


# ---------------------------------------------------------------------------------------------
# Table layouts (one spec per table: rows of cells (text, rowspan, colspan, is_number))
# ---------------------------------------------------------------------------------------------

def _c(text: str, rs: int = 1, cs: int = 1) -> tuple:
    return (text, rs, cs, False)


def _v(value, rs: int = 1, cs: int = 1) -> tuple:
    return (_fmt_num(value), rs, cs, True)


def _spec_applications(t: dict, generation: str) -> list[list[tuple]]:
    rows = t["rows"]
    res = RESULT_ROWS_2021 if generation == "2021" else RESULT_ROWS_2019
    spec = [
        [_c(_CAPTION, 3, 3), _c("申请人情况", 1, 7)],
        [_c("自然人", 2), _c("法人或其他组织", 1, 5), _c("总计", 2)],
        [_c("商业\n企业"), _c("科研\n机构"), _c("社会公益\n组织"), _c("法律服务\n机构"), _c("其他")],
        [_c(_ROW_LABELS["new_received"], 1, 3), *map(_v, rows["new_received"])],
        [_c(_ROW_LABELS["carried_over"], 1, 3), *map(_v, rows["carried_over"])],
    ]
    groups = {"refused_state_secret": ("（三）不予公开", 8), "unavailable_not_held": ("（四）无法提供", 3),
              "rejected_petition": ("（五）不予处理", 5)}
    if generation == "2021":
        groups["other_no_correction"] = ("（六）其他处理", 3)
    grouped = set(_REFUSED + _UNAVAILABLE + _REJECTED + (_OTHER_2021 if generation == "2021" else []))
    for i, key in enumerate([*res, "total"]):
        row = [_c("三、本年度办理结果", len(res) + 1)] if i == 0 else []
        if key in groups:
            row.append(_c(groups[key][0], groups[key][1]))
        if key in grouped:
            row.append(_c(_ROW_LABELS[key]))
        elif key == "other":  # 2019: one row
            row.append(_c("（六）其他处理", 1, 2))
        else:
            row.append(_c(_ROW_LABELS[key], 1, 2))
        row.extend(map(_v, rows[key]))
        spec.append(row)
    spec.append([_c(_ROW_LABELS["carried_forward"], 1, 3), *map(_v, rows["carried_forward"])])
    return spec


def _spec_review(t: dict) -> list[list[tuple]]:
    leaf = ["结果\n维持", "结果\n纠正", "其他\n结果", "尚未\n审结", "总计"]
    return [
        [_c("行政复议", 1, 5), _c("行政诉讼", 1, 10)],
        [*(_c(x, 2) for x in leaf), _c("未经复议直接起诉", 1, 5), _c("复议后起诉", 1, 5)],
        [_c(x) for x in leaf * 2],
        [_v(x) for b in REVIEW_BLOCKS for x in t[b]],
    ]


def _spec_active(t: dict, generation: str, note: int) -> list[list[tuple]]:
    if generation == "2021":
        nd = t["normative_documents"]
        issued = _v(nd["issued"])
        if note:
            issued = (f"{nd['issued']}（其中修订{note}件）", 1, 1, True)
        return [
            [_c("第二十条第（一）项", 1, 4)],
            [_c("信息内容"), _c("本年制发件数"), _c("本年废止件数"), _c("现行有效件数")],
            [_c("规章"), *(_v(t["regulations"][k]) for k in ("issued", "repealed", "in_force"))],
            [_c("行政规范性文件"), issued, _v(nd["repealed"]), _v(nd["in_force"])],
            [_c("第二十条第（五）项", 1, 4)],
            [_c("信息内容"), _c("本年处理决定数量", 1, 3)],
            [_c("行政许可"), _v(t["licensing"]["decisions"], 1, 3)],
            [_c("第二十条第（六）项", 1, 4)],
            [_c("信息内容"), _c("本年处理决定数量", 1, 3)],
            [_c("行政处罚"), _v(t["punishment"]["decisions"], 1, 3)],
            [_c("行政强制"), _v(t["coercion"]["decisions"], 1, 3)],
            [_c("第二十条第（八）项", 1, 4)],
            [_c("信息内容"), _c("本年收费金额（单位：万元）", 1, 3)],
            [_c("行政事业性收费"), _v(t["fees"]["amount"], 1, 3)],
        ]
    three = ("previous", "change", "decisions")
    docs = ("new_made", "new_published", "total_published")
    return [
        [_c("第二十条第（一）项", 1, 4)],
        [_c("信息内容"), _c("本年新\n制作数量"), _c("本年新\n公开数量"), _c("对外公开总数量")],
        [_c("规章"), *(_v(t["regulations"][k]) for k in docs)],
        [_c("规范性文件"), *(_v(t["normative_documents"][k]) for k in docs)],
        [_c("第二十条第（五）项", 1, 4)],
        [_c("信息内容"), _c("上一年项目数量"), _c("本年增/减"), _c("处理决定数量")],
        [_c("行政许可"), *(_v(t["licensing"][k]) for k in three)],
        [_c("其他对外管理服务事项"), *(_v(t["other_services"][k]) for k in three)],
        [_c("第二十条第（六）项", 1, 4)],
        [_c("信息内容"), _c("上一年项目数量"), _c("本年增/减"), _c("处理决定数量")],
        [_c("行政处罚"), *(_v(t["punishment"][k]) for k in three)],
        [_c("行政强制"), *(_v(t["coercion"][k]) for k in three)],
        [_c("第二十条第（八）项", 1, 4)],
        [_c("信息内容"), _c("上一年项目数量"), _c("本年增/减", 1, 2)],
        [_c("行政事业性收费"), _v(t["fees"]["previous"]), _v(t["fees"]["change"], 1, 2)],
        [_c("第二十条第（九）项", 1, 4)],
        [_c("信息内容"), _c("采购项目数量"), _c("采购总金额", 1, 2)],
        [_c("政府集中采购"), _v(t["procurement"]["projects"]), _v(t["procurement"]["amount"], 1, 2)],
    ]


_STAT_GROUPS = {"主动公开政府信息数": "一、主动公开情况", "受理政府信息公开申请总数": "二、依申请公开情况",
                "因政府信息公开申请行政复议数": "三、行政复议和行政诉讼情况", "收取费用总额": "四、收费情况"}


def _spec_statistics(stats: list[dict], year: int, style: dict) -> list[list[tuple]]:
    spec = [[_c("指标名称"), _c("计量单位"), _c(f"{year}年度" if style["stats_year_header"] else "本年度"),
             _c("历年累计")]]
    for row in stats:
        if style["legacy_groups"] and row["indicator"] in _STAT_GROUPS:
            spec.append([_c(_STAT_GROUPS[row["indicator"]], 1, 4)])
        spec.append([_c(row["indicator"]), _c(row["unit"]), _v(row["this_year"]), _v(row["cumulative"])])
    return spec


def _spec(report: SynthReport, key: str, notes: bool = True) -> list[list[tuple]]:
    t = report.tables
    if key == "applications":
        return _spec_applications(t["applications"], report.generation)
    if key == "review_litigation":
        return _spec_review(t["review_litigation"])
    if key == "active_disclosure":
        return _spec_active(t["active_disclosure"], report.generation, report.style["note_issued"] if notes else 0)
    return _spec_statistics(t["statistics"], report.year, report.style)


def _occupancy(spec: list[list[tuple]]) -> tuple[dict, int, list[list[tuple[int, tuple]]]]:
    occ: dict[tuple[int, int], tuple[int, int]] = {}
    starts: list[list[tuple[int, tuple]]] = []
    for r, row in enumerate(spec):
        c = 0
        placed = []
        for cell in row:
            while (r, c) in occ:
                c += 1
            rs, cs = cell[1], cell[2]
            for dr in range(rs):
                for dc in range(cs):
                    occ[(r + dr, c + dc)] = (r, c)
            placed.append((c, cell))
            c += cs
        starts.append(placed)
    ncols = 1 + max(k[1] for k in occ)
    return occ, ncols, starts


def _grid_rows(spec: list[list[tuple]]) -> list[list[tuple[str, bool]]]:
    """Cells as a web-page-to-text converter emits them: a cell covered by a rowspan shows as an empty cell,
    one covered by a colspan is skipped."""
    occ, ncols, starts = _occupancy(spec)
    out = []
    for r, placed in enumerate(starts):
        at = {c: cell for c, cell in placed}
        row = []
        for c in range(ncols):
            if c in at:
                row.append((at[c][0], at[c][3]))
                continue
            o = occ.get((r, c))
            if o is None or (o[0] < r and o[1] == c):
                row.append(("", False))
        out.append(row)
    return out


def _table_rows(report: SynthReport, key: str, layout: str, one_line: bool = False) -> list[str]:
    spec = _spec(report, key, notes=layout != "glued")
    if layout == "cells" and one_line:
        return [" ".join(t.replace("\n", "") for t, _ in row if t) for row in _grid_rows(spec)]
    if layout == "cells":
        return ["\n".join("\t" + t.replace("\n", "\n\n") for t, _ in row) for row in _grid_rows(spec)]
    if layout in ("pipe", "pipe_noborder"):
        rows = []
        for row in _grid_rows(spec):
            inner = " | ".join(t.replace("\n", "") for t, _ in row)
            rows.append(f"| {inner} |" if layout == "pipe" else inner)
        return rows
    if layout not in ("flat", "glued"):
        raise ValueError(f"table_layout must be one of {TXT_LAYOUTS}, not {layout!r}")
    sep = " " if layout == "flat" else ""
    rows = []
    for row in spec:
        labels = [c[0].replace("\n", "") for c in row if not c[3]]
        numbers = [c[0] for c in row if c[3]]
        if layout == "flat":
            rows.append(" ".join(labels + numbers))
        else:
            rows.append(sep.join(labels) + "".join(numbers))
    return rows


# ---------------------------------------------------------------------------------------------
# Plain text
# ---------------------------------------------------------------------------------------------

def _crawler_header(report: SynthReport) -> str:
    st = report.style
    col = st["colon"]
    ymd = report.published.replace("-", "")
    url = f"http://www.{st['slug']}.gov.cn/zwgk/zfxxgk/ndbg/{ymd[:6]}/t{ymd}_{st['page_id']}.html"
    hh, mm = 8 + st["page_id"] % 10, st["page_id"] % 60
    return "\n".join([
        f"标题{col}{report.title}",
        f"发布时间{col}{report.published} {hh:02d}:{mm:02d}",
        f"文号{col}",
        f"发布机构{col}{report.agency if st['page_id'] % 2 else ''}",
        f"栏目{col}政府信息公开年报",
        f"原文链接{col}{url}",
        "==================== 正文 ====================",
    ])


def _chrome_lines(report: SynthReport) -> tuple[str, str]:
    crumbs = "当前位置：首页 > 政务公开 > 政府信息公开 > 政府信息公开年报 > 正文"
    info = f"来源：{report.agency}　发布时间：{report.published}　【字体：大 中 小】　打印本页"
    return crumbs, info


def render_text(report: SynthReport, table_layout: str = "cells", crawler_header: bool = False,
                one_line_body: bool = False) -> str:
    """The report as plain text (what a web-page crawler or a PDF text layer gives)."""
    if table_layout not in TXT_LAYOUTS:
        raise ValueError(f"table_layout must be one of {TXT_LAYOUTS}, not {table_layout!r}")
    st = report.style
    parts: list[tuple[str, object]] = []
    crumbs, info = _chrome_lines(report)
    if crawler_header:
        parts.append(("text", crumbs))
    for block in report.blocks:
        kind = block[0]
        if kind == "title":
            parts.append(("title", block[1]))
            if crawler_header:
                parts.append(("text", info))
        elif kind == "p":
            parts.append(("text", st["indent"] + "".join(t for _, t in block[1])))
        elif kind == "table":
            parts.append(("table", _table_rows(report, block[1], table_layout, one_line_body)))
        else:
            parts.append(("text", block[1]))
    out = []
    if one_line_body:
        row_sep = "" if table_layout == "glued" else " "
        for kind, val in parts:
            if kind == "title":
                out.append("".join(val) + " ")
            elif kind == "table":
                out.append(" " + row_sep.join(val) + " ")
            else:
                out.append(val)
        body = "".join(out).replace("  ", " ")
    else:
        sep = "\n\n" if st["blank"] else "\n"
        for kind, val in parts:
            if kind == "title":
                out.append("\n".join(val))
            elif kind == "table":
                out.append(("\n\n" if table_layout == "cells" else "\n").join(val))
            else:
                out.append(val)
        body = sep.join(out)
    head = _crawler_header(report) + "\n" if crawler_header else ""
    return head + body + "\n"


def render_txt(report: SynthReport, table_layout: str = "cells", crawler_header: bool = False,
               one_line_body: bool = False, encoding: str = "utf-8") -> bytes:
    """``render_text`` encoded (utf-8, gb18030, utf-8-sig, ...)."""
    return render_text(report, table_layout, crawler_header, one_line_body).encode(encoding)


# ---------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------

def _html_table(spec: list[list[tuple]], zeros_blank: bool) -> str:
    out = ['<table border="1" cellspacing="0" cellpadding="0" width="100%" style="border-collapse:collapse;">',
           "<tbody>"]
    for row in spec:
        cells = []
        for text, rs, cs, isnum in row:
            attrs = (f' rowspan="{rs}"' if rs > 1 else "") + (f' colspan="{cs}"' if cs > 1 else "")
            shown = "" if (zeros_blank and isnum and text == "0") else text
            inner = "<br/>".join(html.escape(x) for x in shown.split("\n"))
            align = ' style="text-align:center;"' if isnum else ""
            cells.append(f"<td{attrs}{align}><p>{inner}</p></td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def render_html(report: SynthReport) -> bytes:
    """A government web page: menus, breadcrumbs, the report in div#zoom with real tables, footer."""
    st = report.style
    esc = html.escape
    place = st["place"]
    site = f"{place}人民政府"
    body: list[str] = []
    for block in report.blocks:
        kind = block[0]
        if kind == "title":
            continue
        if kind == "h1":
            body.append(f'<p style="text-indent:2em;"><strong>{esc(block[1])}</strong></p>')
        elif kind == "h2":
            body.append(f'<p style="text-indent:2em;"><strong>{esc(block[1])}</strong></p>')
        elif kind == "p":
            body.append(f'<p style="text-indent:2em;">{esc("".join(t for _, t in block[1]))}</p>')
        elif kind == "line":
            body.append(f'<p style="text-align:right;">{esc(block[1])}</p>')
        else:
            body.append(_html_table(_spec(report, block[1]), st["zeros_blank"]))
    title_html = "<br/>".join(esc(x) for x in next(b[1] for b in report.blocks if b[0] == "title"))
    nav = "".join(f'<li><a href="/{slug}/">{name}</a></li>' for slug, name in (
        ("", "首页"), ("zwgk", "政务公开"), ("zwfw", "政务服务"), ("hdjl", "互动交流"), ("zjwm", "走进" + place[:-1])))
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="SiteName" content="{esc(site)}门户网站">
<meta name="ArticleTitle" content="{esc(report.title)}">
<meta name="PubDate" content="{report.published} 09:30">
<meta name="ContentSource" content="{esc(report.agency)}">
<title>{esc(report.title)}_政府信息公开年报_{esc(site)}门户网站</title>
<link rel="stylesheet" href="/css/common.css">
<script src="/js/jquery.min.js"></script>
</head>
<body>
<div class="top-bar"><span>今天是：<span id="today"></span></span><a href="/wza/">无障碍</a> | <a href="/m/">手机版</a> | <a href="/en/">English</a></div>
<div class="header"><div class="logo"><img src="/images/logo.png" alt="{esc(site)}门户网站"></div>
<div class="search"><form action="/search/" method="get"><input type="text" name="q" placeholder="请输入关键字"><button type="submit">搜索</button></form></div></div>
<div class="nav"><ul>{nav}</ul></div>
<div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/zfxxgk/">政府信息公开</a> &gt; <a href="/zwgk/zfxxgk/ndbg/">政府信息公开年报</a></div>
<div class="main">
<div class="sidebar"><h3>政府信息公开</h3><ul><li><a href="/zwgk/zfxxgk/zn/">政府信息公开指南</a></li><li><a href="/zwgk/zfxxgk/zd/">政府信息公开制度</a></li><li><a href="/zwgk/zfxxgk/fdzdgknr/">法定主动公开内容</a></li><li class="active"><a href="/zwgk/zfxxgk/ndbg/">政府信息公开年报</a></li></ul></div>
<div class="article">
<h1 class="article-title">{title_html}</h1>
<div class="article-info">发布时间：{report.published}　来源：{esc(report.agency)}　浏览次数：<span id="hits"></span>　字号：[<a href="javascript:;">大</a> <a href="javascript:;">中</a> <a href="javascript:;">小</a>]</div>
<div class="article-content" id="zoom">
{chr(10).join(body)}
</div>
<div class="article-tools"><a href="javascript:window.print();">【打印本页】</a> <a href="javascript:window.close();">【关闭窗口】</a> 分享到：<a href="javascript:;">微信</a> <a href="javascript:;">微博</a></div>
</div>
</div>
<div class="footer">
<p><a href="/about/">关于我们</a> | <a href="/map/">网站地图</a> | <a href="/contact/">联系我们</a></p>
<p>主办单位：{esc(site)}办公室　版权所有：{esc(site)}</p>
<p>网站标识码：{st['site_code']}　ICP备{st['page_id'] % 90000 + 10000:05d}号</p>
</div>
<script>document.getElementById("today").innerHTML = new Date().toLocaleDateString();</script>
</body>
</html>
"""
    return page.encode("utf-8")


# ---------------------------------------------------------------------------------------------
# DOCX
# ---------------------------------------------------------------------------------------------

def _fixed_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps so the same report gives the same bytes."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def render_docx(report: SynthReport) -> bytes:
    """A Word document: paragraphs and the official tables with merged cells."""
    import datetime

    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    d = Document()
    normal = d.styles["Normal"]
    normal.font.name = "FangSong"
    normal.font.size = Pt(14)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋")
    stamp = datetime.datetime.fromisoformat(report.published + "T09:00:00")
    d.core_properties.title = report.title
    d.core_properties.author = report.agency
    d.core_properties.created = stamp
    d.core_properties.modified = stamp
    d.core_properties.last_modified_by = report.agency
    d.core_properties.revision = 1
    zeros_blank = report.style["zeros_blank"]
    for block in report.blocks:
        kind = block[0]
        if kind == "title":
            for line in block[1]:
                para = d.add_paragraph()
                para.alignment = WD_ALIGN_PARAGRAPH.CENTER
                run = para.add_run(line)
                run.bold = True
                run.font.size = Pt(20)
        elif kind in ("h1", "h2"):
            para = d.add_paragraph()
            para.paragraph_format.first_line_indent = Pt(28)
            para.add_run(block[1]).bold = True
        elif kind == "p":
            para = d.add_paragraph("".join(t for _, t in block[1]))
            para.paragraph_format.first_line_indent = Pt(28)
        elif kind == "line":
            para = d.add_paragraph(block[1])
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            spec = _spec(report, block[1])
            _, ncols, starts = _occupancy(spec)
            table = d.add_table(rows=len(spec), cols=ncols)
            table.style = "Table Grid"
            for r, placed in enumerate(starts):
                for c, (text, rs, cs, isnum) in placed:
                    cell = table.cell(r, c)
                    if rs > 1 or cs > 1:
                        cell = cell.merge(table.cell(r + rs - 1, c + cs - 1))
                    shown = "" if (zeros_blank and isnum and text == "0") else text
                    cell.text = shown
                    for para in cell.paragraphs:
                        para.paragraph_format.first_line_indent = Pt(0)
                        if isnum:
                            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
                        for run in para.runs:
                            run.font.size = Pt(9)
            d.add_paragraph()
    buf = io.BytesIO()
    d.save(buf)
    return _fixed_zip(buf.getvalue())


# ---------------------------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------------------------

_PDF_FONT = "STSong-Light"
_PDF_READY = False
_WIDTHS: dict[tuple[str, float], float] = {}


def _pdf_font() -> None:
    global _PDF_READY
    if not _PDF_READY:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        pdfmetrics.registerFont(UnicodeCIDFont(_PDF_FONT))
        _PDF_READY = True


def _cw(ch: str, size: float) -> float:
    w = _WIDTHS.get((ch, size))
    if w is None:
        from reportlab.pdfbase import pdfmetrics

        w = _WIDTHS[(ch, size)] = pdfmetrics.stringWidth(ch, _PDF_FONT, size)
    return w


_NO_LINE_START = set("，。、；：？！）》”’%")


def _wrap(text: str, size: float, width: float, first_indent: float = 0.0) -> list[str]:
    lines: list[str] = []
    for part in text.split("\n"):
        cur, w, limit = [], 0.0, width - first_indent
        for ch in part:
            cw = _cw(ch, size)
            if cur and w + cw > limit and ch not in _NO_LINE_START:
                lines.append("".join(cur))
                cur, w, limit = [], 0.0, width
            cur.append(ch)
            w += cw
        lines.append("".join(cur))
        first_indent = 0.0
    return lines


_PDF_COLS = {
    "applications": ([16, 62, 142] + [27] * 7, [46, 62, 112] + [27] * 7),
    "review_litigation": ([27.6] * 15, [27.6] * 15),
    "active_disclosure": ([150, 88, 88, 88], [150, 88, 88, 88]),
    "statistics": ([196, 62, 78, 78], [196, 62, 78, 78]),
}


class _PdfWriter:
    W, H = 595.27, 841.89
    ML, TOP, BOTTOM = 88.0, 770.0, 78.0
    TW = W - 2 * ML

    def __init__(self, title: str, author: str):
        from reportlab.pdfgen import canvas

        _pdf_font()
        self.buf = io.BytesIO()
        self.c = canvas.Canvas(self.buf, pagesize=(self.W, self.H), invariant=1)
        self.c.setTitle(title)
        self.c.setAuthor(author)
        self.page = 1
        self.y = self.TOP

    def new_page(self) -> None:
        self.c.setFont(_PDF_FONT, 10.5)
        self.c.drawCentredString(self.W / 2, 40, f"- {self.page} -")
        self.c.showPage()
        self.page += 1
        self.y = self.TOP

    def text(self, x: float, y: float, s: str, size: float) -> None:
        self.c.setFont(_PDF_FONT, size)
        self.c.drawString(x, y, s)

    def lines(self, lines: list[str], size: float, lead: float, align: str = "left", indent: float = 0.0) -> None:
        for i, line in enumerate(lines):
            if self.y - lead < self.BOTTOM:
                self.new_page()
            self.y -= lead
            width = sum(_cw(ch, size) for ch in line)
            if align == "center":
                x = self.ML + (self.TW - width) / 2
            elif align == "right":
                x = self.ML + self.TW - width
            else:
                x = self.ML + (indent if i == 0 else 0.0)
            self.text(x, self.y, line, size)

    def para(self, text: str, size: float = 14.0, lead: float = 25.0, indent: bool = True) -> None:
        first = 2 * size if indent else 0.0
        self.lines(_wrap(text, size, self.TW, first), size, lead, indent=first)

    def table(self, spec: list[list[tuple]], cols: list[float], size: float) -> None:
        lead, pad = size * 1.25, 5.0
        occ, ncols, starts = _occupancy(spec)
        scale = self.TW / sum(cols)
        cols = [w * scale for w in cols]
        xs = [self.ML]
        for w in cols:
            xs.append(xs[-1] + w)
        nrows = len(spec)
        cells = []  # (r, c, rs, cs, lines, isnum)
        heights = [lead + pad] * nrows
        for r, placed in enumerate(starts):
            for c, (text, rs, cs, isnum) in placed:
                lines = _wrap(text, size, xs[c + cs] - xs[c] - 3) if text else []
                cells.append((r, c, rs, cs, lines, isnum))
                if rs == 1:
                    heights[r] = max(heights[r], len(lines) * lead + pad)
        for r, _c0, rs, _cs, lines, _ in cells:
            need = len(lines) * lead + pad
            have = sum(heights[r:r + rs])
            if rs > 1 and have < need:
                for k in range(r, r + rs):
                    heights[k] += (need - have) / rs
        # rows to pages
        self.y -= 6
        row_page, row_top, vtop = [], [], [0.0]
        page, y = 0, self.y
        for r in range(nrows):
            if y - heights[r] < self.BOTTOM and r > 0:
                page, y = page + 1, self.TOP
            row_page.append(page)
            row_top.append(y)
            y -= heights[r]
            vtop.append(vtop[-1] + heights[r])
        ops: dict[int, list[tuple]] = {}

        def where(v: float) -> tuple[int, float]:
            r = 0
            while r < nrows - 1 and vtop[r + 1] <= v:
                r += 1
            return row_page[r], row_top[r] - (v - vtop[r])

        for r, c, rs, cs, lines, isnum in cells:
            x0, x1 = xs[c], xs[c + cs]
            # borders, one rectangle per page the cell touches
            seg_start = r
            for k in range(r, r + rs):
                last = k == r + rs - 1 or row_page[k + 1] != row_page[k]
                if last:
                    top, bot = row_top[seg_start], row_top[k] - heights[k]
                    ops.setdefault(row_page[k], []).append(("rect", x0, bot, x1, top))
                    seg_start = k + 1
            span = vtop[r + rs] - vtop[r]
            v0 = vtop[r] + (span - len(lines) * lead) / 2
            for i, line in enumerate(lines):
                pg, ytop = where(v0 + i * lead + lead / 2)
                base = ytop - size * 0.35
                width = sum(_cw(ch, size) for ch in line)
                if isnum or cs > 1 or len(line) <= 2 or r < 3:
                    x = x0 + (x1 - x0 - width) / 2
                else:
                    x = x0 + 2
                ops.setdefault(pg, []).append(("text", x, base, line))
        for pg in range(page + 1):
            if pg:
                self.new_page()
            self.c.setLineWidth(0.5)
            for op in ops.get(pg, []):
                if op[0] == "rect":
                    _, x0, y0, x1, y1 = op
                    self.c.rect(x0, y0, x1 - x0, y1 - y0)
                else:
                    self.text(op[1], op[2], op[3], size)
        self.y = y - 10

    def finish(self) -> bytes:
        self.c.setFont(_PDF_FONT, 10.5)
        self.c.drawCentredString(self.W / 2, 40, f"- {self.page} -")
        self.c.showPage()
        self.c.save()
        return self.buf.getvalue()


def render_pdf(report: SynthReport) -> bytes:
    """An A4 PDF with a real text layer (CID font STSong-Light), ~30 characters a line, footers "- N -",
    tables drawn as ruled grids (merged labels centred over their span; narrow label columns give the
    one-character-per-line vertical labels of real PDFs) and broken across pages when long."""
    w = _PdfWriter(report.title, report.agency)
    vertical = report.style["pdf_vertical"]
    for block in report.blocks:
        kind = block[0]
        if kind == "title":
            w.y -= 10
            for line in block[1]:
                w.lines(_wrap(line, 20, w.TW), 20, 32, align="center")
            w.y -= 12
        elif kind == "h1":
            w.para(block[1], 15, 26)
        elif kind == "h2":
            w.para(block[1])
        elif kind == "p":
            w.para("".join(t for _, t in block[1]))
        elif kind == "line":
            w.lines([block[1]], 14, 25, align="right")
        else:
            key = block[1]
            size = {"applications": 9.0, "review_litigation": 8.0}.get(key, 10.0)
            w.table(_spec(report, key), _PDF_COLS[key][0 if vertical else 1], size)
    return w.finish()


# ---------------------------------------------------------------------------------------------
# More table layouts (added for the table reader's tests; the layouts above are unchanged)
# ---------------------------------------------------------------------------------------------

EXTRA_TABLE_LAYOUTS = ("columns", "numbers_first", "vertical", "split_pages", "pipe_blank", "shuffled")
_FOOTER_SHAPES = ("- {n} -", "第 {n} 页", "—{n}—", "第{n}页 共{m}页")


def _flat_row(row: list[tuple]) -> tuple[list[str], list[str]]:
    labels = [c[0].replace("\n", "") for c in row if not c[3]]
    numbers = [c[0] for c in row if c[3]]
    return labels, numbers


def _data_rows(report: SynthReport, key: str) -> tuple[list[list[tuple]], list[list[tuple]]]:
    """(header rows, data rows) of a table spec; a data row prints numbers."""
    spec = _spec(report, key)
    head, data = [], []
    for row in spec:
        (data if any(c[3] for c in row) else head).append(row)
    return head, data


def _columns_text(report: SynthReport, key: str) -> str:
    """A PDF extractor that reads a ruled table column by column: every grid column top to
    bottom (label columns first), one cell a line."""
    spec = _spec(report, key)
    _, ncols, starts = _occupancy(spec)
    out = []
    for c in range(ncols):
        for placed in starts:
            for col, cell in placed:
                if col == c and cell[0]:
                    out.append(cell[0].replace("\n", ""))
    return "\n".join(out)


def _numbers_first_text(report: SynthReport, key: str, rng: random.Random) -> str:
    """Flat rows where a PDF put some rows' numbers before their label, or between the two
    lines of a wrapped label (vertically centred cells)."""
    lines = []
    for row in _spec(report, key):
        labels, numbers = _flat_row(row)
        label, nums = " ".join(labels), " ".join(numbers)
        x = rng.random()
        if not numbers:
            lines.append(label)
        elif x < 0.3 and label:
            lines += [nums, label]
        elif x < 0.5 and len(label) > 8:
            cut = rng.randint(3, len(label) - 3)
            lines += [label[:cut], nums, label[cut:]]
        else:
            lines.append(f"{label} {nums}".strip())
    return "\n".join(lines)


def _vertical_text(report: SynthReport, key: str, rng: random.Random) -> str:
    """A PDF text layer of a ruled table: header cells split over lines, merged group labels
    spread one character (or a few) a line down the rows they span, long labels wrapped around
    their numbers."""
    spec = _spec(report, key)
    _, _, starts = _occupancy(spec)
    nrows = len(spec)
    prefix: dict[int, list[str]] = {r: [] for r in range(nrows)}
    head_lines: list[str] = []
    for r, placed in enumerate(starts):
        for _c, cell in placed:
            text, rs, _cs, isnum = cell
            if isnum or rs == 1 or not any(x[3] for x in spec[min(nrows - 1, r + 1)]):
                continue
            width = 1 if len(text) > rs // 2 + 3 else rng.choice((1, 4, 5))
            pieces = [text[i:i + width] for i in range(0, len(text), width)]
            top = r + max(0, (rs - len(pieces)) // 2)
            for i, p in enumerate(pieces):
                if top + i < nrows:
                    prefix[top + i].append(p)
    for r, placed in enumerate(starts):
        row = spec[r]
        if not any(c[3] for c in row):
            parts = [c[0].split("\n") for c in row if c[0]]
            depth = max((len(p) for p in parts), default=0)
            for d in range(depth):
                head_lines.append(" ".join(p[d] for p in parts if d < len(p)))
            continue
        own = [c[0].replace("\n", "") for _, c in placed if not c[3] and c[1] == 1]
        nums = " ".join(c[0] for c in row if c[3])
        pre = " ".join(prefix[r])
        label = " ".join(own)
        if len(label) > 22:
            cut = rng.randint(14, 20)
            head_lines += [f"{pre} {label[:cut]}".strip(), nums, label[cut:]]
        else:
            head_lines.append(" ".join(x for x in (pre, label, nums) if x))
    return "\n".join(head_lines)


def _split_pages_text(report: SynthReport, key: str, rng: random.Random) -> str:
    """Flat rows broken across a page: a footer, the running title and (sometimes) the
    repeated header rows between two data rows."""
    head, data = _data_rows(report, key)
    head_lines = [" ".join(_flat_row(r)[0]) for r in head]
    rows = [" ".join(_flat_row(r)[0] + _flat_row(r)[1]) for r in data]
    if len(rows) < 2:
        return "\n".join(head_lines + rows)
    cut = rng.randint(1, len(rows) - 1)
    n = rng.randint(2, 9)
    footer = rng.choice(_FOOTER_SHAPES).format(n=n, m=n + rng.randint(1, 5))
    between = [footer, report.title]
    if rng.random() < 0.5:
        between += head_lines[-2:]
    return "\n".join(head_lines + rows[:cut] + between + rows[cut:])


def _pipe_blank_text(report: SynthReport, key: str) -> str:
    """Pipe rows from a web page whose zeros are empty cells."""
    out = []
    for row in _grid_rows(_spec(report, key)):
        cells = ["" if (isnum and t == "0") else t.replace("\n", "") for t, isnum in row]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def _shuffled_text(report: SynthReport, key: str, rng: random.Random) -> str:
    """Flat rows, each with its own label, in another order than the template's (header rows
    stay where they are)."""
    spec = _spec(report, key)
    lines: list[str | None] = []
    rows = []
    for row in spec:
        labels, numbers = _flat_row(row)
        if not numbers:
            lines.append(" ".join(labels))
            continue
        own = [c[0].replace("\n", "") for c in row if not c[3] and c[1] == 1]
        rows.append(" ".join((own or labels) + numbers))
        lines.append(None)
    if len(rows) > 2:
        rng.shuffle(rows)
    it = iter(rows)
    return "\n".join(x if x is not None else next(it) for x in lines)


def render_table_text(report: SynthReport, key: str, layout: str, seed: int = 0) -> str:
    """One table (key: applications, review_litigation, active_disclosure, statistics) as text,
    in one of TXT_LAYOUTS or EXTRA_TABLE_LAYOUTS."""
    rng = random.Random(seed)
    if layout in TXT_LAYOUTS:
        rows = _table_rows(report, key, layout)
        return ("\n\n" if layout == "cells" else "\n").join(rows)
    if layout == "columns":
        return _columns_text(report, key)
    if layout == "numbers_first":
        return _numbers_first_text(report, key, rng)
    if layout == "vertical":
        return _vertical_text(report, key, rng)
    if layout == "split_pages":
        return _split_pages_text(report, key, rng)
    if layout == "pipe_blank":
        return _pipe_blank_text(report, key)
    if layout == "shuffled":
        return _shuffled_text(report, key, rng)
    raise ValueError(f"layout must be one of {TXT_LAYOUTS + EXTRA_TABLE_LAYOUTS}, not {layout!r}")


def render_text_layout(report: SynthReport, layout: str, seed: int = 0, keys: tuple[str, ...] | None = None) -> str:
    """The whole report as text with its tables (all, or `keys`) in `layout`; other tables flat."""
    text = render_text(report, "flat")
    for block in report.blocks:
        if block[0] != "table" or (keys is not None and block[1] not in keys):
            continue
        flat = "\n".join(_table_rows(report, block[1], "flat"))
        text = text.replace(flat, render_table_text(report, block[1], layout, seed), 1)
    return text
