"""The reviewer pages in a real browser: Debian's Chromium (/usr/bin/chromium) driven by Playwright
(the Python package only; Playwright's own browser downloads are never used) against
`govdigest serve` on a free localhost port with a temp SQLite database.

Skipped when Chromium or Playwright is missing, unless CI=true (then it fails)."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from test_api_support import copy_models, report_text

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
HOSTILE_LINE = '<script>alert("pwned")</script><b>粗体</b><img src=x onerror="alert(2)">'

pytestmark = pytest.mark.slow


def _need(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing (required with CI=true)")
    pytest.skip(f"{what} is missing")


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        _need(CHROMIUM)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need("the playwright package")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, govdigest_bin):
    """`govdigest serve` with a reviewer, and processed reports: one ordinary, one hostile, and
    enough others for a 50-paragraph queue."""
    from store.db import session
    from store.users import add_user

    tmp = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{tmp / 'web.db'}"
    with session(url) as s:
        _, token = add_user(s, "rita", "reviewer")
        s.commit()
    port = _free_port()
    env = dict(os.environ)
    env.update(GOVDIGEST_HOME=str(tmp / "home"))
    for var in ("GOVDIGEST_DATABASE_URL", "GOVDIGEST_SECRET_KEY", "GOVDIGEST_BROKER_URL"):
        env.pop(var, None)
    log = open(tmp / "serve.log", "w")
    proc = subprocess.Popen([govdigest_bin, "serve", "--host", "127.0.0.1", "--port", str(port), "--db", url,
                             "--models-dir", str(copy_models(tmp / "models")), "--log-level", "warning"],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("govdigest serve did not start:\n" + (tmp / "serve.log").read_text())
            time.sleep(0.2)
        h = {"Authorization": f"Bearer {token}"}
        files = [("files", ("main.txt", report_text("某某县文化和旅游局").encode(), "text/plain")),
                 ("files", ("hostile.txt", report_text("某某县民政局", extra=HOSTILE_LINE).encode(), "text/plain"))]
        files += [("files", (f"more{i}.txt", report_text(f"第{i}号县统计局", 2010 + i).encode(), "text/plain"))
                  for i in range(8)]
        r = httpx.post(f"{base}/api/v1/documents", headers=h, files=files, timeout=120)
        assert r.status_code == 202, r.text
        docs = r.json()["documents"]
        batch = r.json()["batch"]["id"]
        deadline = time.monotonic() + 120
        while not httpx.get(f"{base}/api/v1/batches/{batch}", headers=h, timeout=10).json()["finished"]:
            assert time.monotonic() < deadline, "processing did not finish"
            time.sleep(0.2)
        yield {"base": base, "token": token, "headers": h, "main": docs[0]["id"], "hostile": docs[1]["id"]}
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.dialogs = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.goto(server["base"] + "/login")
    pg.fill("input[name=token]", server["token"])
    pg.click("button[type=submit]")
    pg.wait_for_url(server["base"] + "/")
    yield pg
    context.close()


def _wait_saved(pg, n: int) -> None:
    pg.wait_for_function(
        "n => document.getElementById('review-status').dataset.pending === '0' && "
        "document.getElementById('saved').textContent === String(n)", arg=n, timeout=30_000)


def test_sign_in_open_report_correct_with_keyboard_reload_and_audit(page, server):
    base = server["base"]
    doc = server["main"]
    page.goto(f"{base}/reports/{doc}")
    assert "某某县文化和旅游局" in page.inner_text("h1")
    assert page.locator("section#tables table.grid-applications tbody tr").count() >= 20
    page.goto(f"{base}/review?document={doc}")
    item = page.locator(".qitem:not([hidden])")
    pid = item.get_attribute("data-id")
    before = item.get_attribute("data-label")
    target, key = ("problems", "2") if before != "problems" else ("other", "4")
    page.keyboard.press(key)
    _wait_saved(page, 1)
    first_row = page.locator("#audit-rows tr").first
    assert first_row.get_attribute("data-paragraph-id") == pid and target in first_row.inner_text()
    page.reload()
    assert page.locator(f'.qitem[data-id="{pid}"]').count() == 0  # reviewed: out of the queue
    kept = page.locator(f'#audit-rows tr[data-paragraph-id="{pid}"]').first
    assert before in kept.inner_text() and target in kept.inner_text() and "rita" in kept.inner_text()
    p = httpx.get(f"{base}/api/v1/paragraphs/{pid}", headers=server["headers"]).json()
    assert p["label"] == target and p["reviewed_by"] == "rita"
    page.goto(f"{base}/reports/{doc}")
    par = page.locator(f'.par[data-paragraph-id="{pid}"]')
    assert par.get_attribute("data-label") == target and "reviewed by rita" in par.inner_text()
    assert page.locator(f'#audit-rows tr[data-paragraph-id="{pid}"]').count() == 1


def test_report_text_with_script_and_html_renders_inert(page, server):
    page.goto(f"{server['base']}/reports/{server['hostile']}")
    page.wait_for_timeout(300)
    assert page.dialogs == []
    assert page.locator("script").count() == 0  # the report page runs no script at all
    assert page.locator(".par-text b, .par-text img").count() == 0
    shown = page.locator(".par-text", has_text="alert").first.inner_text()
    assert '<script>alert("pwned")</script>' in shown and "<b>粗体</b>" in shown
    page.goto(f"{server['base']}/review?document={server['hostile']}")
    page.wait_for_timeout(200)
    assert page.dialogs == [] and page.locator(".qitem img, .qitem b").count() == 0


def test_fifty_paragraphs_with_the_keyboard_alone(page, server):
    base = server["base"]
    page.goto(f"{base}/review?limit=50")
    items = page.locator(".qitem")
    assert items.count() == 50
    ids = [items.nth(i).get_attribute("data-id") for i in range(50)]
    predicted = [items.nth(i).get_attribute("data-predicted") for i in range(50)]
    page.keyboard.press("j")
    assert page.inner_text("#position") == "2"
    page.keyboard.press("k")
    assert page.inner_text("#position") == "1"
    keys = ["1", "2", "3", "4", "Enter"] * 10
    expected = {}
    t0 = time.monotonic()
    for i, key in enumerate(keys):
        page.keyboard.press(key)
        expected[ids[i]] = predicted[i] if key == "Enter" else {"1": "overview", "2": "problems", "3": "improvements",
                                                                "4": "other"}[key]
    _wait_saved(page, 50)
    elapsed = time.monotonic() - t0
    assert elapsed < 30, elapsed
    assert page.locator(".qitem.save-failed").count() == 0
    changes = httpx.get(f"{base}/api/v1/review/changes", params={"limit": 100}, headers=server["headers"]).json()["items"]
    latest = {}
    for c in reversed(changes):
        latest[str(c["paragraph_id"])] = c["to"]
    assert {pid: latest.get(pid) for pid in ids} == expected
    page.reload()
    assert not set(ids) & {page.locator(".qitem").nth(i).get_attribute("data-id")
                           for i in range(page.locator(".qitem").count())}


def test_models_page_shows_versions_history_and_no_buttons_for_a_reviewer(page, server):
    page.goto(f"{server['base']}/admin/models")
    active = json.loads((Path(__file__).resolve().parent.parent / "models" / "registry.json").read_text())["active"]
    assert page.inner_text("#active-version") == active
    assert page.locator("table.confusion tbody tr").count() == 4
    assert page.locator("form[action='/admin/models/promote']").count() == 0  # admins only
