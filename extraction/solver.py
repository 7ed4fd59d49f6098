"""The identity solver: which cells do the printed numbers stand for?

Where the layout leaves the reading open — digits glued with no separator (`21710000218`),
a number missing (an empty cell that a text layer drops) or one too many — every reading
the template allows is enumerated and only those that satisfy the identities are kept:

* per row: the group sums (表三 C: 自然人 + … + 其他 = 总计; 表四: 维持 + 纠正 + 其他 + 尚未审结 = 总计
  per block). The sum fixes the total cell completely, so a glued row is cut into its parts
  only (the total must then read as their sum), and a part that already exceeds what the
  remaining digits can hold stops the branch: no blind product over all splits.
* across rows: 表三 A (一 + 二 = （七） + 四) and B (（七） = Σ results) per column, by a search over
  the rows that still have several readings, pruned with the column sums; prose facts
  ("受理申请70件" = 一's 总计) narrow what is left.

Outcome per table: `read` (nothing was open), `solved` (one reading left: the identities
decided), `ambiguous` (several left: the most plausible is kept and the cells where they
differ are `uncertain` with their alternatives), `inconsistent` (none left: the source
contradicts its own template; the printed numbers are kept as printed).

Plausibility, used only to order what the identities leave open, lower is better:
inserted blanks, dropped tokens, then non-zero cells (in these tables most cells are 0, so
"33000" is 33 0 0 0 before 3 30 0 0), then multi-digit cells, then the largest cell, then how
many layouts give the same values (a zero inserted into a run of zeros reads the same
wherever it goes). Across rows, the sum of the rows' ranks decides.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from itertools import combinations

from .table_template import RESULT_KEYS, SMALL_INTS, Tok, int_values, number_value

MAX_PIECE = 7  # digits in one cell; a count of ten million is not a table cell
NODE_LIMIT = 40_000
MAX_READINGS = 64


@dataclass(slots=True)
class Cell:
    value: int | float
    text: str
    start: int
    end: int
    status: str = "read"  # read | inferred (an invisible blank)


@dataclass
class Reading:
    cells: list[Cell]
    ok: bool  # the row's own identities hold
    cost: tuple = ()
    note: str = ""

    @property
    def values(self) -> list:
        return [c.value for c in self.cells]


def group_ok(values: list, groups) -> bool:
    return all(sum(values[a:t]) == values[t] for a, t in groups)


def _cost(cells: list[Cell], blanks: int, dropped: int, mult: int = 1) -> tuple:
    nonzero = sum(1 for c in cells if c.value)
    multi = sum(1 for c in cells if len(c.text) > 1 and c.text.isdigit())
    mx = max((c.value for c in cells), default=0)
    return (blanks, dropped, nonzero, multi, mx, -mult)


def _direct(toks: list[Tok], groups) -> Reading:
    vals = [number_value(t.text) for t in toks]
    cells = [Cell(v, t.text, t.start, t.end) for v, t in zip(vals, toks, strict=True)]
    return Reading(cells, group_ok(vals, groups), _cost(cells, 0, 0))


def row_readings(toks: list[Tok], n: int, groups=(), *, limit: int = MAX_READINGS) -> list[Reading]:
    """Readings of one row's tokens as n cells, those satisfying the groups first (best first).

    Only when no reading satisfies the groups are readings that break them returned ("as
    printed": the source is inconsistent), still best first."""
    m = len(toks)
    if m == n:  # every cell printed apart: read as printed (a glued cell would need more cells)
        return [_direct(toks, groups)]
    if m > n:
        return _drop_extra(toks, n, groups, limit)
    if m == 1 and len(toks[0].text) == n and toks[0].text.isdigit() and not toks[0].blank:
        # as many digits as cells: one digit each is the only cut without blanks
        t = toks[0]
        vals = int_values(t.text)
        if group_ok(vals, groups):
            s = t.start
            cells = list(map(Cell, vals, t.text, range(s, s + n), range(s + 1, s + n + 1)))
            # _cost(cells, 0, 0) of one-digit cells
            return [Reading(cells, True, (0, 0, n - vals.count(0), 0, max(vals), -1))]
    splittable = any(t.splittable for t in toks)
    # 1. cut glued tokens, no blanks
    if splittable:
        found = _enumerate(toks, n, groups, 0, True, limit)
        if found:
            return found
    # 2. invisible blanks (a text layer drops empty cells)
    for b in range(1, n - m + 1):
        if splittable and b > 2:
            break
        found = _enumerate(toks, n, groups, b, True, limit, exact_blanks=not splittable)
        if found:
            return found
    # 3. nothing satisfies the identities: read as printed
    if not splittable:
        return [_blank_totals(toks, n, groups)]
    found = _enumerate(toks, n, groups, 0, False, limit)
    if found:
        def mismatch(r: Reading) -> int:
            v = r.values
            return sum(abs(sum(v[a:t]) - v[t]) for a, t in groups)

        found.sort(key=lambda r: (mismatch(r), r.cost))
        return found[:8]
    return [_blank_totals(toks, n, groups)]


def _blank_totals(toks: list[Tok], n: int, groups) -> Reading:
    """Too few separated numbers and no identity fits: the missing cells are blank totals
    (a report that leaves 总计 empty), then trailing cells."""
    missing = n - len(toks)
    blank_at = [t for _, t in groups][::-1][:missing]
    k = n - 1
    while len(blank_at) < missing:
        if k not in blank_at:
            blank_at.append(k)
        k -= 1
    cells: list[Cell] = []
    it = iter(toks)
    for i in range(n):
        if i in blank_at:
            pos = cells[-1].end if cells else (toks[0].start if toks else 0)
            cells.append(Cell(0, "", pos, pos, "inferred"))
        else:
            t = next(it)
            cells.append(Cell(number_value(t.text), t.text, t.start, t.end))
    return Reading(cells, group_ok([c.value for c in cells], groups), _cost(cells, missing, 0),
                   note="blank cells placed as printed")


def _drop_extra(toks: list[Tok], n: int, groups, limit: int) -> list[Reading]:
    d = len(toks) - n
    out = []
    if d <= 2 and groups:
        for drop in combinations(range(len(toks)), d):
            kept = [t for i, t in enumerate(toks) if i not in drop]
            r = _direct(kept, groups)
            if r.ok:
                r.cost = _cost(r.cells, 0, d)
                r.note = "dropped " + ", ".join(toks[i].text for i in drop)
                out.append(r)
                if len(out) >= limit:
                    break
    if out:
        return _dedupe(out)
    r = _direct(toks[:n], groups)
    r.cost = _cost(r.cells, 0, d)
    r.note = "extra numbers ignored: " + ", ".join(t.text for t in toks[n:])
    return [r]


def _dedupe(readings: list[Reading]) -> list[Reading]:
    by_values: dict[tuple, Reading] = {}
    count: dict[tuple, int] = {}
    for r in readings:
        key = tuple(r.values)
        count[key] = count.get(key, 0) + 1
        if key not in by_values or r.cost < by_values[key].cost:
            by_values[key] = r
    out = []
    for key, r in by_values.items():
        c = list(r.cost)
        if c:
            c[-1] = -count[key]
        r.cost = tuple(c)
        out.append(r)
    out.sort(key=lambda r: r.cost)
    return out


def _enumerate(toks: list[Tok], n: int, groups, max_blanks: int, identity: bool, limit: int,
               exact_blanks: bool = False) -> list[Reading]:
    digits_parts, tok_at = [], {}
    pos = 0
    atomic: dict[int, int] = {}
    for t in toks:
        text = "0" if t.blank else t.text
        tok_at[pos] = t
        if not (text.isdigit()) or t.blank:
            atomic[pos] = pos + len(text)
        digits_parts.append(text)
        pos += len(text)
    digits = "".join(digits_parts)
    L = len(digits)
    cuts = sorted(tok_at) + [L]
    cut_set = set(cuts)
    nxt = [0] * (L + 1)
    j = 0
    for p in range(L + 1):
        while cuts[j] <= p and j < len(cuts) - 1:
            j += 1
        nxt[p] = cuts[j] if cuts[j] > p else L
    total_of = [-1] * n
    in_group = [False] * n
    for a, t in groups:
        total_of[t] = a
        for i in range(a, t):
            in_group[i] = True
    starts = sorted(tok_at)

    def doc_span(a: int, b: int) -> tuple[int, int, Tok | None]:
        k = bisect.bisect_right(starts, a) - 1
        if k < 0 or a == L:
            last = toks[-1]
            return last.end, last.end, None
        cs = starts[k]
        t = tok_at[cs]
        if cs in atomic:
            return (t.start, t.end, t) if b > a else (t.start, t.start, t)
        return t.start + (a - cs), t.start + (b - cs), t

    out: list[tuple[list, int]] = []
    cells: list[tuple] = []
    nodes = [0]

    def rec(p: int, k: int, partial: int, blanks: int) -> None:
        if len(out) >= limit or nodes[0] > NODE_LIMIT:
            return
        nodes[0] += 1
        if k == n:
            if p == L and (not exact_blanks or blanks == max_blanks):
                out.append((list(cells), blanks))
            return
        rem_cells = n - k
        free_blanks = max_blanks - blanks
        if L - p < rem_cells - free_blanks or L - p > rem_cells * MAX_PIECE:
            return
        at_cut = p in cut_set
        if identity and total_of[k] >= 0:
            target = partial
            s = str(target)
            e = p + len(s)
            if p in atomic:
                if atomic[p] == e and digits[p:e] == s or (target == 0 and tok_at[p].blank):
                    cells.append((target, p, atomic[p], False))
                    rec(atomic[p], k + 1, 0, blanks)
                    cells.pop()
            elif e <= nxt[p] and digits.startswith(s, p):
                cells.append((target, p, e, False))
                rec(e, k + 1, 0, blanks)
                cells.pop()
            if target == 0 and at_cut and free_blanks > 0:
                cells.append((0, p, p, True))
                rec(p, k + 1, 0, blanks + 1)
                cells.pop()
            return
        if at_cut and free_blanks > 0:
            cells.append((0, p, p, True))
            rec(p, k + 1, partial, blanks + 1)
            cells.pop()
        if p >= L:
            return
        if p in atomic:
            e = atomic[p]
            raw = digits[p:e]
            v = 0 if tok_at[p].blank else number_value(raw)
            cells.append((v, p, e, False))
            rec(e, k + 1, partial + v if in_group[k] else 0, blanks)
            cells.pop()
            return
        hi = min(nxt[p], p + MAX_PIECE)
        for e in range(p + 1, hi + 1):
            if e - p > 1 and digits[p] == "0":
                break
            piece = digits[p:e]
            v = SMALL_INTS.get(piece)
            if v is None:
                v = int(piece)
            if identity and in_group[k] and partial + v >= 10 ** (L - e):
                break
            cells.append((v, p, e, False))
            rec(e, k + 1, partial + v if in_group[k] else 0, blanks)
            cells.pop()

    rec(0, 0, 0, 0)
    readings = []
    for raw_cells, blanks in out:
        cs = []
        for v, a, b, blank in raw_cells:
            s, e, t = doc_span(a, b)
            if blank:
                cs.append(Cell(0, "", s, s, "inferred"))
            else:
                text = "" if (t is not None and t.blank) else digits[a:b]
                cs.append(Cell(v, text, s, e))
        readings.append(Reading(cs, group_ok([c.value for c in cs], groups) if identity or groups else True,
                                _cost(cs, blanks, 0)))
    return _dedupe(readings)


# ------------------------------------------------------------------------------------ across rows

@dataclass
class Choice:
    rows: dict  # key -> Reading
    outcome: str  # read | solved | ambiguous | inconsistent
    solutions: int = 0
    alternatives: dict = field(default_factory=dict)  # (key, col) -> sorted distinct values
    decided: set = field(default_factory=set)  # (key, col) cells the identities decided
    note: str = ""


def _app_constraints_ok(assign: dict, cols: int = 7) -> bool:
    if all(k in assign for k in ("new_received", "carried_over", "total", "carried_forward")):
        a, b, t, f = (assign[k].values for k in ("new_received", "carried_over", "total", "carried_forward"))
        for c in range(cols):
            if a[c] + b[c] != t[c] + f[c]:
                return False
    if "total" in assign:
        results = [assign[k].values for k in assign if k in RESULT_KEYS]
        t = assign["total"].values
        for c in range(cols):
            if sum(r[c] for r in results) != t[c]:
                return False
    return True


def app_identities_hold(rows: dict[str, list], complete_results: bool = True) -> bool:
    """A and B (C is per row) on plain values."""
    if all(k in rows for k in ("new_received", "carried_over", "total", "carried_forward")):
        a, b, t, f = (rows[k] for k in ("new_received", "carried_over", "total", "carried_forward"))
        if any(a[c] + b[c] != t[c] + f[c] for c in range(7)):
            return False
    if "total" in rows and complete_results:
        res = [v for k, v in rows.items() if k in RESULT_KEYS]
        if any(sum(r[c] for r in res) != rows["total"][c] for c in range(7)):
            return False
    return True


def choose_applications(options: dict[str, list[Reading]], facts: list[tuple[list[str], float]] = (),
                        results_complete: bool = True) -> Choice:
    """One reading per row such that A and B hold (B only when every result row is present)."""
    fixed = {k: v[0] for k, v in options.items() if len(v) == 1}
    amb = [k for k, v in options.items() if len(v) > 1]
    if not amb:
        return Choice(dict(fixed), "read")
    order = sorted(amb, key=lambda k: (0 if k == "total" else 1 if k in ("new_received", "carried_over",
                                                                        "carried_forward") else 2))
    use_b = results_complete and "total" in options
    use_a = all(k in options for k in ("new_received", "carried_over", "total", "carried_forward"))
    fixed_res = [0] * 7
    for k, r in fixed.items():
        if k in RESULT_KEYS:
            for c in range(7):
                fixed_res[c] += r.values[c]
    amb_res = [k for k in order if k in RESULT_KEYS]
    last_res = amb_res[-1] if amb_res else None
    solutions: list[tuple[int, dict]] = []
    nodes = [0]
    assign: dict = {}

    def rec(i: int, res_sum: list[int], cost: int) -> None:
        if nodes[0] > NODE_LIMIT or len(solutions) >= MAX_READINGS:
            return
        nodes[0] += 1
        if i == len(order):
            full = {**fixed, **assign}
            if use_a:
                a, b, t, f = (full[k].values for k in ("new_received", "carried_over", "total", "carried_forward"))
                if any(a[c] + b[c] != t[c] + f[c] for c in range(7)):
                    return
            if use_b and any(res_sum[c] != full["total"].values[c] for c in range(7)):
                return
            solutions.append((cost, dict(assign)))
            return
        k = order[i]
        total = (assign.get("total") or fixed.get("total"))
        for rank, r in enumerate(options[k]):
            if k in RESULT_KEYS:
                new_sum = [res_sum[c] + r.values[c] for c in range(7)]
                if use_b and total is not None and any(new_sum[c] > total.values[c] for c in range(7)):
                    continue
                if use_b and k == last_res and any(new_sum[c] != total.values[c] for c in range(7)):
                    continue
            else:
                new_sum = res_sum
            assign[k] = r
            rec(i + 1, new_sum, cost + rank)
            del assign[k]

    rec(0, list(fixed_res), 0)
    return _finish(options, fixed, amb, solutions, facts, 7)


def choose_single(options: list[Reading], facts: list[tuple[list[int], float]] = ()) -> Choice:
    """表四 (one row of 15 cells in three blocks): the row identities did the work; prose narrows."""
    opts = {"row": options}
    if len(options) <= 1:
        return Choice({"row": options[0]} if options else {}, "read")
    sols = [(i, {"row": r}) for i, r in enumerate(options) if r.ok]
    mapped = [([("row", c) for c in cells], v) for cells, v in facts]
    return _finish(opts, {}, ["row"], sols, mapped, len(options[0].cells))


def _finish(options, fixed, amb, solutions, facts, ncols) -> Choice:
    if not solutions:
        rows = dict(fixed)
        for k in amb:
            rows[k] = options[k][0]
        ch = Choice(rows, "inconsistent", 0, note="no reading satisfies the identities")
        for k in amb:
            vals = [r.values for r in options[k]]
            for c in range(ncols):
                alts = sorted({v[c] for v in vals})
                if len(alts) > 1:
                    ch.alternatives[(k, c)] = alts
        return ch
    for cells, value in facts:  # each prose fact narrows on its own; one that fits no reading is ignored
        if len(solutions) <= 1:
            break

        def fact_ok(assign: dict, cells=cells, value=value) -> bool:
            full = {**fixed, **assign}
            total = 0
            for key, c in cells:
                if key not in full:
                    return True
                total += full[key].values[c]
            return total == value

        kept = [s for s in solutions if fact_ok(s[1])]
        if kept:
            solutions = kept
    solutions.sort(key=lambda s: s[0])
    best = solutions[0][1]
    rows = {**fixed, **best}
    ch = Choice(rows, "solved" if len(solutions) == 1 else "ambiguous", len(solutions))
    for k in amb:
        for c in range(ncols):
            vals = sorted({s[1][k].values[c] for s in solutions})
            if len(vals) > 1:
                ch.alternatives[(k, c)] = vals
            elif len({r.values[c] for r in options[k]}) > 1:
                ch.decided.add((k, c))
    return ch


# ------------------------------------------------------------------------------------ two-column rows

_PAIR_PIECE = r"(?:0|[1-9]\d*)(?:\.\d+)?"
_PAIR_PIECE_RE = re.compile(_PAIR_PIECE)


def pair_readings(tok: Tok, ordered: bool = True) -> list[Reading]:
    """A legacy 统计表 row glued as one string (本年度 then 历年累计, "206912106", "0.020.02"):
    every cut into two numbers with cumulative ≥ this year (when `ordered`), most balanced first."""
    text = tok.text
    piece = _PAIR_PIECE_RE
    out = []
    for i in range(1, len(text)):
        a, b = text[:i], text[i:]
        if not (piece.fullmatch(a) and piece.fullmatch(b)):
            continue
        va, vb = number_value(a), number_value(b)
        if ordered and vb < va:
            continue
        cells = [Cell(va, a, tok.start, tok.start + i), Cell(vb, b, tok.start + i, tok.end)]
        out.append(Reading(cells, True, (0, 0, 0, max(va, vb), -1)))
    out.sort(key=lambda r: r.cost)
    return out


def split_plain(tok: Tok, n: int) -> list[Reading]:
    """All cuts of a glued token into n cells with no identity (表二), most plausible first."""
    found = _enumerate([tok], n, (), 0, False, 512)
    return found
