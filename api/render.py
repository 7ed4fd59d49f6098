"""A readable rendering of a summary for the terminal (`govdigest show`)."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table

LABEL_STYLE = {"overview": "cyan", "problems": "red", "improvements": "green", "other": "dim"}


def render_summary(sm: dict, console: Console) -> None:
    rep = sm["report"]
    console.rule(f"{rep.get('agency') or '?'} · {rep.get('year') or '?'} · template {rep.get('template')}")
    console.print(f"file: {sm['document']['filename']}  sha256: {sm['document']['sha256'][:12]}  "
                  f"format: {sm['document']['format']}", highlight=False)
    console.print("sections: " + ", ".join(s["kind"] for s in sm["sections"]), highlight=False)
    checks = sm.get("checks") or []
    bad = [c for c in checks if c["status"] != "pass"]
    console.print(f"checks: {len(checks) - len(bad)} pass, {sum(c['status'] == 'fail' for c in checks)} fail, "
                  f"{sum(c['status'] == 'uncertain' for c in checks)} uncertain", highlight=False)
    for c in sorted(bad, key=lambda c: c["status"] != "fail"):
        console.print(f"  [{'red' if c['status'] == 'fail' else 'yellow'}]{c['status']}[/] {c['rule']}: {c['detail']}"
                      + (f" (attributed to {c['attribution']})" if c.get("attribution") else ""), highlight=False)
    console.print()
    console.print("[bold]Paragraphs[/bold]")
    for p in sm["paragraphs"]:
        style = LABEL_STYLE.get(p["label"], "")
        text = p["text"] if len(p["text"]) <= 90 else p["text"][:88] + "…"
        console.print(f"  [{style}]{p['label']:<12}[/] {p['confidence']:.2f}  {text}", highlight=False)
        for s in p.get("spans") or []:
            console.print(f"      ↳ [{LABEL_STYLE.get(s['label'], '')}]{s['label']}[/] {s['text'][:60]}", highlight=False)
    for kind in ("problems", "improvements"):
        console.print(f"\n[bold]{kind.capitalize()}[/bold] ({len(sm[kind])})")
        for i, item in enumerate(sm[kind], 1):
            console.print(f"  {i}. {item}", highlight=False)
    if sm["figures"]:
        console.print("\n[bold]Figures[/bold]")
        for f in sm["figures"][:30]:
            console.print(f"  {f['name'] or '?'}: {f['value']:g} {f['unit']}", highlight=False)
    if sm["themes"]:
        console.print("\n[bold]Themes[/bold]: " + "、".join(t["text"] for t in sm["themes"]), highlight=False)
    tables = sm.get("tables") or {}
    apps = (tables.get("applications") or {}).get("rows")
    if apps:
        t = Table(title="表三 收到和处理政府信息公开申请情况", show_lines=False)
        t.add_column("row")
        for c in ("自然人", "商业企业", "科研机构", "社会公益", "法律服务", "其他", "总计"):
            t.add_column(c, justify="right")
        for key, vals in apps.items():
            t.add_row(key, *[f"{v:g}" for v in vals])
        console.print(t)
    rl = tables.get("review_litigation")
    if rl:
        t = Table(title="表四 行政复议、行政诉讼")
        t.add_column("block")
        for c in ("维持", "纠正", "其他", "尚未审结", "总计"):
            t.add_column(c, justify="right")
        for key, vals in rl.items():
            t.add_row(key, *[f"{v:g}" for v in vals])
        console.print(t)
    if sm.get("warnings"):
        console.print("\n[bold yellow]Warnings[/bold yellow]")
        for w in sm["warnings"]:
            console.print(f"  {w}", highlight=False)
