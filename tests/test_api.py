"""The HTTP API: status codes and stable error codes, uploads and their guards, filters, the review
loop with its audit trail, models, export, sessions with CSRF, the `govdigest users` commands."""
from __future__ import annotations

import json
import subprocess

import pytest
from sqlalchemy import select
from test_api_support import NOT_A_REPORT, bearer, build, make_zip, process_report, report_text, upload

from extraction.summary import validate


@pytest.fixture
def api(tmp_path):
    """A TestClient (lifespan run) with .cfg, .tokens, .app attached."""
    from fastapi.testclient import TestClient

    app, cfg, tokens = build(tmp_path)
    with TestClient(app) as client:
        client.cfg, client.tokens, client.app_ = cfg, tokens, app
        yield client
    app.state.trainer.wait(60)


def err(r) -> str:
    body = r.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body
    return body["error"]["code"]


# ---------------------------------------------------------------- health, auth basics


def test_health_and_readiness_are_anonymous(api):
    assert api.get("/healthz").json() == {"status": "ok"}
    r = api.get("/readyz")
    assert r.status_code == 200 and r.json()["database"] == "ok" and r.json()["broker"].startswith("not configured")


def test_readyz_is_503_when_the_configured_broker_is_down(tmp_path):
    from fastapi.testclient import TestClient

    app, _, _ = build(tmp_path, broker_url="redis://127.0.0.1:1/0")
    with TestClient(app) as client:
        r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["broker"].startswith("error") and r.json()["database"] == "ok"


def test_anonymous_bad_and_revoked_tokens_are_refused(api):
    r = api.get("/api/v1/documents")
    assert r.status_code == 401 and err(r) == "unauthorized" and r.headers["www-authenticate"] == "Bearer"
    assert err(api.get("/api/v1/documents", headers={"Authorization": "Basic abc"})) == "unauthorized"
    assert err(api.get("/api/v1/documents", headers=bearer("not-a-token"))) == "unauthorized"
    ok = api.get("/api/v1/me", headers=bearer(api.tokens["viewer"]))
    assert ok.json() == {"name": "viewer", "role": "viewer", "via": "token"}
    from store.db import session
    from store.users import revoke_user

    with session(api.cfg.database_url) as s:
        revoke_user(s, "viewer")
        s.commit()
    assert api.get("/api/v1/me", headers=bearer(api.tokens["viewer"])).status_code == 401


def test_error_bodies_for_unknown_routes_methods_and_validation(api):
    h = bearer(api.tokens["admin"])
    r = api.get("/api/v1/nothing-here", headers=h)
    assert r.status_code == 404 and err(r) == "not_found"
    r = api.delete("/api/v1/documents", headers=h)
    assert r.status_code == 405 and err(r) == "method_not_allowed"
    r = api.get("/api/v1/documents?limit=0", headers=h)
    assert r.status_code == 422 and err(r) == "validation_error" and r.json()["error"]["detail"][0]["loc"]
    r = api.get("/api/v1/documents/999999", headers=h)
    assert r.status_code == 404 and err(r) == "not_found"
    r = api.get("/api/v1/documents/0", headers=h)
    assert r.status_code == 422 and err(r) == "validation_error"


# ---------------------------------------------------------------- uploads and processing


def test_upload_processes_in_process_and_serves_summary_source_paragraphs(api, report_2019_bytes):
    r = upload(api, api.tokens["reviewer"], {"wenlv.txt": report_2019_bytes}, batch="first")
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["mode"] == "in-process" and body["batch"]["name"] == "first" and body["rejected"] == []
    doc_id = body["documents"][0]["id"]
    assert body["documents"][0]["created"] is True
    h = bearer(api.tokens["viewer"])
    batch = api.get(f"/api/v1/batches/{body['batch']['id']}", headers=h).json()
    assert batch["counts"] == {"queued": 0, "processing": 0, "done": 1, "failed": 0} and batch["finished"]
    assert batch["documents"] == [doc_id]
    summary = api.get(f"/api/v1/documents/{doc_id}", headers=h).json()
    validate(summary)
    assert summary["report"]["agency"] == "某某县文化和旅游局" and summary["report"]["year"] == 2020
    src = api.get(f"/api/v1/documents/{doc_id}/source", headers=h)
    assert src.content == report_2019_bytes and src.headers["content-type"] == "text/plain"
    assert src.headers["content-disposition"].startswith("attachment;")
    assert "sandbox" in src.headers["content-security-policy"]
    pars = api.get(f"/api/v1/documents/{doc_id}/paragraphs", headers=h).json()["items"]
    assert [p["idx"] for p in pars] == list(range(len(summary["paragraphs"])))
    # the same bytes again: the same document, not processed twice
    again = upload(api, api.tokens["reviewer"], {"copy.txt": report_2019_bytes}).json()
    assert again["documents"][0]["id"] == doc_id and again["documents"][0]["created"] is False


