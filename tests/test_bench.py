"""bench/run.py end to end at a tiny size, so `python -m bench.run` keeps printing every key."""
from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.services  # the web part serves from PostgreSQL


def test_bench_run_small_prints_every_key(postgres_url, tmp_path):
    from bench.run import main

    out = tmp_path / "bench.json"
    results = main(["--quick", "--n", "30", "--skip-celery", "--skip-train", "--web-docs", "60", "--json", str(out)])
    assert json.loads(out.read_text(encoding="utf-8")) == results
    assert "web_error" not in results, results.get("web_error")
    for key in ("embedded_reports_per_s", "jieba_reports_per_s", "rjieba_reports_per_s", "embedded_over_jieba",
                "peak_rss_mb", "glued_table_solve_median_ms", "classifier_bulk_ms_per_document",
                "api_document_p95_ms", "report_page_p95_ms", "post_document_ms"):
        assert results[key] > 0, key
    assert results["embedded_failed"] == 0 and results["web"]["documents"] == 60
    # the embedded path and the tokenizers measured slice by slice, interleaved
    assert len(results["embedded_over_jieba_slices"]) == 10
