"""Web benchmark: read latency with 10,000 documents in PostgreSQL, and one upload processed in-process.

    python -m bench.web_bench [--docs 10000] [--requests 300] [--posts 20] [--pg postgresql://postgres@127.0.0.1/postgres]

A fresh database `govdigest_webbench` is created on the server of --pg (default GOVDIGEST_BENCH_PG,
else GOVDIGEST_TEST_PG, else postgresql://postgres@127.0.0.1:5432/postgres) and filled by COPY with
one real summary (examples/synth_2021_cells.txt, ~40 KB of JSON and its paragraphs) under varied
ids, sha256s, agencies and years. `govdigest serve` then runs as its own process on 127.0.0.1
(uvicorn, in-process mode: no broker), and an httpx client with keep-alive measures:

- api_document_p95_ms: GET /api/v1/documents/{id} (the summary), random ids;
- report_page_p95_ms: GET /reports/{id} (the server-rendered report page), random ids;
- filter_<name>_p50_ms / _p95_ms: GET /api/v1/documents?theme=… or ?check=… (a theme or failing
  rule that 10% of the documents have, one that none has, and check=any), 50 per page;
- post_document_ms: p95 of POST /api/v1/documents with one new report (the 202 answer: stored and
  committed, processing runs after the answer); post_document_to_done_ms is the median time until
  its batch says finished (the pipeline on that report included).

Targets: reads < 50 ms p95, POST < 100 ms. Prints one JSON object.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "synth_2021_cells.txt"
DB_NAME = "govdigest_webbench"
AGENCIES = ["市教育局", "县卫生健康委员会", "区人民政府办公室", "市生态环境局", "县交通运输局", "市财政局", "区民政局"]


def _admin_url(pg: str | None) -> str:
    return pg or os.environ.get("GOVDIGEST_BENCH_PG") or os.environ.get(
        "GOVDIGEST_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def fresh_database(admin_url: str, name: str = DB_NAME) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


# Every FILTERED_EVERY-th document carries the theme FILTER_THEME and a failing FILTER_RULE, so the
# theme and check filters have something to find (10% of the documents) as well as nothing.
FILTERED_EVERY = 10
FILTER_THEME = "放管服"
FILTER_RULE = "applications.row_total"


def _varied(summary: dict, i: int) -> dict:
    s = dict(summary)
    if i % FILTERED_EVERY == 0:
        s["themes"] = [*summary["themes"], {"text": FILTER_THEME, "kind": "quoted", "count": 1}]
        checks = [dict(c) for c in summary["checks"]]
        first = next(c for c in checks if c["rule"] == FILTER_RULE)
        first["status"] = "fail"
        s["checks"] = checks
    return s


def fill(url: str, n_docs: int) -> dict:
    """n_docs done documents (and their originals and paragraphs) by COPY; returns what was used."""
    import psycopg

    from extraction.pipeline import process_bytes
    from store.db import engine
    from store.repository import _paragraph_rows, _summary_columns
    from store.repository import filter_rows as _filter_rows

    engine(url)  # migrate
    data = EXAMPLE.read_bytes()
    summary = process_bytes(data, EXAMPLE.name)
    t0 = time.perf_counter()
    now = datetime.now(UTC)
    doc_cols = ["id", "sha256", "filename", "format", "size", "status", "attempts", "pipeline_version", "agency",
                "year", "template", "is_report", "failing_checks", "summary", "timings", "created_at", "updated_at",
                "queued_at", "started_at", "finished_at"]
    par_cols = ["document_id", "idx", "section", "text", "start", "end", "predicted_label", "label", "confidence",
                "model_version"]
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        with cur.copy("COPY originals (sha256, content) FROM STDIN") as cp:
            shas = []
            for i in range(1, n_docs + 1):
                content = data + f"\n<!-- bench {i} -->\n".encode()
                sha = hashlib.sha256(content).hexdigest()
                shas.append(sha)
                cp.write_row((sha, content))
        filter_rows: dict[int, tuple[list[str], list[str]]] = {}
        with cur.copy(f"COPY documents ({', '.join(doc_cols)}) FROM STDIN") as cp:
            for i, sha in enumerate(shas, 1):
                s = _varied(summary, i)
                filter_rows[i] = _filter_rows(s)
                s["document"] = {**summary["document"], "sha256": sha, "filename": f"bench/{i}.txt"}
                cols = _summary_columns(s)
                cp.write_row((i, sha, f"bench/{i}.txt", "txt", len(data), "done", 1, cols["pipeline_version"],
                              AGENCIES[i % len(AGENCIES)] + f"{i % 97}", 2015 + i % 10, cols["template"], True,
                              cols["failing_checks"], json.dumps(s), json.dumps(cols["timings"]), now, now, now, now,
                              now))
        # the rows store.repository writes next to every summary, for the theme and check filters
        with cur.copy("COPY document_themes (document_id, theme) FROM STDIN") as cp:
            for i, (themes, _) in filter_rows.items():
                for theme in themes:
                    cp.write_row((i, theme))
        with cur.copy("COPY document_failing_rules (document_id, rule) FROM STDIN") as cp:
            for i, (_, rules) in filter_rows.items():
                for rule in rules:
                    cp.write_row((i, rule))
        quoted = ", ".join(f'"{c}"' for c in par_cols)  # "start" and "end" are keywords
        with cur.copy(f"COPY paragraphs ({quoted}) FROM STDIN") as cp:
            for i in range(1, n_docs + 1):
                for row in _paragraph_rows(i, summary, {}):
                    cp.write_row(tuple(row[c] for c in par_cols))
        cur.execute("SELECT setval(pg_get_serial_sequence('documents', 'id'), %s)", (n_docs,))
        cur.execute("ANALYZE")
        conn.commit()
    return {"fill_seconds": round(time.perf_counter() - t0, 1), "summary_bytes": len(json.dumps(summary)),
            "paragraphs_per_document": len(summary["paragraphs"])}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, home: Path) -> tuple[subprocess.Popen, str]:
    import httpx

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("GOVDIGEST_BROKER_URL", "GOVDIGEST_DATABASE_URL")}
    env["GOVDIGEST_HOME"] = str(home)
    exe = [sys.executable, "-c", "from api.cli import app; app()"]
    with open(home / "serve.log", "w") as log:  # the child keeps its own descriptor
        proc = subprocess.Popen(exe + ["serve", "--host", "127.0.0.1", "--port", str(port), "--db", url,
                                       "--log-level", "warning"], stdout=log, stderr=subprocess.STDOUT, env=env,
                                cwd=str(REPO))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("govdigest serve did not start:\n" + (home / "serve.log").read_text())
        time.sleep(0.2)


def _timed(client, method: str, path: str, **kw) -> tuple[float, object]:
    t = time.perf_counter()
    r = client.request(method, path, **kw)
    ms = (time.perf_counter() - t) * 1000
    if r.status_code >= 400:
        raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:300]}")
    return ms, r


def measure(base: str, token: str, n_docs: int, requests: int, posts: int, seed: int = 7) -> dict:
    import httpx

    rnd = random.Random(seed)
    out: dict = {}
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
        for _ in range(20):  # warm: connections, caches, first template compile
            c.get(f"/api/v1/documents/{rnd.randint(1, n_docs)}")
            c.get(f"/reports/{rnd.randint(1, n_docs)}")
        for key, path in (("api_document", "/api/v1/documents/{}"), ("report_page", "/reports/{}")):
            times = [_timed(c, "GET", path.format(rnd.randint(1, n_docs)))[0] for _ in range(requests)]
            out[f"{key}_p50_ms"] = round(_pct(times, 0.5), 2)
            out[f"{key}_p95_ms"] = round(_pct(times, 0.95), 2)
            out[f"{key}_p99_ms"] = round(_pct(times, 0.99), 2)
        times = [_timed(c, "GET", "/api/v1/documents", params={"limit": 50, "offset": rnd.randint(0, n_docs - 50)})[0]
                 for _ in range(max(20, requests // 10))]
        out["document_list_p95_ms"] = round(_pct(times, 0.95), 2)
        # the theme and failing-check filters: a value 10% of the documents have, and one none has
        filters = {"theme": {"theme": FILTER_THEME}, "theme_none": {"theme": "没有这个主题"},
                   "check": {"check": FILTER_RULE}, "check_none": {"check": "prose.review_total"},
                   "check_any": {"check": "any"}}
        for key, params in filters.items():
            times = [_timed(c, "GET", "/api/v1/documents", params={**params, "limit": 50,
                                                                   "offset": rnd.choice((0, 50, 200))})[0]
                     for _ in range(max(5, requests // 30))]
            out[f"filter_{key}_p50_ms"] = round(_pct(times, 0.5), 2)
            out[f"filter_{key}_p95_ms"] = round(_pct(times, 0.95), 2)
        data = EXAMPLE.read_bytes()
        post_ms, done_ms = [], []
        for i in range(posts):
            content = data + f"\n本报告为基准测试第{i}份，{time.time_ns()}。\n".encode()
            t = time.perf_counter()
            ms, r = _timed(c, "POST", "/api/v1/documents", files=[("files", (f"post{i}.txt", content, "text/plain"))])
            post_ms.append(ms)
            batch = r.json()["batch"]["id"]
            while not c.get(f"/api/v1/batches/{batch}").json()["finished"]:
                time.sleep(0.002)
            done_ms.append((time.perf_counter() - t) * 1000)
        out["post_document_ms"] = round(_pct(post_ms, 0.95), 2)
        out["post_document_median_ms"] = round(statistics.median(post_ms), 2)
        out["post_document_to_done_ms"] = round(statistics.median(done_ms), 2)
    return out


def run(n_docs: int = 10_000, requests: int = 300, posts: int = 20, pg: str | None = None,
        db_name: str = DB_NAME, keep: bool = False) -> dict:
    """Fill, serve, measure. Returns {"api_document_p95_ms", "report_page_p95_ms", "post_document_ms", ...}."""
    from store.db import session
    from store.users import add_user

    admin = _admin_url(pg)
    url = fresh_database(admin, db_name)
    info = fill(url, n_docs)
    with session(url) as s:
        _, token = add_user(s, "bench", "admin")
        s.commit()
    with tempfile.TemporaryDirectory() as home:
        proc, base = start_server(url, Path(home))
        try:
            result = measure(base, token, n_docs, requests, posts)
        finally:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
    if not keep:
        from store.db import engine

        engine(url).dispose()
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    return {"api_document_p95_ms": result.pop("api_document_p95_ms"),
            "report_page_p95_ms": result.pop("report_page_p95_ms"),
            "post_document_ms": result.pop("post_document_ms"),
            **result, "documents": n_docs, "requests": requests, "posts": posts, **info,
            "targets_ms": {"reads_p95": 50, "post": 100}}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--posts", type=int, default=20)
    ap.add_argument("--pg", default=None, help="A PostgreSQL URL whose server may get a new database.")
    ap.add_argument("--keep", action="store_true", help="Keep the benchmark database afterwards.")
    args = ap.parse_args(argv)
    print(json.dumps(run(args.docs, args.requests, args.posts, args.pg, keep=args.keep), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