def test_upload_zip_many_and_failed_documents_keep_their_codes(api):
    archive = make_zip({"a/one.txt": report_text("甲县教育局").encode(), "a/two.txt": report_text("乙县卫生健康委员会").encode(),
                        "notice.txt": NOT_A_REPORT.encode(), "readme.md": b"skip me"})
    r = upload(api, api.tokens["reviewer"], {"reports.zip": archive, "tool.exe": b"MZ..."})
    assert r.status_code == 202, r.text
    body = r.json()
    assert [d["filename"] for d in body["documents"]] == ["reports.zip:a/one.txt", "reports.zip:a/two.txt",
                                                           "reports.zip:notice.txt"]
    assert body["rejected"] == [{"file": "tool.exe", "code": "unsupported_format",
                                 "message": body["rejected"][0]["message"]}]
    h = bearer(api.tokens["viewer"])
    notice = body["documents"][2]["id"]
    r = api.get(f"/api/v1/documents/{notice}", headers=h)
    assert r.status_code == 422 and err(r) == "not_a_report"
    batch = api.get(f"/api/v1/batches/{body['batch']['id']}", headers=h).json()
    assert batch["counts"]["done"] == 2 and batch["counts"]["failed"] == 1
    assert batch["failures"][0]["code"] == "not_a_report"


def test_upload_guards_zip_slip_bomb_size_and_format(api, monkeypatch):
    tok = api.tokens["reviewer"]
    slip = make_zip({"../../etc/evil.txt": b"x"})
    r = upload(api, tok, {"slip.zip": slip})
    assert r.status_code == 422 and err(r) == "zip_unsafe"
    bomb = make_zip({"big.txt": b"0" * 3_000_000})  # ~1000:1
    r = upload(api, tok, {"bomb.zip": bomb})
    assert r.status_code == 422 and err(r) == "zip_unsafe"
    r = upload(api, tok, {"only.exe": b"MZ"})
    assert r.status_code == 415 and err(r) == "unsupported_format"
    r = upload(api, tok, {"empty.txt": b""})
    assert r.status_code == 422 and err(r) == "empty_document"
    monkeypatch.setenv("GOVDIGEST_MAX_BYTES", "2000")
    r = upload(api, tok, {"big.txt": b"x" * 2500})
    assert r.status_code == 413 and err(r) == "too_large"
    r = upload(api, tok, {"huge.txt": b"x" * 20_000_000})  # over 5 x limit + 1 MiB: refused before parsing
    assert r.status_code == 413 and err(r) == "too_large"
    r = api.post("/api/v1/documents", headers=bearer(tok))
    assert r.status_code == 422 and err(r) == "validation_error"


def test_not_ready_document_answers_409(api, report_2019_bytes):
    from store.db import session
    from store.repository import store_file

    with session(api.cfg.database_url) as s:
        doc, _ = store_file(s, report_2019_bytes, "waiting.txt")
        s.commit()
        doc_id = doc.id
    r = api.get(f"/api/v1/documents/{doc_id}", headers=bearer(api.tokens["viewer"]))
    assert r.status_code == 409 and err(r) == "not_ready"


