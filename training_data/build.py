"""Deterministic generator for the govdigest paragraph-classification training data.

    /work/main/.venv/bin/python training_data/build.py [--seed 20240611] [--out PATH]

Composes paragraphs (and a small set of single sentences) from the hand-written fragment bank
in fragments.py and writes training_data/paragraphs.jsonl. Pure standard library; all
randomness comes from one random.Random(seed), and no set/dict-order-dependent iteration is
used, so the same seed gives byte-identical output.

Record schema:
    {"id": "w-000001", "text": str, "label": "overview|problems|improvements|other",
     "section_kind": "overview|active_disclosure|applications|review_litigation|
                      problems_improvements|other_matters|fees|statistics|other" | null,
     "position": int (index within its section), "generation": "legacy|2019|2021", "source": "written"}

Held-out split (never used for training):
    int(hashlib.sha256(record["id"].encode()).hexdigest(), 16) % 5 == 0
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fragments as F  # noqa: E402

SEED = 20240611
HERE = Path(__file__).resolve().parent
OUT = HERE / "paragraphs.jsonl"

# paragraph-level targets per label, plus sentence-level records per label
TARGETS = {"overview": 2300, "problems": 1300, "improvements": 1500, "other": 1550}
SENT_TARGETS = {"overview": 260, "problems": 240, "improvements": 260, "other": 140}
TRAD_RATE = 0.03
OCR_RATE = 0.045

LABELS = ["overview", "problems", "improvements", "other"]


def is_heldout(rec_id: str) -> bool:
    return int(hashlib.sha256(rec_id.encode()).hexdigest(), 16) % 5 == 0


# ============================================================================================
# Context: one imagined report (agency, year, generation)
# ============================================================================================
PINYIN = ["qing", "lin", "an", "ping", "ning", "yong", "chang", "xin", "dong", "xi", "nan", "feng", "fu", "xing",
          "tai", "hua", "jia", "yun", "tong", "liu", "xi", "lan", "song", "shi", "jin", "yu", "long", "he", "kang",
          "yi", "chang", "sheng", "rui", "heng", "guang", "yuan", "gao", "ming", "yang", "chun", "han", "chu",
          "shan", "chuan", "quan", "jiang", "hu", "ze", "tian", "tang", "pu", "gang", "wan", "qiao", "kou"]
STREET_SUFFIX = ["路", "大道", "街", "路", "中路", "东路", "北街"]


class Ctx:
    def __init__(self, rng: random.Random, gen: str | None = None):
        self.rng = rng
        self.gen = gen or rng.choices(["legacy", "2019", "2021"], weights=[36, 20, 44])[0]
        if self.gen == "legacy":
            self.year = rng.randint(2008, 2018)
        elif self.gen == "2019":
            self.year = rng.randint(2019, 2020)
        else:
            self.year = rng.randint(2021, 2025)
        self._make_agency()
        self.para: dict = {}

    def new_para(self):
        """forget per-paragraph memory (application totals, the fix pair, ...)"""
        self.para = {}

    # ---- names ----
    def _name2(self) -> str:
        r = self.rng
        while True:
            a, b = r.choice(F.SYL1), r.choice(F.SYL2)
            if a != b:
                return a + b

    def _make_agency(self):
        r = self.rng
        city = self._name2()
        county = self._name2()
        town = self._name2()
        county_suffix = r.choice(["县", "区", "县", "区", "市"])  # 市 = county-level city
        kind = r.choices(
            ["county_gov", "city_gov", "town_gov", "street", "gov_office", "dept", "dept", "dept", "dept", "zone", "prov_gov"],
            weights=[12, 5, 8, 5, 6, 15, 15, 15, 10, 3, 1])[0]
        self.p2 = county
        self.scale = 1.0
        self.domain_list = F.LEGACY_GOV_DOMAINS + F.GOV_DOMAINS[:8] if self.gen == "legacy" else F.GOV_DOMAINS
        up = r.random() < 0.3  # place prefix includes the city
        county_full = (city + "市" if up else "") + county + county_suffix
        if kind == "county_gov":
            self.agency = county_full + "人民政府"
            self.place = county + county_suffix
            s = county_suffix
            self.selfs = ["我" + s, s + "政府", "全" + s, "本" + s, "我" + s]
            self.unit = s
            self.scale = 1.0
        elif kind == "city_gov":
            self.agency = city + "市人民政府"
            self.place = city + "市"
            self.p2 = city
            self.selfs = ["我市", "市政府", "全市", "我市"]
            self.unit = "市"
            self.scale = 4.0
        elif kind == "prov_gov":
            prov = r.choice(F.PROVINCE_NAMES)
            self.agency = prov + "省人民政府"
            self.place = prov + "省"
            self.p2 = prov
            self.selfs = ["我省", "省政府", "全省"]
            self.unit = "省"
            self.scale = 12.0
        elif kind == "town_gov":
            tsuf = r.choice(["镇", "镇", "乡"])
            self.agency = county_full + town + tsuf + "人民政府"
            self.place = town + tsuf
            self.p2 = town
            self.selfs = ["我" + tsuf, tsuf + "政府", "本" + tsuf, "全" + tsuf]
            self.unit = tsuf
            self.scale = 0.15
        elif kind == "street":
            self.agency = county_full + town + "街道办事处"
            self.place = town + "街道"
            self.p2 = town
            self.selfs = ["我街道", "街道办事处", "本街道", "我街道"]
            self.unit = "街道"
            self.scale = 0.15
        elif kind == "gov_office":
            base = r.choice([county_full, city + "市"])
            self.agency = base + "人民政府办公室"
            self.place = base
            self.selfs = ["我办", "本机关", "政府办", "我办"]
            self.unit = "办"
            self.scale = 1.5
        elif kind == "zone":
            self.agency = (city + "市" if r.random() < 0.5 else "") + county + r.choice(F.ZONE_KINDS)
            self.place = county
            self.selfs = ["管委会", "我区", "本机关"]
            self.unit = "区"
            self.scale = 0.6
        else:
            base = r.choice([county_full, county_full, city + "市", county + county_suffix])
            if self.gen == "legacy" and r.random() < 0.25:
                name, selfs, doms = r.choice(F.LEGACY_DEPARTMENTS)
            else:
                name, selfs, doms, legacy_name = r.choice(F.DEPARTMENTS)
                if self.gen == "legacy" and legacy_name:
                    name = legacy_name
            if name == "税务局" and r.random() < 0.5:
                self.agency = "国家税务总局" + base + "税务局"
            else:
                self.agency = base + name
            self.place = base
            self.selfs = [s for s in selfs if not s.startswith("市") or "市" in base] + ["本机关", "本单位"]
            self.unit = name[-1] if name[-1] in "局委办" else "中心"
            self.domain_list = doms
            self.scale = 0.5
        self.office = (self.agency if kind == "gov_office" else
                       self.agency + r.choice(["办公室", "办公室", "政务公开办公室", "综合科", "党政办公室", "综合股"]))
        self.domain_en = "".join(r.choice(PINYIN) for _ in range(2))
        self.address = f"{self.place}{self._name2()}{r.choice(STREET_SUFFIX)}{r.randint(1, 399)}号"
        self.postcode = f"{r.randint(10, 85)}{r.randint(0, 9)}{r.randint(0, 9)}00"
        self.phone = f"0{r.randint(310, 990)}-{r.randint(2000000, 8999999)}"
        self.email = r.choice([f"xxgk@{self.domain_en}.gov.cn", f"{self.domain_en}zwgk@163.com",
                               f"{self.domain_en}{r.randint(1, 99)}@126.com", f"zwgk_{self.domain_en}@sina.com"])

    # ---- numbers ----
    def num(self, lo: int, hi: int, scaled: bool = False) -> str:
        if scaled:
            lo, hi = max(1, int(lo * self.scale)), max(2, int(hi * self.scale))
        v = self.rng.randint(lo, hi)
        if v >= 1000 and self.rng.random() < 0.3:
            return f"{v:,}"
        return str(v)

    def slot(self, key: str) -> str:
        r = self.rng
        fixed = {
            "year": str(self.year), "last_year": str(self.year - 1), "next_year": str(self.year + 1),
            "agency": self.agency, "place": self.place, "p2": self.p2, "office": self.office,
            "address": self.address, "postcode": self.postcode, "phone": self.phone, "email": self.email,
            "domain_en": self.domain_en,
        }
        if key in fixed:
            return fixed[key]
        if key == "self":
            return r.choice(self.selfs)
        if key == "domain":
            return r.choice(self.domain_list)
        if key == "domain_short":
            return r.choice(self.domain_list).strip("“”")
        if key == "n0":
            return str(r.choice([0, 0, 0, 1, 2]))
        if key == "n1":
            return str(r.randint(1, 9))
        if key == "n2":
            return str(r.randint(10, 99))
        if key == "n3":
            return self.num(100, 999)
        if key == "nA":
            return self.num(80, 2600, scaled=True)
        if key == "nBig":
            return self.num(3000, 60000, scaled=True)
        if key == "nApp":
            if "nApp" not in self.para:
                self.para["nApp"] = max(3, int(r.randint(3, 60) * min(self.scale, 3)))
            return str(self.para["nApp"])
        if key == "nPart":  # a share of the paragraph's application total
            tot = int(self.slot("nApp"))
            return str(r.randint(0, max(1, tot // 2)))
        if key == "app_modes":
            tot = int(self.slot("nApp"))
            m1, m2 = r.sample(F.BANKS["mode"], 2)
            a = r.randint(0, tot)
            return f"{m1}申请{a}件、{m2}申请{tot - a}件"
        if key == "nRv":
            if "nRv" not in self.para:
                self.para["nRv"] = r.randint(1, 9)
            return str(self.para["nRv"])
        if key == "nRvPart":
            return str(r.randint(0, int(self.slot("nRv"))))
        if key == "pct":
            return r.choice(["100", "100", "99", "98.6", "99.2", "97.5", "96.8"])
        if key == "pct_f":
            return r.choice(["98.7", "99.1", "97.3", "96.5", "100", "95.8"])
        if key == "pct_small":
            return str(r.randint(3, 45))
        if key == "updown":
            return r.choice(["增加", "减少", "上升", "下降"])
        if key == "fee":
            return r.choice(["0", "0", "0", "20", "50", "100", "35.5", "120"])
        if key == "year_next_date":
            y, d = self.year + 1, r.randint(5, 31)
            return r.choice([f"{y}年1月{d}日", f"{y}-01-{d:02d}", f"{y}年2月{min(d, 28)}日", f"{y}年3月{r.randint(1, 31)}日"])
        if key == "date_cn":  # a signing date in Chinese numerals, early next year
            digits = r.choice(["○一二三四五六七八九", "〇一二三四五六七八九", "零一二三四五六七八九"])
            y = "".join(digits[int(d)] for d in str(self.year + 1))
            m, d = r.randint(1, 3), r.randint(1, 28)

            def cn(n: int) -> str:
                return (("" if n < 20 else digits[n // 10]) + "十" if n >= 10 else "") + (digits[n % 10] if n % 10 else "")

            return f"{y}年{cn(m)}月{cn(d)}日"
        if key == "index_no":
            return f"{r.randint(10000000, 99999999)}-{r.randint(1, 9)}-/{self.year + 1}-{r.randint(1, 9999):04d}"
        if key == "campaign_any":
            return self.fill("{campaign_l}" if self.gen == "legacy" else "{campaign_m}")
        if key in ("fix_problem", "fix_done"):
            if "fix" not in self.para:
                self.para["fix"] = r.choice(F.IM_FIX_PAIRS)
            prob, done = self.para["fix"]
            return prob if key == "fix_problem" else self.fill(done)
        if key in F.BANKS:
            return self.fill(self.pick(F.BANKS[key]))
        raise KeyError(key)

    def ok(self, entry: str) -> bool:
        if entry.startswith("L|"):
            return self.gen == "legacy"
        if entry.startswith("M|"):
            return self.gen != "legacy"
        if entry.startswith("N|"):
            return self.gen == "2021"
        return True

    @staticmethod
    def strip(entry: str) -> str:
        return entry[2:] if entry[:2] in ("L|", "M|", "N|") else entry

    def pick(self, lst: list[str]) -> str:
        cands = [e for e in lst if self.ok(e)]
        return self.strip(self.rng.choice(cands))

    def sample(self, lst: list[str], k: int) -> list[str]:
        cands = [e for e in lst if self.ok(e)]
        k = min(k, len(cands))
        return [self.strip(e) for e in self.rng.sample(cands, k)]

    def fill(self, tpl: str) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: self.slot(m.group(1)), tpl)


# ============================================================================================
# Formatting helpers: run-in headings, enumerations
# ============================================================================================
def run_in_heading(rng: random.Random, head: str, idx: int | None = None) -> str:
    i = idx if idx is not None else rng.randint(0, 5)
    cn = F.CN_NUM[i]
    style = rng.choice(["pcn", "pcn", "pcn_h", "ar", "ar2", "par", "cn", "colon", "plain", "pcn_nodot"])
    if style == "pcn":
        return f"（{cn}）{head}。"
    if style == "pcn_h":
        return f"({cn}){head}。"
    if style == "pcn_nodot":
        return f"（{cn}）{head}"
    if style == "ar":
        return f"{i + 1}.{head}。"
    if style == "ar2":
        return f"{i + 1}、{head}。"
    if style == "par":
        return f"（{i + 1}）{head}。"
    if style == "cn":
        return f"{cn}、{head}。"
    if style == "colon":
        return f"{head}："
    return f"{head}。"


def enumerate_items(rng: random.Random, items: list[str], style: str | None = None) -> str:
    style = style or rng.choice(F.ENUM_STYLES)
    n = len(items)
    if n == 1:
        return items[0] + "。"
    if style == "yishi":
        parts = [f"{F.CN_NUM[i]}是{t}" for i, t in enumerate(items)]
        return "；".join(parts) + "。"
    if style == "arabic":
        sep = rng.choice(["；", "。"])
        return sep.join(f"{i + 1}.{t}" for i, t in enumerate(items)) + "。"
    if style == "paren_cn":
        return "".join(f"（{F.CN_NUM[i]}）{t}。" for i, t in enumerate(items))
    if style == "paren_ar":
        return "；".join(f"（{i + 1}）{t}" for i, t in enumerate(items)) + "。"
    if style == "shouxian":
        words = ["首先", "其次", "再次", "此外", "最后"]
        if n == 2:
            words = ["首先", "其次"] if rng.random() < 0.6 else ["一方面", "另一方面"]
        elif n < 5:
            words = words[: n - 1] + ["最后"]
        return "；".join(f"{words[i]}，{t}" for i, t in enumerate(items)) + "。"
    if style == "circled":
        return "；".join(f"{F.CIRCLED[i]}{t}" for i, t in enumerate(items)) + "。"
    return "；".join(items) + "。"


def split_head(clause: str) -> tuple[str, str]:
    """'A，B，C' -> ('A', 'B，C') for item-style paragraphs; head may be the whole clause."""
    if "，" in clause:
        a, b = clause.split("，", 1)
        return a, b
    return clause, ""


def pr_combo(c: Ctx) -> str:
    """subject x predicate problem clause (no trailing punctuation)"""
    r = c.rng
    return c.fill(r.choice(F.PR_LEAD)) + c.fill(r.choice(F.PR_SUBJ)) + r.choice(F.PR_PRED) + c.fill(r.choice(F.PR_ADD))


def im_combo(c: Ctx) -> str:
    """verb x object improvement clause (no modal, no trailing punctuation)"""
    r = c.rng
    return r.choice(F.IM_VERB) + c.fill(r.choice(F.IM_OBJ)) + r.choice(F.IM_PURPOSE)


def sk_choice(rng: random.Random, table: dict) -> str | None:
    keys = list(table.keys())
    ws = [table[k] for k in keys]
    k = rng.choices(keys, weights=ws)[0]
    return None if k == "null" else k


# ============================================================================================
# OVERVIEW
# ============================================================================================
OV_TOPICS = {
    "active": F.OV_ACTIVE, "apply": F.OV_APPLY, "manage": F.OV_MANAGE, "platform": F.OV_PLATFORM,
    "supervise": F.OV_SUPERVISE, "interpret": F.OV_INTERPRET, "org": F.OV_ORG, "train": F.OV_TRAIN,
    "review": F.OV_REVIEW, "legacy_cat": F.OV_LEGACY_CAT, "hotline": F.OV_HOTLINE,
}
OV_FILLERS = [  # extra clauses appended to overview sentences
    "，确保了公开工作规范有序",
    "，进一步提高了公开的及时性",
    "，群众获取信息更加便捷",
    "，取得了较好的社会效果",
    "，得到了群众的普遍认可",
    "，信息公开的针对性和实效性不断增强",
    "，切实保障了群众的知情权",
    "",
    "",
    "",
]


def ov_section(c: Ctx, topic: str) -> str | None:
    r = c.rng
    leg = c.gen == "legacy"
    if topic == "general":
        return sk_choice(r, {"overview": 78, "null": 22})
    if topic in ("active", "apply", "review"):
        own = {"active": "active_disclosure", "apply": "applications", "review": "review_litigation"}[topic]
        if leg:
            return sk_choice(r, {own: 62, "overview": 12, "null": 26})
        if topic == "review":
            return sk_choice(r, {"overview": 35, own: 40, "null": 25})
        return sk_choice(r, {"overview": 60, own: 16, "null": 24})
    if topic == "othersec":
        return sk_choice(r, {"other": 55, "null": 45})
    if topic == "legacy_cat":
        return sk_choice(r, {"overview": 60, "other": 12, "null": 28})
    if leg:
        return sk_choice(r, {"overview": 62, "active_disclosure": 10, "null": 24, "other": 4})
    return sk_choice(r, {"overview": 76, "null": 24})


def compose_overview(c: Ctx) -> tuple[str, str | None]:
    r = c.rng
    mode = r.choices(["general", "topic", "items", "item1", "zero", "practice", "practice_im"],
                     weights=[13, 40, 7, 7, 10, 21, 8])[0]
    if mode == "practice":
        sents = [c.fill(x) for x in c.sample(F.OV_PRACTICE, r.choice([1, 2, 2, 3, 3, 4]))]
        body = "".join(sents)
        if r.random() < 0.4:
            heads = F.OV_PRACTICE_HEAD + F.IM_ITEM_HEAD + F.OV_HEAD["org"] + F.OV_HEAD["manage"]
            body = run_in_heading(r, r.choice(heads)) + body
        sk = sk_choice(r, {"overview": 74, "null": 20, "active_disclosure": 6 if c.gen == "legacy" else 0})
        return body, sk
    if mode == "practice" and r.random() < 0.2:
        # the same kind of fix, told as this year's work in 总体情况 -> overview (the section decides)
        ss = [c.fill(x).replace("针对上述问题", "针对检查发现的问题").removeprefix("一是").removeprefix("二是")
              for x in c.sample(F.IM_DONE, r.choice([1, 1, 2]))]
        return "".join(ss), "overview"
    if mode == "practice_im":
        # the wording of a measure, told as something done this year -> overview
        k = r.choice([1, 2, 2, 3])
        parts = []
        for x in c.sample(F.IM_CLAUSE, k):
            lead = r.choice(["", "", "", "全年", "坚持", "认真", "积极", "注重", "着力", "始终"])
            parts.append(lead + c.fill(x).removeprefix("进一步" if lead else ""))
        body = "；".join(parts) if r.random() < 0.3 else "。".join(parts)
        body += r.choice(["。", "，取得了较好效果。", "，各项工作有序推进。", "，工作成效明显。", "。"])
        if r.random() < 0.35:
            body = run_in_heading(r, r.choice(F.IM_ITEM_HEAD + F.OV_PRACTICE_HEAD)) + body
        return body, sk_choice(r, {"overview": 96, "null": 4})
    if mode == "general":
        works = c.sample(F.BANKS["work"], r.choice([1, 2, 2, 3]))
        s = c.fill("{time_open}，{self}{guide}，") + "，".join(c.fill(w) for w in works) + "，" + c.fill("{result}") + "。"
        if r.random() < 0.7:
            topic = r.choice(["active", "supervise", "org", "platform", "interpret", "manage"])
            pool = OV_TOPICS[topic]
            if any(c.ok(e) for e in pool):
                s += c.fill(c.pick(pool))
        head = ""
        if r.random() < 0.15:
            head = r.choice(["一、总体情况", "一、概述", "（一）总体情况。", "总体情况："]) + ("" if r.random() < 0.5 else "\n")
        return head + s, ov_section(c, "general")
    if mode in ("topic",):
        topics = [t for t in OV_TOPICS if t != "legacy_cat" or c.gen == "legacy"]
        weights = [{"active": 22, "apply": 18, "manage": 9, "platform": 10, "supervise": 8, "interpret": 9,
                    "org": 8, "train": 6, "review": 8, "legacy_cat": 8, "hotline": 5}[t] for t in topics]
        topic = r.choices(topics, weights=weights)[0]
        pool = [e for e in OV_TOPICS[topic] if c.ok(e)]
        if not pool:
            topic, pool = "active", [e for e in F.OV_ACTIVE if c.ok(e)]
        k = r.choice([1, 2, 2, 3, 3, 4])
        if topic in ("apply", "review"):  # do not mix "none received" with counts
            zero = r.random() < 0.45
            pool = [e for e in pool if (("未" in e or "没有" in e) and "{n" not in e) == zero]
            k = 1 if zero else r.choice([1, 2, 2])
        sents = [c.fill(c.strip(e)) for e in r.sample(pool, min(k, len(pool)))]
        sents = [s[:-1] + r.choice(OV_FILLERS) + "。"
                 if s.endswith("。") and "未" not in s and "没有" not in s and r.random() < 0.3 else s for s in sents]
        body = "".join(sents)
        if r.random() < 0.42:
            hk = topic if topic in F.OV_HEAD else "general"
            body = run_in_heading(r, c.pick(F.OV_HEAD[hk])) + body
        return body, ov_section(c, topic)
    if mode == "topic" and c.gen == "legacy" and r.random() < 0.12:
        # legacy 主动公开 sections enumerate categories: "3.政府机构和人事 公开了……等信息。"
        cat, objs = r.choice(F.OV_CAT_ITEM)
        a, b = r.sample(objs, 2)
        num = r.choice([f"{r.randint(1, 6)}.", f"{r.randint(1, 6)}、", f"（{F.CN_NUM[r.randint(0, 5)]}）", ""])
        body = r.choice(["公开了{a}、{b}等信息。", "主要公开{a}和{b}。", "及时公开{a}、{b}等内容，方便群众查阅。",
                         "共公开{a}{n}条，涉及{b}等方面。"]).format(a=a, b=b, n=r.randint(2, 90))
        return num + cat + r.choice([" ", "。", "：", ""]) + body, sk_choice(r, {"active_disclosure": 70, "overview": 10, "null": 20})
    if mode == "items":
        items = r.sample(F.OV_ITEM, r.choice([2, 3, 3, 4]))
        parts = [f"{h}，{c.fill(b).rstrip('。')}" for h, b in items]
        intro = r.choice(["", "", c.fill("{time_open}，{self}重点抓了以下几项工作："), c.fill("{time_open}，{self}主要做了以下工作："),
                          "主要做法如下：", c.fill("围绕年度目标，{self}着力做好以下工作：")])
        return intro + enumerate_items(r, parts, r.choice(["yishi", "arabic", "paren_ar", "yishi"])), ov_section(c, "org")
    if mode == "item1":
        h, b = r.choice(F.OV_ITEM)
        if r.random() < 0.5:
            h = r.choice(F.IM_ITEM_HEAD + F.OV_HEAD["org"] + F.OV_HEAD["train"])  # heading shared with improvements
        extra = c.fill(c.pick(F.OV_ORG + F.OV_SUPERVISE + F.OV_TRAIN)) if r.random() < 0.5 else ""
        return run_in_heading(r, h) + c.fill(b) + extra, ov_section(c, "org")
    # zero statements / legacy other section
    if r.random() < 0.25 and c.gen == "legacy":
        return c.fill(c.pick(F.OV_OTHERSEC)), ov_section(c, "othersec")
    if r.random() < 0.45:
        e = r.choice(F.OV_APPLY_SUB)
        topic = "review" if ("复议" in e and "申请{" not in e and "申请情况" not in e) else "apply"
        return c.fill(e), ov_section(c, topic)
    zero = [e for e in F.OV_APPLY + F.OV_REVIEW if ("未" in e or "没有" in e) and c.ok(e)]
    e = r.choice(zero)
    topic = "review" if ("复议" in e or "诉讼" in e) else "apply"
    return c.fill(c.strip(e)), ov_section(c, topic)


# ============================================================================================
# PROBLEMS
# ============================================================================================
def pr_section(c: Ctx) -> str | None:
    return sk_choice(c.rng, {"problems_improvements": 70, "null": 30})


def compose_problems(c: Ctx) -> tuple[str, str | None]:
    r = c.rng
    mode = r.choices(["list", "single", "sents", "positive", "head_list", "needs"], weights=[34, 22, 18, 14, 12, 22])[0]
    if mode == "needs":
        # "<intro>，如：A有待进一步提升；B需进一步加强；C还不够充分。" and 一是…。二是…。 variants
        k = r.choice([2, 3, 3, 4])
        subjects = c.sample(F.PR_NEED_SUBJ, k)
        preds = [r.choice(F.PR_NEED_PRED) for _ in range(k)]
        clauses = [c.fill(a) + b for a, b in zip(subjects, preds, strict=True)]
        intro = c.fill(c.pick(F.PR_NEED_INTRO))
        style = r.random()
        if style < 0.4:
            body = "；".join(clauses) + r.choice(["等。", "。", "。"])
            txt = intro + r.choice(["，如：", "，主要是：", "：", "，主要表现在："]) + body
        elif style < 0.75:
            txt = intro + r.choice(["：", "。", "，"]) + "".join(f"{F.CN_NUM[i]}是{x}。" for i, x in enumerate(clauses))
        else:
            head = run_in_heading(r, r.choice(F.PR_HEAD), 0).rstrip("。")
            txt = head + r.choice(["：", ":", "。"]) + "；".join(clauses) + "。"
        return txt, pr_section(c)
    if mode == "list":
        clauses = [c.fill(x) for x in c.sample(F.PR_CLAUSE, r.choice([2, 3, 3, 4, 4]))]
        clauses = [pr_combo(c) if r.random() < 0.3 else x for x in clauses]
        intro = c.fill(c.pick(F.PR_INTRO))
        joiner = r.choice(["：", "，主要表现在：", "，具体表现为：", "。主要是：", "，"])
        if joiner == "，":
            body = intro + "，" + "；".join(clauses[:2]) + "。"
        else:
            body = intro + joiner + enumerate_items(r, clauses)
        tail = r.choice(F.PR_TAIL)
        return body + tail, pr_section(c)
    if mode == "head_list":
        clauses = [c.fill(x) for x in c.sample(F.PR_CLAUSE, r.choice([2, 3, 3]))]
        clauses = [pr_combo(c) if r.random() < 0.3 else x for x in clauses]
        head = run_in_heading(r, r.choice(F.PR_HEAD), r.choice([0, 0, 4]))
        if r.random() < 0.5:
            head = head.rstrip("。") + r.choice(["\n", "。", ""])
        return head + enumerate_items(r, clauses), pr_section(c)
    if mode == "single":
        cl = c.fill(c.pick(F.PR_CLAUSE)) if r.random() < 0.7 else pr_combo(c)
        h, b = split_head(cl)
        i = r.randint(0, 3)
        style = r.random()
        if style < 0.35:
            txt = f"{F.CN_NUM[i]}是{cl}。"
        elif style < 0.7 and b:
            txt = run_in_heading(r, h, i) + b + "。"
        else:
            txt = cl + "。"
        if len(txt) < 80 or r.random() < 0.5:
            txt += c.fill(c.pick(F.PR_SENT))
        return txt, pr_section(c)
    if mode == "sents":
        ss = [c.fill(x) for x in c.sample(F.PR_SENT, r.choice([2, 2, 3, 3, 4]))]
        lead = r.choice(["", "", "", "同时，", "此外，", "另外，", "还需要看到，"])
        return lead + "".join(ss), pr_section(c)
    # brief positive clause then shortcomings
    pos = c.fill(r.choice([
        "{time_open}，{self}在政务公开方面做了大量工作，取得一定成效",
        "{self}政府信息公开工作总体运行平稳",
        "虽然{self}在公开渠道建设上有所突破",
        "尽管全年主动公开信息{nA}条、较上年有所增加",
        "{self}信息公开工作虽取得了一些进步",
        "近年来{self}政务公开水平逐步提升",
        "本年度各项公开任务基本完成",
    ]))
    clauses = [c.fill(x) for x in c.sample(F.PR_CLAUSE, r.choice([1, 2, 3]))]
    clauses = [pr_combo(c) if r.random() < 0.3 else x for x in clauses]
    mid = r.choice(["，但仍存在一些不足：", "，但与上级要求相比还有差距：", "，但也存在一些问题，", "，但", "，但在以下方面还不够："])
    if mid in ("，但",) or len(clauses) == 1:
        return pos + "，但" + "，".join(clauses) + "。", pr_section(c)
    return pos + mid + enumerate_items(r, clauses, r.choice(["yishi", "yishi", "semicolon", "arabic"])), pr_section(c)


# ============================================================================================
# IMPROVEMENTS
# ============================================================================================
def im_section(c: Ctx, overviewish: bool = False) -> str | None:
    if overviewish:
        return sk_choice(c.rng, {"overview": 45, "problems_improvements": 25, "null": 30})
    return sk_choice(c.rng, {"problems_improvements": 70, "null": 30})


def modalize(c: Ctx, clause: str, allow_bare: bool = True) -> str:
    m = c.rng.choice(F.IM_MODAL if allow_bare else [x for x in F.IM_MODAL if x])
    if m == "进一步" and clause.startswith("进一步"):
        m = ""
    return m + clause


def compose_improvements(c: Ctx) -> tuple[str, str | None]:
    r = c.rng
    mode = r.choices(["list", "single", "sents", "fix", "head_list", "plan", "bare", "done"],
                     weights=[32, 22, 13, 13, 12, 13, 14, 7])[0]
    if mode == "bare":
        head = run_in_heading(r, r.choice(F.IM_BARE_HEAD), r.randint(0, 4))
        body = "".join(c.fill(x) for x in c.sample(F.IM_BARE_BODY, r.choice([1, 2, 2, 3])))
        if r.random() < 0.3:
            body = r.choice(["按照上级部署要求，", "坚持问题导向，", "结合工作实际，", ""]) + body
        return head + body, sk_choice(r, {"problems_improvements": 90, "null": 10})
    if mode == "done":
        ss = [c.fill(x) for x in c.sample(F.IM_DONE, r.choice([1, 1, 2]))]
        return "".join(ss), "problems_improvements"
    if mode == "list":
        intro = c.fill(c.pick(F.IM_INTRO))
        clauses = [modalize(c, im_combo(c) if r.random() < 0.3 else c.fill(x)) for x in c.sample(F.IM_CLAUSE, r.choice([2, 3, 3, 4]))]
        if r.random() < 0.3:  # long items: two measures chained in one item
            extra = c.sample(F.IM_CLAUSE, len(clauses))
            clauses = [a + "，" + c.fill(b) if r.random() < 0.5 else a for a, b in zip(clauses, extra, strict=False)]
        if intro.endswith("将") or intro.endswith("计划") or intro.endswith("继续"):
            # "下一步，我们将" + 一是… reads oddly; use a comma join instead
            body = intro + "：" + enumerate_items(r, clauses) if r.random() < 0.4 else intro + "".join(clauses[:1]) + "，" + "，".join(clauses[1:3]) + "。"
        else:
            body = intro + r.choice(["：", "。", "："]) + enumerate_items(r, clauses)
        return body, im_section(c)
    if mode == "head_list":
        head = run_in_heading(r, r.choice(F.IM_HEAD), r.choice([1, 1, 5]))
        if r.random() < 0.5:
            head = head.rstrip("。") + r.choice(["\n", "。", ""])
        clauses = [modalize(c, im_combo(c) if r.random() < 0.3 else c.fill(x)) for x in c.sample(F.IM_CLAUSE, r.choice([2, 3, 3]))]
        return head + enumerate_items(r, clauses), im_section(c)
    if mode == "single":
        cl = c.fill(c.pick(F.IM_CLAUSE)) if r.random() < 0.7 else im_combo(c)
        i = r.randint(0, 4)
        style = r.random()
        if style < 0.3:
            txt = f"{F.CN_NUM[i]}是{modalize(c, cl)}。"
        elif style < 0.65:
            txt = run_in_heading(r, r.choice(F.IM_ITEM_HEAD), i) + modalize(c, cl, allow_bare=r.random() < 0.5) + "。"
        else:
            h, b = split_head(cl)
            txt = (run_in_heading(r, h, i) + b + "。") if b else (modalize(c, cl) + "。")
        if len(txt) < 80 or r.random() < 0.45:
            txt += c.fill(c.pick(F.IM_SENT))
        return txt, im_section(c)
    if mode == "sents":
        ss = [c.fill(x) for x in c.sample(F.IM_SENT, r.choice([2, 2, 3]))]
        return "".join(ss), im_section(c)
    if mode == "fix":
        ss = []
        for _ in range(r.choice([1, 2, 2])):
            c.new_para()
            ss.append(c.fill(c.pick(F.IM_FIX_SENT)))
        if len(ss) == 2 and (ss[0] == ss[1] or ss[0][:12] == ss[1][:12]):
            ss = ss[:1]
        head = ""
        if r.random() < 0.4:
            head = run_in_heading(r, r.choice(F.IM_FIX_HEAD), r.choice([0, 1]))
        return head + "".join(ss), sk_choice(r, {"problems_improvements": 85, "null": 15})
    # "plan" written like overview text, but about next year -> improvements
    txt = c.fill(r.choice(F.IM_PLAN + [
        "{next_year}年，{self}将继续围绕{domain}等重点领域做好主动公开工作，计划全年公开信息不少于{n3}条。",
        "{next_year}年，{self}将认真落实政务公开工作要点，进一步提升依申请公开办理质量，确保答复率100%。",
        "新的一年，{self}将按照{upper}的部署，坚持以公开为常态，推动政务公开工作提质增效。",
        "{next_year}年计划举办新闻发布会{n1}场以上，发布政策解读不少于{n2}篇。",
        "下一年度，{self}将在政府网站增设{domain_short}专栏，集中发布相关政策和办事信息。",
        "今后一个时期，{self}将把政务公开与{domain_short}工作深度融合，以公开促落实、促规范、促服务。",
        "{self}拟于{next_year}年开展政务公开工作专项检查，对发现的问题建立台账、限期整改。",
        "下步工作中，我们将坚持问题导向，逐项抓好整改落实，不断提升群众满意度。",
    ]))
    return txt, im_section(c, overviewish=True)


# ============================================================================================
# OTHER
# ============================================================================================
def t3_row(c: Ctx) -> str:
    r = c.rng
    label = r.choice(F.T3_ROWS)
    nums = [r.choice([0, 0, 0, 0, r.randint(1, 30)]) for _ in range(6)]
    total = sum(nums)
    cells = [str(x) for x in nums] + [str(total)]
    sep = r.choice([" ", " ", "\t", " | "])
    row = label + sep + sep.join(cells)
    return row


def t2_row(c: Ctx) -> str:
    r = c.rng
    label = r.choice(F.T2_ROWS)
    k = r.choice([1, 3, 3])
    cells = [str(r.choice([0, 0, r.randint(1, 300), r.randint(100, 5000)])) for _ in range(k)]
    if label == "行政事业性收费" and r.random() < 0.5:
        cells = [f"{r.randint(1, 9000)}.{r.randint(10, 99)}"]
    return label + " " + " ".join(cells)


def t4_row(c: Ctx) -> str:
    r = c.rng
    nums = []
    for _ in range(3):
        a = [r.choice([0, 0, 0, r.randint(1, 4)]) for _ in range(4)]
        nums += a + [sum(a)]
    return " ".join(str(x) for x in nums)


def legacy_stat_row(c: Ctx) -> str:
    r = c.rng
    name, unit = r.choice(F.LEGACY_STAT_ROWS)
    a = r.randint(0, 400) if unit != "万元" else r.choice(["0", "0.02", "0"])
    b = r.randint(int(a) if isinstance(a, int) else 0, 9000) if isinstance(a, int) else "0"
    return f"{name} {unit} {a} {b}"


def other_section(c: Ctx, kind: str) -> str | None:
    r = c.rng
    leg = c.gen == "legacy"
    if kind == "preamble":
        return sk_choice(r, {"overview": 35, "null": 57, "other": 8})
    if kind == "fees":
        return sk_choice(r, {"fees": 65, "other_matters": 15, "null": 20}) if leg else sk_choice(r, {"other_matters": 75, "null": 25})
    if kind == "none":  # 无。 also answers a problems-and-improvements part that has nothing to say
        return sk_choice(r, {"other_matters": 55, "fees": 15, "null": 30}) if leg else \
            sk_choice(r, {"other_matters": 70, "null": 30})
    if kind == "npc":
        return sk_choice(r, {"other_matters": 88, "other": 6 if leg else 0, "null": 6})
    if kind == "contact":
        return sk_choice(r, {"null": 55, "other_matters": 20, "overview": 15, "other": 10})
    if kind == "attach":
        return sk_choice(r, {"statistics": 30 if leg else 0, "null": 50, "other_matters": 10, "applications": 10})
    if kind == "chrome":
        return sk_choice(r, {"null": 85, "overview": 15})
    if kind == "t3":
        return sk_choice(r, {"applications": 55, "null": 35, "statistics": 10 if leg else 0})
    if kind == "t2":
        return sk_choice(r, {"active_disclosure": 70, "null": 30})
    if kind == "t4":
        return sk_choice(r, {"review_litigation": 70, "null": 30})
    if kind == "header":
        return sk_choice(r, {"applications": 25, "active_disclosure": 25, "review_litigation": 25, "null": 25})
    if kind == "lstat":
        return sk_choice(r, {"statistics": 70, "other": 10, "null": 20})
    return None


def compose_other(c: Ctx) -> tuple[str, str | None]:
    r = c.rng
    kinds = ["preamble", "fees", "none", "npc", "contact", "attach", "chrome", "table", "appendix"]
    kind = r.choices(kinds, weights=[30, 22, 12, 10, 6, 5, 3, 14, 11])[0]
    if kind == "appendix":
        # what follows the last section: attachment captions, signature and date lines, rows of the
        # legacy statistics table (often numbered "1.当面申请数 条 0 0") -- whatever section it lands in
        x = r.random()
        if x < 0.25:
            txt = c.fill(r.choice(["{date_cn}", "{agency}\n{date_cn}", "{agency} {date_cn}", "{year_next_date}",
                                   "{office}\n{date_cn}"]))
        elif x < 0.5:
            txt = c.fill(r.choice(F.OT_APPENDIX))
        else:
            rows = []
            for _ in range(r.choice([1, 1, 2, 3])):
                name, unit = r.choice(F.LEGACY_STAT_ROWS)
                name = name.removeprefix("其中：")
                a = r.choice([0, 0, 0, r.randint(1, 60)])
                num = f"{r.randint(1, 6)}." if r.random() < 0.4 else ""
                rows.append(f"{num}{name} {unit} {a} {a + r.choice([0, 0, r.randint(1, 900)])}")
            txt = " ".join(rows) + (" 其中：" if r.random() < 0.2 else "")
        if c.gen == "legacy":
            sk = sk_choice(r, {"problems_improvements": 40, "statistics": 15, "other_matters": 10, "null": 35})
        else:
            sk = sk_choice(r, {"other_matters": 45, "problems_improvements": 20, "null": 35})
        return txt, sk
    if kind == "preamble":
        pool = [e for e in F.OT_PREAMBLE if c.ok(e)]
        if r.random() < 0.25:
            pool = pool[:5] + [r.choice([e for e in F.OT_STRUCTURE if c.ok(e)])] + pool[5:]
        k = r.choice([1, 1, 2, 2, 3, 4])
        # keep the natural order: basis, composition, period, download, contact
        idx = sorted(r.sample(range(len(pool)), min(k, len(pool))))
        txt = "".join(c.fill(c.strip(pool[i])) for i in idx)
        return txt, other_section(c, kind)
    if kind == "fees":
        ss = [c.fill(c.pick(F.OT_FEES))]
        if r.random() < 0.2:
            ss.append(c.fill(c.pick(F.OT_NONE[4:])))
        return "".join(ss), other_section(c, kind)
    if kind == "none":
        if r.random() < 0.3:  # a bare "nothing here", in whatever part it answers (texts are unique: few)
            return r.choice(F.OT_NONE_SHORT), sk_choice(r, {"problems_improvements": 50, "other_matters": 30, "null": 20})
        return c.fill(r.choice(F.OT_NONE)), other_section(c, kind)
    if kind == "npc":
        ss = c.sample(F.OT_NPC, r.choice([1, 1, 2]))
        txt = "".join(c.fill(s) for s in ss)
        if r.random() < 0.25:
            txt = run_in_heading(r, r.choice(["建议提案办理情况", "人大代表建议和政协提案办理情况", "其他事项"]), r.randint(0, 2)) + txt
        return txt, other_section(c, kind)
    if kind == "contact":
        k = r.choice([1, 2, 3])
        txt = "；".join(c.fill(x) for x in r.sample(F.OT_CONTACT, k))
        return txt, other_section(c, kind)
    if kind == "attach":
        return c.fill(r.choice(F.OT_ATTACH)), other_section(c, kind)
    if kind == "chrome":
        k = r.choice([1, 2])
        return " ".join(c.fill(x) for x in r.sample(F.OT_CHROME, k)), other_section(c, kind)
    # table remnants
    tk = r.choices(["t3", "t2", "t4", "header", "lstat"], weights=[30, 20, 15, 20, 15 if c.gen == "legacy" else 0])[0]
    n = r.choice([1, 1, 2, 3, 4])
    joiner = r.choice([" ", "\n", "\n", " "])
    if tk == "t3":
        txt = joiner.join(t3_row(c) for _ in range(n))
    elif tk == "t2":
        txt = joiner.join(t2_row(c) for _ in range(n))
    elif tk == "t4":
        txt = r.choice(["", "", F.T_HEADERS[0] + joiner]) + t4_row(c)
    elif tk == "header":
        txt = joiner.join(r.sample(F.T_HEADERS, r.choice([1, 2, 3])))
    else:
        txt = joiner.join(legacy_stat_row(c) for _ in range(n))
    return txt, other_section(c, tk)


COMPOSERS = {"overview": compose_overview, "problems": compose_problems,
             "improvements": compose_improvements, "other": compose_other}


# ============================================================================================
# Sentence-level records
# ============================================================================================
def compose_sentence(c: Ctx, label: str) -> tuple[str, str | None]:
    r = c.rng
    if label == "overview":
        pool = F.OV_ACTIVE + F.OV_APPLY + F.OV_MANAGE + F.OV_PLATFORM + F.OV_SUPERVISE + F.OV_INTERPRET + \
            F.OV_PRACTICE + F.OV_PRACTICE + F.OV_ORG + F.OV_TRAIN + F.OV_REVIEW + F.OV_HOTLINE + F.OV_LEGACY_CAT
        return c.fill(c.pick(pool)), sk_choice(r, {"overview": 40, "null": 60})
    if label == "problems":
        if r.random() < 0.2:  # a need stated as a shortcoming
            cl = c.fill(r.choice(F.PR_NEED_SUBJ)) + r.choice(F.PR_NEED_PRED)
            return r.choice(["", "", "一是", "二是", "三是"]) + cl + "。", sk_choice(r, {"problems_improvements": 50, "null": 50})
        if r.random() < 0.35:
            return pr_combo(c) + "。", sk_choice(r, {"problems_improvements": 40, "null": 60})
        if r.random() < 0.6:
            return c.fill(c.pick(F.PR_CLAUSE)) + "。", sk_choice(r, {"problems_improvements": 40, "null": 60})
        return c.fill(c.pick(F.PR_SENT)), sk_choice(r, {"problems_improvements": 40, "null": 60})
    if label == "improvements":
        x = r.random()
        if x < 0.12:  # the lead-in that ends a problem paragraph: "…，我们将从以下几个方面加以改进："
            intro = c.fill(c.pick(F.IM_INTRO + F.IM_LEADIN))
            return intro.rstrip("：:") + "：", sk_choice(r, {"problems_improvements": 70, "null": 30})
        x = r.random()
        if x < 0.25:  # bare measures, as the sentences of an improvement item read
            body = c.fill(r.choice(F.IM_BARE_BODY)) if r.random() < 0.6 else c.fill(c.pick(F.IM_CLAUSE)) + "。"
            return body, sk_choice(r, {"problems_improvements": 60, "null": 40})
        x = r.random()
        if x < 0.2:
            return modalize(c, im_combo(c), allow_bare=False) + "。", sk_choice(r, {"problems_improvements": 40, "null": 60})
        if x < 0.5:
            return modalize(c, c.fill(c.pick(F.IM_CLAUSE)), allow_bare=False) + "。", sk_choice(r, {"problems_improvements": 40, "null": 60})
        if x < 0.8:
            return c.fill(c.pick(F.IM_SENT)), sk_choice(r, {"problems_improvements": 40, "null": 60})
        return c.fill(c.pick(F.IM_FIX_SENT)), sk_choice(r, {"problems_improvements": 40, "null": 60})
    pool = F.OT_PREAMBLE + F.OT_FEES + F.OT_NPC + F.OT_STRUCTURE
    return c.fill(c.pick(pool)), sk_choice(r, {"null": 60, "other_matters": 30, "overview": 10})


# ============================================================================================
# Noise: traditional characters, OCR / PDF-extraction artefacts
# ============================================================================================
def to_traditional(rng: random.Random, text: str) -> str:
    if rng.random() < 0.5:
        for s, t in F.TRAD_WORDS.items():
            text = text.replace(s, t)
    return "".join(F.TRAD_CHARS.get(ch, ch) for ch in text)


HALF = {"，": ",", "；": ";", "：": ":", "（": "(", "）": ")", "。": "."}


def ocr_noise(rng: random.Random, text: str) -> str:
    ops = rng.sample(["spaces", "breaks", "footer", "punct", "digits", "kangxi"], rng.choice([1, 2, 2, 3]))
    if "digits" in ops:  # "2023 年", "1136 条" as in PDF text layers
        text = re.sub(r"(\d+)", lambda m: " " + m.group(1) + " " if rng.random() < 0.7 else m.group(1), text).strip()
    if "punct" in ops:
        keys = [k for k in HALF if k != "。" or rng.random() < 0.2]
        text = "".join(HALF[ch] if ch in keys and rng.random() < 0.7 else ch for ch in text)
    if "spaces" in ops:
        chars = list(text)
        for _ in range(rng.randint(1, 4)):
            if len(chars) > 4:
                i = rng.randint(1, len(chars) - 2)
                chars.insert(i, rng.choice([" ", " ", "  ", "\u3000"]))
        text = "".join(chars)
    if "breaks" in ops and len(text) > 40:
        width = rng.randint(24, 36)
        text = "\n".join(text[i:i + width] for i in range(0, len(text), width))
    if "footer" in ops and len(text) > 30:
        i = rng.randint(10, len(text) - 10)
        text = text[:i] + rng.choice(["\n- {} -\n", " - {} - ", "\n— {} —\n", "\n第{}页\n", "\n{}\n"]).format(rng.randint(1, 12)) + text[i:]
    if "kangxi" in ops:
        text = text.replace("一", "\u2f00", 1)
    return text


# ============================================================================================
# Main
# ============================================================================================
HEADING_START = re.compile(r"^\s*([（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+[、是]|\d+[.、．]|[①-⑧])")


# Where in its section a paragraph stands (0 = first). Real sections open with a problem
# statement or an intro and go on with measures and items; the weights keep this a hint.
POS_WEIGHTS = {"problems": [55, 28, 11, 6], "improvements": [12, 33, 27, 28]}


def pick_position(rng: random.Random, label: str, sk: str | None) -> int:
    if label in POS_WEIGHTS:
        w = POS_WEIGHTS[label]
    elif label == "overview":
        w = [55, 25, 12, 8] if sk in ("applications", "review_litigation", "fees", "active_disclosure") else [22, 24, 22, 32]
    elif sk in (None, "overview"):
        w = [70, 15, 8, 7]
    elif sk in ("other_matters", "fees"):
        w = [60, 22, 10, 8]
    else:
        w = [25, 25, 25, 25]
    p = rng.choices([0, 1, 2, 3], weights=w)[0]
    return rng.choice([3, 3, 4, 5, 6, 8]) if p == 3 else p


def length_ok(text: str, label: str, sentence: bool) -> bool:
    n = len(text)
    if n > 400:
        return False
    if sentence or label == "other":
        return n >= 1
    return n >= 20


def build(seed: int = SEED) -> list[dict]:
    rng = random.Random(seed)
    seen: dict[str, int] = {}
    recs: list[dict] = []

    def add(text, label, sk, gen):
        key = text.strip()
        if not key or key in seen:
            return False
        seen[key] = 1
        recs.append({"text": text, "label": label, "section_kind": sk, "generation": gen,
                     "position": pick_position(rng, label, sk)})
        return True

    # paragraph records, interleaved by label so one report context yields a mix
    counts = Counter()
    attempts = 0
    while any(counts[lab] < TARGETS[lab] for lab in LABELS):
        attempts += 1
        if attempts > 400000:
            raise RuntimeError(f"cannot reach targets: {dict(counts)}")
        c = Ctx(rng)
        for lab in LABELS:
            if counts[lab] >= TARGETS[lab]:
                continue
            for _ in range(rng.choice([1, 1, 2])):
                c.new_para()
                text, sk = COMPOSERS[lab](c)
                if lab != "other" and len(text) < 90 and rng.random() < 0.55:
                    # real paragraphs often run several statements together: append a second body
                    c.new_para()
                    more, _ = COMPOSERS[lab](c)
                    if not HEADING_START.match(more) and "\n" not in more and len(text) + len(more) <= 330:
                        text = text + more
                if not length_ok(text, lab, False):
                    continue
                if add(text, lab, sk, c.gen):
                    counts[lab] += 1
    # sentence-level records
    scount = Counter()
    attempts = 0
    while any(scount[lab] < SENT_TARGETS[lab] for lab in LABELS):
        attempts += 1
        if attempts > 200000:
            raise RuntimeError(f"cannot reach sentence targets: {dict(scount)}")
        c = Ctx(rng)
        for lab in LABELS:
            if scount[lab] >= SENT_TARGETS[lab]:
                continue
            c.new_para()
            text, sk = compose_sentence(c, lab)
            if length_ok(text, lab, True) and add(text, lab, sk, c.gen):
                scount[lab] += 1

    rng.shuffle(recs)
    # noise after shuffling (so it is spread over all kinds); keep texts unique
    final: list[dict] = []
    seen2: dict[str, int] = {}
    for rec in recs:
        t = rec["text"]
        x = rng.random()
        if x < TRAD_RATE:
            t = to_traditional(rng, t)
        elif x < TRAD_RATE + OCR_RATE:
            t = ocr_noise(rng, t)
        if t.strip() in seen2:
            t = rec["text"]
            if t.strip() in seen2:
                continue
        seen2[t.strip()] = 1
        rec["text"] = t
        final.append(rec)
    out = []
    for i, rec in enumerate(final, 1):
        out.append({"id": f"w-{i:06d}", "text": rec["text"], "label": rec["label"],
                    "section_kind": rec["section_kind"], "position": rec["position"],
                    "generation": rec["generation"], "source": "written"})
    return out


def summary(recs: list[dict]) -> str:
    lines = [f"records: {len(recs)}"]
    for field in ("label", "generation", "section_kind"):
        cnt = Counter(str(r[field]) for r in recs)
        lines.append(f"{field}: " + ", ".join(f"{k}={v}" for k, v in sorted(cnt.items())))
    ho = Counter(r["label"] for r in recs if is_heldout(r["id"]))
    lines.append("held-out: " + ", ".join(f"{k}={ho[k]}" for k in LABELS) + f", total={sum(ho.values())}")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    recs = build(args.seed)
    texts = [r["text"] for r in recs]
    assert len(texts) == len(set(texts)), "duplicate texts"
    with open(args.out, "w", encoding="utf-8", newline="\n") as fh:
        for r in recs:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(summary(recs))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
