"""bench/web_bench.py end to end at a tiny size, so the benchmark keeps working (PostgreSQL needed)."""
from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.services


def test_web_bench_runs_small(postgres_url):
    from bench.web_bench import run

    admin = os.environ.get("GOVDIGEST_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    # a name of its own: other checkouts may run their suites against the same server at the same time
    out = run(n_docs=60, requests=10, posts=2, pg=admin, db_name=f"govdigest_webbench_test_{os.getpid()}")
    for key in ("api_document_p95_ms", "report_page_p95_ms", "post_document_ms", "post_document_to_done_ms"):
        assert out[key] > 0, out
    assert out["documents"] == 60