def test_upload_goes_through_the_worker_when_a_broker_is_configured(api, monkeypatch, report_2019_bytes):
    import worker.enqueue

    calls = []

    def fake_submit(inputs, *, batch, url, **_):
        from store.db import session
        from store.repository import get_or_create_batch, store_file

        items = list(inputs)
        calls.append((items, batch))
        with session(url) as s:
            b = get_or_create_batch(s, batch)
            ids = [store_file(s, i.data, i.name, batch=b)[0].id for i in items]
            s.commit()
        return worker.enqueue.SubmitReport(stored=len(ids), enqueued=len(ids), ids=ids)

    monkeypatch.setattr(worker.enqueue, "submit", fake_submit)
    api.cfg.broker_url = "redis://127.0.0.1:6379/15"
    r = upload(api, api.tokens["reviewer"], {"w.txt": report_2019_bytes}, batch="via-worker")
    assert r.status_code == 202 and r.json()["mode"] == "worker"
    assert calls and calls[0][1] == "via-worker" and calls[0][0][0].name == "w.txt"
    doc = r.json()["documents"][0]
    assert doc["status"] == "queued"  # left for the workers, not processed here


def _left_behind(url: str, max_attempts: int) -> dict[str, int]:
    """Documents as a server killed mid-run leaves them: one queued, one stuck `processing` (its
    holder gone), one that was `processing` every time the server died."""
    from store.db import session
    from store.repository import get_or_create_batch, store_file

    with session(url) as s:
        batch = get_or_create_batch(s, "before-the-restart")
        queued, _ = store_file(s, report_text("甲县教育局").encode(), "left-queued.txt", batch=batch)
        stuck, _ = store_file(s, report_text("乙县教育局").encode(), "stuck.txt", batch=batch)
        stuck.status, stuck.attempts = "processing", 1
        spent, _ = store_file(s, report_text("丙县教育局").encode(), "took-the-server-down.txt", batch=batch)
        spent.status, spent.attempts = "processing", max_attempts
        s.commit()
        return {"queued": queued.id, "stuck": stuck.id, "spent": spent.id}


def test_api_startup_resumes_queued_and_stuck_documents(tmp_path):
    from fastapi.testclient import TestClient

    app, cfg, tokens = build(tmp_path)
    ids = _left_behind(cfg.database_url, cfg.max_attempts)
    with TestClient(app) as client:
        app.state.resumer.join(120)
        assert not app.state.resumer.is_alive()
        h = bearer(tokens["viewer"])
        for key in ("queued", "stuck"):
            r = client.get(f"/api/v1/documents/{ids[key]}", headers=h)
            assert r.status_code == 200, r.text
            validate(r.json())
        r = client.get(f"/api/v1/documents/{ids['spent']}", headers=h)
        assert r.status_code == 422 and err(r) == "worker_crash"  # set aside, not a crash loop
        batch = client.get("/api/v1/documents", headers=h, params={"status": "done"}).json()
        assert sorted(i["id"] for i in batch["items"]) == sorted([ids["queued"], ids["stuck"]])
    # nothing left for the next start
    from api.app import create_app

    app2 = create_app(cfg)
    with TestClient(app2):
        app2.state.resumer.join(60)
    from store.db import session
    from store.models import Document

    with session(cfg.database_url) as s:
        assert {d.id: d.attempts for d in s.scalars(select(Document))} == {
            ids["queued"]: 1, ids["stuck"]: 2, ids["spent"]: cfg.max_attempts}


def test_api_startup_leaves_documents_a_live_process_holds(fresh_postgres_url, tmp_path):
    """On PostgreSQL: a `processing` document whose liveness lock another live process holds (a
    worker, a second server) is not taken over at start-up."""
    import psycopg
    from fastapi.testclient import TestClient

    from store.queue import _LOCK_NAMESPACE

    app, cfg, tokens = build(tmp_path, url=fresh_postgres_url)
    ids = _left_behind(fresh_postgres_url, cfg.max_attempts)
    with psycopg.connect(fresh_postgres_url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s, %s)", (_LOCK_NAMESPACE, ids["stuck"]))
        with TestClient(app) as client:
            app.state.resumer.join(120)
            h = bearer(tokens["viewer"])
            assert client.get(f"/api/v1/documents/{ids['queued']}", headers=h).status_code == 200
            r = client.get(f"/api/v1/documents/{ids['stuck']}", headers=h)
            assert r.status_code == 409 and err(r) == "not_ready"  # still its holder's


# ---------------------------------------------------------------- listing


