"""The authorisation matrix: every endpoint and page × anonymous, viewer, reviewer, admin.

Below the needed role the answer is 401 (anonymous) or 403 (signed in); at or above it, anything
but 401/403 (and never a server error). Routes are checked against the app's own route table, so a
new endpoint without a row here fails the test."""
from __future__ import annotations

import pytest
from conftest import NOT_A_REPORT, REPORT_2019
from test_api_support import bearer, build, upload

ANON = None
RANK = {None: 0, "viewer": 1, "reviewer": 2, "admin": 3}

# (method, path template, needed role or None for public, request kwargs)
ENDPOINTS = [
    ("GET", "/healthz", None, {}),
    ("GET", "/readyz", None, {}),
    ("GET", "/login", None, {}),
    ("GET", "/static/app.css", None, {}),
    ("GET", "/api/v1/me", "viewer", {}),
    ("GET", "/api/v1/openapi.json", "viewer", {}),
    ("GET", "/api/v1/docs", "viewer", {}),
    ("GET", "/api/v1/documents", "viewer", {}),
    ("POST", "/api/v1/documents", "reviewer", {"files": [("files", ("n.txt", NOT_A_REPORT.encode(), "text/plain"))]}),
    ("GET", "/api/v1/documents/{doc}", "viewer", {}),
    ("GET", "/api/v1/documents/{doc}/paragraphs", "viewer", {}),
    ("GET", "/api/v1/documents/{doc}/source", "viewer", {}),
    ("GET", "/api/v1/batches/{batch}", "viewer", {}),
    ("GET", "/api/v1/paragraphs/{par}", "viewer", {}),
    ("PATCH", "/api/v1/paragraphs/{par}", "reviewer", {"json": {"label": "other"}}),
    ("GET", "/api/v1/review/queue", "viewer", {}),
    ("GET", "/api/v1/review/changes", "viewer", {}),
    ("GET", "/api/v1/models", "viewer", {}),
    ("POST", "/api/v1/models/train", "admin", {"json": {"include_reviews": False, "promote": False}}),
    ("POST", "/api/v1/models/rollback", "admin", {}),
    ("POST", "/api/v1/models/{version}/promote", "admin", {}),
    ("GET", "/api/v1/export", "viewer", {}),
    ("GET", "/", "viewer", {}),
    ("POST", "/upload", "reviewer", {"files": [("files", ("n.txt", NOT_A_REPORT.encode(), "text/plain"))]}),
    ("GET", "/reports/{doc}", "viewer", {}),
    ("GET", "/reports/{doc}/text", "viewer", {"params": {"start": 0, "end": 10}}),
    ("GET", "/review", "reviewer", {}),
    ("GET", "/admin/models", "viewer", {}),
    ("POST", "/admin/models/train", "admin", {"data": {}}),
    ("POST", "/admin/models/promote", "admin", {"data": {"version": "{version}"}}),
    ("POST", "/admin/models/rollback", "admin", {"data": {}}),
    ("POST", "/logout", "viewer", {"data": {}}),
]
PRINCIPALS = [ANON, "viewer", "reviewer", "admin"]


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    from fastapi.testclient import TestClient

    app, cfg, tokens = build(tmp_path_factory.mktemp("authz"))
    with TestClient(app) as client:
        r = upload(client, tokens["reviewer"], {"r.txt": REPORT_2019.encode()})
        doc = r.json()["documents"][0]["id"]
        par = client.get(f"/api/v1/documents/{doc}/paragraphs", headers=bearer(tokens["viewer"])).json()["items"][0]
        ids = {"doc": doc, "batch": r.json()["batch"]["id"], "par": par["id"],
               "version": client.get("/api/v1/models", headers=bearer(tokens["viewer"])).json()["active"]}
        client.ids, client.tokens = ids, tokens
        yield client
    app.state.trainer.wait(120)


def test_every_route_is_in_the_matrix(matrix):
    from fastapi.routing import APIRoute

    listed = {(m, p) for m, p, _, _ in ENDPOINTS}
    for route in matrix.app.routes:
        if isinstance(route, APIRoute):
            for method in route.methods - {"HEAD"}:
                path = route.path.replace("{doc_id}", "{doc}").replace("{batch_id}", "{batch}").replace(
                    "{paragraph_id}", "{par}")
                assert (method, path) in listed, f"{method} {route.path} has no row in the authorisation matrix"


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.mark.parametrize("who", PRINCIPALS, ids=lambda w: w or "anonymous")
@pytest.mark.parametrize("method,path,needed,kwargs", ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS])
def test_authorisation_matrix(matrix, who, method, path, needed, kwargs):
    ids = matrix.ids
    url = path.format(**ids)
    kw = {k: (_fill(v, ids) if k in ("data", "json") else v) for k, v in kwargs.items()}
    headers = bearer(matrix.tokens[who]) if who else {}
    r = matrix.request(method, url, headers=headers, follow_redirects=False, **kw)
    assert r.status_code < 500, (r.status_code, r.text[:300])
    if needed is None or RANK[who] >= RANK[needed]:
        assert r.status_code not in (401, 403), (who, method, url, r.status_code, r.text[:300])
        return
    expected = 401 if who is None else 403
    assert r.status_code == expected, (who, method, url, r.status_code, r.text[:300])
    if url.startswith("/api/"):
        assert r.json()["error"]["code"] == ("unauthorized" if who is None else "forbidden")
