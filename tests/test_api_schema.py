"""A bounded property-based run of every API operation against its OpenAPI schema (schemathesis),
authenticated as an admin, on a database holding one processed report: no answer may be a 5xx."""
from __future__ import annotations

import pytest
import schemathesis
from conftest import REPORT_2019
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from test_api_support import bearer, build, upload

MAX_EXAMPLES = 12


@pytest.fixture(scope="module")
def api_app(tmp_path_factory):
    from fastapi.testclient import TestClient

    app, cfg, tokens = build(tmp_path_factory.mktemp("schema"))
    with TestClient(app) as client:
        assert upload(client, tokens["reviewer"], {"r.txt": REPORT_2019.encode()}).status_code == 202
    app.state.admin_headers = bearer(tokens["admin"])
    yield app
    app.state.trainer.wait(120)


def test_no_server_errors(api_app):
    """Each operation in turn (schemathesis' lazy pytest loader does not run on pytest 9, so the
    operations are driven through their Hypothesis strategies here)."""
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", api_app, headers=api_app.state.admin_headers)
    failures: list[str] = []
    ran = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def run(case):
            case.call_and_validate(headers=api_app.state.admin_headers, checks=[not_a_server_error])

        try:
            run()
        except Exception as exc:  # keep going: report every operation that fails
            failures.append(f"{operation.label}: {type(exc).__name__}: {str(exc)[:1500]}")
        ran += 1
    assert ran >= 15
    assert not failures, "\n\n".join(failures)