def test_list_filters_and_pagination(api):
    a = process_report(api, report_text("甲县教育局", 2020), "a.txt")
    b = process_report(api, report_text("乙市卫生健康委员会", 2021, extra="全面落实“放管服”改革要求，持续优化营商环境。"), "b.txt")
    c = process_report(api, report_text("丙县交通运输局", 2021, total="2 0 0 1 0 0 4"), "c.txt")
    d = process_report(api, NOT_A_REPORT, "notice.txt")
    h = bearer(api.tokens["viewer"])

    def ids(**params):
        r = api.get("/api/v1/documents", headers=h, params=params)
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]], r.json()["total"]

    assert ids() == ([d, c, b, a], 4)
    assert ids(agency="卫生健康") == ([b], 1)
    assert ids(year=2021) == ([c, b], 2)
    assert ids(status="failed") == ([d], 1)
    assert ids(template="2019") == ([c, b, a], 3)
    assert ids(check="any") == ([c], 1)
    assert ids(check="applications.row_total") == ([c], 1)
    assert ids(check="review_litigation.block_total") == ([], 0)
    assert ids(theme="放管服") == ([b], 1)
    assert ids(theme="100%_") == ([], 0)
    assert ids(label="problems") == ([c, b, a], 3)
    assert ids(limit=2) == ([d, c], 4)
    assert ids(limit=2, offset=2) == ([b, a], 4)
    item = api.get("/api/v1/documents", headers=h, params={"agency": "丙县"}).json()["items"][0]
    assert item["failing_checks"] > 0 and item["template"] == "2019" and item["status"] == "done"
    r = api.get("/api/v1/documents", headers=h, params={"status": "lost"})
    assert r.status_code == 422 and err(r) == "validation_error"


# ---------------------------------------------------------------- review loop


def test_review_queue_least_confident_first_patch_and_audit(api):
    from store.db import session
    from store.models import LabelChange

    doc = process_report(api, report_text(), "r.txt")
    hv, hr = bearer(api.tokens["viewer"]), bearer(api.tokens["reviewer"])
    queue = api.get("/api/v1/review/queue", headers=hv, params={"limit": 50}).json()["items"]
    confs = [q["confidence"] for q in queue]
    assert confs == sorted(confs) and len(queue) == len(api.get(f"/api/v1/documents/{doc}", headers=hv).json()["paragraphs"])
    first = queue[0]
    assert {"before", "after"} <= set(first["context"]) and first["document"]["id"] == doc
    new = "problems" if first["label"] != "problems" else "other"
    r = api.patch(f"/api/v1/paragraphs/{first['id']}", headers=hr, json={"label": new})
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["label"] == new and p["predicted_label"] == first["predicted_label"] and p["reviewed_by"] == "reviewer"
    assert p["changes"][-1]["from"] == first["label"] and p["changes"][-1]["to"] == new
    assert p["changes"][-1]["by"] == "reviewer" and p["changes"][-1]["model_version"] == first["model_version"]
    # reviewed paragraphs leave the queue; the change is in the audit trail
    again = api.get("/api/v1/review/queue", headers=hv, params={"limit": 50}).json()["items"]
    assert first["id"] not in [q["id"] for q in again] and len(again) == len(queue) - 1
    trail = api.get("/api/v1/review/changes", headers=hv).json()["items"]
    assert trail[0]["paragraph_id"] == first["id"] and trail[0]["to"] == new
    assert api.get(f"/api/v1/paragraphs/{first['id']}", headers=hv).json()["changes"][-1]["to"] == new
    with session(api.cfg.database_url) as s:
        rows = s.scalars(select(LabelChange).where(LabelChange.paragraph_id == first["id"])).all()
        assert [(c.from_label, c.to_label, c.user) for c in rows] == [(first["label"], new, "reviewer")]
    # the corrected label shows in the list filter and the paragraphs endpoint
    pars = api.get(f"/api/v1/documents/{doc}/paragraphs", headers=hv).json()["items"]
    assert next(x for x in pars if x["id"] == first["id"])["label"] == new
    r = api.patch(f"/api/v1/paragraphs/{first['id']}", headers=hr, json={"label": "bogus"})
    assert r.status_code == 422 and err(r) == "invalid_label"
    r = api.patch(f"/api/v1/paragraphs/{first['id']}", headers=hr, json={})
    assert r.status_code == 422 and err(r) == "validation_error"
    r = api.patch("/api/v1/paragraphs/987654", headers=hr, json={"label": "other"})
    assert r.status_code == 404 and err(r) == "not_found"
    r = api.patch(f"/api/v1/paragraphs/{first['id']}", headers=hv, json={"label": "other"})
    assert r.status_code == 403 and err(r) == "forbidden"


