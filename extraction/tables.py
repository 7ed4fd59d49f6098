"""The three standard tables: 表二 (active_disclosure), 表三 (applications), 表四 (review_litigation).

Two readers share one template: real grids (HTML/DOCX) give their cells; text gives a stream
of row labels and numbers. The stream reader relies on the template's fixed row order, so a
label that a PDF extractor moved away from its numbers does not shift any cell; where the
count of numbers does not fit the template, rows are read label by label instead and the
gaps are reported, never filled by shifting.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .document import Grid

APPLICATION_COLUMNS = ["natural_person", "commercial", "research", "social_org", "legal_service", "other", "total"]
REVIEW_COLUMNS = ["maintained", "corrected", "other", "pending", "total"]
REVIEW_BLOCKS = ["review", "litigation_direct", "litigation_after_review"]

# (key, label pattern) in template order. The 2019 template has one （六）其他处理 row (`other`).
_APP_ROWS_HEAD = [
    ("new_received", r"本年(?:度)?新收"),
    ("carried_over", r"上年结转"),
    ("granted", r"予以公开"),
    ("partially_granted", r"部分公开"),
    ("refused_state_secret", r"国家秘密"),
    ("refused_prohibited", r"法律行政法规禁止|其他法律"),
    ("refused_security_stability", r"三安全一稳定|危及"),
    ("refused_third_party", r"第三方合法权益"),
    ("refused_internal", r"内部事务"),
    ("refused_process", r"过程性信息"),
    ("refused_enforcement_file", r"行政执法案卷"),
    ("refused_query", r"行政查询事项"),
    ("unavailable_not_held", r"不掌握"),
    ("unavailable_needs_creation", r"另行制作|没有现成"),
    ("unavailable_unclear", r"补正后|仍不明确"),
    ("rejected_petition", r"信访举报|投诉类"),
    ("rejected_duplicate", r"重复申请"),
    ("rejected_publication", r"公开出版物"),
    ("rejected_excessive", r"大量反复"),
    ("rejected_confirmation", r"确认或重新出具|重新出具"),
]
_APP_ROWS_2021_OTHER = [
    ("other_no_correction", r"逾期不补正"),
    ("other_no_fee", r"收费通知|缴纳费用"),
    ("other", r"(?<![\u4e00-\u9fff])3\.其他|(?:^|\s|\|)其他(?:\s|\||$)"),
]
_APP_ROWS_TAIL = [
    ("total", r"总计"),
    ("carried_forward", r"结转下年度"),
]
_APP_OTHER_2019 = [("other", r"其他处理")]
APP_ROWS_2021 = [k for k, _ in _APP_ROWS_HEAD + _APP_ROWS_2021_OTHER + _APP_ROWS_TAIL]
APP_ROWS_2019 = [k for k, _ in _APP_ROWS_HEAD + _APP_OTHER_2019 + _APP_ROWS_TAIL]

_NUM = re.compile(r"[-+]?\d+(?:\.\d+)?")
# Row-label enumerators ("1.属于国家秘密") and template digits ("三安全一稳定" has none) are not cells.
_LABEL_DIGITS = re.compile(r"(?<![\d.])\d{1,2}[.．、](?=\D)|\d[.．、](?=[\u4e00-\u9fff])|第[一二三四五六七八九十\d]+[项条]|[(（]\d{1,2}[)）]")
_NOTE = re.compile(r"[(（]其中[^)）]*[)）]")


@dataclass
class TableResult:
    data: dict = field(default_factory=dict)
    evidence: dict = field(default_factory=dict)  # "row[col]" -> {value, source_text, status}
    warnings: list[str] = field(default_factory=list)
    method: str = ""


def _numbers(text: str) -> list[tuple[str, int, int]]:
    text = _LABEL_DIGITS.sub(lambda m: " " * len(m.group(0)), text)
    text = _NOTE.sub(lambda m: " " * len(m.group(0)), text)
    return [(m.group(0), m.start(), m.end()) for m in _NUM.finditer(text)]


def _value(raw: str) -> float | int:
    v = float(raw)
    return int(v) if v.is_integer() and "." not in raw else v


# ---------------------------------------------------------------- glued digits

def split_glued(digits: str, n: int, row_total: bool = True) -> list[list[int]]:
    """All readings of a glued digit string as n cells whose first n-1 sum to the last.

    Cells have no leading zeros; the per-row sum prunes the search, so a 7-cell row of
    ~10 digits costs microseconds, not a product over all splits."""
    out: list[list[int]] = []
    total_len = len(digits)

    def rec(pos: int, cells: list[int]) -> None:
        k = len(cells)
        if k == n - 1:
            rest = digits[pos:]
            if not rest or (len(rest) > 1 and rest[0] == "0"):
                return
            last = int(rest)
            if not row_total or sum(cells) == last:
                out.append(cells + [last])
            return
        remaining = n - k - 1
        max_len = total_len - pos - remaining
        for ln in range(1, max_len + 1):
            piece = digits[pos:pos + ln]
            if len(piece) > 1 and piece[0] == "0":
                break
            value = int(piece)
            if row_total and sum(cells) + value > 10 ** (total_len - pos - ln):
                break
            rec(pos + ln, cells + [value])

    rec(0, [])
    return out


# ---------------------------------------------------------------- 表三

def _app_patterns(rows: str) -> list[tuple[str, re.Pattern]]:
    other = _APP_ROWS_2021_OTHER if rows == "2021" else _APP_OTHER_2019
    return [(k, re.compile(p)) for k, p in _APP_ROWS_HEAD + other + _APP_ROWS_TAIL]


def _rows_from_stream(nums: list[tuple[str, int, int]], keys: list[str], width: int) -> dict[str, list] | None:
    if len(nums) != len(keys) * width:
        return None
    return {k: [_value(nums[i * width + j][0]) for j in range(width)] for i, k in enumerate(keys)}


def parse_applications_text(text: str, generation: str) -> TableResult:
    res = TableResult()
    nums = _numbers(text)
    raw = [n for n, _, _ in nums]
    # Glued rows: every row's digits in one token.
    if nums and all("." not in n for n in raw) and sum(len(n) for n in raw) > 2 * len(raw) and len(raw) in (23, 25):
        keys = APP_ROWS_2021 if len(raw) == 25 else APP_ROWS_2019
        rows, uncertain = _solve_glued_rows([n for n in raw], keys)
        if rows:
            res.data = {"columns": APPLICATION_COLUMNS, "rows": rows}
            res.method = "glued"
            for key in uncertain:
                res.warnings.append(f"applications.{key}: several splits satisfy the identities; the most plausible was kept")
            return res
    for keys in (APP_ROWS_2021, APP_ROWS_2019):
        rows = _rows_from_stream(nums, keys, 7)
        if rows:
            res.data = {"columns": APPLICATION_COLUMNS, "rows": rows}
            res.method = "stream"
            return res
    # Row runs: "21 0 0 0 0 0 21" (a flattened PDF row) or "640020470" (glued) or "500000 5".
    runs = [m.group(0) for m in re.finditer(r"\d[\d ]*\d|\d", _LABEL_DIGITS.sub(" ", _NOTE.sub(" ", text)))]
    if len(runs) in (23, 25):
        keys = APP_ROWS_2021 if len(runs) == 25 else APP_ROWS_2019
        parsed: list[list[int] | str] = []
        for run in runs:
            parts = run.split()
            parsed.append([int(p) for p in parts] if len(parts) == 7 else run.replace(" ", ""))
        glued = [p for p in parsed if isinstance(p, str)]
        rows, uncertain = _solve_glued_rows([p if isinstance(p, str) else " ".join(map(str, p)) for p in parsed], keys)
        if rows:
            res.data = {"columns": APPLICATION_COLUMNS, "rows": rows}
            res.method = "glued" if glued else "rows"
            for key in uncertain:
                res.warnings.append(f"applications.{key}: several splits satisfy the identities; the most plausible was kept")
            return res
    # Fall back: numbers after each label until the next label.
    rows_kind = "2021" if generation == "2021" else "2019"
    found: dict[str, list] = {}
    positions = []
    pos = 0
    for key, pat in _app_patterns(rows_kind):
        m = pat.search(text, pos)
        if m:
            positions.append((key, m.start(), m.end()))
            pos = m.end()
    for i, (key, _s, e) in enumerate(positions):
        nxt = positions[i + 1][1] if i + 1 < len(positions) else len(text)
        cells = [_value(n) for n, _, _ in _numbers(text[e:nxt])]
        if len(cells) == 7:
            found[key] = cells
        elif len(cells) == 1 and len(str(cells[0])) >= 7:
            splits = split_glued(str(cells[0]), 7)
            if splits:
                found[key] = splits[0]
        else:
            res.warnings.append(f"applications.{key}: {len(cells)} numbers found after the row label, 7 expected")
    if found:
        res.data = {"columns": APPLICATION_COLUMNS, "rows": found}
        res.method = "labels"
    return res


def _solve_glued_rows(tokens: list[str], keys: list[str]) -> tuple[dict[str, list], list[str]]:
    options = [[[int(x) for x in t.split()]] if " " in t else split_glued(t, 7) for t in tokens]
    if any(not o for o in options):
        return {}, []
    # Column identities decide among a row's readings: keep the reading that lets A and B hold.
    chosen = [o[0] for o in options]
    uncertain = [keys[i] for i, o in enumerate(options) if len(o) > 1]
    if uncertain:
        import itertools

        amb = [i for i, o in enumerate(options) if len(o) > 1]
        if len(amb) <= 6 and all(len(options[i]) <= 12 for i in amb):
            for combo in itertools.product(*(options[i] for i in amb)):
                trial = list(chosen)
                for i, c in zip(amb, combo, strict=True):
                    trial[i] = c
                rows = dict(zip(keys, trial, strict=True))
                if not application_identity_failures(rows):
                    chosen = trial
                    uncertain = []
                    break
    return dict(zip(keys, chosen, strict=True)), uncertain


def application_identity_failures(rows: dict[str, list]) -> list[str]:
    """Names of the identities (A, B, C) that do not hold."""
    fails = []
    result_keys = [k for k in rows if k not in ("new_received", "carried_over", "total", "carried_forward")]
    for c in range(7):
        try:
            a = rows["new_received"][c] + rows["carried_over"][c] == rows["total"][c] + rows["carried_forward"][c]
            b = sum(rows[k][c] for k in result_keys) == rows["total"][c]
        except (KeyError, IndexError):
            return ["incomplete"]
        if not a:
            fails.append(f"A[{c}]")
        if not b:
            fails.append(f"B[{c}]")
    for k, v in rows.items():
        if sum(v[:6]) != v[6]:
            fails.append(f"C[{k}]")
    return fails


def parse_applications_grid(grid: Grid, generation: str) -> TableResult:
    return parse_applications_text(_grid_text(grid), generation)


def _grid_text(grid: Grid) -> str:
    """A grid as label-then-cells lines; an empty cell in a numeric column counts 0."""
    def is_num(c: str) -> bool:
        return bool(_NUM.fullmatch(_NOTE.sub("", c).strip()))

    numbered = [r for r in grid.rows if any(is_num(c) for c in r)]
    ncols = max((len(r) for r in grid.rows), default=0)
    clean = [j for j in range(ncols) if all(j >= len(r) or is_num(r[j]) or not r[j].strip() for r in numbered)]
    with_numbers = [j for j in clean if any(j < len(r) and is_num(r[j]) for r in numbered)]
    # Blank columns between numeric ones are numeric too: an empty cell means 0.
    numeric_cols = {j for j in clean if with_numbers and with_numbers[0] <= j <= with_numbers[-1]}

    def is_data_row(r: list[str]) -> bool:
        # A labelled row whose numeric cells are all blank is a row of zeros.
        if not numeric_cols or not all(j >= len(r) or is_num(r[j]) or not r[j].strip() for j in numeric_cols):
            return False
        return any(is_num(c) for c in r) or any(c.strip() for j, c in enumerate(r) if j not in numeric_cols)

    data_rows = [r for r in grid.rows if is_data_row(r)]
    out = []
    for i, row in enumerate(grid.rows):
        labels, cells = [], []
        for j, c in enumerate(row):
            c = _NOTE.sub("", c).strip()
            if j in numeric_cols and (i, j) not in grid.spans and row in data_rows:
                cells.append(c or "0")
            elif c and c not in labels and not is_num(c):
                labels.append(c)
        out.append((" ".join(labels) + " " + " ".join(cells)).strip())
    return "\n".join(out)


# ---------------------------------------------------------------- 表四

def parse_review_text(text: str) -> TableResult:
    res = TableResult()
    nums = [n for n, _, _ in _numbers(text)]
    if len(nums) == 15:
        vals = [_value(n) for n in nums]
        res.data = {b: vals[i * 5:(i + 1) * 5] for i, b in enumerate(REVIEW_BLOCKS)}
        res.method = "stream"
    elif len(nums) == 1 and len(nums[0]) >= 15:
        readings = _split_review(nums[0])
        if readings:
            vals = readings[0]
            res.data = {b: vals[i * 5:(i + 1) * 5] for i, b in enumerate(REVIEW_BLOCKS)}
            res.method = "glued"
            if len(readings) > 1:
                res.warnings.append("review_litigation: several splits satisfy the block totals; the first was kept")
    elif nums:
        res.warnings.append(f"review_litigation: {len(nums)} numbers found, 15 expected")
    return res


def _split_review(digits: str) -> list[list[int]]:
    out = []

    def rec(pos: int, acc: list[int]) -> None:
        if len(acc) == 15:
            if pos == len(digits):
                out.append(acc)
            return
        for block in split_prefix(digits, pos, 5):
            rec(block[1], acc + block[0])

    rec(0, [])
    return out


def split_prefix(digits: str, pos: int, n: int):
    """Readings of n cells starting at pos whose first n-1 sum to the last; yields (cells, end)."""
    def rec(p: int, cells: list[int]):
        if len(cells) == n:
            if sum(cells[:-1]) == cells[-1]:
                yield cells, p
            return
        for ln in range(1, min(6, len(digits) - p) + 1):
            piece = digits[p:p + ln]
            if len(piece) > 1 and piece[0] == "0":
                break
            yield from rec(p + ln, cells + [int(piece)])

    yield from rec(pos, [])


# ---------------------------------------------------------------- 表二

_AD_ROWS_2021 = [
    ("regulations", r"规章", ["issued", "repealed", "in_force"]),
    ("normative_documents", r"(?:行政)?规范性文件", ["issued", "repealed", "in_force"]),
    ("licensing", r"行政许可", ["decisions"]),
    ("punishment", r"行政处罚", ["decisions"]),
    ("coercion", r"行政强制", ["decisions"]),
    ("fees", r"行政事业性收费", ["amount"]),
]
_AD_ROWS_2019 = [
    ("regulations", r"规章", ["new_made", "new_published", "total_published"]),
    ("normative_documents", r"规范性文件", ["new_made", "new_published", "total_published"]),
    ("licensing", r"行政许可", ["previous", "change", "decisions"]),
    ("other_services", r"其他对外管理服务事项", ["previous", "change", "decisions"]),
    ("punishment", r"行政处罚", ["previous", "change", "decisions"]),
    ("coercion", r"行政强制", ["previous", "change", "decisions"]),
    ("fees", r"行政事业性收费", ["previous", "change"]),
    ("procurement", r"政府集中采购", ["projects", "amount"]),
]


def parse_active_disclosure_text(text: str, generation: str) -> TableResult:
    res = TableResult()
    rows = _AD_ROWS_2021 if generation == "2021" else _AD_ROWS_2019
    # Drop the column headers so their words ("行政许可" is also a header in no template) don't anchor rows.
    positions = []
    pos = 0
    for key, pat, cols in rows:
        m = re.compile(pat).search(text, pos)
        if m:
            positions.append((key, m.start(), m.end(), cols))
            pos = m.end()
    data: dict[str, dict] = {}
    for i, (key, _s, e, cols) in enumerate(positions):
        nxt = positions[i + 1][1] if i + 1 < len(positions) else len(text)
        segment_text = re.split(r"第二十条", text[e:nxt])[0]
        nums = [n for n, _, _ in _numbers(segment_text)]
        if key == "other_services" and len(nums) > len(cols) and len(nums) % len(cols) == 0:
            # Sub-rows (行政检查, 行政确认 …) add up to the row.
            k = len(cols)
            sums = [sum(_value(nums[j]) for j in range(c, len(nums), k)) for c in range(k)]
            data[key] = dict(zip(cols, sums, strict=True))
            continue
        if len(nums) == len(cols):
            data[key] = {c: _value(n) for c, n in zip(cols, nums, strict=True)}
        elif len(nums) == 1 and len(cols) == 3 and len(nums[0]) == 3 and "." not in nums[0]:
            data[key] = {c: int(d) for c, d in zip(cols, nums[0], strict=True)}
        elif len(nums) == 1 and len(cols) > 1 and "." not in nums[0]:
            res.warnings.append(f"active_disclosure.{key}: glued digits {nums[0]!r} cannot be split by any identity")
        elif nums:
            res.warnings.append(f"active_disclosure.{key}: {len(nums)} numbers, {len(cols)} expected")
    res.data = data
    res.method = "labels"
    return res


# ---------------------------------------------------------------- entry point

def extract_tables(text: str, sections: list, generation: str, grids: list[Grid]) -> tuple[dict, list[str]]:
    """tables {active_disclosure, applications, review_litigation} and warnings."""
    tables: dict = {}
    warnings: list[str] = []
    by_kind: dict[str, tuple[int, int]] = {}
    for s in sections:
        if s.kind not in by_kind:
            by_kind[s.kind] = (s.body_start, s.end)

    def region_text(kind: str) -> str:
        if kind not in by_kind:
            return ""
        a, b = by_kind[kind]
        inside = [g for g in grids if a <= g.start < b]
        if inside:
            return "\n".join(_grid_text(g) for g in inside)
        return text[a:b]

    if generation in ("2019", "2021"):
        ad = region_text("active_disclosure")
        if ad:
            r = parse_active_disclosure_text(ad, generation)
            if r.data:
                tables["active_disclosure"] = r.data
            warnings += r.warnings
        ap = region_text("applications")
        if ap:
            r = parse_applications_text(ap, generation)
            if r.data:
                tables["applications"] = r.data
            warnings += r.warnings
        rl = region_text("review_litigation")
        if rl:
            r = parse_review_text(rl)
            if r.data:
                tables["review_litigation"] = r.data
            warnings += r.warnings
    return tables, warnings