def test_export_jsonl_and_csv(api):
    doc = process_report(api)
    process_report(api, NOT_A_REPORT, "notice.txt")
    h = bearer(api.tokens["viewer"])
    r = api.get("/api/v1/export", headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(x) for x in r.text.splitlines()]
    assert lines[0]["report"]["year"] == 2020 and lines[1]["error"]["code"] == "not_a_report"
    r = api.get("/api/v1/export", headers=h, params={"format": "csv"})
    rows = r.text.splitlines()
    assert rows[0].startswith("id,sha256,filename") and rows[1].startswith(f"{doc},") and "not_a_report" in rows[2]
    r = api.get("/api/v1/export", headers=h, params={"format": "xml"})
    assert r.status_code == 422 and err(r) == "validation_error"


def test_api_export_is_what_the_cli_exports(api, tmp_path):
    from typer.testing import CliRunner

    from api.cli import app as cli

    process_report(api)
    process_report(api, NOT_A_REPORT, "notice.txt")
    h = bearer(api.tokens["viewer"])
    for fmt in ("jsonl", "csv"):
        served = api.get("/api/v1/export", headers=h, params={"format": fmt}).content
        out = tmp_path / f"export.{fmt}"
        r = CliRunner().invoke(cli, ["export", "--format", fmt, "--db", api.cfg.database_url, "--out", str(out)])
        assert r.exit_code == 0, r.output
        assert out.read_bytes() == served and served.count(b"\n") == 3 - (fmt == "jsonl")


# ---------------------------------------------------------------- models


def _second_version(models_dir, name: str = "clf-copy") -> str:
    import shutil

    active = json.loads((models_dir / "registry.json").read_text())["active"]
    shutil.copytree(models_dir / active, models_dir / name)
    card = json.loads((models_dir / name / "card.json").read_text())
    card.update(version=name, created="2099-01-01T00:00:00+00:00")
    (models_dir / name / "card.json").write_text(json.dumps(card))
    return active


def test_models_list_promote_and_rollback(api):
    old = _second_version(api.cfg.models_dir)
    ha, hv = bearer(api.tokens["admin"]), bearer(api.tokens["viewer"])
    m = api.get("/api/v1/models", headers=hv).json()
    assert m["active"] == old and [v["version"] for v in m["versions"]] == ["clf-copy", old]
    assert m["versions"][1]["per_class"]["problems"]["f1"] > 0 and m["versions"][1]["confusion_matrix"]["matrix"]
    assert not m["can_rollback"]
    r = api.post("/api/v1/models/clf-copy/promote", headers=ha)
    assert r.status_code == 200 and r.json()["promoted"], r.text
    m = api.get("/api/v1/models", headers=hv).json()
    assert m["active"] == "clf-copy" and m["history"][0]["by"] == "admin" and m["can_rollback"]
    r = api.post("/api/v1/models/clf-copy/promote", headers=ha)
    assert r.status_code == 409 and err(r) == "promotion_refused"
    r = api.post("/api/v1/models/rollback", headers=ha)
    assert r.status_code == 200 and r.json()["active"] == old
    r = api.post("/api/v1/models/rollback", headers=ha)
    assert r.status_code == 409 and err(r) == "rollback_refused"
    for bad in ("nope", "..", "..%2F..%2Fetc"):
        r = api.post(f"/api/v1/models/{bad}/promote", headers=ha)
        assert r.status_code == 404 and err(r) == "not_found", bad
    r = api.post("/api/v1/models/clf-copy/promote", headers=bearer(api.tokens["reviewer"]))
    assert r.status_code == 403 and err(r) == "forbidden"


def test_train_in_process_includes_reviews_and_is_one_at_a_time(api):
    doc = process_report(api)
    hr, ha = bearer(api.tokens["reviewer"]), bearer(api.tokens["admin"])
    par = api.get(f"/api/v1/documents/{doc}/paragraphs", headers=hr).json()["items"][0]
    api.patch(f"/api/v1/paragraphs/{par['id']}", headers=hr, json={"label": "other"})
    r = api.post("/api/v1/models/train", headers=ha, json={"include_reviews": True, "promote": True, "force": True})
    assert r.status_code == 202 and r.json()["mode"] == "in-process"
    busy = api.post("/api/v1/models/train", headers=ha)
    assert busy.status_code == 409 and err(busy) == "busy"
    api.app_.state.trainer.wait(120)
    m = api.get("/api/v1/models", headers=ha).json()
    last = m["training"]["last"]
    assert last["error"] is None and last["reviews"] == 1 and last["promoted"], last
    assert m["active"] == last["version"] and m["history"][0]["by"] == "admin"
    assert (api.cfg.models_dir / last["version"] / "model.skops").exists()


# ---------------------------------------------------------------- browser sessions


def _csrf_from(html: str) -> str:
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_session_login_cookie_flags_csrf_and_revocation(api):
    doc = process_report(api)
    page = api.get("/login")
    assert page.status_code == 200
    csrf = _csrf_from(page.text)
    r = api.post("/login", data={"token": api.tokens["reviewer"], "csrf_token": "wrong", "next": "/"},
                 follow_redirects=False)
    assert r.status_code == 403
    r = api.post("/login", data={"token": "bad", "csrf_token": csrf, "next": "/"}, follow_redirects=False)
    assert r.status_code == 401
    csrf = _csrf_from(api.get("/login").text)
    r = api.post("/login", data={"token": api.tokens["reviewer"], "csrf_token": csrf, "next": "https://evil.example/"},
                 follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "govdigest_session=" in cookie
    assert api.get("/").status_code == 200
    me = api.get("/api/v1/me").json()
    assert me == {"name": "reviewer", "role": "reviewer", "via": "session"}
    session_csrf = _csrf_from(api.get("/").text)
    par = api.get(f"/api/v1/documents/{doc}/paragraphs").json()["items"][0]
    r = api.patch(f"/api/v1/paragraphs/{par['id']}", json={"label": "other"})
    assert r.status_code == 403 and err(r) == "csrf_failed"
    r = api.patch(f"/api/v1/paragraphs/{par['id']}", json={"label": "other"}, headers={"X-CSRF-Token": "nope"})
    assert r.status_code == 403 and err(r) == "csrf_failed"
    r = api.patch(f"/api/v1/paragraphs/{par['id']}", json={"label": "other"}, headers={"X-CSRF-Token": session_csrf})
    assert r.status_code == 200 and r.json()["reviewed_by"] == "reviewer"
    # a form post without the token is refused too
    r = api.post("/logout", data={}, follow_redirects=False)
    assert r.status_code == 403
    from store.db import session
    from store.users import revoke_user

    with session(api.cfg.database_url) as s:
        revoke_user(s, "reviewer")
        s.commit()
    assert api.get("/api/v1/me").status_code == 401
    r = api.get("/")
    assert r.status_code == 401 and 'action="/login"' in r.text


def test_logout_ends_the_session(api):
    csrf = _csrf_from(api.get("/login").text)
    api.post("/login", data={"token": api.tokens["viewer"], "csrf_token": csrf, "next": "/"})
    csrf = _csrf_from(api.get("/").text)
    r = api.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert api.get("/api/v1/me").status_code == 401


def test_secret_key_is_generated_once_under_the_data_dir(tmp_path, monkeypatch):
    from api.services import Config, load_or_create_secret

    monkeypatch.delenv("GOVDIGEST_SECRET_KEY", raising=False)
    cfg = Config(database_url=f"sqlite:///{tmp_path / 'x.db'}", data_dir=tmp_path / "d")
    key = cfg.resolved_secret()
    assert len(key) > 40 and key == load_or_create_secret(tmp_path / "d")
    assert (tmp_path / "d" / "secret_key").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("GOVDIGEST_SECRET_KEY", "from-env")
    assert cfg.resolved_secret() == "from-env"


# ---------------------------------------------------------------- pages and escaping


def test_report_page_escapes_html_and_highlights_failing_cells(api):
    hostile = report_text("丁县<b>财政</b>局", extra='<script>alert("x")</script><img src=x onerror=alert(1)>全年开展培训5次。',
                          total="2 0 0 1 0 0 4")
    doc = process_report(api, hostile, "hostile.txt")
    h = bearer(api.tokens["viewer"])
    r = api.get(f"/reports/{doc}", headers=h)
    assert r.status_code == 200
    html = r.text
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>财政</b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html and "&lt;b&gt;财政&lt;/b&gt;" in html
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert 'class="cell num status-fail' in html and 'data-cell="applications.total[6]"' in html
    assert html.index("status-fail") < html.index("status-pass")  # failing checks first
    summary = api.get(f"/api/v1/documents/{doc}", headers=h).json()
    if summary["tables"].get("evidence"):  # cells read with offsets link to their source text
        ev = summary["tables"]["evidence"]["applications.total[6]"]
        assert f'/reports/{doc}/text?start={ev["start"]}&amp;end={ev["end"]}' in html
    assert 'class="par lab-' in html and "conf-" in html and '<mark class="fig' in html
    for page in ("/", "/review", "/admin/models", f"/reports/{doc}/text?start=10&end=30"):
        r = api.get(page, headers=bearer(api.tokens["admin"]))
        assert r.status_code == 200, page
        assert "<script>alert" not in r.text
        assert all(src.startswith("/static/") for src in _script_srcs(r.text)), page


def _script_srcs(html: str) -> list[str]:
    import re

    srcs = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", html)
    assert len(srcs) == len(re.findall(r"<script\b", html)), "inline script found"
    return srcs


def test_templates_autoescape_and_docs_are_offline(api):
    from api.web import make_templates

    assert make_templates().env.autoescape is True
    r = api.get("/api/v1/docs")
    assert r.status_code == 401
    h = bearer(api.tokens["viewer"])
    r = api.get("/api/v1/docs", headers=h)
    assert r.status_code == 200 and "http" not in "".join(_script_srcs(r.text))
    assert api.get("/static/swagger/swagger-ui-bundle.js").status_code == 200
    schema = api.get("/api/v1/openapi.json", headers=h).json()
    assert schema["paths"]["/api/v1/documents"]["post"] and "HTTPValidationError" not in json.dumps(schema)
    assert api.get("/api/v1/openapi.json").status_code == 401
    assert api.get("/static/app.css").status_code == 200


# ---------------------------------------------------------------- the users CLI


def test_users_cli_add_list_revoke(tmp_path, govdigest_bin, cli_env):
    db = f"sqlite:///{tmp_path / 'u.db'}"

    def run(*args):
        return subprocess.run([govdigest_bin, "users", *args, "--db", db], capture_output=True, text=True,
                              env=cli_env, timeout=120)

    r = run("add", "alice", "--role", "reviewer")
    assert r.returncode == 0, r.stderr
    token = r.stdout.splitlines()[-1]
    assert token.strip() == token and len(token) >= 43 and " " not in token
    from store.db import session
    from store.users import user_for_token

    with session(db) as s:
        assert user_for_token(s, token).role == "reviewer"
    assert run("add", "alice", "--role", "admin").returncode == 2
    assert run("add", "bob", "--role", "boss").returncode == 2
    listed = json.loads(run("list", "--json").stdout)
    assert [(u["name"], u["role"], u["revoked_at"]) for u in listed] == [("alice", "reviewer", None)]
    assert token not in run("list").stdout
    assert run("revoke", "alice").returncode == 0
    with session(db) as s:
        assert user_for_token(s, token) is None
    assert run("revoke", "nobody").returncode == 2
    again = run("add", "alice", "--role", "admin")
    assert again.returncode == 0 and again.stdout.splitlines()[-1] != token


@pytest.mark.parametrize("role,needed,ok", [("viewer", "viewer", True), ("viewer", "reviewer", False),
                                            ("reviewer", "reviewer", True), ("admin", "reviewer", True),
                                            ("reviewer", "admin", False), ("nobody", "viewer", False)])
def test_role_order(role, needed, ok):
    from store.users import has_role

    assert has_role(role, needed) is ok


def test_safe_next_keeps_redirects_local():
    from api.routes_web import safe_next

    for bad in ("https://evil.example/", "//evil.example", "/\t/evil.example", "/\\evil", "", None, "javascript:x"):
        assert safe_next(bad) == "/", bad
    assert safe_next("/reports/3?x=1#p-2") == "/reports/3?x=1#p-2"


def test_api_training_goes_to_the_worker_queue_with_every_option(api, monkeypatch):
    import inspect

    import worker.tasks

    sent = []

    class Result:
        id = "task-1"

    monkeypatch.setattr(worker.tasks.train, "apply_async", lambda **kw: sent.append(kw) or Result())
    api.cfg.broker_url = "redis://127.0.0.1:6379/15"
    ha = bearer(api.tokens["admin"])
    r = api.post("/api/v1/models/train", headers=ha, json={"include_reviews": False, "promote": True})
    assert r.status_code == 202 and r.json() == {"started": True, "mode": "worker", "task_id": "task-1"}
    r = api.post("/api/v1/models/train", headers=ha, json={"include_reviews": True})
    assert r.status_code == 202 and r.json()["mode"] == "worker"
    assert [x["kwargs"] for x in sent] == [
        {"include_reviews": False, "promote": True, "force": False, "who": "admin"},
        {"include_reviews": True, "promote": False, "force": False, "who": "admin"}]
    # the task takes exactly what it is sent
    assert set(inspect.signature(worker.tasks.train.run).parameters) == set(sent[0]["kwargs"])


def test_filters_and_review_on_postgresql(postgres_url, tmp_path):
    import os

    from bench.web_bench import fresh_database
    from store.db import engine

    admin = os.environ.get("GOVDIGEST_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"govdigest_api_test_{os.getpid()}"  # other checkouts may use the same server at the same time
    url = fresh_database(admin, name)
    app, cfg, tokens = build(tmp_path, url=url)
    try:
        _filters_and_review(app, tokens)
    finally:
        engine(url).dispose()
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _filters_and_review(app, tokens):
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        client.tokens = tokens
        a = process_report(client, report_text("甲县教育局", extra="深化“放管服”改革。"), "a.txt")
        b = process_report(client, report_text("乙县教育局", total="2 0 0 1 0 0 4"), "b.txt")
        h = bearer(tokens["viewer"])

        def ids(**params):
            r = client.get("/api/v1/documents", headers=h, params=params)
            assert r.status_code == 200, r.text
            return [i["id"] for i in r.json()["items"]]

        assert ids(theme="放管服") == [a] and ids(check="applications.row_total") == [b] and ids(agency="教育") == [b, a]
        assert ids(check="any", year=2020, template="2019", status="done", label="problems") == [b]
        r = client.get("/api/v1/documents", headers=h, params={"agency": "a\x00b"})
        assert r.status_code == 422 and err(r) == "validation_error"
        par = client.get("/api/v1/review/queue", headers=h).json()["items"][0]
        r = client.patch(f"/api/v1/paragraphs/{par['id']}", headers=bearer(tokens["reviewer"]), json={"label": "other"})
        assert r.status_code == 200 and r.json()["changes"][-1]["by"] == "reviewer"
        assert client.get(f"/reports/{a}", headers=h).status_code == 200


def test_upload_names_are_cleaned(api, report_2019_bytes):
    r = upload(api, api.tokens["reviewer"], {"../../dir/a\x00b\u202e.txt": report_2019_bytes})
    assert r.status_code == 202, r.text
    name = r.json()["documents"][0]["filename"]  # the client may send the NUL percent-encoded
    assert name.startswith("a") and name.endswith("b.txt") and not {"/", "\x00", "\u202e"} & set(name)

    from api.services import _clean_name

    assert _clean_name("../../x/a\x00b\u202e\ud800.txt") == "ab?.txt"


def test_documents_page_shows_running_batches_and_filters(api, report_2019_bytes):
    from store.db import session
    from store.repository import get_or_create_batch, store_file

    process_report(api, report_text("甲县教育局"), "a.txt")
    with session(api.cfg.database_url) as s:
        b = get_or_create_batch(s, "nightly-run")
        store_file(s, report_2019_bytes, "waiting.txt", batch=b)
        s.commit()
    h = bearer(api.tokens["viewer"])
    html = api.get("/", headers=h).text
    assert "Running batches" in html and "nightly-run" in html and '<progress max="1" value="0">' in html
    assert 'action="/upload"' not in html  # viewers cannot upload
    assert 'action="/upload"' in api.get("/", headers=bearer(api.tokens["reviewer"])).text
    html = api.get("/", headers=h, params={"agency": "甲县", "year": "9999999999", "status": "done"}).text
    assert "甲县教育局" in html and "waiting.txt" not in html
